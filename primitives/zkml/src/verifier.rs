//! The Groth16 verifier (no_std), generic over the pairing engine so the runtime can run it on
//! `sp-crypto-ec-utils`' BLS12-381, whose pairings and multi-scalar multiplications are host
//! functions, and native code on `ark-bls12-381`. Both serialize points the same way.
//!
//! A key as the chain takes it ([`Key`]) is the uncompressed Groth16 key followed by `e(α, β)`,
//! so a verification runs three Miller loops instead of four. Keys are validated (points on the
//! curve and in the prime-order subgroup, `e(α, β)` recomputed) once, when a model owner sets
//! them; the chain stores them checked and reads them back without re-validating. Proofs travel
//! uncompressed too (384 bytes): decompressing takes square roots, which the runtime would
//! compute in wasm at several milliseconds a proof, while checking an uncompressed point is
//! cheap. They are always validated.

// Group and field arithmetic is modular and cannot overflow.
#![allow(clippy::arithmetic_side_effects)]

use alloc::vec::Vec;
use ark_bls12_381::Fr;
use ark_ec::{
	pairing::{Pairing, PairingOutput},
	AffineRepr, CurveGroup, VariableBaseMSM,
};
use ark_ff::{AdditiveGroup, One, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Valid, Validate};

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

/// A verifying key with `e(α, β)`, the pairing every proof under it is checked against.
#[derive(Clone, PartialEq, Debug)]
pub struct Key<E: Pairing> {
	/// The Groth16 key.
	pub vk: VerifyingKey<E>,
	/// `e(α, β)`.
	pub alpha_beta: PairingOutput<E>,
}

impl<E: Pairing> From<VerifyingKey<E>> for Key<E> {
	fn from(vk: VerifyingKey<E>) -> Self {
		let alpha_beta = alpha_beta(&vk);
		Self { vk, alpha_beta }
	}
}

/// `e(α, β)` of `vk`: one pairing.
fn alpha_beta<E: Pairing>(vk: &VerifyingKey<E>) -> PairingOutput<E> {
	E::pairing(vk.alpha_g1, vk.beta_g2)
}

/// Decodes and validates a key (what the chain does once, when it is set): its points, and
/// `e(α, β)` against a fresh pairing.
pub fn decode_key<E: Pairing<ScalarField = Fr>>(bytes: &[u8]) -> Result<Key<E>, VerifyError> {
	let key = decode_key_with::<E>(bytes, Validate::Yes)?;
	if alpha_beta(&key.vk) != key.alpha_beta {
		return Err(VerifyError::MalformedKey);
	}
	Ok(key)
}

/// Decodes a key that was validated when it was stored.
pub fn decode_checked_key<E: Pairing<ScalarField = Fr>>(
	bytes: &[u8],
) -> Result<Key<E>, VerifyError> {
	decode_key_with(bytes, Validate::No)
}

fn decode_key_with<E: Pairing<ScalarField = Fr>>(
	mut bytes: &[u8],
	validate: Validate,
) -> Result<Key<E>, VerifyError> {
	let vk = VerifyingKey::<E>::deserialize_with_mode(&mut bytes, Compress::No, Validate::No)
		.map_err(|_| VerifyError::MalformedKey)?;
	if validate == Validate::Yes {
		vk.check().map_err(|_| VerifyError::MalformedKey)?;
	}
	// No honest setup yields these, and they are fatal: with γ or δ at infinity a pairing term
	// vanishes, and with γ = δ the input term and C share a pairing, so C = -L(x) with A = α,
	// B = β passes for any input and output. Cheap enough to check at every decoding, so keys
	// stored before the check existed are held to it too.
	if vk.alpha_g1.is_zero()
		|| vk.beta_g2.is_zero()
		|| vk.gamma_g2.is_zero()
		|| vk.delta_g2.is_zero()
		|| vk.gamma_g2 == vk.delta_g2
	{
		return Err(VerifyError::MalformedKey);
	}
	// `decode_key` compares it with the pairing it computes, which is in the target group.
	let alpha_beta =
		PairingOutput::<E>::deserialize_with_mode(&mut bytes, Compress::No, Validate::No)
			.map_err(|_| VerifyError::MalformedKey)?;
	// Trailing bytes would let two encodings stand for one key; a key with no input base
	// cannot be used.
	if !bytes.is_empty() || vk.gamma_abc_g1.is_empty() {
		return Err(VerifyError::MalformedKey);
	}
	Ok(Key { vk, alpha_beta })
}

/// How many public inputs `key` takes.
pub fn public_input_count<E: Pairing>(key: &Key<E>) -> usize {
	key.vk.gamma_abc_g1.len().saturating_sub(1)
}

/// Decodes and validates an uncompressed proof (points on the curve and in the subgroup);
/// points at infinity are refused.
pub fn decode_proof<E: Pairing>(mut bytes: &[u8]) -> Result<Proof<E>, VerifyError> {
	let proof = Proof::<E>::deserialize_with_mode(&mut bytes, Compress::No, Validate::No)
		.map_err(|_| VerifyError::MalformedProof)?;
	// `Validate::Yes` would not do: BLS12-381's uncompressed decoding (arkworks, and
	// `sp-crypto-ec-utils`' curve) checks the subgroup of a point as if it were on the curve,
	// which a point on an isomorphic curve, `(u²x, u³y)`, passes. `check` tests both.
	proof.check().map_err(|_| VerifyError::MalformedProof)?;
	// No honest proof has a point at infinity, and encodings of it differ between curve
	// implementations (the host-function curve reads all-ones bytes as infinity): refuse it.
	if !bytes.is_empty() || proof.a.is_zero() || proof.b.is_zero() || proof.c.is_zero() {
		return Err(VerifyError::MalformedProof);
	}
	Ok(proof)
}

/// Encodes a key, with `e(α, β)`, the way [`decode_key`] reads it.
pub fn encode_key<E: Pairing>(vk: &VerifyingKey<E>) -> Vec<u8> {
	let alpha_beta = alpha_beta(vk);
	let mut out = Vec::with_capacity(
		vk.serialized_size(Compress::No) + alpha_beta.serialized_size(Compress::No),
	);
	// Writing to a `Vec` cannot fail.
	let _ = vk.serialize_with_mode(&mut out, Compress::No);
	let _ = alpha_beta.serialize_with_mode(&mut out, Compress::No);
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

/// `-γ`, `-δ`: the key's G2 points as the checks pair them (moving `e(L, γ) · e(C, δ)` from
/// the right-hand side of `e(A, B) = e(α, β) · e(L, γ) · e(C, δ)` to the left).
fn negated_g2<E: Pairing>(key: &VerifyingKey<E>) -> [E::G2Affine; 2] {
	[-key.gamma_g2, -key.delta_g2]
}

/// Whether a multi-Miller loop's result is `expected` after the final exponentiation.
fn check<E: Pairing>(
	miller: ark_ec::pairing::MillerLoopOutput<E>,
	expected: PairingOutput<E>,
) -> Result<(), VerifyError> {
	match E::final_exponentiation(miller) {
		Some(result) if result == expected => Ok(()),
		_ => Err(VerifyError::Invalid),
	}
}

/// Checks `e(A, B) · e(L, -γ) · e(C, -δ) = e(α, β)`: three Miller loops and one final
/// exponentiation.
pub fn verify<E: Pairing<ScalarField = Fr>>(
	key: &Key<E>,
	public: &[Fr],
	proof: &Proof<E>,
) -> Result<(), VerifyError> {
	let l = input_point(&key.vk, public)?;
	let [gamma, delta] = negated_g2(&key.vk);
	let pairs = E::multi_miller_loop([proof.a, l.into_affine(), proof.c], [proof.b, gamma, delta]);
	check(pairs, key.alpha_beta)
}

/// Checks several proofs under one key with one multi-pairing: with random `r_i`,
/// `Π e(r_i·A_i, B_i) · e(Σr_i·L_i, -γ) · e(Σr_i·C_i, -δ) · e(Σr_i·α, -β) = 1`. `coefficients`
/// gives the `r_i`; they must be unknown to whoever made the proofs (a hash of all of them,
/// say), or two wrong proofs could cancel out. `Ok` means every proof verifies, except with
/// probability about 2^-128 per coefficient draw; on `Err(Invalid)` check them one by one to
/// find the bad ones. (`α` is paired again rather than raising `e(α, β)` to `Σr_i`: one more
/// Miller loop on the host costs less than that exponentiation in wasm.)
pub fn verify_batch<E: Pairing<ScalarField = Fr>>(
	key: &Key<E>,
	items: &[(Vec<Fr>, Proof<E>)],
	coefficients: &[Fr],
) -> Result<(), VerifyError> {
	if items.len() != coefficients.len() {
		return Err(VerifyError::PublicInputCount);
	}
	let vk = &key.vk;
	let (first, bases) = vk.gamma_abc_g1.split_first().ok_or(VerifyError::MalformedKey)?;
	// Σ r_i · public_i, per input position, then one MSM over the key's bases.
	let mut combined = alloc::vec![Fr::ZERO; bases.len()];
	let mut r_sum = Fr::ZERO;
	// Projective points, made affine together below (one field inversion, not one each).
	let mut g1 = Vec::with_capacity(items.len().saturating_add(3));
	let mut g2 = Vec::with_capacity(items.len().saturating_add(3));
	let mut c_points = Vec::with_capacity(items.len());
	for ((public, proof), r) in items.iter().zip(coefficients) {
		if public.len() != bases.len() {
			return Err(VerifyError::PublicInputCount);
		}
		for (sum, x) in combined.iter_mut().zip(public) {
			*sum += *r * x;
		}
		r_sum += r;
		g1.push(proof.a.mul_bigint(r.into_bigint()));
		c_points.push(proof.c);
		g2.push(proof.b);
	}
	let l = E::G1::msm(bases, &combined).map_err(|_| VerifyError::PublicInputCount)?
		+ first.mul_bigint(r_sum.into_bigint());
	let c = E::G1::msm(&c_points, coefficients).map_err(|_| VerifyError::PublicInputCount)?;
	g1.extend([l, c, vk.alpha_g1.mul_bigint(r_sum.into_bigint())]);
	let [gamma, delta] = negated_g2(vk);
	g2.extend([gamma, delta, -vk.beta_g2]);
	check(E::multi_miller_loop(E::G1::normalize_batch(&g1), g2), PairingOutput::ZERO)
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
