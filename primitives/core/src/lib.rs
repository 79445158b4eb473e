//! # Verity primitives
//!
//! Types shared by the runtime, the node and the clients: the account and balance types, the
//! block number, and the constants of the VRT token. Everything here is `no_std`.

#![cfg_attr(not(feature = "std"), no_std)]

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// A block number.
pub type BlockNumber = u32;

/// The signature scheme of the chain's accounts.
pub type Signature = MultiSignature;

/// An account's public identity: 32 bytes, derived from the signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An amount of VRT in its smallest unit (1 VRT = 10^12 units).
pub type Balance = u128;

/// An account's transaction counter.
pub type Nonce = u32;

/// A hash of a block or of a piece of data.
pub type Hash = sp_core::H256;

/// The VRT token: symbol, decimals and the usual multiples.
pub mod currency {
	use super::Balance;

	/// The token symbol shown by wallets.
	pub const TOKEN_SYMBOL: &str = "VRT";
	/// Decimal places of one VRT.
	pub const TOKEN_DECIMALS: u8 = 12;
	/// One VRT in its smallest unit.
	pub const UNIT: Balance = 1_000_000_000_000;
	/// A thousandth of a VRT.
	pub const MILLI_UNIT: Balance = UNIT / 1_000;
	/// A millionth of a VRT.
	pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
	/// The least balance an account must hold to exist.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
	/// The SS58 prefix of Verity addresses (the generic Substrate prefix).
	pub const SS58_PREFIX: u16 = 42;
}

/// Block times.
pub mod time {
	use super::BlockNumber;

	/// The target time between two blocks.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
	/// The Aura slot: one block a slot.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks a minute.
	#[allow(clippy::arithmetic_side_effects)]
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks an hour.
	#[allow(clippy::arithmetic_side_effects)]
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks a day.
	#[allow(clippy::arithmetic_side_effects)]
	pub const DAYS: BlockNumber = HOURS * 24;
}
