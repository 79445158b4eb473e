//! The IR: a model is a chain of dense layers over `i8` activations.
//!
//! Layer `l` maps `x: [i8; inputs]` to `y: [i8; outputs]`:
//!
//! ```text
//! acc[j] = bias[j] + Σ_k weights[j · inputs + k] · x[k]        (exact integers)
//! q[j]   = (acc[j] + 2^(shift-1)) >> shift                     (rounding half up; q = acc if shift = 0)
//! q[j]   = max(q[j], 0)                                        (if relu)
//! y[j]   = clamp(q[j], -128, 127)
//! ```
//!
//! Activations carry `input_frac` fractional bits: a real input `v` is given as
//! `clamp(round(v · 2^input_frac), -128, 127)`, and every layer's output has the same scale.
//! The limits below keep every accumulator inside 32 bits (|acc| < 2^31), which is what the
//! circuit's range checks are sized for.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// The most inputs a layer takes: with `i8` weights and activations the products sum to less
/// than 2^30.
pub const MAX_LAYER_INPUTS: u32 = 1 << 16;
/// The largest bias magnitude: with the products, |acc| < 2^31.
pub const MAX_BIAS: i32 = 1 << 30;
/// The largest rescale.
pub const MAX_SHIFT: u8 = 24;
/// The most layers a model has.
pub const MAX_LAYERS: usize = 16;

/// One dense layer.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Dense {
	/// Inputs of the layer.
	pub inputs: u32,
	/// Outputs of the layer.
	pub outputs: u32,
	/// `outputs × inputs` weights, row-major: row `j` produces output `j`.
	pub weights: Vec<i8>,
	/// One bias per output, at the accumulator's scale.
	pub bias: Vec<i32>,
	/// The power of two the accumulator is divided by (with rounding).
	pub shift: u8,
	/// Whether negative outputs become zero.
	pub relu: bool,
}

/// A model: its input and its layers, in order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Model {
	/// The number of `i8` inputs.
	pub input_len: u32,
	/// Fractional bits of every activation (inputs included).
	pub input_frac: u8,
	/// The layers, first to last.
	pub layers: Vec<Dense>,
}

/// Why a model is not valid IR.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IrError {
	/// It has no layer, or more than [`MAX_LAYERS`].
	LayerCount,
	/// Layer `layer` does not take what the one before it gives (or the model's input).
	Chain { layer: usize },
	/// Layer `layer` has no outputs, or more than [`MAX_LAYER_INPUTS`] inputs.
	Size { layer: usize },
	/// Layer `layer` has not `outputs × inputs` weights or `outputs` biases.
	Lengths { layer: usize },
	/// Layer `layer` has a bias beyond ±[`MAX_BIAS`].
	Bias { layer: usize },
	/// Layer `layer` shifts by more than [`MAX_SHIFT`].
	Shift { layer: usize },
}

impl core::fmt::Display for IrError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			IrError::LayerCount => write!(f, "a model has 1 to {MAX_LAYERS} layers"),
			IrError::Chain { layer } => {
				write!(f, "layer {layer} does not take the previous layer's outputs")
			},
			IrError::Size { layer } => {
				write!(f, "layer {layer} must have outputs and at most {MAX_LAYER_INPUTS} inputs")
			},
			IrError::Lengths { layer } => {
				write!(f, "layer {layer} must have outputs × inputs weights and one bias an output")
			},
			IrError::Bias { layer } => write!(f, "layer {layer} has a bias beyond ±2^30"),
			IrError::Shift { layer } => {
				write!(f, "layer {layer} shifts by more than {MAX_SHIFT} bits")
			},
		}
	}
}

impl Model {
	/// Checks the limits above: a model that passes runs without overflow.
	pub fn validate(&self) -> Result<(), IrError> {
		if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
			return Err(IrError::LayerCount);
		}
		let mut width = self.input_len;
		for (layer, dense) in self.layers.iter().enumerate() {
			if dense.inputs != width {
				return Err(IrError::Chain { layer });
			}
			if dense.outputs == 0 || dense.inputs == 0 || dense.inputs > MAX_LAYER_INPUTS {
				return Err(IrError::Size { layer });
			}
			let weights = u64::from(dense.inputs).saturating_mul(u64::from(dense.outputs));
			if dense.weights.len() as u64 != weights
				|| dense.bias.len() as u64 != u64::from(dense.outputs)
			{
				return Err(IrError::Lengths { layer });
			}
			if dense.bias.iter().any(|b| b.unsigned_abs() > MAX_BIAS as u32) {
				return Err(IrError::Bias { layer });
			}
			if dense.shift > MAX_SHIFT {
				return Err(IrError::Shift { layer });
			}
			width = dense.outputs;
		}
		Ok(())
	}

	/// The number of `i8` outputs (of the last layer).
	pub fn output_len(&self) -> u32 {
		self.layers.last().map_or(0, |layer| layer.outputs)
	}
}
