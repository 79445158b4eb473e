//! The inference engine: ONNX models run by tract on the CPU.
//!
//! A model is loaded once, optimised for the input shape of its on-chain I/O spec, and kept by id.
//! Inputs and outputs are tensors encoded as the chain stores them: elements little-endian,
//! row-major, of the spec's element type (`f32`, `i8` or `i32`), so an input of shape `[1, 16]`
//! and type `f32` is exactly 64 bytes.

use std::{
	collections::HashMap,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

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
	/// The model needs more memory or time than the node's [`Limits`] allow.
	Limits(String),
	/// The model failed its [`trial`] process (which said why).
	Trial(String),
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
			EngineError::Limits(e) => write!(f, "the model is over the node's limits: {e}"),
			EngineError::Trial(e) => write!(f, "{e}"),
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
		if cfg!(target_endian = "little") {
			// The tensor's bytes are the encoding, once its type is the declared one.
			let checked = match self.dtype {
				DType::F32 => tensor.as_slice::<f32>().map(|_| ()),
				DType::I8 => tensor.as_slice::<i8>().map(|_| ()),
				DType::I32 => tensor.as_slice::<i32>().map(|_| ()),
			};
			checked.map_err(wrong_type)?;
			return Ok(tensor.as_bytes().to_vec());
		}
		match self.dtype {
			DType::F32 => to_le(tensor.as_slice::<f32>(), |v| v.to_le_bytes()),
			DType::I8 => to_le(tensor.as_slice::<i8>(), |v| v.to_le_bytes()),
			DType::I32 => to_le(tensor.as_slice::<i32>(), |v| v.to_le_bytes()),
		}
		.map_err(wrong_type)
	}
}

/// A tensor of `dims` from little-endian elements of `N` bytes each.
///
/// On a little-endian machine the bytes are the tensor's own: one copy into a new tensor. The
/// element-wise path is for big-endian machines; in a debug build (the node crate is not
/// optimised) it took most of a run of a 784-input model.
fn from_le<T: Datum + Copy, const N: usize>(
	dims: &[usize],
	bytes: &[u8],
	element: fn([u8; N]) -> T,
) -> TractResult<Tensor> {
	if cfg!(target_endian = "little") {
		let mut tensor = Tensor::zero_dt(T::datum_type(), dims)?;
		let storage = tensor.as_bytes_mut();
		if storage.len() != bytes.len() || T::datum_type().size_of() != N {
			let why = format!("{} bytes for a tensor of {} bytes", bytes.len(), storage.len());
			return Err(TractError::msg(why));
		}
		storage.copy_from_slice(bytes);
		return Ok(tensor);
	}
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
/// that it passes [`trial`] within `limits`: what the node checks before it stores a model
/// (`blobs_put`), since the chain never sees the bytes and a model that cannot run only gets its
/// jobs declined.
pub fn check(bytes: &[u8], io: Option<&IoView>, limits: &Limits) -> Result<(), EngineError> {
	match io {
		Some(io) => trial(bytes, io, limits),
		None => tract_onnx::onnx()
			.model_for_read(&mut &bytes[..])
			.map(|_| ())
			.map_err(|e| EngineError::Load(format!("not an ONNX model: {e:#}"))),
	}
}

/// What one model may take of the node. A model over a bound is refused and its jobs declined;
/// it is not tried again while the node runs.
#[derive(Debug, Clone)]
pub struct Limits {
	/// The most bytes the model's tensors may take together: its weights and every
	/// intermediate result of a run. Their shapes are fixed once the input's is, so the bound is
	/// checked before anything runs, and a run's memory does not depend on its input.
	pub memory: u64,
	/// The longest one run may take (less when the job's deadline comes sooner).
	pub run_time: Duration,
	/// The program that tries a model out in a child process with the memory bound as its
	/// data limit (`verity-node model-check`, see [`trial`]); `None` tries it in this process.
	pub checker: Option<PathBuf>,
}

impl Limits {
	/// Bounds that refuse nothing a test would load, tried in-process.
	pub fn unbounded() -> Self {
		Limits { memory: u64::MAX, run_time: Duration::MAX, checker: None }
	}
}

/// How long a trial process may take besides one run: loading and optimising the model.
const TRIAL_LOAD_TIME: Duration = Duration::from_secs(60);

/// Room a trial process gets besides the model's tensors: the program itself.
const TRIAL_BASE_MEMORY: u64 = 512 * 1024 * 1024;

/// The exit code of `model-check` for a model that does not load or run.
pub const TRIAL_EXIT_LOAD: i32 = 2;

/// The exit code of `model-check` for a model over the limits.
pub const TRIAL_EXIT_LIMITS: i32 = 3;

/// Tries a model out before the node loads it for jobs: loads it for the declared input, checks
/// its tensors fit `limits.memory`, and runs it once on a zero input within `limits.run_time`.
///
/// With [`Limits::checker`], the trial runs in a child process whose data segment is capped at
/// the memory bound (plus the program's own room) and which is killed when it takes longer than
/// loading and one run may: a model that explodes or hangs in tract's loading or its first run
/// takes the child down, never the node. After a passed trial the node loads the same bytes
/// itself; a later run that outlives the run-time bound has its model refused (see the worker).
pub fn trial(bytes: &[u8], io: &IoView, limits: &Limits) -> Result<(), EngineError> {
	let Some(checker) = &limits.checker else {
		return try_in_process(bytes, io, limits).map(|_| ());
	};
	let file = Staged::write(bytes)
		.map_err(|e| EngineError::Load(format!("cannot stage the model: {e}")))?;
	let io_json = serde_json::to_string(io).map_err(|e| EngineError::Load(e.to_string()))?;
	let mut command = std::process::Command::new(checker);
	command
		.arg("model-check")
		.arg(&file.0)
		.args(["--io", &io_json])
		.args(["--max-memory", &limits.memory.to_string()])
		.args(["--max-run-ms", &limits.run_time.as_millis().to_string()])
		.stdin(std::process::Stdio::null())
		.stdout(std::process::Stdio::null())
		.stderr(std::process::Stdio::piped());
	let data_limit = limits.memory.saturating_add(TRIAL_BASE_MEMORY);
	let allowed = TRIAL_LOAD_TIME.saturating_add(limits.run_time);
	sandbox::confine(&mut command, data_limit, allowed.as_secs().saturating_add(1));
	// One trial at a time: each may take its whole memory bound.
	static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
	let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
	let mut child =
		command.spawn().map_err(|e| EngineError::Load(format!("cannot start the trial: {e}")))?;
	let deadline = Instant::now().checked_add(allowed);
	let status = loop {
		match child.try_wait() {
			Ok(Some(status)) => break status,
			Ok(None) if deadline.is_some_and(|d| Instant::now() >= d) => {
				let _ = child.kill();
				let _ = child.wait();
				return Err(EngineError::Limits(
					"loading and one run took longer than the trial allows".into(),
				));
			},
			Ok(None) => std::thread::sleep(Duration::from_millis(10)),
			Err(e) => {
				let _ = child.kill();
				let _ = child.wait();
				return Err(EngineError::Load(format!("the trial failed: {e}")));
			},
		}
	};
	let mut stderr = String::new();
	if let Some(mut pipe) = child.stderr.take() {
		use std::io::Read;
		let _ = pipe.by_ref().take(64 * 1024).read_to_string(&mut stderr);
	}
	let message = stderr.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("").trim();
	match status.code() {
		Some(0) => Ok(()),
		Some(TRIAL_EXIT_LOAD) => Err(EngineError::Trial(message.to_string())),
		Some(TRIAL_EXIT_LIMITS) => Err(EngineError::Limits(message.to_string())),
		_ => Err(EngineError::Limits(format!(
			"the trial process died ({status}) within a data limit of {data_limit} bytes: {message}"
		))),
	}
}

/// The trial in this process: loads the model within the memory bound and runs it once on a
/// zero input within the run-time bound; returns the loaded model.
fn try_in_process(bytes: &[u8], io: &IoView, limits: &Limits) -> Result<Loaded, EngineError> {
	let loaded = Loaded::load(bytes, io, limits.memory)?;
	let started = Instant::now();
	loaded.run(&vec![0u8; loaded.input.byte_len()])?;
	let took = started.elapsed();
	if took > limits.run_time {
		return Err(EngineError::Limits(format!(
			"a run took {} ms, the bound is {} ms",
			took.as_millis(),
			limits.run_time.as_millis()
		)));
	}
	Ok(loaded)
}

/// A model's bytes in a file of their own for a trial process, removed when dropped.
struct Staged(PathBuf);

impl Staged {
	/// A new file only this user can read, created exclusively (an existing file or link at
	/// the path is an error, never followed).
	fn write(bytes: &[u8]) -> std::io::Result<Self> {
		use std::io::Write;
		#[cfg(unix)]
		use std::os::unix::fs::OpenOptionsExt;
		static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
		let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
		let nonce = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.subsec_nanos())
			.unwrap_or_default();
		let path = std::env::temp_dir()
			.join(format!("verity-model-check-{}-{n}-{nonce}.onnx", std::process::id()));
		let mut options = std::fs::OpenOptions::new();
		options.write(true).create_new(true);
		#[cfg(unix)]
		options.mode(0o600);
		let mut file = options.open(&path)?;
		let staged = Staged(path);
		file.write_all(bytes)?;
		Ok(staged)
	}
}

impl Drop for Staged {
	fn drop(&mut self) {
		let _ = std::fs::remove_file(&self.0);
	}
}

/// The bytes of every tensor of `model`: its constants and each node's outputs.
fn footprint(model: &TypedModel) -> Result<u64, EngineError> {
	let mut total: u64 = 0;
	for node in model.nodes() {
		for output in &node.outputs {
			let fact = &output.fact;
			let dims = fact.shape.as_concrete().ok_or_else(|| {
				EngineError::Limits(format!(
					"the shape of `{}` depends on the data, so its memory is unbounded",
					node.name
				))
			})?;
			let bytes = dims
				.iter()
				.try_fold(fact.datum_type.size_of() as u64, |n, d| n.checked_mul(*d as u64))
				.unwrap_or(u64::MAX);
			total = total.saturating_add(bytes);
		}
	}
	Ok(total)
}

/// The trial process's confinement.
#[cfg(unix)]
mod sandbox {
	use std::os::unix::process::CommandExt;

	/// Confines the process `command` starts: its data segment (`RLIMIT_DATA`: heap and private
	/// mappings) is capped at `bytes`, so an allocation beyond it fails and ends the process; its
	/// CPU time (`RLIMIT_CPU`) at `seconds`; it dies with the node (`PR_SET_PDEATHSIG`); and it is
	/// the kernel's first choice when memory runs out (`oom_score_adj` 1000), never the node.
	#[allow(unsafe_code)]
	pub fn confine(command: &mut std::process::Command, bytes: u64, seconds: u64) {
		let data = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
		let cpu = libc::rlimit { rlim_cur: seconds, rlim_max: seconds };
		// SAFETY: between fork and exec only async-signal-safe calls run (`setrlimit`, `prctl`,
		// `open`, `write`, `close`), on values prepared before the fork.
		unsafe {
			command.pre_exec(move || {
				let fail = || Err(std::io::Error::last_os_error());
				if libc::setrlimit(libc::RLIMIT_DATA, &data) != 0
					|| libc::setrlimit(libc::RLIMIT_CPU, &cpu) != 0
				{
					return fail();
				}
				#[cfg(target_os = "linux")]
				{
					if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
						return fail();
					}
					let fd = libc::open(c"/proc/self/oom_score_adj".as_ptr(), libc::O_WRONLY);
					if fd >= 0 {
						libc::write(fd, b"1000".as_ptr().cast(), 4);
						libc::close(fd);
					}
				}
				Ok(())
			});
		}
	}
}

#[cfg(not(unix))]
mod sandbox {
	/// No confinement off Unix: the trial's time bound still applies.
	pub fn confine(_: &mut std::process::Command, _: u64, _: u64) {}
}

/// A model ready to run.
pub struct Loaded {
	plan: Arc<TypedRunnableModel>,
	input: Shape,
	output: Shape,
	footprint: u64,
}

impl Loaded {
	/// Loads ONNX `bytes` for the tensors of `io`.
	pub fn new(bytes: &[u8], io: &IoView) -> Result<Self, EngineError> {
		Self::load(bytes, io, u64::MAX)
	}

	/// Loads ONNX `bytes` for the tensors of `io`, refusing a model whose tensors take more than
	/// `max_memory` bytes (checked before the model is optimised or run).
	pub fn load(bytes: &[u8], io: &IoView, max_memory: u64) -> Result<Self, EngineError> {
		let input = Shape::of(&io.input);
		let output = Shape::of(&io.output);
		let load = |e: TractError| EngineError::Load(format!("{e:#}"));
		let typed = tract_onnx::onnx()
			.model_for_read(&mut &bytes[..])
			.map_err(load)?
			.with_input_fact(0, input.fact())
			.map_err(load)?
			.into_typed()
			.map_err(load)?
			.into_decluttered()
			.map_err(load)?;
		let footprint = footprint(&typed)?;
		if footprint > max_memory {
			return Err(EngineError::Limits(format!(
				"its tensors take {footprint} bytes, the bound is {max_memory}"
			)));
		}
		let plan = typed.into_optimized().map_err(load)?.into_runnable().map_err(load)?;
		Ok(Loaded { plan, input, output, footprint })
	}

	/// The bytes its tensors take (weights and every intermediate result).
	pub fn footprint(&self) -> u64 {
		self.footprint
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
/// forgets the least recently used one when full. A model is tried out ([`trial`]) before it is
/// first loaded; one over the [`Limits`] is remembered as refused and not tried again.
pub struct Engine {
	capacity: usize,
	limits: Limits,
	models: Mutex<HashMap<ModelId, (Arc<Loaded>, u64)>>,
	refused: Mutex<HashMap<ModelId, String>>,
	clock: std::sync::atomic::AtomicU64,
}

impl Engine {
	/// An engine that keeps up to `capacity` models loaded, each within `limits`.
	pub fn new(capacity: usize, limits: Limits) -> Self {
		Engine {
			capacity: capacity.max(1),
			limits,
			models: Mutex::new(HashMap::new()),
			refused: Mutex::new(HashMap::new()),
			clock: Default::default(),
		}
	}

	/// The bounds each model must keep.
	pub fn limits(&self) -> &Limits {
		&self.limits
	}

	/// Refuses model `id` from now on (it went over a bound): it is unloaded and its jobs are
	/// declined without trying it again.
	pub fn refuse(&self, id: ModelId, why: String) {
		self.models.lock().remove(&id);
		self.refused.lock().insert(id, why);
	}

	/// Why model `id` is refused, if it is.
	pub fn refused(&self, id: &ModelId) -> Option<String> {
		self.refused.lock().get(id).cloned()
	}

	/// The ids of the refused models.
	pub fn refused_models(&self) -> Vec<ModelId> {
		self.refused.lock().keys().copied().collect()
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

	/// Tries `bytes` out as model `id`, loads them (slow: call it off the async runtime) and
	/// caches the model; a model over the limits is refused for good.
	pub fn load(&self, id: ModelId, bytes: &[u8], io: &IoView) -> Result<Arc<Loaded>, EngineError> {
		if let Some(model) = self.get(&id) {
			return Ok(model);
		}
		if let Some(why) = self.refused(&id) {
			return Err(EngineError::Limits(why));
		}
		// Tried in a child process, the model is loaded here after; tried in this process, the
		// trial's load is the one kept.
		let loaded = match &self.limits.checker {
			Some(_) => trial(bytes, io, &self.limits)
				.and_then(|()| Loaded::load(bytes, io, self.limits.memory)),
			None => try_in_process(bytes, io, &self.limits),
		};
		let model = match loaded {
			Ok(model) => Arc::new(model),
			Err(EngineError::Limits(why)) => {
				self.refuse(id, why.clone());
				return Err(EngineError::Limits(why));
			},
			Err(e) => return Err(e),
		};
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
	fn refuses_a_model_over_the_memory_bound_before_running_it() {
		let spec = io(&[1, 16], &[1, 4]);
		let footprint = Loaded::new(demo::DEMO_MODEL, &spec).unwrap().footprint();
		// The weights (16·8 + 8 + 8·4 + 4 floats) and the input and every layer's output.
		assert!(footprint >= (16 * 8 + 8 + 8 * 4 + 4 + 16 + 4) * 4, "{footprint}");
		assert!(matches!(
			Loaded::load(demo::DEMO_MODEL, &spec, footprint - 1),
			Err(EngineError::Limits(_))
		));
		assert!(Loaded::load(demo::DEMO_MODEL, &spec, footprint).is_ok());
	}

	#[test]
	fn a_trial_refuses_a_model_slower_than_the_run_bound() {
		let spec = io(&[1, 16], &[1, 4]);
		let instant = Limits { run_time: Duration::ZERO, ..Limits::unbounded() };
		assert!(matches!(trial(demo::DEMO_MODEL, &spec, &instant), Err(EngineError::Limits(_))));
		assert_eq!(trial(demo::DEMO_MODEL, &spec, &Limits::unbounded()), Ok(()));
		// Bytes that are no model fail as such, not as over the limits.
		assert!(matches!(trial(b"nope", &spec, &Limits::unbounded()), Err(EngineError::Load(_))));
	}

	#[test]
	fn a_refused_model_is_not_tried_again() {
		let spec = io(&[1, 16], &[1, 4]);
		let engine = Engine::new(2, Limits { memory: 16, ..Limits::unbounded() });
		let id = ModelId([9; 32]);
		assert!(matches!(engine.load(id, demo::DEMO_MODEL, &spec), Err(EngineError::Limits(_))));
		assert!(engine.refused(&id).is_some());
		assert_eq!(engine.refused_models(), vec![id]);
		// A run that was too slow refuses a loaded model too, and unloads it.
		let other = ModelId([8; 32]);
		let roomy = Engine::new(2, Limits::unbounded());
		roomy.load(other, demo::DEMO_MODEL, &spec).unwrap();
		roomy.refuse(other, "too slow".into());
		assert!(roomy.get(&other).is_none());
		assert_eq!(
			roomy.load(other, demo::DEMO_MODEL, &spec).err(),
			Some(EngineError::Limits("too slow".into()))
		);
	}

	#[test]
	fn caches_models_and_forgets_the_least_recently_used() {
		let engine = Engine::new(2, Limits::unbounded());
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
