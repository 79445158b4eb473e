//! A runtime of the pallet alone: the proofs are checked, the offences go nowhere.

use frame_support::derive_impl;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		AuraEquivocation: crate,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// A validator set in session 0 (the report system here takes every report unchecked).
pub struct Validators;

impl frame_support::traits::ValidatorSet<u64> for Validators {
	type ValidatorId = u64;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;

	fn session_index() -> sp_staking::SessionIndex {
		0
	}

	fn validators() -> Vec<u64> {
		Vec::new()
	}
}

impl crate::Config for Test {
	type ValidatorSet = Validators;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem = ();
	type WeightInfo = ();
}

/// Externalities with a keystore, for the benchmarks' keys.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage =
		frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}
