#!/usr/bin/env bash
# Sets up the machine, builds verity-node and starts a development chain with its worker:
# Alice validates and serves the demo model (registered in genesis, in her node's model
# store), RPC on ws/http://127.0.0.1:9944, state in a temporary directory. Alice is also the
# chain's oracle: a local demo source (scripts/demo-feed.mjs on 127.0.0.1:8089, no internet
# needed) serves sixteen sensor channels, and her node reports them to the sixteen demo feeds
# (scripts/demo-sources.toml) every few seconds: `oracle_values` shows them moving. Once the
# node answers, Eve subscribes to the demo model over the sixteen feeds (a job every ten blocks,
# a hundred runs) and each job's result is printed as it ends (DEMO_SUBSCRIPTION=0 skips it).
# The demo model starts with a seeded key (`--insecure-seed`, anyone can forge its proofs) and
# gets its key from the setup ceremony as soon as the node answers (`cli.mjs dev-ceremony`,
# docs/zk.md): Alice contributes to phase 1 over its public start and seals it, begins the
# model's phase 2, the node's verifiers (Alice, Bob, Charlie, Dave) contribute by themselves
# (`--worker-ceremony`) and Alice seals; from then on `Zk` jobs are proved with that key
# (DEV_CEREMONY=0 skips it). Phase 1 on a dev chain has one contributor, Alice, whose secret
# this machine held: fine for development, never for a real chain.
#
#   scripts/run-dev.sh                        # Aura blocks every 6 s, GRANDPA finality
#   scripts/run-dev.sh --sealing instant      # a block per transaction (dApp development)
#
# Then, in another terminal, a job on the demo model from the polkadot.js client:
#   (cd scripts/js && npm ci && node cli.mjs demo)
#   PROFILE=release scripts/run-dev.sh        # an optimised build (slower to build)
#
# Extra arguments go to verity-node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

profile="${PROFILE:-dev}"
if [ "$profile" = dev ]; then
	# The same build as the test suite's (`cargo test --workspace`), so one shares the other's
	# cache: building only `-p verity-node` resolves features differently and rebuilds much.
	cargo build --locked --workspace --tests
else
	cargo build --locked --profile "$profile" -p verity-node
fi
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")

# The demo feeds' source, the demo model's ceremony and the demo subscription, stopped with the
# node; the worker's key directory, removed with it (the chain is --tmp too).
zk_keys=$(mktemp -d -t verity-dev-zk.XXXXXX)
node scripts/demo-feed.mjs 8089 &
# The helpers still running when the node stops (`jobs -rp`: this shell's own, never a PID an
# ended helper left for another process to take).
trap 'kill $(jobs -rp) 2>/dev/null || true; rm -rf "$zk_keys"' EXIT
(cd scripts/js && npm ci --no-audit --no-fund --loglevel=error)
if [ "${DEV_CEREMONY:-1}" != 0 ]; then
	(
		until node scripts/js/cli.mjs oracle >/dev/null 2>&1; do sleep 2; done
		exec node scripts/js/cli.mjs dev-ceremony --zk-keys "$zk_keys" \
			--node "$CARGO_TARGET_DIR/$dir/verity-node"
	) &
fi
if [ "${DEMO_SUBSCRIPTION:-1}" != 0 ]; then
	(
		until node scripts/js/cli.mjs oracle >/dev/null 2>&1; do sleep 2; done
		exec node scripts/js/cli.mjs subscribe --feeds 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 \
			--every 10 --runs 100 --follow
	) &
fi
"$CARGO_TARGET_DIR/$dir/verity-node" --dev --tmp --rpc-cors all --worker --worker-ceremony \
	--worker-zk-keys "$zk_keys" --oracle-sources scripts/demo-sources.toml "$@"
