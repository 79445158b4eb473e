//! # Feeds pallet
//!
//! The registry of Verity's oracle feeds: what each feed of FRAME's `pallet-oracle` measures.
//!
//! ## Overview
//!
//! Oracle operators bring outside data on chain through FRAME's `pallet-oracle`: each active
//! `Oracle` operator of `pallet-operators` reports values by feed id (`feed_values`), and the
//! oracle combines the recent reports of a feed into its median. That pallet knows ids and
//! integers only. This one says what a feed is ([`Feed`]: a description, a unit and a decimal
//! scale), who created it, and how many reports make a value and how old a value may be before
//! nobody may use it ([`Params`]). It reads the oracle's combined values through
//! [`CombinedValue`] and serves them to the job market as [`FeedInspect`] readings, which a
//! job freezes into itself as its input's provenance.
//!
//! ## Terms
//!
//! - *Feed*: an id (numbered from zero, never reused), a description, a unit and `decimals`: a
//!   value `v` stands for `v × 10^-decimals` units.
//! - *Creator*: a signed account holds [`Config::FeedDeposit`] ([`HoldReason::FeedDeposit`])
//!   while its feed exists; governance ([`Config::AdminOrigin`]) creates feeds without one.
//! - *Report*: one oracle's value of a feed, timestamped with its block's time.
//! - *Combined value*: the median of the reports younger than [`FeedParams::max_age`], once at
//!   least [`FeedParams::min_reports`] of them exist (the runtime plugs [`MinReports`] and
//!   [`MaxAge`] into the oracle's `DefaultCombineData`). Until enough fresh reports arrive the
//!   previous combined value stays, with its old timestamp.
//! - *Reading*: a combined value with its decimals, its timestamp and the last block an oracle
//!   reported the feed. A value older than `max_age` is *stale*: no job may be built on it.
//!
//! ## Usage
//!
//! `create_feed(description, unit, decimals)`; `remove_feed(feed)` by its creator or by
//! governance; `set_params(min_reports, max_age)` by governance. The runtime admits oracle
//! reports only for registered feeds (its call filter asks [`Pallet::is_registered`]).

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

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::Precision,
		Get, Time,
	},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::traits::Zero;
use verity_primitives::{
	FeedError, FeedId, FeedInspect, FeedReading, FeedValue, MAX_FEED_DECIMALS,
};

/// The balance type of the token deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A description or a unit, at most [`Config::MaxTextLen`] bytes.
pub type TextOf<T> = BoundedVec<u8, <T as Config>::MaxTextLen>;

/// What a feed is.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Feed<T: Config> {
	/// Who created it and holds its deposit; `None` for a feed governance created.
	pub creator: Option<T::AccountId>,
	/// What is held from the creator.
	pub deposit: BalanceOf<T>,
	/// What it measures (UTF-8).
	pub description: TextOf<T>,
	/// The unit of its values (UTF-8, e.g. `USD`, `°C`).
	pub unit: TextOf<T>,
	/// A value `v` stands for `v × 10^-decimals` units.
	pub decimals: u8,
}

/// A feed of the runtime's configuration.
pub type FeedOf<T> = Feed<T>;

/// How the oracle's reports become values jobs may use.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct FeedParams {
	/// How many fresh reports a combined value needs (at least one).
	pub min_reports: u32,
	/// How old, in milliseconds, a report may be to count, and a combined value to be used.
	pub max_age: u64,
}

impl FeedParams {
	/// Whether the parameters can work: a report is needed, and it lives a while.
	pub fn is_valid(&self) -> bool {
		self.min_reports > 0 && self.max_age > 0
	}
}

impl Default for FeedParams {
	/// Three reports, at most ten minutes old.
	fn default() -> Self {
		FeedParams { min_reports: 3, max_age: 10 * 60 * 1000 }
	}
}

/// A feed as clients see it: what it is, and its current value.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct FeedView<AccountId, Balance, BlockNumber> {
	/// The feed's id.
	pub id: FeedId,
	/// Who created it (`None`: governance).
	pub creator: Option<AccountId>,
	/// What is held from the creator.
	pub deposit: Balance,
	/// What it measures.
	pub description: Vec<u8>,
	/// The unit of its values.
	pub unit: Vec<u8>,
	/// Its decimal scale.
	pub decimals: u8,
	/// Its combined value, if it has one (fresh or not).
	pub reading: Option<FeedReading<BlockNumber>>,
	/// Whether a job may use the value now (it exists and is not stale).
	pub fresh: bool,
}

/// The oracle's combined value of a feed and its timestamp (milliseconds).
pub trait CombinedValue {
	/// The combined value of `feed`, if the oracle has one.
	fn combined(feed: FeedId) -> Option<(FeedValue, u64)>;

	/// Forgets what the oracle holds of `feed` (its combined value and its members' reports),
	/// when the feed is removed.
	fn forget(feed: FeedId);
}

/// FRAME's `pallet-oracle` instance `I` of runtime `R`, keyed by feed id, as the source of
/// combined values.
pub struct OracleOf<R, I = ()>(core::marker::PhantomData<(R, I)>);

impl<R, I> CombinedValue for OracleOf<R, I>
where
	R: pallet_oracle::Config<I, OracleKey = FeedId, OracleValue = FeedValue>,
	I: 'static,
	<<R as pallet_oracle::Config<I>>::Time as Time>::Moment: Into<u64>,
{
	fn combined(feed: FeedId) -> Option<(FeedValue, u64)> {
		pallet_oracle::Pallet::<R, I>::get(&feed).map(|value| (value.value, value.timestamp.into()))
	}

	fn forget(feed: FeedId) {
		use frame_support::traits::SortedMembers;
		use sp_runtime::traits::AccountIdConversion;
		pallet_oracle::Values::<R, I>::remove(feed);
		// The members' reports, and governance's (the oracle's own account). A former member's
		// report stays, unread: the id is never used again.
		let own: R::AccountId =
			<R as pallet_oracle::Config<I>>::PalletId::get().into_account_truncating();
		for who in R::Members::sorted_members().into_iter().chain(core::iter::once(own)) {
			pallet_oracle::RawValues::<R, I>::remove(&who, feed);
		}
	}
}

// FRAME's pallet macros expand to `expect` (storage prefixes, error metadata); the code written
// here has none outside the genesis build, where a bad chain spec must stop the node.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The token deposits are held in.
		type Currency: Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;

		/// What is held from a signed creator for each of its feeds.
		#[pallet::constant]
		type FeedDeposit: Get<BalanceOf<Self>>;

		/// Who creates feeds without a deposit, removes any feed and sets [`Params`]
		/// (governance).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Where combined values come from (the runtime's `pallet-oracle`).
		type Oracle: CombinedValue;

		/// The chain's clock, in milliseconds (the oracle's clock).
		type Time: Time<Moment = u64>;

		/// The longest description or unit.
		#[pallet::constant]
		type MaxTextLen: Get<u32>;

		/// The most feeds the registry holds.
		#[pallet::constant]
		type MaxFeeds: Get<u32>;

		/// The most oracle members (what removing a feed walks to forget their reports).
		#[pallet::constant]
		type MaxOracles: Get<u32>;

		/// The weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Why funds are held.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a feed a signed account created.
		#[codec(index = 0)]
		FeedDeposit,
	}

	/// The registered feeds. `Twox64Concat`: ids are chain-assigned counters, nobody chooses
	/// them.
	#[pallet::storage]
	pub type Feeds<T: Config> = StorageMap<_, Twox64Concat, FeedId, FeedOf<T>>;

	/// The id the next feed gets.
	#[pallet::storage]
	pub type NextFeedId<T: Config> = StorageValue<_, FeedId, ValueQuery>;

	/// How many feeds are registered.
	#[pallet::storage]
	pub type FeedCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// How reports become values jobs may use.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, FeedParams, ValueQuery>;

	/// The last block in which an oracle reported each feed. `Twox64Concat`: chain-assigned
	/// ids.
	#[pallet::storage]
	pub type Reported<T: Config> = StorageMap<_, Twox64Concat, FeedId, BlockNumberFor<T>>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Feeds governance registers at genesis: description, unit, decimals. They get the
		/// ids 0, 1, … in this order.
		pub feeds: Vec<(Vec<u8>, Vec<u8>, u8)>,
		/// The parameters (the default if `None`).
		pub params: Option<FeedParams>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		#[allow(clippy::expect_used)]
		fn build(&self) {
			let params = self.params.unwrap_or_default();
			assert!(params.is_valid(), "genesis feed parameters are valid");
			Params::<T>::put(params);
			for (description, unit, decimals) in &self.feeds {
				let description = TextOf::<T>::try_from(description.clone())
					.expect("a genesis feed's description fits MaxTextLen");
				let unit = TextOf::<T>::try_from(unit.clone())
					.expect("a genesis feed's unit fits MaxTextLen");
				Pallet::<T>::do_create(None, description, unit, *decimals)
					.expect("a genesis feed registers");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A feed was registered.
		FeedCreated {
			/// Its id.
			feed: FeedId,
			/// Who created it (`None`: governance).
			creator: Option<T::AccountId>,
			/// Its decimal scale.
			decimals: u8,
		},
		/// A feed was removed; its id is never used again.
		FeedRemoved {
			/// Its id.
			feed: FeedId,
		},
		/// Governance changed how reports become values.
		ParamsSet {
			/// The new parameters.
			params: FeedParams,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// `decimals` is above 18.
		BadDecimals,
		/// The registry is full.
		TooManyFeeds,
		/// No feed has this id.
		UnknownFeed,
		/// Only the feed's creator or governance may do this.
		NotCreator,
		/// `min_reports` or `max_age` is zero.
		BadParams,
		/// The creator's free balance cannot cover the deposit.
		InsufficientBalance,
		/// The feed ids are exhausted.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a feed.
		///
		/// - **Dispatch origin**: signed (the deposit is held from the signer), or
		///   [`Config::AdminOrigin`] (no deposit).
		/// - **Details**: the feed gets the next id. Oracles may report it from the next
		///   transaction on.
		/// - **Errors**: [`Error::BadDecimals`], [`Error::TooManyFeeds`],
		///   [`Error::InsufficientBalance`], [`Error::Overflow`].
		/// - **Events**: [`Event::FeedCreated`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_feed())]
		pub fn create_feed(
			origin: OriginFor<T>,
			description: TextOf<T>,
			unit: TextOf<T>,
			decimals: u8,
		) -> DispatchResult {
			let creator = Self::signer_or_admin(origin)?;
			Self::do_create(creator, description, unit, decimals).map(|_| ())
		}

		/// Removes a feed and returns its deposit.
		///
		/// - **Dispatch origin**: the feed's creator, or [`Config::AdminOrigin`].
		/// - **Details**: the oracle's combined value and its members' reports of the feed are
		///   removed; no job can use the feed, no oracle can report it, and its id is never
		///   given to another feed.
		/// - **Errors**: [`Error::UnknownFeed`], [`Error::NotCreator`].
		/// - **Events**: [`Event::FeedRemoved`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_feed().saturating_add(Pallet::<T>::forget_weight()))]
		pub fn remove_feed(origin: OriginFor<T>, feed: FeedId) -> DispatchResult {
			let signer = Self::signer_or_admin(origin)?;
			let entry = Feeds::<T>::get(feed).ok_or(Error::<T>::UnknownFeed)?;
			if let Some(signer) = &signer {
				ensure!(entry.creator.as_ref() == Some(signer), Error::<T>::NotCreator);
			}
			if let Some(creator) = &entry.creator {
				if !entry.deposit.is_zero() {
					T::Currency::release(
						&HoldReason::FeedDeposit.into(),
						creator,
						entry.deposit,
						Precision::BestEffort,
					)?;
				}
			}
			Feeds::<T>::remove(feed);
			Reported::<T>::remove(feed);
			T::Oracle::forget(feed);
			FeedCount::<T>::mutate(|count| *count = count.saturating_sub(1));
			Self::deposit_event(Event::FeedRemoved { feed });
			Ok(())
		}

		/// Sets how many reports a combined value needs and how old a value may be.
		///
		/// - **Dispatch origin**: [`Config::AdminOrigin`].
		/// - **Details**: applies from the next report (the count and the expiry) and to every
		///   job submitted from now on (the age).
		/// - **Errors**: [`Error::BadParams`].
		/// - **Events**: [`Event::ParamsSet`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, min_reports: u32, max_age: u64) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let params = FeedParams { min_reports, max_age };
			ensure!(params.is_valid(), Error::<T>::BadParams);
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The signer of `origin`, or `None` for [`Config::AdminOrigin`] (governance).
	fn signer_or_admin(
		origin: frame_system::pallet_prelude::OriginFor<T>,
	) -> Result<Option<T::AccountId>, sp_runtime::DispatchError> {
		use frame_support::traits::EnsureOrigin;
		match T::AdminOrigin::try_origin(origin) {
			Ok(_) => Ok(None),
			Err(origin) => Ok(Some(frame_system::ensure_signed(origin)?)),
		}
	}

	/// Registers a feed for `creator` (holding its deposit) or for governance (`None`).
	pub(crate) fn do_create(
		creator: Option<T::AccountId>,
		description: TextOf<T>,
		unit: TextOf<T>,
		decimals: u8,
	) -> Result<FeedId, sp_runtime::DispatchError> {
		frame_support::ensure!(decimals <= MAX_FEED_DECIMALS, Error::<T>::BadDecimals);
		let count = FeedCount::<T>::get();
		frame_support::ensure!(count < T::MaxFeeds::get(), Error::<T>::TooManyFeeds);
		let feed = NextFeedId::<T>::get();
		let next = feed.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let deposit = match &creator {
			Some(creator) => {
				let deposit = T::FeedDeposit::get();
				if !deposit.is_zero() {
					T::Currency::hold(&HoldReason::FeedDeposit.into(), creator, deposit)
						.map_err(|_| Error::<T>::InsufficientBalance)?;
				}
				deposit
			},
			None => Zero::zero(),
		};
		Feeds::<T>::insert(
			feed,
			Feed { creator: creator.clone(), deposit, description, unit, decimals },
		);
		NextFeedId::<T>::put(next);
		FeedCount::<T>::put(count.saturating_add(1));
		Self::deposit_event(Event::FeedCreated { feed, creator, decimals });
		Ok(feed)
	}

	/// What forgetting the oracle's data of a feed costs: listing up to [`Config::MaxOracles`]
	/// members (four reads each) and removing each one's report, the oracle's own and the
	/// combined value.
	pub fn forget_weight() -> frame_support::weights::Weight {
		let members = u64::from(T::MaxOracles::get());
		T::DbWeight::get()
			.reads_writes(members.saturating_mul(4).saturating_add(1), members.saturating_add(2))
	}

	/// Whether `feed` is registered: oracles may report it, jobs may read it.
	pub fn is_registered(feed: FeedId) -> bool {
		Feeds::<T>::contains_key(feed)
	}

	/// `feed`'s combined value, if it is registered and has one, fresh or stale.
	fn current(feed: FeedId) -> Result<(FeedOf<T>, FeedReading<BlockNumberFor<T>>), FeedError> {
		let entry = Feeds::<T>::get(feed).ok_or(FeedError::Unknown)?;
		let (value, timestamp) = T::Oracle::combined(feed).ok_or(FeedError::NoValue)?;
		let block = Reported::<T>::get(feed).unwrap_or_default();
		let reading = FeedReading { feed, value, decimals: entry.decimals, timestamp, block };
		Ok((entry, reading))
	}

	/// Whether a value reported at `timestamp` may still be used: younger than `max_age`, as
	/// the oracle counts a report.
	fn is_fresh(timestamp: u64) -> bool {
		T::Time::now().saturating_sub(timestamp) < Params::<T>::get().max_age
	}

	/// The feed `id` as clients see it.
	pub fn view(id: FeedId) -> Option<FeedView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let entry = Feeds::<T>::get(id)?;
		let reading = Self::current(id).ok().map(|(_, reading)| reading);
		Some(FeedView {
			id,
			creator: entry.creator,
			deposit: entry.deposit,
			description: entry.description.into_inner(),
			unit: entry.unit.into_inner(),
			decimals: entry.decimals,
			fresh: reading.is_some_and(|reading| Self::is_fresh(reading.timestamp)),
			reading,
		})
	}

	/// Every feed as clients see it, by id (at most [`Config::MaxFeeds`]).
	pub fn views() -> Vec<FeedView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let mut ids: Vec<FeedId> = Feeds::<T>::iter_keys().collect();
		ids.sort_unstable();
		ids.into_iter().filter_map(Self::view).collect()
	}

	/// Checks the pallet's invariants:
	/// - [`FeedCount`] counts [`Feeds`], at most [`Config::MaxFeeds`], every id below
	///   [`NextFeedId`];
	/// - every feed has at most 18 decimals; a governance feed holds no deposit, and the
	///   deposits held are those of the feeds;
	/// - [`Reported`] only for registered feeds; the parameters are valid.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::ensure;
		use sp_runtime::traits::Saturating;
		let next = NextFeedId::<T>::get();
		let mut count = 0u32;
		let mut held = alloc::collections::BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (id, feed) in Feeds::<T>::iter() {
			count = count.saturating_add(1);
			ensure!(id < next, "a feed's id is below NextFeedId");
			ensure!(feed.decimals <= MAX_FEED_DECIMALS, "a feed has at most 18 decimals");
			match &feed.creator {
				Some(creator) => {
					let total = held.entry(creator.clone()).or_default();
					*total = total.saturating_add(feed.deposit);
				},
				None => ensure!(feed.deposit.is_zero(), "a governance feed holds no deposit"),
			}
		}
		ensure!(count == FeedCount::<T>::get(), "FeedCount counts the feeds");
		ensure!(count <= T::MaxFeeds::get(), "at most MaxFeeds feeds");
		for (who, total) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::FeedDeposit.into(), &who) == total,
				"a creator's deposit hold is the sum of its feeds' deposits"
			);
		}
		for id in Reported::<T>::iter_keys() {
			ensure!(Feeds::<T>::contains_key(id), "only registered feeds are reported");
		}
		ensure!(Params::<T>::get().is_valid(), "the feed parameters are valid");
		Ok(())
	}
}

impl<T: Config> FeedInspect<BlockNumberFor<T>> for Pallet<T> {
	fn reading(feed: FeedId) -> Result<FeedReading<BlockNumberFor<T>>, FeedError> {
		let (_, reading) = Self::current(feed)?;
		frame_support::ensure!(Self::is_fresh(reading.timestamp), FeedError::Stale);
		Ok(reading)
	}
}

/// Notes the block of every report of a registered feed (the oracle's `OnNewData`).
impl<T: Config> pallet_oracle::OnNewData<T::AccountId, FeedId, FeedValue> for Pallet<T> {
	fn on_new_data(_: &T::AccountId, feed: &FeedId, _: &FeedValue) {
		if Feeds::<T>::contains_key(feed) {
			Reported::<T>::insert(feed, frame_system::Pallet::<T>::block_number());
		}
	}
}

/// How many fresh reports a combined value needs ([`FeedParams::min_reports`]), for the
/// oracle's `DefaultCombineData`.
pub struct MinReports<T>(core::marker::PhantomData<T>);

impl<T: Config> Get<u32> for MinReports<T> {
	fn get() -> u32 {
		Params::<T>::get().min_reports
	}
}

/// How old a report may be to count ([`FeedParams::max_age`]), for the oracle's
/// `DefaultCombineData`.
pub struct MaxAge<T>(core::marker::PhantomData<T>);

impl<T: Config> Get<u64> for MaxAge<T> {
	fn get() -> u64 {
		Params::<T>::get().max_age
	}
}
