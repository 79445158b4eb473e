//! The inference engine's per-inference latency: the dev chain's demo model (MLP 16-16-4) and a
//! 784-128-10 MLP (Gemm/Relu, MNIST-sized), loaded once, run on one input each iteration — what
//! the worker does for every job after the first. Input decoding and output encoding included.
//!
//! `cargo bench -p verity-node --bench engine` (see `scripts/bench-engine.sh`).

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, Criterion};
use pallet_models::{DType, IoView, TensorView};
use verity_node::worker::{demo, engine::Loaded};

fn io(sizes: &[usize]) -> IoView {
	let tensor = |n: usize| TensorView { dtype: DType::F32, shape: vec![1, n as u32] };
	IoView { input: tensor(sizes[0]), output: tensor(*sizes.last().unwrap()) }
}

fn input(n: usize) -> Vec<u8> {
	(0..n).flat_map(|i| ((i % 17) as f32 / 17.0).to_le_bytes()).collect()
}

fn engine(c: &mut Criterion) {
	let mut group = c.benchmark_group("engine");
	for (name, sizes, bytes) in [
		("demo_16_16_4", demo::DEMO_SIZES.to_vec(), demo::DEMO_MODEL.to_vec()),
		("mlp_784_128_10", vec![784, 128, 10], demo::mlp(&[784, 128, 10], 1)),
	] {
		let model = Loaded::new(&bytes, &io(&sizes)).unwrap();
		let x = input(sizes[0]);
		group.bench_function(name, |b| b.iter(|| model.run(std::hint::black_box(&x)).unwrap()));
	}
	group.finish();

	// Loading (parse + optimise): what the first job of a model costs.
	let bytes = demo::mlp(&[784, 128, 10], 1);
	c.bench_function("engine/load_mlp_784_128_10", |b| {
		b.iter(|| Loaded::new(&bytes, &io(&[784, 128, 10])).unwrap())
	});
}

criterion_group!(benches, engine);
criterion_main!(benches);
