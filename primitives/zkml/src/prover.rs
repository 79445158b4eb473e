//! Groth16 setup and proving (std, BLS12-381).
//!
//! [`setup`] makes a model's keys. Whoever knows the randomness of a setup can forge proofs for
//! that key, so a production key comes from [`setup`] with the operating system's randomness
//! and a destroyed transcript (or a multi-party ceremony in front of it); [`setup_seeded`]
//! exists for the dev chain and tests, whose keys anyone can rebuild.

use ark_bls12_381::{Bls12_381, Fr};
use ark_groth16::{Groth16, Proof, VerifyingKey};
use ark_relations::gr1cs::SynthesisError;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_std::rand::{rngs::StdRng, CryptoRng, RngCore, SeedableRng};

use crate::{circuit::ModelCircuit, interpreter, ir::Model};

/// A proving key on BLS12-381 (it holds the verifying key, `vk`).
pub type ProvingKey = ark_groth16::ProvingKey<Bls12_381>;

/// Why keys or a proof could not be made or read.
#[derive(Debug)]
pub enum ZkError {
	/// The model is not valid IR.
	Model(crate::IrError),
	/// The input does not have the model's length.
	InputLength { expected: u32, got: usize },
	/// The constraint system could not be built or proved.
	Synthesis(SynthesisError),
	/// Key bytes could not be read.
	Serialization(String),
}

impl std::fmt::Display for ZkError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Model(error) => write!(f, "invalid model: {error}"),
			Self::InputLength { expected, got } => {
				write!(f, "the model takes {expected} inputs, got {got}")
			},
			Self::Synthesis(error) => write!(f, "constraint system: {error}"),
			Self::Serialization(error) => write!(f, "key encoding: {error}"),
		}
	}
}

impl std::error::Error for ZkError {}

/// Makes the proving key (which holds the verifying key) of `model`.
pub fn setup<R: RngCore + CryptoRng>(model: &Model, rng: &mut R) -> Result<ProvingKey, ZkError> {
	model.validate().map_err(ZkError::Model)?;
	let circuit = ModelCircuit { model, input: None, binding: None, claim: None };
	Groth16::<Bls12_381>::generate_random_parameters_with_reduction(circuit, rng)
		.map_err(ZkError::Synthesis)
}

/// A setup from a public seed: reproducible, so **insecure** — for the dev chain and tests.
pub fn setup_seeded(model: &Model, seed: u64) -> Result<ProvingKey, ZkError> {
	setup(model, &mut StdRng::seed_from_u64(seed))
}

/// A proof that `model` gives its (returned) output on `input`, bound to `binding`.
pub fn prove<R: RngCore + CryptoRng>(
	key: &ProvingKey,
	model: &Model,
	input: &[i8],
	binding: Fr,
	rng: &mut R,
) -> Result<(Vec<i8>, Proof<Bls12_381>), ZkError> {
	if input.len() != model.input_len as usize {
		return Err(ZkError::InputLength { expected: model.input_len, got: input.len() });
	}
	let output = interpreter::run(model, input)
		.map_err(|_| ZkError::InputLength { expected: model.input_len, got: input.len() })?;
	let circuit =
		ModelCircuit { model, input: Some(input.to_vec()), binding: Some(binding), claim: None };
	let proof = Groth16::<Bls12_381>::create_random_proof_with_reduction(circuit, key, rng)
		.map_err(ZkError::Synthesis)?;
	Ok((output, proof))
}

/// How many constraints the circuit of `model` has.
pub fn constraint_count(model: &Model) -> Result<usize, ZkError> {
	use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
	let cs = ConstraintSystem::<Fr>::new_ref();
	cs.set_mode(SynthesisMode::Setup);
	ModelCircuit { model, input: None, binding: None, claim: None }
		.generate_constraints(cs.clone())
		.map_err(ZkError::Synthesis)?;
	Ok(cs.num_constraints())
}

/// A proving key's bytes (uncompressed: fast to load).
pub fn encode_proving_key(key: &ProvingKey) -> Vec<u8> {
	let mut out = Vec::with_capacity(key.serialized_size(Compress::No));
	let _ = key.serialize_with_mode(&mut out, Compress::No);
	out
}

/// Reads a proving key written by [`encode_proving_key`]. Points are not re-validated: a
/// corrupt key only makes proofs that the chain rejects, and the worker compares the key's
/// verifying key with the chain's before it proves.
pub fn decode_proving_key(bytes: &[u8]) -> Result<ProvingKey, ZkError> {
	ark_groth16::ProvingKey::deserialize_with_mode(bytes, Compress::No, Validate::No)
		.map_err(|e| ZkError::Serialization(e.to_string()))
}

/// Reads a proving key and validates every point (on the curve, in the subgroup): what a worker
/// does with a key it was handed, once, when it loads it.
pub fn decode_proving_key_checked(bytes: &[u8]) -> Result<ProvingKey, ZkError> {
	ark_groth16::ProvingKey::deserialize_with_mode(bytes, Compress::No, Validate::Yes)
		.map_err(|e| ZkError::Serialization(e.to_string()))
}

/// Verifies `proof` natively under `vk_bytes` (a verifying key as the chain stores it) for the
/// job `binding`, `input` and `output`, as the chain would: what a worker checks before it
/// submits, so a proof the chain would reject (a poisoned proving key, a prover fault) is
/// declined, at no cost, instead of slashed.
pub fn check_proof(
	vk_bytes: &[u8],
	binding: Fr,
	input: &[i8],
	output: &[i8],
	proof: &Proof<Bls12_381>,
) -> Result<(), crate::verifier::VerifyError> {
	let key = crate::verifier::decode_key::<Bls12_381>(vk_bytes)?;
	let public = crate::public::public_inputs(binding, input, output);
	crate::verifier::verify(&key, &public, proof)
}

/// The verifying key of a proving key, as the chain stores it.
pub fn verifying_key_bytes(key: &VerifyingKey<Bls12_381>) -> Vec<u8> {
	crate::verifier::encode_key(key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)] // field arithmetic is modular
mod tests {
	use super::*;
	use crate::{
		onnx::{import, mlp, ImportOptions},
		public::{binding, public_inputs},
		verifier::{self, VerifyError},
	};

	fn demo() -> Model {
		import(&mlp(&[16, 16, 4], 7), ImportOptions::default()).unwrap()
	}

	fn input(model: &Model, salt: i8) -> Vec<i8> {
		(0..model.input_len as usize)
			.map(|i| (i as i8).wrapping_mul(7).wrapping_add(salt))
			.collect()
	}

	fn rng() -> StdRng {
		StdRng::seed_from_u64(99)
	}

	#[test]
	fn a_proof_verifies_and_is_bound_to_its_job_input_and_output() {
		let model = demo();
		let key = setup_seeded(&model, 1).unwrap();
		let x = input(&model, 3);
		let job_a = binding(&[1; 32]);
		let (output, proof) = prove(&key, &model, &x, job_a, &mut rng()).unwrap();
		assert_eq!(output, interpreter::run(&model, &x).unwrap());

		// Through the wire encodings, as the chain sees it.
		let vk = verifier::decode_key::<Bls12_381>(&verifying_key_bytes(&key.vk)).unwrap();
		let proof_bytes = verifier::encode_proof(&proof);
		assert_eq!(proof_bytes.len(), verifier::PROOF_LEN);
		let proof = verifier::decode_proof::<Bls12_381>(&proof_bytes).unwrap();
		assert_eq!(verifier::verify(&vk, &public_inputs(job_a, &x, &output), &proof), Ok(()));

		// For job B: rejected.
		let job_b = binding(&[2; 32]);
		let rejected = Err(VerifyError::Invalid);
		assert_eq!(verifier::verify(&vk, &public_inputs(job_b, &x, &output), &proof), rejected);
		// A changed output or input: rejected.
		let mut changed = output.clone();
		changed[0] = changed[0].wrapping_add(1);
		assert_eq!(verifier::verify(&vk, &public_inputs(job_a, &x, &changed), &proof), rejected);
		let other = input(&model, 4);
		assert_eq!(verifier::verify(&vk, &public_inputs(job_a, &other, &output), &proof), rejected);
		// Under another model's key: rejected.
		let other_key = setup_seeded(&model, 2).unwrap();
		assert_eq!(
			verifier::verify(&other_key.vk.into(), &public_inputs(job_a, &x, &output), &proof),
			rejected
		);
		// Too few public inputs: an error, not a panic.
		assert_eq!(
			verifier::verify(&vk, &public_inputs(job_a, &x, &output)[1..], &proof),
			Err(VerifyError::PublicInputCount)
		);
	}

	#[test]
	fn a_large_input_is_committed_by_poseidon_and_bound_to_the_proof() {
		let inputs = crate::public::COMMIT_ABOVE as u32 + 32;
		let model = Model {
			input_len: inputs,
			input_frac: 4,
			layers: vec![crate::Dense {
				inputs,
				outputs: 2,
				weights: (0..2 * inputs).map(|i| (i % 7) as i8 - 3).collect(),
				bias: vec![5, -5],
				shift: 8,
				relu: false,
			}],
		};
		let key = setup_seeded(&model, 4).unwrap();
		let vk = verifier::Key::from(key.vk.clone());
		// Binding, one commitment, one packed output chunk.
		assert_eq!(verifier::public_input_count(&vk), 3);
		let x: Vec<i8> = (0..inputs).map(|i| (i % 200) as i8).collect();
		let b = binding(&[5; 32]);
		let (output, proof) = prove(&key, &model, &x, b, &mut rng()).unwrap();
		assert_eq!(verifier::verify(&vk, &public_inputs(b, &x, &output), &proof), Ok(()));
		let mut changed = x.clone();
		changed[3990] = changed[3990].wrapping_add(1);
		assert_eq!(
			verifier::verify(&vk, &public_inputs(b, &changed, &output), &proof),
			Err(VerifyError::Invalid)
		);
	}

	/// `(x, y) ↦ (4x, 8y)` maps BLS12-381 onto `y² = x³ + 4·2⁶`, another curve with the same
	/// group law formulas, so the image of a subgroup point passes the subgroup checks that
	/// assume the point is on the curve (as arkworks' uncompressed decoding does).
	fn off_curve<P: ark_ec::short_weierstrass::SWCurveConfig>(
		p: ark_ec::short_weierstrass::Affine<P>,
	) -> ark_ec::short_weierstrass::Affine<P> {
		let two = P::BaseField::from(2u64);
		let (x, y) = (p.x * two * two, p.y * two * two * two);
		let q = ark_ec::short_weierstrass::Affine::<P>::new_unchecked(x, y);
		assert!(!q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve());
		q
	}

	#[test]
	fn points_off_the_curve_are_refused_in_proofs_and_keys() {
		let model = demo();
		let key = setup_seeded(&model, 1).unwrap();
		let (_, proof) =
			prove(&key, &model, &input(&model, 0), binding(&[1; 32]), &mut rng()).unwrap();
		for bad in [
			Proof { a: off_curve(proof.a), ..proof.clone() },
			Proof { b: off_curve(proof.b), ..proof.clone() },
			Proof { c: off_curve(proof.c), ..proof.clone() },
		] {
			assert_eq!(
				verifier::decode_proof::<Bls12_381>(&verifier::encode_proof(&bad)),
				Err(VerifyError::MalformedProof)
			);
		}
		let vk = &key.vk;
		for bad in [
			VerifyingKey { alpha_g1: off_curve(vk.alpha_g1), ..vk.clone() },
			VerifyingKey { beta_g2: off_curve(vk.beta_g2), ..vk.clone() },
			VerifyingKey { gamma_g2: off_curve(vk.gamma_g2), ..vk.clone() },
			VerifyingKey { delta_g2: off_curve(vk.delta_g2), ..vk.clone() },
		] {
			assert_eq!(
				verifier::decode_key::<Bls12_381>(&verifying_key_bytes(&bad)).map(|_| ()),
				Err(VerifyError::MalformedKey)
			);
		}
	}

	#[test]
	fn keys_with_a_point_at_infinity_or_gamma_equal_to_delta_are_refused() {
		use ark_ec::AffineRepr;
		let key = setup_seeded(&demo(), 1).unwrap();
		let vk = &key.vk;
		assert!(verifier::decode_key::<Bls12_381>(&verifying_key_bytes(vk)).is_ok());
		for bad in [
			VerifyingKey { alpha_g1: AffineRepr::zero(), ..vk.clone() },
			VerifyingKey { beta_g2: AffineRepr::zero(), ..vk.clone() },
			VerifyingKey { gamma_g2: AffineRepr::zero(), ..vk.clone() },
			VerifyingKey { delta_g2: AffineRepr::zero(), ..vk.clone() },
			// γ = δ: anyone could pass any proof.
			VerifyingKey { delta_g2: vk.gamma_g2, ..vk.clone() },
		] {
			assert_eq!(
				verifier::decode_key::<Bls12_381>(&verifying_key_bytes(&bad)).map(|_| ()),
				Err(VerifyError::MalformedKey)
			);
		}
	}

	#[test]
	fn malformed_keys_and_proofs_are_errors() {
		let model = demo();
		let key = setup_seeded(&model, 1).unwrap();
		let (_, proof) =
			prove(&key, &model, &input(&model, 0), binding(&[1; 32]), &mut rng()).unwrap();
		let proof_bytes = verifier::encode_proof(&proof);
		let key_bytes = verifying_key_bytes(&key.vk);
		let bad_proof = Err(VerifyError::MalformedProof);
		for bytes in [
			vec![],
			proof_bytes[..100].to_vec(),
			[proof_bytes.clone(), vec![0]].concat(),
			vec![0xff; verifier::PROOF_LEN],
		] {
			assert_eq!(verifier::decode_proof::<Bls12_381>(&bytes).map(|_| ()), bad_proof);
		}
		// A flipped bit gives a point off the curve or outside the subgroup, or another point.
		let mut flipped = proof_bytes.clone();
		flipped[10] ^= 1;
		assert!(verifier::decode_proof::<Bls12_381>(&flipped).map(|p| p != proof).unwrap_or(true));
		let bad_key = Err(VerifyError::MalformedKey);
		for bytes in [vec![], key_bytes[..200].to_vec(), [key_bytes.clone(), vec![0]].concat()] {
			assert_eq!(verifier::decode_key::<Bls12_381>(&bytes).map(|_| ()), bad_key);
		}
		let mut off_curve = key_bytes.clone();
		off_curve[5] ^= 1;
		assert_eq!(verifier::decode_key::<Bls12_381>(&off_curve).map(|_| ()), bad_key);
		// The key ends with `e(α, β)` (576 bytes); one that is not the key's pairing is refused,
		// though it still decodes unchecked.
		let mut wrong_pairing = key_bytes.clone();
		let last = wrong_pairing.len() - 1;
		wrong_pairing[last - 100] ^= 1;
		assert_eq!(verifier::decode_key::<Bls12_381>(&wrong_pairing).map(|_| ()), bad_key);
		assert!(verifier::decode_checked_key::<Bls12_381>(&wrong_pairing).is_ok());
		// So is a key without it.
		let bare = &key_bytes[..key_bytes.len() - 576];
		assert_eq!(verifier::decode_key::<Bls12_381>(bare).map(|_| ()), bad_key);
	}

	#[test]
	fn batches_verify_only_when_every_proof_does() {
		let model = demo();
		let key = setup_seeded(&model, 1).unwrap();
		let mut items = Vec::new();
		for j in 0..4u8 {
			let x = input(&model, j as i8);
			let b = binding(&[j; 32]);
			let (output, proof) = prove(&key, &model, &x, b, &mut rng()).unwrap();
			items.push((public_inputs(b, &x, &output), proof));
		}
		let hash = |m: &[u8]| {
			let mut out = [0u8; 32];
			for (i, b) in m.iter().enumerate() {
				out[i % 32] ^= b.wrapping_mul(31).wrapping_add(i as u8);
			}
			out
		};
		let r = verifier::batch_coefficients(&[9; 32], items.len(), hash);
		let vk = verifier::Key::from(key.vk.clone());
		assert_eq!(verifier::verify_batch(&vk, &items, &r), Ok(()));
		// One proof for the wrong job spoils the batch.
		items[2].0[0] = binding(&[77; 32]);
		assert_eq!(verifier::verify_batch(&vk, &items, &r), Err(VerifyError::Invalid));
		// Two proofs swapped between jobs too.
		items[2].0[0] = binding(&[2; 32]);
		assert_eq!(verifier::verify_batch(&vk, &items, &r), Ok(()));
		let mut swapped = items.clone();
		swapped[0].1 = items[1].1.clone();
		swapped[1].1 = items[0].1.clone();
		assert_eq!(verifier::verify_batch(&vk, &swapped, &r), Err(VerifyError::Invalid));
		assert_eq!(
			verifier::verify_batch(&vk, &items, &r[..3]),
			Err(VerifyError::PublicInputCount)
		);
	}

	#[test]
	fn keys_round_trip_and_seeded_setups_are_reproducible() {
		let model = demo();
		let key = setup_seeded(&model, 5).unwrap();
		let decoded = decode_proving_key(&encode_proving_key(&key)).unwrap();
		assert_eq!(decoded.vk, key.vk);
		assert_eq!(setup_seeded(&model, 5).unwrap().vk, key.vk);
		assert_ne!(setup_seeded(&model, 6).unwrap().vk, key.vk);
		assert!(matches!(
			prove(&key, &model, &[0; 3], binding(&[0; 32]), &mut rng()),
			Err(ZkError::InputLength { expected: 16, got: 3 })
		));
	}
}
