//! Governance: FRAME's OpenGov. Token holders vote with conviction (`pallet-conviction-voting`)
//! on referenda (`pallet-referenda`) whose calls wait as preimages (`pallet-preimage`) and are
//! enacted by the scheduler (`pallet-scheduler`); the treasury (`pallet-treasury`) pays what
//! spending referenda approve, and `pallet-parameters` holds the parameters that are not a
//! pallet's own (the fee split).
//!
//! Each referendum runs on a track ([`crate::governance::tracks`]) that fixes the origin its
//! call dispatches with:
//! - `root` may do anything (runtime upgrades, cancelling or killing referenda);
//! - `market` ([`MarketOrigin`]) sets the job market's parameters, the feeds' parameters and
//!   registry, force-retires models, sets the operators' minimum bonds, and sets the fee split
//!   ([`dynamic_params`]);
//! - `treasurer` and `small_spender` spend from the treasury, up to their limits;
//! - `referendum_canceller` and `referendum_killer` cancel or kill a referendum (so a junk one
//!   cannot hold the single `root` slot for its 28 days).
//!
//! Sudo stays in the runtime for development chains: only the `development` preset names a
//! key; the `local` and `staging` chains have none, so governance is their only root.

use frame_support::{
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	parameter_types,
	traits::{
		fungible::HoldConsideration, tokens::Pay, ConstU32, EitherOf, EnsureOriginWithArg,
		EqualPrivilegeOnly, LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureRootWithSuccess, EnsureSigned};
use sp_runtime::{traits::AccountIdLookup, Percent};
use verity_primitives::{
	currency::{MILLI_UNIT, UNIT},
	time::DAYS,
};

use super::{fees::TreasuryAccount, fees::TreasuryPalletId, RuntimeBlockWeights};
use crate::{
	governance::{origins, tracks::TracksInfo},
	AccountId, Balance, Balances, BlockNumber, OriginCaller, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, System, Treasury,
};

/// The `market` track's origin, or root: what may change the market's and staking's parameters.
pub type MarketOrigin = EitherOf<EnsureRoot<AccountId>, origins::MarketAdmin>;

/// Parameters kept in `pallet-parameters`, changed with `parameters.set_parameter` on the
/// `market` track.
#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// Transaction fees.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod fees {
		/// The share of every transaction fee (tips excluded) that funds the treasury; the
		/// block author gets the rest.
		#[codec(index = 0)]
		pub static TreasuryShare: Percent = Percent::from_percent(80);
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl Default for RuntimeParameters {
	fn default() -> Self {
		RuntimeParameters::Fees(dynamic_params::fees::Parameters::TreasuryShare(
			dynamic_params::fees::TreasuryShare,
			Some(Percent::from_percent(50)),
		))
	}
}

/// Who may set each dynamic parameter: the fee split is the `market` track's.
pub struct DynamicParameterOrigin;

impl EnsureOriginWithArg<RuntimeOrigin, RuntimeParametersKey> for DynamicParameterOrigin {
	type Success = ();

	fn try_origin(
		origin: RuntimeOrigin,
		key: &RuntimeParametersKey,
	) -> Result<Self::Success, RuntimeOrigin> {
		use frame_support::traits::EnsureOrigin;
		match key {
			RuntimeParametersKey::Fees(_) => MarketOrigin::try_origin(origin).map(|_| ()),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin(_key: &RuntimeParametersKey) -> Result<RuntimeOrigin, ()> {
		Ok(RuntimeOrigin::root())
	}
}

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	type AdminOrigin = DynamicParameterOrigin;
	type WeightInfo = crate::weights::pallet_parameters::WeightInfo<Runtime>;
}

impl origins::Config for Runtime {}

parameter_types! {
	/// Half a block for enacting scheduled calls: with the job market's deadline work (at most
	/// three eighths) a block still has room for transactions.
	pub MaximumSchedulerWeight: Weight =
		RuntimeBlockWeights::get().max_block.saturating_div(2);
	/// A preimage holds 1 VRT plus 1 mVRT a byte (a 16 KiB call holds about 17 VRT).
	pub const PreimageBaseDeposit: Balance = UNIT;
	pub const PreimageByteDeposit: Balance = MILLI_UNIT;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	/// Only root schedules directly; referenda schedule through their own trait.
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = crate::weights::pallet_scheduler::WeightInfo<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = crate::weights::pallet_preimage::WeightInfo<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	/// A preimage's deposit is a hold on its noter, returned when it is unnoted.
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// Submitting a referendum holds 10 VRT until it ends (its track's decision deposit is
	/// placed on top before it is decided).
	pub const SubmissionDeposit: Balance = UNIT.saturating_mul(10);
	/// A referendum whose decision deposit is not placed within 14 days times out.
	pub const UndecidingTimeout: BlockNumber = DAYS.saturating_mul(14);
	/// A conviction of 1x locks the vote for 7 days after the referendum ends, 2x for 14, … 6x
	/// for 224.
	pub const VoteLockingPeriod: BlockNumber = DAYS.saturating_mul(7);
}

impl pallet_referenda::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = crate::weights::pallet_referenda::WeightInfo<Runtime>;
	type Scheduler = Scheduler;
	type Currency = Balances;
	/// Any account may submit on any track, holding the submission deposit.
	type SubmitOrigin = frame_support::traits::AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type CancelOrigin = EitherOf<EnsureRoot<AccountId>, origins::ReferendumCanceller>;
	type KillOrigin = EitherOf<EnsureRoot<AccountId>, origins::ReferendumKiller>;
	/// The deposits of killed referenda fund the treasury.
	type Slash = Treasury;
	type Votes = Balance;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = UndecidingTimeout;
	type AlarmInterval = frame_support::traits::ConstU32<1>;
	type Tracks = TracksInfo;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_conviction_voting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = crate::weights::pallet_conviction_voting::WeightInfo<Runtime>;
	type Currency = Balances;
	type Polls = Referenda;
	/// Support is measured against all VRT that is not deactivated.
	type MaxTurnout =
		frame_support::traits::tokens::currency::ActiveIssuanceOf<Balances, AccountId>;
	type MaxVotes = ConstU32<512>;
	type VoteLockingPeriod = VoteLockingPeriod;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

parameter_types! {
	/// Approved `spend_local`s are paid every 6 days; `spend`s are paid when claimed.
	pub const SpendPeriod: BlockNumber = DAYS.saturating_mul(6);
	/// An approved `spend` may be claimed (`treasury.payout`) for 30 days.
	pub const PayoutPeriod: BlockNumber = DAYS.saturating_mul(30);
	/// Root may spend anything.
	pub const MaxSpend: Balance = Balance::MAX;
}

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	type RejectOrigin = EitherOf<EnsureRoot<AccountId>, origins::Treasurer>;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	/// Nothing is burned (0 %): what the treasury holds stays for spends.
	type Burn = ();
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = crate::weights::pallet_treasury::WeightInfo<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<100>;
	type SpendOrigin = EitherOf<EnsureRootWithSuccess<AccountId, MaxSpend>, origins::Spender>;
	/// The treasury spends VRT only.
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = AccountIdLookup<AccountId, ()>;
	type Paymaster = PayFromPot;
	type BalanceConverter = frame_support::traits::tokens::UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TreasuryBenchmarkHelper;
	type BlockNumberProvider = System;
}

/// Pays treasury spends in VRT from the treasury's pot, never below its existential deposit: the
/// pot stays, so no later share of a fee or a job that is smaller than the deposit is burned.
pub struct PayFromPot;

impl Pay for PayFromPot {
	type Balance = Balance;
	type Beneficiary = AccountId;
	type AssetKind = ();
	type Id = ();
	type Error = sp_runtime::DispatchError;

	fn pay(who: &AccountId, _: (), amount: Balance) -> Result<(), Self::Error> {
		use frame_support::traits::{fungible::Mutate, tokens::Preservation};
		<Balances as Mutate<AccountId>>::transfer(
			&TreasuryAccount::get(),
			who,
			amount,
			Preservation::Preserve,
		)
		.map(|_| ())
	}

	/// A transfer is done when `pay` returns.
	fn check_payment(_: ()) -> frame_support::traits::tokens::PaymentStatus {
		frame_support::traits::tokens::PaymentStatus::Success
	}

	/// Funds the pot, and the beneficiary with its existential deposit (a benchmark's spend may
	/// be smaller than that).
	#[cfg(feature = "runtime-benchmarks")]
	fn ensure_successful(who: &AccountId, _: (), amount: Balance) {
		use frame_support::traits::fungible::{Inspect, Mutate};
		let deposit = <Balances as Inspect<AccountId>>::minimum_balance();
		let _ = <Balances as Mutate<AccountId>>::mint_into(
			&TreasuryAccount::get(),
			amount.saturating_add(deposit),
		);
		if <Balances as Inspect<AccountId>>::balance(who) < deposit {
			let _ = <Balances as Mutate<AccountId>>::mint_into(who, deposit);
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn ensure_concluded(_: ()) {}
}

/// The treasury benchmark's arguments: VRT, and an account from the seed.
#[cfg(feature = "runtime-benchmarks")]
pub struct TreasuryBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_treasury::ArgumentsFactory<(), AccountId> for TreasuryBenchmarkHelper {
	fn create_asset_kind(_seed: u32) {}
	fn create_beneficiary(seed: [u8; 32]) -> AccountId {
		AccountId::from(seed)
	}
}
