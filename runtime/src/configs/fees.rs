//! Where transaction fees go, and how much a transaction costs.
//!
//! **Split.** Of every transaction fee, the treasury share (80 % at genesis; an on-chain
//! parameter, [`TreasuryShare`], set on the `market` track) goes to the treasury
//! ([`TreasuryAccount`], `pallet-treasury`'s pot) and the rest to the author of the block; tips go
//! to the author in full. A share that cannot be credited (an account that cannot exist) is
//! burned.
//!
//! **Price.** A transaction pays for its weight ([`WeightToFee`], linear in reference time) and its
//! length ([`LengthToFee`], per byte); the weight part is scaled by a multiplier that rises while
//! blocks are fuller than [`TargetBlockFullness`] and falls back when they are emptier, so a flood
//! of transactions gets more expensive instead of pushing blocks past their time.

use frame_support::{
	parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		Get, Imbalance, OnUnbalanced,
	},
	weights::ConstantMultiplier,
	PalletId,
};
use pallet_transaction_payment::{Multiplier, TargetedFeeAdjustment};
use sp_runtime::{
	traits::{AccountIdConversion, Bounded},
	FixedPointNumber, Perquintill,
};

use super::governance::dynamic_params::fees::TreasuryShare;
use crate::{currency::MICRO_UNIT, AccountId, Authorship, Balance, Balances, Runtime};

parameter_types! {
	/// The treasury's pallet id (`pallet-treasury`'s usual one).
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	/// The treasury's pot: fees, job-fee shares, slashes and forfeited deposits go here, and
	/// spends are paid from it.
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
	/// Fee units per unit of reference-time weight (one picosecond): a balance transfer costs
	/// about 0.01 VRT.
	pub const FeePerWeight: Balance = 50;
	/// Fee units per byte of an extrinsic.
	pub const FeePerByte: Balance = MICRO_UNIT;
	/// Blocks fuller than this raise the fee multiplier.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	/// How fast the multiplier moves (as in Polkadot).
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
	/// The multiplier never drops below one: fees never fall under their base price.
	pub MinimumMultiplier: Multiplier = Multiplier::saturating_from_integer(1);
	pub MaximumMultiplier: Multiplier = Bounded::max_value();
}

/// Weight to fee: linear in reference time.
pub type WeightToFee = ConstantMultiplier<Balance, FeePerWeight>;
/// Length to fee: linear in bytes.
pub type LengthToFee = ConstantMultiplier<Balance, FeePerByte>;
/// The congestion multiplier.
pub type FeeMultiplierUpdate = TargetedFeeAdjustment<
	Runtime,
	TargetBlockFullness,
	AdjustmentVariable,
	MinimumMultiplier,
	MaximumMultiplier,
>;

type CreditOf = Credit<AccountId, Balances>;

/// Credits `amount` to `who`; burns it if it cannot be credited.
fn credit_or_burn(who: &AccountId, amount: CreditOf) {
	// A failed resolve hands the credit back; dropping it burns it (total issuance falls).
	let _ = Balances::resolve(who, amount);
}

/// Splits fees between the treasury and the block author; tips go to the author.
pub struct DealWithFees;

impl OnUnbalanced<CreditOf> for DealWithFees {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = CreditOf>) {
		let Some(fees) = fees_then_tips.next() else { return };
		let share = u32::from(TreasuryShare::get().deconstruct());
		let (to_treasury, mut to_author) = fees.ration(share, 100u32.saturating_sub(share));
		if let Some(tips) = fees_then_tips.next() {
			tips.merge_into(&mut to_author);
		}
		credit_or_burn(&TreasuryAccount::get(), to_treasury);
		match Authorship::author() {
			Some(author) => credit_or_burn(&author, to_author),
			// No author is known (a block sealed without a consensus digest): the treasury gets it.
			None => credit_or_burn(&TreasuryAccount::get(), to_author),
		}
	}
}
