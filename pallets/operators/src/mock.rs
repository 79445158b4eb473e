//! A test runtime: System, Balances and Operators.

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Contains},
};
use sp_runtime::BuildStorage;
use verity_primitives::Role;

use crate as pallet_operators;

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
	pub type Operators = pallet_operators;
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

/// The treasury account.
pub const TREASURY: u64 = 999;
/// Accounts from this one up have no session keys.
pub const FIRST_KEYLESS: u64 = 100;
/// Minimum bonds of the mock: validators 100, inference 50, verifiers 30, oracles 10.
pub const MIN_VALIDATOR: u64 = 100;
pub const MIN_INFERENCE: u64 = 50;
/// What each test account starts with.
pub const ENDOWMENT: u64 = 10_000;
/// Unbonding takes ten blocks.
pub const UNBONDING: u64 = 10;

parameter_types! {
	pub const Treasury: u64 = TREASURY;
}

/// Accounts below [`FIRST_KEYLESS`] have session keys.
pub struct HasKeys;
impl Contains<u64> for HasKeys {
	fn contains(who: &u64) -> bool {
		*who < FIRST_KEYLESS
	}
}

impl pallet_operators::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = Treasury;
	type MinBondOrigin = frame_system::EnsureRoot<u64>;
	type ForceOrigin = frame_system::EnsureRoot<u64>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxUnlockingChunks = ConstU32<3>;
	type MaxNameLen = ConstU32<16>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxModelsServed = ConstU32<4>;
	type MaxOperatorsPerRole = ConstU32<6>;
	type MaxValidators = ConstU32<3>;
	type MinValidators = ConstU32<2>;
	type HasSessionKeys = HasKeys;
	type WeightInfo = ();
}

/// Builds test externalities: accounts 1..=8, 100, 101 and the treasury endowed; role minimums
/// set; optionally genesis operators.
#[derive(Default)]
pub struct ExtBuilder {
	operators: Vec<(u64, Vec<Role>, u64, Vec<u8>)>,
	capabilities: Vec<(u64, verity_primitives::CapabilitiesView)>,
}

impl ExtBuilder {
	/// Adds a genesis operator.
	pub fn operator(mut self, who: u64, roles: &[Role], bond: u64) -> Self {
		self.operators.push((who, roles.to_vec(), bond, b"genesis".to_vec()));
		self
	}

	/// Declares a genesis operator's capabilities.
	pub fn capabilities(mut self, who: u64, caps: verity_primitives::CapabilitiesView) -> Self {
		self.capabilities.push((who, caps));
		self
	}

	/// The externalities.
	pub fn build_ext(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances: Vec<(u64, u64)> = (1..=8).map(|who| (who, ENDOWMENT)).collect();
		balances.extend([
			(FIRST_KEYLESS, ENDOWMENT),
			(FIRST_KEYLESS + 1, ENDOWMENT),
			(TREASURY, 1),
		]);
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_operators::GenesisConfig::<Test> {
			min_bonds: vec![
				(Role::Validator, MIN_VALIDATOR),
				(Role::Inference, MIN_INFERENCE),
				(Role::Verifier, 30),
				(Role::Oracle, 10),
			],
			operators: self.operators,
			capabilities: self.capabilities,
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
			Operators::do_try_state().unwrap();
		});
	}
}
