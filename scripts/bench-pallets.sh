#!/usr/bin/env bash
# Regenerates the runtime's weights from the pallets' benchmarks (v2):
#   runtime/src/weights/pallet_{operators,models,inference,settlement,aura_equivocation,feeds,oracle}.rs
#   and FRAME's governance pallets', from their own benchmarks:
#   runtime/src/weights/pallet_{scheduler,preimage,treasury,conviction_voting,referenda,parameters}.rs
#
# Builds verity-node with `runtime-benchmarks` and runs `benchmark pallet` on the dev chain's
# genesis (the local chain's for governance). The runtime runs as optimised wasm in wasmtime (as on a validator), so a debug node
# gives usable figures; PROFILE=release uses an optimised node. Record the machine in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

profile="${PROFILE:-dev}"
steps="${STEPS:-20}"
repeat="${REPEAT:-10}"
cargo build --locked --profile "$profile" -p verity-node --features runtime-benchmarks
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
node="$CARGO_TARGET_DIR/$dir/verity-node"

mkdir -p runtime/src/weights
ours="pallet_operators pallet_models pallet_inference pallet_settlement pallet_aura_equivocation pallet_feeds pallet_oracle"
governance="pallet_scheduler pallet_preimage pallet_treasury pallet_conviction_voting pallet_referenda pallet_parameters"
for pallet in ${PALLETS:-$ours $governance}; do
	echo "bench-pallets: $pallet"
	# Governance is measured at its public pace (`local`): the dev chain's one-block periods
	# move a referendum on inside a benchmark that expects it to wait.
	case " $governance " in *" $pallet "*) chain=local ;; *) chain=dev ;; esac
	"$node" benchmark pallet \
		--chain "$chain" \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "$steps" \
		--repeat "$repeat" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--header scripts/weights-header.txt \
		--output "runtime/src/weights/$pallet.rs"
done
