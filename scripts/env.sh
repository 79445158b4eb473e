# Sourced by the scripts: one build cache, outside the work tree, shared by runs and CI.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/verity-target}"
# The wasm runtime is built in release mode; its own cargo gets the same cache.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-1}"
