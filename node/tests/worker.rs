//! End to end through the real node with `--worker`: the dev chain's worker serves the demo
//! model out of the box — many jobs in flight at once, each result its own transaction — plays
//! a `Consensus` round as the job's worker and its three verifiers, a worker that lies
//! (`--worker-lie`) is caught by a challenge and by an audit, and a model whose stored bytes
//! are corrupt is refused and its job refunded, with no funds lost.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use common::{demo_input, job, metric, register_blob_model, Node};
use frame_support::BoundedVec;
use jsonrpsee::rpc_params;
use serde_json::Value;
use sp_core::{Bytes, Pair as _, H256};
use sp_keyring::Sr25519Keyring;
use verity_node::worker::{demo, engine::Loaded, WorkerStatus};
use verity_primitives::{currency::UNIT, ModelId, VerificationMode};
use verity_runtime::{
	genesis_config_presets::{DEMO_MODEL_ID, DEMO_MODEL_URI},
	AccountId, RuntimeCall, RuntimeEvent,
};

fn demo_io() -> pallet_models::IoView {
	let tensor =
		|shape: Vec<u32>| pallet_models::TensorView { dtype: pallet_models::DType::F32, shape };
	pallet_models::IoView { input: tensor(vec![1, 16]), output: tensor(vec![1, 4]) }
}

fn submit_job(model: ModelId, input: Vec<u8>) -> RuntimeCall {
	RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(input)),
		mode: VerificationMode::Fast,
		max_fee: 2 * UNIT,
	})
}

/// Bob registers `model` (in Alice's store) with the demo model's tensors and a `blob:` URI;
/// Alice serves it beside the demo model.
async fn register_and_serve(node: &Node, model: ModelId) {
	register_blob_model(node, model, Sr25519Keyring::Bob).await;
	let serve = RuntimeCall::Operators(pallet_operators::Call::set_capabilities {
		caps: pallet_operators::Capabilities {
			models: BoundedVec::truncate_from(vec![DEMO_MODEL_ID, model]),
			max_concurrent_jobs: 4,
			accelerator: false,
		},
	});
	node.submit_and_watch(serve, &Sr25519Keyring::Alice.pair()).await;
}

#[test]
fn the_committed_demo_model_is_generated_and_registered_in_genesis() {
	assert_eq!(demo::DEMO_MODEL, demo::demo_model().as_slice(), "run scripts/gen-demo-model.sh");
	assert_eq!(verity_node::worker::store::model_id(demo::DEMO_MODEL), DEMO_MODEL_ID);
	assert_eq!(DEMO_MODEL_URI, format!("blob:0x{}", hex::encode(DEMO_MODEL_ID.0)).as_bytes());
}

#[tokio::test]
async fn the_dev_worker_serves_the_demo_model() {
	let node = Node::start_dev("worker", &["--sealing", "instant", "--worker"]).await;
	let charlie = Sr25519Keyring::Charlie;
	let expected = Loaded::new(demo::DEMO_MODEL, &demo_io()).unwrap();

	// The demo model is in Alice's store.
	let stored: Option<Bytes> =
		node.call("blobs_get", rpc_params![H256(DEMO_MODEL_ID.0)]).await.unwrap();
	assert_eq!(stored.map(|b| b.0), Some(demo::DEMO_MODEL.to_vec()));

	// Twenty jobs submitted at once: twenty results in flight, each signed with its own nonce.
	const JOBS: u64 = 20;
	let context = node.chain_context().await;
	let nonce = node.next_nonce(&charlie.to_account_id()).await;
	for i in 0..JOBS {
		let call = submit_job(DEMO_MODEL_ID, demo_input(i as u32));
		let xt = verity_node::tx::signed(call, &charlie.pair(), nonce + i as u32, 0, context);
		node.submit(&verity_node::tx::to_hex(&xt)).await;
	}
	for i in 0..JOBS {
		let settled = node
			.wait_until("the job settles", Duration::from_secs(60), |n| async move {
				job(n, i).await.filter(|j| j.status == pallet_inference::JobStatus::Settled)
			})
			.await;
		// The chain holds what tract computes for this input.
		assert_eq!(settled.output, Some(expected.run(&demo_input(i as u32)).unwrap()), "job {i}");
		assert_eq!(settled.paid, UNIT);
	}

	let status: WorkerStatus = node.call("worker_status", rpc_params![]).await.unwrap();
	assert!(status.enabled);
	assert_eq!(status.executed, JOBS);
	assert_eq!(status.failed, 0);
	// Alice declares 4 096; the node runs at most `--worker-max-concurrency` (16) at once.
	assert_eq!(status.concurrency, 16);
	assert_eq!(status.models_cached, vec![format!("0x{}", hex::encode(DEMO_MODEL_ID.0))]);
	assert!(!status.recent_latencies_ms.is_empty());

	let metrics = node.metrics().await;
	assert_eq!(metric(&metrics, "verity_worker_jobs_executed_total", ""), Some(JOBS as f64));
	assert!(metric(&metrics, "verity_worker_inference_seconds_count", "").unwrap() >= 1.0);
	assert_eq!(metric(&metrics, "verity_worker_queue_depth", ""), Some(0.0));
}

#[tokio::test]
async fn a_consensus_job_settles_on_a_round_the_dev_node_plays() {
	// Alice runs the job; Bob, Charlie and Dave, whose keys the dev node holds too, verify it.
	let node = Node::start_dev("consensus", &["--worker"]).await;
	let eve = Sr25519Keyring::Eve;
	let call = RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model: DEMO_MODEL_ID,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(demo_input(5))),
		mode: VerificationMode::Consensus(3),
		max_fee: 5 * UNIT,
	});
	node.submit_and_watch(call, &eve.pair()).await;
	let settled = node
		.wait_until("the round settles the job", Duration::from_secs(120), |n| async move {
			job(n, 0).await.filter(|j| !j.status.is_open())
		})
		.await;
	assert_eq!(settled.status, pallet_inference::JobStatus::Settled);
	let expected = Loaded::new(demo::DEMO_MODEL, &demo_io()).unwrap().run(&demo_input(5)).unwrap();
	assert_eq!(settled.output.as_ref(), Some(&expected));
	// Four runs were paid for; each member's share left the escrow, the rest came back.
	assert_eq!(settled.fee, 4 * UNIT);
	assert!(settled.paid > 0 && settled.paid <= 4 * UNIT, "{}", settled.paid);

	// The round as a client sees it: every member revealed the agreed output.
	let round: Value = node.call("inference_round", rpc_params![0u64]).await.unwrap();
	assert_eq!(round["phase"], "closed:agreed", "{round}");
	assert_eq!(round["quorum"], 3);
	let agreed = format!("0x{}", hex::encode(sp_io::hashing::blake2_256(&expected)));
	assert_eq!(round["agreed"], agreed.as_str());
	let members = round["members"].as_array().unwrap();
	assert_eq!(members.len(), 4);
	assert!(members.iter().all(|m| m["state"] == "revealed" && m["outputHash"] == agreed.as_str()));
	let not_consensus: Value = node.call("inference_round", rpc_params![99u64]).await.unwrap();
	assert!(not_consensus.is_null());

	let status: WorkerStatus = node.call("worker_status", rpc_params![]).await.unwrap();
	assert_eq!((status.round_commits, status.round_reveals), (4, 4));
	let metrics = node.metrics().await;
	assert_eq!(metric(&metrics, "verity_worker_round_steps_total", "step=\"commit\""), Some(4.0));
	assert_eq!(metric(&metrics, "verity_worker_round_steps_total", "step=\"reveal\""), Some(4.0));
}

/// The challenge of job `id` as `inference_challenge` shows it, once upheld.
async fn upheld_challenge(node: &Node, id: u64) -> Option<Value> {
	let challenge: Value = node.call("inference_challenge", rpc_params![id]).await.ok()?;
	(challenge.get("outcome")? == "upheld").then_some(challenge)
}

#[tokio::test]
async fn a_lying_worker_is_caught_by_a_challenge_and_by_an_audit() {
	// Alice's worker flips every `Fast` output (`--worker-lie`); Bob, Charlie and Dave, whose
	// keys the dev node holds too, audit and judge honestly.
	let node = Node::start_dev("liar", &["--worker", "--worker-lie"]).await;
	let (alice, eve) = (Sr25519Keyring::Alice, Sr25519Keyring::Eve);
	// Every settled `Fast` job is audited, and a challenge is judged by one verifier: the dev
	// chain has three, and neither an auditor nor the worker judges its own challenge.
	let params = pallet_inference::MarketParams {
		execution_period: verity_runtime::configs::verity::EXECUTION_PERIOD,
		max_concurrent_jobs: verity_runtime::genesis_config_presets::DEV_MAX_CONCURRENT_JOBS,
		challenge_verifiers: 1,
		audit_fraction: sp_runtime::Perbill::one(),
		..Default::default()
	};
	let set = RuntimeCall::Inference(pallet_inference::Call::set_params { params });
	let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(set) });
	node.submit_and_watch(sudo, &alice.pair()).await;
	let alice_bond = common::bond(&node, &alice.to_account_id()).await.unwrap();
	let run =
		|seed| Loaded::new(demo::DEMO_MODEL, &demo_io()).unwrap().run(&demo_input(seed)).unwrap();
	let flipped = |output: &[u8]| output.iter().map(|byte| !byte).collect::<Vec<u8>>();

	// Two jobs: Eve challenges the first herself; the second is left to its audit.
	node.submit_and_watch(submit_job(DEMO_MODEL_ID, demo_input(7)), &eve.pair()).await;
	node.submit_and_watch(submit_job(DEMO_MODEL_ID, demo_input(8)), &eve.pair()).await;
	let settled = node
		.wait_until("the lie settles", Duration::from_secs(60), |n| async move {
			job(n, 0).await.filter(|j| j.status == pallet_inference::JobStatus::Settled)
		})
		.await;
	assert_eq!(settled.output, Some(flipped(&run(7))), "the worker lied");
	let challenge = RuntimeCall::Inference(pallet_inference::Call::challenge {
		job: verity_primitives::JobId(0),
	});
	let events = node.submit_and_watch(challenge, &eve.pair()).await;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Inference(pallet_inference::Event::Challenged { challenger, .. })
			if *challenger == eve.to_account_id()
	)));
	let upheld = node
		.wait_until("Eve's challenge is upheld", Duration::from_secs(120), |n| async move {
			upheld_challenge(n, 0).await
		})
		.await;
	assert_eq!(upheld["challenger"], eve.to_account_id().to_string());
	assert_eq!(
		job(&node, 0).await.unwrap().output,
		Some(run(7)),
		"the verifier's output replaces the lie"
	);

	// The second job's audit: drawn at its deadline entry, run by the auditor, who challenges.
	let upheld = node
		.wait_until("the audit's challenge is upheld", Duration::from_secs(180), |n| async move {
			upheld_challenge(n, 1).await
		})
		.await;
	let verifiers: Vec<String> = verity_runtime::genesis_config_presets::DEV_VERIFIERS
		.iter()
		.map(|key| key.to_account_id().to_string())
		.collect();
	assert!(verifiers.iter().any(|v| upheld["challenger"] == v.as_str()), "{upheld}");
	assert_eq!(job(&node, 1).await.unwrap().output, Some(run(8)));
	let round: Value = node.call("inference_round", rpc_params![1u64]).await.unwrap();
	assert_eq!(round["phase"], "closed:agreed", "{round}");
	assert_eq!(round["members"].as_array().unwrap().len(), 1);

	// Each lie cost Alice a tenth of her bond; her node audited and challenged.
	let after = common::bond(&node, &alice.to_account_id()).await.unwrap();
	assert!(after < alice_bond - alice_bond / 10, "{after} of {alice_bond}");
	let status: WorkerStatus = node.call("worker_status", rpc_params![]).await.unwrap();
	assert!(status.audits >= 1 && status.challenges >= 1, "{status:?}");
	let metrics = node.metrics().await;
	assert!(metric(&metrics, "verity_worker_audits_total", "outcome=\"mismatch\"") >= Some(1.0));
}

#[tokio::test]
async fn the_worker_signs_with_the_worker_key_the_operator_named() {
	let node = Node::start_dev("worker-key", &["--sealing", "instant", "--worker"]).await;
	let (alice, charlie) = (Sr25519Keyring::Alice, Sr25519Keyring::Charlie);
	let key = sp_core::sr25519::Pair::from_string("//AliceWorker", None).unwrap();
	let worker = AccountId::from(key.public());

	// The node gets the worker key; Alice funds it (for its fees) and proposes it.
	let public = format!("0x{}", hex::encode(key.public().0));
	let _: Value =
		node.call("author_insertKey", rpc_params!["vrty", "//AliceWorker", public]).await.unwrap();
	let fund = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: worker.clone().into(),
		value: 10 * UNIT,
	});
	node.submit_and_watch(fund, &alice.pair()).await;
	let propose =
		RuntimeCall::Operators(pallet_operators::Call::set_worker { worker: Some(worker.clone()) });
	node.submit_and_watch(propose, &alice.pair()).await;
	// The worker's key accepts: nobody can make another's key its worker.
	let accept = RuntimeCall::Operators(pallet_operators::Call::accept_worker {
		operator: alice.to_account_id(),
	});
	let events = node.submit_and_watch(accept, &key).await;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Operators(pallet_operators::Event::WorkerSet { worker: Some(w), .. }) if *w == worker
	)));
	let signs_for: Option<AccountId> =
		node.state_call("OperatorsApi_operator_for_key", worker.clone()).await;
	assert_eq!(signs_for, Some(alice.to_account_id()));

	// A job for Alice is delivered by the worker key: Alice's key signs nothing more.
	let alice_nonce = node.next_nonce(&alice.to_account_id()).await;
	let alice_before = node.free_balance(&alice.to_account_id()).await;
	node.submit_and_watch(submit_job(DEMO_MODEL_ID, demo_input(3)), &charlie.pair()).await;
	let settled = node
		.wait_until("the job settles", Duration::from_secs(60), |n| async move {
			job(n, 0).await.filter(|j| j.status == pallet_inference::JobStatus::Settled)
		})
		.await;
	assert_eq!(settled.worker, alice.to_account_id());
	assert_eq!(node.next_nonce(&alice.to_account_id()).await, alice_nonce);
	// The worker signed its acceptance and the result.
	assert_eq!(node.next_nonce(&worker).await, 2);
	// Alice is paid her share; the worker paid the transaction fee.
	assert!(node.free_balance(&alice.to_account_id()).await > alice_before);
	assert!(node.free_balance(&worker).await < 10 * UNIT);
}

#[tokio::test]
async fn a_model_over_the_memory_bound_is_refused_and_its_jobs_declined() {
	// A node whose models may take 1 MiB; the model's weights alone take about 1.1 MB.
	let node = Node::start_dev(
		"limits",
		&["--sealing", "instant", "--worker", "--worker-max-model-memory", "1"],
	)
	.await;
	let bob = Sr25519Keyring::Bob;
	let bytes = demo::mlp(&[16, 1024, 256, 4], 5);
	let io = demo_io();

	// Declared with its tensors, the store refuses it: the trial process says why.
	let refused = node
		.call::<H256>("blobs_put", rpc_params![Bytes(bytes.clone()), io.clone()])
		.await
		.unwrap_err()
		.to_string();
	assert!(refused.contains("over the node's limits"), "{refused}");

	// Stored without its tensors (only checked as ONNX) and registered, its job is declined
	// by the worker's trial and refunded; the model is refused for good.
	let id: H256 = node.call("blobs_put", rpc_params![Bytes(bytes.clone())]).await.unwrap();
	let model = ModelId(id.0);
	register_and_serve(&node, model).await;
	for id in 0..2 {
		node.submit_and_watch(submit_job(model, demo_input(id)), &bob.pair()).await;
		let refunded = node
			.wait_until("the job is refunded", Duration::from_secs(60), |n| async move {
				job(n, id as u64)
					.await
					.filter(|j| j.status != pallet_inference::JobStatus::Assigned)
			})
			.await;
		assert_eq!(
			refunded.status,
			pallet_inference::JobStatus::Refunded(pallet_inference::RefundReason::NoOperator)
		);
	}
	let status: WorkerStatus = node.call("worker_status", rpc_params![]).await.unwrap();
	assert_eq!(status.models_refused, vec![format!("0x{}", hex::encode(model.0))]);
	assert_eq!((status.executed, status.failed), (0, 2));
	let failures = metric(&node.metrics().await, "verity_worker_job_failures_total", "limits");
	assert_eq!(failures, Some(2.0));
	// The demo model still runs.
	node.submit_and_watch(submit_job(DEMO_MODEL_ID, demo_input(9)), &bob.pair()).await;
	node.wait_until("the demo job settles", Duration::from_secs(60), |n| async move {
		job(n, 2).await.filter(|j| j.status == pallet_inference::JobStatus::Settled)
	})
	.await;
}

#[tokio::test]
async fn corrupt_model_bytes_are_refused_and_the_job_refunded() {
	let node = Node::start_dev("corrupt", &["--sealing", "instant", "--worker"]).await;
	let charlie = Sr25519Keyring::Charlie;

	// Bob's model goes into Alice's store by RPC and on chain with a `blob:` URI.
	let bytes = demo::mlp(&[16, 8, 4], 7);
	let id: H256 = node.call("blobs_put", rpc_params![Bytes(bytes.clone())]).await.unwrap();
	let model = ModelId(id.0);
	assert_eq!(model, verity_node::worker::store::model_id(&bytes));
	register_and_serve(&node, model).await;

	// The bytes on Alice's disk rot.
	let file = node.chain_dir().join("models").join(format!("{}.onnx", hex::encode(model.0)));
	assert!(file.exists(), "{}", file.display());
	std::fs::write(&file, b"these are not the bytes you registered").unwrap();

	let charlie_before = node.free_balance(&charlie.to_account_id()).await;
	let events = node.submit_and_watch(submit_job(model, demo_input(1)), &charlie.pair()).await;
	let fee_paid = events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
			) => Some(*actual_fee),
			_ => None,
		})
		.unwrap();

	// Alice's worker refuses the bytes and declines; nobody else serves the model: refunded.
	let refunded = node
		.wait_until("the job is refunded", Duration::from_secs(60), |n| async move {
			job(n, 0).await.filter(|j| j.status != pallet_inference::JobStatus::Assigned)
		})
		.await;
	assert_eq!(
		refunded.status,
		// Declined, and no other operator serves the model.
		pallet_inference::JobStatus::Refunded(pallet_inference::RefundReason::NoOperator)
	);
	assert_eq!(refunded.output, None);
	// Charlie lost only the transaction fee of `submit_job`: the whole escrow came back; the
	// job's storage deposit stays held until the job is pruned.
	let deposit = UNIT / 10;
	assert_eq!(
		node.free_balance(&charlie.to_account_id()).await,
		charlie_before - fee_paid - deposit
	);
	// The corrupt file is gone; the worker counted one failure.
	assert!(!file.exists());
	let status: WorkerStatus = node.call("worker_status", rpc_params![]).await.unwrap();
	assert_eq!((status.executed, status.failed), (0, 1));
	let metrics = node.metrics().await;
	let failures = metric(&metrics, "verity_worker_job_failures_total", r#"reason="model""#);
	assert_eq!(failures, Some(1.0), "{metrics}");
}

#[tokio::test]
async fn the_store_takes_only_onnx_models_that_run_as_declared() {
	let node = Node::start_dev("blobs", &["--sealing", "instant"]).await;
	let refused = |result: Result<H256, jsonrpsee::core::client::Error>| match result {
		Err(jsonrpsee::core::client::Error::Call(e)) => {
			assert_eq!(e.code(), verity_node::worker::rpc::INVALID_MODEL);
			e.message().to_string()
		},
		other => panic!("expected a refusal, got {other:?}"),
	};
	// What a new user tried: a file that is not ONNX at all.
	let message = refused(node.call("blobs_put", rpc_params![Bytes(b"verity\n".to_vec())]).await);
	assert!(message.contains("not an ONNX model"), "{message}");
	let message =
		refused(node.call("blobs_put", rpc_params![Bytes(b"verity\n".to_vec()), demo_io()]).await);
	assert!(message.contains("does not load"), "{message}");
	// An ONNX model declared with the wrong tensors: input 16 wide, declared 8; output 4 wide,
	// declared 3.
	let bytes = demo::mlp(&[16, 8, 4], 7);
	let tensor =
		|shape: Vec<u32>| pallet_models::TensorView { dtype: pallet_models::DType::F32, shape };
	let wrong_input =
		pallet_models::IoView { input: tensor(vec![1, 8]), output: tensor(vec![1, 4]) };
	refused(node.call("blobs_put", rpc_params![Bytes(bytes.clone()), wrong_input]).await);
	let wrong_output =
		pallet_models::IoView { input: tensor(vec![1, 16]), output: tensor(vec![1, 3]) };
	let message =
		refused(node.call("blobs_put", rpc_params![Bytes(bytes.clone()), wrong_output]).await);
	assert!(message.contains("output"), "{message}");
	// Nothing refused was stored.
	let id = verity_node::worker::store::model_id(&bytes);
	let file = node.chain_dir().join("models").join(format!("{}.onnx", hex::encode(id.0)));
	assert!(!file.exists());
	// As declared, it is stored.
	let put: H256 =
		node.call("blobs_put", rpc_params![Bytes(bytes.clone()), demo_io()]).await.unwrap();
	assert_eq!(ModelId(put.0), id);
	assert!(file.exists());
}

#[tokio::test]
async fn blobs_are_served_only_to_unsafe_rpc() {
	// With safe RPC methods only, the store neither hands out models (some are private) nor
	// takes them.
	let node =
		Node::start_dev("blobs-safe", &["--sealing", "instant", "--rpc-methods", "safe"]).await;
	let got: Result<Option<Bytes>, _> =
		node.call("blobs_get", rpc_params![H256(DEMO_MODEL_ID.0)]).await;
	assert!(got.is_err(), "{got:?}");
	let put: Result<H256, _> =
		node.call("blobs_put", rpc_params![Bytes(demo::DEMO_MODEL.to_vec())]).await;
	assert!(put.is_err(), "{put:?}");
}

/// A tiny HTTP server on a free loopback port: every request gets the JSON `body` holds now.
async fn serve_json(body: std::sync::Arc<parking_lot::Mutex<Value>>) -> u16 {
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let port = listener.local_addr().unwrap().port();
	tokio::spawn(async move {
		while let Ok((mut socket, _)) = listener.accept().await {
			let body = body.clone();
			tokio::spawn(async move {
				// One request a connection: read its head, answer, close.
				let mut head = Vec::new();
				let mut byte = [0u8; 1];
				while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).await.unwrap_or(0) == 1
				{
					head.push(byte[0]);
				}
				let json = body.lock().to_string();
				let reply = format!(
					"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
					json.len()
				);
				let _ = socket.write_all(reply.as_bytes()).await;
			});
		}
	});
	port
}

/// The demo feeds as `oracle_values` shows them: (id, value if fresh).
async fn fresh_values(node: &Node) -> Vec<(u64, Option<String>)> {
	let feeds: Vec<Value> = node.call("oracle_values", rpc_params![]).await.unwrap_or_default();
	feeds
		.iter()
		.map(|feed| {
			let fresh = feed["fresh"].as_bool().unwrap_or(false);
			let value = feed["value"].as_str().filter(|_| fresh).map(str::to_string);
			(feed["id"].as_u64().unwrap_or(u64::MAX), value)
		})
		.collect()
}

#[tokio::test]
async fn the_oracle_worker_reports_a_local_source_and_feeds_jobs_and_a_subscription_run_on_it() {
	use verity_runtime::genesis_config_presets::DEMO_FEEDS;
	// Sixteen channels of -2 V, -1.75 V, …; channel 15 answers an absurd 99 V at first.
	let volts = |channel: u32| f64::from(channel) * 0.25 - 2.0;
	let mut sensors: Vec<f64> = (0..DEMO_FEEDS).map(volts).collect();
	sensors[15] = 99.0;
	let body =
		std::sync::Arc::new(parking_lot::Mutex::new(serde_json::json!({ "sensors": sensors })));
	let port = serve_json(body.clone()).await;
	let dir = std::env::temp_dir().join(format!("verity-oracle-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let sources = dir.join("sources.toml");
	let text: String = (0..DEMO_FEEDS)
		.map(|feed| {
			format!(
				"[[source]]\nfeed = {feed}\nurl = \"http://127.0.0.1:{port}/\"\npointer = \"/sensors/{feed}\"\ninterval = 1\nmin = -5.0\nmax = 5.0\n\n"
			)
		})
		.collect();
	std::fs::write(&sources, text).unwrap();
	let node = Node::start_dev(
		"oracle",
		&["--sealing", "instant", "--worker", "--oracle-sources", sources.to_str().unwrap()],
	)
	.await;

	// Alice, the dev chain's oracle, reports the fifteen sane channels (in millivolts, the
	// feeds' three decimals) and skips the absurd one.
	let expected = |channel: u32| Some(format!("{}", (volts(channel) * 1000.0) as i64));
	node.wait_until("fifteen feeds are reported", Duration::from_secs(60), |n| async move {
		let values = fresh_values(n).await;
		(values.len() == 16 && (0..15).all(|c| values[c as usize].1 == expected(c))).then_some(())
	})
	.await;
	let status: WorkerStatus = node.call("worker_status", rpc_params![]).await.unwrap();
	assert!(status.oracle_skipped >= 1, "{status:?}");
	assert_eq!(fresh_values(&node).await[15].1, None);

	// The source mends: its value is reported too.
	body.lock()["sensors"][15] = serde_json::json!(1.75);
	node.wait_until("the sixteenth feed is reported", Duration::from_secs(30), |n| async move {
		(fresh_values(n).await[15].1.as_deref() == Some("1750")).then_some(())
	})
	.await;

	// A job on the sixteen feeds: their values are frozen into it, and Alice's worker runs the
	// demo model on exactly them.
	let ids: Vec<u32> = (0..DEMO_FEEDS).collect();
	let call = RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model: DEMO_MODEL_ID,
		input: pallet_inference::JobInput::Feeds(BoundedVec::truncate_from(ids)),
		mode: VerificationMode::Fast,
		max_fee: 2 * UNIT,
	});
	node.submit_and_watch(call, &Sr25519Keyring::Eve.pair()).await;
	let settled = node
		.wait_until("the feeds job settles", Duration::from_secs(60), |n| async move {
			job(n, 0).await.filter(|j| j.status == pallet_inference::JobStatus::Settled)
		})
		.await;
	let mut input: Vec<u8> =
		(0..15).flat_map(|channel| (volts(channel) as f32).to_le_bytes()).collect();
	input.extend(1.75f32.to_le_bytes());
	assert_eq!(settled.input, input);
	let model = Loaded::new(demo::DEMO_MODEL, &demo_io()).unwrap();
	assert_eq!(settled.output, Some(model.run(&input).unwrap()));
	let view: Value = node.call("inference_job", rpc_params![0u64]).await.unwrap();
	let frozen = view["feeds"].as_array().unwrap();
	assert_eq!(frozen.len(), 16);
	assert_eq!(frozen[15]["value"], "1750");
	assert_eq!(frozen[15]["decimals"], 3);

	// A subscription over the same feeds: two runs, two blocks apart, each a job on the
	// values of its block, escrowed at once and settled by the worker.
	let subscribe = RuntimeCall::Inference(pallet_inference::Call::subscribe {
		model: DEMO_MODEL_ID,
		feeds: BoundedVec::truncate_from((0..DEMO_FEEDS).collect()),
		mode: VerificationMode::Fast,
		period: 2,
		runs: 2,
		max_fee: 2 * UNIT,
	});
	let events = node.submit_and_watch(subscribe, &Sr25519Keyring::Eve.pair()).await;
	assert!(events.iter().any(|event| matches!(
		event,
		verity_runtime::RuntimeEvent::Inference(pallet_inference::Event::Subscribed {
			subscription: 0,
			runs: 2,
			..
		})
	)));
	// The oracle's reports seal blocks of their own, so the first run may already be done.
	let view: Value = node.call("inference_subscription", rpc_params![0u64]).await.unwrap();
	assert_eq!(view["runsLeft"].as_u64().unwrap() + view["jobs"].as_u64().unwrap(), 2, "{view}");
	for id in [1, 2] {
		let settled = node
			.wait_until("a subscription's job settles", Duration::from_secs(60), |n| async move {
				job(n, id).await.filter(|j| j.status == pallet_inference::JobStatus::Settled)
			})
			.await;
		assert_eq!(settled.feeds.len(), 16);
		assert_eq!(settled.requester, Sr25519Keyring::Eve.to_account_id());
	}
	let left: Vec<Value> = node
		.call("inference_subscriptionsOf", rpc_params![Sr25519Keyring::Eve.to_account_id()])
		.await
		.unwrap();
	assert!(left.is_empty(), "the subscription is pruned when done: {left:?}");

	let metrics = node.metrics().await;
	let reported = metric(&metrics, "verity_oracle_values_total", "outcome=\"reported\"");
	assert!(reported.unwrap() >= 16.0, "{reported:?}");
	assert!(metric(&metrics, "verity_oracle_values_total", "outcome=\"skipped\"").unwrap() >= 1.0);
	let _ = std::fs::remove_dir_all(&dir);
}
