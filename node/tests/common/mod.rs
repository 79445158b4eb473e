//! A real `verity-node` for end-to-end tests: started on free ports with a temporary base path,
//! talked to over JSON-RPC, killed (and, for the network's fault tests, restarted on the same
//! database) at will, and killed when the handle drops — also when a test panics.

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

/// A node started by a test.
pub struct Node {
	/// Its name (`--name`, and its directory's).
	pub name: String,
	child: Option<Child>,
	/// Its JSON-RPC endpoint.
	pub rpc: HttpClient,
	/// Its JSON-RPC (HTTP and WebSocket) port.
	pub rpc_port: u16,
	/// Its peer-to-peer port.
	pub p2p_port: u16,
	/// Where its output goes; printed when a test fails.
	pub log: PathBuf,
	/// Its Prometheus port.
	pub prometheus_port: u16,
	base: PathBuf,
	chain_id: &'static str,
	args: Vec<String>,
}

/// A TCP port nobody listens on right now.
fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Node {
	/// Starts `verity-node --dev` with `extra` arguments and waits for its RPC to answer.
	pub async fn start_dev(name: &str, extra: &[&str]) -> Node {
		let args: Vec<String> =
			std::iter::once("--dev").chain(extra.iter().copied()).map(String::from).collect();
		Node::start(name, "verity_dev", args, |_| ()).await
	}

	/// Starts `verity-node` with `args` on chain `chain_id` (its spec named in `args`) and
	/// waits for its RPC to answer; `prepare` runs on the fresh base path before the start (to
	/// insert keys, for example).
	pub async fn start(
		name: &str,
		chain_id: &'static str,
		args: Vec<String>,
		prepare: impl FnOnce(&std::path::Path),
	) -> Node {
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let base = std::env::temp_dir().join(format!("verity-e2e-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&base);
		std::fs::create_dir_all(&base).unwrap();
		prepare(&base.join("chain"));
		let rpc = HttpClientBuilder::default()
			.request_timeout(Duration::from_secs(30))
			.build(format!("http://127.0.0.1:{rpc_port}"))
			.unwrap();
		let log = base.join("node.log");
		let mut node = Node {
			name: name.to_string(),
			child: None,
			rpc,
			rpc_port,
			p2p_port,
			log,
			prometheus_port,
			base,
			chain_id,
			args,
		};
		node.spawn(&[]).await;
		node
	}

	/// Starts the process (again, on the same database, ports and keys), with `extra`
	/// arguments this time, and waits for its RPC.
	async fn spawn(&mut self, extra: &[String]) {
		let out = File::options().create(true).append(true).open(&self.log).unwrap();
		let child = Command::new(env!("CARGO_BIN_EXE_verity-node"))
			.arg("--base-path")
			.arg(self.base.join("chain"))
			.args(["--rpc-port", &self.rpc_port.to_string()])
			.args(["--port", &self.p2p_port.to_string()])
			.args(["--prometheus-port", &self.prometheus_port.to_string()])
			.args(["--no-telemetry", "--no-mdns"])
			.args(&self.args)
			.args(extra)
			.stdin(Stdio::null())
			.stdout(out.try_clone().unwrap())
			.stderr(out)
			.spawn()
			.expect("verity-node starts");
		self.child = Some(child);
		let start = Instant::now();
		while self.call::<Value>("system_health", rpc_params![]).await.is_err() {
			let exited = self.child.as_mut().and_then(|child| child.try_wait().ok().flatten());
			if let Some(status) = exited {
				self.dump_log();
				panic!("{} exited before its RPC answered: {status}", self.name);
			}
			if start.elapsed() > Duration::from_secs(180) {
				self.dump_log();
				panic!("{}'s RPC did not answer within 180 s", self.name);
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// Kills the process at once (`SIGKILL`: no orderly shutdown), keeping its database.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Starts a killed node again on its database.
	pub async fn restart(&mut self) {
		self.restart_with(&[]).await;
	}

	/// Starts a killed node again on its database, with `extra` arguments this time.
	pub async fn restart_with(&mut self, extra: &[String]) {
		assert!(self.child.is_none(), "{} is running", self.name);
		self.spawn(extra).await;
	}

	/// Removes a killed node's chain database and model store; its keys (keystore, node key)
	/// stay, as on a machine whose data disk was replaced.
	pub fn remove_database(&self) {
		assert!(self.child.is_none(), "{} is running", self.name);
		for dir in ["paritydb", "db", "models"] {
			let _ = std::fs::remove_dir_all(self.chain_dir().join(dir));
		}
	}

	/// Whether the process runs.
	pub fn is_running(&self) -> bool {
		self.child.is_some()
	}

	/// The chain's data directory (`<base>/chains/<chain id>`).
	pub fn chain_dir(&self) -> PathBuf {
		self.base.join("chain").join("chains").join(self.chain_id)
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
		eprintln!("--- last lines of {} ({}) ---", self.log.display(), self.name);
		for line in tail.iter().rev() {
			eprintln!("{line}");
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
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

/// An input of the demo model: 16 `f32`, little-endian.
pub fn demo_input(seed: u32) -> Vec<u8> {
	(0..16u32).flat_map(|i| ((i * 7 + seed) as f32 / 10.0 - 1.0).to_le_bytes()).collect()
}

/// The value of the Prometheus sample `name` whose labels include `label` (any label if empty).
pub fn metric(text: &str, name: &str, label: &str) -> Option<f64> {
	text.lines().find_map(|line| {
		let rest = line.strip_prefix(name)?;
		let (labels, value) = match rest.strip_prefix('{') {
			Some(rest) => rest.split_once("} ")?,
			None => ("", rest.strip_prefix(' ')?),
		};
		labels.contains(label).then(|| value.trim().parse().ok()).flatten()
	})
}

/// Job `id` as `InferenceApi_job` reports it.
pub async fn job(
	node: &Node,
	id: u64,
) -> Option<pallet_inference::JobView<AccountId, Balance, verity_runtime::BlockNumber>> {
	node.state_call("InferenceApi_job", verity_primitives::JobId(id)).await
}

/// The active bond of operator `who`, if it is one.
pub async fn bond(node: &Node, who: &AccountId) -> Option<Balance> {
	node.state_call::<Option<pallet_operators::OperatorView<Balance, verity_runtime::BlockNumber>>>(
		"OperatorsApi_operator",
		who.clone(),
	)
	.await
	.map(|o| o.bonded)
}

/// `owner` registers `model` (a `Fast` model with the demo model's tensors, one VRT a job) with
/// a `blob:` URI.
pub async fn register_blob_model(
	node: &Node,
	model: verity_primitives::ModelId,
	owner: sp_keyring::Sr25519Keyring,
) {
	use frame_support::BoundedVec;
	let tensor = |shape: Vec<u32>| pallet_models::TensorSpec {
		dtype: pallet_models::DType::F32,
		shape: BoundedVec::truncate_from(shape),
	};
	let register = verity_runtime::RuntimeCall::Models(pallet_models::Call::register_model {
		hash: model,
		uri: BoundedVec::truncate_from(format!("blob:0x{}", hex::encode(model.0)).into_bytes()),
		io: pallet_models::IoSpec { input: tensor(vec![1, 16]), output: tensor(vec![1, 4]) },
		price: verity_primitives::currency::UNIT,
		royalty: sp_runtime::Perbill::from_percent(5),
		modes: verity_primitives::ModeSet::FAST,
	});
	node.submit_and_watch(register, &owner.pair()).await;
}
