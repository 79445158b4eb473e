//! The `ModelsApi` runtime API: what clients and the node read about models.
//! Call it through `state_call("ModelsApi_model", SCALE(model_id))`; the `models_list` RPC
//! wraps `ModelsApi_models`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_models::{DType, IoView, ModelView, TensorView};
use verity_primitives::ModelId;

sp_api::decl_runtime_apis! {
	/// Reads the model registry. Version 2 added the models' tolerances.
	#[api_version(2)]
	pub trait ModelsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The model `id`, if registered (retired models included).
		fn model(id: ModelId) -> Option<ModelView<AccountId, Balance, BlockNumber>>;
		/// Every registered model, retired ones included, ordered by id (at most the
		/// runtime's `MaxModels`).
		fn models() -> Vec<(ModelId, ModelView<AccountId, Balance, BlockNumber>)>;
		/// The Groth16 verifying key of the model `id`, if one is set.
		fn verifying_key(id: ModelId) -> Option<Vec<u8>>;
		/// How closely two outputs of the model `id` must agree to count as one answer in a
		/// round, if it is registered.
		#[api_version(2)]
		fn tolerance(id: ModelId) -> Option<verity_primitives::Tolerance>;
	}
}
