//! Generated ONNX models: the development chain's demo model and the MLPs the benchmarks run.
//!
//! A model is a multi-layer perceptron: `Gemm` layers (`y = x·W + b`) with `Relu` between them,
//! taking an `f32` tensor of shape `[1, sizes[0]]` and returning `[1, sizes[last]]`. Weights come
//! from a fixed-seed generator, so the same sizes and seed give the same bytes, and so the same
//! model id, on every machine. `scripts/gen-demo-model.sh` writes the demo model with
//! `verity-node demo-model`; a test checks that the committed file is what this code generates.

use prost::Message;
use tract_onnx::pb::{
	tensor_proto::DataType, tensor_shape_proto::dimension, tensor_shape_proto::Dimension,
	type_proto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
	TensorShapeProto, TypeProto, ValueInfoProto,
};

/// The layer sizes of the demo model: 16 inputs, a hidden layer of 16, 4 outputs.
pub const DEMO_SIZES: [usize; 3] = [16, 16, 4];
/// The seed of the demo model's weights.
pub const DEMO_SEED: u64 = 0x5645_5249_5459; // "VERITY"

/// The demo model's ONNX bytes, as committed (`node/res/demo-model.onnx`).
pub const DEMO_MODEL: &[u8] = include_bytes!("../../res/demo-model.onnx");

/// The demo model, generated.
pub fn demo_model() -> Vec<u8> {
	mlp(&DEMO_SIZES, DEMO_SEED)
}

/// A deterministic stream of weights in `[-scale, scale)` (xorshift64*).
pub(crate) struct Weights(pub(crate) u64);

impl Weights {
	pub(crate) fn next(&mut self, scale: f32) -> f32 {
		let mut x = self.0;
		x ^= x.wrapping_shr(12);
		x ^= x.wrapping_shl(25);
		x ^= x.wrapping_shr(27);
		self.0 = x;
		// The top 24 bits, as a fraction in [0, 1).
		let unit = (x.wrapping_mul(0x2545_F491_4F6C_DD1D).wrapping_shr(40)) as f32 / 16_777_216.0;
		(unit * 2.0 - 1.0) * scale
	}
}

fn tensor_type(dims: &[usize]) -> Option<TypeProto> {
	Some(TypeProto {
		value: Some(type_proto::Value::TensorType(type_proto::Tensor {
			elem_type: DataType::Float as i32,
			shape: Some(TensorShapeProto {
				dim: dims
					.iter()
					.map(|&d| Dimension {
						value: Some(dimension::Value::DimValue(d as i64)),
						..Default::default()
					})
					.collect(),
			}),
		})),
		..Default::default()
	})
}

fn initializer(name: String, dims: &[usize], values: Vec<f32>) -> TensorProto {
	TensorProto {
		name,
		dims: dims.iter().map(|&d| d as i64).collect(),
		data_type: DataType::Float as i32,
		raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
		..Default::default()
	}
}

fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
	NodeProto {
		name: output.to_string(),
		op_type: op.to_string(),
		input: inputs.iter().map(|s| s.to_string()).collect(),
		output: vec![output.to_string()],
		..Default::default()
	}
}

/// The ONNX bytes of an MLP with layer `sizes` (at least two) and weights from `seed`.
pub fn mlp(sizes: &[usize], seed: u64) -> Vec<u8> {
	// xorshift never leaves zero, so a zero seed is moved off it.
	let mut weights = Weights(seed.max(1));
	let mut nodes = Vec::new();
	let mut initializers = Vec::new();
	let mut previous = "input".to_string();
	let layers: Vec<(usize, usize)> =
		sizes.windows(2).filter_map(|w| w.first().zip(w.get(1))).map(|(a, b)| (*a, *b)).collect();
	for (index, (inputs, outputs)) in layers.iter().copied().enumerate() {
		// Scaled so activations neither vanish nor explode across layers.
		let scale = 1.0 / (inputs.max(1) as f32).sqrt();
		let w: Vec<f32> =
			(0..inputs.saturating_mul(outputs)).map(|_| weights.next(scale)).collect();
		let b: Vec<f32> = (0..outputs).map(|_| weights.next(scale)).collect();
		let (w_name, b_name) = (format!("w{index}"), format!("b{index}"));
		initializers.push(initializer(w_name.clone(), &[inputs, outputs], w));
		initializers.push(initializer(b_name.clone(), &[outputs], b));
		let last = index.saturating_add(1) == layers.len();
		let gemm = if last { "output".to_string() } else { format!("gemm{index}") };
		nodes.push(node("Gemm", &[&previous, &w_name, &b_name], &gemm));
		previous = gemm;
		if !last {
			let relu = format!("relu{index}");
			nodes.push(node("Relu", &[&previous], &relu));
			previous = relu;
		}
	}
	let first = sizes.first().copied().unwrap_or(0);
	let last = sizes.last().copied().unwrap_or(0);
	let model = ModelProto {
		ir_version: 8,
		opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 13 }],
		producer_name: "verity".to_string(),
		graph: Some(GraphProto {
			name: "mlp".to_string(),
			node: nodes,
			initializer: initializers,
			input: vec![ValueInfoProto {
				name: "input".to_string(),
				r#type: tensor_type(&[1, first]),
				..Default::default()
			}],
			output: vec![ValueInfoProto {
				name: "output".to_string(),
				r#type: tensor_type(&[1, last]),
				..Default::default()
			}],
			..Default::default()
		}),
		..Default::default()
	};
	model.encode_to_vec()
}
