#!/usr/bin/env bash
# Generates the dev chain's demo model, node/res/demo-model.onnx (an ONNX MLP 16-16-4 with
# fixed-seed weights), its Groth16 verifying key node/res/demo-model.vk (a setup from the public
# seed DEMO_ZK_SEED: insecure, dev only), and scripts/js/demo-model.json with its id. The runtime's
# `DEMO_MODEL_ID` must equal that id; `cargo test -p verity-node --test worker` checks both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --locked --workspace --tests
out=$("$CARGO_TARGET_DIR/debug/verity-node" demo-model --out node/res/demo-model.onnx)
echo "$out"
id=$(echo "$out" | sed -n 's/.*model id \(0x[0-9a-f]*\).*/\1/p')
printf '{ "id": "%s" }\n' "$id" > scripts/js/demo-model.json
keys=$(mktemp -d)
# DEMO_ZK_SEED in node/src/worker/demo.rs ("VERITYZK").
"$CARGO_TARGET_DIR/debug/verity-node" zk setup node/res/demo-model.onnx --out "$keys" \
	--insecure-seed $((0x5645524954595a4b))
cp "$keys/$id.vk" node/res/demo-model.vk
rm -r "$keys"
grep -q "${id#0x}" runtime/src/genesis_config_presets.rs \
	|| echo "update DEMO_MODEL_ID in runtime/src/genesis_config_presets.rs to $id"
