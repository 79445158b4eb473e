//! Phase 2: a model's Groth16 key from a phase-1 transcript, then δ re-randomized in turn.
//!
//! - [`derive_key`] builds the key of a model's circuit from the transcript alone, with γ = δ = 1:
//!   the Lagrange basis at τ comes from the powers of τ by an inverse FFT over the circuit's
//!   evaluation domain, every query is a sum over the constraint matrices, and the H query is
//!   `[τ^i·Z(τ)]₁ = [τ^(N+i)]₁ − [τ^i]₁`. Anyone can derive it again and compare: it is exactly
//!   the key `ark-groth16` would generate with the transcript's τ, α and β (a test checks it).
//!   That key cannot be used yet: the verifier refuses γ = δ.
//! - [`contribute_delta`]: a contributor multiplies δ by a secret `d` (and divides the L and H
//!   queries by it), publishing the new `[δ]₁`, `[δ]₂` and a proof of knowledge of `d`
//!   ([`DeltaContribution`]); [`verify_delta_step`] checks one step against the previous `[δ]₁`.
//! - [`verify_key`] checks a final key against the derived one: equal but for δ, L and H, and
//!   `L·δ`, `H·δ` unchanged (random linear combinations and one pairing check).
//!
//! Knowing τ is enough to forge proofs of a key (the H query's elements are known multiples of
//! `1/δ`), so a key is sound only if both phases had an honest contributor.

use alloc::vec::Vec;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, Zero};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
	ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
	R1CS_PREDICATE_LABEL,
};
use ark_std::rand::{CryptoRng, RngCore};

use super::{
	nonzero_scalar, same_ratio, Accumulator, CeremonyError, DeltaContribution, Knowledge, Secret,
};
use crate::{circuit::ModelCircuit, Model};

/// The constraint system of `model`'s circuit in setup mode, and its evaluation domain, as
/// `ark-groth16`'s generator builds them.
pub(crate) fn circuit(
	model: &Model,
) -> Result<(ConstraintSystemRef<Fr>, GeneralEvaluationDomain<Fr>), CeremonyError> {
	model.validate().map_err(|_| CeremonyError::Circuit)?;
	let cs = ConstraintSystem::<Fr>::new_ref();
	cs.set_optimization_goal(OptimizationGoal::Constraints);
	cs.set_mode(SynthesisMode::Setup);
	let circuit = ModelCircuit { model, input: None, binding: None, claim: None };
	circuit.generate_constraints(cs.clone()).map_err(|_| CeremonyError::Circuit)?;
	cs.finalize();
	let size = cs.num_constraints().saturating_add(cs.num_instance_variables());
	let domain = GeneralEvaluationDomain::<Fr>::new(size).ok_or(CeremonyError::Circuit)?;
	Ok((cs, domain))
}

/// The phase-1 size `model`'s key needs: its circuit's evaluation domain (constraints and
/// public inputs, rounded up to a power of two).
pub fn setup_size(model: &Model) -> Result<usize, CeremonyError> {
	Ok(circuit(model)?.1.size())
}

/// `[L_k(τ)]` for every `k` of the domain, from `[τ^j]` for `j < N`.
fn lagrange<P>(
	domain: &GeneralEvaluationDomain<Fr>,
	powers: &[P::Affine],
) -> Result<Vec<P>, CeremonyError>
where
	P: CurveGroup<ScalarField = Fr>,
{
	let mut basis: Vec<P> = powers
		.get(..domain.size())
		.ok_or(CeremonyError::Circuit)?
		.iter()
		.map(|p| p.into_group())
		.collect();
	domain.ifft_in_place(&mut basis);
	Ok(basis)
}

/// The key of `model` derived from the transcript `phase1`, with γ = δ = 1 (see the module's
/// docs): deterministic, so anyone can derive it again and compare.
pub fn derive_key(
	phase1: &Accumulator,
	model: &Model,
) -> Result<ProvingKey<Bls12_381>, CeremonyError> {
	let (cs, domain) = circuit(model)?;
	let n = domain.size();
	if phase1.size() < n {
		return Err(CeremonyError::Circuit);
	}
	let matrices = cs.to_matrices().map_err(|_| CeremonyError::Circuit)?;
	let [a, b, c] = matrices.get(R1CS_PREDICATE_LABEL).map(Vec::as_slice).unwrap_or_default()
	else {
		return Err(CeremonyError::Circuit);
	};
	let instances = cs.num_instance_variables();
	let constraints = cs.num_constraints();
	let variables = instances.saturating_add(cs.num_witness_variables());

	let tau = lagrange::<G1Projective>(&domain, &phase1.tau_g1)?;
	let tau_g2 = lagrange::<G2Projective>(&domain, &phase1.tau_g2)?;
	let alpha = lagrange::<G1Projective>(&domain, &phase1.alpha_g1)?;
	let beta = lagrange::<G1Projective>(&domain, &phase1.beta_g1)?;

	let zero1 = G1Projective::zero();
	let (mut a_g1, mut b_g1, mut ext) =
		(vec![zero1; variables], vec![zero1; variables], vec![zero1; variables]);
	let mut b_g2 = vec![G2Projective::zero(); variables];
	let missing = || CeremonyError::Circuit;
	// Each public input i also has L_{constraints + i} in its u (libsnark's reduction).
	for i in 0..instances {
		let k = constraints.checked_add(i).ok_or_else(missing)?;
		let (t, bt) = (tau.get(k).ok_or_else(missing)?, beta.get(k).ok_or_else(missing)?);
		*a_g1.get_mut(i).ok_or_else(missing)? += t;
		*ext.get_mut(i).ok_or_else(missing)? += bt;
	}
	for k in 0..constraints {
		let (t, t2) = (tau.get(k).ok_or_else(missing)?, tau_g2.get(k).ok_or_else(missing)?);
		let (at, bt) = (alpha.get(k).ok_or_else(missing)?, beta.get(k).ok_or_else(missing)?);
		for (coefficient, i) in a.get(k).ok_or_else(missing)? {
			*a_g1.get_mut(*i).ok_or_else(missing)? += *t * coefficient;
			*ext.get_mut(*i).ok_or_else(missing)? += *bt * coefficient;
		}
		for (coefficient, i) in b.get(k).ok_or_else(missing)? {
			*b_g1.get_mut(*i).ok_or_else(missing)? += *t * coefficient;
			*b_g2.get_mut(*i).ok_or_else(missing)? += *t2 * coefficient;
			*ext.get_mut(*i).ok_or_else(missing)? += *at * coefficient;
		}
		for (coefficient, i) in c.get(k).ok_or_else(missing)? {
			*ext.get_mut(*i).ok_or_else(missing)? += *t * coefficient;
		}
	}
	// H: [τ^i·Z(τ)]₁ = [τ^(N+i)]₁ − [τ^i]₁ for i < N − 1.
	let h: Vec<G1Projective> = (0..n.saturating_sub(1))
		.map(|i| {
			let high = phase1.tau_g1.get(n.checked_add(i)?)?;
			let low = phase1.tau_g1.get(i)?;
			Some(high.into_group() - low)
		})
		.collect::<Option<_>>()
		.ok_or_else(missing)?;

	let ext = G1Projective::normalize_batch(&ext);
	let (gamma_abc_g1, l_query) = ext.split_at(instances);
	let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
	let head = phase1.head()?;
	Ok(ProvingKey {
		vk: VerifyingKey {
			alpha_g1: head.alpha_g1,
			beta_g2: head.beta_g2,
			gamma_g2: g2,
			delta_g2: g2,
			gamma_abc_g1: gamma_abc_g1.to_vec(),
		},
		beta_g1: head.beta_g1,
		delta_g1: g1,
		a_query: G1Projective::normalize_batch(&a_g1),
		b_g1_query: G1Projective::normalize_batch(&b_g1),
		b_g2_query: G2Projective::normalize_batch(&b_g2),
		h_query: G1Projective::normalize_batch(&h),
		l_query: l_query.to_vec(),
	})
}

/// A phase-2 transcript's hash (BLAKE2b-256 of the key's uncompressed encoding): what the chain
/// records and what a node checks the key it fetched against.
pub fn key_hash(key: &ProvingKey<Bls12_381>) -> [u8; 32] {
	use ark_serialize::CanonicalSerialize;
	let mut bytes = Vec::new();
	key.serialize_uncompressed(&mut bytes).ok();
	super::hash(&bytes)
}

/// Multiplies `key`'s δ by a fresh secret from `rng` (the operating system's, for a real
/// ceremony), in `context` (the previous key's hash and the contributor's account); returns the
/// new key and the contribution to publish. The secret is wiped before returning.
pub fn contribute_delta<R: RngCore + CryptoRng>(
	key: &ProvingKey<Bls12_381>,
	context: &[u8],
	rng: &mut R,
) -> Result<(ProvingKey<Bls12_381>, DeltaContribution), CeremonyError> {
	use zeroize::Zeroize;
	let mut d = nonzero_scalar(rng);
	let mut inverse = d.inverse().ok_or(CeremonyError::PointAtInfinity)?;
	let divide = |points: &[G1Affine]| -> Vec<G1Affine> {
		let scaled: Vec<G1Projective> = points.iter().map(|p| *p * inverse).collect();
		G1Projective::normalize_batch(&scaled)
	};
	let mut next = key.clone();
	next.delta_g1 = (key.delta_g1 * d).into_affine();
	next.vk.delta_g2 = (key.vk.delta_g2 * d).into_affine();
	next.l_query = divide(&key.l_query);
	next.h_query = divide(&key.h_query);
	let proof = Knowledge::prove(Secret::Delta, &key.delta_g1, &d, context, rng);
	d.zeroize();
	inverse.zeroize();
	let contribution =
		DeltaContribution { delta_g1: next.delta_g1, delta_g2: next.vk.delta_g2, proof };
	Ok((next, contribution))
}

/// Checks that `key` is `derived` (the key [`derive_key`] gives) with only δ re-randomized: every
/// other element equal, `[δ]₁` and `[δ]₂` of one δ, and the L and H queries `derived`'s divided by
/// it (by random linear combinations from `rng` and one pairing check).
pub fn verify_key<R: RngCore>(
	derived: &ProvingKey<Bls12_381>,
	key: &ProvingKey<Bls12_381>,
	rng: &mut R,
) -> Result<(), CeremonyError> {
	use ark_ec::VariableBaseMSM;
	use ark_std::UniformRand;
	let same = derived.vk.alpha_g1 == key.vk.alpha_g1
		&& derived.vk.beta_g2 == key.vk.beta_g2
		&& derived.vk.gamma_g2 == key.vk.gamma_g2
		&& derived.vk.gamma_abc_g1 == key.vk.gamma_abc_g1
		&& derived.beta_g1 == key.beta_g1
		&& derived.a_query == key.a_query
		&& derived.b_g1_query == key.b_g1_query
		&& derived.b_g2_query == key.b_g2_query
		&& derived.l_query.len() == key.l_query.len()
		&& derived.h_query.len() == key.h_query.len();
	if !same {
		return Err(CeremonyError::NotDerived);
	}
	if key.delta_g1.is_zero() || key.vk.delta_g2.is_zero() {
		return Err(CeremonyError::PointAtInfinity);
	}
	let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
	if !same_ratio(key.delta_g1, g2, g1, key.vk.delta_g2) {
		return Err(CeremonyError::Inconsistent);
	}
	let points = |key: &ProvingKey<Bls12_381>| -> Vec<G1Affine> {
		key.l_query.iter().chain(&key.h_query).copied().collect()
	};
	let rho: Vec<Fr> =
		(0..derived.l_query.len() + derived.h_query.len()).map(|_| Fr::rand(rng)).collect();
	let before =
		G1Projective::msm(&points(derived), &rho).map_err(|_| CeremonyError::NotDerived)?;
	let after = G1Projective::msm(&points(key), &rho).map_err(|_| CeremonyError::NotDerived)?;
	// L·δ = L₀: e(ΣρL, [δ]₂) = e(ΣρL₀, g₂).
	if !same_ratio(after.into_affine(), key.vk.delta_g2, before.into_affine(), g2) {
		return Err(CeremonyError::NotDerived);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

	use super::*;
	use crate::{
		ceremony::verify_delta_step,
		onnx::{import, mlp, ImportOptions},
		prover, verifier,
	};
	use ark_groth16::{r1cs_to_qap::R1CSToQAP, Groth16, Proof};
	use ark_std::{
		rand::{rngs::StdRng, SeedableRng},
		UniformRand,
	};

	fn model() -> Model {
		import(&mlp(&[4, 4, 2], 3), ImportOptions::default()).unwrap()
	}

	fn context(hash: &[u8], who: &str) -> Vec<u8> {
		[hash, who.as_bytes()].concat()
	}

	/// The starting transcript of `model`'s size, times the given secrets of each party.
	fn phase1(model: &Model, parties: &[[Fr; 3]], rng: &mut StdRng) -> Accumulator {
		let n = circuit(model).unwrap().1.size();
		let mut transcript = Accumulator::new(n).unwrap();
		for (i, secrets) in parties.iter().enumerate() {
			let ctx = context(&transcript.hash(), &format!("party {i}"));
			transcript = transcript.contribute_secrets(*secrets, &ctx, rng).unwrap().0;
		}
		transcript
	}

	/// `parties` re-randomize δ in turn, each step checked; the final key.
	fn phase2(
		derived: &ProvingKey<Bls12_381>,
		parties: &[&str],
		rng: &mut StdRng,
	) -> ProvingKey<Bls12_381> {
		let mut key = derived.clone();
		for who in parties {
			let ctx = context(&key_hash(&key), who);
			let (next, contribution) = contribute_delta(&key, &ctx, rng).unwrap();
			assert_eq!(verify_delta_step(&key.delta_g1, &contribution, &ctx), Ok(()));
			key = next;
		}
		key
	}

	fn random_secrets(rng: &mut StdRng) -> [Fr; 3] {
		[Fr::rand(rng), Fr::rand(rng), Fr::rand(rng)]
	}

	#[test]
	fn the_derived_key_is_the_one_ark_groth16_generates_with_the_transcripts_secrets() {
		let model = model();
		let (_, domain) = circuit(&model).unwrap();
		let mut rng = StdRng::seed_from_u64(11);
		// The generator draws τ from its rng: learn it from a copy.
		let tau = domain.sample_element_outside_domain(&mut rng.clone());
		let (alpha, beta) = (Fr::from(3u64), Fr::from(5u64));
		let transcript = phase1(&model, &[[tau, alpha, beta]], &mut StdRng::seed_from_u64(1));
		let generated = Groth16::<Bls12_381>::generate_parameters_with_qap(
			ModelCircuit { model: &model, input: None, binding: None, claim: None },
			alpha,
			beta,
			Fr::from(1u64),
			Fr::from(1u64),
			G1Affine::generator().into_group(),
			G2Affine::generator().into_group(),
			&mut rng,
		)
		.unwrap();
		assert_eq!(derive_key(&transcript, &model).unwrap(), generated);
		// A transcript too small for the circuit is refused.
		let small = Accumulator::new(domain.size() / 2).unwrap();
		assert_eq!(derive_key(&small, &model), Err(CeremonyError::Circuit));
	}

	#[test]
	fn a_key_from_a_three_party_ceremony_proves_and_verifies() {
		let model = model();
		let mut rng = StdRng::seed_from_u64(21);
		let secrets: Vec<_> = (0..3).map(|_| random_secrets(&mut rng)).collect();
		let transcript = phase1(&model, &secrets, &mut rng);
		assert_eq!(transcript.verify(&mut rng), Ok(()));
		let derived = derive_key(&transcript, &model).unwrap();
		// Until δ is re-randomized the key is refused: γ = δ.
		let encoded = verifier::encode_key(&derived.vk);
		assert!(verifier::decode_key::<Bls12_381>(&encoded).is_err());

		let key = phase2(&derived, &["alice", "bob", "charlie"], &mut rng);
		assert_eq!(verify_key(&derived, &key, &mut rng), Ok(()));
		let x: Vec<i8> = (0..model.input_len as i8).collect();
		let binding = crate::public::binding(&[7; 32]);
		let (output, proof) = prover::prove(&key, &model, &x, binding, &mut rng).unwrap();
		let vk = verifier::decode_key::<Bls12_381>(&verifier::encode_key(&key.vk)).unwrap();
		let public = crate::public::public_inputs(binding, &x, &output);
		assert_eq!(verifier::verify(&vk, &public, &proof), Ok(()));
	}

	/// A proof of any public inputs for a key with γ = 1, made by whoever knows τ: the H query's
	/// first element is `Z(τ)/δ`, so `C` can be any multiple of `1/δ`.
	fn forge(
		key: &ProvingKey<Bls12_381>,
		model: &Model,
		tau: Fr,
		public: &[Fr],
	) -> Proof<Bls12_381> {
		let (cs, _) = circuit(model).unwrap();
		let (a, b, c, zt, _, _) =
			ark_groth16::r1cs_to_qap::LibsnarkReduction::instance_map_with_evaluation::<
				Fr,
				GeneralEvaluationDomain<Fr>,
			>(cs, &tau)
			.unwrap();
		let z: Vec<Fr> = core::iter::once(Fr::from(1u64)).chain(public.iter().copied()).collect();
		let dot = |v: &[Fr]| z.iter().zip(v).map(|(z, v)| *z * v).sum::<Fr>();
		let (sa, sb, sc) = (dot(&a), dot(&b), dot(&c));
		let q = (sa * sb - sc) * zt.inverse().unwrap();
		Proof {
			a: (key.vk.alpha_g1 + G1Affine::generator() * sa).into_affine(),
			b: (key.vk.beta_g2 + G2Affine::generator() * sb).into_affine(),
			c: (key.h_query[0] * q).into_affine(),
		}
	}

	#[test]
	fn knowing_one_contributors_secrets_does_not_forge_but_the_whole_toxic_waste_does() {
		let model = model();
		let mut rng = StdRng::seed_from_u64(31);
		let secrets: Vec<_> = (0..3).map(|_| random_secrets(&mut rng)).collect();
		let transcript = phase1(&model, &secrets, &mut rng);
		let key = phase2(&derive_key(&transcript, &model).unwrap(), &["alice", "bob"], &mut rng);
		let pvk = ark_groth16::prepare_verifying_key(&key.vk);
		let public: Vec<Fr> =
			(1..key.vk.gamma_abc_g1.len()).map(|i| Fr::from(i as u64 * 1_000_003)).collect();
		let verifies = |proof: &Proof<Bls12_381>| {
			Groth16::<Bls12_381>::verify_proof(&pvk, proof, &public).unwrap_or(false)
		};
		// With every contributor's t — the product is τ — the forgery verifies: the procedure
		// works, and a single-party setup (whose one party knows τ) is forgeable.
		let tau = secrets.iter().map(|s| s[0]).product::<Fr>();
		assert!(verifies(&forge(&key, &model, tau, &public)));
		// With one contributor's, or two of three, it does not.
		for known in [secrets[0][0], secrets[2][0], secrets[0][0] * secrets[1][0]] {
			assert!(!verifies(&forge(&key, &model, known, &public)));
		}
	}

	mod reject {
		use super::*;

		#[test]
		fn a_wrong_or_replayed_delta_contribution_or_one_claimed_by_another_account() {
			let model = model();
			let mut rng = StdRng::seed_from_u64(41);
			let derived =
				derive_key(&phase1(&model, &[random_secrets(&mut rng)], &mut rng), &model).unwrap();
			let ctx = context(&key_hash(&derived), "alice");
			let (key, contribution) = contribute_delta(&derived, &ctx, &mut rng).unwrap();
			assert_eq!(verify_delta_step(&derived.delta_g1, &contribution, &ctx), Ok(()));
			let mut wrong = contribution;
			wrong.proof.response += Fr::from(1u64);
			assert_eq!(
				verify_delta_step(&derived.delta_g1, &wrong, &ctx),
				Err(CeremonyError::BadProof(Secret::Delta))
			);
			// Replayed on top of itself, or claimed by Mallory.
			let next_ctx = context(&key_hash(&key), "alice");
			assert!(verify_delta_step(&key.delta_g1, &contribution, &next_ctx).is_err());
			assert_eq!(
				verify_delta_step(
					&derived.delta_g1,
					&contribution,
					&context(&key_hash(&derived), "mallory")
				),
				Err(CeremonyError::BadProof(Secret::Delta))
			);
			let mut other_g2 = contribution;
			other_g2.delta_g2 = G2Affine::generator();
			assert_eq!(
				verify_delta_step(&derived.delta_g1, &other_g2, &ctx),
				Err(CeremonyError::Inconsistent)
			);
		}

		#[test]
		fn a_key_not_derived_from_the_sealed_transcript() {
			let model = model();
			let mut rng = StdRng::seed_from_u64(51);
			let sealed =
				derive_key(&phase1(&model, &[random_secrets(&mut rng)], &mut rng), &model).unwrap();
			// A key from another transcript (someone's own setup), re-randomized as usual.
			let other =
				derive_key(&phase1(&model, &[random_secrets(&mut rng)], &mut rng), &model).unwrap();
			let other = phase2(&other, &["mallory"], &mut rng);
			assert_eq!(verify_key(&sealed, &other, &mut rng), Err(CeremonyError::NotDerived));
			// The right key with one L element changed, or δ changed without L and H.
			let key = phase2(&sealed, &["alice"], &mut rng);
			let mut tampered = key.clone();
			tampered.l_query[0] = (tampered.l_query[0] * Fr::from(2u64)).into_affine();
			assert_eq!(verify_key(&sealed, &tampered, &mut rng), Err(CeremonyError::NotDerived));
			let mut delta_only = sealed.clone();
			delta_only.delta_g1 = key.delta_g1;
			delta_only.vk.delta_g2 = key.vk.delta_g2;
			assert_eq!(verify_key(&sealed, &delta_only, &mut rng), Err(CeremonyError::NotDerived));
			assert_eq!(verify_key(&sealed, &key, &mut rng), Ok(()));
		}
	}
}
