//! End to end through the real node: a new account becomes an inference operator by signed
//! extrinsics and is read back through the `OperatorsApi` runtime API; a model is registered, a
//! `Fast` job is paid, delivered and settled, and the `InferenceApi` reports it; the market's
//! JSON-RPC methods (`inference_*`, `models_list`, `operators_list`) report the same state.

#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	clippy::panic
)]

mod common;

use common::Node;
use frame_support::BoundedVec;
use sp_keyring::Sr25519Keyring;
use verity_primitives::{currency::UNIT, JobId, ModeSet, ModelId, Role, RoleSet, VerificationMode};
use verity_runtime::{AccountId, Balance, BlockNumber, RuntimeCall, RuntimeEvent};

type OperatorView = pallet_operators::OperatorView<Balance, BlockNumber>;
type JobView = pallet_inference::JobView<AccountId, Balance, BlockNumber>;

fn succeeded(events: &[RuntimeEvent]) -> bool {
	events.iter().any(|event| {
		matches!(event, RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. }))
	}) && !events.iter().any(|event| {
		matches!(event, RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { .. }))
	})
}

#[tokio::test]
async fn eve_registers_as_an_inference_operator() {
	let node = Node::start_dev("operators", &["--sealing", "instant"]).await;
	let eve = Sr25519Keyring::Eve;

	// Before: Eve is nobody; Alice is a genesis operator of every role.
	let before: Option<OperatorView> =
		node.state_call("OperatorsApi_operator", eve.to_account_id()).await;
	assert!(before.is_none());
	let alice: Option<OperatorView> =
		node.state_call("OperatorsApi_operator", Sr25519Keyring::Alice.to_account_id()).await;
	assert!(alice.is_some_and(|a| a.active_roles == RoleSet::of(&Role::ALL)));

	// Registering bonds in the same step.
	let bond = 2_000 * UNIT;
	let register = RuntimeCall::Operators(pallet_operators::Call::register {
		roles: RoleSet::of(&[Role::Inference]),
		metadata: pallet_operators::OperatorMetadataInput {
			name: BoundedVec::truncate_from(b"eve-gpu".to_vec()),
			endpoint: BoundedVec::truncate_from(b"https://eve.example".to_vec()),
		},
		bond,
	});
	let events = node.submit_and_watch(register, &eve.pair()).await;
	assert!(succeeded(&events), "{events:?}");
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Operators(pallet_operators::Event::Registered { who, .. }) if *who == eve.to_account_id()
	)));
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Operators(pallet_operators::Event::Bonded { who, amount }) if *who == eve.to_account_id() && *amount == bond
	)));

	let view: OperatorView = node
		.state_call::<Option<OperatorView>>("OperatorsApi_operator", eve.to_account_id())
		.await
		.expect("Eve is an operator");
	assert_eq!(view.roles, RoleSet::of(&[Role::Inference]));
	assert_eq!(view.active_roles, RoleSet::of(&[Role::Inference]));
	assert_eq!(view.bonded, bond);
	assert_eq!(view.name, b"eve-gpu".to_vec());
	let inference: Vec<(AccountId, Balance)> =
		node.state_call("OperatorsApi_operators", Role::Inference).await;
	assert!(inference.contains(&(eve.to_account_id(), bond)));

	// Bad input changes nothing: a second registration is refused in the block.
	let again = RuntimeCall::Operators(pallet_operators::Call::register {
		roles: RoleSet::of(&[Role::Oracle]),
		metadata: Default::default(),
		bond,
	});
	let events = node.submit_and_watch(again, &eve.pair()).await;
	assert!(events
		.iter()
		.any(|e| matches!(e, RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { .. }))));
	let after: Option<OperatorView> =
		node.state_call("OperatorsApi_operator", eve.to_account_id()).await;
	assert_eq!(after.map(|v| v.roles), Some(RoleSet::of(&[Role::Inference])));
}

#[tokio::test]
async fn a_fast_job_is_paid_delivered_and_settled() {
	let node = Node::start_dev("market", &["--sealing", "instant"]).await;
	let (alice, bob, charlie) =
		(Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie);
	let model = ModelId(sp_io::hashing::blake2_256(b"an e2e model"));

	// Bob registers a model; Alice (a genesis inference operator) declares she serves it.
	let tensor = |n: u32| pallet_models::TensorSpec {
		dtype: pallet_models::DType::F32,
		shape: BoundedVec::truncate_from(vec![n]),
	};
	let register = RuntimeCall::Models(pallet_models::Call::register_model {
		hash: model,
		uri: BoundedVec::truncate_from(b"https://models.example/e2e.onnx".to_vec()),
		io: pallet_models::IoSpec { input: tensor(4), output: tensor(2) },
		price: UNIT,
		royalty: sp_runtime::Perbill::from_percent(5),
		modes: ModeSet::FAST,
	});
	assert!(succeeded(&node.submit_and_watch(register, &bob.pair()).await));
	let serve = RuntimeCall::Operators(pallet_operators::Call::set_capabilities {
		caps: pallet_operators::Capabilities {
			models: BoundedVec::truncate_from(vec![model]),
			max_concurrent_jobs: 4,
			accelerator: false,
		},
	});
	assert!(succeeded(&node.submit_and_watch(serve, &alice.pair()).await));

	let fee: Result<Balance, pallet_inference::EstimateError> =
		node.state_call("InferenceApi_estimate_fee", (model, VerificationMode::Fast)).await;
	assert_eq!(fee, Ok(UNIT));

	// Charlie pays for a job.
	let charlie_before = node.free_balance(&charlie.to_account_id()).await;
	let submit = RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(vec![0u8; 16])),
		mode: VerificationMode::Fast,
		max_fee: 2 * UNIT,
	});
	let events = node.submit_and_watch(submit, &charlie.pair()).await;
	assert!(
		events.iter().any(|e| matches!(
			e,
			RuntimeEvent::Inference(pallet_inference::Event::JobSubmitted { job: JobId(0), worker, .. })
				if *worker == alice.to_account_id()
		)),
		"{events:?}"
	);
	let assigned: Vec<JobView> =
		node.state_call("InferenceApi_jobs_for_worker", alice.to_account_id()).await;
	assert_eq!(assigned.iter().map(|j| j.id).collect::<Vec<_>>(), vec![JobId(0)]);

	// Alice delivers; the job settles and Charlie paid the fee (plus transaction fees), not the
	// whole escrow.
	let deliver = RuntimeCall::Inference(pallet_inference::Call::submit_result {
		job: JobId(0),
		output: BoundedVec::truncate_from(vec![1u8; 8]),
	});
	let events = node.submit_and_watch(deliver, &alice.pair()).await;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Inference(pallet_inference::Event::JobSettled { job: JobId(0), paid }) if *paid == UNIT
	)), "{events:?}");
	let job: Option<JobView> = node.state_call("InferenceApi_job", JobId(0)).await;
	let job = job.expect("the job is kept");
	assert_eq!(job.status, pallet_inference::JobStatus::Settled);
	assert_eq!(job.output, Some(vec![1u8; 8]));
	let charlie_after = node.free_balance(&charlie.to_account_id()).await;
	let spent = charlie_before - charlie_after;
	// The job's fee, its storage deposit (held until the job is pruned) and the transaction fee
	// of `submit_job`, not the rest of the escrow.
	assert!((UNIT + UNIT / 10..UNIT + UNIT / 2).contains(&spent), "Charlie spent {spent}");
	let of_charlie: Vec<JobView> =
		node.state_call("InferenceApi_jobs_of", charlie.to_account_id()).await;
	assert_eq!(of_charlie.len(), 1);
}

#[tokio::test]
async fn the_market_rpc_methods_report_models_operators_and_jobs() {
	use jsonrpsee::rpc_params;
	use serde_json::Value;
	use verity_runtime::genesis_config_presets::{DEMO_MODEL_ID, GENESIS_BOND};

	let node = Node::start_dev("market-rpc", &["--sealing", "instant"]).await;
	let demo = format!("0x{}", hex::encode(DEMO_MODEL_ID.0));
	let alice = sp_core::crypto::Ss58Codec::to_ss58check(&Sr25519Keyring::Alice.to_account_id());
	let charlie = Sr25519Keyring::Charlie;

	let fee: String = node.call("inference_estimateFee", rpc_params![&demo, "Fast"]).await.unwrap();
	assert_eq!(fee, UNIT.to_string());
	let unknown = format!("0x{}", hex::encode([7u8; 32]));
	match node.call::<String>("inference_estimateFee", rpc_params![unknown, "Fast"]).await {
		Err(jsonrpsee::core::client::Error::Call(e)) => {
			assert_eq!(e.code(), pallet_inference_rpc::UNKNOWN_MODEL)
		},
		other => panic!("expected UNKNOWN_MODEL, got {other:?}"),
	}
	// The demo model takes `Zk` jobs at twice the price, `Consensus(k)` at 1 + k times, and an
	// even k is refused.
	let fee: String = node.call("inference_estimateFee", rpc_params![&demo, "Zk"]).await.unwrap();
	assert_eq!(fee, (2 * UNIT).to_string());
	let consensus = serde_json::json!({ "Consensus": 3 });
	let fee: String =
		node.call("inference_estimateFee", rpc_params![&demo, consensus]).await.unwrap();
	assert_eq!(fee, (4 * UNIT).to_string());
	let consensus = serde_json::json!({ "Consensus": 2 });
	match node.call::<String>("inference_estimateFee", rpc_params![&demo, consensus]).await {
		Err(jsonrpsee::core::client::Error::Call(e)) => {
			assert_eq!(e.code(), pallet_inference_rpc::INVALID_VERIFIER_COUNT)
		},
		other => panic!("expected INVALID_VERIFIER_COUNT, got {other:?}"),
	}

	let models: Vec<Value> = node.call("models_list", rpc_params![]).await.unwrap();
	assert_eq!(models.len(), 1);
	assert_eq!(models[0]["id"], demo);
	assert_eq!(models[0]["owner"], alice);
	assert_eq!(models[0]["uri"], format!("blob:{demo}"));
	assert_eq!(models[0]["price"], UNIT.to_string());
	assert_eq!(models[0]["io"]["input"]["shape"], serde_json::json!([1, 16]));

	let operators: Vec<Value> =
		node.call("operators_list", rpc_params!["Inference"]).await.unwrap();
	assert_eq!(
		operators,
		vec![serde_json::json!({ "account": alice, "bond": GENESIS_BOND.to_string() })]
	);

	// A job (no worker runs here: it stays assigned).
	let submit = RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model: DEMO_MODEL_ID,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(vec![0u8; 64])),
		mode: VerificationMode::Fast,
		max_fee: 2 * UNIT,
	});
	assert!(succeeded(&node.submit_and_watch(submit, &charlie.pair()).await));
	let job: Value = node.call("inference_job", rpc_params![0]).await.unwrap();
	assert_eq!(job["status"], "assigned");
	assert_eq!(job["worker"], alice);
	assert_eq!(job["mode"], "Fast");
	assert_eq!(job["maxFee"], (2 * UNIT).to_string());
	assert_eq!(job["input"], format!("0x{}", "00".repeat(64)));
	let none: Option<Value> = node.call("inference_job", rpc_params![1]).await.unwrap();
	assert_eq!(none, None);
	let charlie_ss58 = sp_core::crypto::Ss58Codec::to_ss58check(&charlie.to_account_id());
	let of: Vec<Value> = node.call("inference_jobsOf", rpc_params![charlie_ss58]).await.unwrap();
	assert_eq!(of.len(), 1);
}
