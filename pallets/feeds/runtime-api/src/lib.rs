//! The `FeedsApi` runtime API: the oracle feeds and their current values, as clients and the
//! node's oracle worker read them. Call it through `state_call("FeedsApi_feeds", "0x")`; the
//! `oracle_values` RPC wraps it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_feeds::{FeedParams, FeedView};
use verity_primitives::FeedId;

sp_api::decl_runtime_apis! {
	/// Reads the feed registry and the oracle's combined values.
	pub trait FeedsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// Every registered feed with its current value, by id.
		fn feeds() -> Vec<FeedView<AccountId, Balance, BlockNumber>>;
		/// The feed `id`, if registered.
		fn feed(id: FeedId) -> Option<FeedView<AccountId, Balance, BlockNumber>>;
		/// How many reports a value needs and how old it may be.
		fn params() -> FeedParams;
		/// Whether `key` may report to the oracle: the key an active `Oracle` operator reports
		/// through (its worker key if it named one, else its own).
		fn is_oracle(key: AccountId) -> bool;
	}
}
