//! `oracle_values` JSON-RPC method: a thin wrapper of the `FeedsApi` runtime API with typed
//! JSON (values and balances as decimal strings: an `i64` does not fit a JavaScript number). A
//! failing runtime call is [`RUNTIME_ERROR`].

use std::sync::Arc;

use codec::Codec;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
};
use pallet_feeds_runtime_api::{FeedView, FeedsApi as FeedsRuntimeApi};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

/// The runtime call failed.
pub const RUNTIME_ERROR: i32 = 9500;

/// A feed and its current value as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feed<AccountId, BlockNumber> {
	pub id: u32,
	/// Who created it (`null`: governance).
	pub creator: Option<AccountId>,
	pub deposit: String,
	/// What it measures (UTF-8, lossy).
	pub description: String,
	/// The unit of its values (UTF-8, lossy).
	pub unit: String,
	/// A value `v` stands for `v × 10^-decimals` units.
	pub decimals: u8,
	/// The combined value (the median of the oracles' recent reports), if any.
	pub value: Option<String>,
	/// When the report the median took was made (ms since the Unix epoch).
	pub timestamp: Option<u64>,
	/// The last block in which an oracle reported the feed.
	pub reported_at: Option<BlockNumber>,
	/// Whether a job may use the value now (it exists and is not stale).
	pub fresh: bool,
}

impl<AccountId, Balance: ToString, BlockNumber> From<FeedView<AccountId, Balance, BlockNumber>>
	for Feed<AccountId, BlockNumber>
{
	fn from(view: FeedView<AccountId, Balance, BlockNumber>) -> Self {
		let (value, timestamp, reported_at) = match view.reading {
			Some(reading) => {
				(Some(reading.value.to_string()), Some(reading.timestamp), Some(reading.block))
			},
			None => (None, None, None),
		};
		Feed {
			id: view.id,
			creator: view.creator,
			deposit: view.deposit.to_string(),
			description: String::from_utf8_lossy(&view.description).into_owned(),
			unit: String::from_utf8_lossy(&view.unit).into_owned(),
			decimals: view.decimals,
			value,
			timestamp,
			reported_at,
			fresh: view.fresh,
		}
	}
}

/// The methods.
#[rpc(client, server)]
pub trait OracleApi<BlockHash, AccountId, BlockNumber> {
	/// Every registered feed with its current value, by id.
	#[method(name = "oracle_values")]
	fn values(&self, at: Option<BlockHash>) -> RpcResult<Vec<Feed<AccountId, BlockNumber>>>;
}

/// The implementation over a client of blocks `B`, whose runtime's `(Balance, BlockNumber)`
/// are `M`.
pub struct Oracle<C, B, M> {
	client: Arc<C>,
	_types: std::marker::PhantomData<fn() -> (B, M)>,
}

impl<C, B, M> Oracle<C, B, M> {
	/// The methods over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Oracle { client, _types: Default::default() }
	}
}

fn runtime_error(e: impl ToString) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, e.to_string(), None::<()>)
}

impl<C, Block, AccountId, Balance, BlockNumber>
	OracleApiServer<<Block as BlockT>::Hash, AccountId, BlockNumber>
	for Oracle<C, Block, (Balance, BlockNumber)>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: FeedsRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId:
		Codec + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
	Balance: Codec + ToString + Send + Sync + 'static,
	BlockNumber:
		Codec + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
	fn values(&self, at: Option<Block::Hash>) -> RpcResult<Vec<Feed<AccountId, BlockNumber>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let feeds = self.client.runtime_api().feeds(at).map_err(runtime_error)?;
		Ok(feeds.into_iter().map(Feed::from).collect())
	}
}
