#!/usr/bin/env bash
# End-to-end benchmark (scripts/js/bench.mjs): N `Fast` jobs on the demo model against a fresh
# `verity-node --dev --worker --sealing instant`; reports submit-to-`JobSettled` latency (p50/p99,
# blocks and seconds) and jobs per second, and fails if any job is not settled.
#
#   scripts/bench-e2e.sh [--jobs 200]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
cargo build --locked --workspace --tests
cd scripts/js
npm ci --no-audit --no-fund --loglevel=error
VERITY_NODE="$CARGO_TARGET_DIR/debug/verity-node" node bench.mjs "$@"
