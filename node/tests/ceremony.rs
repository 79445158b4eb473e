//! The setup ceremony end to end: `verity-node zk` commands make every contribution (as a
//! participant runs them), a dev node checks and records them, governance (sudo on `--dev`)
//! seals phase 1, the demo model's owner begins and seals phase 2, and a `Zk` job proved with
//! the ceremony's key settles. `zk verify-transcript` checks both phases' files. A second test
//! has a worker's verifiers (`--worker-ceremony`) make phase 2's contributions by themselves,
//! extending another contributor's (its transcript fetched from a peer and checked), and the
//! worker prove a `Zk` job with the key the owner sealed.

#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing
)]

mod common;

use std::{path::Path, process::Command, time::Duration};

use ark_std::rand::SeedableRng;
use common::{job, Node};
use frame_support::BoundedVec;
use serde_json::Value;
use sp_core::{crypto::Ss58Codec, H256};
use sp_keyring::Sr25519Keyring;
use verity_node::worker::demo;
use verity_primitives::{currency::UNIT, zk_binding, JobId, VerificationMode};
use verity_runtime::{genesis_config_presets::DEMO_MODEL_ID, RuntimeCall, RuntimeEvent};
use verity_zkml::{
	ceremony::{DEV_PHASE1_ORIGIN, DEV_PHASE1_SIZE},
	onnx, prover, public, verifier,
};

fn run_zk(args: &[&str]) -> std::process::Output {
	Command::new(env!("CARGO_BIN_EXE_verity-node")).arg("zk").args(args).output().unwrap()
}

/// Runs `verity-node zk ARGS`, which must succeed; its standard output as `name → value`
/// lines (the first word the name, the last the value).
fn zk(args: &[&str]) -> std::collections::HashMap<String, String> {
	let out = run_zk(args);
	assert!(out.status.success(), "zk {args:?}: {}", String::from_utf8_lossy(&out.stderr));
	String::from_utf8_lossy(&out.stdout)
		.lines()
		.filter_map(|line| {
			let name = line.split_whitespace().next()?;
			let value = line.split_whitespace().last()?;
			Some((name.to_string(), value.to_string()))
		})
		.collect()
}

fn strs(args: &[String]) -> Vec<&str> {
	args.iter().map(String::as_str).collect()
}

fn hex_bytes(value: &str) -> Vec<u8> {
	hex::decode(value.trim_start_matches("0x")).unwrap()
}

fn hash(value: &str) -> H256 {
	H256::from_slice(&hex_bytes(value))
}

fn path(dir: &Path, name: &str) -> String {
	dir.join(name).to_str().unwrap().to_string()
}

fn ss58(key: Sr25519Keyring) -> String {
	key.to_account_id().to_ss58check()
}

fn succeeded(events: &[RuntimeEvent]) -> bool {
	!events
		.iter()
		.any(|e| matches!(e, RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { .. })))
}

/// Phase 1 on `node`: the dev chain's starting transcript (`t0` in `dir`), one contribution
/// of each of `contributors` in turn (`t1`, …), sealed by sudo; the sealed transcript's hash.
async fn seal_phase_one(node: &Node, dir: &Path, contributors: &[Sr25519Keyring]) -> H256 {
	let size = DEV_PHASE1_SIZE.to_string();
	let start = zk(&["start-transcript", "--size", &size, "--out", &path(dir, "t0")]);
	// The dev chain's genesis starts phase 1 at exactly this transcript.
	assert_eq!(hash(&start["transcript"]), H256(DEV_PHASE1_ORIGIN));
	let mut parent = None;
	for (i, who) in contributors.iter().copied().enumerate() {
		let out = zk(&[
			"contribute",
			"--phase",
			"1",
			"--transcript",
			&path(dir, &format!("t{i}")),
			"--account",
			&ss58(who),
			"--out",
			&path(dir, &format!("t{}", i + 1)),
		]);
		let call = RuntimeCall::Settlement(pallet_settlement::Call::contribute_phase1 {
			parent,
			contribution: Box::new(hex_bytes(&out["contribution"]).try_into().unwrap()),
			transcript: hash(&out["transcript"]),
		});
		let events = node.submit_and_watch(call, &who.pair()).await;
		assert!(events.iter().any(|e| matches!(
			e,
			RuntimeEvent::Settlement(pallet_settlement::Event::Phase1Contributed { .. })
		)));
		parent = Some(i as u32);
	}
	let last = contributors.len() as u32 - 1;
	let seal = RuntimeCall::Settlement(pallet_settlement::Call::seal_phase1 { index: last });
	let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(seal) });
	let events = node.submit_and_watch(sudo, &Sr25519Keyring::Alice.pair()).await;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Settlement(pallet_settlement::Event::Phase1Sealed { index, .. }) if *index == last
	)));

	// Anyone checks the sealed transcript whole.
	let sealed = format!("t{}", contributors.len());
	let checked = zk(&["verify-transcript", &path(dir, &sealed)]);
	hash(&checked["transcript"])
}

/// The demo model's owner, Alice, derives its key from the sealed transcript `sealed` in `dir`
/// and begins its phase 2; the model's file and `zk derive`'s output.
async fn begin_phase_two(
	node: &Node,
	dir: &Path,
	sealed: &str,
) -> (std::path::PathBuf, std::collections::HashMap<String, String>) {
	let model = dir.join("demo.onnx");
	std::fs::write(&model, demo::DEMO_MODEL).unwrap();
	let derived = zk(&[
		"derive",
		model.to_str().unwrap(),
		"--transcript",
		&path(dir, sealed),
		"--out",
		&path(dir, "derived"),
	]);
	let begin = RuntimeCall::Settlement(pallet_settlement::Call::begin_phase2 {
		model: DEMO_MODEL_ID,
		inputs: hex_bytes(&derived["input"]).try_into().unwrap(),
		transcript: hash(&derived["transcript"]),
	});
	assert!(succeeded(&node.submit_and_watch(begin, &Sr25519Keyring::Alice.pair()).await));
	(model, derived)
}

#[tokio::test]
async fn a_ceremony_run_with_the_cli_gives_the_demo_model_a_key_that_settles_a_zk_job() {
	let dir = std::env::temp_dir().join(format!("verity-ceremony-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	// No worker: the test proves as Alice, the demo model's operator.
	let node = Node::start_dev("ceremony", &["--sealing", "instant"]).await;
	let (alice, bob, charlie, dave) =
		(Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave);

	// Phase 1: the dev chain's starting transcript, then Bob and Charlie in turn.
	let sealed_hash = seal_phase_one(&node, &dir, &[bob, charlie]).await;

	// Phase 2 of the demo model: Alice (its owner) derives the key and begins; Dave contributes.
	let (model, derived) = begin_phase_two(&node, &dir, "t2").await;
	assert_eq!(hash(&derived["phase"]), sealed_hash);
	let pk = path(&dir, &format!("derived/0x{}.pk", hex::encode(DEMO_MODEL_ID.0)));
	let phase2_args = |bases: &str| {
		vec![
			"contribute".to_string(),
			"--phase".into(),
			"2".into(),
			"--transcript".into(),
			pk.clone(),
			"--phase1".into(),
			path(&dir, "t2"),
			"--model".into(),
			model.to_str().unwrap().into(),
			"--bases".into(),
			bases.into(),
			"--account".into(),
			ss58(dave),
			"--out".into(),
			path(&dir, "final.pk"),
		]
	};
	// Bases other than the derived key's (here its first two swapped) could let the owner
	// forge: the command refuses to contribute on them.
	let mut swapped = hex_bytes(&derived["input"]);
	let (first, rest) = swapped.split_at_mut(96);
	first.swap_with_slice(&mut rest[..96]);
	let refused_args = phase2_args(&hex::encode(&swapped));
	let refused = run_zk(&strs(&refused_args));
	assert!(!refused.status.success());
	assert!(String::from_utf8_lossy(&refused.stderr).contains("could forge"));
	let args = phase2_args(&derived["input"]);
	let out = zk(&strs(&args));
	assert_eq!(hash(&out["derived"]), hash(&derived["transcript"]));
	let contribute = RuntimeCall::Settlement(pallet_settlement::Call::contribute_phase2 {
		model: DEMO_MODEL_ID,
		parent: None,
		contribution: Box::new(hex_bytes(&out["contribution"]).try_into().unwrap()),
		transcript: hash(&out["transcript"]),
	});
	// Submitted by Bob, the proof (bound to Dave) does not verify; by Dave, it does.
	assert!(!succeeded(&node.submit_and_watch(contribute.clone(), &bob.pair()).await));
	assert!(succeeded(&node.submit_and_watch(contribute, &dave.pair()).await));
	let seal = RuntimeCall::Settlement(pallet_settlement::Call::seal_phase2 {
		model: DEMO_MODEL_ID,
		index: 0,
	});
	let events = node.submit_and_watch(seal, &alice.pair()).await;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Settlement(pallet_settlement::Event::Phase2Sealed { contributors: 1, .. })
	)));
	let final_hash = hash(&out["transcript"]);

	// The registry shows where the key came from.
	let models: Vec<Value> = node.call("models_list", jsonrpsee::rpc_params![]).await.unwrap();
	let demo_model =
		models.iter().find(|m| m["id"] == format!("0x{}", hex::encode(DEMO_MODEL_ID.0)));
	let setup = &demo_model.unwrap()["keySetup"];
	assert_eq!(setup["kind"], "ceremony", "{setup}");
	assert_eq!(setup["phase1"], format!("{sealed_hash:?}"));
	assert_eq!(setup["phase2"], format!("{final_hash:?}"));
	assert_eq!(setup["contributors"], 1);

	// The final key checks against the sealed transcript, and it is the chain's.
	let chain_key: Option<Vec<u8>> =
		node.state_call("ModelsApi_verifying_key", DEMO_MODEL_ID).await;
	let both = zk(&[
		"verify-transcript",
		&path(&dir, "t2"),
		"--model",
		model.to_str().unwrap(),
		"--key",
		&path(&dir, "final.pk"),
		"--chain-key",
		&hex::encode(chain_key.unwrap()),
	]);
	assert_eq!(hash(&both["key"]), final_hash);
	assert_eq!(both["chain"], "key's");

	// A Zk job proved with the ceremony's key settles.
	let key = prover::decode_proving_key(&std::fs::read(dir.join("final.pk")).unwrap()).unwrap();
	let ir = onnx::import(demo::DEMO_MODEL, onnx::ImportOptions::default()).unwrap();
	let input: Vec<i8> =
		onnx::quantize_input(&[0.5; 16], onnx::ImportOptions::default().input_frac);
	let submit = RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model: DEMO_MODEL_ID,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(
			input.iter().map(|v| *v as u8).collect::<Vec<u8>>(),
		)),
		mode: VerificationMode::Zk,
		max_fee: 3 * UNIT,
	});
	node.submit_and_watch(submit, &charlie.pair()).await;
	let binding = public::binding(&zk_binding(JobId(0), &alice.to_account_id()));
	let mut rng = ark_std::rand::rngs::StdRng::seed_from_u64(3);
	let (output, proof) = prover::prove(&key, &ir, &input, binding, &mut rng).unwrap();
	let answer = RuntimeCall::Inference(pallet_inference::Call::submit_proof {
		job: JobId(0),
		output: BoundedVec::truncate_from(output.iter().map(|v| *v as u8).collect::<Vec<u8>>()),
		proof: BoundedVec::truncate_from(verifier::encode_proof(&proof)),
	});
	node.submit_and_watch(answer, &alice.pair()).await;
	assert_eq!(job(&node, 0).await.unwrap().status, pallet_inference::JobStatus::Settled);
	let _ = std::fs::remove_dir_all(&dir);
}

/// A storage value of `node`'s best block.
async fn storage<V: codec::Decode>(node: &Node, key: Vec<u8>) -> Option<V> {
	let value: Option<String> = node
		.call("state_getStorage", jsonrpsee::rpc_params![format!("0x{}", hex::encode(key))])
		.await
		.unwrap();
	V::decode(&mut &hex_bytes(&value?)[..]).ok()
}

#[tokio::test]
async fn verifiers_contribute_by_themselves_and_the_worker_proves_with_the_sealed_key() {
	use pallet_settlement::{ceremony::Phase2StepOf, Phase2, Phase2Steps};
	use verity_runtime::Runtime;
	let dir = std::env::temp_dir().join(format!("verity-ceremony-auto-{}", std::process::id()));
	let keys = dir.join("keys");
	std::fs::create_dir_all(keys.join("ceremony")).unwrap();
	// Alice's worker serves the demo model; her node holds the keys of the dev chain's four
	// verifiers (Alice, Bob, Charlie and Dave), which contribute by themselves.
	let node = Node::start_dev(
		"ceremony-auto",
		&[
			"--sealing",
			"instant",
			"--worker",
			"--worker-ceremony",
			"--worker-zk-keys",
			keys.to_str().unwrap(),
		],
	)
	.await;
	// A second node of the chain, which produces no blocks and holds no key: it serves the
	// transcripts in its ceremony directory to its peers.
	let peer_id: String = node.call("system_localPeerId", jsonrpsee::rpc_params![]).await.unwrap();
	let peer_keys = dir.join("peer-keys");
	let peer = Node::start(
		"ceremony-peer",
		"verity_dev",
		[
			"--chain",
			"dev",
			"--sealing",
			"instant",
			"--worker",
			"--worker-zk-keys",
			peer_keys.to_str().unwrap(),
			"--bootnodes",
			&format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", node.p2p_port),
		]
		.map(String::from)
		.to_vec(),
		|_| (),
	)
	.await;
	let sealed_hash = seal_phase_one(&node, &dir, &[Sr25519Keyring::Eve]).await;
	let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
	// Phase 2 begins while no node has the sealed transcript: the node's first try fails (and
	// is tried again 50 blocks later).
	let (model, derived) = begin_phase_two(&node, &dir, "t1").await;
	node.wait_until("the node's first try failed", Duration::from_secs(60), |node| async move {
		let log = std::fs::read_to_string(&node.log).ok()?;
		log.contains("no contribution to the phase 2 of model").then_some(())
	})
	.await;

	// Meanwhile Ferdie contributes, and serves his transcript from the peer only; Eve extends
	// Ferdie's but serves hers nowhere: the deepest contribution, which the node cannot fetch.
	let contribute_as = |who: Sr25519Keyring, over: &str, parent: Option<u32>, out: &str| {
		let made = zk(&[
			"contribute",
			"--phase",
			"2",
			"--transcript",
			over,
			"--phase1",
			&path(&dir, "t1"),
			"--model",
			model.to_str().unwrap(),
			"--bases",
			&derived["input"],
			"--account",
			&ss58(who),
			"--out",
			&path(&dir, out),
		]);
		let transcript = hash(&made["transcript"]);
		let call = RuntimeCall::Settlement(pallet_settlement::Call::contribute_phase2 {
			model: DEMO_MODEL_ID,
			parent,
			contribution: Box::new(hex_bytes(&made["contribution"]).try_into().unwrap()),
			transcript,
		});
		(call, transcript)
	};
	let (ferdie, eve) = (Sr25519Keyring::Ferdie, Sr25519Keyring::Eve);
	let pk = path(&dir, &format!("derived/0x{}.pk", hex::encode(DEMO_MODEL_ID.0)));
	let (call, ferdie_hash) = contribute_as(ferdie, &pk, None, "ferdie.pk");
	assert!(succeeded(&node.submit_and_watch(call, &ferdie.pair()).await));
	let (call, _) = contribute_as(eve, &path(&dir, "ferdie.pk"), Some(0), "eve.pk");
	assert!(succeeded(&node.submit_and_watch(call, &eve.pair()).await));
	let served = peer_keys.join("ceremony");
	std::fs::create_dir_all(&served).unwrap();
	let ferdie_file =
		verity_node::worker::phase2::transcript_file(&served, &DEMO_MODEL_ID, &ferdie_hash.0);
	std::fs::copy(dir.join("ferdie.pk"), &ferdie_file).unwrap();
	// The sealed transcript too is on the peer only (its operator checked it and put it
	// there); Alice's node fetches both by their hashes.
	std::fs::copy(dir.join("t1"), served.join(format!("{sealed_hash:?}.ptau"))).unwrap();
	// The peer shares its new files at its next block.
	node.submit_and_watch(remark.clone(), &Sr25519Keyring::Eve.pair()).await;
	for held in [sealed_hash, ferdie_hash] {
		peer.wait_until(
			"the peer serves the transcripts",
			Duration::from_secs(60),
			|peer| async move {
				let held: Option<String> =
					peer.call("blobs_get", jsonrpsee::rpc_params![held]).await.ok()?;
				held.map(|_| ())
			},
		)
		.await;
	}

	// Blocks until the node tries again: each verifier key contributes once, the first
	// extending Ferdie's (Eve's, deeper, cannot be fetched), each of the others the one before.
	let contributions = node
		.wait_until(
			"six contributions to the demo model's phase 2",
			Duration::from_secs(240),
			|node| {
				let remark = remark.clone();
				async move {
					node.submit_and_watch(remark, &Sr25519Keyring::Eve.pair()).await;
					let info: pallet_settlement::ceremony::Phase2Info<Runtime> =
						storage(node, Phase2::<Runtime>::hashed_key_for(DEMO_MODEL_ID)).await?;
					(info.contributions == 6).then_some(info.contributions)
				}
			},
		)
		.await;
	let (mut parents, mut transcripts) = (Vec::new(), Vec::new());
	let mut deepest = (0, 0);
	for index in 0..contributions {
		let step: Phase2StepOf<Runtime> =
			storage(&node, Phase2Steps::<Runtime>::hashed_key_for(DEMO_MODEL_ID, index))
				.await
				.unwrap();
		parents.push(step.parent);
		transcripts.push(step.transcript);
		deepest = deepest.max((step.depth, index));
	}
	// Ferdie's, Eve's over it, then the node's four keys: over Ferdie's, then each over the last.
	assert_eq!(parents, [None, Some(0), Some(0), Some(2), Some(3), Some(4)]);
	assert_eq!(deepest, (5, 5));
	// Alice's node fetched Ferdie's transcript from the peer.
	assert!(verity_node::worker::phase2::transcript_file(
		&keys.join("ceremony"),
		&DEMO_MODEL_ID,
		&ferdie_hash.0
	)
	.exists());
	// Files hours old stay while the running phase 2 names them.
	let ceremony_dir = keys.join("ceremony");
	let phase2_files = |dir: &Path| -> Vec<std::path::PathBuf> {
		std::fs::read_dir(dir)
			.unwrap()
			.map(|file| file.unwrap().path())
			.filter(|file| file.extension().is_some_and(|x| x == "pk"))
			.collect()
	};
	assert_eq!(phase2_files(&ceremony_dir).len(), 5, "Ferdie's and the node's four");
	let two_hours_ago =
		std::time::SystemTime::now().checked_sub(Duration::from_secs(2 * 60 * 60)).unwrap();
	for file in phase2_files(&ceremony_dir) {
		let file = std::fs::File::options().write(true).open(file).unwrap();
		file.set_modified(two_hours_ago).unwrap();
	}
	for _ in 0..5 {
		node.submit_and_watch(remark.clone(), &Sr25519Keyring::Eve.pair()).await;
	}
	assert_eq!(phase2_files(&ceremony_dir).len(), 5, "named by the running phase 2");
	let seal = RuntimeCall::Settlement(pallet_settlement::Call::seal_phase2 {
		model: DEMO_MODEL_ID,
		index: deepest.1,
	});
	let events = node.submit_and_watch(seal, &Sr25519Keyring::Alice.pair()).await;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Settlement(pallet_settlement::Event::Phase2Sealed { contributors: 5, .. })
	)));
	// Alice's node fetched the sealed phase-1 transcript from the peer.
	assert!(keys.join(format!("ceremony/{sealed_hash:?}.ptau")).exists());

	// Once sealed, the node removes the phase-2 transcripts the chain no longer names
	// (Ferdie's, which it fetched, and its keys' but the sealed one), from its store too.
	node.wait_until("the transcripts no longer named removed", Duration::from_secs(120), |node| {
		let (remark, dir) = (remark.clone(), ceremony_dir.clone());
		async move {
			node.submit_and_watch(remark, &Sr25519Keyring::Eve.pair()).await;
			(phase2_files(&dir).len() == 1).then_some(())
		}
	})
	.await;
	let sealed_key = transcripts[deepest.1 as usize];
	let sealed_file =
		verity_node::worker::phase2::transcript_file(&ceremony_dir, &DEMO_MODEL_ID, &sealed_key.0);
	assert_eq!(phase2_files(&ceremony_dir), [sealed_file]);
	let served = &node;
	let blob = |hash: H256| async move {
		served.call::<Option<String>>("blobs_get", jsonrpsee::rpc_params![hash]).await.unwrap()
	};
	assert!(blob(ferdie_hash).await.is_none(), "Ferdie's out of the store");
	assert!(blob(transcripts[2]).await.is_none(), "the node's first out of the store");
	assert!(blob(sealed_key).await.is_some(), "the sealed key served still");
	assert!(keys.join(format!("ceremony/{sealed_hash:?}.ptau")).exists());

	// Alice's node loses its transcript files: it fetches the sealed one by its hash (here from
	// its own store, where it shares what it made) before it proves.
	for file in std::fs::read_dir(keys.join("ceremony")).unwrap() {
		let file = file.unwrap().path();
		if file.extension().is_some_and(|x| x == "pk" || x == "ir") {
			std::fs::remove_file(file).unwrap();
		}
	}

	// A Zk job: Alice's worker proves it with the transcript sealed, not the seeded key.
	let submit = RuntimeCall::Inference(pallet_inference::Call::submit_job {
		model: DEMO_MODEL_ID,
		input: pallet_inference::JobInput::Inline(BoundedVec::truncate_from(
			onnx::quantize_input(&[0.25; 16], onnx::ImportOptions::default().input_frac)
				.iter()
				.map(|v| *v as u8)
				.collect::<Vec<u8>>(),
		)),
		mode: VerificationMode::Zk,
		max_fee: 3 * UNIT,
	});
	node.submit_and_watch(submit, &Sr25519Keyring::Ferdie.pair()).await;
	node.wait_until("the Zk job settled", Duration::from_secs(120), |node| async move {
		let job = job(node, 0).await?;
		(job.status == pallet_inference::JobStatus::Settled).then_some(())
	})
	.await;
	drop(peer);
	let _ = std::fs::remove_dir_all(&dir);
}
