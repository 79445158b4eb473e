//! Where transaction fees go, and how much a transaction costs.
//!
//! **Split.** Of every transaction fee, [`TREASURY_SHARE_PERCENT`] % goes to the treasury account
//! ([`TreasuryAccount`], the account of `pallet-treasury`'s `py/trsry` pallet id, so the funds are
//! already there when governance lands) and the rest to the author of the block; tips go to the
//! author in full. A share that cannot be credited (an account that cannot exist) is burned.
//!
//! **Price.** A transaction pays for its weight ([`WeightToFee`], linear in reference time) and its
//! length ([`LengthToFee`], per byte); the weight part is scaled by a multiplier that rises while
//! blocks are fuller than [`TargetBlockFullness`] and falls back when they are emptier, so a flood
//! of transactions gets more expensive instead of pushing blocks past their time.

use frame_support::{
	parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		Imbalance, OnUnbalanced,
	},
	weights::ConstantMultiplier,
	PalletId,
};
use pallet_transaction_payment::{Multiplier, TargetedFeeAdjustment};
use sp_runtime::{
	traits::{AccountIdConversion, Bounded},
	FixedPointNumber, Perquintill,
};

use crate::{currency::MICRO_UNIT, AccountId, Authorship, Balance, Balances, Runtime};

/// Percent of each fee (tips excluded) that funds the treasury.
pub const TREASURY_SHARE_PERCENT: u32 = 80;
/// Percent of each fee (tips excluded) that pays the block author.
pub const AUTHOR_SHARE_PERCENT: u32 = 100 - TREASURY_SHARE_PERCENT;

parameter_types! {
	/// The treasury's pallet id: the same as `pallet-treasury`'s default.
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	/// The account that receives the treasury share of fees.
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
		let (to_treasury, mut to_author) =
			fees.ration(TREASURY_SHARE_PERCENT, AUTHOR_SHARE_PERCENT);
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
