//! # Operators pallet
//!
//! Role-based staking for Verity.
//!
//! ## Overview
//!
//! Verity's nodes do different work: validators order and finalize blocks, inference operators run
//! models, verifiers re-execute and attest, oracle operators feed outside data. Each role is backed
//! by a bond of VRT that the operator loses when it misbehaves. This pallet keeps the operators,
//! their roles, bonds and declared capabilities; other pallets read it through
//! [`RoleInspect`] and take bonds through [`Slash`]; `pallet-session` asks it for the validator
//! set of each new session through [`pallet_session::SessionManager`].
//!
//! ## Terms
//!
//! - *Bond*: VRT the operator put on hold ([`HoldReason::OperatorBond`]) for its roles. One bond
//!   backs all of an operator's roles; it must be at least the largest [`MinBond`] of them.
//! - *Unbonding*: bonded funds on their way out. They stay on hold (and slashable) for
//!   [`Config::UnbondingPeriod`] blocks, in at most [`Config::MaxUnlockingChunks`] chunks.
//! - *Active* for a role: registered for it, bonded at least its minimum, and not chilled.
//! - *Chilled*: registered but taking no new work and not a validator candidate.
//! - *Pushed out*: a role is full ([`Config::MaxOperatorsPerRole`]) and a newcomer registers with
//!   a larger bond than its smallest operator: that operator loses the role. An operator left
//!   with no role has its whole bond moved to unbonding (slashable until it unlocks, so a
//!   pushed-out worker still answers for the jobs it holds) and may register again at once.
//!
//! ## Usage
//!
//! `register(roles, metadata, bond)` holds `bond` (at least the roles' minimum) in the same
//! step, so a role slot is never free to squat; `bond(amount)` adds to it;
//! `set_capabilities(caps)` to declare the models served; `chill()`/`unchill()` to pause;
//! `unbond(amount)`, wait, `withdraw_unbonded()`; `deregister()` once nothing is bonded.
//! Governance sets role minimums with `set_min_bond` and removes an operator with
//! `force_deregister`.
//!
//! Validators: at each new session the top [`Config::MaxValidators`] active `Validator` operators
//! by bond that have session keys ([`Config::HasSessionKeys`]) form the next set; with fewer than
//! [`Config::MinValidators`] candidates the current set stays.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use alloc::vec::Vec;
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate, MutateHold},
	tokens::{Fortitude, Precision, Restriction},
	Contains, Get,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{CheckedAdd, Saturating, Zero},
	Perbill,
};
use verity_primitives::{
	CapabilitiesView, ModelId, Role, RoleInspect, RoleSet, Slash, SlashReason,
};

const LOG_TARGET: &str = "runtime::operators";

// FRAME's pallet macros expand to `expect` (storage prefixes, error metadata); the code written
// here has none outside the genesis build, where a bad chain spec must stop the node.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version: 1 indexed verifiers by model ([`ModelVerifiers`],
	/// [`crate::migrations::v1`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The token operators bond.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;

		/// Where slashed bonds go.
		#[pallet::constant]
		type Treasury: Get<Self::AccountId>;

		/// Who may set the minimum bonds (governance).
		type MinBondOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Who may remove any operator (governance).
		type ForceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks between `unbond` and the funds becoming withdrawable.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Unbonding chunks an operator may have at once.
		#[pallet::constant]
		type MaxUnlockingChunks: Get<u32>;

		/// Longest operator name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// Longest operator endpoint, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// Models one operator may declare it serves.
		#[pallet::constant]
		type MaxModelsServed: Get<u32>;

		/// Operators one role may have; bounds every iteration over a role.
		#[pallet::constant]
		type MaxOperatorsPerRole: Get<u32>;

		/// The largest validator set.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// The smallest validator set; with fewer candidates the set does not change.
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// Whether an account has session keys set (a validator candidate needs them).
		type HasSessionKeys: Contains<Self::AccountId>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An operator's bond, bonded or unbonding.
		#[codec(index = 0)]
		OperatorBond,
	}

	/// The operators. Keyed by account, which users choose: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Operators<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, OperatorOf<T>>;

	/// The operators of each role (an index over [`Operators`]). The role is a small enum the
	/// runtime defines (`Twox64Concat`); the account is user-chosen (`Blake2_128Concat`).
	#[pallet::storage]
	pub type RoleMembers<T: Config> =
		StorageDoubleMap<_, Twox64Concat, Role, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// How many operators each role has.
	#[pallet::storage]
	pub type RoleCounts<T: Config> = StorageMap<_, Twox64Concat, Role, u32, ValueQuery>;

	/// The inference operators that declare they serve each model (an index over capabilities,
	/// read by job assignment; at most [`Config::MaxOperatorsPerRole`] a model). Model ids are
	/// hashes of user-supplied bytes, accounts user-chosen: both `Blake2_128Concat`.
	#[pallet::storage]
	pub type ModelOperators<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		ModelId,
		Blake2_128Concat,
		T::AccountId,
		(),
		OptionQuery,
	>;

	/// The verifier operators that declare they serve each model: [`ModelOperators`] for the
	/// `Verifier` role, read when a `Consensus` job draws its verifiers. Hashers as there.
	#[pallet::storage]
	pub type ModelVerifiers<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		ModelId,
		Blake2_128Concat,
		T::AccountId,
		(),
		OptionQuery,
	>;

	/// The least bond an operator of each role must keep (governable). `Twox64Concat`: the role
	/// is a runtime-defined enum.
	#[pallet::storage]
	pub type MinBond<T: Config> = StorageMap<_, Twox64Concat, Role, BalanceOf<T>, ValueQuery>;

	/// The worker account each operator named ([`Pallet::set_worker`]): the key its node signs
	/// market work with. Accounts are user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// The operator each worker account acts for (the index over [`Workers`]). Accounts are
	/// user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type WorkerOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// The largest share of its bond each validator lost for the offences of a session:
	/// offences of one session cost the worst of them, not their sum (`pallet-offences` reports
	/// an offence again each time another offender of its time slot is found). Accounts are
	/// user-chosen: `Blake2_128Concat`; sessions are counters: `Twox64Concat`.
	#[pallet::storage]
	pub type OffenceSlashes<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, Perbill, ValueQuery>;

	/// Validators punished for an offence, with the block from which they may unchill.
	/// Accounts are user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type PunishedUntil<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// Workers an operator proposed that have not accepted yet ([`Pallet::accept_worker`]).
	/// Accounts are user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type ProposedWorkers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Minimum bonds per role.
		pub min_bonds: Vec<(Role, BalanceOf<T>)>,
		/// Operators at genesis: account, roles, bond, name. Their bond is put on hold.
		pub operators: Vec<(T::AccountId, Vec<Role>, BalanceOf<T>, Vec<u8>)>,
		/// Capabilities declared at genesis by operators listed in `operators`.
		pub capabilities: Vec<(T::AccountId, CapabilitiesView)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (role, amount) in &self.min_bonds {
				MinBond::<T>::insert(role, amount);
			}
			for (who, roles, bond, name) in &self.operators {
				let metadata = OperatorMetadataInput {
					name: name.clone().try_into().expect("genesis operator name fits the argument"),
					endpoint: Default::default(),
				};
				Pallet::<T>::do_register(who, RoleSet::of(roles), metadata, *bond)
					.expect("genesis operator registers and bonds");
			}
			for (who, caps) in &self.capabilities {
				let caps = Capabilities {
					models: caps
						.models
						.clone()
						.try_into()
						.expect("genesis capabilities list at most MaxModelsServed models"),
					max_concurrent_jobs: caps.max_concurrent_jobs,
					accelerator: caps.accelerator,
				};
				Pallet::<T>::do_set_capabilities(who.clone(), caps)
					.expect("genesis capabilities are valid");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account registered as an operator of `roles`.
		Registered { who: T::AccountId, roles: RoleSet },
		/// An operator put `amount` more on its bond.
		Bonded { who: T::AccountId, amount: BalanceOf<T> },
		/// An operator started unbonding `amount`, withdrawable at block `unlock_at`.
		Unbonded { who: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// An operator withdrew `amount` of unbonded funds.
		Withdrawn { who: T::AccountId, amount: BalanceOf<T> },
		/// An operator declared its capabilities.
		CapabilitiesSet { who: T::AccountId },
		/// An operator lost `amount` of its bond to the treasury.
		Slashed { who: T::AccountId, amount: BalanceOf<T>, reason: SlashReason },
		/// An operator stopped taking work.
		Chilled { who: T::AccountId },
		/// A chilled operator resumed taking work.
		Unchilled { who: T::AccountId },
		/// An operator left.
		Deregistered { who: T::AccountId },
		/// Governance set the minimum bond of `role`.
		MinBondSet { role: Role, amount: BalanceOf<T> },
		/// The operators chose the validator set of session `session` (`count` validators).
		ValidatorsChosen { session: u32, count: u32 },
		/// `who` lost `role` to a newcomer with a larger bond (the role was full).
		PushedOut { who: T::AccountId, role: Role },
		/// Governance removed `who` from every role; its bond is unbonding.
		ForceDeregistered { who: T::AccountId },
		/// An operator proposed `worker` as the account its node signs market work with; it
		/// takes effect when `worker` accepts.
		WorkerProposed {
			/// The operator.
			who: T::AccountId,
			/// The proposed worker account.
			worker: T::AccountId,
		},
		/// The account an operator's node signs market work with changed (`None`: the
		/// operator's own).
		WorkerSet {
			/// The operator.
			who: T::AccountId,
			/// The worker account, if any.
			worker: Option<T::AccountId>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is not an operator.
		NotOperator,
		/// The account is already an operator.
		AlreadyRegistered,
		/// No role was given.
		NoRoles,
		/// The role set names a role that does not exist.
		InvalidRoles,
		/// The role already has [`Config::MaxOperatorsPerRole`] operators, none of them with a
		/// smaller bond than the one offered.
		TooManyOperators,
		/// The name is longer than [`Config::MaxNameLen`].
		NameTooLong,
		/// The endpoint is longer than [`Config::MaxEndpointLen`].
		EndpointTooLong,
		/// The amount is zero.
		ZeroAmount,
		/// The bond would be below the minimum of one of the operator's roles.
		BondBelowMinimum,
		/// The account's free balance cannot cover the bond.
		InsufficientBalance,
		/// Unbonding more than is bonded.
		InsufficientBond,
		/// The operator already has [`Config::MaxUnlockingChunks`] unbonding chunks.
		TooManyUnlockingChunks,
		/// No unbonding chunk has reached its unlock block yet.
		NothingToWithdraw,
		/// An operator must declare at least one concurrent job.
		ZeroConcurrency,
		/// The capabilities list a model twice.
		DuplicateModel,
		/// The operator is already chilled.
		AlreadyChilled,
		/// The operator is not chilled.
		NotChilled,
		/// The operator still has funds bonded or unbonding.
		StillBonded,
		/// A balance computation overflowed.
		Overflow,
		/// The worker named is an operator itself (an operator cannot be another's worker).
		WorkerIsOperator,
		/// The worker named already acts for another operator.
		WorkerInUse,
		/// The account is another operator's worker and cannot be an operator itself.
		AccountIsWorker,
		/// The operator did not propose the caller as its worker.
		NotProposed,
		/// The operator was punished for an offence and stays chilled until the block its
		/// punishment ends (an unbonding period after it).
		Punished,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as an operator of `roles`, holding `bond` of its free balance.
		///
		/// - **Dispatch origin**: signed.
		/// - **Details**: `bond` must be at least the largest minimum of `roles` (and not zero),
		///   so registering is never free. A full role admits the caller if its bond is larger
		///   than the smallest bond in the role: that operator is pushed out of the role (see the
		///   module docs). An operator left with no role (pushed out, or forcibly deregistered)
		///   may register again; its unbonding funds stay as they are.
		/// - **Errors**: [`Error::AlreadyRegistered`], [`Error::NoRoles`], [`Error::InvalidRoles`],
		///   [`Error::NameTooLong`], [`Error::EndpointTooLong`], [`Error::ZeroAmount`],
		///   [`Error::BondBelowMinimum`], [`Error::TooManyOperators`],
		///   [`Error::InsufficientBalance`].
		/// - **Events**: [`Event::PushedOut`] for each operator pushed out, [`Event::Registered`],
		///   [`Event::Bonded`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(roles.iter().count() as u32))]
		pub fn register(
			origin: OriginFor<T>,
			roles: RoleSet,
			metadata: OperatorMetadataInput,
			#[pallet::compact] bond: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let full = Self::do_register(&who, roles, metadata, bond)?;
			// The caller pays for the full roles it looked through, not for every role named.
			Ok(Some(T::WeightInfo::register(full)).into())
		}

		/// Put `amount` more of the caller's free balance on its bond.
		///
		/// - **Dispatch origin**: signed, a registered operator with a role.
		/// - **Errors**: [`Error::NotOperator`] (also without a role), [`Error::ZeroAmount`],
		///   [`Error::BondBelowMinimum`] (the new total is below a role minimum),
		///   [`Error::InsufficientBalance`].
		/// - **Events**: [`Event::Bonded`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond(&who, amount)
		}

		/// Start unbonding `amount`; it stays on hold, and slashable, for
		/// [`Config::UnbondingPeriod`] blocks.
		///
		/// - **Dispatch origin**: signed, a registered operator.
		/// - **Details**: the bond left must be zero or at least the minimum of every role held.
		/// - **Errors**: [`Error::NotOperator`], [`Error::ZeroAmount`], [`Error::InsufficientBond`],
		///   [`Error::BondBelowMinimum`], [`Error::TooManyUnlockingChunks`].
		/// - **Events**: [`Event::Unbonded`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut operator = Operators::<T>::get(&who).ok_or(Error::<T>::NotOperator)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			ensure!(amount <= operator.bonded, Error::<T>::InsufficientBond);
			let remaining = operator.bonded.saturating_sub(amount);
			ensure!(
				remaining.is_zero() || remaining >= Self::required_bond(operator.roles),
				Error::<T>::BondBelowMinimum
			);
			let unlock_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			match operator.unlocking.iter_mut().find(|chunk| chunk.unlock_at == unlock_at) {
				Some(chunk) => {
					chunk.value = chunk.value.checked_add(&amount).ok_or(Error::<T>::Overflow)?
				},
				None => operator
					.unlocking
					.try_push(UnlockChunk { value: amount, unlock_at })
					.map_err(|_| Error::<T>::TooManyUnlockingChunks)?,
			}
			operator.bonded = remaining;
			Operators::<T>::insert(&who, operator);
			Self::deposit_event(Event::Unbonded { who, amount, unlock_at });
			Ok(())
		}

		/// Release every unbonding chunk whose unlock block has come.
		///
		/// - **Dispatch origin**: signed, a registered operator.
		/// - **Errors**: [`Error::NotOperator`], [`Error::NothingToWithdraw`].
		/// - **Events**: [`Event::Withdrawn`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut operator = Operators::<T>::get(&who).ok_or(Error::<T>::NotOperator)?;
			let now = frame_system::Pallet::<T>::block_number();
			let mut amount = BalanceOf::<T>::zero();
			operator.unlocking.retain(|chunk| {
				let due = chunk.unlock_at <= now;
				if due {
					amount = amount.saturating_add(chunk.value);
				}
				!due
			});
			ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
			T::Currency::release(&HoldReason::OperatorBond.into(), &who, amount, Precision::Exact)?;
			Operators::<T>::insert(&who, operator);
			Self::deposit_event(Event::Withdrawn { who, amount });
			Ok(())
		}

		/// Declare the models served, the jobs run at once, and whether there is an accelerator.
		///
		/// - **Dispatch origin**: signed, a registered operator.
		/// - **Errors**: [`Error::NotOperator`], [`Error::ZeroConcurrency`],
		///   [`Error::DuplicateModel`].
		/// - **Events**: [`Event::CapabilitiesSet`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_capabilities(
			T::MaxModelsServed::get(),
			caps.models.len() as u32,
		))]
		pub fn set_capabilities(origin: OriginFor<T>, caps: CapabilitiesOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_capabilities(who, caps)
		}

		/// Stop taking new work (and stop being a validator candidate).
		///
		/// - **Dispatch origin**: signed, a registered operator.
		/// - **Errors**: [`Error::NotOperator`], [`Error::AlreadyChilled`].
		/// - **Events**: [`Event::Chilled`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::chill())]
		pub fn chill(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::set_chilled(who, true)
		}

		/// Take work again after [`Pallet::chill`].
		///
		/// - **Dispatch origin**: signed, a registered operator.
		/// - **Errors**: [`Error::NotOperator`], [`Error::NotChilled`].
		/// - **Events**: [`Event::Unchilled`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::unchill())]
		pub fn unchill(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::set_chilled(who, false)
		}

		/// Leave: remove the operator record. Nothing may be bonded or unbonding.
		///
		/// - **Dispatch origin**: signed, a registered operator.
		/// - **Errors**: [`Error::NotOperator`], [`Error::StillBonded`].
		/// - **Events**: [`Event::Deregistered`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::deregister(T::MaxModelsServed::get()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let operator = Operators::<T>::get(&who).ok_or(Error::<T>::NotOperator)?;
			ensure!(
				operator.bonded.is_zero() && operator.unlocking.is_empty(),
				Error::<T>::StillBonded
			);
			for role in operator.roles.iter() {
				RoleMembers::<T>::remove(role, &who);
				RoleCounts::<T>::mutate(role, |count| *count = count.saturating_sub(1));
			}
			for model in operator.capabilities.models.iter() {
				ModelOperators::<T>::remove(model, &who);
				ModelVerifiers::<T>::remove(model, &who);
			}
			Self::remove_worker(&who);
			ProposedWorkers::<T>::remove(&who);
			PunishedUntil::<T>::remove(&who);
			Operators::<T>::remove(&who);
			Self::deposit_event(Event::Deregistered { who });
			Ok(())
		}

		/// Set the minimum bond of `role`. Operators below a new minimum stay registered but are
		/// no longer active for the role until they bond more.
		///
		/// - **Dispatch origin**: [`Config::MinBondOrigin`].
		/// - **Events**: [`Event::MinBondSet`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_min_bond())]
		pub fn set_min_bond(
			origin: OriginFor<T>,
			role: Role,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			T::MinBondOrigin::ensure_origin(origin)?;
			MinBond::<T>::insert(role, amount);
			Self::deposit_event(Event::MinBondSet { role, amount });
			Ok(())
		}

		/// Remove `who` from every role: it takes no more work, is no validator candidate, and
		/// its whole bond starts unbonding (slashable until it unlocks, so the jobs it holds
		/// still answer to it).
		///
		/// - **Dispatch origin**: [`Config::ForceOrigin`].
		/// - **Details**: the record stays while funds are unbonding; the operator withdraws them
		///   and deregisters as usual, or registers again.
		/// - **Errors**: [`Error::NotOperator`] (also for an operator that has no role left).
		/// - **Events**: [`Event::ForceDeregistered`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::force_deregister(T::MaxModelsServed::get()))]
		pub fn force_deregister(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::ForceOrigin::ensure_origin(origin)?;
			let mut operator = Operators::<T>::get(&who).ok_or(Error::<T>::NotOperator)?;
			ensure!(!operator.roles.is_empty(), Error::<T>::NotOperator);
			for role in operator.roles.iter() {
				Self::drop_role(&who, &mut operator, role);
			}
			Operators::<T>::insert(&who, operator);
			Self::deposit_event(Event::ForceDeregistered { who });
			Ok(())
		}

		/// Propose the account whose key the operator's node will sign its market work with
		/// (results, proofs and declines of the jobs assigned to the operator), or with `None`
		/// sign with the operator's own key again. A proposed worker acts once it accepts
		/// ([`Pallet::accept_worker`]): nobody can make another's key its worker. The worker
		/// acts for the operator in those calls only: the operator is paid and slashed, and a
		/// node that loses the worker key cannot unbond, transfer or change the operator's
		/// record with it.
		///
		/// - **Dispatch origin**: signed, a registered operator.
		/// - **Details**: `None` removes the worker and any proposal at once. A proposal
		///   replaces an earlier one; the current worker acts until the new one accepts.
		/// - **Errors**: [`Error::NotOperator`], [`Error::WorkerIsOperator`],
		///   [`Error::WorkerInUse`].
		/// - **Events**: [`Event::WorkerProposed`], or [`Event::WorkerSet`] for `None`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::set_worker())]
		pub fn set_worker(origin: OriginFor<T>, worker: Option<T::AccountId>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Operators::<T>::contains_key(&who), Error::<T>::NotOperator);
			match worker {
				Some(worker) => {
					Self::ensure_free_worker(&who, &worker)?;
					ProposedWorkers::<T>::insert(&who, &worker);
					Self::deposit_event(Event::WorkerProposed { who, worker });
				},
				None => {
					ProposedWorkers::<T>::remove(&who);
					Self::remove_worker(&who);
					Self::deposit_event(Event::WorkerSet { who, worker: None });
				},
			}
			Ok(())
		}

		/// Accept to be `operator`'s worker, as it proposed ([`Pallet::set_worker`]); replaces
		/// its previous worker.
		///
		/// - **Dispatch origin**: signed, the proposed worker.
		/// - **Errors**: [`Error::NotProposed`], [`Error::WorkerIsOperator`],
		///   [`Error::WorkerInUse`].
		/// - **Events**: [`Event::WorkerSet`].
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::accept_worker())]
		pub fn accept_worker(origin: OriginFor<T>, operator: T::AccountId) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			ensure!(
				ProposedWorkers::<T>::get(&operator).as_ref() == Some(&worker),
				Error::<T>::NotProposed
			);
			Self::ensure_free_worker(&operator, &worker)?;
			ProposedWorkers::<T>::remove(&operator);
			Self::remove_worker(&operator);
			Workers::<T>::insert(&operator, &worker);
			WorkerOf::<T>::insert(&worker, &operator);
			Self::deposit_event(Event::WorkerSet { who: operator, worker: Some(worker) });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The bond an operator of `roles` must keep: the largest minimum among them.
	pub fn required_bond(roles: RoleSet) -> BalanceOf<T> {
		roles.iter().map(MinBond::<T>::get).max().unwrap_or_else(Zero::zero)
	}

	fn do_register(
		who: &T::AccountId,
		roles: RoleSet,
		metadata: OperatorMetadataInput,
		bond: BalanceOf<T>,
	) -> Result<u32, sp_runtime::DispatchError> {
		use frame_support::ensure;
		// An operator left without roles (pushed out, forcibly deregistered) comes back with
		// its unbonding funds as they are.
		let previous = Operators::<T>::get(who);
		ensure!(
			previous.as_ref().is_none_or(|operator| operator.roles.is_empty()),
			Error::<T>::AlreadyRegistered
		);
		ensure!(!WorkerOf::<T>::contains_key(who), Error::<T>::AccountIsWorker);
		ensure!(!roles.is_empty(), Error::<T>::NoRoles);
		ensure!(roles.is_valid(), Error::<T>::InvalidRoles);
		let metadata = OperatorMetadata::<T> {
			name: metadata.name.into_inner().try_into().map_err(|_| Error::<T>::NameTooLong)?,
			endpoint: metadata
				.endpoint
				.into_inner()
				.try_into()
				.map_err(|_| Error::<T>::EndpointTooLong)?,
		};
		ensure!(!bond.is_zero(), Error::<T>::ZeroAmount);
		ensure!(bond >= Self::required_bond(roles), Error::<T>::BondBelowMinimum);
		let mut pushed_out: Vec<(T::AccountId, Role)> = Vec::new();
		let mut full = 0u32;
		for role in roles.iter() {
			if RoleCounts::<T>::get(role) < T::MaxOperatorsPerRole::get() {
				continue;
			}
			full = full.saturating_add(1);
			let smallest = Self::smallest_member(role).filter(|(_, smallest)| *smallest < bond);
			let (member, _) = smallest.ok_or(Error::<T>::TooManyOperators)?;
			pushed_out.push((member, role));
		}
		T::Currency::hold(&HoldReason::OperatorBond.into(), who, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		// Nothing fails from here on.
		for (member, role) in pushed_out {
			if let Some(mut operator) = Operators::<T>::get(&member) {
				Self::drop_role(&member, &mut operator, role);
				Operators::<T>::insert(&member, operator);
				Self::deposit_event(Event::PushedOut { who: member, role });
			}
		}
		for role in roles.iter() {
			RoleMembers::<T>::insert(role, who, ());
			RoleCounts::<T>::mutate(role, |count| *count = count.saturating_add(1));
		}
		Operators::<T>::insert(
			who,
			Operator {
				roles,
				metadata,
				capabilities: Default::default(),
				bonded: bond,
				unlocking: previous.map(|operator| operator.unlocking).unwrap_or_default(),
				chilled: false,
			},
		);
		Self::deposit_event(Event::Registered { who: who.clone(), roles });
		Self::deposit_event(Event::Bonded { who: who.clone(), amount: bond });
		Ok(full)
	}

	/// Checks that `worker` may act for `operator`: it is no operator, nor another's worker.
	fn ensure_free_worker(
		operator: &T::AccountId,
		worker: &T::AccountId,
	) -> frame_support::dispatch::DispatchResult {
		frame_support::ensure!(!Operators::<T>::contains_key(worker), Error::<T>::WorkerIsOperator);
		frame_support::ensure!(
			WorkerOf::<T>::get(worker).is_none_or(|of| of == *operator),
			Error::<T>::WorkerInUse
		);
		Ok(())
	}

	/// Forgets the worker `who` named, if any.
	fn remove_worker(who: &T::AccountId) {
		if let Some(worker) = Workers::<T>::take(who) {
			WorkerOf::<T>::remove(worker);
		}
	}

	/// The operator of `role` with the smallest bond (the latest account among equals), and its
	/// bond: who a newcomer with a larger bond pushes out of a full role.
	fn smallest_member(role: Role) -> Option<(T::AccountId, BalanceOf<T>)> {
		RoleMembers::<T>::iter_key_prefix(role)
			.filter_map(|who| Operators::<T>::get(&who).map(|operator| (who, operator.bonded)))
			.min_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
	}

	/// Takes `role` from `operator` (the record of `who`, which the caller stores): its indexes,
	/// and for `Inference` and `Verifier` the models it serves. An operator left with no role has its bond
	/// moved to unbonding, in a new chunk or, when it has as many as it may, the latest one.
	fn drop_role(who: &T::AccountId, operator: &mut OperatorOf<T>, role: Role) {
		if !operator.roles.contains(role) {
			return;
		}
		operator.roles = operator.roles.without(role);
		RoleMembers::<T>::remove(role, who);
		RoleCounts::<T>::mutate(role, |count| *count = count.saturating_sub(1));
		for model in operator.capabilities.models.iter() {
			match role {
				Role::Inference => ModelOperators::<T>::remove(model, who),
				Role::Verifier => ModelVerifiers::<T>::remove(model, who),
				Role::Validator | Role::Oracle => {},
			}
		}
		if !operator.roles.is_empty() || operator.bonded.is_zero() {
			return;
		}
		let value = core::mem::take(&mut operator.bonded);
		let unlock_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		if let Err(chunk) = operator.unlocking.try_push(UnlockChunk { value, unlock_at }) {
			// Every chunk slot is taken: the latest chunk takes the value and the later unlock.
			if let Some(last) = operator.unlocking.last_mut() {
				last.value = last.value.saturating_add(chunk.value);
				last.unlock_at = last.unlock_at.max(chunk.unlock_at);
			}
		}
		Self::deposit_event(Event::Unbonded { who: who.clone(), amount: value, unlock_at });
	}

	/// Replaces `who`'s capabilities with `caps` (see [`Pallet::set_capabilities`]).
	pub(crate) fn do_set_capabilities(
		who: T::AccountId,
		caps: CapabilitiesOf<T>,
	) -> frame_support::dispatch::DispatchResult {
		let mut operator = Operators::<T>::get(&who).ok_or(Error::<T>::NotOperator)?;
		frame_support::ensure!(caps.max_concurrent_jobs > 0, Error::<T>::ZeroConcurrency);
		let mut sorted: Vec<ModelId> = caps.models.to_vec();
		sorted.sort();
		sorted.dedup();
		frame_support::ensure!(sorted.len() == caps.models.len(), Error::<T>::DuplicateModel);
		for model in operator.capabilities.models.iter() {
			ModelOperators::<T>::remove(model, &who);
			ModelVerifiers::<T>::remove(model, &who);
		}
		// Only inference and verifier operators are indexed, each role apart: the indexes are
		// what job assignment reads, so each stays bounded by its role's size.
		for model in caps.models.iter() {
			if operator.roles.contains(Role::Inference) {
				ModelOperators::<T>::insert(model, &who, ());
			}
			if operator.roles.contains(Role::Verifier) {
				ModelVerifiers::<T>::insert(model, &who, ());
			}
		}
		operator.capabilities = caps;
		Operators::<T>::insert(&who, operator);
		Self::deposit_event(Event::CapabilitiesSet { who });
		Ok(())
	}

	fn do_bond(
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> frame_support::dispatch::DispatchResult {
		let mut operator = Operators::<T>::get(who).ok_or(Error::<T>::NotOperator)?;
		// An operator pushed out of every role registers again to bond.
		frame_support::ensure!(!operator.roles.is_empty(), Error::<T>::NotOperator);
		frame_support::ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let bonded = operator.bonded.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		frame_support::ensure!(
			bonded >= Self::required_bond(operator.roles),
			Error::<T>::BondBelowMinimum
		);
		T::Currency::hold(&HoldReason::OperatorBond.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		operator.bonded = bonded;
		Operators::<T>::insert(who, operator);
		Self::deposit_event(Event::Bonded { who: who.clone(), amount });
		Ok(())
	}

	fn set_chilled(who: T::AccountId, chilled: bool) -> frame_support::dispatch::DispatchResult {
		let mut operator = Operators::<T>::get(&who).ok_or(Error::<T>::NotOperator)?;
		if chilled {
			frame_support::ensure!(!operator.chilled, Error::<T>::AlreadyChilled);
		} else {
			frame_support::ensure!(operator.chilled, Error::<T>::NotChilled);
			let now = frame_system::Pallet::<T>::block_number();
			frame_support::ensure!(
				PunishedUntil::<T>::get(&who).is_none_or(|until| now >= until),
				Error::<T>::Punished
			);
			PunishedUntil::<T>::remove(&who);
		}
		operator.chilled = chilled;
		Operators::<T>::insert(&who, operator);
		Self::deposit_event(if chilled {
			Event::Chilled { who }
		} else {
			Event::Unchilled { who }
		});
		Ok(())
	}

	fn is_active_operator(operator: &OperatorOf<T>, role: Role) -> bool {
		operator.roles.contains(role)
			&& !operator.chilled
			&& !operator.bonded.is_zero()
			&& operator.bonded >= MinBond::<T>::get(role)
	}

	/// The next validator set: active validators with session keys, the largest bonds first
	/// (ties broken by account), at most [`Config::MaxValidators`]; `None` if fewer than
	/// [`Config::MinValidators`] qualify.
	pub fn select_validators() -> Option<Vec<T::AccountId>> {
		let mut candidates: Vec<(BalanceOf<T>, T::AccountId)> =
			RoleMembers::<T>::iter_key_prefix(Role::Validator)
				.filter(T::HasSessionKeys::contains)
				.filter_map(|who| {
					let operator = Operators::<T>::get(&who)?;
					Self::is_active_operator(&operator, Role::Validator)
						.then_some((operator.bonded, who))
				})
				.collect();
		candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
		candidates.truncate(T::MaxValidators::get() as usize);
		if (candidates.len() as u32) < T::MinValidators::get() {
			return None;
		}
		Some(candidates.into_iter().map(|(_, who)| who).collect())
	}

	/// Takes up to `amount` of `who`'s bond, the active bond first, then unbonding chunks from the
	/// latest; moves it to the treasury. Free balance is never touched.
	fn do_slash(who: &T::AccountId, amount: BalanceOf<T>, reason: SlashReason) -> BalanceOf<T> {
		Self::do_slash_paying(who, amount, reason, &[])
	}

	/// As [`Self::do_slash`], paying what is taken to each of `payees` up to its amount, in
	/// order, while it lasts, and the rest to the treasury (as a payee's part that cannot be
	/// paid to it, an account below the existential deposit). One `Slashed` event.
	fn do_slash_paying(
		who: &T::AccountId,
		amount: BalanceOf<T>,
		reason: SlashReason,
		payees: &[(T::AccountId, BalanceOf<T>)],
	) -> BalanceOf<T> {
		let Some(mut operator) = Operators::<T>::get(who) else { return Zero::zero() };
		let wanted = amount.min(operator.total_held());
		if wanted.is_zero() {
			return Zero::zero();
		}
		let treasury = T::Treasury::get();
		let pay = |to: &T::AccountId, amount: BalanceOf<T>| -> BalanceOf<T> {
			if amount.is_zero() {
				return Zero::zero();
			}
			let move_to = |to: &T::AccountId| {
				T::Currency::transfer_on_hold(
					&HoldReason::OperatorBond.into(),
					who,
					to,
					amount,
					Precision::BestEffort,
					Restriction::Free,
					Fortitude::Force,
				)
			};
			move_to(to).or_else(|_| move_to(&treasury)).unwrap_or_else(|error| {
				log::error!(target: LOG_TARGET, "slash of {amount:?} from {who:?} failed: {error:?}");
				Zero::zero()
			})
		};
		let mut left = wanted;
		for (to, part) in payees {
			let paid = pay(to, (*part).min(left));
			left = left.saturating_sub(paid);
		}
		let paid = pay(&treasury, left);
		left = left.saturating_sub(paid);
		let taken = wanted.saturating_sub(left);
		let mut rest = taken;
		let from_bond = rest.min(operator.bonded);
		operator.bonded = operator.bonded.saturating_sub(from_bond);
		rest = rest.saturating_sub(from_bond);
		for chunk in operator.unlocking.iter_mut().rev() {
			let from_chunk = rest.min(chunk.value);
			chunk.value = chunk.value.saturating_sub(from_chunk);
			rest = rest.saturating_sub(from_chunk);
		}
		operator.unlocking.retain(|chunk| !chunk.value.is_zero());
		Operators::<T>::insert(who, operator);
		Self::deposit_event(Event::Slashed { who: who.clone(), amount: taken, reason });
		taken
	}

	/// Punishes a validator the offences machinery found guilty of an offence in `session`: it
	/// loses `fraction` of its bond (bonded and unbonding) — only what the session's earlier
	/// offences did not already take, so a session costs its worst offence — and is chilled
	/// for an unbonding period: no candidate for the validator set (the session pallet disables
	/// it for the rest of the current session). Returns what was slashed.
	pub fn punish_validator(who: &T::AccountId, fraction: Perbill, session: u32) -> BalanceOf<T> {
		let applied = OffenceSlashes::<T>::get(who, session);
		let slashed = if fraction > applied {
			OffenceSlashes::<T>::insert(who, session, fraction);
			let extra = fraction.saturating_sub(applied);
			<Self as Slash<_, _>>::slash_fraction(who, extra, SlashReason::Equivocation)
		} else {
			Zero::zero()
		};
		if let Some(mut operator) = Operators::<T>::get(who) {
			let until =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			PunishedUntil::<T>::insert(who, until);
			if !operator.chilled {
				operator.chilled = true;
				Operators::<T>::insert(who, operator);
				Self::deposit_event(Event::Chilled { who: who.clone() });
			}
		}
		slashed
	}

	/// The operator record of `who`, as clients see it.
	pub fn operator_view(
		who: &T::AccountId,
	) -> Option<OperatorView<BalanceOf<T>, BlockNumberFor<T>>> {
		Operators::<T>::get(who).map(|operator| {
			let active_roles = RoleSet::of(
				&operator
					.roles
					.iter()
					.filter(|role| Self::is_active_operator(&operator, *role))
					.collect::<Vec<_>>(),
			);
			OperatorView {
				roles: operator.roles,
				active_roles,
				name: operator.metadata.name.into_inner(),
				endpoint: operator.metadata.endpoint.into_inner(),
				bonded: operator.bonded,
				unlocking: operator.unlocking.iter().map(|c| (c.value, c.unlock_at)).collect(),
				chilled: operator.chilled,
				capabilities: operator.capabilities.view(),
			}
		})
	}

	/// The operator a node key signs market work for: the operator that named `key` its worker,
	/// else `key` itself if it is an operator.
	pub fn operator_for_key(key: T::AccountId) -> Option<T::AccountId> {
		WorkerOf::<T>::get(&key).or_else(|| Operators::<T>::contains_key(&key).then_some(key))
	}

	/// The operators registered for `role`, with their bond.
	pub fn operators_of(role: Role) -> Vec<(T::AccountId, BalanceOf<T>)> {
		RoleMembers::<T>::iter_key_prefix(role)
			.filter_map(|who| Operators::<T>::get(&who).map(|operator| (who, operator.bonded)))
			.collect()
	}

	/// Checks the pallet's invariants:
	/// - every operator's bond hold equals its bond plus its unbonding chunks;
	/// - an account is in [`RoleMembers`] for a role exactly when its record holds the role, and
	///   [`RoleCounts`] counts them;
	/// - an account is in [`ModelOperators`] for a model exactly when its capabilities list it;
	/// - no operator has an invalid role set or a zero-valued unbonding chunk, and one with no
	///   role (pushed out or forcibly deregistered) has nothing bonded;
	/// - [`Workers`] and [`WorkerOf`] mirror each other, every worker acts for a registered
	///   operator and no worker is an operator itself; every proposal is an operator's.
	///
	/// Compiled into native builds (so the tests of neighbouring pallets and of the runtime can
	/// check it) and into try-runtime builds.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::ensure;
		let mut counts = [0u32; 4];
		let mut model_entries = 0usize;
		let mut verifier_entries = 0usize;
		for (who, operator) in Operators::<T>::iter() {
			ensure!(operator.roles.is_valid(), "operator with invalid roles");
			ensure!(
				!operator.roles.is_empty() || operator.bonded.is_zero(),
				"an operator without roles keeps a bond"
			);
			ensure!(
				operator.unlocking.iter().all(|chunk| !chunk.value.is_zero()),
				"empty unbonding chunk"
			);
			let held = T::Currency::balance_on_hold(&HoldReason::OperatorBond.into(), &who);
			ensure!(held == operator.total_held(), "bond hold differs from the recorded bond");
			for (index, role) in Role::ALL.iter().enumerate() {
				let member = RoleMembers::<T>::contains_key(role, &who);
				ensure!(member == operator.roles.contains(*role), "role index out of step");
				if member {
					if let Some(count) = counts.get_mut(index) {
						*count = count.saturating_add(1);
					}
				}
			}
			if operator.roles.contains(Role::Inference) {
				for model in operator.capabilities.models.iter() {
					ensure!(
						ModelOperators::<T>::contains_key(model, &who),
						"model index misses an operator"
					);
				}
				model_entries = model_entries.saturating_add(operator.capabilities.models.len());
			}
			if operator.roles.contains(Role::Verifier) {
				for model in operator.capabilities.models.iter() {
					ensure!(
						ModelVerifiers::<T>::contains_key(model, &who),
						"verifier index misses an operator"
					);
				}
				verifier_entries =
					verifier_entries.saturating_add(operator.capabilities.models.len());
			}
		}
		for (index, role) in Role::ALL.iter().enumerate() {
			ensure!(
				counts.get(index).copied() == Some(RoleCounts::<T>::get(role)),
				"role count out of step"
			);
			ensure!(
				RoleMembers::<T>::iter_key_prefix(role).count() as u32
					== RoleCounts::<T>::get(role),
				"role index has strangers"
			);
		}
		ensure!(ModelOperators::<T>::iter().count() == model_entries, "model index has strangers");
		ensure!(
			ModelVerifiers::<T>::iter().count() == verifier_entries,
			"verifier index has strangers"
		);
		for (who, worker) in Workers::<T>::iter() {
			ensure!(Operators::<T>::contains_key(&who), "a worker acts for no operator");
			ensure!(!Operators::<T>::contains_key(&worker), "a worker is an operator");
			ensure!(WorkerOf::<T>::get(&worker) == Some(who), "worker index out of step");
		}
		ensure!(
			WorkerOf::<T>::iter().count() == Workers::<T>::iter().count(),
			"worker index has strangers"
		);
		for who in ProposedWorkers::<T>::iter_keys() {
			ensure!(Operators::<T>::contains_key(&who), "a worker proposed by no operator");
		}
		Ok(())
	}
}

impl<T: Config> Slash<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn slash(who: &T::AccountId, amount: BalanceOf<T>, reason: SlashReason) -> BalanceOf<T> {
		Self::do_slash(who, amount, reason)
	}

	fn slash_fraction(who: &T::AccountId, fraction: Perbill, reason: SlashReason) -> BalanceOf<T> {
		Self::slash_fraction_paying(who, fraction, reason, &[])
	}

	fn slash_fraction_paying(
		who: &T::AccountId,
		fraction: Perbill,
		reason: SlashReason,
		payees: &[(T::AccountId, BalanceOf<T>)],
	) -> BalanceOf<T> {
		let total = Operators::<T>::get(who).map(|o| o.total_held()).unwrap_or_else(Zero::zero);
		Self::do_slash_paying(who, fraction.mul_floor(total), reason, payees)
	}
}

impl<T: Config> RoleInspect<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn is_active(who: &T::AccountId, role: Role) -> bool {
		Operators::<T>::get(who).is_some_and(|operator| Self::is_active_operator(&operator, role))
	}

	fn bond_of(who: &T::AccountId) -> BalanceOf<T> {
		Operators::<T>::get(who).map(|operator| operator.bonded).unwrap_or_else(Zero::zero)
	}

	fn capabilities(who: &T::AccountId) -> Option<CapabilitiesView> {
		Operators::<T>::get(who).map(|operator| operator.capabilities.view())
	}

	fn operator_of_worker(worker: &T::AccountId) -> Option<T::AccountId> {
		WorkerOf::<T>::get(worker)
	}

	fn eligible_for_model(model: &ModelId) -> Vec<(T::AccountId, BalanceOf<T>, u32)> {
		Self::eligible_for_model_counted(model).0
	}

	fn eligible_for_model_counted(
		model: &ModelId,
	) -> (Vec<(T::AccountId, BalanceOf<T>, u32)>, u32) {
		Self::serving_model(model, Role::Inference)
	}

	fn serving_model(model: &ModelId, role: Role) -> (Vec<(T::AccountId, BalanceOf<T>, u32)>, u32) {
		let mut listed = 0u32;
		let index = match role {
			Role::Inference => ModelOperators::<T>::iter_key_prefix(model),
			Role::Verifier => ModelVerifiers::<T>::iter_key_prefix(model),
			Role::Validator | Role::Oracle => return (Vec::new(), 0),
		};
		let eligible = index
			.filter_map(|who| {
				listed = listed.saturating_add(1);
				let operator = Operators::<T>::get(&who)?;
				Self::is_active_operator(&operator, role).then_some((
					who,
					operator.bonded,
					operator.capabilities.max_concurrent_jobs,
				))
			})
			.collect();
		(eligible, listed)
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: u32) -> Option<Vec<T::AccountId>> {
		let chosen = Self::select_validators();
		match &chosen {
			Some(set) => Self::deposit_event(Event::ValidatorsChosen {
				session: new_index,
				count: set.len() as u32,
			}),
			None => log::info!(
				target: LOG_TARGET,
				"session {new_index}: fewer than {} validator candidates, keeping the set",
				T::MinValidators::get()
			),
		}
		chosen
	}

	fn end_session(_: u32) {}

	fn start_session(_: u32) {}
}

/// The keys that act for the active operators of role `R`, sorted: each operator's worker
/// account if it named one, else the operator itself — one key an operator, so nobody counts
/// twice. The runtime's `pallet-oracle` takes its members from here (`R` = `Oracle`): an
/// operator that is chilled, deregistered, pushed out or unbonded below the role's minimum
/// stops counting at once, and so does a worker key the operator replaced.
pub struct ActiveKeys<T, R>(core::marker::PhantomData<(T, R)>);

impl<T: Config, R: Get<Role>> ActiveKeys<T, R> {
	/// The operator `key` acts for, if that operator is active in `R`'s role.
	fn active_operator(key: &T::AccountId) -> Option<T::AccountId> {
		let operator = match WorkerOf::<T>::get(key) {
			Some(operator) => operator,
			// An operator that named a worker key acts only through it.
			None if Workers::<T>::contains_key(key) => return None,
			None => key.clone(),
		};
		<Pallet<T> as RoleInspect<_, _>>::is_active(&operator, R::get()).then_some(operator)
	}
}

impl<T: Config, R: Get<Role>> frame_support::traits::SortedMembers<T::AccountId>
	for ActiveKeys<T, R>
{
	fn sorted_members() -> Vec<T::AccountId> {
		let role = R::get();
		let mut keys: Vec<T::AccountId> = RoleMembers::<T>::iter_key_prefix(role)
			.filter(|operator| <Pallet<T> as RoleInspect<_, _>>::is_active(operator, role))
			.map(|operator| Workers::<T>::get(&operator).unwrap_or(operator))
			.collect();
		keys.sort();
		keys
	}

	fn contains(key: &T::AccountId) -> bool {
		Self::active_operator(key).is_some()
	}

	fn count() -> usize {
		Self::sorted_members().len()
	}

	/// Registers `key` as an operator of `R`'s role with the least bond it needs (benchmarks).
	#[cfg(feature = "runtime-benchmarks")]
	fn add(key: &T::AccountId) {
		use frame_support::traits::fungible::Mutate;
		let role = R::get();
		let bond = MinBond::<T>::get(role).max(<BalanceOf<T> as sp_runtime::traits::One>::one());
		let _ = T::Currency::mint_into(key, bond.saturating_mul(2u32.into()));
		let metadata =
			OperatorMetadataInput { name: Default::default(), endpoint: Default::default() };
		let _ = Pallet::<T>::do_register(key, RoleSet::of(&[role]), metadata, bond);
	}
}
