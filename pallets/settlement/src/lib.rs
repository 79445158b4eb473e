//! # Settlement pallet
//!
//! Checks the proofs of `Zk` jobs. The job market (`pallet-inference`) owns the jobs and their
//! money; it hands this pallet a job's verifying key, input, claimed output and proof through
//! [`VerifyProof`], and pays or slashes on the answer. This pallet owns the cryptography:
//!
//! - **Verification**: Groth16 on BLS12-381 ([`verity_zkml::verifier`]) over
//!   `sp-crypto-ec-utils`' curve, whose multi-Miller loop, final exponentiation and
//!   multi-scalar multiplications are host functions (the node registers them). The public
//!   inputs are the job binding ([`verity_primitives::zk_binding`] of the job and its worker),
//!   the packed input (or, above `COMMIT_ABOVE` bytes, its Poseidon commitment) and the packed
//!   output ([`verity_zkml::public`]), so a proof holds for one job, one worker, one input and
//!   one output only.
//! - **Keys**: [`pallet_models::VerifyingKeyCheck`] — a key is decoded with full validation
//!   (points on the curve and in the prime-order subgroup) when its owner sets it, and must take
//!   at most [`Config::MaxPublicInputs`] public inputs; it is read back unvalidated afterwards.
//! - **Proofs** arrive uncompressed ([`verity_zkml::verifier::PROOF_LEN`] bytes) and are decoded
//!   with validation every time: a malformed proof is an error that changes nothing (the
//!   submitter pays its transaction fee), never a panic.
//!
//! Events: [`Event::ProofVerified`], [`Event::ProofRejected`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

#[cfg(any(test, feature = "runtime-benchmarks"))]
use alloc::vec::Vec;
use frame_support::{traits::Get, weights::Weight};
use sp_crypto_ec_utils::bls12_381::Bls12_381;
use verity_primitives::{JobId, ProofError, ProofItem, VerifyProof};
use verity_zkml::{public, verifier, verifier::VerifyError};

/// The pairing engine the chain verifies with: BLS12-381 on host functions.
pub type Engine = Bls12_381;

#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The most public inputs a verifying key may take (bounds a verification's cost).
		#[pallet::constant]
		type MaxPublicInputs: Get<u32>;

		/// Weights of verification and of the key check.
		type WeightInfo: WeightInfo;
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The proof of `job` by `worker` verified.
		ProofVerified { job: JobId, worker: T::AccountId },
		/// The proof of `job` by `worker` did not verify.
		ProofRejected { job: JobId, worker: T::AccountId },
	}
}

impl<T: Config> Pallet<T> {
	/// Verifies a proof of `job` by `worker` (no events; see [`VerifyProof::verify`]).
	pub fn check(
		job: JobId,
		worker: &T::AccountId,
		key: &[u8],
		input: &[u8],
		output: &[u8],
		proof: &[u8],
	) -> Result<(), ProofError> {
		let key =
			verifier::decode_checked_key::<Engine>(key).map_err(|_| ProofError::KeyMismatch)?;
		let proof =
			verifier::decode_proof::<Engine>(proof).map_err(|_| ProofError::MalformedProof)?;
		let binding = public::binding(&verity_primitives::zk_binding(job, worker));
		let inputs = public::public_inputs(binding, &public::as_i8(input), &public::as_i8(output));
		verifier::verify(&key, &inputs, &proof).map_err(proof_error)
	}
}

/// What a verifier error means for the job: a key that does not fit it is not the worker's fault.
fn proof_error(error: VerifyError) -> ProofError {
	match error {
		VerifyError::Invalid => ProofError::Invalid,
		VerifyError::MalformedProof => ProofError::MalformedProof,
		VerifyError::MalformedKey | VerifyError::PublicInputCount => ProofError::KeyMismatch,
	}
}

impl<T: Config> VerifyProof<T::AccountId> for Pallet<T> {
	fn verify(
		job: JobId,
		worker: &T::AccountId,
		key: &[u8],
		input: &[u8],
		output: &[u8],
		proof: &[u8],
	) -> Result<(), ProofError> {
		let result = Self::check(job, worker, key, input, output, proof);
		match result {
			Ok(()) => Self::deposit_event(Event::ProofVerified { job, worker: worker.clone() }),
			Err(ProofError::Invalid) => {
				Self::deposit_event(Event::ProofRejected { job, worker: worker.clone() })
			},
			Err(_) => {},
		}
		result
	}

	fn verify_batch(key: &[u8], items: &[ProofItem<'_, T::AccountId>]) -> Result<(), ProofError> {
		let key =
			verifier::decode_checked_key::<Engine>(key).map_err(|_| ProofError::KeyMismatch)?;
		let mut batch = alloc::vec::Vec::with_capacity(items.len());
		// The coefficients come from a hash of everything the prover chose (Fiat–Shamir): no
		// prover knows them before it fixes its proofs.
		let mut transcript = alloc::vec::Vec::new();
		for (job, worker, input, output, proof) in items {
			let decoded =
				verifier::decode_proof::<Engine>(proof).map_err(|_| ProofError::MalformedProof)?;
			let binding = public::binding(&verity_primitives::zk_binding(*job, *worker));
			let inputs =
				public::public_inputs(binding, &public::as_i8(input), &public::as_i8(output));
			codec::Encode::encode_to(&(job, worker, output, proof), &mut transcript);
			batch.push((inputs, decoded));
		}
		let seed = sp_io::hashing::blake2_256(&transcript);
		let coefficients =
			verifier::batch_coefficients(&seed, batch.len(), sp_io::hashing::blake2_256);
		verifier::verify_batch(&key, &batch, &coefficients).map_err(proof_error)?;
		for (job, worker, ..) in items {
			Self::deposit_event(Event::ProofVerified { job: *job, worker: (*worker).clone() });
		}
		Ok(())
	}

	fn verify_batch_weight(count: u32, input_len: u32, output_len: u32) -> Weight {
		// The batch's pairings, plus per proof what a single verification spends on its
		// public inputs (the MSM and any input hash) above the pairing of the smallest key.
		let per_proof = Self::verify_weight(input_len, output_len)
			.saturating_sub(T::WeightInfo::verify_proof(3));
		T::WeightInfo::verify_batch(count)
			.saturating_add(per_proof.saturating_mul(u64::from(count)))
	}

	fn verify_weight(input_len: u32, output_len: u32) -> Weight {
		let inputs = public::public_input_count(input_len as usize, output_len as usize);
		// A key takes at most `MaxPublicInputs`; a job with more fails before the MSM.
		let inputs = u32::try_from(inputs).unwrap_or(u32::MAX).min(T::MaxPublicInputs::get());
		let input_len = input_len as usize;
		let hashed =
			if input_len > public::COMMIT_ABOVE { public::packed_len(input_len) } else { 0 };
		T::WeightInfo::verify_proof(inputs)
			.saturating_add(T::WeightInfo::commit_input(u32::try_from(hashed).unwrap_or(u32::MAX)))
	}
}

impl<T: Config> pallet_models::VerifyingKeyCheck for Pallet<T> {
	fn check(vk: &[u8]) -> bool {
		verifier::decode_key::<Engine>(vk).is_ok_and(|key| {
			verifier::public_input_count(&key) <= T::MaxPublicInputs::get() as usize
		})
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_key(len: u32) -> Vec<u8> {
		benchmarking::key_of_len(len, T::MaxPublicInputs::get())
	}
}

/// The bytes of a key with `inputs` public inputs, from arbitrary valid points (for benchmarks
/// and tests of the check; nobody knows a proof for it).
#[cfg(any(test, feature = "runtime-benchmarks"))]
#[allow(clippy::arithmetic_side_effects)] // group arithmetic
pub fn synthetic_key(inputs: u32) -> Vec<u8> {
	use ark_ec::{AffineRepr, CurveGroup};
	use sp_crypto_ec_utils::bls12_381::{G1Affine, G2Affine, ScalarField};
	let g1 = |k: u64| (G1Affine::generator() * ScalarField::from(k)).into_affine();
	let g2 = |k: u64| (G2Affine::generator() * ScalarField::from(k)).into_affine();
	let key = ark_groth16::VerifyingKey::<Engine> {
		alpha_g1: g1(2),
		beta_g2: g2(3),
		gamma_g2: g2(5),
		delta_g2: g2(7),
		gamma_abc_g1: (0..=u64::from(inputs)).map(|i| g1(i.saturating_add(11))).collect(),
	};
	verifier::encode_key(&key)
}

/// A well-formed proof that verifies under no key (benchmarks: verification costs the same
/// whether it succeeds).
#[cfg(any(test, feature = "runtime-benchmarks"))]
#[allow(clippy::arithmetic_side_effects)] // group arithmetic
pub fn synthetic_proof() -> Vec<u8> {
	use ark_ec::{AffineRepr, CurveGroup};
	use sp_crypto_ec_utils::bls12_381::{G1Affine, G2Affine, ScalarField};
	let proof = ark_groth16::Proof::<Engine> {
		a: (G1Affine::generator() * ScalarField::from(13u64)).into_affine(),
		b: (G2Affine::generator() * ScalarField::from(17u64)).into_affine(),
		c: (G1Affine::generator() * ScalarField::from(19u64)).into_affine(),
	};
	verifier::encode_proof(&proof)
}
