//! A real `verity-node` for end-to-end tests: started on free ports with a temporary base path,
//! talked to over JSON-RPC, and killed when the handle drops — also when a test panics.

#![allow(
	dead_code,
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::panic,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

use std::{
	fs::File,
	net::TcpListener,
	path::PathBuf,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

use codec::{Decode, Encode};
use jsonrpsee::{
	core::{client::ClientT, params::ArrayParams},
	http_client::{HttpClient, HttpClientBuilder},
	rpc_params,
};
use serde_json::Value;
use sp_core::H256;
use verity_node::tx::ChainContext;
use verity_runtime::{AccountId, Balance, Nonce};

/// A running node.
pub struct Node {
	child: Child,
	/// Its JSON-RPC endpoint.
	pub rpc: HttpClient,
	/// Where its output goes; printed when a test fails.
	pub log: PathBuf,
	/// Its Prometheus port.
	pub prometheus_port: u16,
	base: PathBuf,
}

/// A TCP port nobody listens on right now.
fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Node {
	/// Starts `verity-node --dev` with `extra` arguments and waits for its RPC to answer.
	pub async fn start_dev(name: &str, extra: &[&str]) -> Node {
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let base = std::env::temp_dir().join(format!("verity-e2e-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&base);
		std::fs::create_dir_all(&base).unwrap();
		let log = base.join("node.log");
		let out = File::create(&log).unwrap();
		let child = Command::new(env!("CARGO_BIN_EXE_verity-node"))
			.args(["--dev", "--base-path"])
			.arg(base.join("chain"))
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--port", &p2p_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.args(["--no-telemetry", "--no-mdns"])
			.args(extra)
			.stdin(Stdio::null())
			.stdout(out.try_clone().unwrap())
			.stderr(out)
			.spawn()
			.expect("verity-node starts");
		let rpc = HttpClientBuilder::default()
			.request_timeout(Duration::from_secs(30))
			.build(format!("http://127.0.0.1:{rpc_port}"))
			.unwrap();
		let node = Node { child, rpc, log, prometheus_port, base };
		node.wait_until("the RPC server answers", Duration::from_secs(180), |n| async move {
			n.call::<Value>("system_health", rpc_params![]).await.ok().map(|_| ())
		})
		.await;
		node
	}

	/// The dev chain's data directory (`<base>/chains/verity_dev`).
	pub fn chain_dir(&self) -> PathBuf {
		self.base.join("chain").join("chains").join("verity_dev")
	}

	/// The node's Prometheus metrics, as text.
	pub async fn metrics(&self) -> String {
		let url = format!("http://127.0.0.1:{}/metrics", self.prometheus_port);
		reqwest::get(url).await.unwrap().text().await.unwrap()
	}

	/// A JSON-RPC call.
	pub async fn call<T: serde::de::DeserializeOwned>(
		&self,
		method: &str,
		params: ArrayParams,
	) -> Result<T, jsonrpsee::core::client::Error> {
		self.rpc.request(method, params).await
	}

	/// Polls `check` every 250 ms until it returns `Some`, or fails the test after `timeout`.
	pub async fn wait_until<'a, T, F, Fut>(&'a self, what: &str, timeout: Duration, check: F) -> T
	where
		F: Fn(&'a Node) -> Fut,
		Fut: std::future::Future<Output = Option<T>>,
	{
		let start = Instant::now();
		loop {
			if let Some(value) = check(self).await {
				return value;
			}
			if start.elapsed() > timeout {
				self.dump_log();
				panic!("timed out after {timeout:?} waiting until {what}");
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// The number of the best block.
	pub async fn best_number(&self) -> Option<u64> {
		let header: Value = self.call("chain_getHeader", rpc_params![]).await.ok()?;
		parse_number(&header["number"])
	}

	/// The number of the last finalized block.
	pub async fn finalized_number(&self) -> Option<u64> {
		let hash: Value = self.call("chain_getFinalizedHead", rpc_params![]).await.ok()?;
		let header: Value = self.call("chain_getHeader", rpc_params![hash]).await.ok()?;
		parse_number(&header["number"])
	}

	/// Genesis hash and runtime version, as a transaction signs them.
	pub async fn chain_context(&self) -> ChainContext {
		let genesis: String = self.call("chain_getBlockHash", rpc_params![0]).await.unwrap();
		let version: Value = self.call("state_getRuntimeVersion", rpc_params![]).await.unwrap();
		ChainContext {
			genesis_hash: parse_hash(&genesis),
			spec_version: version["specVersion"].as_u64().unwrap() as u32,
			transaction_version: version["transactionVersion"].as_u64().unwrap() as u32,
		}
	}

	/// The next nonce of `who`, counting transactions in the pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Nonce {
		let ss58 = sp_core::crypto::Ss58Codec::to_ss58check(who);
		self.call::<u64>("system_accountNextIndex", rpc_params![ss58]).await.unwrap() as Nonce
	}

	/// The free balance of `who` at the best block (zero for an account that does not exist).
	pub async fn free_balance(&self, who: &AccountId) -> Balance {
		let mut key = sp_io::hashing::twox_128(b"System").to_vec();
		key.extend(sp_io::hashing::twox_128(b"Account"));
		key.extend(sp_io::hashing::blake2_128(who.as_ref()));
		key.extend(who.encode());
		let data: Option<String> = self
			.call("state_getStorage", rpc_params![format!("0x{}", hex::encode(key))])
			.await
			.unwrap();
		data.map_or(0, |hex_data| {
			let bytes = hex::decode(hex_data.trim_start_matches("0x")).unwrap();
			let info =
				frame_system::AccountInfo::<Nonce, pallet_balances::AccountData<Balance>>::decode(
					&mut &bytes[..],
				)
				.unwrap();
			info.data.free
		})
	}

	/// Submits a signed extrinsic; returns its hash.
	pub async fn submit(&self, extrinsic_hex: &str) -> String {
		self.call("author_submitExtrinsic", rpc_params![extrinsic_hex]).await.unwrap()
	}

	/// The number of the first block at or after `from` whose body holds `extrinsic_hex`.
	pub async fn find_inclusion(&self, from: u64, extrinsic_hex: &str) -> Option<u64> {
		let best = self.best_number().await?;
		for number in from..=best {
			let hash: Value = self.call("chain_getBlockHash", rpc_params![number]).await.ok()?;
			let block: Value = self.call("chain_getBlock", rpc_params![hash]).await.ok()?;
			let included = block["block"]["extrinsics"]
				.as_array()?
				.iter()
				.any(|xt| xt.as_str() == Some(extrinsic_hex));
			if included {
				return Some(number);
			}
		}
		None
	}

	/// Prints the node's log (for a failing test).
	pub fn dump_log(&self) {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let tail: Vec<&str> = text.lines().rev().take(80).collect();
		eprintln!("--- last lines of {} ---", self.log.display());
		for line in tail.iter().rev() {
			eprintln!("{line}");
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		if std::thread::panicking() {
			self.dump_log();
		} else {
			let _ = std::fs::remove_dir_all(&self.base);
		}
	}
}

fn parse_number(value: &Value) -> Option<u64> {
	u64::from_str_radix(value.as_str()?.trim_start_matches("0x"), 16).ok()
}

fn parse_hash(text: &str) -> H256 {
	let bytes = hex::decode(text.trim_start_matches("0x")).unwrap();
	H256::from_slice(&bytes)
}

impl Node {
	/// Calls runtime API `method` (`Trait_method`) with SCALE-encoded `args` at the best block
	/// and decodes its answer.
	pub async fn state_call<T: Decode>(&self, method: &str, args: impl Encode) -> T {
		let data = format!("0x{}", hex::encode(args.encode()));
		let answer: String = self.call("state_call", rpc_params![method, data]).await.unwrap();
		let bytes = hex::decode(answer.trim_start_matches("0x")).unwrap();
		T::decode(&mut &bytes[..]).unwrap()
	}

	/// The runtime events of block `number`.
	pub async fn events_at(&self, number: u64) -> Vec<verity_runtime::RuntimeEvent> {
		let hash: Value = self.call("chain_getBlockHash", rpc_params![number]).await.unwrap();
		let mut key = sp_io::hashing::twox_128(b"System").to_vec();
		key.extend(sp_io::hashing::twox_128(b"Events"));
		let data: Option<String> = self
			.call("state_getStorage", rpc_params![format!("0x{}", hex::encode(key)), hash])
			.await
			.unwrap();
		let Some(data) = data else { return Vec::new() };
		let bytes = hex::decode(data.trim_start_matches("0x")).unwrap();
		Vec::<frame_system::EventRecord<verity_runtime::RuntimeEvent, H256>>::decode(
			&mut &bytes[..],
		)
		.unwrap()
		.into_iter()
		.map(|record| record.event)
		.collect()
	}

	/// Signs `call` by `signer` with its next nonce, submits it, waits until a block includes it
	/// and returns that block's events.
	pub async fn submit_and_watch(
		&self,
		call: verity_runtime::RuntimeCall,
		signer: &sp_core::sr25519::Pair,
	) -> Vec<verity_runtime::RuntimeEvent> {
		use sp_core::Pair;
		let who = AccountId::from(signer.public());
		let nonce = self.next_nonce(&who).await;
		let from = self.best_number().await.unwrap_or(0);
		let xt = verity_node::tx::signed(call, signer, nonce, 0, self.chain_context().await);
		let xt = verity_node::tx::to_hex(&xt);
		self.submit(&xt).await;
		let block = self
			.wait_until("the extrinsic is included", Duration::from_secs(60), |n| {
				let xt = xt.clone();
				async move { n.find_inclusion(from, &xt).await }
			})
			.await;
		self.events_at(block).await
	}
}
