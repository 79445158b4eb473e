//! Verity's own pallets: role-based staking (`pallet-operators`), the model registry
//! (`pallet-models`) and the job market (`pallet-inference`).
//!
//! Slashed bonds and the treasury's share of job fees go to the treasury's pot
//! ([`fees::TreasuryAccount`]). The role minimums, the market parameters and forced model
//! retirement are the `market` track's ([`MarketOrigin`]), or root's; forced deregistration is
//! root's.

use frame_support::{
	parameter_types,
	traits::{ConstU32, Contains},
};
use verity_primitives::{
	currency::UNIT,
	time::{DAYS, MINUTES},
};

use super::{fees, governance::MarketOrigin};
use crate::{
	AccountId, Balance, Balances, BlockNumber, Models, Operators, Runtime, RuntimeHoldReason,
};

/// The most operators one role may have; bounds validator selection and job assignment.
pub const MAX_OPERATORS_PER_ROLE: u32 = 64;

/// The most jobs one `submit_jobs` submits and one `submit_results` answers: 64 inputs of the
/// demo model are 4 KiB.
pub const MAX_JOB_BATCH: u32 = 64;

parameter_types! {
	/// Unbonded funds stay slashable for a day.
	pub const UnbondingPeriod: BlockNumber = DAYS;
	/// What registering a model holds from its owner (returned on retirement).
	pub const ModelDeposit: Balance = 10 * UNIT;
	/// What each contribution to the setup ceremony holds until its phase ends: filling a
	/// phase's 256 slots to shut honest contributors out locks up 2 560 VRT while it runs.
	pub const ContributionDeposit: Balance = 10 * UNIT;
	/// Held from a requester for each job until it is pruned (a day after it finished): pays
	/// for up to 20 KiB of input and output in storage, so jobs of free models are not free.
	pub const JobDeposit: Balance = UNIT / 10;
	/// Three eighths of a block's weight (0.75 s). Normal transactions may take 1.5 s, but a
	/// block never holds more than its 2 s: when deadline work is heavy, fewer fit.
	pub MaxDeadlineWeight: frame_support::weights::Weight =
		<Runtime as frame_system::Config>::BlockWeights::get().max_block.saturating_mul(3).saturating_div(8);
}

/// An account is a validator candidate once it has set session keys.
pub struct HasSessionKeys;

impl Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		pallet_session::NextKeys::<Runtime>::contains_key(who)
	}
}

impl pallet_operators::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = fees::TreasuryAccount;
	type MinBondOrigin = MarketOrigin;
	/// Removing an operator, a validator maybe, from every role: root's.
	type ForceOrigin = frame_system::EnsureRoot<AccountId>;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxUnlockingChunks = ConstU32<16>;
	type MaxNameLen = ConstU32<64>;
	type MaxEndpointLen = ConstU32<256>;
	type MaxModelsServed = ConstU32<32>;
	type MaxOperatorsPerRole = ConstU32<MAX_OPERATORS_PER_ROLE>;
	type MaxValidators = ConstU32<32>;
	/// With no candidate at all the set stays as it is.
	type MinValidators = ConstU32<1>;
	type HasSessionKeys = HasSessionKeys;
	type WeightInfo = crate::weights::pallet_operators::WeightInfo<Runtime>;
}

impl pallet_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModelDeposit = ModelDeposit;
	type MaxUriLen = ConstU32<256>;
	/// A Groth16 verifying key on BLS12-381 with `e(α, β)` and 160 public inputs (settlement's
	/// `MaxPublicInputs`) is 16 712 bytes.
	type MaxKeyLen = ConstU32<{ 17 * 1024 }>;
	type MaxShapeDims = ConstU32<8>;
	type MaxModels = ConstU32<4096>;
	/// Groth16 keys on BLS12-381, validated by the settlement pallet.
	type KeyCheck = crate::Settlement;
	type Usage = crate::Inference;
	type AdminOrigin = MarketOrigin;
	type WeightInfo = crate::weights::pallet_models::WeightInfo<Runtime>;
}

impl pallet_inference::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Operators = Operators;
	type Treasury = fees::TreasuryAccount;
	type JobDeposit = JobDeposit;
	type ParamsOrigin = MarketOrigin;
	/// 16 KiB: a 784-float image is 3 KiB.
	type MaxInputLen = ConstU32<{ 16 * 1024 }>;
	type MaxOutputLen = ConstU32<{ 4 * 1024 }>;
	type MaxFeeds = ConstU32<16>;
	type MaxOperators = ConstU32<MAX_OPERATORS_PER_ROLE>;
	/// 4 096 deadline and pruning entries a block (32 KiB of ids): a thousand jobs a block
	/// take two thousand (a deadline, a pruning); bursts spread over the next sixteen blocks,
	/// then `MarketBusy`.
	type MaxDeadlinesPerBlock = ConstU32<4096>;
	/// Deadline processing takes at most three eighths of a block, each entry charged what it
	/// cost; a queue admits only what that weight works through (see `runtime/src/tests.rs`,
	/// `market_capacity`).
	type MaxDeadlineWeight = MaxDeadlineWeight;
	type MaxJobBatch = ConstU32<MAX_JOB_BATCH>;
	/// `Consensus(k)` for k in 1, 3, 5, 7: a round of at most eight members, whose revealed
	/// outputs (at most eight of `MaxOutputLen`) it keeps with the job.
	type MaxVerifiers = ConstU32<7>;
	type Verifier = crate::Settlement;
	type Feeds = crate::Feeds;
	/// A subscription buys at most 100 000 runs (a week of runs a block).
	type MaxRuns = ConstU32<100_000>;
	/// 16 subscription runs a block, each charged a worst-case submission (at most about a
	/// twentieth of a block between them; `market_worst_cases_fit_a_block`).
	type MaxRunsPerBlock = ConstU32<16>;
	type WeightInfo = crate::weights::pallet_inference::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkHelper;
}

frame_support::parameter_types! {
	/// The role whose active operators vouch for a model's phase 2.
	pub const VerifierRole: verity_primitives::Role = verity_primitives::Role::Verifier;
}

impl pallet_settlement::Config for Runtime {
	/// 160 public inputs: the binding, an input packed up to 3 968 bytes (larger inputs are one
	/// Poseidon commitment) and up to about 1 KB of packed output; such a key is 16.3 KiB, within
	/// `MaxKeyLen`.
	type MaxPublicInputs = ConstU32<160>;
	type Models = crate::Models;
	/// The `market` track (or root) seals phase 1 and sets the phase-2 minimum.
	type CeremonyOrigin = MarketOrigin;
	/// An active verifier must be on every sealed phase-2 path.
	type Vouchers = pallet_operators::ActiveKeys<Runtime, VerifierRole>;
	/// 256 contributions to phase 1, and to each model's phase 2 (one per account each).
	type MaxContributions = ConstU32<256>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ContributionDeposit = ContributionDeposit;
	/// A model's phase 2 may run four weeks; then anyone may end it and release its deposits.
	type Phase2Lifetime = ConstU32<{ 28 * DAYS }>;
	type WeightInfo = crate::weights::pallet_settlement::WeightInfo<Runtime>;
}

/// Sets up models and operators for the job market's benchmarks through the real pallets.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkHelper;

// A benchmark whose setup fails must fail loudly.
#[cfg(feature = "runtime-benchmarks")]
#[allow(clippy::expect_used)]
impl pallet_inference::BenchmarkHelper<AccountId> for BenchmarkHelper {
	fn register_model(owner: &AccountId, seed: u32, output_len: u32) -> verity_primitives::ModelId {
		use frame_support::BoundedVec;
		let mut id = [0xbe; 32];
		if let Some(prefix) = id.get_mut(..4) {
			prefix.copy_from_slice(&seed.to_le_bytes());
		}
		let id = verity_primitives::ModelId(id);
		// The benchmarks submit inputs of `MaxInputLen` bytes.
		let input = pallet_models::TensorSpec {
			dtype: pallet_models::DType::I8,
			shape: BoundedVec::truncate_from(alloc::vec![
				<<Runtime as pallet_inference::Config>::MaxInputLen as frame_support::traits::Get<
					u32,
				>>::get()
			]),
		};
		let output = pallet_models::TensorSpec {
			dtype: pallet_models::DType::I8,
			shape: BoundedVec::truncate_from(alloc::vec![output_len]),
		};
		let registered = Models::register_model(
			crate::RuntimeOrigin::signed(owner.clone()),
			id,
			BoundedVec::truncate_from(b"blob:bench".to_vec()),
			pallet_models::IoSpec { input, output },
			UNIT,
			sp_runtime::Perbill::from_percent(5),
			verity_primitives::ModeSet { fast: true, zk: false, consensus: true },
		);
		registered.expect("the benchmark model registers");
		// Outputs compared within a tolerance: the dearer comparison.
		Models::set_tolerance(crate::RuntimeOrigin::signed(owner.clone()), id, 1)
			.expect("the benchmark model takes a tolerance");
		id
	}

	fn register_worker(who: &AccountId, model: verity_primitives::ModelId) {
		register_operator(who, model, verity_primitives::Role::Inference);
	}

	fn register_verifier(who: &AccountId, model: verity_primitives::ModelId) -> bool {
		let role = verity_primitives::Role::Verifier;
		if pallet_operators::RoleCounts::<Runtime>::get(role) >= MAX_OPERATORS_PER_ROLE {
			return false;
		}
		register_operator(who, model, role);
		true
	}

	fn register_feeds_model(
		owner: &AccountId,
		seed: u32,
		feeds: u32,
	) -> verity_primitives::ModelId {
		use frame_support::BoundedVec;
		let mut id = [0xfe; 32];
		if let Some(prefix) = id.get_mut(..4) {
			prefix.copy_from_slice(&seed.to_le_bytes());
		}
		let id = verity_primitives::ModelId(id);
		let tensor = |dtype, len: u32| pallet_models::TensorSpec {
			dtype,
			shape: BoundedVec::truncate_from(alloc::vec![len]),
		};
		Models::register_model(
			crate::RuntimeOrigin::signed(owner.clone()),
			id,
			BoundedVec::truncate_from(b"blob:bench".to_vec()),
			pallet_models::IoSpec {
				input: tensor(pallet_models::DType::F32, feeds),
				output: tensor(pallet_models::DType::I8, 1),
			},
			UNIT,
			sp_runtime::Perbill::from_percent(5),
			verity_primitives::ModeSet { fast: true, zk: false, consensus: true },
		)
		.expect("the benchmark's feeds model registers");
		id
	}

	fn fresh_feed(index: u32) -> verity_primitives::FeedId {
		use frame_support::BoundedVec;
		use pallet_oracle::DataFeeder;
		let root = || crate::RuntimeOrigin::root();
		// Governance's reports count (the oracle's own account): one is enough.
		let params = pallet_feeds::Params::<Runtime>::get();
		crate::Feeds::set_params(root(), 1, params.max_age).expect("the parameters are valid");
		let text = || BoundedVec::truncate_from(alloc::vec![b'x'; 64]);
		crate::Feeds::create_feed(root(), text(), text(), 2).expect("the feed registers");
		let feed = pallet_feeds::NextFeedId::<Runtime>::get().saturating_sub(1);
		crate::Oracle::feed_value(None, feed, i64::from(index).saturating_add(12_345))
			.expect("governance reports");
		feed
	}
}

/// Makes `who` an active operator of `role` serving `model`, taking many jobs.
#[cfg(feature = "runtime-benchmarks")]
#[allow(clippy::expect_used)]
fn register_operator(
	who: &AccountId,
	model: verity_primitives::ModelId,
	role: verity_primitives::Role,
) {
	use frame_support::BoundedVec;
	use verity_primitives::RoleSet;
	let origin = || crate::RuntimeOrigin::signed(who.clone());
	let bond = pallet_operators::Pallet::<Runtime>::required_bond(RoleSet::of(&[role]))
		.saturating_add(UNIT);
	let results = [
		Operators::register(origin(), RoleSet::of(&[role]), Default::default(), bond)
			.map(|_| ())
			.map_err(|e| e.error),
		Operators::set_capabilities(
			origin(),
			pallet_operators::Capabilities {
				models: BoundedVec::truncate_from(alloc::vec![model]),
				max_concurrent_jobs: u32::MAX,
				accelerator: false,
			},
		),
	];
	for result in results {
		result.expect("the benchmark operator registers");
	}
}

/// Blocks a worker has to deliver a `Fast` result on the Verity chains: a minute of 6 s blocks.
pub const EXECUTION_PERIOD: BlockNumber = MINUTES;
