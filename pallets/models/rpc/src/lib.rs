//! `models_list` JSON-RPC method: a thin wrapper of the `ModelsApi` runtime API with typed JSON
//! (balances as decimal strings). A failing runtime call is [`RUNTIME_ERROR`].

use std::sync::Arc;

use codec::Codec;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
};
use pallet_models::IoView;
use pallet_models_runtime_api::ModelsApi as ModelsRuntimeApi;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::Block as BlockT;
use verity_primitives::ModeSet;

/// The runtime call failed.
pub const RUNTIME_ERROR: i32 = 9300;

/// A model as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model<AccountId, BlockNumber> {
	pub id: H256,
	pub owner: AccountId,
	/// Where workers fetch the bytes (UTF-8, lossy).
	pub uri: String,
	pub io: IoView,
	pub price: String,
	/// The owner's royalty in parts per billion.
	pub royalty_per_billion: u32,
	pub modes: ModeSet,
	pub deposit: String,
	pub retired: bool,
	pub registered_at: BlockNumber,
	pub has_key: bool,
	/// Where the key came from (`{"kind": "owner"}` or `{"kind": "ceremony", "phase1", "phase2",
	/// "contributors"}`), if one is set.
	pub key_setup: Option<verity_primitives::KeySetup>,
}

/// The methods.
#[rpc(client, server)]
pub trait ModelsApi<BlockHash, AccountId, BlockNumber> {
	/// Every registered model (retired ones included), by id.
	#[method(name = "models_list")]
	fn list(&self, at: Option<BlockHash>) -> RpcResult<Vec<Model<AccountId, BlockNumber>>>;
}

/// The implementation over a client of blocks `B`, whose runtime's `(Balance, BlockNumber)`
/// are `M`.
pub struct Models<C, B, M> {
	client: Arc<C>,
	_types: std::marker::PhantomData<fn() -> (B, M)>,
}

impl<C, B, M> Models<C, B, M> {
	/// The methods over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Models { client, _types: Default::default() }
	}
}

fn runtime_error(e: impl ToString) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, e.to_string(), None::<()>)
}

impl<C, Block, AccountId, Balance, BlockNumber>
	ModelsApiServer<<Block as BlockT>::Hash, AccountId, BlockNumber>
	for Models<C, Block, (Balance, BlockNumber)>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ModelsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId:
		Codec + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
	Balance: Codec + ToString + Send + Sync + 'static,
	BlockNumber:
		Codec + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
	fn list(&self, at: Option<Block::Hash>) -> RpcResult<Vec<Model<AccountId, BlockNumber>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let models = self.client.runtime_api().models(at).map_err(runtime_error)?;
		Ok(models
			.into_iter()
			.map(|(id, view)| Model {
				id: H256(id.0),
				owner: view.owner,
				uri: String::from_utf8_lossy(&view.uri).into_owned(),
				io: view.io,
				price: view.price.to_string(),
				royalty_per_billion: view.royalty.deconstruct(),
				modes: view.modes,
				deposit: view.deposit.to_string(),
				retired: view.retired,
				registered_at: view.registered_at,
				has_key: view.has_key,
				key_setup: view.key_setup,
			})
			.collect())
	}
}
