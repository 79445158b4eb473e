//! The local network of `zombienet/local.toml`, started without zombienet: the same nodes with
//! the same arguments, each a real `verity-node` process on this machine, and the faults it must
//! survive, checked as a user would check them (and a `Consensus` round played across two of
//! its nodes).
//!
//! One test runs the checks in order on one network (six to seven nodes on two cores are
//! started once): each check leaves the network whole for the next.
//!
//! 1. Models travel: only Alice's node holds the demo model; Eve's and Ferdie's workers fetch
//!    it from their peers over the blob protocol.
//! 2. An inference node killed while jobs are assigned to it (Ferdie): its jobs pass their
//!    deadline, Ferdie is slashed, and each job is settled by Eve or refunded, none lost.
//! 3. A validator dies (Dave): blocks and finality go on; restarted, it resyncs and authors
//!    blocks again.
//! 4. A node started late with an empty database (Ferdie's, whose disk is replaced; its keys
//!    stay) syncs the chain, fetches the model again and serves jobs.
//! 5. A worker restarted while it holds jobs (Eve) serves each of them once.
//! 6. A peer that serves corrupt bytes of a blob (Mallory) is not trusted again for it; the job
//!    is served from another peer.
//! 7. Soak: the load generator against the network, no job lost.
//! 8. A partition: Dave and Ferdie restart into a group of their own (`--reserved-only`).
//!    Finality stalls there and goes on on the majority's side, where Ferdie's jobs are
//!    reassigned; healed, Dave and Ferdie follow the majority's finalized chain. No job lost.

#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::panic,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

#[path = "../../node/tests/common/mod.rs"]
mod common;

use std::{collections::BTreeMap, path::Path, time::Duration};

use common::{bond, demo_input, job, metric, register_blob_model, Node};
use frame_support::BoundedVec;
use jsonrpsee::rpc_params;
use pallet_inference::JobStatus;
use serde_json::Value;
use sp_core::{Bytes, H256};
use sp_keyring::Sr25519Keyring;
use verity_node::worker::{demo, WorkerStatus};
use verity_primitives::{currency::UNIT, JobId, ModelId, VerificationMode};
use verity_runtime::{
	genesis_config_presets::DEMO_MODEL_ID, AccountId, Balance, RuntimeCall, RuntimeEvent,
};

/// A node of `zombienet/local.toml`, as the harness reads it.
#[derive(Debug, serde::Deserialize)]
struct Definition {
	name: String,
	#[serde(default = "yes")]
	validator: bool,
	#[serde(default)]
	args: Vec<String>,
}

fn yes() -> bool {
	true
}

#[derive(Debug, serde::Deserialize)]
struct Relaychain {
	default_command: String,
	chain: String,
	nodes: Vec<Definition>,
}

#[derive(Debug, serde::Deserialize)]
struct Network {
	relaychain: Relaychain,
}

/// The network definition the README tells people to start with zombienet.
fn definitions() -> Vec<Definition> {
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../zombienet/local.toml");
	let text = std::fs::read_to_string(&path).unwrap();
	let network: Network = toml::from_str(&text).unwrap();
	assert_eq!(network.relaychain.default_command, "verity-node");
	assert_eq!(network.relaychain.chain, "local");
	network.relaychain.nodes
}

/// The operator key a non-validator node's worker signs with: //Eve for `eve`.
fn operator_seed(name: &str) -> String {
	let mut chars = name.chars();
	let first = chars.next().unwrap().to_uppercase().collect::<String>();
	format!("//{first}{}", chars.as_str())
}

/// Runs `verity-node key <args> --chain local --base-path <base>`, as an operator would.
fn key(base: &Path, args: &[&str]) {
	let status = std::process::Command::new(env!("CARGO_BIN_EXE_verity-node"))
		.arg("key")
		.args(args)
		.args(["--chain", "local", "--base-path"])
		.arg(base)
		.stderr(std::process::Stdio::null())
		.status()
		.unwrap();
	assert!(status.success(), "verity-node key {args:?}");
}

/// Starts node `definition` of the local network (booting from `bootnode`), with `extra`
/// arguments, as zombienet would: a node key of its own, `--chain local --name <name>`,
/// `--validator` for validators, the definition's own arguments, and the operator key of a
/// non-validator in its keystore.
async fn start(definition: &Definition, bootnode: Option<&str>, extra: &[&str]) -> Node {
	let mut args: Vec<String> = vec!["--chain".into(), "local".into(), "--name".into()];
	args.push(definition.name.clone());
	args.extend(["--rpc-methods".into(), "unsafe".into()]);
	if definition.validator {
		args.push("--validator".into());
	}
	if let Some(bootnode) = bootnode {
		args.extend(["--bootnodes".into(), bootnode.into()]);
	}
	args.extend(definition.args.iter().cloned());
	if !definition.validator {
		// What the worker did, job by job, in the log a failing test prints.
		args.push("-lverity::worker=debug".into());
	}
	args.extend(extra.iter().map(|arg| arg.to_string()));
	let seed = (!definition.validator).then(|| operator_seed(&definition.name));
	Node::start(&format!("net-{}", definition.name), "verity_local", args, |base| {
		key(base, &["generate-node-key"]);
		if let Some(seed) = seed {
			key(base, &["insert", "--key-type", "vrty", "--scheme", "sr25519", "--suri", &seed]);
		}
	})
	.await
}

/// The multiaddress others boot from.
async fn multiaddr(node: &Node) -> String {
	let peer: String = node.call("system_localPeerId", rpc_params![]).await.unwrap();
	format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", node.p2p_port)
}

/// The nodes by name.
struct Net {
	nodes: BTreeMap<String, Node>,
	bootnode: String,
}

impl Net {
	fn get(&self, name: &str) -> &Node {
		&self.nodes[name]
	}

	fn get_mut(&mut self, name: &str) -> &mut Node {
		self.nodes.get_mut(name).unwrap()
	}

	/// Waits until every running node has finalized block `number`.
	async fn all_finalize(&self, number: u64, timeout: Duration) {
		for node in self.nodes.values().filter(|node| node.is_running()) {
			node.wait_until(
				&format!("{} finalizes #{number}", node.name),
				timeout,
				|n| async move { n.finalized_number().await.filter(|f| *f >= number) },
			)
			.await;
		}
	}
}

fn account(key: Sr25519Keyring) -> AccountId {
	key.to_account_id()
}

/// The jobs `events` report submitted, with their workers.
fn submitted(events: &[RuntimeEvent]) -> Vec<(JobId, AccountId)> {
	events
		.iter()
		.filter_map(|event| match event {
			RuntimeEvent::Inference(pallet_inference::Event::JobSubmitted {
				job, worker, ..
			}) => Some((*job, worker.clone())),
			_ => None,
		})
		.collect()
}

/// `requester` submits `count` demo jobs in one `submit_jobs` through `node`.
async fn submit_jobs(
	node: &Node,
	requester: &sp_core::sr25519::Pair,
	model: ModelId,
	count: u32,
) -> Vec<(JobId, AccountId)> {
	let call = RuntimeCall::Inference(pallet_inference::Call::submit_jobs {
		model,
		mode: VerificationMode::Fast,
		max_fee: 2 * UNIT,
		inputs: BoundedVec::truncate_from(
			(0..count)
				.map(|i| {
					pallet_inference::JobInput::Inline(BoundedVec::truncate_from(demo_input(i)))
				})
				.collect(),
		),
	});
	let jobs = submitted(&node.submit_and_watch(call, requester).await);
	assert_eq!(jobs.len(), count as usize);
	jobs
}

/// Submits batches of demo jobs until at least one is assigned to `holder`; returns them all.
async fn submit_until_held_by(
	node: &Node,
	requester: &sp_core::sr25519::Pair,
	holder: &AccountId,
) -> Vec<(JobId, AccountId)> {
	let mut jobs = Vec::new();
	for _ in 0..8 {
		jobs.extend(submit_jobs(node, requester, DEMO_MODEL_ID, 8).await);
		if jobs.iter().any(|(_, worker)| worker == holder) {
			return jobs;
		}
	}
	panic!("no job went to {holder} in {} jobs", jobs.len());
}

/// Waits until every job in `jobs` has ended; returns them as they ended.
async fn ended(
	node: &Node,
	jobs: &[(JobId, AccountId)],
	timeout: Duration,
) -> Vec<pallet_inference::JobView<AccountId, Balance, u32>> {
	let mut done = Vec::new();
	for (id, _) in jobs {
		let view = node
			.wait_until(&format!("job {} ends", id.0), timeout, |n| async move {
				job(n, id.0).await.filter(|view| !view.status.is_open())
			})
			.await;
		done.push(view);
	}
	done
}

/// A Prometheus sample of `node`, zero if it has none yet.
async fn sample(node: &Node, name: &str, label: &str) -> f64 {
	metric(&node.metrics().await, name, label).unwrap_or(0.0)
}

#[tokio::test]
async fn the_local_network_survives_its_faults() {
	let definitions = definitions();
	let names: Vec<&str> = definitions.iter().map(|d| d.name.as_str()).collect();
	assert_eq!(names, ["alice", "bob", "charlie", "dave", "eve", "ferdie"]);
	let validators = definitions.iter().filter(|d| d.validator).count();
	assert_eq!(validators, 4, "four validators, so that one may die");
	let definition = |name: &str| definitions.iter().find(|d| d.name == name).unwrap();

	let alice = start(definition("alice"), None, &[]).await;
	let bootnode = multiaddr(&alice).await;
	let mut net = Net { nodes: BTreeMap::new(), bootnode };
	net.nodes.insert("alice".into(), alice);
	for definition in &definitions[1..] {
		let node = start(definition, Some(&net.bootnode), &[]).await;
		net.nodes.insert(definition.name.clone(), node);
	}
	net.all_finalize(2, Duration::from_secs(180)).await;
	let (eve, ferdie) = (account(Sr25519Keyring::Eve), account(Sr25519Keyring::Ferdie));

	// 1. Models travel: Eve's and Ferdie's workers fetched the demo model, which only Alice
	// holds, from their peers ahead of their first job.
	for name in ["eve", "ferdie"] {
		fetched_from_peers(net.get(name), DEMO_MODEL_ID).await;
	}
	assert!(sample(net.get("alice"), "verity_blobs_chunks_served_total", "").await >= 1.0);

	// Eve and Ferdie verify the demo model too: a `Consensus(1)` job's worker and verifier are
	// the two nodes, each committing and revealing from its own keystore.
	let call = RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model: DEMO_MODEL_ID,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(demo_input(3))),
		mode: VerificationMode::Consensus(1),
		max_fee: 2 * UNIT,
	});
	let requester = Sr25519Keyring::numeric(2);
	let round = submitted(&net.get("alice").submit_and_watch(call, &requester).await);
	let view = ended(net.get("alice"), &round, Duration::from_secs(180)).await.remove(0);
	assert_eq!(view.status, JobStatus::Settled, "the round of Eve and Ferdie settles");
	for name in ["eve", "ferdie"] {
		let reveals = sample(net.get(name), "verity_worker_round_steps_total", "step=\"reveal\"");
		assert_eq!(reveals.await, 1.0, "{name} revealed once");
	}
	println!("1. the demo model travelled; a Consensus(1) round of Eve and Ferdie settled");

	// 2. Ferdie's node dies; jobs assigned to Ferdie pass their deadline, Ferdie is slashed,
	// and each ends settled by Eve or refunded.
	net.get_mut("ferdie").kill();
	let requester = Sr25519Keyring::numeric(1);
	let ferdie_bond = bond(net.get("alice"), &ferdie).await.unwrap();
	let jobs = submit_until_held_by(net.get("alice"), &requester, &ferdie).await;
	let held_by_ferdie = jobs.iter().filter(|(_, worker)| *worker == ferdie).count();
	// Deadlines are a minute (ten blocks); a reassigned job gets another.
	let views = ended(net.get("alice"), &jobs, Duration::from_secs(300)).await;
	for view in &views {
		match view.status {
			JobStatus::Settled => {
				assert_eq!(view.worker, eve, "job {} settled by Eve", view.id.0);
				assert!(view.output.is_some());
			},
			JobStatus::Refunded(_) => assert!(view.output.is_none()),
			JobStatus::Assigned => unreachable!(),
		}
	}
	let slashed = ferdie_bond - bond(net.get("alice"), &ferdie).await.unwrap();
	assert!(slashed > 0, "Ferdie missed {held_by_ferdie} deadlines and lost nothing");
	println!(
		"2. {held_by_ferdie} of {} jobs held by a dead node: all ended; slashed {slashed}",
		jobs.len()
	);

	// 3. Dave dies: blocks and finality go on without him (three of four validators finalize).
	net.get_mut("dave").kill();
	let finalized = net.get("alice").finalized_number().await.unwrap();
	net.get("alice")
		.wait_until("finality goes on without Dave", Duration::from_secs(120), |n| async move {
			n.finalized_number().await.filter(|f| *f >= finalized + 3)
		})
		.await;
	// Restarted, he resyncs and authors again.
	net.get_mut("dave").restart().await;
	let best = net.get("alice").best_number().await.unwrap();
	let dave = net.get("dave");
	dave.wait_until("Dave resyncs", Duration::from_secs(120), |n| async move {
		n.best_number().await.filter(|b| *b >= best)
	})
	.await;
	dave.wait_until("Dave authors a block again", Duration::from_secs(120), |n| async move {
		let proposed = metric(&n.metrics().await, "substrate_proposer_block_constructed_count", "");
		proposed.filter(|count| *count >= 1.0)
	})
	.await;
	let finalized = net.get("alice").finalized_number().await.unwrap();
	net.all_finalize(finalized + 2, Duration::from_secs(120)).await;
	println!("3. a validator died and came back; finality went on");

	// 4. Ferdie's node comes back late with an empty database and model store (its keys
	// stay): it syncs, fetches the demo model from its peers again and serves the jobs
	// assigned to it.
	net.get("ferdie").remove_database();
	net.get_mut("ferdie").restart().await;
	let best = net.get("alice").best_number().await.unwrap();
	net.get("ferdie")
		.wait_until("Ferdie syncs", Duration::from_secs(180), |n| async move {
			n.best_number().await.filter(|b| *b >= best)
		})
		.await;
	let jobs = submit_until_held_by(net.get("alice"), &requester, &ferdie).await;
	let views = ended(net.get("alice"), &jobs, Duration::from_secs(180)).await;
	for view in &views {
		assert_eq!(view.status, JobStatus::Settled, "job {}", view.id.0);
	}
	let by_ferdie = views.iter().filter(|view| view.worker == ferdie).count();
	assert!(by_ferdie >= 1);
	fetched_from_peers(net.get("ferdie"), DEMO_MODEL_ID).await;
	println!("4. a late node synced and settled {by_ferdie} jobs");

	// 5. Eve's node dies while jobs are assigned to her and comes back before their deadline:
	// she serves each of them, once.
	net.get_mut("eve").kill();
	let jobs = submit_until_held_by(net.get("alice"), &requester, &eve).await;
	let held_by_eve: Vec<JobId> =
		jobs.iter().filter(|(_, worker)| *worker == eve).map(|(id, _)| *id).collect();
	net.get_mut("eve").restart().await;
	let views = ended(net.get("alice"), &jobs, Duration::from_secs(180)).await;
	for view in &views {
		assert_eq!(view.status, JobStatus::Settled, "job {}", view.id.0);
		if held_by_eve.contains(&view.id) {
			assert_eq!(view.worker, eve, "job {} was Eve's", view.id.0);
		}
	}
	// Every job that ended with Eve (hers, and any Ferdie declined to her) was run once.
	let settled_by_eve = views.iter().filter(|view| view.worker == eve).count();
	let status: WorkerStatus = net.get("eve").call("worker_status", rpc_params![]).await.unwrap();
	assert_eq!(
		(status.executed, status.failed),
		(settled_by_eve as u64, 0),
		"after the restart Eve ran each job she ended with once: {status:?}"
	);
	println!(
		"5. a restarted worker served its {} held jobs once ({settled_by_eve} settled by it)",
		held_by_eve.len()
	);

	// 6. Mallory's node serves corrupt bytes. A model only Mallory holds: Ferdie, who serves
	// it, tries Mallory and stops trusting it for that model. Then Alice holds it too: the job
	// is served from Alice, and Mallory is not asked again.
	let mallory = Definition { name: "mallory".into(), validator: false, args: Vec::new() };
	let mallory = start(&mallory, Some(&net.bootnode), &["--worker-serve-corrupt-blobs"]).await;
	let bytes = demo::mlp(&[16, 8, 4], 12);
	let id: H256 = mallory.call("blobs_put", rpc_params![Bytes(bytes.clone())]).await.unwrap();
	let model = ModelId(id.0);
	net.nodes.insert("mallory".into(), mallory);
	// Everyone connected to Mallory before Ferdie declares the model.
	net.get("ferdie")
		.wait_until("Ferdie has six peers", Duration::from_secs(120), |n| async move {
			let health: Value = n.call("system_health", rpc_params![]).await.ok()?;
			(health["peers"].as_u64()? >= 6).then_some(())
		})
		.await;
	register_blob_model(net.get("alice"), model, Sr25519Keyring::Bob).await;
	serve(net.get("alice"), Sr25519Keyring::Ferdie, vec![DEMO_MODEL_ID, model]).await;
	net.get("ferdie")
		.wait_until("Ferdie finds Mallory's bytes corrupt", Duration::from_secs(120), |n| async {
			let corrupt =
				metric(&n.metrics().await, "verity_blobs_fetches_total", r#"outcome="corrupt""#);
			corrupt.filter(|count| *count >= 1.0)
		})
		.await;
	let _: H256 = net.get("alice").call("blobs_put", rpc_params![Bytes(bytes)]).await.unwrap();
	let served_by_mallory =
		sample(net.get("mallory"), "verity_blobs_chunks_served_total", "").await;
	let jobs = submit_jobs(net.get("alice"), &requester, model, 1).await;
	assert_eq!(jobs[0].1, ferdie, "only Ferdie serves the model");
	let views = ended(net.get("alice"), &jobs, Duration::from_secs(120)).await;
	assert_eq!(views[0].status, JobStatus::Settled);
	assert_eq!(
		sample(net.get("mallory"), "verity_blobs_chunks_served_total", "").await,
		served_by_mallory,
		"Mallory was asked again"
	);
	assert_eq!(
		sample(net.get("ferdie"), "verity_blobs_fetches_total", r#"outcome="corrupt""#).await,
		1.0
	);
	println!("6. a corrupt peer was caught and not asked again");

	net.get_mut("mallory").kill();

	// 7. Soak: the load generator against the network (Alice's RPC), every job settled.
	soak(net.get("alice")).await;

	// 8. Dave and Ferdie restart into a group of their own: one validator of four cannot
	// finalize; the other three can.
	partition(&mut net, &["dave", "ferdie"]).await;
	// What the minority may still learn is what the majority had finalized when Ferdie, the
	// last of the group to leave it, was cut off: Dave, restarted first, syncs it from Ferdie
	// (a CI run saw Dave catch up after this point). Nothing after it reaches them.
	let majority_finalized = net.get("alice").finalized_number().await.unwrap();
	net.get("alice")
		.wait_until("the majority finalizes", Duration::from_secs(120), |n| async move {
			n.finalized_number().await.filter(|f| *f >= majority_finalized + 3)
		})
		.await;
	// Ferdie's jobs, on the majority's side, go to Eve when their deadline passes.
	let jobs = submit_until_held_by(net.get("alice"), &requester, &ferdie).await;
	let views = ended(net.get("alice"), &jobs, Duration::from_secs(300)).await;
	assert!(views.iter().all(|view| view.status == JobStatus::Settled && view.worker == eve));
	let dave_finalized = net.get("dave").finalized_number().await.unwrap();
	assert!(dave_finalized <= majority_finalized + 1, "the minority finalized alone");
	println!(
		"8. partitioned: the minority stayed at #{dave_finalized}, the majority finalized #{}",
		net.get("alice").finalized_number().await.unwrap()
	);
	// Healed: everyone follows the majority's finalized chain.
	heal(&mut net, &["dave", "ferdie"]).await;
	let finalized = net.get("alice").finalized_number().await.unwrap();
	net.all_finalize(finalized + 2, Duration::from_secs(180)).await;
	let hash: String =
		net.get("alice").call("chain_getBlockHash", rpc_params![finalized]).await.unwrap();
	for node in net.nodes.values().filter(|node| node.is_running()) {
		let theirs: String = node.call("chain_getBlockHash", rpc_params![finalized]).await.unwrap();
		assert_eq!(theirs, hash, "{} finalized another chain", node.name);
	}
	println!("8. healed: every node finalized #{finalized} of the majority's chain");
}

/// Waits until `node`'s worker has fetched blob `model` from a peer and holds it.
async fn fetched_from_peers(node: &Node, model: ModelId) {
	node.wait_until(
		&format!("{} fetches the model from a peer", node.name),
		Duration::from_secs(120),
		|n| async move {
			let fetched =
				metric(&n.metrics().await, "verity_blobs_fetches_total", r#"outcome="fetched""#)?;
			let stored: Option<Bytes> =
				n.call("blobs_get", rpc_params![H256(model.0)]).await.ok()?;
			(fetched >= 1.0 && stored.is_some()).then_some(())
		},
	)
	.await;
}

/// Restarts the nodes `group` into a group of their own: they connect only to each other.
async fn partition(net: &mut Net, group: &[&str]) {
	let mut addresses = BTreeMap::new();
	for name in group {
		addresses.insert(*name, multiaddr(net.get(name)).await);
	}
	for name in group {
		let mut extra = vec!["--reserved-only".to_string()];
		for (_, address) in addresses.iter().filter(|(other, _)| *other != name) {
			extra.extend(["--reserved-nodes".to_string(), address.clone()]);
		}
		let node = net.get_mut(name);
		node.kill();
		node.restart_with(&extra).await;
	}
}

/// Restarts the nodes `group` as they were, booting from Alice.
async fn heal(net: &mut Net, group: &[&str]) {
	for name in group {
		let node = net.get_mut(name);
		node.kill();
		node.restart().await;
	}
}

/// `operator` declares that it serves `models`.
async fn serve(node: &Node, operator: Sr25519Keyring, models: Vec<ModelId>) {
	let serve = RuntimeCall::Operators(pallet_operators::Call::set_capabilities {
		caps: pallet_operators::Capabilities {
			models: BoundedVec::truncate_from(models),
			max_concurrent_jobs: 64,
			accelerator: false,
		},
	});
	node.submit_and_watch(serve, &operator.pair()).await;
}

/// Runs `scripts/js/loadgen.mjs` against `node` for a short while; fails on any lost job.
async fn soak(node: &Node) {
	let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
	let js = root.join("scripts/js");
	assert!(
		js.join("node_modules").exists(),
		"the soak needs the JS client's packages: (cd scripts/js && npm ci)"
	);
	let out = std::env::temp_dir().join(format!("verity-net-soak-{}", std::process::id()));
	let output = tokio::process::Command::new("node")
		.arg(js.join("loadgen.mjs"))
		.args(["--url", &format!("ws://127.0.0.1:{}", node.rpc_port)])
		.args(["--rate", "10", "--duration", "30", "--drain", "90", "--accounts", "8", "--quiet"])
		.arg("--out")
		.arg(&out)
		.output()
		.await
		.unwrap();
	let report: Value = serde_json::from_slice(&output.stdout)
		.unwrap_or_else(|e| panic!("loadgen: {e}\n{}", String::from_utf8_lossy(&output.stderr)));
	assert!(output.status.success(), "loadgen failed: {report:#}");
	println!("7. soak: {}", serde_json::to_string(&report["jobs"]).unwrap());
	let _ = std::fs::remove_dir_all(&out);
}
