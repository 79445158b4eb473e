#!/usr/bin/env bash
# The worker's inference engine (tract) against onnxruntime, side by side in one run, on the same
# model and input bytes: the demo model (MLP 16-16-4), the 784-128-10 MLP, and a 1-1 MLP that shows
# what a call costs besides the arithmetic.
#
#   scripts/bench-engine-vs-ort.sh [--runs N] [--warmup N] [--rounds N] [--out FILE.json]
#
# tract is timed by the node binaries validators run, with their hidden `bench-engine` subcommand
# (node/src/engine_bench.rs): the debug node and, when it has been built, the release node
# ($CARGO_TARGET_DIR/{debug,release}/verity-node; this script builds nothing, and skips a binary
# that predates the subcommand). onnxruntime from PyPI, in a virtual environment this script makes
# outside the tree ($VERITY_ORT_VENV, default ~/.cache/verity-venv-ort), is timed by
# scripts/bench_ort.py with one intra-op thread and with its default threads, and through its C
# API with one thread (scripts/bench_ort_capi.c, compiled here against the wheel's library).
#
# Tool: an in-process timer on every side (Rust std::time::Instant, Python time.perf_counter_ns,
# C clock_gettime) around each inference, one at a time, after a warm-up; not criterion
# (scripts/bench-engine.sh is the criterion benchmark). Each side runs alone, one after the
# other, in --rounds rounds (default 3); the table shows each engine's round with the lowest
# median, the JSON all rounds.
# Other work on the machine shows in the figures: run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ORT_VERSION=1.31.1
NUMPY_VERSION=2.4.6

usage() {
	sed -n '6p' "$0" | sed 's/^#   /usage: /' >&2
	exit "${1:-2}"
}
runs=10000 warmup=500 rounds=3 out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs="${2:?--runs needs a number}"; shift 2 ;;
	--warmup) warmup="${2:?--warmup needs a number}"; shift 2 ;;
	--rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
	--out) out="${2:?--out needs a file}"; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "bench-engine-vs-ort: unknown argument $1" >&2; usage ;;
	esac
done

nodes=()
for profile in debug release; do
	bin="$CARGO_TARGET_DIR/$profile/verity-node"
	if [ ! -x "$bin" ]; then
		echo "bench-engine-vs-ort: no $profile node ($bin), skipped" >&2
	elif ! "$bin" bench-engine --help >/dev/null 2>&1; then
		echo "bench-engine-vs-ort: the $profile node predates \`bench-engine\`; rebuild it to include it" >&2
	else
		nodes+=("$profile")
	fi
done
if [ ${#nodes[@]} -eq 0 ]; then
	echo "bench-engine-vs-ort: no node binary to time; build one (cargo build -p verity-node)" >&2
	exit 1
fi

venv="${VERITY_ORT_VENV:-$HOME/.cache/verity-venv-ort}"
python="$venv/bin/python"
if ! "$python" -c "import onnxruntime as o, numpy as n; assert (o.__version__, n.__version__) == ('$ORT_VERSION', '$NUMPY_VERSION')" 2>/dev/null; then
	echo "bench-engine-vs-ort: installing onnxruntime $ORT_VERSION and numpy $NUMPY_VERSION into $venv" >&2
	python3 -m venv "$venv"
	"$python" -m pip install --quiet "onnxruntime==$ORT_VERSION" "numpy==$NUMPY_VERSION"
fi

load=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
first="$CARGO_TARGET_DIR/${nodes[0]}/verity-node"
"$first" bench-engine --write-models "$work/models"

# onnxruntime without Python too, through the C API of the wheel's own library, when there is a C
# compiler: the binding's per-call cost is most of a call on the smallest models.
capi=()
lib=$("$python" -c "import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), 'capi'))")
so=$(ls "$lib"/libonnxruntime.so.* 2>/dev/null | head -n1)
if command -v cc >/dev/null && [ -n "$so" ]; then
	# The library's file is named by its full version; link and load it by the usual names.
	mkdir "$work/lib"
	ln -s "$so" "$work/lib/libonnxruntime.so"
	ln -s "$so" "$work/lib/libonnxruntime.so.${ORT_VERSION%%.*}"
	cc -O2 -o "$work/bench_ort_capi" scripts/bench_ort_capi.c -L"$work/lib" -lonnxruntime \
		-Wl,-rpath,"$work/lib"
	capi=(--capi "$work/bench_ort_capi")
else
	echo "bench-engine-vs-ort: no C compiler or no libonnxruntime.so: onnxruntime from Python only" >&2
fi

ort_args=() tract_args=()
for round in $(seq "$rounds"); do
	echo "bench-engine-vs-ort: round $round of $rounds: onnxruntime $ORT_VERSION, $runs runs after $warmup" >&2
	"$python" scripts/bench_ort.py time "$work/models" --runs "$runs" --warmup "$warmup" "${capi[@]}" \
		>"$work/ort-$round.json"
	ort_args+=(--ort "$work/ort-$round.json")
	for profile in "${nodes[@]}"; do
		echo "bench-engine-vs-ort: round $round of $rounds: tract, $profile node" >&2
		"$CARGO_TARGET_DIR/$profile/verity-node" bench-engine --runs "$runs" --warmup "$warmup" \
			>"$work/tract-$profile-$round.json"
		tract_args+=(--tract "$profile=$work/tract-$profile-$round.json")
	done
done

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%F); load average before: $load"
"$python" scripts/bench_ort.py table "${ort_args[@]}" "${tract_args[@]}" ${out:+--out "$out"}
