//! Generated ONNX models: the development chain's demo model and the MLPs the benchmarks run.
//!
//! A model is a multi-layer perceptron: `Gemm` layers (`y = x·W + b`) with `Relu` between them,
//! taking an `f32` tensor of shape `[1, sizes[0]]` and returning `[1, sizes[last]]`. Weights come
//! from a fixed-seed generator, so the same sizes and seed give the same bytes, and so the same
//! model id, on every machine (the writer is `verity_zkml::onnx::mlp`, which the ZKML tests and
//! benchmarks use too). `scripts/gen-demo-model.sh` writes the demo model with
//! `verity-node demo-model`; a test checks that the committed file is what this code generates.

pub use verity_zkml::onnx::mlp;

/// The layer sizes of the demo model: 16 inputs, a hidden layer of 16, 4 outputs.
pub const DEMO_SIZES: [usize; 3] = [16, 16, 4];
/// The seed of the demo model's weights.
pub const DEMO_SEED: u64 = 0x5645_5249_5459; // "VERITY"

/// The demo model's ONNX bytes, as committed (`node/res/demo-model.onnx`).
pub const DEMO_MODEL: &[u8] = include_bytes!("../../res/demo-model.onnx");

/// The demo model's id (checked against the runtime's by the node's tests).
pub const DEMO_MODEL_ID: verity_primitives::ModelId =
	verity_runtime::genesis_config_presets::DEMO_MODEL_ID;

/// The public seed of the demo model's Groth16 setup: anyone can rebuild the dev chain's keys,
/// and so forge proofs for them. `zk setup --insecure-seed` takes it.
pub const DEMO_ZK_SEED: u64 = 0x5645_5249_5459_5a4b; // "VERITYZK"

/// The demo model's IR and (seeded, insecure) proving key, whose verifying key is in the dev
/// chain's genesis.
pub fn demo_zk_keys() -> Result<(verity_zkml::Model, verity_zkml::prover::ProvingKey), String> {
	let ir =
		verity_zkml::onnx::import(DEMO_MODEL, Default::default()).map_err(|e| e.to_string())?;
	let key = verity_zkml::prover::setup_seeded(&ir, DEMO_ZK_SEED).map_err(|e| e.to_string())?;
	Ok((ir, key))
}

/// The demo model, generated.
pub fn demo_model() -> Vec<u8> {
	mlp(&DEMO_SIZES, DEMO_SEED)
}
