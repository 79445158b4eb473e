//! `Zk` jobs end to end through the real node: the dev worker proves a demo job and the chain
//! settles it on the verified proof; proofs made by hand (as Alice, the demo model's only
//! operator, on a node without a worker) show what the chain refuses and what it costs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use ark_std::rand::SeedableRng;
use common::{bond, job, Node};
use frame_support::BoundedVec;
use sp_keyring::Sr25519Keyring;
use verity_node::worker::demo;
use verity_primitives::{currency::UNIT, zk_binding, JobId, VerificationMode};
use verity_runtime::{
	genesis_config_presets::{DEMO_MODEL_ID, DEMO_MODEL_VK},
	AccountId, Balance, BlockNumber, RuntimeCall, RuntimeEvent,
};
use verity_zkml::{interpreter, onnx, prover, public, verifier};

type JobView = pallet_inference::JobView<AccountId, Balance, BlockNumber>;

/// A demo input, quantized: 16 `i8` at the IR's scale.
fn zk_input(seed: u32) -> Vec<i8> {
	let real: Vec<f32> = (0..16u32).map(|i| ((i * 7 + seed) % 23) as f32 / 8.0 - 1.4).collect();
	onnx::quantize_input(&real, onnx::ImportOptions::default().input_frac)
}

fn bytes(values: &[i8]) -> Vec<u8> {
	values.iter().map(|v| *v as u8).collect()
}

fn submit_zk_job(input: &[i8]) -> RuntimeCall {
	RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model: DEMO_MODEL_ID,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(bytes(input))),
		mode: VerificationMode::Zk,
		max_fee: 3 * UNIT,
	})
}

fn submit_proof(job: u64, output: Vec<u8>, proof: Vec<u8>) -> RuntimeCall {
	RuntimeCall::Inference(pallet_inference::Call::submit_proof {
		job: JobId(job),
		output: BoundedVec::truncate_from(output),
		proof: BoundedVec::truncate_from(proof),
	})
}

/// The events of every block up to the best one.
async fn all_events(node: &Node) -> Vec<RuntimeEvent> {
	let mut events = Vec::new();
	for number in 1..=node.best_number().await.unwrap_or(0) {
		events.extend(node.events_at(number).await);
	}
	events
}

#[test]
fn the_committed_demo_key_is_the_demo_models() {
	let (ir, key) = demo::demo_zk_keys().unwrap();
	let vk = prover::verifying_key_bytes(&key.vk);
	assert_eq!(vk, DEMO_MODEL_VK, "regenerate node/res/demo-model.vk (scripts/gen-demo-model.sh)");
	assert_eq!(std::fs::read("res/demo-model.vk").unwrap(), vk);
	assert_eq!((ir.input_len, ir.output_len()), (16, 4));
}

#[tokio::test]
async fn the_dev_worker_proves_a_zk_job_and_the_chain_settles_it() {
	let node = Node::start_dev("zk-worker", &["--sealing", "instant", "--worker"]).await;
	let charlie = Sr25519Keyring::Charlie;
	let input = zk_input(1);
	let (ir, _) = demo::demo_zk_keys().unwrap();
	let expected = interpreter::run(&ir, &input).unwrap();

	// The dev node makes the demo model's proving key in the background at start.
	let pk = node.chain_dir().join("zk").join(format!("0x{}.pk", hex::encode(DEMO_MODEL_ID.0)));
	node.wait_until("the demo proving key is written", Duration::from_secs(120), |_| {
		let exists = pk.exists();
		async move { exists.then_some(()) }
	})
	.await;
	let before = node.free_balance(&charlie.to_account_id()).await;
	node.submit_and_watch(submit_zk_job(&input), &charlie.pair()).await;
	let settled = node
		.wait_until("the Zk job settles", Duration::from_secs(120), |n| async move {
			job(n, 0).await.filter(|j| j.status != pallet_inference::JobStatus::Assigned)
		})
		.await;
	assert_eq!(settled.status, pallet_inference::JobStatus::Settled, "{settled:?}");
	// The chain holds the reference interpreter's output; the fee is twice the price.
	assert_eq!(settled.output, Some(bytes(&expected)));
	assert_eq!(settled.paid, 2 * UNIT);
	assert!(node.free_balance(&charlie.to_account_id()).await < before - 2 * UNIT + UNIT);

	let alice: AccountId = Sr25519Keyring::Alice.to_account_id();
	let events = all_events(&node).await;
	assert!(events.contains(&RuntimeEvent::Settlement(pallet_settlement::Event::ProofVerified {
		job: JobId(0),
		worker: alice,
	})));
	assert!(events.contains(&RuntimeEvent::Inference(pallet_inference::Event::JobSettled {
		job: JobId(0),
		paid: 2 * UNIT,
	})));
	// A burst: the proofs that are ready together go out as one `submit_proofs`, checked with
	// one multi-pairing.
	const BURST: u64 = 4;
	let context = node.chain_context().await;
	let nonce = node.next_nonce(&charlie.to_account_id()).await;
	for i in 0..BURST {
		let xt = verity_node::tx::signed(
			submit_zk_job(&zk_input(10 + i as u32)),
			&charlie.pair(),
			nonce + i as u32,
			0,
			context,
		);
		node.submit(&verity_node::tx::to_hex(&xt)).await;
	}
	for i in 1..=BURST {
		let done = node
			.wait_until("the burst's jobs settle", Duration::from_secs(120), |n| async move {
				job(n, i).await.filter(|j| j.status != pallet_inference::JobStatus::Assigned)
			})
			.await;
		assert_eq!(done.status, pallet_inference::JobStatus::Settled, "job {i}: {done:?}");
		let expected = interpreter::run(&ir, &zk_input(10 + i as u32 - 1)).unwrap();
		assert_eq!(done.output, Some(bytes(&expected)));
	}

	let metrics = node.metrics().await;
	let proofs = metrics
		.lines()
		.find(|line| line.starts_with("verity_worker_proof_seconds_count"))
		.and_then(|line| line.rsplit(' ').next())
		.and_then(|value| value.parse::<f64>().ok());
	assert_eq!(proofs, Some(1.0 + BURST as f64), "{metrics}");
}

#[tokio::test]
async fn the_chain_refuses_proofs_for_another_job_changed_outputs_and_malformed_bytes() {
	// No worker: the test answers as Alice.
	let node = Node::start_dev("zk-soundness", &["--sealing", "instant"]).await;
	let (alice, charlie) = (Sr25519Keyring::Alice, Sr25519Keyring::Charlie);
	let alice_id: AccountId = alice.to_account_id();
	let (ir, key) = demo::demo_zk_keys().unwrap();
	let prove = |job: u64, input: &[i8]| {
		let binding = public::binding(&zk_binding(JobId(job), &alice_id));
		let mut rng = ark_std::rand::rngs::StdRng::seed_from_u64(job);
		let (output, proof) = prover::prove(&key, &ir, input, binding, &mut rng).unwrap();
		(bytes(&output), verifier::encode_proof(&proof))
	};
	for seed in 0..3 {
		node.submit_and_watch(submit_zk_job(&zk_input(seed)), &charlie.pair()).await;
	}
	let status = |j: Option<JobView>| j.unwrap().status;

	// Job 0: a malformed proof is an error that changes nothing (Alice pays the fee).
	let (output, proof) = prove(0, &zk_input(0));
	let events =
		node.submit_and_watch(submit_proof(0, output.clone(), vec![7; 384]), &alice.pair()).await;
	assert!(events
		.iter()
		.any(|e| matches!(e, RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { .. }))));
	assert_eq!(status(job(&node, 0).await), pallet_inference::JobStatus::Assigned);
	// Then the right proof settles it.
	let events = node.submit_and_watch(submit_proof(0, output, proof.clone()), &alice.pair()).await;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Settlement(pallet_settlement::Event::ProofVerified { .. })
	)));
	assert_eq!(status(job(&node, 0).await), pallet_inference::JobStatus::Settled);

	// Job 1 answered with job 0's proof: rejected, Alice slashed, Charlie refunded.
	let (output0, _) = prove(0, &zk_input(0));
	let bond_before = bond(&node, &alice_id).await;
	let events = node.submit_and_watch(submit_proof(1, output0, proof), &alice.pair()).await;
	assert!(events.contains(&RuntimeEvent::Settlement(pallet_settlement::Event::ProofRejected {
		job: JobId(1),
		worker: alice_id.clone(),
	})));
	let refunded = pallet_inference::JobStatus::Refunded(pallet_inference::RefundReason::BadProof);
	assert_eq!(status(job(&node, 1).await), refunded);
	let bond_after = bond(&node, &alice_id).await;
	assert!(bond_after < bond_before, "{bond_before:?} -> {bond_after:?}");

	// Job 2 with a changed output: rejected.
	let (mut output2, proof2) = prove(2, &zk_input(2));
	output2[0] = output2[0].wrapping_add(1);
	node.submit_and_watch(submit_proof(2, output2, proof2), &alice.pair()).await;
	assert_eq!(status(job(&node, 2).await), refunded);
	// Nothing is left held from Charlie.
	let jobs: Vec<JobView> = node.state_call("InferenceApi_jobs_of", charlie.to_account_id()).await;
	assert_eq!(jobs.len(), 3);
	assert!(jobs.iter().all(|j| j.status != pallet_inference::JobStatus::Assigned));
}

#[test]
fn zk_setup_says_what_its_key_is_worth() {
	let dir = std::env::temp_dir().join(format!("verity-zk-setup-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let model = dir.join("model.onnx");
	std::fs::write(&model, demo::mlp(&[16, 8, 4], 3)).unwrap();
	let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity-node"))
		.args(["zk", "setup"])
		.arg(&model)
		.arg("--out")
		.arg(dir.join("keys"))
		.output()
		.unwrap();
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(stderr.contains("TRUST:"), "{stderr}");
	assert!(stderr.contains("valid proof of ANY output"), "{stderr}");
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(stdout.contains("verifying key"), "{stdout}");
	let _ = std::fs::remove_dir_all(&dir);
}
