//! Proving and verifying times of imported MLPs (`scripts/bench-zk.sh`): the 16-16-4 demo
//! shape and a 784-128-10 MNIST-sized MLP. Verification here is native arkworks; on chain the
//! same pairings run as the node's host functions (see `benchmark pallet` for settlement).

#![allow(clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use verity_zkml::{
	onnx::{import, mlp, ImportOptions},
	prover, public, verifier, Model,
};

fn model(sizes: &[usize]) -> Model {
	import(&mlp(sizes, 1), ImportOptions::default()).expect("imports")
}

fn input(model: &Model) -> Vec<i8> {
	(0..model.input_len).map(|i| (i % 61) as i8 - 30).collect()
}

fn bench(c: &mut Criterion) {
	let mut group = c.benchmark_group("zk");
	group.sample_size(10);
	for sizes in [[16usize, 16, 4].as_slice(), [784, 128, 10].as_slice()] {
		let name = sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("-");
		let ir = model(sizes);
		let key = prover::setup_seeded(&ir, 1).expect("setup");
		let x = input(&ir);
		let binding = public::binding(&[3; 32]);
		let mut rng = StdRng::seed_from_u64(9);
		eprintln!(
			"{name}: {} constraints, proving key {} bytes, verifying key {} bytes",
			prover::constraint_count(&ir).expect("counts"),
			prover::encode_proving_key(&key).len(),
			prover::verifying_key_bytes(&key.vk).len(),
		);
		group.bench_function(BenchmarkId::new("prove", &name), |b| {
			b.iter(|| prover::prove(&key, &ir, &x, binding, &mut rng).expect("proves"))
		});
		let (output, proof) = prover::prove(&key, &ir, &x, binding, &mut rng).expect("proves");
		let inputs = public::public_inputs(binding, &x, &output);
		let vk = verifier::Key::from(key.vk.clone());
		group.bench_function(BenchmarkId::new("verify", &name), |b| {
			b.iter(|| verifier::verify::<Bls12_381>(&vk, &inputs, &proof).expect("verifies"))
		});
		if sizes.len() == 3 && sizes[0] == 16 {
			let items: Vec<_> = (0..16u8)
				.map(|j| {
					let b = public::binding(&[j; 32]);
					let (out, p) = prover::prove(&key, &ir, &x, b, &mut rng).expect("proves");
					(public::public_inputs(b, &x, &out), p)
				})
				.collect();
			let r = verifier::batch_coefficients(&[7; 32], items.len(), |m| {
				let mut d = [0u8; 32];
				for (i, b) in m.iter().enumerate() {
					d[i % 32] ^= b.wrapping_add(i as u8);
				}
				d
			});
			group.bench_function(BenchmarkId::new("verify-batch-16", &name), |b| {
				b.iter(|| verifier::verify_batch::<Bls12_381>(&vk, &items, &r).expect("verifies"))
			});
		}
	}
	group.finish();
}

/// The parts a verification is made of, to see where its time goes and what a batch cannot
/// avoid: a Miller loop per pair (a batch needs one per proof, each proof's `B` differs), one
/// final exponentiation, and decoding a proof with its subgroup checks.
fn parts(c: &mut Criterion) {
	let mut group = c.benchmark_group("pairing");
	group.sample_size(20);
	let g1: Vec<G1Affine> =
		(0..19u64).map(|k| (G1Affine::generator() * Fr::from(k + 3)).into_affine()).collect();
	let g2: Vec<G2Affine> =
		(0..19u64).map(|k| (G2Affine::generator() * Fr::from(k + 5)).into_affine()).collect();
	for pairs in [3, 19] {
		group.bench_function(BenchmarkId::new("miller-loop", pairs), |b| {
			b.iter(|| Bls12_381::multi_miller_loop(g1[..pairs].to_vec(), g2[..pairs].to_vec()))
		});
	}
	let miller = Bls12_381::multi_miller_loop(g1[..3].to_vec(), g2[..3].to_vec());
	group.bench_function("final-exponentiation", |b| {
		b.iter(|| Bls12_381::final_exponentiation(miller))
	});
	let proof =
		verifier::encode_proof(&ark_groth16::Proof::<Bls12_381> { a: g1[0], b: g2[0], c: g1[1] });
	group.bench_function("decode-proof", |b| {
		b.iter(|| verifier::decode_proof::<Bls12_381>(&proof).expect("decodes"))
	});
	group.finish();
}

criterion_group!(benches, bench, parts);
criterion_main!(benches);
