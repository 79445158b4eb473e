# Sourced by the scripts: one build cache, outside the work tree, shared by runs and CI.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/verity-target}"
# The wasm runtime is built in release mode; its own cargo gets the same cache.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-1}"
# The runtime's wasm build looks for the workspace's Cargo.lock from the target directory; the
# target directory lives outside the work tree, so point it at the workspace (else the wasm
# runtime would be built with freshly resolved, unlocked dependencies).
WASM_BUILD_WORKSPACE_HINT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WASM_BUILD_WORKSPACE_HINT
