//! The Groth16 verifier (no_std), generic over the pairing engine so the runtime can run it on
//! `sp-crypto-ec-utils`' BLS12-381, whose pairings and multi-scalar multiplications are host
//! functions, and native code on `ark-bls12-381`. Both serialize points the same way.
//!
//! Keys travel uncompressed and are validated (points on the curve, in the prime-order
//! subgroup) once, when a model owner sets them; the chain stores them checked and reads them
//! back without re-validating. Proofs travel uncompressed too (384 bytes): decompressing takes
//! square roots, which the runtime would compute in wasm at several milliseconds a proof, while
//! checking an uncompressed point is cheap. They are always validated.

// Group and field arithmetic is modular and cannot overflow.
#![allow(clippy::arithmetic_side_effects)]

use alloc::vec::Vec;
use ark_bls12_381::Fr;
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, One, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// Why a proof was not checked, or did not verify.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VerifyError {
	/// The key's bytes are not an uncompressed Groth16 key of valid points.
	MalformedKey,
	/// The proof's bytes are not an uncompressed Groth16 proof of valid points.
	MalformedProof,
	/// The key expects another number of public inputs.
	PublicInputCount,
	/// The proof does not verify.
	Invalid,
}

/// The size of an uncompressed BLS12-381 proof: two G1 points and one G2 point.
pub const PROOF_LEN: usize = 96 + 192 + 96;

/// Decodes and validates a verifying key (what the chain does once, when it is set).
pub fn decode_key<E: Pairing<ScalarField = Fr>>(
	bytes: &[u8],
) -> Result<VerifyingKey<E>, VerifyError> {
	decode_key_with(bytes, Validate::Yes)
}

/// Decodes a key that was validated when it was stored.
pub fn decode_checked_key<E: Pairing<ScalarField = Fr>>(
	bytes: &[u8],
) -> Result<VerifyingKey<E>, VerifyError> {
	decode_key_with(bytes, Validate::No)
}

fn decode_key_with<E: Pairing<ScalarField = Fr>>(
	mut bytes: &[u8],
	validate: Validate,
) -> Result<VerifyingKey<E>, VerifyError> {
	let key = VerifyingKey::<E>::deserialize_with_mode(&mut bytes, Compress::No, validate)
		.map_err(|_| VerifyError::MalformedKey)?;
	// Trailing bytes would let two encodings stand for one key; a key with no input base
	// cannot be used.
	if !bytes.is_empty() || key.gamma_abc_g1.is_empty() {
		return Err(VerifyError::MalformedKey);
	}
	Ok(key)
}

/// How many public inputs `key` takes.
pub fn public_input_count<E: Pairing>(key: &VerifyingKey<E>) -> usize {
	key.gamma_abc_g1.len().saturating_sub(1)
}

/// Decodes and validates an uncompressed proof (points on the curve and in the subgroup);
/// points at infinity are refused.
pub fn decode_proof<E: Pairing>(mut bytes: &[u8]) -> Result<Proof<E>, VerifyError> {
	let proof = Proof::<E>::deserialize_with_mode(&mut bytes, Compress::No, Validate::Yes)
		.map_err(|_| VerifyError::MalformedProof)?;
	// No honest proof has a point at infinity, and encodings of it differ between curve
	// implementations (the host-function curve reads all-ones bytes as infinity): refuse it.
	if !bytes.is_empty() || proof.a.is_zero() || proof.b.is_zero() || proof.c.is_zero() {
		return Err(VerifyError::MalformedProof);
	}
	Ok(proof)
}

/// Encodes a key the way [`decode_key`] reads it.
pub fn encode_key<E: Pairing>(key: &VerifyingKey<E>) -> Vec<u8> {
	let mut out = Vec::with_capacity(key.serialized_size(Compress::No));
	// Writing to a `Vec` cannot fail.
	let _ = key.serialize_with_mode(&mut out, Compress::No);
	out
}

/// Encodes a proof the way [`decode_proof`] reads it.
pub fn encode_proof<E: Pairing>(proof: &Proof<E>) -> Vec<u8> {
	let mut out = Vec::with_capacity(PROOF_LEN);
	let _ = proof.serialize_with_mode(&mut out, Compress::No);
	out
}

/// `Σ public[i] · gamma_abc[i + 1] + gamma_abc[0]`, one multi-scalar multiplication.
fn input_point<E: Pairing<ScalarField = Fr>>(
	key: &VerifyingKey<E>,
	public: &[Fr],
) -> Result<E::G1, VerifyError> {
	let (first, bases) = key.gamma_abc_g1.split_first().ok_or(VerifyError::MalformedKey)?;
	if bases.len() != public.len() {
		return Err(VerifyError::PublicInputCount);
	}
	let sum = E::G1::msm(bases, public).map_err(|_| VerifyError::PublicInputCount)?;
	Ok(sum + *first)
}

/// `-γ`, `-δ`, `-β`: the key's G2 points as the checks pair them (moving the right-hand side
/// of `e(A, B) = e(α, β) · e(L, γ) · e(C, δ)` to the left).
fn negated_g2<E: Pairing>(key: &VerifyingKey<E>) -> [E::G2Affine; 3] {
	[key.gamma_g2, key.delta_g2, key.beta_g2].map(|p| (-p.into_group()).into_affine())
}

/// Whether a multi-Miller loop's result is one after the final exponentiation.
fn is_one<E: Pairing>(miller: ark_ec::pairing::MillerLoopOutput<E>) -> Result<(), VerifyError> {
	match E::final_exponentiation(miller) {
		Some(result) if result.0.is_one() => Ok(()),
		_ => Err(VerifyError::Invalid),
	}
}

/// Checks `e(A, B) = e(α, β) · e(L, γ) · e(C, δ)` as one multi-pairing of four pairs.
pub fn verify<E: Pairing<ScalarField = Fr>>(
	key: &VerifyingKey<E>,
	public: &[Fr],
	proof: &Proof<E>,
) -> Result<(), VerifyError> {
	let l = input_point(key, public)?;
	let [gamma, delta, beta] = negated_g2(key);
	let pairs = E::multi_miller_loop(
		[proof.a, l.into_affine(), proof.c, key.alpha_g1],
		[proof.b, gamma, delta, beta],
	);
	is_one(pairs)
}

/// Checks several proofs under one key with one multi-pairing: with random `r_i`,
/// `Π e(r_i·A_i, B_i) = e(Σr_i·α, β) · e(Σr_i·L_i, γ) · e(Σr_i·C_i, δ)`. `coefficients` gives
/// the `r_i`; they must be unknown to whoever made the proofs (a hash of all of them, say),
/// or two wrong proofs could cancel out. `Ok` means every proof verifies, except with
/// probability about 2^-128 per coefficient draw; on `Err(Invalid)` check them one by one to
/// find the bad ones.
pub fn verify_batch<E: Pairing<ScalarField = Fr>>(
	key: &VerifyingKey<E>,
	items: &[(Vec<Fr>, Proof<E>)],
	coefficients: &[Fr],
) -> Result<(), VerifyError> {
	if items.len() != coefficients.len() {
		return Err(VerifyError::PublicInputCount);
	}
	let (first, bases) = key.gamma_abc_g1.split_first().ok_or(VerifyError::MalformedKey)?;
	// Σ r_i · public_i, per input position, then one MSM over the key's bases.
	let mut combined = alloc::vec![Fr::ZERO; bases.len()];
	let mut r_sum = Fr::ZERO;
	let mut g1 = Vec::with_capacity(items.len().saturating_add(3));
	let mut g2 = Vec::with_capacity(items.len().saturating_add(3));
	let mut a_terms = Vec::with_capacity(items.len());
	let mut c_points = Vec::with_capacity(items.len());
	for ((public, proof), r) in items.iter().zip(coefficients) {
		if public.len() != bases.len() {
			return Err(VerifyError::PublicInputCount);
		}
		for (sum, x) in combined.iter_mut().zip(public) {
			*sum += *r * x;
		}
		r_sum += r;
		a_terms.push(proof.a.mul_bigint(r.into_bigint()).into_affine());
		c_points.push(proof.c);
		g2.push(proof.b);
	}
	g1.extend(a_terms);
	let l = E::G1::msm(bases, &combined).map_err(|_| VerifyError::PublicInputCount)?
		+ first.mul_bigint(r_sum.into_bigint());
	let c = E::G1::msm(&c_points, coefficients).map_err(|_| VerifyError::PublicInputCount)?;
	let alpha = key.alpha_g1.mul_bigint(r_sum.into_bigint());
	g1.extend([l.into_affine(), c.into_affine(), alpha.into_affine()]);
	g2.extend(negated_g2(key));
	is_one(E::multi_miller_loop(g1, g2))
}

/// Random-looking batch coefficients of 128 bits from `seed` (e.g. a hash of the proofs and
/// their public inputs), one per proof.
pub fn batch_coefficients(
	seed: &[u8; 32],
	count: usize,
	hash: impl Fn(&[u8]) -> [u8; 32],
) -> Vec<Fr> {
	(0..count as u64)
		.map(|i| {
			let mut message = [0u8; 40];
			let (head, tail) = message.split_at_mut(32);
			head.copy_from_slice(seed);
			tail.copy_from_slice(&i.to_le_bytes());
			let digest = hash(&message);
			let (low, _) = digest.split_at(16);
			// Never zero, so no proof drops out of the check.
			Fr::from_le_bytes_mod_order(low) + Fr::one()
		})
		.collect()
}
