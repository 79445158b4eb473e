//! Settlement tests with real proofs from `verity-zkml`'s prover: what verifies, what is
//! rejected (and the event), what is an error.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

mod ceremony;

use crate::{mock::*, synthetic_key, synthetic_proof, Event};
use ark_bls12_381::Bls12_381 as NativeEngine;
use pallet_models::VerifyingKeyCheck;
use verity_primitives::{zk_binding, JobId, ProofError, VerifyProof};
use verity_zkml::{
	onnx::{import, mlp, ImportOptions},
	prover, public, verifier, Model,
};

struct Fixture {
	key: Vec<u8>,
	input: Vec<u8>,
	output: Vec<u8>,
	proof: Vec<u8>,
}

const WORKER: u64 = 7;
const JOB: JobId = JobId(3);

fn model() -> Model {
	import(&mlp(&[16, 16, 4], 1), ImportOptions::default()).unwrap()
}

/// A real proof of the demo-sized model for `JOB` run by `WORKER`.
fn fixture() -> Fixture {
	use ark_std::rand::SeedableRng;
	let model = model();
	let pk = prover::setup_seeded(&model, 11).unwrap();
	let input: Vec<i8> = (0..16).map(|i| (i * 5 - 40) as i8).collect();
	let binding = public::binding(&zk_binding(JOB, &WORKER));
	let mut rng = ark_std::rand::rngs::StdRng::seed_from_u64(1);
	let (output, proof) = prover::prove(&pk, &model, &input, binding, &mut rng).unwrap();
	Fixture {
		key: verifier::encode_key::<NativeEngine>(&pk.vk),
		input: input.iter().map(|v| *v as u8).collect(),
		output: output.iter().map(|v| *v as u8).collect(),
		proof: verifier::encode_proof(&proof),
	}
}

fn verify(
	f: &Fixture,
	job: JobId,
	worker: u64,
	output: &[u8],
	proof: &[u8],
) -> Result<(), ProofError> {
	<Settlement as VerifyProof<u64>>::verify(job, &worker, &f.key, &f.input, output, proof)
}

/// `proof` with `A = (x, y)` moved to `(4x, 8y)`: a point on the isomorphic curve
/// `y² = x³ + 256`, which passes the host curve's subgroup check (that assumes the point is on
/// BLS12-381) but not the verifier's.
fn off_curve_a(proof: &[u8]) -> Vec<u8> {
	use ark_bls12_381::Fq;
	use sp_crypto_ec_utils::bls12_381::G1Affine;
	let mut p = verifier::decode_proof::<crate::Engine>(proof).unwrap();
	p.a = G1Affine::new_unchecked(p.a.x * Fq::from(4u64), p.a.y * Fq::from(8u64));
	assert!(!p.a.is_on_curve() && p.a.is_in_correct_subgroup_assuming_on_curve());
	verifier::encode_proof(&p)
}

fn last_event() -> Option<RuntimeEvent> {
	System::events().pop().map(|record| record.event)
}

#[test]
fn a_valid_proof_verifies_with_an_event() {
	let f = fixture();
	new_test_ext().execute_with(|| {
		assert_eq!(verify(&f, JOB, WORKER, &f.output, &f.proof), Ok(()));
		assert_eq!(last_event(), Some(Event::ProofVerified { job: JOB, worker: WORKER }.into()));
	});
}

#[test]
fn a_proof_for_another_job_worker_or_output_is_rejected_with_an_event() {
	let f = fixture();
	new_test_ext().execute_with(|| {
		let mut changed = f.output.clone();
		changed[1] = changed[1].wrapping_add(1);
		for (job, worker, output) in
			[(JobId(4), WORKER, &f.output), (JOB, 8, &f.output), (JOB, WORKER, &changed)]
		{
			System::reset_events();
			assert_eq!(verify(&f, job, worker, output, &f.proof), Err(ProofError::Invalid));
			assert_eq!(last_event(), Some(Event::ProofRejected { job, worker }.into()));
		}
	});
}

#[test]
fn malformed_proofs_and_mismatched_keys_are_errors_without_events() {
	let f = fixture();
	new_test_ext().execute_with(|| {
		for proof in [
			vec![],
			vec![0u8; 10],
			vec![0xff; verifier::PROOF_LEN],
			[f.proof.clone(), vec![1]].concat(),
			off_curve_a(&f.proof),
		] {
			assert_eq!(
				verify(&f, JOB, WORKER, &f.output, &proof),
				Err(ProofError::MalformedProof),
				"{proof:?}"
			);
		}
		// A key for a model of more public inputs: the key does not fit the job.
		let other = Fixture { key: synthetic_key(9), ..fixture() };
		assert_eq!(verify(&other, JOB, WORKER, &f.output, &f.proof), Err(ProofError::KeyMismatch));
		let garbage = Fixture { key: vec![1, 2, 3], ..fixture() };
		assert_eq!(
			verify(&garbage, JOB, WORKER, &f.output, &f.proof),
			Err(ProofError::KeyMismatch)
		);
		assert!(System::events().is_empty());
	});
}

#[test]
fn keys_are_checked_on_entry() {
	let f = fixture();
	new_test_ext().execute_with(|| {
		assert!(<Settlement as VerifyingKeyCheck>::check(&f.key));
		assert!(<Settlement as VerifyingKeyCheck>::check(&synthetic_key(64)));
		// More public inputs than `MaxPublicInputs`.
		assert!(!<Settlement as VerifyingKeyCheck>::check(&synthetic_key(65)));
		assert!(!<Settlement as VerifyingKeyCheck>::check(&[]));
		assert!(!<Settlement as VerifyingKeyCheck>::check(&f.key[..f.key.len() - 1]));
		// A point off the curve.
		let mut bad = f.key.clone();
		bad[5] ^= 1;
		assert!(!<Settlement as VerifyingKeyCheck>::check(&bad));
		// Compressed keys are refused: the chain stores keys uncompressed.
		assert!(!<Settlement as VerifyingKeyCheck>::check(&f.proof));
	});
}

#[test]
fn the_synthetic_proof_is_well_formed_and_verifies_under_no_key() {
	let f = fixture();
	new_test_ext().execute_with(|| {
		assert_eq!(
			verify(&f, JOB, WORKER, &f.output, &synthetic_proof()),
			Err(ProofError::Invalid)
		);
	});
}

#[test]
fn verification_weight_grows_with_public_inputs() {
	let small = <Settlement as VerifyProof<u64>>::verify_weight(16, 4);
	let large = <Settlement as VerifyProof<u64>>::verify_weight(784, 10);
	assert!(large.ref_time() > small.ref_time());
	// Above `COMMIT_ABOVE` bytes the input is hashed, not packed: the hash is charged.
	let committed = <Settlement as VerifyProof<u64>>::verify_weight(5000, 10);
	assert!(committed.ref_time() > large.ref_time());
}

#[test]
fn a_batch_verifies_only_if_every_proof_does() {
	let f = fixture();
	new_test_ext().execute_with(|| {
		let other_key = {
			use ark_std::rand::SeedableRng;
			let pk = prover::setup_seeded(&model(), 11).unwrap();
			// Same key as the fixture: a second proof for another job under it.
			let input: Vec<i8> = (0..16).map(|i| (i * 3 - 20) as i8).collect();
			let binding = public::binding(&zk_binding(JobId(4), &WORKER));
			let mut rng = ark_std::rand::rngs::StdRng::seed_from_u64(2);
			let (output, proof) = prover::prove(&pk, &model(), &input, binding, &mut rng).unwrap();
			(
				input.iter().map(|v| *v as u8).collect::<Vec<u8>>(),
				output.iter().map(|v| *v as u8).collect::<Vec<u8>>(),
				verifier::encode_proof(&proof),
			)
		};
		let (input2, output2, proof2) = &other_key;
		let batch = |second_job: JobId| {
			vec![
				(JOB, &WORKER, &f.input[..], &f.output[..], &f.proof[..]),
				(second_job, &WORKER, &input2[..], &output2[..], &proof2[..]),
			]
		};
		assert_eq!(
			<Settlement as VerifyProof<u64>>::verify_batch(&f.key, &batch(JobId(4))),
			Ok(())
		);
		assert_eq!(System::events().len(), 2);
		System::reset_events();
		// The second proof claimed for another job spoils the batch; no events.
		assert_eq!(
			<Settlement as VerifyProof<u64>>::verify_batch(&f.key, &batch(JobId(5))),
			Err(ProofError::Invalid)
		);
		assert!(System::events().is_empty());
		let mut malformed = batch(JobId(4));
		malformed[1].4 = &[1, 2, 3];
		assert_eq!(
			<Settlement as VerifyProof<u64>>::verify_batch(&f.key, &malformed),
			Err(ProofError::MalformedProof)
		);
		let weight = <Settlement as VerifyProof<u64>>::verify_batch_weight(16, 16, 4);
		let single = <Settlement as VerifyProof<u64>>::verify_weight(16, 4);
		assert!(weight.ref_time() < single.ref_time() * 16);
	});
}
