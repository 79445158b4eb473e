#!/usr/bin/env bash
# Sets up the machine, builds everything and runs the whole test suite: unit tests of every
# crate, runtime tests, and the end-to-end tests that start real verity-node processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

start=$(date +%s)
cargo test --locked --workspace
echo "test.sh: the suite took $(($(date +%s) - start)) s"
