#!/usr/bin/env bash
# Load generator (scripts/js/loadgen.mjs): many requesters submit jobs to a Verity chain at a
# target rate, with a fixed number outstanding, or in a burst; reports jobs sent, submitted,
# settled, refunded, lost and refused, throughput, latency, block and finality figures and the
# node's CPU, as JSON on stdout and report.json + report.svg in --out (default
# ./loadgen-<date>-<time> in the current directory). Exit code 1 if a job was lost or refused.
#
#   scripts/loadgen.sh --rate 20 --duration 60          # its own dev node (Aura, 6 s blocks)
#   scripts/loadgen.sh --url ws://127.0.0.1:9944 --rate 50 --fund-from //Alice
#   scripts/loadgen.sh --help                            # every option
#
# Its own node is $VERITY_NODE if set (nothing is built then), else the debug build, built here.
set -euo pipefail
here=$PWD
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# stdout is the report's alone: what the steps before print goes to stderr.
bash scripts/setup.sh >&2
source scripts/env.sh
needs_node=1
for arg in "$@"; do
	case "$arg" in --url | --url=* | -h | --help) needs_node=0 ;; esac
done
if [ -z "${VERITY_NODE:-}" ] && [ "$needs_node" = 1 ]; then
	# The test suite's build (`cargo test --workspace`) shares this cache; building only
	# `-p verity-node` resolves features differently and rebuilds much of polkadot-sdk.
	cargo build --locked --workspace --tests >&2
	export VERITY_NODE="$CARGO_TARGET_DIR/debug/verity-node"
fi
(cd scripts/js && npm ci --no-audit --no-fund --loglevel=error >&2)
cd "$here"
exec node "$root/scripts/js/loadgen.mjs" "$@"
