//! `verity-node bench-engine`: the worker's inference engine, timed in the binary validators run.
//!
//! Loads each model as the worker does ([`Loaded`]: parse, type, declutter, optimise for the
//! declared input), warms it up, runs it a number of times on one fixed input and prints the
//! per-inference median, 10th and 90th percentiles in µs, and the load time, as JSON.
//!
//! Timer: in-process, `std::time::Instant` around each [`Loaded::run`] call, one call at a time on
//! one thread; input decoding and output encoding are included, as the worker pays them. Since it
//! times the binary it is part of, `scripts/bench-engine-vs-ort.sh` runs it from the debug and
//! the release node without another build, and `--write-models` gives onnxruntime
//! (`scripts/bench_ort.py`) the very same model and input bytes.
//!
//! The models: the development chain's demo model (MLP 16-16-4, `res/demo-model.onnx`), the
//! 784-128-10 MLP of `node/benches/engine.rs` (`demo::mlp(&[784, 128, 10], 1)`) and, as the
//! per-call floor, a 1-1 MLP (one Gemm of one element); or one given with `--model FILE --io JSON`.

use std::{path::Path, time::Instant};

use pallet_models::{DType, IoView, TensorView};

use crate::{
	cli::BenchEngineCmd,
	worker::{demo, engine::Loaded},
};

/// One model to time.
struct Case {
	name: String,
	bytes: Vec<u8>,
	io: IoView,
}

/// An `F32 [1, n]` tensor.
fn row(n: usize) -> TensorView {
	TensorView { dtype: DType::F32, shape: vec![1, u32::try_from(n).unwrap_or(u32::MAX)] }
}

/// The models `cmd` asks for.
fn cases(cmd: &BenchEngineCmd) -> Result<Vec<Case>, String> {
	match (&cmd.model, &cmd.io) {
		(Some(file), Some(io)) => {
			let bytes =
				std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
			let io = serde_json::from_str::<IoView>(io).map_err(|e| format!("bad --io: {e}"))?;
			let name = file
				.file_stem()
				.map(|s| s.to_string_lossy().into_owned())
				.unwrap_or_else(|| "model".into());
			Ok(vec![Case { name, bytes, io }])
		},
		(None, None) => {
			let [first, .., last] = demo::DEMO_SIZES;
			Ok(vec![
				Case {
					name: "demo_16_16_4".into(),
					bytes: demo::DEMO_MODEL.to_vec(),
					io: IoView { input: row(first), output: row(last) },
				},
				Case {
					name: "mlp_784_128_10".into(),
					bytes: demo::mlp(&[784, 128, 10], 1),
					io: IoView { input: row(784), output: row(10) },
				},
				// One multiply-add: what a call costs besides the model's arithmetic.
				Case {
					name: "floor_1_1".into(),
					bytes: demo::mlp(&[1, 1], 1),
					io: IoView { input: row(1), output: row(1) },
				},
			])
		},
		_ => Err("--model and --io go together".into()),
	}
}

/// The fixed input of a tensor: element `i` is `(i mod 17) / 17` for floats, `i mod 17` for
/// integers (the values of `node/benches/engine.rs`), little-endian.
fn input(tensor: &TensorView) -> Vec<u8> {
	let elements = tensor.shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d as usize));
	(0..elements.unwrap_or(0))
		.flat_map(|i| {
			let v = u8::try_from(i % 17).unwrap_or(0);
			match tensor.dtype {
				DType::F32 => (f32::from(v) / 17.0).to_le_bytes().to_vec(),
				DType::I8 => (v as i8).to_le_bytes().to_vec(),
				DType::I32 => i32::from(v).to_le_bytes().to_vec(),
			}
		})
		.collect()
}

/// Microseconds since `start`.
fn micros_since(start: Instant) -> f64 {
	start.elapsed().as_secs_f64() * 1e6
}

/// The `q` quantile of sorted `samples` (nearest rank, as `scripts/bench_ort.py` takes it).
fn quantile(sorted: &[f64], q: f64) -> f64 {
	let last = sorted.len().saturating_sub(1);
	let rank = (q * last as f64).round() as usize;
	sorted.get(rank.min(last)).copied().unwrap_or(f64::NAN)
}

/// Rounds to 0.01 µs for the report.
fn round(v: f64) -> f64 {
	(v * 100.0).round() / 100.0
}

/// The median, p10, p90 and min of `samples` (µs).
struct Summary {
	median: f64,
	p10: f64,
	p90: f64,
	min: f64,
}

impl Summary {
	fn of(mut samples: Vec<f64>) -> Self {
		samples.sort_by(f64::total_cmp);
		Summary {
			median: round(quantile(&samples, 0.5)),
			p10: round(quantile(&samples, 0.1)),
			p90: round(quantile(&samples, 0.9)),
			min: round(samples.first().copied().unwrap_or(f64::NAN)),
		}
	}
}

/// Writes each model, its input and tract's output on it into `dir`, with a manifest
/// (`models.json`: name, files, I/O spec).
fn write_models(cases: &[Case], dir: &Path) -> Result<(), String> {
	let io_error = |e: std::io::Error| format!("cannot write into {}: {e}", dir.display());
	std::fs::create_dir_all(dir).map_err(io_error)?;
	let mut manifest = Vec::new();
	for case in cases {
		let model =
			Loaded::new(&case.bytes, &case.io).map_err(|e| format!("{}: {e}", case.name))?;
		let x = input(&case.io.input);
		let y = model.run(&x).map_err(|e| format!("{}: {e}", case.name))?;
		let file = |suffix: &str| format!("{}{suffix}", case.name);
		std::fs::write(dir.join(file(".onnx")), &case.bytes).map_err(io_error)?;
		std::fs::write(dir.join(file(".input.bin")), &x).map_err(io_error)?;
		std::fs::write(dir.join(file(".tract-output.bin")), &y).map_err(io_error)?;
		manifest.push(serde_json::json!({
			"name": case.name,
			"model": file(".onnx"),
			"input": file(".input.bin"),
			"tract_output": file(".tract-output.bin"),
			"io": case.io,
		}));
	}
	let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
	std::fs::write(dir.join("models.json"), manifest).map_err(io_error)
}

/// `verity-node bench-engine`: prints the timings as JSON on stdout.
pub fn run(cmd: &BenchEngineCmd) -> Result<(), String> {
	let cases = cases(cmd)?;
	if let Some(dir) = &cmd.write_models {
		return write_models(&cases, dir);
	}
	if cmd.runs == 0 {
		return Err("--runs must be at least 1".into());
	}
	let mut results = Vec::new();
	for case in &cases {
		let fail = |e: crate::worker::engine::EngineError| format!("{}: {e}", case.name);
		let mut loads = Vec::new();
		let mut model = None;
		for _ in 0..cmd.loads.max(1) {
			let start = Instant::now();
			let loaded = Loaded::new(&case.bytes, &case.io).map_err(fail)?;
			loads.push(micros_since(start));
			model = Some(loaded);
		}
		let model = model.ok_or("no load")?;
		let x = input(&case.io.input);
		for _ in 0..cmd.warmup {
			model.run(std::hint::black_box(&x)).map_err(fail)?;
		}
		let mut samples = Vec::with_capacity(cmd.runs);
		for _ in 0..cmd.runs {
			let start = Instant::now();
			let y = model.run(std::hint::black_box(&x)).map_err(fail)?;
			samples.push(micros_since(start));
			std::hint::black_box(y);
		}
		let (run, load) = (Summary::of(samples), Summary::of(loads));
		results.push(serde_json::json!({
			"name": case.name,
			"median_us": run.median,
			"p10_us": run.p10,
			"p90_us": run.p90,
			"min_us": run.min,
			"load_us": load.median,
		}));
	}
	let report = serde_json::json!({
		"engine": "tract-onnx",
		"binary": if cfg!(debug_assertions) { "debug" } else { "release" },
		"timer": "in-process Instant around each Loaded::run (decode + run + encode), one thread",
		"runs": cmd.runs,
		"warmup": cmd.warmup,
		"loads": cmd.loads.max(1),
		"models": results,
	});
	println!("{report}");
	Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;

	#[test]
	fn quantiles_take_the_nearest_rank() {
		let sorted: Vec<f64> = (1..=11).map(f64::from).collect();
		assert_eq!(quantile(&sorted, 0.5), 6.0);
		assert_eq!(quantile(&sorted, 0.1), 2.0);
		assert_eq!(quantile(&sorted, 0.9), 10.0);
		assert!(quantile(&[], 0.5).is_nan());
	}

	#[test]
	fn the_input_has_the_declared_byte_length() {
		assert_eq!(input(&row(784)).len(), 784 * 4);
		let x = input(&TensorView { dtype: DType::I8, shape: vec![2, 10] });
		assert_eq!(x.len(), 20);
		assert_eq!(x[16..18], [16, 0]);
	}
}
