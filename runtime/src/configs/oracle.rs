//! Oracle feeds: FRAME's `pallet-oracle`, its members the active `Oracle` operators of
//! `pallet-operators`, and Verity's feed registry (`pallet-feeds`), which says what each feed is
//! and how reports become values jobs may use.
//!
//! - *Members*: each active `Oracle` operator reports through one key, its worker key if it
//!   named one ([`pallet_operators::ActiveKeys`]). Chilled, unbonded, pushed-out or
//!   deregistered operators stop counting at once: their old reports are no longer read.
//! - *Combination*: the median of the reports younger than the feeds' `max_age`, once at least
//!   `min_reports` exist (both governable in `pallet-feeds`); until then the previous value
//!   stays, and ages into staleness.
//! - *Admission*: reports are free (`Pays::No`), one transaction a member and block, and only
//!   for registered feeds ([`OracleCallFilter`]); a stranger's or a filtered report pays its fee.

use frame_support::{parameter_types, traits::Contains, weights::Weight, PalletId};
use verity_primitives::{currency::UNIT, FeedId, FeedValue, Role};

use super::verity::MAX_OPERATORS_PER_ROLE;
use crate::{Balances, Feeds, Runtime, RuntimeCall, RuntimeHoldReason, Timestamp};

/// The most feeds one report carries: the demo model's sixteen inputs in one transaction.
pub const MAX_FEED_VALUES: u32 = 16;

parameter_types! {
	pub const OracleRole: Role = Role::Oracle;
	pub const OraclePalletId: PalletId = PalletId(*b"vrt/orcl");
	/// What creating a feed holds from a signed creator.
	pub const FeedDeposit: crate::Balance = 10 * UNIT;
}

impl pallet_oracle::Config for Runtime {
	type OnNewData = Feeds;
	type CombineData = pallet_oracle::DefaultCombineData<
		Runtime,
		pallet_feeds::MinReports<Runtime>,
		pallet_feeds::MaxAge<Runtime>,
	>;
	type Time = Timestamp;
	type OracleKey = FeedId;
	type OracleValue = FeedValue;
	type PalletId = OraclePalletId;
	type Members = pallet_operators::ActiveKeys<Runtime, OracleRole>;
	type WeightInfo = OracleWeights;
	/// Every member may report once a block. The oracle counts reports by key, so an operator
	/// that names a new worker key and reports again takes a second place; four places a member
	/// make filling the set (to lock the other oracles out for a block) cost two paid
	/// transactions a place (naming a key, accepting it), about 400 every block.
	type MaxHasDispatchedSize = frame_support::traits::ConstU32<{ 4 * MAX_OPERATORS_PER_ROLE }>;
	type MaxFeedValues = frame_support::traits::ConstU32<MAX_FEED_VALUES>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = OracleBenchmarkHelper;
}

/// The oracle's weights: the generated ones (measured with two members: the dev chain's oracle
/// and the benchmark's), plus, for each value,
/// what walking the member set costs: the oracle reads every member's report to take the
/// median, and listing the members reads each oracle operator's role entry, record and worker
/// key (four reads a member), and the registry notes the report's block (a read and a write).
/// The count of oracle operators is read to price this (one read, cached for the dispatch), so
/// a chain with few oracles is not charged for [`MAX_OPERATORS_PER_ROLE`].
pub struct OracleWeights;

impl pallet_oracle::WeightInfo for OracleWeights {
	fn feed_values(x: u32) -> Weight {
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let members = pallet_operators::RoleCounts::<Runtime>::get(Role::Oracle)
			.clamp(1, MAX_OPERATORS_PER_ROLE);
		let walk = db
			.reads(u64::from(members.saturating_mul(4)).saturating_add(1))
			.saturating_add(db.writes(1));
		crate::weights::pallet_oracle::WeightInfo::<Runtime>::feed_values(x)
			.saturating_add(db.reads(1))
			.saturating_add(walk.saturating_mul(u64::from(x)))
	}

	fn on_finalize() -> Weight {
		crate::weights::pallet_oracle::WeightInfo::<Runtime>::on_finalize()
	}
}

impl pallet_feeds::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type FeedDeposit = FeedDeposit;
	/// Governance's feeds (no deposit), removals and parameters: the `market` track, or root.
	type AdminOrigin = super::governance::MarketOrigin;
	type Oracle = pallet_feeds::OracleOf<Runtime>;
	type Time = Timestamp;
	type MaxTextLen = frame_support::traits::ConstU32<64>;
	type MaxFeeds = frame_support::traits::ConstU32<256>;
	type MaxOracles = frame_support::traits::ConstU32<MAX_OPERATORS_PER_ROLE>;
	type WeightInfo = crate::weights::pallet_feeds::WeightInfo<Runtime>;
}

/// Admits oracle reports only for registered feeds, so members cannot fill storage with
/// reports of ids nobody reads. Every other call passes.
pub struct OracleCallFilter;

impl Contains<RuntimeCall> for OracleCallFilter {
	fn contains(call: &RuntimeCall) -> bool {
		match call {
			RuntimeCall::Oracle(pallet_oracle::Call::feed_values { values }) => {
				values.iter().all(|(feed, _)| Feeds::is_registered(*feed))
			},
			_ => true,
		}
	}
}

/// The oracle benchmark's values: the most a report carries.
#[cfg(feature = "runtime-benchmarks")]
pub struct OracleBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl
	pallet_oracle::BenchmarkHelper<
		FeedId,
		FeedValue,
		frame_support::traits::ConstU32<MAX_FEED_VALUES>,
	> for OracleBenchmarkHelper
{
	fn get_currency_id_value_pairs() -> frame_support::BoundedVec<
		(FeedId, FeedValue),
		frame_support::traits::ConstU32<MAX_FEED_VALUES>,
	> {
		frame_support::BoundedVec::truncate_from(
			(0..MAX_FEED_VALUES)
				.map(|feed| (feed, FeedValue::from(feed).saturating_mul(1_000)))
				.collect(),
		)
	}
}
