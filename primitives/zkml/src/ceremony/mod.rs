//! Phase 1 of a multi-party setup ceremony: powers of tau over BLS12-381.
//!
//! A Groth16 key is sound only if nobody knows its setup's secrets. In a ceremony each
//! participant in turn multiplies the transcript by secrets of its own (τ by `t`, α by `a`, β by
//! `b`) and throws them away; the final τ, α and β are the products of everyone's, unknown to
//! anyone unless **every** participant colluded.
//!
//! - The transcript ([`Accumulator`], std) holds `[τ^i]₁` for `i < 2n − 1`, `[τ^i]₂`,
//!   `[ατ^i]₁`, `[βτ^i]₁` for `i < n`, and `[β]₂`: enough for circuits of up to `n` constraints
//!   and public inputs. It starts at the generators (τ = α = β = 1).
//! - A contribution publishes the transcript's new [`Head`] (`[τ]₁`, `[τ]₂`, `[α]₁`, `[β]₁`,
//!   `[β]₂`) and a Schnorr proof of knowledge of each multiplier ([`Knowledge`]): of `t` with
//!   `[τ]₁' = t·[τ]₁`, of `a` with `[α]₁' = a·[α]₁`, of `b` with `[β]₁' = b·[β]₁`. Each proof
//!   is bound to a *context* (the previous transcript's hash and the contributor's account), so
//!   it cannot be replayed elsewhere in the chain of contributions nor claimed by someone else.
//! - [`verify_step`] (no_std: a few scalar multiplications and two pairing checks, cheap enough
//!   for the chain) checks one contribution against the previous head: the three proofs, and
//!   that the new `[τ]₂` and `[β]₂` carry the same secrets as their G1 twins. Together the steps
//!   prove that the final head's τ is the product of multipliers each known to its contributor.
//! - [`Accumulator::verify`] (std) checks a whole transcript's consistency off chain: every
//!   power is the previous one times the same τ (and α, β), by random linear combinations of
//!   same-ratio pairing checks. With its head equal to the last verified step's and its hash
//!   the one published, the transcript is sound if one contributor was honest.
//!
//! - [`phase2`] (std): a model's key derived from a transcript, deterministically, and δ
//!   re-randomized by contributors in the same way.

// Field and group arithmetic is modular: it cannot overflow.
#![allow(clippy::arithmetic_side_effects)]

use alloc::vec::Vec;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
#[cfg(feature = "std")]
use ark_bls12_381::{G1Projective, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
use ark_ff::{PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{Blake2b512, Digest};

#[cfg(feature = "std")]
pub mod phase2;

/// Bytes of an uncompressed G1 point.
pub const G1_LEN: usize = 96;
/// Bytes of an uncompressed G2 point.
pub const G2_LEN: usize = 192;
/// Bytes of an uncompressed [`Head`]: three G1 and two G2 points.
pub const HEAD_LEN: usize = 3 * G1_LEN + 2 * G2_LEN;
/// Bytes of an uncompressed [`Knowledge`]: a G1 point and a scalar.
pub const KNOWLEDGE_LEN: usize = G1_LEN + 32;
/// Bytes of an uncompressed [`Contribution`].
pub const CONTRIBUTION_LEN: usize = HEAD_LEN + 3 * KNOWLEDGE_LEN;
/// Bytes of an uncompressed [`DeltaContribution`].
pub const DELTA_CONTRIBUTION_LEN: usize = G1_LEN + G2_LEN + KNOWLEDGE_LEN;

/// The size of the chain's phase 1: circuits of up to 2^16 constraints and public inputs (the
/// 784-128-10 MLP needs 2^14).
pub const PHASE1_SIZE: u32 = 1 << 16;

/// The hash of phase 1's starting transcript for [`PHASE1_SIZE`] (every element a generator):
/// `Accumulator::new(PHASE1_SIZE).hash()`, which a test checks.
pub const PHASE1_ORIGIN: [u8; 32] = [
	0x5e, 0xdb, 0xdc, 0xaa, 0xaf, 0x06, 0x68, 0x3b, 0x94, 0xe9, 0x43, 0x15, 0xc7, 0x91, 0x10, 0x3f,
	0x30, 0x19, 0x67, 0x2a, 0xc8, 0xaf, 0xb5, 0xc9, 0x7c, 0x5b, 0xd0, 0x8b, 0x6b, 0x67, 0xe3, 0x84,
];

/// The size of development chains' phase 1: 2^11, enough for the demo model (1 463
/// constraints), so a contribution takes a moment. Production-like chains use [`PHASE1_SIZE`].
pub const DEV_PHASE1_SIZE: u32 = 1 << 11;

/// `Accumulator::new(DEV_PHASE1_SIZE).hash()`, which a test checks.
pub const DEV_PHASE1_ORIGIN: [u8; 32] = [
	0x19, 0x16, 0x82, 0x84, 0x7d, 0x50, 0x37, 0x57, 0xb8, 0x6c, 0x1b, 0x23, 0x28, 0x52, 0x33, 0x23,
	0x38, 0xe7, 0x40, 0x40, 0x59, 0xe5, 0xd6, 0x3c, 0x18, 0x54, 0xbb, 0x00, 0xa7, 0x5d, 0x90, 0xb2,
];

/// Why a contribution or a transcript is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyError {
	/// A point of the head or the transcript is the point at infinity (a zero secret).
	PointAtInfinity,
	/// The proof of knowledge of this secret does not verify (a wrong proof, another context, or
	/// a head that does not extend the previous one).
	BadProof(Secret),
	/// The head's G2 points do not carry the same secrets as its G1 points.
	Inconsistent,
	/// The transcript's powers are not the successive powers of one τ (and α, β).
	NotPowers,
	/// The transcript has the wrong number of elements, or does not start at the generators.
	BadShape,
	/// The model's circuit does not fit the transcript, or cannot be built.
	Circuit,
	/// A key is not the one derived from the transcript (other than in δ).
	NotDerived,
}

/// A contributor's secret multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secret {
	/// `t`, multiplying τ.
	Tau,
	/// `a`, multiplying α.
	Alpha,
	/// `b`, multiplying β.
	Beta,
	/// `d`, multiplying a model key's δ (phase 2).
	Delta,
}

/// A Schnorr proof (made non-interactive with Fiat–Shamir over BLAKE2b) that its maker knows `x`
/// with `image = x·base` in G1, bound to a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Knowledge {
	/// `k·base` for a random `k`.
	pub commitment: G1Affine,
	/// `k + c·x`, `c` the challenge.
	pub response: Fr,
}

/// The challenge of a proof: BLAKE2b-512 of the domain, the statement, the commitment and the
/// context, reduced into the scalar field.
fn challenge(
	secret: Secret,
	base: &G1Affine,
	image: &G1Affine,
	commitment: &G1Affine,
	context: &[u8],
) -> Fr {
	let mut hasher = Blake2b512::new();
	hasher.update(b"verity/ceremony/v1");
	hasher.update([secret as u8]);
	let mut bytes = Vec::with_capacity(3 * 48);
	for point in [base, image, commitment] {
		// Writing to a vector cannot fail.
		point.serialize_compressed(&mut bytes).ok();
	}
	hasher.update(&bytes);
	hasher.update(context);
	Fr::from_le_bytes_mod_order(&hasher.finalize())
}

impl Knowledge {
	/// Proves knowledge of `x` with `x·base` (std: draws the nonce from `rng`).
	#[cfg(feature = "std")]
	pub fn prove<R: ark_std::rand::RngCore + ark_std::rand::CryptoRng>(
		secret: Secret,
		base: &G1Affine,
		x: &Fr,
		context: &[u8],
		rng: &mut R,
	) -> Self {
		use ark_std::UniformRand;
		let mut nonce = Fr::rand(rng);
		let commitment = (*base * nonce).into_affine();
		let image = (*base * x).into_affine();
		let c = challenge(secret, base, &image, &commitment, context);
		let response = nonce + c * x;
		zeroize::Zeroize::zeroize(&mut nonce);
		Self { commitment, response }
	}

	/// Proves knowledge of `x` with `x·base` with a nonce derived from `x` and the statement
	/// (no_std; safe as long as `x` is secret, since the nonce is as secret as `x`). For the
	/// chain's benchmarks and for tests: a contributor uses [`Self::prove`].
	pub fn prove_deterministic(secret: Secret, base: &G1Affine, x: &Fr, context: &[u8]) -> Self {
		let mut hasher = Blake2b512::new();
		hasher.update(b"verity/ceremony/nonce/v1");
		let mut bytes = Vec::with_capacity(32 + 48);
		x.serialize_compressed(&mut bytes).ok();
		base.serialize_compressed(&mut bytes).ok();
		hasher.update(&bytes);
		hasher.update(context);
		let nonce = Fr::from_le_bytes_mod_order(&hasher.finalize());
		let commitment = (*base * nonce).into_affine();
		let image = (*base * x).into_affine();
		let c = challenge(secret, base, &image, &commitment, context);
		Self { commitment, response: nonce + c * x }
	}

	/// Whether this proves knowledge of `x` with `image = x·base` in `context`.
	pub fn verify(
		&self,
		secret: Secret,
		base: &G1Affine,
		image: &G1Affine,
		context: &[u8],
	) -> bool {
		let c = challenge(secret, base, image, &self.commitment, context);
		*base * self.response == self.commitment.into_group() + *image * c
	}
}

/// The part of a transcript each contribution publishes: `[τ]₁`, `[τ]₂`, `[α]₁`, `[β]₁`, `[β]₂`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Head {
	pub tau_g1: G1Affine,
	pub tau_g2: G2Affine,
	pub alpha_g1: G1Affine,
	pub beta_g1: G1Affine,
	pub beta_g2: G2Affine,
}

impl Head {
	/// The head of the starting transcript: every secret one, every point a generator.
	pub fn initial() -> Self {
		let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
		Self { tau_g1: g1, tau_g2: g2, alpha_g1: g1, beta_g1: g1, beta_g2: g2 }
	}

	fn has_infinity(&self) -> bool {
		[self.tau_g1, self.alpha_g1, self.beta_g1].iter().any(|p| p.is_zero())
			|| [self.tau_g2, self.beta_g2].iter().any(|p| p.is_zero())
	}
}

/// One participant's contribution: the new head and the proofs of its three multipliers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Contribution {
	pub head: Head,
	pub tau: Knowledge,
	pub alpha: Knowledge,
	pub beta: Knowledge,
}

impl Contribution {
	/// The contribution of the multipliers `[t, a, b]` over the transcript whose head is
	/// `previous`, in `context` (no_std, deterministic proofs): for the chain's benchmarks and
	/// for tests. A contributor uses [`Accumulator::contribute`], which scales the whole
	/// transcript with secrets from the operating system.
	pub fn from_secrets(previous: &Head, [t, a, b]: [Fr; 3], context: &[u8]) -> Self {
		let head = Head {
			tau_g1: (previous.tau_g1 * t).into_affine(),
			tau_g2: (previous.tau_g2 * t).into_affine(),
			alpha_g1: (previous.alpha_g1 * a).into_affine(),
			beta_g1: (previous.beta_g1 * b).into_affine(),
			beta_g2: (previous.beta_g2 * b).into_affine(),
		};
		Self {
			head,
			tau: Knowledge::prove_deterministic(Secret::Tau, &previous.tau_g1, &t, context),
			alpha: Knowledge::prove_deterministic(Secret::Alpha, &previous.alpha_g1, &a, context),
			beta: Knowledge::prove_deterministic(Secret::Beta, &previous.beta_g1, &b, context),
		}
	}
}

/// Whether `e(a, b) = e(c, d)`.
pub(crate) fn same_ratio(a: G1Affine, b: G2Affine, c: G1Affine, d: G2Affine) -> bool {
	Bls12_381::multi_pairing([a, (-c.into_group()).into_affine()], [b, d]).is_zero()
}

/// Checks that `next` extends the transcript whose head is `previous`, in `context` (the
/// previous transcript's hash and the contributor's account, as the chain forms it).
pub fn verify_step(
	previous: &Head,
	next: &Contribution,
	context: &[u8],
) -> Result<(), CeremonyError> {
	let head = &next.head;
	if head.has_infinity() {
		return Err(CeremonyError::PointAtInfinity);
	}
	let proofs = [
		(Secret::Tau, &next.tau, &previous.tau_g1, &head.tau_g1),
		(Secret::Alpha, &next.alpha, &previous.alpha_g1, &head.alpha_g1),
		(Secret::Beta, &next.beta, &previous.beta_g1, &head.beta_g1),
	];
	for (secret, proof, base, image) in proofs {
		if !proof.verify(secret, base, image, context) {
			return Err(CeremonyError::BadProof(secret));
		}
	}
	// [τ]₂ and [β]₂ hold the secrets of [τ]₁ and [β]₁: e([τ]₁, g₂) = e(g₁, [τ]₂).
	let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
	if !same_ratio(head.tau_g1, g2, g1, head.tau_g2)
		|| !same_ratio(head.beta_g1, g2, g1, head.beta_g2)
	{
		return Err(CeremonyError::Inconsistent);
	}
	Ok(())
}

/// A whole phase-1 transcript for circuits of up to `n` constraints and public inputs (std).
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Accumulator {
	/// `[τ^i]₁` for `i < 2n − 1` (the H query of a key needs the powers up to `2n − 2`).
	pub tau_g1: Vec<G1Affine>,
	/// `[τ^i]₂` for `i < n`.
	pub tau_g2: Vec<G2Affine>,
	/// `[ατ^i]₁` for `i < n`.
	pub alpha_g1: Vec<G1Affine>,
	/// `[βτ^i]₁` for `i < n`.
	pub beta_g1: Vec<G1Affine>,
	/// `[β]₂`.
	pub beta_g2: G2Affine,
}

#[cfg(feature = "std")]
impl Accumulator {
	/// The starting transcript for `n` (at least 2) constraints and public inputs: every
	/// element a generator.
	pub fn new(n: usize) -> Result<Self, CeremonyError> {
		if n < 2 {
			return Err(CeremonyError::BadShape);
		}
		let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
		let powers =
			n.checked_mul(2).and_then(|m| m.checked_sub(1)).ok_or(CeremonyError::BadShape)?;
		Ok(Self {
			tau_g1: vec![g1; powers],
			tau_g2: vec![g2; n],
			alpha_g1: vec![g1; n],
			beta_g1: vec![g1; n],
			beta_g2: g2,
		})
	}

	/// The `n` this transcript serves.
	pub fn size(&self) -> usize {
		self.tau_g2.len()
	}

	/// The transcript's head, as a contribution publishes it.
	pub fn head(&self) -> Result<Head, CeremonyError> {
		let at =
			|points: &[G1Affine], i: usize| points.get(i).copied().ok_or(CeremonyError::BadShape);
		Ok(Head {
			tau_g1: at(&self.tau_g1, 1)?,
			tau_g2: self.tau_g2.get(1).copied().ok_or(CeremonyError::BadShape)?,
			alpha_g1: at(&self.alpha_g1, 0)?,
			beta_g1: at(&self.beta_g1, 0)?,
			beta_g2: self.beta_g2,
		})
	}

	/// The transcript's hash (BLAKE2b-256 of its uncompressed encoding): what the chain records
	/// and what a node checks the blob it fetched against.
	pub fn hash(&self) -> [u8; 32] {
		let mut bytes = Vec::new();
		self.serialize_uncompressed(&mut bytes).ok();
		hash(&bytes)
	}

	/// Contributes fresh secrets from `rng` (the operating system's, for a real ceremony) in
	/// `context`; returns the new transcript and the contribution to publish. The secrets are
	/// wiped before returning.
	pub fn contribute<R: ark_std::rand::RngCore + ark_std::rand::CryptoRng>(
		&self,
		context: &[u8],
		rng: &mut R,
	) -> Result<(Self, Contribution), CeremonyError> {
		let secrets = [nonzero_scalar(rng), nonzero_scalar(rng), nonzero_scalar(rng)];
		self.contribute_secrets(secrets, context, rng)
	}

	/// Contributes the multipliers `[t, a, b]` (non-zero) in `context`, and wipes them.
	fn contribute_secrets<R: ark_std::rand::RngCore + ark_std::rand::CryptoRng>(
		&self,
		[mut t, mut a, mut b]: [Fr; 3],
		context: &[u8],
		rng: &mut R,
	) -> Result<(Self, Contribution), CeremonyError> {
		use zeroize::Zeroize;
		let previous = self.head()?;
		let mut powers = Vec::with_capacity(self.tau_g1.len());
		let mut power = Fr::from(1u64);
		for _ in 0..self.tau_g1.len() {
			powers.push(power);
			power *= t;
		}
		let scale_g1 = |points: &[G1Affine], factor: Fr| -> Vec<G1Affine> {
			let scaled: Vec<G1Projective> =
				points.iter().zip(&powers).map(|(p, s)| *p * (*s * factor)).collect();
			G1Projective::normalize_batch(&scaled)
		};
		let one = Fr::from(1u64);
		let tau_g2: Vec<G2Projective> =
			self.tau_g2.iter().zip(&powers).map(|(p, s)| *p * s).collect();
		let next = Self {
			tau_g1: scale_g1(&self.tau_g1, one),
			tau_g2: G2Projective::normalize_batch(&tau_g2),
			alpha_g1: scale_g1(&self.alpha_g1, a),
			beta_g1: scale_g1(&self.beta_g1, b),
			beta_g2: (self.beta_g2 * b).into_affine(),
		};
		let contribution = Contribution {
			head: next.head()?,
			tau: Knowledge::prove(Secret::Tau, &previous.tau_g1, &t, context, rng),
			alpha: Knowledge::prove(Secret::Alpha, &previous.alpha_g1, &a, context, rng),
			beta: Knowledge::prove(Secret::Beta, &previous.beta_g1, &b, context, rng),
		};
		t.zeroize();
		a.zeroize();
		b.zeroize();
		powers.zeroize();
		power.zeroize();
		Ok((next, contribution))
	}

	/// Checks that this transcript is consistent: the right shape, starting at the generators,
	/// no point at infinity, and every element the previous one times the same τ (α and β
	/// included), by same-ratio checks on random linear combinations (`rng`'s; a transcript that
	/// is not consistent passes with probability about 2⁻²⁵⁵).
	pub fn verify<R: ark_std::rand::RngCore>(&self, rng: &mut R) -> Result<(), CeremonyError> {
		let n = self.size();
		if n < 2
			|| Some(self.tau_g1.len()) != n.checked_mul(2).and_then(|m| m.checked_sub(1))
			|| self.alpha_g1.len() != n
			|| self.beta_g1.len() != n
		{
			return Err(CeremonyError::BadShape);
		}
		let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
		if self.tau_g1.first() != Some(&g1) || self.tau_g2.first() != Some(&g2) {
			return Err(CeremonyError::BadShape);
		}
		let g1_points = self.tau_g1.iter().chain(&self.alpha_g1).chain(&self.beta_g1);
		if g1_points.into_iter().any(|p| p.is_zero())
			|| self.tau_g2.iter().any(|p| p.is_zero())
			|| self.beta_g2.is_zero()
		{
			return Err(CeremonyError::PointAtInfinity);
		}
		let head = self.head()?;
		for points in [&self.tau_g1, &self.alpha_g1, &self.beta_g1] {
			let (low, high) = successive_sums::<G1Projective, _>(points, rng)?;
			if !same_ratio(low, head.tau_g2, high, g2) {
				return Err(CeremonyError::NotPowers);
			}
		}
		let (low, high) = successive_sums::<G2Projective, _>(&self.tau_g2, rng)?;
		if !same_ratio(head.tau_g1, low, g1, high) {
			return Err(CeremonyError::NotPowers);
		}
		if !same_ratio(head.beta_g1, g2, g1, self.beta_g2) {
			return Err(CeremonyError::Inconsistent);
		}
		Ok(())
	}
}

/// BLAKE2b-256 of `bytes`: the hash of a transcript's encoding.
pub fn hash(bytes: &[u8]) -> [u8; 32] {
	let mut hasher = blake2::Blake2b::<blake2::digest::consts::U32>::new();
	hasher.update(bytes);
	hasher.finalize().into()
}

/// The context a contribution's proofs are bound to, as the chain forms it: the hash of the
/// transcript it extends, then the contributor's account (SCALE-encoded).
pub fn context(previous: &[u8; 32], contributor: &[u8]) -> Vec<u8> {
	[previous.as_slice(), contributor].concat()
}

/// Encodes a head or a contribution as the chain takes it: uncompressed.
pub fn encode<T: CanonicalSerialize>(value: &T) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(value.uncompressed_size());
	// Writing to a vector cannot fail.
	value.serialize_uncompressed(&mut bytes).ok();
	bytes
}

/// Decodes an uncompressed head or contribution, every point checked on the curve and in the
/// prime-order subgroup, with no bytes left over.
pub fn decode<T: CanonicalDeserialize>(mut bytes: &[u8]) -> Result<T, CeremonyError> {
	use ark_serialize::{Compress, Validate};
	// `Validate::Yes` checks the subgroup of a point as if it were on the curve, which a point
	// on an isomorphic curve passes (see `verifier::decode_proof`); `check` tests both.
	let value = T::deserialize_with_mode(&mut bytes, Compress::No, Validate::No)
		.map_err(|_| CeremonyError::BadShape)?;
	value.check().map_err(|_| CeremonyError::BadShape)?;
	if !bytes.is_empty() {
		return Err(CeremonyError::BadShape);
	}
	Ok(value)
}

/// Decodes a head the chain stored itself (checked when it was taken), without the checks.
pub fn decode_unchecked<T: CanonicalDeserialize>(mut bytes: &[u8]) -> Result<T, CeremonyError> {
	use ark_serialize::{Compress, Validate};
	T::deserialize_with_mode(&mut bytes, Compress::No, Validate::No)
		.map_err(|_| CeremonyError::BadShape)
}

/// One phase-2 contribution: the key's new `[δ]₁` and `[δ]₂`, and a proof of knowledge of the
/// multiplier `d` with `[δ]₁' = d·[δ]₁`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct DeltaContribution {
	pub delta_g1: G1Affine,
	pub delta_g2: G2Affine,
	pub proof: Knowledge,
}

impl DeltaContribution {
	/// The contribution of the multiplier `d` over a key whose δ is `[δ]₁`, `[δ]₂`, in
	/// `context` (no_std, a deterministic proof): for the chain's benchmarks and for tests. A
	/// contributor uses `phase2::contribute_delta`, which rescales the whole key.
	pub fn from_secret(delta_g1: &G1Affine, delta_g2: &G2Affine, d: Fr, context: &[u8]) -> Self {
		Self {
			delta_g1: (*delta_g1 * d).into_affine(),
			delta_g2: (*delta_g2 * d).into_affine(),
			proof: Knowledge::prove_deterministic(Secret::Delta, delta_g1, &d, context),
		}
	}
}

/// Checks one phase-2 contribution against the previous key's `[δ]₁` (no_std: a proof check and
/// two pairings), in `context` (the previous key's hash and the contributor's account).
pub fn verify_delta_step(
	previous_delta_g1: &G1Affine,
	next: &DeltaContribution,
	context: &[u8],
) -> Result<(), CeremonyError> {
	if next.delta_g1.is_zero() || next.delta_g2.is_zero() {
		return Err(CeremonyError::PointAtInfinity);
	}
	if !next.proof.verify(Secret::Delta, previous_delta_g1, &next.delta_g1, context) {
		return Err(CeremonyError::BadProof(Secret::Delta));
	}
	if !same_ratio(next.delta_g1, G2Affine::generator(), G1Affine::generator(), next.delta_g2) {
		return Err(CeremonyError::Inconsistent);
	}
	Ok(())
}

/// The verifying key a sealed ceremony yields: α and β from the sealed phase-1 head, γ the
/// generator (the key was derived with γ = 1), δ from the last phase-2 contribution, and the
/// public inputs' bases `ic` recorded when phase 2 began.
pub fn ceremony_key(
	head: &Head,
	delta_g2: G2Affine,
	ic: Vec<G1Affine>,
) -> ark_groth16::VerifyingKey<Bls12_381> {
	ark_groth16::VerifyingKey {
		alpha_g1: head.alpha_g1,
		beta_g2: head.beta_g2,
		gamma_g2: G2Affine::generator(),
		delta_g2,
		gamma_abc_g1: ic,
	}
}

/// A random non-zero scalar: a contributor's secret.
#[cfg(feature = "std")]
pub(crate) fn nonzero_scalar<R: ark_std::rand::RngCore>(rng: &mut R) -> Fr {
	use ark_std::UniformRand;
	loop {
		let x = Fr::rand(rng);
		if !x.is_zero() {
			break x;
		}
	}
}

/// `Σ ρ_i·P_i` and `Σ ρ_i·P_{i+1}` for random `ρ_i` from `rng`: one same-ratio check of the
/// pair checks every consecutive pair of `points` at once.
#[cfg(feature = "std")]
fn successive_sums<P, R>(
	points: &[P::Affine],
	rng: &mut R,
) -> Result<(P::Affine, P::Affine), CeremonyError>
where
	P: CurveGroup<ScalarField = Fr>,
	R: ark_std::rand::RngCore,
{
	use ark_std::UniformRand;
	let count = points.len().saturating_sub(1);
	let rho: Vec<Fr> = (0..count).map(|_| Fr::rand(rng)).collect();
	let (Some(low), Some(high)) = (points.get(..count), points.get(1..)) else {
		return Err(CeremonyError::BadShape);
	};
	let low = P::msm(low, &rho).map_err(|_| CeremonyError::BadShape)?;
	let high = P::msm(high, &rho).map_err(|_| CeremonyError::BadShape)?;
	Ok((low.into_affine(), high.into_affine()))
}

#[cfg(test)]
mod tests {
	#![allow(clippy::indexing_slicing)]

	use super::*;
	use ark_std::rand::{rngs::StdRng, SeedableRng};

	/// The context the chain forms: the previous transcript's hash and the contributor.
	fn context(previous: &Accumulator, who: &str) -> Vec<u8> {
		[previous.hash().as_slice(), who.as_bytes()].concat()
	}

	/// A ceremony of `parties` over a transcript for `n`: the transcripts and contributions.
	fn ceremony(n: usize, parties: &[&str]) -> (Vec<Accumulator>, Vec<Contribution>) {
		let mut rng = StdRng::seed_from_u64(7);
		let mut transcripts = vec![Accumulator::new(n).unwrap()];
		let mut contributions = Vec::new();
		for who in parties {
			let last = transcripts.last().unwrap();
			let (next, contribution) = last.contribute(&context(last, who), &mut rng).unwrap();
			transcripts.push(next);
			contributions.push(contribution);
		}
		(transcripts, contributions)
	}

	#[test]
	fn a_three_party_ceremony_verifies_step_by_step_and_as_a_whole() {
		let parties = ["alice", "bob", "charlie"];
		let (transcripts, contributions) = ceremony(8, &parties);
		for (i, contribution) in contributions.iter().enumerate() {
			let previous = &transcripts[i];
			assert_eq!(
				verify_step(
					&previous.head().unwrap(),
					contribution,
					&context(previous, parties[i])
				),
				Ok(())
			);
			assert_eq!(transcripts[i + 1].head().unwrap(), contribution.head);
		}
		let last = transcripts.last().unwrap();
		assert_eq!(last.verify(&mut StdRng::seed_from_u64(1)), Ok(()));
		assert_ne!(last.head().unwrap(), Head::initial());
		assert_eq!(Accumulator::new(8).unwrap().head().unwrap(), Head::initial());
		// The blob a node fetches decodes to the same transcript and hash, with every point
		// checked to be on the curve and in its subgroup.
		let mut bytes = Vec::new();
		last.serialize_uncompressed(&mut bytes).unwrap();
		let decoded = Accumulator::deserialize_uncompressed(bytes.as_slice()).unwrap();
		assert_eq!(decoded.hash(), last.hash());
	}

	#[test]
	fn the_chain_encodings_have_their_lengths_and_round_trip() {
		let (_, contributions) = ceremony(4, &["alice"]);
		let bytes = encode(&contributions[0]);
		assert_eq!(bytes.len(), CONTRIBUTION_LEN);
		assert_eq!(decode::<Contribution>(&bytes), Ok(contributions[0]));
		assert_eq!(encode(&contributions[0].head).len(), HEAD_LEN);
		let delta = DeltaContribution::from_secret(
			&G1Affine::generator(),
			&G2Affine::generator(),
			Fr::from(5u64),
			b"ctx",
		);
		assert_eq!(encode(&delta).len(), DELTA_CONTRIBUTION_LEN);
		assert_eq!(decode::<DeltaContribution>(&encode(&delta)), Ok(delta));
		// Trailing bytes, short bytes.
		assert!(decode::<Contribution>(&[bytes.as_slice(), &[0]].concat()).is_err());
		assert!(decode::<Contribution>(&bytes[1..]).is_err());
	}

	#[test]
	fn the_deterministic_contributions_verify() {
		let secrets = [Fr::from(3u64), Fr::from(5u64), Fr::from(7u64)];
		let contribution = Contribution::from_secrets(&Head::initial(), secrets, b"ctx");
		assert_eq!(verify_step(&Head::initial(), &contribution, b"ctx"), Ok(()));
		assert!(verify_step(&Head::initial(), &contribution, b"other").is_err());
		let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
		let delta = DeltaContribution::from_secret(&g1, &g2, Fr::from(5u64), b"ctx");
		assert_eq!(verify_delta_step(&g1, &delta, b"ctx"), Ok(()));
	}

	#[test]
	fn the_chain_starts_phase_1_at_the_hash_of_the_generators() {
		for (size, origin) in [(PHASE1_SIZE, PHASE1_ORIGIN), (DEV_PHASE1_SIZE, DEV_PHASE1_ORIGIN)] {
			let start = Accumulator::new(size as usize).unwrap();
			assert_eq!(start.hash(), origin, "{size}: {}", hex(&start.hash()));
		}
	}

	fn hex(bytes: &[u8]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}

	mod reject {
		use super::*;

		#[test]
		fn a_wrong_proof_of_knowledge() {
			let (transcripts, mut contributions) = ceremony(4, &["alice"]);
			let ctx = context(&transcripts[0], "alice");
			contributions[0].alpha.response += Fr::from(1u64);
			assert_eq!(
				verify_step(&Head::initial(), &contributions[0], &ctx),
				Err(CeremonyError::BadProof(Secret::Alpha))
			);
		}

		#[test]
		fn a_contribution_that_does_not_extend_the_previous_transcript() {
			// Bob contributes on top of the starting transcript, not on Alice's.
			let (transcripts, _) = ceremony(4, &["alice"]);
			let mut rng = StdRng::seed_from_u64(99);
			let start = Accumulator::new(4).unwrap();
			let (_, bobs) = start.contribute(&context(&transcripts[1], "bob"), &mut rng).unwrap();
			assert_eq!(
				verify_step(
					&transcripts[1].head().unwrap(),
					&bobs,
					&context(&transcripts[1], "bob")
				),
				Err(CeremonyError::BadProof(Secret::Tau))
			);
		}

		#[test]
		fn a_replayed_contribution_and_one_claimed_by_another_account() {
			let (transcripts, contributions) = ceremony(4, &["alice", "bob"]);
			// Alice's contribution again, after Bob's.
			assert!(verify_step(
				&transcripts[2].head().unwrap(),
				&contributions[0],
				&context(&transcripts[2], "alice")
			)
			.is_err());
			// Bob's, submitted by Mallory.
			assert_eq!(
				verify_step(
					&transcripts[1].head().unwrap(),
					&contributions[1],
					&context(&transcripts[1], "mallory")
				),
				Err(CeremonyError::BadProof(Secret::Tau))
			);
		}

		#[test]
		fn a_head_whose_g2_points_carry_other_secrets() {
			let (transcripts, mut contributions) = ceremony(4, &["alice"]);
			let ctx = context(&transcripts[0], "alice");
			contributions[0].head.tau_g2 = (G2Affine::generator() * Fr::from(5u64)).into_affine();
			assert_eq!(
				verify_step(&Head::initial(), &contributions[0], &ctx),
				Err(CeremonyError::Inconsistent)
			);
			let mut beta = contributions[0];
			beta.head.tau_g2 = transcripts[1].tau_g2[1];
			beta.head.beta_g2 = G2Affine::generator();
			assert_eq!(
				verify_step(&Head::initial(), &beta, &ctx),
				Err(CeremonyError::Inconsistent)
			);
		}

		#[test]
		fn a_zero_secret() {
			let (transcripts, mut contributions) = ceremony(4, &["alice"]);
			contributions[0].head.beta_g1 = G1Affine::zero();
			assert_eq!(
				verify_step(
					&Head::initial(),
					&contributions[0],
					&context(&transcripts[0], "alice")
				),
				Err(CeremonyError::PointAtInfinity)
			);
		}

		#[test]
		fn a_transcript_with_one_power_changed_or_the_wrong_shape() {
			let (transcripts, _) = ceremony(8, &["alice", "bob"]);
			let good = transcripts.last().unwrap();
			let mut rng = StdRng::seed_from_u64(3);
			let tampers: [fn(&mut Accumulator); 4] = [
				|t: &mut Accumulator| t.tau_g1[9] = (t.tau_g1[9] * Fr::from(2u64)).into_affine(),
				|t: &mut Accumulator| t.tau_g2[5] = t.tau_g2[4],
				|t: &mut Accumulator| t.alpha_g1[3] = t.beta_g1[3],
				|t: &mut Accumulator| t.beta_g1[7] = t.tau_g1[7],
			];
			for (i, tamper) in tampers.into_iter().enumerate() {
				let mut bad = good.clone();
				tamper(&mut bad);
				assert_eq!(bad.verify(&mut rng), Err(CeremonyError::NotPowers), "tamper {i}");
			}
			let mut bad = good.clone();
			bad.beta_g2 = G2Affine::generator();
			assert_eq!(bad.verify(&mut rng), Err(CeremonyError::Inconsistent));
			let mut short = good.clone();
			short.tau_g1.pop();
			assert_eq!(short.verify(&mut rng), Err(CeremonyError::BadShape));
			let mut zero = good.clone();
			zero.alpha_g1[2] = G1Affine::zero();
			assert_eq!(zero.verify(&mut rng), Err(CeremonyError::PointAtInfinity));
			assert_eq!(Accumulator::new(1), Err(CeremonyError::BadShape));
		}
	}
}
