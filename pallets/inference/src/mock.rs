//! A test runtime with the real neighbours of the market: System, Balances, Operators, Models
//! and Inference.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Everything, Hooks},
	BoundedVec,
};
use sp_runtime::{BuildStorage, Perbill};
use verity_primitives::{FeedError, FeedId, FeedReading, ModeSet, ModelId, Role, RoleSet};

use crate as pallet_inference;

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
	#[runtime::pallet_index(3)]
	pub type Models = pallet_models;
	#[runtime::pallet_index(4)]
	pub type Inference = pallet_inference;
	#[runtime::pallet_index(5)]
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

/// The treasury account.
pub const TREASURY: u64 = 999;
/// The model owner.
pub const OWNER: u64 = 50;
/// Requesters.
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
/// Inference operators, each bonding [`WORKER_BOND`] times its index.
pub const WORKERS: [u64; 3] = [11, 12, 13];
pub const WORKER_BOND: u64 = 1_000;
/// Verifier operators serving the demo model, each bonding [`WORKER_BOND`].
pub const VERIFIERS: [u64; 4] = [21, 22, 23, 24];
/// The most verifiers a `Consensus` job may ask for.
pub const MAX_VERIFIERS: u32 = 5;
/// What each account starts with.
pub const ENDOWMENT: u64 = 100_000;
/// The demo model's price and royalty.
pub const PRICE: u64 = 100;
pub const ROYALTY: Perbill = Perbill::from_percent(5);
/// The storage deposit of a job.
pub const JOB_DEPOSIT: u64 = 3;
/// Operators allowed per role.
pub const MAX_OPERATORS: u32 = 8;

parameter_types! {
	pub const Treasury: u64 = TREASURY;
	pub static MaxDeadlineWeight: frame_support::weights::Weight = frame_support::weights::Weight::MAX;
}

impl pallet_operators::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = Treasury;
	type MinBondOrigin = frame_system::EnsureRoot<u64>;
	type ForceOrigin = frame_system::EnsureRoot<u64>;
	type UnbondingPeriod = ConstU64<10>;
	type MaxUnlockingChunks = ConstU32<3>;
	type MaxNameLen = ConstU32<16>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxModelsServed = ConstU32<4>;
	type MaxOperatorsPerRole = ConstU32<MAX_OPERATORS>;
	type MaxValidators = ConstU32<3>;
	type MinValidators = ConstU32<1>;
	type HasSessionKeys = Everything;
	type WeightInfo = ();
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ConstU64<10>;
	type MaxUriLen = ConstU32<64>;
	type MaxKeyLen = ConstU32<4096>;
	type MaxShapeDims = ConstU32<4>;
	type MaxModels = ConstU32<16>;
	type KeyCheck = Settlement;
	type Usage = Inference;
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type WeightInfo = ();
}

impl pallet_inference::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Operators = Operators;
	type Treasury = Treasury;
	type JobDeposit = ConstU64<JOB_DEPOSIT>;
	type ParamsOrigin = frame_system::EnsureRoot<u64>;
	type MaxInputLen = ConstU32<64>;
	type MaxOutputLen = ConstU32<64>;
	type MaxFeeds = ConstU32<16>;
	type MaxOperators = ConstU32<MAX_OPERATORS>;
	type MaxDeadlinesPerBlock = ConstU32<4>;
	/// No weight limit unless a test sets one.
	type MaxDeadlineWeight = MaxDeadlineWeight;
	type MaxJobBatch = ConstU32<8>;
	type MaxVerifiers = ConstU32<MAX_VERIFIERS>;
	type Verifier = Settlement;
	type Feeds = MockFeeds;
	type MaxRuns = ConstU32<100>;
	type MaxRunsPerBlock = ConstU32<2>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Test;
}

std::thread_local! {
	static FEEDS: std::cell::RefCell<
		std::collections::BTreeMap<FeedId, Result<FeedReading<u64>, FeedError>>,
	> = Default::default();
}

/// The oracle of the tests: each feed's reading (or why there is none) as a test sets it. The
/// real one (FRAME's oracle, its median and its members) is tested in `pallet-feeds` and the
/// runtime.
pub struct MockFeeds;

impl MockFeeds {
	/// Gives `feed` a fresh `value` of `decimals`, reported in the current block at `timestamp`.
	pub fn set(feed: FeedId, value: i64, decimals: u8, timestamp: u64) {
		let block = System::block_number();
		let reading = FeedReading { feed, value, decimals, timestamp, block };
		FEEDS.with(|feeds| feeds.borrow_mut().insert(feed, Ok(reading)));
	}

	/// Makes reading `feed` fail with `error`.
	pub fn fail(feed: FeedId, error: FeedError) {
		FEEDS.with(|feeds| feeds.borrow_mut().insert(feed, Err(error)));
	}
}

impl verity_primitives::FeedInspect<u64> for MockFeeds {
	fn reading(feed: FeedId) -> Result<FeedReading<u64>, FeedError> {
		FEEDS.with(|feeds| feeds.borrow().get(&feed).copied().unwrap_or(Err(FeedError::Unknown)))
	}
}

/// The market's tests run no ceremony: nobody vouches.
pub struct NoVouchers;
impl frame_support::traits::SortedMembers<u64> for NoVouchers {
	fn sorted_members() -> Vec<u64> {
		Vec::new()
	}
}

impl pallet_settlement::Config for Test {
	type MaxPublicInputs = ConstU32<8>;
	type Models = Models;
	type CeremonyOrigin = frame_system::EnsureRoot<u64>;
	type Vouchers = NoVouchers;
	type MaxContributions = ConstU32<4>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ContributionDeposit = ConstU64<10>;
	type Phase2Lifetime = ConstU64<100>;
	type WeightInfo = ();
}

/// The `Zk` model of the tests: an MLP 16-16-4 (`f32` tensors [16] and [4]), its IR and its
/// (seeded) proving key, made once per test binary.
pub struct ZkFixture {
	pub model: verity_zkml::Model,
	pub key: verity_zkml::prover::ProvingKey,
}

pub fn zk_fixture() -> &'static ZkFixture {
	static FIXTURE: std::sync::OnceLock<ZkFixture> = std::sync::OnceLock::new();
	FIXTURE.get_or_init(|| {
		use verity_zkml::onnx::{import, mlp, ImportOptions};
		let model = import(&mlp(&[16, 16, 4], 1), ImportOptions::default()).unwrap();
		let key = verity_zkml::prover::setup_seeded(&model, 3).unwrap();
		ZkFixture { model, key }
	})
}

/// Another valid key of the `Zk` model (another setup): no proof of the fixture verifies under
/// it.
pub fn other_zk_key() -> Vec<u8> {
	static KEY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
	KEY.get_or_init(|| {
		let key = verity_zkml::prover::setup_seeded(&zk_fixture().model, 4).unwrap();
		verity_zkml::verifier::encode_key(&key.vk)
	})
	.clone()
}

/// The id of the `Zk` model.
pub fn zk_model() -> ModelId {
	ModelId([9; 32])
}

/// Registers the `Zk` model (`Fast` and `Zk`) for [`OWNER`] and sets its key; the workers serve
/// it.
pub fn register_zk_model() {
	let tensor = |n: u32| pallet_models::TensorSpec {
		dtype: pallet_models::DType::F32,
		shape: BoundedVec::try_from(vec![n]).unwrap(),
	};
	Models::register_model(
		RuntimeOrigin::signed(OWNER),
		zk_model(),
		BoundedVec::try_from(b"blob:zk".to_vec()).unwrap(),
		pallet_models::IoSpec { input: tensor(16), output: tensor(4) },
		PRICE,
		ROYALTY,
		ModeSet { fast: true, zk: true, consensus: false },
	)
	.unwrap();
	let key = verity_zkml::verifier::encode_key(&zk_fixture().key.vk);
	Models::set_verifying_key(
		RuntimeOrigin::signed(OWNER),
		zk_model(),
		BoundedVec::try_from(key).unwrap(),
	)
	.unwrap();
	for who in WORKERS {
		Operators::set_capabilities(
			RuntimeOrigin::signed(who),
			pallet_operators::Capabilities {
				models: BoundedVec::try_from(vec![model(), zk_model()]).unwrap(),
				max_concurrent_jobs: 2,
				accelerator: false,
			},
		)
		.unwrap();
	}
}

/// The demo model's id.
pub fn model() -> ModelId {
	ModelId([7; 32])
}

/// Another model nobody serves.
pub fn lonely_model() -> ModelId {
	ModelId([8; 32])
}

/// Registers `id` for [`OWNER`] with `modes`.
pub fn register_model(id: ModelId, modes: ModeSet) {
	let tensor = |shape: &[u32]| pallet_models::TensorSpec {
		dtype: pallet_models::DType::F32,
		shape: BoundedVec::try_from(shape.to_vec()).unwrap(),
	};
	Models::register_model(
		RuntimeOrigin::signed(OWNER),
		id,
		BoundedVec::try_from(b"blob:demo".to_vec()).unwrap(),
		pallet_models::IoSpec { input: tensor(&[4]), output: tensor(&[2]) },
		PRICE,
		ROYALTY,
		modes,
	)
	.unwrap();
}

/// Registers `who` as an inference operator with `bond` serving `models`, `concurrency` at once.
pub fn add_worker(who: u64, bond: u64, models: &[ModelId], concurrency: u32) {
	add_operator(who, &[Role::Inference], bond, models, concurrency);
}

/// Registers `who` as an operator of `roles` with `bond` serving `models`, `concurrency` at once.
pub fn add_operator(who: u64, roles: &[Role], bond: u64, models: &[ModelId], concurrency: u32) {
	Operators::register(RuntimeOrigin::signed(who), RoleSet::of(roles), Default::default(), bond)
		.unwrap();
	Operators::set_capabilities(
		RuntimeOrigin::signed(who),
		pallet_operators::Capabilities {
			models: BoundedVec::try_from(models.to_vec()).unwrap(),
			max_concurrent_jobs: concurrency,
			accelerator: false,
		},
	)
	.unwrap();
}

/// Test externalities: endowed accounts, the demo model (`Fast` and `Zk`), and the three
/// workers serving it with concurrency 2.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(u64, u64)> =
		[ALICE, BOB, OWNER].iter().map(|who| (*who, ENDOWMENT)).collect();
	balances.extend(WORKERS.iter().chain(VERIFIERS.iter()).map(|who| (*who, ENDOWMENT)));
	balances.push((TREASURY, 1));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	FEEDS.with(|feeds| feeds.borrow_mut().clear());
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		// The market's tests set their model's key as its owner, as a development chain allows.
		pallet_models::OwnerKeys::<Test>::put(true);
		register_model(model(), ModeSet { fast: true, zk: true, consensus: true });
		for (index, who) in WORKERS.iter().enumerate() {
			add_worker(*who, WORKER_BOND * (index as u64 + 1), &[model()], 2);
		}
		for who in VERIFIERS {
			add_operator(who, &[Role::Verifier], WORKER_BOND, &[model()], 4);
		}
		System::reset_events();
	});
	ext
}

/// Test externalities for the benchmarks: endowed accounts only; the benchmarks register their
/// own model and workers.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(TREASURY, 1)], ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	FEEDS.with(|feeds| feeds.borrow_mut().clear());
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_models::OwnerKeys::<Test>::put(true);
	});
	ext
}

/// Runs `test`, then checks the invariants of all three Verity pallets.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		check_invariants();
	});
}

/// The invariants of Inference, Operators and Models.
pub fn check_invariants() {
	Inference::do_try_state().unwrap();
	Operators::do_try_state().unwrap();
	Models::do_try_state().unwrap();
}

/// The `i8` output and (uncompressed) proof `worker` makes for `job` on `input`.
pub fn prove(job: verity_primitives::JobId, worker: u64, input: &[i8]) -> (Vec<u8>, Vec<u8>) {
	use ark_std::rand::SeedableRng;
	let fixture = zk_fixture();
	let binding = verity_zkml::public::binding(&verity_primitives::zk_binding(job, &worker));
	let mut rng = ark_std::rand::rngs::StdRng::seed_from_u64(job.0);
	let (output, proof) =
		verity_zkml::prover::prove(&fixture.key, &fixture.model, input, binding, &mut rng).unwrap();
	(output.iter().map(|v| *v as u8).collect(), verity_zkml::verifier::encode_proof(&proof))
}

/// Moves to block `n`, running the hooks of every block on the way.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Inference::on_initialize(next);
		Inference::on_finalize(next);
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64> for Test {
	fn register_model(owner: &u64, seed: u32, output_len: u32) -> ModelId {
		let mut id = [0xbe; 32];
		id[..4].copy_from_slice(&seed.to_le_bytes());
		let id = ModelId(id);
		// The benchmarks submit inputs of `MaxInputLen` bytes.
		let input = pallet_models::TensorSpec {
			dtype: pallet_models::DType::I8,
			shape: BoundedVec::try_from(vec![
				<<Test as crate::Config>::MaxInputLen as frame_support::traits::Get<u32>>::get(),
			])
			.unwrap(),
		};
		let tensor = pallet_models::TensorSpec {
			dtype: pallet_models::DType::I8,
			shape: BoundedVec::try_from(vec![output_len]).unwrap(),
		};
		Models::register_model(
			RuntimeOrigin::signed(*owner),
			id,
			BoundedVec::try_from(b"blob:bench".to_vec()).unwrap(),
			pallet_models::IoSpec { input, output: tensor },
			PRICE,
			ROYALTY,
			ModeSet { fast: true, zk: false, consensus: true },
		)
		.unwrap();
		Models::set_tolerance(RuntimeOrigin::signed(*owner), id, 1).unwrap();
		id
	}

	fn register_worker(who: &u64, model: ModelId) {
		add_worker(*who, WORKER_BOND, &[model], u32::MAX);
	}

	fn register_verifier(who: &u64, model: ModelId) -> bool {
		let full = pallet_operators::RoleCounts::<Test>::get(Role::Verifier) >= MAX_OPERATORS;
		if !full {
			add_operator(*who, &[Role::Verifier], WORKER_BOND, &[model], u32::MAX);
		}
		!full
	}

	fn register_feeds_model(owner: &u64, seed: u32, feeds: u32) -> ModelId {
		let mut id = [0xfe; 32];
		id[..4].copy_from_slice(&seed.to_le_bytes());
		let id = ModelId(id);
		let tensor = |dtype, len| pallet_models::TensorSpec {
			dtype,
			shape: BoundedVec::try_from(vec![len]).unwrap(),
		};
		Models::register_model(
			RuntimeOrigin::signed(*owner),
			id,
			BoundedVec::try_from(b"blob:bench".to_vec()).unwrap(),
			pallet_models::IoSpec {
				input: tensor(pallet_models::DType::F32, feeds),
				output: tensor(pallet_models::DType::I8, 1),
			},
			PRICE,
			ROYALTY,
			ModeSet { fast: true, zk: false, consensus: true },
		)
		.unwrap();
		id
	}

	fn fresh_feed(index: u32) -> FeedId {
		MockFeeds::set(index, 12_345, 2, 0);
		index
	}
}
