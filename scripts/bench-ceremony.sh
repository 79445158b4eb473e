#!/usr/bin/env bash
# Times the setup ceremony's participant side with `/usr/bin/time` (wall clock and peak memory),
# one run each, with the node built as scripts/bench-pallets.sh builds it:
#   phase 1 at SIZE (2^16 by default, the chain's): start-transcript, contribute, verify-transcript;
#   phase 2 of the 784-128-10 MLP on that transcript: derive, contribute, verify-transcript --key.
# The chain's side (the calls) is priced by `benchmark pallet` (pallet_settlement).
# Record the machine with the figures (docs/zk.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

profile="${PROFILE:-release}"
size="${SIZE:-65536}"
cargo build --locked --profile "$profile" -p verity-node --features runtime-benchmarks
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
node="$CARGO_TARGET_DIR/$dir/verity-node"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
account=5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY # Alice

timed() {
	local name=$1
	shift
	/usr/bin/time -f "$name: %e s, %M KB peak" "$node" zk "$@" > "$work/$name.out"
}
field() { awk -v name="$1" '$1 == name { print $NF }' "$2"; }

timed start-transcript start-transcript --size "$size" --out "$work/t0"
timed contribute-phase1 contribute --phase 1 --transcript "$work/t0" --account "$account" --out "$work/t1"
timed verify-phase1 verify-transcript "$work/t1"
echo "transcript: $(stat -c %s "$work/t1") bytes"

"$node" demo-model --sizes 784,128,10 --out "$work/mlp.onnx" > /dev/null
timed derive derive "$work/mlp.onnx" --transcript "$work/t1" --out "$work/keys"
bases=$(field input "$work/derive.out")
pk=$(ls "$work"/keys/*.pk)
timed contribute-phase2 contribute --phase 2 --transcript "$pk" --phase1 "$work/t1" \
	--model "$work/mlp.onnx" --bases "$bases" --account "$account" --out "$work/final.pk"
timed verify-phase2 verify-transcript "$work/t1" --model "$work/mlp.onnx" --key "$work/final.pk"
echo "proving key: $(stat -c %s "$work/final.pk") bytes"
