#!/usr/bin/env bash
# Criterion benchmark of ZKML (primitives/zkml/benches/zk.rs): Groth16 proving and native
# verification of the 16-16-4 demo MLP and a 784-128-10 MLP, and a batch of 16 proofs verified
# with one multi-pairing; it prints constraints and key sizes. The dev profile compiles the
# arkworks crates at opt-level 3 (see Cargo.toml), so this shares the test suite's build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
cargo bench --locked --workspace --profile dev --bench zk -- "$@"
