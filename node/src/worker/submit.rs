//! Signed extrinsics from the worker's keys into the transaction pool.
//!
//! Results are submitted while earlier ones still wait in the pool, so the nonce of a new
//! transaction is the account's nonce at the best block plus its transactions already ready in
//! the pool — the rule of `system_accountNextIndex`. Submissions are serialised: each one sees
//! the one before it in the pool, and none collide. Nothing is remembered between submissions, so
//! a transaction the pool drops costs no stuck nonces.

use std::{collections::HashSet, sync::Arc};

use codec::Encode;
use sc_client_api::HeaderBackend;
use sc_transaction_pool_api::{InPoolTransaction, TransactionPool, TransactionSource};
use sp_api::{Core, ProvideRuntimeApi};
use sp_core::sr25519;
use sp_keystore::KeystorePtr;
use substrate_frame_rpc_system::AccountNonceApi;
use verity_runtime::{AccountId, Nonce, RuntimeCall};

use crate::{
	service::{FullClient, TransactionPool as Pool},
	tx::{signed_with, ChainContext},
	worker::KEY_TYPE,
};

/// Signs with the keystore and submits to the local pool.
pub struct Submitter {
	client: Arc<FullClient>,
	pool: Arc<Pool>,
	keystore: KeystorePtr,
	lock: tokio::sync::Mutex<()>,
}

impl Submitter {
	/// A submitter over the node's client, pool and keystore.
	pub fn new(client: Arc<FullClient>, pool: Arc<Pool>, keystore: KeystorePtr) -> Self {
		Submitter { client, pool, keystore, lock: Default::default() }
	}

	/// The next nonce of `account`: its nonce at `at`, past its transactions ready in the pool.
	fn next_nonce(
		&self,
		at: <verity_runtime::opaque::Block as sp_runtime::traits::Block>::Hash,
		account: &AccountId,
	) -> Result<Nonce, String> {
		let mut nonce = self
			.client
			.runtime_api()
			.account_nonce(at, account.clone())
			.map_err(|e| format!("cannot read the nonce: {e}"))?;
		let provided: HashSet<Vec<u8>> =
			self.pool.ready().flat_map(|tx| tx.provides().to_vec()).collect();
		while provided.contains(&(account, nonce).encode()) {
			nonce = nonce.saturating_add(1);
		}
		Ok(nonce)
	}

	/// Signs `call` with `signer`'s key from the keystore and submits it at the best block.
	/// `signed` gets the transaction's hash before it enters the pool (a block may include it
	/// before this returns).
	pub async fn submit(
		&self,
		signer: sr25519::Public,
		call: RuntimeCall,
		signed: impl FnOnce(sp_core::H256),
	) -> Result<(), String> {
		let _one_at_a_time = self.lock.lock().await;
		let info = self.client.info();
		let best = info.best_hash;
		let version = self
			.client
			.runtime_api()
			.version(best)
			.map_err(|e| format!("cannot read the runtime version: {e}"))?;
		let chain = ChainContext {
			genesis_hash: info.genesis_hash,
			spec_version: version.spec_version,
			transaction_version: version.transaction_version,
		};
		let account = AccountId::from(signer);
		let nonce = self.next_nonce(best, &account)?;
		let sign = |payload: &[u8]| match self.keystore.sr25519_sign(KEY_TYPE, &signer, payload) {
			Ok(Some(signature)) => Ok(signature),
			Ok(None) => Err(format!("the keystore has no {account} key")),
			Err(e) => Err(format!("the keystore failed to sign: {e}")),
		};
		let extrinsic = signed_with(call, signer, sign, nonce, 0, chain)?;
		signed(sp_io::hashing::blake2_256(&extrinsic.encode()).into());
		self.pool
			.submit_one(best, TransactionSource::Local, extrinsic.into())
			.await
			.map(|_| ())
			.map_err(|e| format!("the pool refused the transaction: {e}"))
	}
}
