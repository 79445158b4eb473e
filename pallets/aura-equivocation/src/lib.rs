//! # Aura equivocation pallet
//!
//! Makes an Aura equivocation — a validator signing two different blocks for one slot — an
//! offence, as FRAME already does for GRANDPA and BABE (Aura itself has no report).
//!
//! ## Overview
//!
//! Two headers of one slot, each sealed by the same authority, prove the equivocation on their
//! own: anyone holding them can check both seals. A node that imports both (see the node's
//! `equivocation` module) asks the runtime for a key-ownership proof of the authority's Aura key
//! (`AuraEquivocationApi::generate_key_ownership_proof`, from the historical sessions) and
//! submits [`Pallet::report_equivocation_unsigned`] to its own pool. The call checks the
//! headers ([`check_equivocation_proof`]) and the key-ownership proof, and reports an
//! [`EquivocationOffence`] through [`Config::EquivocationReportSystem`] (the runtime's
//! [`EquivocationReportSystem`] over `pallet-offences`), which makes the validator pay.
//!
//! ## Terms
//!
//! - *Seal*: the last digest item of an Aura header, the authority's signature of the hash of
//!   the header without it.
//! - *Time slot* of the offence: the Aura slot. An offence is reported once per offender and
//!   slot; a second report is refused ([`Error::DuplicateOffenceReport`]).
//!
//! The slash fraction is GRANDPA's and BABE's: (3·offenders / validators)², so one offender of a
//! large set pays little and a third of the set colluding pays everything.

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

use alloc::{boxed::Box, vec, vec::Vec};
use codec::Encode;
use frame_support::traits::{Get, KeyOwnerProofSystem};
use frame_system::pallet_prelude::HeaderFor;
use sp_consensus_aura::{
	digests::CompatibleDigestItem,
	sr25519::{AuthorityId, AuthoritySignature},
	Slot,
};
use sp_runtime::{
	traits::{Header as _, One, Saturating, Zero},
	transaction_validity::{
		InvalidTransaction, TransactionPriority, TransactionSource, TransactionValidity,
		TransactionValidityError, ValidTransaction,
	},
	DispatchError, KeyTypeId, Perbill, RuntimeAppPublic,
};
use sp_session::{GetSessionNumber, GetValidatorCount};
use sp_staking::{
	offence::{Kind, Offence, OffenceReportSystem, ReportOffence},
	SessionIndex,
};

const LOG_TARGET: &str = "runtime::aura-equivocation";

/// The key type of Aura keys in a key-ownership proof.
pub const KEY_TYPE: KeyTypeId = sp_application_crypto::key_types::AURA;

/// Two headers of one slot sealed by one authority.
pub type EquivocationProofOf<T> = sp_consensus_slots::EquivocationProof<HeaderFor<T>, AuthorityId>;

// FRAME's pallet macros expand to `expect` (storage prefixes, error metadata); the code written
// here has none.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{dispatch::DispatchResultWithPostInfo, pallet_prelude::*};
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// A proof that a key belonged to a validator in some session.
		type KeyOwnerProof: Parameter + GetSessionNumber + GetValidatorCount;

		/// The validator set, for the current session's index: a key-ownership proof must be of
		/// this session or the one before.
		type ValidatorSet: frame_support::traits::ValidatorSet<Self::AccountId>;

		/// Checks a report and turns it into an offence ([`EquivocationReportSystem`]).
		type EquivocationReportSystem: OffenceReportSystem<
			Option<Self::AccountId>,
			(EquivocationProofOf<Self>, Self::KeyOwnerProof),
		>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The headers are not an equivocation: the same header twice, different slots, or a
		/// seal that is missing or not the offender's signature.
		InvalidEquivocationProof,
		/// The headers do not build on a recent block of this chain (`frame_system`'s block
		/// hashes): they may be another chain's, or too old to report.
		UnknownParent,
		/// The key-ownership proof does not show the key was a validator's, or is not of the
		/// current session or the one before.
		InvalidKeyOwnershipProof,
		/// This offender's equivocation in this slot was reported already.
		DuplicateOffenceReport,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Report an Aura equivocation: the offender loses the offence's share of its bond and
		/// is disabled (see the module docs).
		///
		/// - **Dispatch origin**: none (an unsigned transaction, accepted only from the local
		///   node or in a block; it pays no fee).
		/// - **Errors**: [`Error::InvalidEquivocationProof`], [`Error::InvalidKeyOwnershipProof`],
		///   [`Error::DuplicateOffenceReport`].
		/// - **Events**: `Offences::Offence`, and whatever the runtime's offence handler emits.
		#[pallet::call_index(0)]
		#[pallet::weight(weights::report_equivocation::<T>(key_owner_proof.validator_count()))]
		pub fn report_equivocation_unsigned(
			origin: OriginFor<T>,
			equivocation_proof: Box<EquivocationProofOf<T>>,
			key_owner_proof: T::KeyOwnerProof,
		) -> DispatchResultWithPostInfo {
			ensure_none(origin)?;
			T::EquivocationReportSystem::process_evidence(
				None,
				(*equivocation_proof, key_owner_proof),
			)?;
			// A true report costs nothing: it protects the chain.
			Ok(Pays::No.into())
		}
	}

	// Unsigned reports are validated as `pallet-grandpa` (stable2609) validates its own; FRAME's
	// `#[pallet::authorize]` replaces this before April 2027.
	#[allow(deprecated)]
	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		fn validate_unsigned(source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			let Call::report_equivocation_unsigned { equivocation_proof, key_owner_proof } = call
			else {
				return InvalidTransaction::Call.into();
			};
			// Reports come from the node that saw the headers, never from the network.
			if !matches!(source, TransactionSource::Local | TransactionSource::InBlock) {
				return InvalidTransaction::Call.into();
			}
			let evidence = (*equivocation_proof.clone(), key_owner_proof.clone());
			T::EquivocationReportSystem::check_evidence(evidence)?;
			let longevity =
				<T::EquivocationReportSystem as OffenceReportSystem<_, _>>::Longevity::get();
			ValidTransaction::with_tag_prefix("AuraEquivocation")
				.priority(TransactionPriority::MAX)
				.and_provides((equivocation_proof.offender.clone(), equivocation_proof.slot))
				.longevity(longevity)
				.propagate(false)
				.build()
		}

		fn pre_dispatch(call: &Self::Call) -> Result<(), TransactionValidityError> {
			let Call::report_equivocation_unsigned { equivocation_proof, key_owner_proof } = call
			else {
				return Err(InvalidTransaction::Call.into());
			};
			T::EquivocationReportSystem::check_evidence((
				*equivocation_proof.clone(),
				key_owner_proof.clone(),
			))
		}
	}
}

/// Whether `proof` shows an equivocation: two different blocks (their headers differ once their
/// seals are taken off: sr25519 seals of one header differ), both of `proof.slot` by their Aura
/// pre-digest, both sealed by `proof.offender`.
pub fn check_equivocation_proof<H: sp_runtime::traits::Header>(
	proof: sp_consensus_slots::EquivocationProof<H, AuthorityId>,
) -> bool {
	// The hash the seal signs, if `header` is of the slot and sealed by the offender.
	let sealed_in_slot = |mut header: H| {
		let seal = header.digest_mut().pop()?;
		let signature = CompatibleDigestItem::<AuthoritySignature>::as_aura_seal(&seal)?;
		let slot = header
			.digest()
			.logs()
			.iter()
			.find_map(CompatibleDigestItem::<AuthoritySignature>::as_aura_pre_digest);
		let pre_hash = header.hash();
		(slot == Some(proof.slot) && proof.offender.verify(&pre_hash.encode(), &signature))
			.then_some(pre_hash)
	};
	match (sealed_in_slot(proof.first_header), sealed_in_slot(proof.second_header)) {
		(Some(first), Some(second)) => first != second,
		_ => false,
	}
}

/// A header of block `number` on `parent` in `slot`, with `variant` as its extrinsics root (two
/// variants are two blocks), sealed as Aura seals it: `sign` signs the hash of the header
/// without its seal. For tests and benchmarks; the node's headers come from its blocks.
pub fn sealed_header<H: sp_runtime::traits::Header>(
	(number, parent): (H::Number, H::Hash),
	variant: H::Hash,
	slot: Slot,
	sign: impl Fn(&[u8]) -> AuthoritySignature,
) -> H {
	let pre_digest =
		<sp_runtime::DigestItem as CompatibleDigestItem<AuthoritySignature>>::aura_pre_digest(slot);
	let mut header = H::new(
		number,
		variant,
		Default::default(),
		parent,
		sp_runtime::Digest { logs: vec![pre_digest] },
	);
	let signature = sign(&header.hash().encode());
	header.digest_mut().push(<sp_runtime::DigestItem as CompatibleDigestItem<
		AuthoritySignature,
	>>::aura_seal(signature));
	header
}

/// An Aura equivocation, as `pallet-offences` records it.
pub struct EquivocationOffence<Offender> {
	/// The slot of both headers.
	pub slot: Slot,
	/// The session of the key-ownership proof.
	pub session_index: SessionIndex,
	/// The size of the validator set in that session.
	pub validator_set_count: u32,
	/// The validator, with its identification.
	pub offender: Offender,
}

impl<Offender: Clone> Offence<Offender> for EquivocationOffence<Offender> {
	const ID: Kind = *b"aura:equivocatio";
	type Slot = Slot;

	fn offenders(&self) -> Vec<Offender> {
		vec![self.offender.clone()]
	}

	fn session_index(&self) -> SessionIndex {
		self.session_index
	}

	fn validator_set_count(&self) -> u32 {
		self.validator_set_count
	}

	fn slot(&self) -> Self::Slot {
		self.slot
	}

	fn slash_fraction(&self, offenders_count: u32) -> Perbill {
		Perbill::from_rational(offenders_count.saturating_mul(3), self.validator_set_count).square()
	}
}

/// The runtime's report system: checks the proofs with `P` (the historical sessions) and
/// reports the offence to `R` (`pallet-offences`); reports wait in the pool for `L` blocks.
pub struct EquivocationReportSystem<T, R, P, L>(core::marker::PhantomData<(T, R, P, L)>);

impl<T, R, P, L>
	OffenceReportSystem<Option<T::AccountId>, (EquivocationProofOf<T>, T::KeyOwnerProof)>
	for EquivocationReportSystem<T, R, P, L>
where
	T: Config + frame_system::offchain::CreateBare<Call<T>>,
	R: ReportOffence<
		T::AccountId,
		P::IdentificationTuple,
		EquivocationOffence<P::IdentificationTuple>,
	>,
	P: KeyOwnerProofSystem<(KeyTypeId, AuthorityId), Proof = T::KeyOwnerProof>,
	P::IdentificationTuple: Clone,
	L: Get<u64>,
{
	type Longevity = L;

	fn publish_evidence(
		(equivocation_proof, key_owner_proof): (EquivocationProofOf<T>, T::KeyOwnerProof),
	) -> Result<(), ()> {
		use frame_system::offchain::SubmitTransaction;
		let call = Call::report_equivocation_unsigned {
			equivocation_proof: Box::new(equivocation_proof),
			key_owner_proof,
		};
		let submitted =
			SubmitTransaction::<T, Call<T>>::submit_transaction(T::create_bare(call.into()));
		if submitted.is_err() {
			log::error!(target: LOG_TARGET, "cannot submit an equivocation report");
		}
		submitted
	}

	fn check_evidence(
		(equivocation_proof, key_owner_proof): (EquivocationProofOf<T>, T::KeyOwnerProof),
	) -> Result<(), TransactionValidityError> {
		let key = (KEY_TYPE, equivocation_proof.offender.clone());
		let offender = P::check_proof(key, key_owner_proof).ok_or(InvalidTransaction::BadProof)?;
		if R::is_known_offence(&[offender], &equivocation_proof.slot) {
			return Err(InvalidTransaction::Stale.into());
		}
		Ok(())
	}

	fn process_evidence(
		reporter: Option<T::AccountId>,
		(equivocation_proof, key_owner_proof): (EquivocationProofOf<T>, T::KeyOwnerProof),
	) -> Result<(), DispatchError> {
		use frame_support::traits::ValidatorSet;
		let slot = equivocation_proof.slot;
		let key = (KEY_TYPE, equivocation_proof.offender.clone());
		let session_index = key_owner_proof.session();
		let validator_set_count = key_owner_proof.validator_count();
		// Blocks of this chain, recent enough to know their parents.
		let on_chain = |header: &HeaderFor<T>| {
			let number = *header.number();
			!number.is_zero()
				&& frame_system::Pallet::<T>::block_hash(number.saturating_sub(One::one()))
					== *header.parent_hash()
		};
		if !on_chain(&equivocation_proof.first_header)
			|| !on_chain(&equivocation_proof.second_header)
		{
			return Err(Error::<T>::UnknownParent.into());
		}
		// The set the offender belonged to when it sealed them, not one it chooses: the
		// session of the blocks (this one, or the one before for blocks before its start).
		let current = T::ValidatorSet::session_index();
		if session_index > current || session_index.saturating_add(1) < current {
			return Err(Error::<T>::InvalidKeyOwnershipProof.into());
		}
		if !check_equivocation_proof(equivocation_proof) {
			return Err(Error::<T>::InvalidEquivocationProof.into());
		}
		let offender =
			P::check_proof(key, key_owner_proof).ok_or(Error::<T>::InvalidKeyOwnershipProof)?;
		let offence = EquivocationOffence { slot, session_index, validator_set_count, offender };
		R::report_offence(reporter.into_iter().collect(), offence)
			.map_err(|_| Error::<T>::DuplicateOffenceReport)?;
		Ok(())
	}
}

sp_api::decl_runtime_apis! {
	/// What a node needs to report an Aura equivocation it saw.
	pub trait AuraEquivocationApi {
		/// A proof that `authority` is a validator's Aura key in the current session (SCALE of
		/// the runtime's key-ownership proof), or `None` if it is not.
		fn generate_key_ownership_proof(authority: AuthorityId) -> Option<Vec<u8>>;
	}
}
