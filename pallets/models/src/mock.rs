//! A test runtime: System, Balances and Models.

use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::{BuildStorage, Perbill};
use verity_primitives::{ModeSet, ModelId};

use crate::{self as pallet_models, DType, IoView, TensorView, VerifyingKeyCheck};

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

/// What each test account (1..=8) starts with.
pub const ENDOWMENT: u64 = 10_000;
/// The deposit held for each model.
pub const DEPOSIT: u64 = 100;
/// An account with no funds.
pub const PAUPER: u64 = 50;
/// The longest URI of the mock.
pub const MAX_URI_LEN: u32 = 32;
/// The longest verifying key of the mock.
pub const MAX_KEY_LEN: u32 = 64;
/// The most tensor dimensions of the mock.
pub const MAX_SHAPE_DIMS: u32 = 4;
/// The most models of the mock.
pub const MAX_MODELS: u32 = 5;
/// Keys starting with this byte fail the mock's key check.
pub const BAD_KEY_BYTE: u8 = 0xff;

frame_support::parameter_types! {
	/// How many open jobs the mock's market says every model has.
	pub static OpenJobs: u32 = 0;
}

/// The mock's market: every model has [`OpenJobs`] open jobs.
pub struct MockUsage;
impl verity_primitives::ModelUsage for MockUsage {
	fn open_jobs(_: &verity_primitives::ModelId) -> u32 {
		OpenJobs::get()
	}
}

/// Accepts non-empty keys that do not start with [`BAD_KEY_BYTE`].
pub struct MockKeyCheck;
impl VerifyingKeyCheck for MockKeyCheck {
	fn check(vk: &[u8]) -> bool {
		vk.first().is_some_and(|byte| *byte != BAD_KEY_BYTE)
	}
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ConstU64<DEPOSIT>;
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type KeyCheck = MockKeyCheck;
	type Usage = MockUsage;
	type MaxUriLen = ConstU32<MAX_URI_LEN>;
	type MaxKeyLen = ConstU32<MAX_KEY_LEN>;
	type MaxShapeDims = ConstU32<MAX_SHAPE_DIMS>;
	type MaxModels = ConstU32<MAX_MODELS>;
	type WeightInfo = ();
}

/// The model id `[n; 32]`.
pub fn model_id(n: u8) -> ModelId {
	ModelId([n; 32])
}

/// A valid I/O spec as genesis writes it: `i8[1, 4]` in, `i32[1, 2]` out.
pub fn io_view() -> IoView {
	IoView {
		input: TensorView { dtype: DType::I8, shape: vec![1, 4] },
		output: TensorView { dtype: DType::I32, shape: vec![1, 2] },
	}
}

/// A genesis model: id, owner, URI, I/O, price, royalty, modes.
pub type GenesisModel = (ModelId, u64, Vec<u8>, IoView, u64, Perbill, ModeSet);

/// Builds test externalities: accounts 1..=8 endowed, optionally genesis models.
#[derive(Default)]
pub struct ExtBuilder {
	models: Vec<GenesisModel>,
	keys: Vec<(ModelId, Vec<u8>)>,
	/// Keys come only from the ceremony (owners may set keys unless this is set).
	ceremony_only: bool,
}

impl ExtBuilder {
	/// Adds a genesis model of `owner` with price 10 and a 5% royalty.
	pub fn model(mut self, id: ModelId, owner: u64, modes: ModeSet) -> Self {
		self.models.push((
			id,
			owner,
			b"https://models.example/m.onnx".to_vec(),
			io_view(),
			10,
			Perbill::from_percent(5),
			modes,
		));
		self
	}

	/// Adds a genesis verifying key.
	pub fn key(mut self, id: ModelId, vk: &[u8]) -> Self {
		self.keys.push((id, vk.to_vec()));
		self
	}

	/// A chain whose owners may not set keys ([`pallet_models::OwnerKeys`] false).
	pub fn ceremony_only(mut self) -> Self {
		self.ceremony_only = true;
		self
	}

	/// The externalities.
	pub fn build_ext(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let balances: Vec<(u64, u64)> = (1..=8).map(|who| (who, ENDOWMENT)).collect();
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_models::GenesisConfig::<Test> {
			models: self.models,
			verifying_keys: self.keys,
			owner_keys: !self.ceremony_only,
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test` in the externalities, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build_ext().execute_with(|| {
			test();
			Models::do_try_state().unwrap();
		});
	}
}
