//! `operators_list` JSON-RPC method: a thin wrapper of the `OperatorsApi` runtime API with typed
//! JSON (bonds as decimal strings). A failing runtime call is [`RUNTIME_ERROR`].

use std::sync::Arc;

use codec::Codec;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
};
use pallet_operators_runtime_api::OperatorsApi as OperatorsRuntimeApi;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;
use verity_primitives::Role;

/// The runtime call failed.
pub const RUNTIME_ERROR: i32 = 9400;

/// An operator of a role, as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operator<AccountId> {
	pub account: AccountId,
	/// Its active bond.
	pub bond: String,
}

/// The methods.
#[rpc(client, server)]
pub trait OperatorsApi<BlockHash, AccountId> {
	/// The operators registered for `role` (`"Validator"`, `"Inference"`, `"Verifier"`,
	/// `"Oracle"`), with their active bond.
	#[method(name = "operators_list")]
	fn list(&self, role: Role, at: Option<BlockHash>) -> RpcResult<Vec<Operator<AccountId>>>;
}

/// The implementation over a client of blocks `B`, whose runtime's `(Balance, BlockNumber)`
/// are `M`.
pub struct Operators<C, B, M> {
	client: Arc<C>,
	_types: std::marker::PhantomData<fn() -> (B, M)>,
}

impl<C, B, M> Operators<C, B, M> {
	/// The methods over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Operators { client, _types: Default::default() }
	}
}

fn runtime_error(e: impl ToString) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, e.to_string(), None::<()>)
}

impl<C, Block, AccountId, Balance, BlockNumber>
	OperatorsApiServer<<Block as BlockT>::Hash, AccountId>
	for Operators<C, Block, (Balance, BlockNumber)>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: OperatorsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId:
		Codec + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
	Balance: Codec + ToString + Send + Sync + 'static,
	BlockNumber: Codec + Send + Sync + 'static,
{
	fn list(&self, role: Role, at: Option<Block::Hash>) -> RpcResult<Vec<Operator<AccountId>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let operators = self.client.runtime_api().operators(at, role).map_err(runtime_error)?;
		Ok(operators
			.into_iter()
			.map(|(account, bond)| Operator { account, bond: bond.to_string() })
			.collect())
	}
}
