//! The reference interpreter: integer arithmetic only, so every machine computes the same bytes.

use alloc::vec::Vec;

use crate::ir::{Dense, IrError, Model};

/// Why a model could not be run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RunError {
	/// The model is not valid IR.
	Invalid(IrError),
	/// The input does not have `input_len` elements.
	InputSize { expected: u32, got: usize },
}

/// Runs `model` on `input`; returns the last layer's outputs.
pub fn run(model: &Model, input: &[i8]) -> Result<Vec<i8>, RunError> {
	model.validate().map_err(RunError::Invalid)?;
	if input.len() as u64 != u64::from(model.input_len) {
		return Err(RunError::InputSize { expected: model.input_len, got: input.len() });
	}
	let mut x = input.to_vec();
	for layer in &model.layers {
		x = dense(layer, &x);
	}
	Ok(x)
}

/// One validated layer on inputs of the right length.
fn dense(layer: &Dense, x: &[i8]) -> Vec<i8> {
	let inputs = layer.inputs as usize;
	layer
		.weights
		.chunks_exact(inputs.max(1))
		.zip(&layer.bias)
		.map(|(row, bias)| {
			// |acc| < 2^31 for a valid layer: no overflow in i64.
			let acc = row.iter().zip(x).fold(i64::from(*bias), |acc, (w, v)| {
				acc.saturating_add(i64::from(*w).saturating_mul(i64::from(*v)))
			});
			activation(acc, layer.shift, layer.relu)
		})
		.collect()
}

/// Rescales an accumulator (rounding half up), applies ReLU, clamps to `i8`.
pub fn activation(acc: i64, shift: u8, relu: bool) -> i8 {
	let half = if shift == 0 {
		0
	} else {
		1i64.checked_shl(u32::from(shift.saturating_sub(1))).unwrap_or(0)
	};
	// An arithmetic shift: floor division by 2^shift.
	let mut q = acc.saturating_add(half).checked_shr(u32::from(shift)).unwrap_or(0);
	if relu {
		q = q.max(0);
	}
	q.clamp(i64::from(i8::MIN), i64::from(i8::MAX)) as i8
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use alloc::vec;

	fn layer(
		inputs: u32,
		outputs: u32,
		weights: Vec<i8>,
		bias: Vec<i32>,
		shift: u8,
		relu: bool,
	) -> Dense {
		Dense { inputs, outputs, weights, bias, shift, relu }
	}

	#[test]
	fn rescales_with_rounding_half_up_and_clamps() {
		assert_eq!(activation(5, 1, false), 3); // 2.5 -> 3
		assert_eq!(activation(-5, 1, false), -2); // -2.5 -> -2
		assert_eq!(activation(-6, 1, false), -3);
		assert_eq!(activation(7, 0, false), 7);
		assert_eq!(activation(1000, 2, false), 127);
		assert_eq!(activation(-1000, 2, false), -128);
		assert_eq!(activation(-1000, 2, true), 0);
		assert_eq!(activation(9, 2, true), 2); // 2.25 -> 2
	}

	#[test]
	fn runs_a_two_layer_model_as_computed_by_hand() {
		let model = Model {
			input_len: 2,
			input_frac: 0,
			layers: vec![
				// y0 = relu((3a - 2b + 1) / 2), y1 = relu((-a + b) / 2)
				layer(2, 2, vec![3, -2, -1, 1], vec![1, 0], 1, true),
				// z = y0 + 2·y1 - 4, no shift, no relu
				layer(2, 1, vec![1, 2], vec![-4], 0, false),
			],
		};
		// a = 5, b = 1: y0 = (15 - 2 + 1) / 2 = 7, y1 = relu(-4 / 2) = 0, z = 7 - 4 = 3.
		assert_eq!(run(&model, &[5, 1]), Ok(vec![3]));
		// a = 1, b = 5: y0 = relu(-6 / 2) = 0, y1 = 4 / 2 = 2, z = 0 + 4 - 4 = 0.
		assert_eq!(run(&model, &[1, 5]), Ok(vec![0]));
		// Extreme inputs saturate at the clamp, never overflow.
		assert_eq!(run(&model, &[127, -128]), Ok(vec![123])); // y0 = 127, y1 = 0
		assert_eq!(run(&model, &[1]), Err(RunError::InputSize { expected: 2, got: 1 }));
	}

	#[test]
	fn refuses_invalid_models() {
		let good = layer(2, 1, vec![1, 1], vec![0], 0, false);
		let model = |layers: Vec<Dense>| Model { input_len: 2, input_frac: 0, layers };
		assert_eq!(model(vec![]).validate(), Err(IrError::LayerCount));
		assert_eq!(model(vec![good.clone(); 17]).validate(), Err(IrError::LayerCount));
		assert_eq!(
			model(vec![good.clone(), good.clone()]).validate(),
			Err(IrError::Chain { layer: 1 })
		);
		assert_eq!(
			model(vec![layer(2, 0, vec![], vec![], 0, false)]).validate(),
			Err(IrError::Size { layer: 0 })
		);
		assert_eq!(
			model(vec![layer(2, 1, vec![1], vec![0], 0, false)]).validate(),
			Err(IrError::Lengths { layer: 0 })
		);
		assert_eq!(
			model(vec![layer(2, 1, vec![1, 1], vec![], 0, false)]).validate(),
			Err(IrError::Lengths { layer: 0 })
		);
		assert_eq!(
			model(vec![layer(2, 1, vec![1, 1], vec![i32::MIN], 0, false)]).validate(),
			Err(IrError::Bias { layer: 0 })
		);
		assert_eq!(
			model(vec![layer(2, 1, vec![1, 1], vec![0], 25, false)]).validate(),
			Err(IrError::Shift { layer: 0 })
		);
		assert_eq!(model(vec![good]).validate(), Ok(()));
		assert!(matches!(
			run(&model(vec![]), &[0, 0]),
			Err(RunError::Invalid(IrError::LayerCount))
		));
	}
}
