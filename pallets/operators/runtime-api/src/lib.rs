//! The `OperatorsApi` runtime API: what clients and the node read about operators.
//! Call it through `state_call("OperatorsApi_operator", SCALE(account))`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_operators::OperatorView;
use verity_primitives::Role;

sp_api::decl_runtime_apis! {
	/// Reads operators.
	pub trait OperatorsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The operator record of `who`, if registered.
		fn operator(who: AccountId) -> Option<OperatorView<Balance, BlockNumber>>;
		/// The operators registered for `role`, with their active bond.
		fn operators(role: Role) -> Vec<(AccountId, Balance)>;
		/// The operator a node key signs market work for: the operator that named `key` its
		/// worker, else `key` itself if it is an operator.
		fn operator_for_key(key: AccountId) -> Option<AccountId>;
	}
}
