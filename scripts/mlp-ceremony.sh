#!/usr/bin/env bash
# The 784-128-10 MLP gets its key from the setup ceremony on a running chain, and a `Zk` job of
# it settles on that key. The chain is a development chain whose phase 1 has the production size,
# 2^16 (the MLP has 15 788 constraints; the dev preset's 2^11 is for the demo model), on a node
# built as scripts/bench-pallets.sh builds it (release by default: a 2^16 contribution takes
# minutes in a debug build). Each step is timed; record the machine with the figures
# (docs/zk.md).
#
#   1. `build-spec --chain dev`, phase 1 set to 2^16 and its public starting hash;
#   2. a node on it (Alice, Aura blocks every 6 s: a failed contribution is tried again 50
#      blocks later, which instant sealing might never reach; its worker with
#      --worker-ceremony);
#   3. the MLP generated (`verity-node demo-model`), put into Alice's store and registered by
#      her for `Fast` and `Zk`, served by her node;
#   4. `cli.mjs dev-ceremony --onnx`: Alice contributes to phase 1 and seals it (sudo), derives
#      the MLP's key and begins its phase 2; her node's verifier key that serves the model
#      contributes by itself; she seals it;
#   5. a `Zk` job of the MLP, proved by her worker with the sealed key.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

profile="${PROFILE:-release}"
port="${PORT:-9955}"
cargo build --locked --profile "$profile" -p verity-node --features runtime-benchmarks
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
node="$CARGO_TARGET_DIR/$dir/verity-node"
(cd scripts/js && npm ci --no-audit --no-fund --loglevel=error)
work=$(mktemp -d -t verity-mlp-ceremony.XXXXXX)
child=
trap '[ -z "$child" ] || kill "$child" 2>/dev/null || true; wait || true; rm -rf "$work"' EXIT
cli() { node scripts/js/cli.mjs --url "ws://127.0.0.1:$port" "$@"; }
step() { echo "[$(date +%T)] $*"; }

step "chain spec: the dev chain with a phase 1 of 2^16"
"$node" build-spec --chain dev > "$work/dev.json" 2> /dev/null
node --input-type=module - "$work/dev.json" "$work/spec.json" <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
const [from, to] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(from, 'utf8'));
const genesis = spec.genesis.runtimeGenesis;
const state = genesis.patch ?? genesis.config;
// `Accumulator::new(PHASE1_SIZE).hash()`, as primitives/zkml/src/ceremony/mod.rs pins it.
state.settlement.phase1 = [65536, '0x5edbdcaaaf06683b94e94315c791103f3019672ac8afb5c97c5bd08b6b67e384'];
writeFileSync(to, JSON.stringify(spec));
EOF

step "node: $node"
"$node" --chain "$work/spec.json" --alice --validator --base-path "$work/chain" \
	--force-authoring --worker --worker-ceremony --worker-zk-keys "$work/zk" \
	--rpc-port "$port" --port 0 --no-prometheus --no-telemetry --no-mdns \
	--unsafe-force-node-key-generation \
	> "$work/node.log" 2>&1 &
child=$!
until cli oracle > /dev/null 2>&1; do
	kill -0 "$child" 2>/dev/null || { tail -20 "$work/node.log"; exit 1; }
	sleep 1
done

step "the 784-128-10 MLP: registered by Alice for Fast and Zk, served by her node"
"$node" demo-model --sizes 784,128,10 --out "$work/mlp.onnx" > /dev/null
model=$(cli register "$work/mlp.onnx" --input 1,784 --output 1,10 --modes Fast,Zk \
	--as alice --serve-as alice | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).model))')
echo "model $model"

step "ceremony: phase 1 (Alice), sealed; phase 2 (Alice's verifier key, by itself), sealed"
start=$(date +%s)
cli dev-ceremony --onnx "$work/mlp.onnx" --zk-keys "$work/zk" --node "$node" --contributors 1
step "ceremony: $(($(date +%s) - start)) s"

step "a Zk job of the MLP"
values=$(node -e 'console.log(Array.from({ length: 784 }, (_, i) => ((i % 17) - 8) / 8).join(","))')
start=$(date +%s)
cli submit "$model" --values="$values" --mode Zk --as eve | cut -c1-300
step "the Zk job: $(($(date +%s) - start)) s"
