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
//! - **Ceremony** (module `ceremony`): Groth16 keys no single party can forge. Phase 1, powers
//!   of tau over BLS12-381 for circuits up to [`Phase1Info::size`], is chain-wide: anyone
//!   contributes once ([`Pallet::contribute_phase1`]), publishing the new head, a proof of
//!   knowledge of each secret multiplier ([`verity_zkml::ceremony`]) and the hash of the new
//!   transcript, which travels off chain as a blob; the chain checks the proofs and that the
//!   head extends the one it names. Governance ([`Config::CeremonyOrigin`]) seals one
//!   contribution's transcript ([`Pallet::seal_phase1`]). Phase 2 is per model: its owner
//!   begins it with the hash and public-input bases of the key derived from the sealed
//!   transcript and the model's circuit ([`Pallet::begin_phase2`]; anyone can derive it again
//!   and compare), contributors re-randomize δ in turn the same way
//!   ([`Pallet::contribute_phase2`]), and the owner seals a contribution with at least
//!   [`MinContributors`] distinct contributors on its path ([`Pallet::seal_phase2`]): the
//!   chain builds the verifying key from the sealed phase-1 head, the contribution's δ and the
//!   bases, and installs it in the model registry ([`pallet_models::CeremonyKeys`]) with the
//!   transcripts' hashes. The key is sound if one contributor of each phase was honest; the
//!   full transcripts' consistency is checked off chain (`verity-node zk verify-transcript`),
//!   by the node before it uses one and by anyone who wants to.
//! - **Deposits**: each contribution holds [`Config::ContributionDeposit`] from its contributor
//!   ([`HoldReason::CeremonyContribution`]) until its phase ends — phase 1 when governance seals
//!   it, a model's phase 2 when it is sealed, begun again or ended ([`Pallet::end_phase2`];
//!   anyone may end one past [`Config::Phase2Lifetime`]) — so filling a phase's [`Config::MaxContributions`] slots to shut honest contributors out
//!   locks up that many deposits for as long as the phase runs.
//!
//! Events: [`Event::ProofVerified`], [`Event::ProofRejected`], and the ceremony's.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use ceremony::{Phase, Phase1Info, Phase2Info, Step};
pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod ceremony;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

#[cfg(any(test, feature = "runtime-benchmarks"))]
use alloc::vec::Vec;
use frame_support::{
	traits::{fungible::Inspect, Get},
	weights::Weight,
};
use sp_crypto_ec_utils::bls12_381::Bls12_381;
use verity_primitives::{JobId, ProofError, ProofItem, VerifyProof};
use verity_zkml::{public, verifier, verifier::VerifyError};

/// The pairing engine the chain verifies with: BLS12-381 on host functions.
pub type Engine = Bls12_381;

/// The balance type of the token deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

// FRAME's pallet macros expand to `expect` (storage prefixes, error metadata).
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::ceremony::{
		ContributionBytes, DeltaContributionBytes, InputBasesOf, Phase1StepOf, Phase2StepOf,
	};
	use alloc::boxed::Box;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{InspectHold, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use verity_primitives::ModelId;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The most public inputs a verifying key may take (bounds a verification's cost).
		#[pallet::constant]
		type MaxPublicInputs: Get<u32>;

		/// The model registry, whose keys the ceremony makes.
		type Models: pallet_models::CeremonyKeys<Self::AccountId>;

		/// Who seals or resets phase 1 and sets [`MinContributors`] (governance).
		type CeremonyOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Accounts of which one must be on a sealed phase-2 path (the runtime: the active
		/// `Verifier` operators, each through its worker key if it named one). Accounts cost
		/// nothing, so without them an owner could seal a key made only by accounts of its own
		/// and know its δ; with them it must at least bond a verifier of its own (nothing is
		/// slashed for a secret kept: the chain cannot tell).
		type Vouchers: frame_support::traits::SortedMembers<Self::AccountId>;

		/// The most contributions phase 1 takes, and each model's phase 2.
		#[pallet::constant]
		type MaxContributions: Get<u32>;

		/// The token contribution deposits are held in.
		type Currency: Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;

		/// What each contribution holds from its contributor until its phase ends.
		#[pallet::constant]
		type ContributionDeposit: Get<BalanceOf<Self>>;

		/// Blocks a model's phase 2 runs at most: then it takes no more contributions, cannot be
		/// sealed, and anyone may end it (its owner may begin it again).
		#[pallet::constant]
		type Phase2Lifetime: Get<BlockNumberFor<Self>>;

		/// Weights of verification, of the key check and of the ceremony's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a contribution to a phase under way.
		#[codec(index = 0)]
		CeremonyContribution,
	}

	/// Phase 1 of the ceremony, if the chain has one (set at genesis).
	#[pallet::storage]
	pub type Phase1<T: Config> = StorageValue<_, Phase1Info>;

	/// Phase 1's contributions, by number. Keyed by a counter the chain assigns:
	/// `Twox64Concat`.
	#[pallet::storage]
	pub type Phase1Steps<T: Config> = StorageMap<_, Twox64Concat, u32, Phase1StepOf<T>>;

	/// Who contributed to phase 1, and the number of its contribution. Keyed by account, which
	/// users choose: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Phase1Contributors<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32>;

	/// The phase 2 of each model under way (removed when sealed). Keyed by model id,
	/// user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Phase2<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, Phase2Info<T>>;

	/// Each model's phase-2 contributions, by number. Keyed by model id (user-chosen,
	/// `Blake2_128Concat`) and a counter the chain assigns (`Twox64Concat`).
	#[pallet::storage]
	pub type Phase2Steps<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, ModelId, Twox64Concat, u32, Phase2StepOf<T>>;

	/// Who contributed to each model's phase 2, and the number of its contribution. Keyed by
	/// model id and account, both user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Phase2Contributors<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, ModelId, Blake2_128Concat, T::AccountId, u32>;

	/// The contributors of each model's sealed key, last first: whom a requester trusts when it
	/// trusts the key (one of them honest suffices). Keyed by model id, user-chosen:
	/// `Blake2_128Concat`.
	#[pallet::storage]
	pub type SealedContributors<T: Config> =
		StorageMap<_, Blake2_128Concat, ModelId, BoundedVec<T::AccountId, T::MaxContributions>>;

	/// What each contributor holds for a phase under way: at most one entry for each of the
	/// phase's contributions, removed (and released) when the phase ends. Keyed by the phase
	/// (a model id in it is user-chosen) and the account, both `Blake2_128Concat`.
	#[pallet::storage]
	pub type Deposits<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, Phase, Blake2_128Concat, T::AccountId, BalanceOf<T>>;

	/// How many distinct contributors a model's phase 2 needs before its owner may seal it.
	#[pallet::storage]
	pub type MinContributors<T: Config> = StorageValue<_, u32, ValueQuery, ConstU32<1>>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Phase 1: the largest circuit it serves and the hash of its starting transcript
		/// (`verity_zkml::ceremony::Accumulator::new(size).hash()`). None: no ceremony.
		pub phase1: Option<(u32, H256)>,
		/// [`MinContributors`]; zero keeps the default, one.
		pub min_contributors: u32,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some((size, origin)) = self.phase1 {
				Phase1::<T>::put(Phase1Info { size, origin, contributions: 0, sealed: None });
			}
			if self.min_contributors > 0 {
				assert!(
					self.min_contributors <= T::MaxContributions::get(),
					"the genesis minimum of contributors is at most MaxContributions"
				);
				MinContributors::<T>::put(self.min_contributors);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The proof of `job` by `worker` verified.
		ProofVerified { job: JobId, worker: T::AccountId },
		/// The proof of `job` by `worker` did not verify.
		ProofRejected { job: JobId, worker: T::AccountId },
		/// A contribution to phase 1 was checked and recorded.
		Phase1Contributed {
			/// Its number.
			index: u32,
			/// Who made it.
			contributor: T::AccountId,
			/// The contribution it extends (none: the starting transcript).
			parent: Option<u32>,
			/// The hash of the transcript it published.
			transcript: H256,
		},
		/// Governance sealed phase 1 on a contribution's transcript.
		Phase1Sealed {
			/// The contribution.
			index: u32,
			/// The hash of its transcript, the one every model's phase 2 derives from.
			transcript: H256,
			/// How many contributions its path holds.
			contributors: u32,
		},
		/// Governance discarded phase 1's contributions before sealing it: phase 1 starts
		/// again from its starting transcript, and their deposits are released.
		Phase1Reset {
			/// How many contributions were discarded.
			contributions: u32,
		},
		/// A model's owner began its phase 2 on the key derived from the sealed transcript.
		Phase2Begun {
			/// The model.
			model: ModelId,
			/// The hash of the derived key.
			transcript: H256,
		},
		/// A contribution to a model's phase 2 was checked and recorded.
		Phase2Contributed {
			/// The model.
			model: ModelId,
			/// Its number.
			index: u32,
			/// Who made it.
			contributor: T::AccountId,
			/// The contribution it extends (none: the derived key).
			parent: Option<u32>,
			/// The hash of the key it published.
			transcript: H256,
		},
		/// A model's owner sealed its phase 2: its key is installed.
		Phase2Sealed {
			/// The model.
			model: ModelId,
			/// The contribution sealed.
			index: u32,
			/// The hash of its key (the proving key workers fetch).
			transcript: H256,
			/// How many distinct accounts contributed on its path.
			contributors: u32,
		},
		/// A model's phase 2 ended without a key: its contributions are forgotten, their
		/// deposits released.
		Phase2Ended {
			/// The model.
			model: ModelId,
		},
		/// Governance set how many contributors a model's phase 2 needs.
		MinContributorsSet {
			/// The new minimum.
			min: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The chain has no ceremony (no phase 1 at genesis).
		NoCeremony,
		/// Phase 1 is sealed: it takes no more contributions.
		Sealed,
		/// Phase 1 is not sealed yet.
		NotSealed,
		/// No contribution has this number.
		UnknownContribution,
		/// This account already contributed to this phase.
		AlreadyContributed,
		/// The phase already holds [`Config::MaxContributions`] contributions.
		TooManyContributions,
		/// The contribution's bytes are not points on the curve and in the subgroup.
		MalformedContribution,
		/// A proof of knowledge does not verify for this account over the contribution it
		/// names, or the published points are not consistent (a zero secret, G2 points of
		/// other secrets).
		BadContribution,
		/// The model is unknown, retired, or does not take `Zk` jobs.
		NotZkModel,
		/// Only the model's owner may begin or seal its phase 2.
		NotOwner,
		/// The public-input bases are not 1 to `MaxPublicInputs + 1` valid G1 points.
		MalformedInputBases,
		/// The model's phase 2 has not begun.
		NotBegun,
		/// The contribution's path has fewer distinct contributors than [`MinContributors`].
		TooFewContributors,
		/// The minimum must be from one to [`Config::MaxContributions`].
		InvalidMinimum,
		/// No contributor on the contribution's path is one of [`Config::Vouchers`] (an active
		/// verifier).
		NoVoucher,
		/// The contributor cannot hold [`Config::ContributionDeposit`].
		InsufficientBalance,
		/// The model's phase 2 ran past [`Config::Phase2Lifetime`]: it only ends.
		Expired,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxContributions::get() > 0, "a ceremony needs a contribution");
			assert!(
				!sp_runtime::traits::Zero::is_zero(&T::Phase2Lifetime::get()),
				"a phase 2 needs a block to run"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Contribute to phase 1, extending contribution `parent` (none: the starting
		/// transcript).
		///
		/// - **Dispatch origin**: signed; an account contributes once.
		/// - **Details**: holds [`Config::ContributionDeposit`] until phase 1 is sealed.
		///   `contribution` (boxed: the call enum stays small) is the new head and
		///   the proofs of knowledge of the three multipliers (`verity_zkml::ceremony::Contribution`, uncompressed), made over
		///   the parent's transcript hash and the caller's account (`verity-node zk contribute`
		///   makes it); `transcript` the hash of the new transcript, which the contributor serves
		///   as a blob. The chain checks the proofs and the head's G2 points; the transcript
		///   itself is checked by whoever fetches it.
		/// - **Errors**: [`Error::NoCeremony`], [`Error::Sealed`], [`Error::AlreadyContributed`],
		///   [`Error::TooManyContributions`], [`Error::UnknownContribution`],
		///   [`Error::MalformedContribution`], [`Error::BadContribution`],
		///   [`Error::InsufficientBalance`].
		/// - **Events**: [`Event::Phase1Contributed`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::contribute_phase1())]
		pub fn contribute_phase1(
			origin: OriginFor<T>,
			parent: Option<u32>,
			contribution: Box<ContributionBytes>,
			transcript: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_contribute_phase1(who, parent, &contribution, transcript)
		}

		/// Seal phase 1 on contribution `index`: its transcript is the one every model's key
		/// derives from, and phase 1 takes no more contributions.
		///
		/// - **Dispatch origin**: [`Config::CeremonyOrigin`] (governance).
		/// - **Details**: voters check the transcript first (`verity-node zk verify-transcript`):
		///   the chain has seen only its head. Every phase-1 deposit is released.
		/// - **Errors**: [`Error::NoCeremony`], [`Error::Sealed`],
		///   [`Error::UnknownContribution`].
		/// - **Events**: [`Event::Phase1Sealed`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::seal_phase1(T::MaxContributions::get()))]
		pub fn seal_phase1(origin: OriginFor<T>, index: u32) -> DispatchResult {
			T::CeremonyOrigin::ensure_origin(origin)?;
			Self::do_seal_phase1(index)
		}

		/// Discard phase 1's contributions: it starts again from its starting transcript.
		///
		/// - **Dispatch origin**: [`Config::CeremonyOrigin`] (governance).
		/// - **Details**: for a phase 1 that cannot be sealed as it is: its slots
		///   ([`Config::MaxContributions`]) filled by contributions voters do not trust, no
		///   contributor left to extend. Every phase-1 deposit is released, every account may
		///   contribute again. A sealed phase 1 is never reset: models' keys derive from it.
		/// - **Errors**: [`Error::NoCeremony`], [`Error::Sealed`].
		/// - **Events**: [`Event::Phase1Reset`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::reset_phase1(T::MaxContributions::get()))]
		pub fn reset_phase1(origin: OriginFor<T>) -> DispatchResult {
			T::CeremonyOrigin::ensure_origin(origin)?;
			Self::do_reset_phase1()
		}

		/// Begin (or begin again) the phase 2 of `model` on the key derived from the sealed
		/// phase-1 transcript.
		///
		/// - **Dispatch origin**: signed, the model's owner.
		/// - **Details**: `inputs` are the derived key's public-input bases (uncompressed G1
		///   points), `transcript` the derived key's hash (`verity-node zk derive` prints both).
		///   Beginning again forgets the model's earlier phase-2 contributions and releases their
		///   deposits. It runs at most [`Config::Phase2Lifetime`] blocks.
		/// - **Errors**: [`Error::NotSealed`], [`Error::NotZkModel`], [`Error::NotOwner`],
		///   [`Error::MalformedInputBases`].
		/// - **Events**: [`Event::Phase2Begun`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::begin_phase2(
			(inputs.len() / verity_zkml::ceremony::G1_LEN) as u32,
			T::MaxContributions::get(),
		))]
		pub fn begin_phase2(
			origin: OriginFor<T>,
			model: ModelId,
			inputs: InputBasesOf<T>,
			transcript: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_begin_phase2(who, model, inputs, transcript)
		}

		/// Contribute to the phase 2 of `model`, extending contribution `parent` (none: the
		/// derived key).
		///
		/// - **Dispatch origin**: signed; an account contributes once to each model.
		/// - **Details**: holds [`Config::ContributionDeposit`] until the phase ends.
		///   `contribution` is the new `[δ]₁`, `[δ]₂` and the proof of knowledge
		///   of the multiplier (`verity_zkml::ceremony::DeltaContribution`, uncompressed) over
		///   the parent's key hash and the caller's account; `transcript` the new key's hash.
		/// - **Errors**: [`Error::NotBegun`], [`Error::NotZkModel`] (retired or changed hands since
		///   it began), [`Error::Expired`], [`Error::AlreadyContributed`], [`Error::TooManyContributions`],
		///   [`Error::UnknownContribution`], [`Error::MalformedContribution`],
		///   [`Error::BadContribution`], [`Error::InsufficientBalance`].
		/// - **Events**: [`Event::Phase2Contributed`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::contribute_phase2())]
		pub fn contribute_phase2(
			origin: OriginFor<T>,
			model: ModelId,
			parent: Option<u32>,
			contribution: Box<DeltaContributionBytes>,
			transcript: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_contribute_phase2(who, model, parent, &contribution, transcript)
		}

		/// Seal the phase 2 of `model` on contribution `index`: the chain builds the key and
		/// installs it in the model registry, and `Zk` jobs may be paid.
		///
		/// - **Dispatch origin**: signed, the model's owner.
		/// - **Details**: the contribution's path needs at least [`MinContributors`]
		///   contributors, one of them a voucher ([`Config::Vouchers`], an active verifier);
		///   they are recorded in [`SealedContributors`], the transcripts' hashes with the key.
		///   The model's phase-2 records are then forgotten and their deposits released.
		/// - **Errors**: [`Error::NotZkModel`], [`Error::NotOwner`], [`Error::NotBegun`],
		///   [`Error::UnknownContribution`], [`Error::TooFewContributors`],
		///   [`Error::NoVoucher`], [`Error::NotSealed`], [`Error::Expired`], and the registry's key
		///   errors.
		/// - **Events**: [`Event::Phase2Sealed`], the registry's `VerifyingKeySet`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::seal_phase2(
			T::MaxPublicInputs::get().saturating_add(1),
			T::MaxContributions::get(),
		))]
		pub fn seal_phase2(origin: OriginFor<T>, model: ModelId, index: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_seal_phase2(who, model, index)
		}

		/// End the phase 2 of `model` without a key: its contributions are forgotten and their
		/// deposits released.
		///
		/// - **Dispatch origin**: signed: the owner who began it, or anyone once it expired
		///   ([`Config::Phase2Lifetime`]) or the model is no longer that owner's `Zk` model
		///   (retired, or reaped and maybe registered again: nobody can seal it).
		/// - **Errors**: [`Error::NotBegun`], [`Error::NotOwner`].
		/// - **Events**: [`Event::Phase2Ended`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::end_phase2(T::MaxContributions::get()))]
		pub fn end_phase2(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_end_phase2(who, model)
		}

		/// Set how many distinct contributors a model's phase 2 needs.
		///
		/// - **Dispatch origin**: [`Config::CeremonyOrigin`] (governance).
		/// - **Errors**: [`Error::InvalidMinimum`].
		/// - **Events**: [`Event::MinContributorsSet`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_min_contributors())]
		pub fn set_min_contributors(origin: OriginFor<T>, min: u32) -> DispatchResult {
			T::CeremonyOrigin::ensure_origin(origin)?;
			Self::do_set_min_contributors(min)
		}
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
