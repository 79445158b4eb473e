//! ONNX in and out (std): the deterministic importer of float MLP graphs into the [IR](crate::ir),
//! and a writer of MLPs in ONNX (the dev chain's demo model, tests and benchmarks).
//!
//! ## Import
//! The graph must be a chain from its one input to its one output of
//! - `Gemm(x, W, b)` (`alpha = beta = 1`, `transA = 0`, `transB` 0 or 1; `b` optional), or
//! - `MatMul(x, W)`, optionally followed by `Add(·, b)` (either operand order),
//!
//! each optionally followed by one `Relu`, with `W` and `b` float initializers. The input is
//! `[n]` or `[1, n]`. Quantization is static and uses powers of two only, so it is exact integer
//! arithmetic from there on: activations keep `input_frac` fractional bits (an import option);
//! each layer's weights get the most fractional bits `w` with `|W| · 2^w ≤ 127`, the bias is
//! rounded at `input_frac + w` bits, and the layer shifts right by `w`. Rounding is half away
//! from zero (`f32::round`), so the same bytes give the same IR on every machine.
//! Already-quantized graphs (`QLinearMatMul`, `MatMulInteger`) are refused for now.

use std::collections::HashMap;

use prost::Message;
use tract_onnx::pb::{
	attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto::dimension,
	tensor_shape_proto::Dimension, type_proto, GraphProto, ModelProto, NodeProto,
	OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

use crate::ir::{Dense, IrError, Model, MAX_BIAS, MAX_SHIFT};

/// How to quantize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOptions {
	/// Fractional bits of every activation: 4 represents reals in [-8, 8) in steps of 1/16.
	pub input_frac: u8,
}

impl Default for ImportOptions {
	fn default() -> Self {
		ImportOptions { input_frac: 4 }
	}
}

/// Why a graph could not be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
	/// The bytes are not an ONNX model.
	Decode(String),
	/// The graph uses an operator the importer does not take.
	Unsupported(String),
	/// The graph is not a chain of layers from its input to its output.
	NotAChain(String),
	/// An initializer is missing, not float, or has the wrong shape.
	Initializer(String),
	/// An attribute has a value the importer does not take.
	Attribute(String),
	/// Weights beyond ±127 or a bias beyond ±2^30 after scaling.
	Range(String),
	/// The result is not valid IR.
	Ir(IrError),
}

impl std::fmt::Display for ImportError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			ImportError::Decode(e) => write!(f, "not an ONNX model: {e}"),
			ImportError::Unsupported(op) => write!(f, "unsupported operator {op}"),
			ImportError::NotAChain(e) => write!(f, "not a chain of dense layers: {e}"),
			ImportError::Initializer(e) => write!(f, "bad initializer: {e}"),
			ImportError::Attribute(e) => write!(f, "unsupported attribute: {e}"),
			ImportError::Range(e) => write!(f, "out of range: {e}"),
			ImportError::Ir(e) => write!(f, "invalid model: {e}"),
		}
	}
}

impl std::error::Error for ImportError {}

/// A float layer before quantization: `weights[j][k]` for output `j`, input `k`.
struct FloatLayer {
	inputs: usize,
	outputs: usize,
	weights: Vec<f32>,
	bias: Vec<f32>,
	relu: bool,
}

fn floats(tensor: &TensorProto) -> Result<(Vec<usize>, Vec<f32>), ImportError> {
	if tensor.data_type != DataType::Float as i32 {
		return Err(ImportError::Initializer(format!("{} is not float", tensor.name)));
	}
	let dims: Vec<usize> = tensor.dims.iter().map(|d| usize::try_from(*d).unwrap_or(0)).collect();
	let values: Vec<f32> = if tensor.raw_data.is_empty() {
		tensor.float_data.clone()
	} else {
		tensor
			.raw_data
			.chunks_exact(4)
			.filter_map(|c| <[u8; 4]>::try_from(c).ok())
			.map(f32::from_le_bytes)
			.collect()
	};
	let count = dims.iter().try_fold(1usize, |n, d| n.checked_mul(*d));
	if count != Some(values.len()) {
		return Err(ImportError::Initializer(format!("{} has the wrong size", tensor.name)));
	}
	Ok((dims, values))
}

fn int_attribute(node: &NodeProto, name: &str, default: i64) -> i64 {
	node.attribute
		.iter()
		.find(|a| a.name == name && a.r#type == AttributeType::Int as i32)
		.map_or(default, |a| a.i)
}

fn float_attribute(node: &NodeProto, name: &str, default: f32) -> f32 {
	node.attribute
		.iter()
		.find(|a| a.name == name && a.r#type == AttributeType::Float as i32)
		.map_or(default, |a| a.f)
}

/// Reads the graph into float layers.
fn layers(graph: &GraphProto) -> Result<(usize, Vec<FloatLayer>), ImportError> {
	let init: HashMap<&str, &TensorProto> =
		graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
	let inputs: Vec<&ValueInfoProto> =
		graph.input.iter().filter(|i| !init.contains_key(i.name.as_str())).collect();
	let [input] = inputs.as_slice() else {
		return Err(ImportError::NotAChain("the graph must have exactly one input".into()));
	};
	let width = input_width(input)?;
	let weight = |name: &str| -> Result<(Vec<usize>, Vec<f32>), ImportError> {
		let tensor = init
			.get(name)
			.ok_or_else(|| ImportError::Initializer(format!("{name} is not an initializer")))?;
		floats(tensor)
	};

	let mut current = input.name.clone();
	let mut width_now = width;
	let mut out: Vec<FloatLayer> = Vec::new();
	for node in &graph.node {
		let Some(first) = node.input.first() else {
			return Err(ImportError::NotAChain(format!("{} has no input", node.name)));
		};
		let other = |index: usize| node.input.get(index).filter(|name| !name.is_empty());
		let next = node
			.output
			.first()
			.cloned()
			.ok_or_else(|| ImportError::NotAChain(format!("{} has no output", node.name)))?;
		match node.op_type.as_str() {
			"Gemm" | "MatMul" => {
				if *first != current {
					return Err(ImportError::NotAChain(format!(
						"{} does not take {current}",
						node.name
					)));
				}
				let gemm = node.op_type == "Gemm";
				if gemm
					&& (float_attribute(node, "alpha", 1.0) != 1.0
						|| float_attribute(node, "beta", 1.0) != 1.0
						|| int_attribute(node, "transA", 0) != 0)
				{
					return Err(ImportError::Attribute(format!(
						"{}: alpha, beta must be 1 and transA 0",
						node.name
					)));
				}
				let transposed = gemm && int_attribute(node, "transB", 0) == 1;
				let name = other(1).ok_or_else(|| {
					ImportError::Initializer(format!("{} has no weights", node.name))
				})?;
				let (dims, w) = weight(name)?;
				let (inputs, outputs) = match (dims.as_slice(), transposed) {
					([k, n], false) => (*k, *n),
					([n, k], true) => (*k, *n),
					_ => return Err(ImportError::Initializer(format!("{name} is not a matrix"))),
				};
				if inputs != width_now {
					return Err(ImportError::NotAChain(format!(
						"{} takes {inputs} values, gets {width_now}",
						node.name
					)));
				}
				// Row j (output j) of the IR holds column j of W (row j if transposed).
				let weights: Vec<f32> = (0..outputs)
					.flat_map(|j| (0..inputs).map(move |k| (j, k)))
					.map(|(j, k)| {
						let index = if transposed {
							j.saturating_mul(inputs).saturating_add(k)
						} else {
							k.saturating_mul(outputs).saturating_add(j)
						};
						w.get(index).copied().unwrap_or(0.0)
					})
					.collect();
				let bias = match other(2).filter(|_| gemm) {
					Some(name) => bias_values(weight(name)?, outputs, name)?,
					None => vec![0.0; outputs],
				};
				out.push(FloatLayer { inputs, outputs, weights, bias, relu: false });
				width_now = outputs;
			},
			"Add" => {
				let Some(last) = out.last_mut() else {
					return Err(ImportError::NotAChain(format!(
						"{} adds before any layer",
						node.name
					)));
				};
				let operands: Vec<&String> = node.input.iter().collect();
				let name = match operands.as_slice() {
					[a, b] if **a == current => *b,
					[a, b] if **b == current => *a,
					_ => {
						return Err(ImportError::NotAChain(format!(
							"{} does not take {current}",
							node.name
						)))
					},
				};
				let bias = bias_values(weight(name)?, last.outputs, name)?;
				if last.relu {
					return Err(ImportError::NotAChain(format!("{} adds after a Relu", node.name)));
				}
				for (b, add) in last.bias.iter_mut().zip(bias) {
					*b += add;
				}
			},
			"Relu" => {
				if *first != current {
					return Err(ImportError::NotAChain(format!(
						"{} does not take {current}",
						node.name
					)));
				}
				match out.last_mut() {
					Some(last) if !last.relu => last.relu = true,
					_ => {
						return Err(ImportError::NotAChain(format!(
							"{} does not follow a layer",
							node.name
						)))
					},
				}
			},
			op => return Err(ImportError::Unsupported(op.to_string())),
		}
		current = next;
	}
	match graph.output.as_slice() {
		[output] if output.name == current && !out.is_empty() => Ok((width, out)),
		_ => Err(ImportError::NotAChain("the chain does not end at the graph's one output".into())),
	}
}

fn bias_values(
	(dims, values): (Vec<usize>, Vec<f32>),
	outputs: usize,
	name: &str,
) -> Result<Vec<f32>, ImportError> {
	let fits = matches!(dims.as_slice(), [n] | [1, n] if *n == outputs);
	if !fits {
		return Err(ImportError::Initializer(format!("{name} is not a bias of {outputs}")));
	}
	Ok(values)
}

fn input_width(input: &ValueInfoProto) -> Result<usize, ImportError> {
	let dims: Option<Vec<i64>> = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
		Some(type_proto::Value::TensorType(tensor)) => tensor.shape.as_ref().map(|shape| {
			shape
				.dim
				.iter()
				.map(|d| match d.value {
					Some(dimension::Value::DimValue(v)) => v,
					_ => -1,
				})
				.collect()
		}),
		_ => None,
	};
	match dims.as_deref() {
		Some([n]) | Some([1, n]) if *n > 0 => Ok(*n as usize),
		_ => Err(ImportError::NotAChain("the input must have shape [n] or [1, n]".into())),
	}
}

/// Quantizes a float layer for activations of `frac` fractional bits.
fn quantize(layer: FloatLayer, frac: u8, index: usize) -> Result<Dense, ImportError> {
	let max = layer.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
	if !max.is_finite() || layer.bias.iter().any(|b| !b.is_finite()) {
		return Err(ImportError::Range(format!("layer {index} has a non-finite weight")));
	}
	// The most fractional bits with max · 2^w ≤ 127.
	let mut w_frac: u8 = 0;
	if max > 0.0 {
		if max > 127.0 {
			return Err(ImportError::Range(format!("layer {index} has a weight beyond ±127")));
		}
		while w_frac < MAX_SHIFT && max * 2f32.powi(i32::from(w_frac).saturating_add(1)) <= 127.0 {
			w_frac = w_frac.saturating_add(1);
		}
	}
	let scale = 2f32.powi(i32::from(w_frac));
	let weights =
		layer.weights.iter().map(|w| (w * scale).round().clamp(-127.0, 127.0) as i8).collect();
	let bias_scale = 2f64.powi(i32::from(frac).saturating_add(i32::from(w_frac)));
	let mut bias = Vec::with_capacity(layer.outputs);
	for b in &layer.bias {
		let q = (f64::from(*b) * bias_scale).round();
		if q.abs() > f64::from(MAX_BIAS) {
			return Err(ImportError::Range(format!(
				"layer {index} has a bias beyond ±2^30 at its scale"
			)));
		}
		bias.push(q as i32);
	}
	Ok(Dense {
		inputs: layer.inputs as u32,
		outputs: layer.outputs as u32,
		weights,
		bias,
		shift: w_frac,
		relu: layer.relu,
	})
}

/// Imports ONNX `bytes` into the IR.
pub fn import(bytes: &[u8], options: ImportOptions) -> Result<Model, ImportError> {
	let proto = ModelProto::decode(bytes).map_err(|e| ImportError::Decode(e.to_string()))?;
	let graph = proto.graph.ok_or_else(|| ImportError::Decode("no graph".into()))?;
	let (input_len, float_layers) = layers(&graph)?;
	let layers = float_layers
		.into_iter()
		.enumerate()
		.map(|(index, layer)| quantize(layer, options.input_frac, index))
		.collect::<Result<Vec<_>, _>>()?;
	let model = Model { input_len: input_len as u32, input_frac: options.input_frac, layers };
	model.validate().map_err(ImportError::Ir)?;
	Ok(model)
}

/// A real input quantized for a model of `frac` fractional bits.
pub fn quantize_input(values: &[f32], frac: u8) -> Vec<i8> {
	let scale = 2f32.powi(i32::from(frac));
	values.iter().map(|v| (v * scale).round().clamp(-128.0, 127.0) as i8).collect()
}

/// The real values of outputs of `frac` fractional bits.
pub fn dequantize(values: &[i8], frac: u8) -> Vec<f32> {
	let scale = 2f32.powi(0i32.saturating_sub(i32::from(frac)));
	values.iter().map(|v| f32::from(*v) * scale).collect()
}

/// A deterministic stream of weights in `[-scale, scale)` (xorshift64*).
pub struct Weights(pub u64);

impl Weights {
	/// The next weight, in `[-scale, scale)`.
	pub fn next(&mut self, scale: f32) -> f32 {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use crate::interpreter::run;

	/// The float MLP `mlp(sizes, seed)` computes, from the same weight stream.
	fn float_reference(sizes: &[usize], seed: u64, input: &[f32]) -> Vec<f32> {
		let mut weights = Weights(seed.max(1));
		let mut x = input.to_vec();
		for (i, pair) in sizes.windows(2).enumerate() {
			let (n, m) = (pair[0], pair[1]);
			let scale = 1.0 / (n as f32).sqrt();
			let w: Vec<f32> = (0..n * m).map(|_| weights.next(scale)).collect();
			let b: Vec<f32> = (0..m).map(|_| weights.next(scale)).collect();
			x = (0..m)
				.map(|j| {
					let y = (0..n).map(|k| x[k] * w[k * m + j]).sum::<f32>() + b[j];
					if i + 2 < sizes.len() {
						y.max(0.0)
					} else {
						y
					}
				})
				.collect();
		}
		x
	}

	#[test]
	fn imports_an_mlp_that_tracks_the_float_model() {
		let sizes = [16, 16, 4];
		let model = import(&mlp(&sizes, 7), ImportOptions::default()).unwrap();
		assert_eq!(model.input_len, 16);
		assert_eq!(model.output_len(), 4);
		assert_eq!(model.layers.iter().map(|l| l.relu).collect::<Vec<_>>(), vec![true, false]);
		for seed in 0..20u32 {
			let input: Vec<f32> =
				(0..16).map(|k| ((k * 7 + seed) % 23) as f32 / 8.0 - 1.4).collect();
			let expected = float_reference(&sizes, 7, &input);
			let got = dequantize(&run(&model, &quantize_input(&input, 4)).unwrap(), 4);
			for (g, e) in got.iter().zip(&expected) {
				// Input, weight and per-layer rounding: well within a few steps of 1/16.
				assert!((g - e).abs() < 0.25, "{got:?} vs {expected:?}");
			}
		}
	}

	#[test]
	fn import_is_deterministic() {
		let bytes = mlp(&[784, 128, 10], 1);
		let a = import(&bytes, ImportOptions::default()).unwrap();
		let b = import(&bytes, ImportOptions::default()).unwrap();
		assert_eq!(codec::Encode::encode(&a), codec::Encode::encode(&b));
		assert_eq!(a.layers[0].weights.len(), 784 * 128);
	}

	fn graph_model(
		nodes: Vec<NodeProto>,
		inits: Vec<TensorProto>,
		inputs: usize,
		outputs: usize,
		out: &str,
	) -> Vec<u8> {
		ModelProto {
			ir_version: 8,
			opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 13 }],
			graph: Some(GraphProto {
				node: nodes,
				initializer: inits,
				input: vec![ValueInfoProto {
					name: "input".into(),
					r#type: tensor_type(&[1, inputs]),
					..Default::default()
				}],
				output: vec![ValueInfoProto {
					name: out.into(),
					r#type: tensor_type(&[1, outputs]),
					..Default::default()
				}],
				..Default::default()
			}),
			..Default::default()
		}
		.encode_to_vec()
	}

	#[test]
	fn matmul_add_and_transposed_gemm_import_alike() {
		// W = [[1, -1], [0.5, 2], [0, 0.25]] (3 inputs, 2 outputs), b = [0.5, -1].
		let w = vec![1.0, -1.0, 0.5, 2.0, 0.0, 0.25];
		let wt = vec![1.0, 0.5, 0.0, -1.0, 2.0, 0.25];
		let matmul = graph_model(
			vec![
				node("MatMul", &["input", "w"], "mm"),
				node("Add", &["b", "mm"], "sum"),
				node("Relu", &["sum"], "out"),
			],
			vec![
				initializer("w".into(), &[3, 2], w),
				initializer("b".into(), &[2], vec![0.5, -1.0]),
			],
			3,
			2,
			"out",
		);
		let mut gemm_node = node("Gemm", &["input", "wt", "b"], "g");
		gemm_node.attribute.push(tract_onnx::pb::AttributeProto {
			name: "transB".into(),
			r#type: AttributeType::Int as i32,
			i: 1,
			..Default::default()
		});
		let gemm = graph_model(
			vec![gemm_node, node("Relu", &["g"], "out")],
			vec![
				initializer("wt".into(), &[2, 3], wt),
				initializer("b".into(), &[2], vec![0.5, -1.0]),
			],
			3,
			2,
			"out",
		);
		let a = import(&matmul, ImportOptions::default()).unwrap();
		let b = import(&gemm, ImportOptions::default()).unwrap();
		assert_eq!(a, b);
		// max |W| = 2: 5 fractional bits (2 · 2^5 = 64 ≤ 127 < 128).
		assert_eq!(a.layers[0].shift, 5);
		assert_eq!(a.layers[0].weights, vec![32, 16, 0, -32, 64, 8]);
		// x = (1, 1, 1): y0 = relu(1.5 + 0.5) = 2, y1 = relu(1.25 - 1) = 0.25.
		let y = dequantize(&run(&a, &quantize_input(&[1.0, 1.0, 1.0], 4)).unwrap(), 4);
		assert_eq!(y, vec![2.0, 0.25]);
	}

	#[test]
	fn refuses_what_it_cannot_import() {
		let init = || vec![initializer("w".into(), &[2, 2], vec![1.0; 4])];
		let conv = graph_model(vec![node("Conv", &["input", "w"], "out")], init(), 2, 2, "out");
		assert_eq!(
			import(&conv, ImportOptions::default()),
			Err(ImportError::Unsupported("Conv".into()))
		);

		let branch = graph_model(
			vec![node("MatMul", &["input", "w"], "a"), node("MatMul", &["input", "w"], "out")],
			init(),
			2,
			2,
			"out",
		);
		assert!(matches!(
			import(&branch, ImportOptions::default()),
			Err(ImportError::NotAChain(_))
		));

		let huge = graph_model(
			vec![node("MatMul", &["input", "w"], "out")],
			vec![initializer("w".into(), &[2, 2], vec![200.0, 0.0, 0.0, 1.0])],
			2,
			2,
			"out",
		);
		assert!(matches!(import(&huge, ImportOptions::default()), Err(ImportError::Range(_))));

		let missing =
			graph_model(vec![node("MatMul", &["input", "v"], "out")], init(), 2, 2, "out");
		assert!(matches!(
			import(&missing, ImportOptions::default()),
			Err(ImportError::Initializer(_))
		));

		let wrong_width =
			graph_model(vec![node("MatMul", &["input", "w"], "out")], init(), 3, 2, "out");
		assert!(matches!(
			import(&wrong_width, ImportOptions::default()),
			Err(ImportError::NotAChain(_))
		));

		assert!(matches!(
			import(b"not onnx", ImportOptions::default()),
			Err(ImportError::Decode(_))
		));
	}
}
