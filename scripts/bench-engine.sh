#!/usr/bin/env bash
# Criterion benchmark of the worker's inference engine (node/benches/engine.rs): per-inference
# latency of the demo model (MLP 16-16-4) and of a 784-128-10 MLP, and the load time of the latter.
#
# It builds with the dev profile, in which tract and ndarray are compiled at opt-level 3 (see
# Cargo.toml), so it shares the test suite's build cache instead of building polkadot-sdk in
# release; the engine's own glue code is unoptimised, which can only overstate the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
cargo bench --locked --workspace --profile dev --bench engine -- "$@"
