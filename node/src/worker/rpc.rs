//! Node-local JSON-RPC methods of the worker and the model store.
//!
//! - `worker_status()`: the worker's queue, counters, cached models and recent latencies.
//! - `blobs_put(bytes, io?)`: puts model bytes into this node's store; returns their id, the
//!   model id to register with a `blob:` URI. The bytes must be an ONNX model; with `io` (the
//!   tensors it will be registered with, as `models.register_model` takes them) tract must load
//!   it for that input and a run must give that output. Refused bytes are error
//!   [`INVALID_MODEL`] with the reason.
//! - `blobs_get(id)`: the bytes of a stored model, or `null`.
//!
//! Both blob methods are unsafe (only with `--rpc-methods unsafe`, or on a node whose RPC listens
//! on localhost only): the store holds private models too, and writes cost the node disk.

use std::sync::Arc;

use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	Extensions,
};
use pallet_models::IoView;
use sp_core::{Bytes, H256};
use verity_primitives::ModelId;

use super::{Shared, WorkerStatus};

/// The store refused the bytes or failed.
pub const STORE_ERROR: i32 = 9100;
/// The bytes are not an ONNX model that runs with the declared tensors.
pub const INVALID_MODEL: i32 = 9101;

fn store_error(e: impl ToString) -> ErrorObjectOwned {
	ErrorObject::owned(STORE_ERROR, e.to_string(), None::<()>)
}

/// The worker's and the model store's methods.
#[rpc(server)]
pub trait WorkerApi {
	/// The worker's status.
	#[method(name = "worker_status")]
	fn status(&self) -> RpcResult<WorkerStatus>;

	/// Puts model bytes into the node's store, once checked (see the module docs); returns
	/// their id (blake2-256).
	#[method(name = "blobs_put", with_extensions)]
	fn blobs_put(&self, bytes: Bytes, io: Option<IoView>) -> RpcResult<H256>;

	/// The stored bytes of model `id`, if the store has them.
	#[method(name = "blobs_get", with_extensions)]
	fn blobs_get(&self, id: H256) -> RpcResult<Option<Bytes>>;
}

/// The methods' implementation over the worker's shared parts.
pub struct Worker(pub Arc<Shared>);

impl WorkerApiServer for Worker {
	fn status(&self) -> RpcResult<WorkerStatus> {
		Ok(self.0.status())
	}

	fn blobs_put(&self, ext: &Extensions, bytes: Bytes, io: Option<IoView>) -> RpcResult<H256> {
		sc_rpc_api::check_if_safe(ext)?;
		super::engine::check(&bytes, io.as_ref(), self.0.engine.limits())
			.map_err(|e| ErrorObject::owned(INVALID_MODEL, e.to_string(), None::<()>))?;
		self.0.store.put(&bytes).map(|id| H256(id.0)).map_err(store_error)
	}

	fn blobs_get(&self, ext: &Extensions, id: H256) -> RpcResult<Option<Bytes>> {
		sc_rpc_api::check_if_safe(ext)?;
		self.0.store.get(&ModelId(id.0)).map(|bytes| bytes.map(Bytes)).map_err(store_error)
	}
}
