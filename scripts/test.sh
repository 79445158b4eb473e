#!/usr/bin/env bash
# Sets up the machine, builds everything and runs the whole test suite: unit tests of every
# crate, the pallets' benchmarks (as tests), runtime tests, the end-to-end tests that start
# real verity-node processes, and the polkadot.js client's tests against a real dev node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

start=$(date +%s)
# The polkadot.js client's packages, from its lock file: its tests below and the network's soak
# (zombienet/tests/network.rs runs the load generator) need them.
(cd scripts/js && npm ci --no-audit --no-fund --loglevel=error)
cargo test --locked --workspace
# Each benchmark runs once against the pallet's mock, so a benchmark that no longer sets up or
# asserts correctly fails here rather than when weights are regenerated. No wasm is needed.
SKIP_WASM_BUILD=1 cargo test --locked --features runtime-benchmarks \
	-p pallet-operators -p pallet-models -p pallet-inference -p pallet-settlement \
	-p pallet-aura-equivocation -p pallet-feeds -- benchmark
# The polkadot.js client against the node built above.
(cd scripts/js && VERITY_NODE="$CARGO_TARGET_DIR/debug/verity-node" npm test)
echo "test.sh: the suite took $(($(date +%s) - start)) s"
