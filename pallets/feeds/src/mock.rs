//! A test runtime: System, Balances, Timestamp, FRAME's Oracle (its members a list the tests
//! set) and Feeds.

// Tests and their runtime: small known values, and panics that fail a test.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing
)]

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, SortedMembers},
	PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

use crate::{self as pallet_feeds, FeedParams, MaxAge, MinReports, OracleOf};

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(3)]
	pub type Oracle = pallet_oracle;
	#[runtime::pallet_index(4)]
	pub type Feeds = pallet_feeds;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ExistentialDeposit = ConstU64<1>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

parameter_types! {
	/// The oracle's members: accounts 1, 2 and 3 unless a test changes them.
	pub static Members: Vec<u64> = vec![1, 2, 3];
	pub const OraclePalletId: PalletId = PalletId(*b"vr/oracl");
}

/// The oracle's members, as the runtime's come from `pallet-operators`.
pub struct OracleMembers;

impl SortedMembers<u64> for OracleMembers {
	fn sorted_members() -> Vec<u64> {
		Members::get()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &u64) {
		Members::mutate(|members| {
			members.push(*who);
			members.sort();
		});
	}
}

impl pallet_oracle::Config for Test {
	type OnNewData = Feeds;
	type CombineData = pallet_oracle::DefaultCombineData<Test, MinReports<Test>, MaxAge<Test>>;
	type Time = Timestamp;
	type OracleKey = u32;
	type OracleValue = i64;
	type PalletId = OraclePalletId;
	type Members = OracleMembers;
	type WeightInfo = ();
	type MaxHasDispatchedSize = ConstU32<16>;
	type MaxFeedValues = ConstU32<4>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

/// The deposit held for each feed.
pub const DEPOSIT: u64 = 100;
/// What each test account (1..=8) starts with.
pub const ENDOWMENT: u64 = 10_000;
/// An account that cannot pay a deposit.
pub const PAUPER: u64 = 50;
/// The mock's parameters: two reports, at most a minute old.
pub const PARAMS: FeedParams = FeedParams { min_reports: 2, max_age: 60_000 };

impl pallet_feeds::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type FeedDeposit = ConstU64<DEPOSIT>;
	type AdminOrigin = EnsureRoot<u64>;
	type Oracle = OracleOf<Test>;
	type Time = Timestamp;
	type MaxTextLen = ConstU32<16>;
	type MaxFeeds = ConstU32<3>;
	type MaxOracles = ConstU32<8>;
	type WeightInfo = ();
}

/// Accounts 1..=8 endowed (but [`PAUPER`] poor), block 1 at time 1 000 000 ms, the mock's
/// parameters, no feed.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(u64, u64)> = (1..=8).map(|who| (who, ENDOWMENT)).collect();
	balances.push((PAUPER, DEPOSIT - 1));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_feeds::GenesisConfig::<Test> { params: Some(PARAMS), ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(1_000_000);
	});
	ext
}

/// Runs `test` on [`new_test_ext`], then checks the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		crate::Pallet::<Test>::do_try_state().unwrap();
	});
}
