//! A test runtime: System, Balances, the model registry (whose keys the settlement pallet checks
//! and the ceremony installs) and Settlement.

use crate as pallet_settlement;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_core::H256;
use sp_runtime::{BuildStorage, Perbill};
use verity_primitives::{ModeSet, ModelId};

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
	pub type Models = pallet_models;
	#[runtime::pallet_index(3)]
	pub type Settlement = pallet_settlement;
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

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ConstU64<100>;
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type KeyCheck = Settlement;
	type Usage = ();
	type MaxUriLen = ConstU32<64>;
	type MaxKeyLen = ConstU32<{ 16 * 1024 }>;
	type MaxShapeDims = ConstU32<4>;
	type MaxModels = ConstU32<8>;
	type WeightInfo = ();
}

/// The most contributions of the mock's phases.
pub const MAX_CONTRIBUTIONS: u32 = 4;

/// What a contribution holds.
pub const DEPOSIT: u64 = 50;

/// Blocks a phase 2 runs at most.
pub const PHASE2_LIFETIME: u64 = 100;

frame_support::parameter_types! {
	/// The mock's vouchers (its verifiers): accounts 4, 5 and 6.
	pub static VoucherList: Vec<u64> = vec![4, 5, 6];
}

/// The accounts of [`VoucherList`].
pub struct MockVouchers;
impl frame_support::traits::SortedMembers<u64> for MockVouchers {
	fn sorted_members() -> Vec<u64> {
		VoucherList::get()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &u64) {
		let mut list = VoucherList::get();
		if let Err(at) = list.binary_search(who) {
			list.insert(at, *who);
		}
		VoucherList::set(list);
	}
}

impl pallet_settlement::Config for Test {
	type MaxPublicInputs = ConstU32<64>;
	type Models = Models;
	type CeremonyOrigin = frame_system::EnsureRoot<u64>;
	type Vouchers = MockVouchers;
	type MaxContributions = ConstU32<MAX_CONTRIBUTIONS>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ContributionDeposit = ConstU64<DEPOSIT>;
	type Phase2Lifetime = ConstU64<PHASE2_LIFETIME>;
	type WeightInfo = ();
}

/// The model id `[n; 32]`.
pub fn model_id(n: u8) -> ModelId {
	ModelId([n; 32])
}

/// Test externalities: accounts 1..=8 endowed (9 has nothing); owner 1 registers the `Zk`
/// models `model_id(1)` and `model_id(3)` and the `Fast` one `model_id(2)`; phase 1, `(size, starting transcript's hash)`, if given.
pub fn new_test_ext_with(
	phase1: Option<(u32, H256)>,
	min_contributors: u32,
) -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=8).map(|who| (who, 10_000)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let io = pallet_models::IoView {
		input: pallet_models::TensorView { dtype: pallet_models::DType::I8, shape: vec![1, 4] },
		output: pallet_models::TensorView { dtype: pallet_models::DType::I8, shape: vec![1, 2] },
	};
	let model = |id: u8, modes: ModeSet| {
		(
			model_id(id),
			1u64,
			b"https://m.example/m.onnx".to_vec(),
			io.clone(),
			10u64,
			Perbill::zero(),
			modes,
		)
	};
	pallet_models::GenesisConfig::<Test> {
		models: vec![
			model(1, ModeSet { fast: true, zk: true, consensus: false }),
			model(2, ModeSet::FAST),
			model(3, ModeSet { fast: true, zk: true, consensus: false }),
		],
		verifying_keys: vec![],
		owner_keys: false,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_settlement::GenesisConfig::<Test> {
		phase1,
		min_contributors,
		_config: Default::default(),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Test externalities without a ceremony.
pub fn new_test_ext() -> sp_io::TestExternalities {
	new_test_ext_with(None, 0)
}
