#!/usr/bin/env bash
# Sets up the machine, builds verity-node and starts the local network of zombienet/local.toml
# on this machine: four validators (Alice, Bob, Charlie, Dave) and two inference nodes (Eve,
# Ferdie) with their workers, each node a `verity-node` process with its own keys, on the ports
# the file names (Alice's RPC: ws/http://127.0.0.1:9944). Ctrl-C stops them all.
#
#   scripts/run-network.sh                  # the nodes straight from local.toml, no zombienet
#   ZOMBIENET=1 scripts/run-network.sh      # the same through zombienet (`zombie-cli` or
#                                           # `zombienet` on PATH), see zombienet/README.md
#   PROFILE=release scripts/run-network.sh  # an optimised build (slower to build)
#   VERITY_NODE=path/to/verity-node scripts/run-network.sh   # that binary; nothing is built
#
# State and logs go to $NETWORK_DIR (default: a new temporary directory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh

profile="${PROFILE:-dev}"
if [ -n "${VERITY_NODE:-}" ]; then
	bin_dir=$(cd "$(dirname "$VERITY_NODE")" && pwd)
elif [ "$profile" = dev ]; then
	# The test suite's build, so one shares the other's cache (see run-dev.sh).
	cargo build --locked --workspace --tests
	bin_dir="$CARGO_TARGET_DIR/debug"
else
	cargo build --locked --profile "$profile" -p verity-node
	bin_dir="$CARGO_TARGET_DIR/$profile"
fi
export PATH="$bin_dir:$PATH"
dir="${NETWORK_DIR:-$(mktemp -d -t verity-network-XXXX)}"
mkdir -p "$dir"

if [ "${ZOMBIENET:-0}" = 1 ]; then
	verity-node build-spec --chain local --raw --disable-default-bootnode \
		>zombienet/local-raw.json 2>/dev/null
	for cli in zombie-cli zombienet; do
		if command -v "$cli" >/dev/null; then
			exec "$cli" spawn zombienet/local.toml --provider native --dir "$dir/zombienet"
		fi
	done
	echo "run-network: neither zombie-cli nor zombienet is on PATH" >&2
	exit 1
fi

# One line per node: name, validator (1/0), RPC port, p2p port, arguments.
nodes=$(python3 - <<'EOF'
import tomllib
with open("zombienet/local.toml", "rb") as f:
    network = tomllib.load(f)
for node in network["relaychain"]["nodes"]:
    print(node["name"], int(node.get("validator", True)), node["rpc_port"], node["p2p_port"],
          " ".join(node.get("args", [])))
EOF
)

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait; }
trap stop EXIT
trap 'exit 130' INT TERM
bootnode=""
while read -r -u 3 name validator rpc p2p args; do
	base="$dir/$name"
	# Each node has a node key of its own; a non-validator's worker signs with the operator
	# key //<Name> (key type vrty), as an operator would insert it.
	if [ ! -e "$base/chains/verity_local/network/secret_ed25519" ]; then
		verity-node key generate-node-key --chain local --base-path "$base" 2>/dev/null
	fi
	flags=(--chain local --name "$name" --base-path "$base" --rpc-port "$rpc" --port "$p2p"
		--prometheus-port $((rpc + 1000)) --rpc-cors all --no-telemetry)
	if [ "$validator" = 1 ]; then
		flags+=(--validator)
	else
		seed="//${name^}"
		verity-node key insert --chain local --base-path "$base" --key-type vrty \
			--scheme sr25519 --suri "$seed"
	fi
	[ -n "$bootnode" ] && flags+=(--bootnodes "$bootnode")
	# shellcheck disable=SC2086 # the definition's arguments are words
	verity-node "${flags[@]}" $args >"$dir/$name.log" 2>&1 &
	pids+=($!)
	if [ -z "$bootnode" ]; then
		# The first node is everyone's bootnode.
		peer=""
		for _ in $(seq 120); do
			kill -0 "${pids[0]}" 2>/dev/null || break
			peer=$(curl -s -H 'Content-Type: application/json' "http://127.0.0.1:$rpc" \
				-d '{"id":1,"jsonrpc":"2.0","method":"system_localPeerId"}' |
				sed -n 's/.*"result":"\([^"]*\)".*/\1/p') || true
			[ -n "$peer" ] && break
			sleep 1
		done
		[ -n "$peer" ] || { echo "run-network: $name did not start; see $dir/$name.log" >&2; exit 1; }
		bootnode="/ip4/127.0.0.1/tcp/$p2p/p2p/$peer"
	fi
	echo "run-network: $name on RPC $rpc, log $dir/$name.log"
done 3<<<"$nodes"
echo "run-network: the network runs; Alice's RPC is ws://127.0.0.1:9944. Ctrl-C stops it."
wait -n "${pids[@]}" || true
echo "run-network: a node stopped; stopping the others" >&2
