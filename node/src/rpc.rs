//! The node's JSON-RPC methods beyond those `sc-service` provides: account nonces
//! (`system_accountNextIndex`), fee queries (`payment_*`) and, with `--sealing manual`, block
//! sealing (`engine_createBlock`, `engine_finalizeBlock`); the market's `inference_job`,
//! `inference_jobsOf`, `inference_estimateFee`, `models_list`, `operators_list` and
//! `oracle_values` (the
//! pallets' `rpc` crates over their runtime APIs); the worker's `worker_status` and the
//! model store's `blobs_put` / `blobs_get` ([`crate::worker::rpc`]).

use std::sync::Arc;

use jsonrpsee::RpcModule;
use pallet_feeds_rpc::{Oracle, OracleApiServer};
use pallet_inference_rpc::{Inference, InferenceApiServer};
use pallet_models_rpc::{Models, ModelsApiServer};
use pallet_operators_rpc::{Operators, OperatorsApiServer};
use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
use sc_consensus_manual_seal::{
	rpc::{ManualSeal, ManualSealApiServer},
	EngineCommand,
};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use substrate_frame_rpc_system::{System, SystemApiServer};
use verity_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Hash, Nonce};

use crate::worker::rpc::{Worker, WorkerApiServer};

/// What the RPC methods need.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// Where `engine_*` calls send their commands, with `--sealing manual`.
	pub seal_commands: Option<futures::channel::mpsc::Sender<EngineCommand<Hash>>>,
	/// The worker and model store (`worker_status`, `blobs_*`).
	pub worker: Arc<crate::worker::Shared>,
}

/// Builds the RPC module of the node's own methods.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ pallet_inference_runtime_api::InferenceApi<Block, AccountId, Balance, BlockNumber>
		+ pallet_models_runtime_api::ModelsApi<Block, AccountId, Balance, BlockNumber>
		+ pallet_operators_runtime_api::OperatorsApi<Block, AccountId, Balance, BlockNumber>
		+ pallet_feeds_runtime_api::FeedsApi<Block, AccountId, Balance, BlockNumber>
		+ BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	let mut module = RpcModule::new(());
	let FullDeps { client, pool, seal_commands, worker } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Inference::<_, Block, (Balance, BlockNumber)>::new(client.clone()).into_rpc())?;
	module.merge(Models::<_, Block, (Balance, BlockNumber)>::new(client.clone()).into_rpc())?;
	module.merge(Operators::<_, Block, (Balance, BlockNumber)>::new(client.clone()).into_rpc())?;
	module.merge(Oracle::<_, Block, (Balance, BlockNumber)>::new(client).into_rpc())?;
	module.merge(Worker(worker).into_rpc())?;
	if let Some(commands) = seal_commands {
		module.merge(ManualSeal::new(commands).into_rpc())?;
	}
	Ok(module)
}
