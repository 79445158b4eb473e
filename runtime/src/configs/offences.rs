//! Offences: what happens when a validator equivocates.
//!
//! A node that imports two blocks of one Aura slot sealed by the same validator reports it
//! through [`pallet_aura_equivocation`], with a historical-session proof of the Aura key; a
//! GRANDPA voter that sees another sign two votes in one round reports it: the node calls
//! `GrandpaApi::submit_report_equivocation_unsigned_extrinsic` with the two signed votes and a
//! proof from [`Historical`](super::super::Historical) that the key belonged to a validator in
//! that session. `pallet-grandpa` checks both, `pallet-offences` records the offence once (a
//! second report of it is refused), and [`PunishValidators`] makes the validator pay: the
//! offence's slash fraction of its operator bond goes to the treasury, it is chilled (no
//! candidate for the next validator set until it unchills), and `pallet-session` disables it for
//! the rest of the session (Aura refuses its blocks), within the disabling strategy's limit of a
//! third of the set.

use alloc::vec::Vec;
use frame_support::{parameter_types, weights::Weight};
use pallet_session::historical::IdentificationTuple;
use sp_runtime::{traits::Convert, Perbill};
use sp_staking::{
	offence::{OffenceDetails, OffenceSeverity, OnOffenceHandler},
	SessionIndex,
};

use super::super::{
	AccountId, Operators, Runtime, RuntimeCall, RuntimeEvent, Session, UncheckedExtrinsic,
};

/// Sessions whose validator sets stay provable: as many as GRANDPA keeps set ids for
/// ([`MaxSetIdSessionEntries`]), about a day of ten-minute sessions.
pub const HISTORICAL_SESSIONS_KEPT: SessionIndex = 168;

parameter_types! {
	/// How long an equivocation report may wait in the pool: a session.
	pub ReportLongevity: u64 = u64::from(super::SessionPeriod::get());
	/// GRANDPA set ids remembered per session, for reports about past sessions.
	pub const MaxSetIdSessionEntries: u64 = 168;
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// A validator is identified by its account alone: its bond lives in `pallet-operators`.
	type FullIdentification = ();
	type FullIdentificationOf = ValidatorIdentity;
}

/// Every validator's full identification is `()`: the account is all the offence needs.
pub struct ValidatorIdentity;

impl Convert<AccountId, Option<()>> for ValidatorIdentity {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

/// The operators pallet's validator choice, with the (empty) identifications the historical
/// session pallet notes.
pub struct ValidatorsFromOperators;

impl pallet_session::SessionManager<AccountId> for ValidatorsFromOperators {
	fn new_session(index: SessionIndex) -> Option<Vec<AccountId>> {
		<Operators as pallet_session::SessionManager<_>>::new_session(index)
	}

	fn end_session(index: SessionIndex) {
		// Key-ownership proofs older than any report may cite are of no use: prune them.
		pallet_session::historical::Pallet::<Runtime>::prune_up_to(
			index.saturating_sub(HISTORICAL_SESSIONS_KEPT),
		);
		<Operators as pallet_session::SessionManager<_>>::end_session(index)
	}

	fn start_session(index: SessionIndex) {
		<Operators as pallet_session::SessionManager<_>>::start_session(index)
	}
}

impl pallet_session::historical::SessionManager<AccountId, ()> for ValidatorsFromOperators {
	fn new_session(index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(index)
			.map(|set| set.into_iter().map(|who| (who, ())).collect())
	}

	fn start_session(index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(index)
	}

	fn end_session(index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(index)
	}
}

impl pallet_aura_equivocation::Config for Runtime {
	type ValidatorSet = super::super::Historical;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem = pallet_aura_equivocation::EquivocationReportSystem<
		Runtime,
		super::super::Offences,
		super::super::Historical,
		ReportLongevity,
	>;
	type WeightInfo = crate::weights::pallet_aura_equivocation::WeightInfo<Runtime>;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = IdentificationTuple<Runtime>;
	type OnOffenceHandler = PunishValidators;
}

/// Slashes, chills and disables each offender (see the module docs).
pub struct PunishValidators;

impl OnOffenceHandler<AccountId, IdentificationTuple<Runtime>, Weight> for PunishValidators {
	fn on_offence(
		offenders: &[OffenceDetails<AccountId, IdentificationTuple<Runtime>>],
		slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let mut weight = Weight::zero();
		for (details, fraction) in offenders.iter().zip(slash_fraction) {
			let (who, ()) = &details.offender;
			Operators::punish_validator(who, *fraction, session);
			Session::report_offence(who.clone(), OffenceSeverity(*fraction));
			// The operator record and its hold, the treasury, the validator and disabled sets.
			weight = weight.saturating_add(db.reads_writes(6, 6));
		}
		weight
	}
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// Equivocation reports are unsigned transactions the node's GRANDPA voter submits.
impl<LocalCall> frame_system::offchain::CreateBare<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}
