//! The inference engine: ONNX models run by tract on the CPU.
//!
//! A model is loaded once, optimised for the input shape of its on-chain I/O spec, and kept by id.
//! Inputs and outputs are tensors encoded as the chain stores them: elements little-endian,
//! row-major, of the spec's element type (`f32`, `i8` or `i32`), so an input of shape `[1, 16]`
//! and type `f32` is exactly 64 bytes.

use std::{collections::HashMap, sync::Arc};

use pallet_models::{DType, IoView, TensorView};
use parking_lot::Mutex;
use tract_onnx::prelude::*;
use verity_primitives::ModelId;

/// Why a model could not be loaded or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
	/// The bytes are not an ONNX model tract can run with the declared input.
	Load(String),
	/// The input does not have the byte length of the declared input tensor.
	InputSize { expected: usize, got: usize },
	/// tract failed while running the model.
	Run(String),
	/// The model's output is not the declared output tensor.
	Output(String),
}

impl std::fmt::Display for EngineError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			EngineError::Load(e) => write!(f, "the model does not load: {e}"),
			EngineError::InputSize { expected, got } => {
				write!(f, "the input has {got} bytes, the model takes {expected}")
			},
			EngineError::Run(e) => write!(f, "the model failed to run: {e}"),
			EngineError::Output(e) => write!(f, "the model's output is not as declared: {e}"),
		}
	}
}

impl std::error::Error for EngineError {}

/// A tensor's element type and shape, in the engine's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
	dtype: DType,
	dims: Vec<usize>,
}

impl Shape {
	fn of(view: &TensorView) -> Self {
		Shape { dtype: view.dtype, dims: view.shape.iter().map(|d| *d as usize).collect() }
	}

	fn elements(&self) -> usize {
		self.dims.iter().try_fold(1usize, |n, d| n.checked_mul(*d)).unwrap_or(usize::MAX)
	}

	/// The encoded size in bytes.
	pub fn byte_len(&self) -> usize {
		self.elements().saturating_mul(self.dtype.size() as usize)
	}

	fn fact(&self) -> InferenceFact {
		match self.dtype {
			DType::F32 => f32::fact(&self.dims).into(),
			DType::I8 => i8::fact(&self.dims).into(),
			DType::I32 => i32::fact(&self.dims).into(),
		}
	}

	/// Decodes `bytes` (little-endian elements) into a tensor of this shape.
	fn decode(&self, bytes: &[u8]) -> Result<Tensor, EngineError> {
		let expected = self.byte_len();
		if bytes.len() != expected {
			return Err(EngineError::InputSize { expected, got: bytes.len() });
		}
		let tensor = match self.dtype {
			DType::F32 => from_le(&self.dims, bytes, f32::from_le_bytes),
			DType::I8 => from_le(&self.dims, bytes, i8::from_le_bytes),
			DType::I32 => from_le(&self.dims, bytes, i32::from_le_bytes),
		};
		tensor.map_err(|e| EngineError::Run(e.to_string()))
	}

	/// Encodes `tensor`, which must have this shape's type and element count.
	fn encode(&self, tensor: &Tensor) -> Result<Vec<u8>, EngineError> {
		if tensor.len() != self.elements() {
			return Err(EngineError::Output(format!(
				"{} elements, declared {}",
				tensor.len(),
				self.elements()
			)));
		}
		let wrong_type = |e: TractError| EngineError::Output(e.to_string());
		let tensor = tensor.try_as_plain_ram().map_err(wrong_type)?;
		match self.dtype {
			DType::F32 => to_le(tensor.as_slice::<f32>(), |v| v.to_le_bytes()),
			DType::I8 => to_le(tensor.as_slice::<i8>(), |v| v.to_le_bytes()),
			DType::I32 => to_le(tensor.as_slice::<i32>(), |v| v.to_le_bytes()),
		}
		.map_err(wrong_type)
	}
}

/// A tensor of `dims` from little-endian elements of `N` bytes each.
fn from_le<T: Datum + Copy, const N: usize>(
	dims: &[usize],
	bytes: &[u8],
	element: fn([u8; N]) -> T,
) -> TractResult<Tensor> {
	let values: Vec<T> =
		bytes.chunks_exact(N).filter_map(|c| <[u8; N]>::try_from(c).ok()).map(element).collect();
	Tensor::from_shape(dims, &values)
}

/// The little-endian bytes of `values`.
fn to_le<T, const N: usize>(
	values: TractResult<&[T]>,
	element: fn(&T) -> [u8; N],
) -> TractResult<Vec<u8>> {
	Ok(values?.iter().flat_map(element).collect())
}

/// Checks that `bytes` are an ONNX model, and, given the tensors it is declared with (`io`),
/// that tract loads it for that input and a run on a zero input gives the declared output:
/// what the node checks before it stores a model (`blobs_put`), since the chain never sees the
/// bytes and a model that cannot run only gets its jobs declined.
pub fn check(bytes: &[u8], io: Option<&IoView>) -> Result<(), EngineError> {
	let Some(io) = io else {
		return tract_onnx::onnx()
			.model_for_read(&mut &bytes[..])
			.map(|_| ())
			.map_err(|e| EngineError::Load(format!("not an ONNX model: {e:#}")));
	};
	let loaded = Loaded::new(bytes, io)?;
	loaded.run(&vec![0u8; loaded.input.byte_len()]).map(|_| ())
}

/// A model ready to run.
pub struct Loaded {
	plan: Arc<TypedRunnableModel>,
	input: Shape,
	output: Shape,
}

impl Loaded {
	/// Loads ONNX `bytes` for the tensors of `io`.
	pub fn new(bytes: &[u8], io: &IoView) -> Result<Self, EngineError> {
		let input = Shape::of(&io.input);
		let output = Shape::of(&io.output);
		let load = |e: TractError| EngineError::Load(format!("{e:#}"));
		let plan = tract_onnx::onnx()
			.model_for_read(&mut &bytes[..])
			.map_err(load)?
			.with_input_fact(0, input.fact())
			.map_err(load)?
			.into_optimized()
			.map_err(load)?
			.into_runnable()
			.map_err(load)?;
		Ok(Loaded { plan, input, output })
	}

	/// The element count of the declared output tensor.
	pub fn output_elements(&self) -> u32 {
		u32::try_from(self.output.elements()).unwrap_or(u32::MAX)
	}

	/// Runs the model on an encoded input; returns the encoded output.
	pub fn run(&self, input: &[u8]) -> Result<Vec<u8>, EngineError> {
		let tensor = self.input.decode(input)?;
		let outputs =
			self.plan.run(tvec!(tensor.into())).map_err(|e| EngineError::Run(format!("{e:#}")))?;
		let first = outputs
			.first()
			.ok_or_else(|| EngineError::Output("the model returned nothing".into()))?;
		self.output.encode(first)
	}
}

/// Loaded models by id. Models stay loaded; the cache holds at most `capacity` of them and
/// forgets the least recently used one when full.
pub struct Engine {
	capacity: usize,
	models: Mutex<HashMap<ModelId, (Arc<Loaded>, u64)>>,
	clock: std::sync::atomic::AtomicU64,
}

impl Engine {
	/// An engine that keeps up to `capacity` models loaded.
	pub fn new(capacity: usize) -> Self {
		Engine {
			capacity: capacity.max(1),
			models: Mutex::new(HashMap::new()),
			clock: Default::default(),
		}
	}

	fn tick(&self) -> u64 {
		self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
	}

	/// The loaded model `id`, if it is cached.
	pub fn get(&self, id: &ModelId) -> Option<Arc<Loaded>> {
		let now = self.tick();
		let mut models = self.models.lock();
		models.get_mut(id).map(|(model, used)| {
			*used = now;
			model.clone()
		})
	}

	/// Loads `bytes` as model `id` (slow: call it off the async runtime) and caches it.
	pub fn load(&self, id: ModelId, bytes: &[u8], io: &IoView) -> Result<Arc<Loaded>, EngineError> {
		if let Some(model) = self.get(&id) {
			return Ok(model);
		}
		let model = Arc::new(Loaded::new(bytes, io)?);
		let now = self.tick();
		let mut models = self.models.lock();
		if models.len() >= self.capacity {
			let oldest = models.iter().min_by_key(|(_, (_, used))| *used).map(|(id, _)| *id);
			if let Some(oldest) = oldest {
				models.remove(&oldest);
			}
		}
		models.insert(id, (model.clone(), now));
		Ok(model)
	}

	/// The ids of the loaded models.
	pub fn cached(&self) -> Vec<ModelId> {
		self.models.lock().keys().copied().collect()
	}
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use crate::worker::demo;

	fn io(input: &[u32], output: &[u32]) -> IoView {
		IoView {
			input: TensorView { dtype: DType::F32, shape: input.to_vec() },
			output: TensorView { dtype: DType::F32, shape: output.to_vec() },
		}
	}

	fn encode(values: &[f32]) -> Vec<u8> {
		values.iter().flat_map(|v| v.to_le_bytes()).collect()
	}

	fn decode(bytes: &[u8]) -> Vec<f32> {
		bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()
	}

	/// The MLP computed by hand from the generated weights: the engine must agree.
	fn reference(sizes: &[usize], seed: u64, input: &[f32]) -> Vec<f32> {
		let mut weights = Weights(seed.max(1));
		let mut x = input.to_vec();
		let layers = sizes.len() - 1;
		for (i, pair) in sizes.windows(2).enumerate() {
			let (n, m) = (pair[0], pair[1]);
			let scale = 1.0 / (n as f32).sqrt();
			let w: Vec<f32> = (0..n * m).map(|_| weights.next(scale)).collect();
			let b: Vec<f32> = (0..m).map(|_| weights.next(scale)).collect();
			x = (0..m)
				.map(|j| {
					let y = (0..n).map(|k| x[k] * w[k * m + j]).sum::<f32>() + b[j];
					if i + 1 < layers {
						y.max(0.0)
					} else {
						y
					}
				})
				.collect();
		}
		x
	}

	use verity_zkml::onnx::Weights;

	#[test]
	fn runs_the_demo_model_as_computed_by_hand() {
		let model = Loaded::new(demo::DEMO_MODEL, &io(&[1, 16], &[1, 4])).unwrap();
		let input: Vec<f32> = (0..16).map(|i| i as f32 / 8.0 - 1.0).collect();
		let output = decode(&model.run(&encode(&input)).unwrap());
		let expected = reference(&demo::DEMO_SIZES, demo::DEMO_SEED, &input);
		assert_eq!(output.len(), 4);
		for (got, want) in output.iter().zip(&expected) {
			assert!((got - want).abs() < 1e-4, "{output:?} != {expected:?}");
		}
	}

	#[test]
	fn encodes_every_dtype_little_endian() {
		let i32s =
			from_le(&[2], &[1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff], i32::from_le_bytes).unwrap();
		assert_eq!(i32s.try_as_plain_ram().unwrap().as_slice::<i32>().unwrap(), &[1, -2]);
		let i8s = from_le(&[1, 3], &[0x7f, 0x80, 0], i8::from_le_bytes).unwrap();
		let plain = i8s.try_as_plain_ram().unwrap();
		assert_eq!(plain.as_slice::<i8>().unwrap(), &[127, -128, 0]);
		assert_eq!(
			to_le(plain.as_slice::<i8>(), |v| v.to_le_bytes()).unwrap(),
			vec![0x7f, 0x80, 0]
		);
		// The declared type is checked: an i8 tensor is not read as f32.
		assert!(to_le(plain.as_slice::<f32>(), |v| v.to_le_bytes()).is_err());
	}

	#[test]
	fn refuses_an_input_of_the_wrong_size() {
		let model = Loaded::new(demo::DEMO_MODEL, &io(&[1, 16], &[1, 4])).unwrap();
		assert_eq!(model.run(&[0; 63]), Err(EngineError::InputSize { expected: 64, got: 63 }));
	}

	#[test]
	fn refuses_bytes_that_are_not_a_model_and_a_wrong_io_spec() {
		assert!(matches!(
			Loaded::new(b"not an onnx model", &io(&[1, 16], &[1, 4])),
			Err(EngineError::Load(_))
		));
		// The declared input does not fit the first layer.
		assert!(matches!(
			Loaded::new(demo::DEMO_MODEL, &io(&[1, 15], &[1, 4])),
			Err(EngineError::Load(_))
		));
		// The declared output has another size: loading works, running reports it.
		let model = Loaded::new(demo::DEMO_MODEL, &io(&[1, 16], &[1, 5])).unwrap();
		assert!(matches!(model.run(&[0; 64]), Err(EngineError::Output(_))));
	}

	#[test]
	fn caches_models_and_forgets_the_least_recently_used() {
		let engine = Engine::new(2);
		let spec = io(&[1, 16], &[1, 4]);
		let ids = [ModelId([1; 32]), ModelId([2; 32]), ModelId([3; 32])];
		engine.load(ids[0], demo::DEMO_MODEL, &spec).unwrap();
		engine.load(ids[1], demo::DEMO_MODEL, &spec).unwrap();
		assert!(engine.get(&ids[0]).is_some());
		engine.load(ids[2], demo::DEMO_MODEL, &spec).unwrap();
		let mut cached = engine.cached();
		cached.sort();
		assert_eq!(cached, vec![ids[0], ids[2]]);
	}
}
