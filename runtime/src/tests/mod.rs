//! Runtime tests: genesis presets, and a signed transfer paying its fee through the real
//! transaction extensions and fee split.

use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	genesis_builder_helper::build_state,
	traits::fungible::{Inspect, InspectHold},
};
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::{Digest, DigestItem},
	traits::Header as _,
};
use verity_primitives::{ModelInspect, Role, RoleInspect, RoleSet};

use crate::{
	configs::{
		fees::TreasuryAccount, governance::dynamic_params::fees::TreasuryShare,
		verity::ModelDeposit,
	},
	currency::{EXISTENTIAL_DEPOSIT, UNIT},
	genesis_config_presets::{
		get_preset, preset_names, DEMO_CONCURRENCY, DEMO_MODEL_ID, DEMO_MODEL_PRICE, ENDOWMENT,
		GENESIS_BOND,
	},
	opaque::SessionKeys,
	tx_extension, Address, Balances, Executive, Header, Models, Operators, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin, Session, SignedPayload, System,
	UncheckedExtrinsic,
};

/// Merges the JSON `patch` into `base`, as the node does with a preset.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// Externalities holding the genesis state of the named preset: the preset's patch over the
/// default genesis config, as the node builds it.
fn preset_ext(name: &str) -> sp_io::TestExternalities {
	let patch = get_preset(&name.into()).expect("preset exists");
	let mut config =
		serde_json::to_value(RuntimeGenesisConfig::default()).expect("default config serializes");
	merge(&mut config, serde_json::from_slice(&patch).expect("the preset is JSON"));
	let json = serde_json::to_vec(&config).expect("config serializes");
	let mut ext = sp_io::TestExternalities::new(Default::default());
	ext.execute_with(|| build_state::<RuntimeGenesisConfig>(json).expect("preset builds"));
	ext
}

/// Starts block 1 sealed in Aura slot `slot`.
fn start_block(slot: u64) {
	let digest =
		Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode())] };
	let header =
		Header::new(1, Default::default(), Default::default(), System::parent_hash(), digest);
	Executive::initialize_block(&header);
}

/// A transaction signed by `signer` at `nonce`.
fn signed(signer: Sr25519Keyring, nonce: u32, call: RuntimeCall) -> UncheckedExtrinsic {
	let extension = tx_extension(nonce, 0);
	let payload = SignedPayload::new(call.clone(), extension.clone()).expect("payload builds");
	let signature = payload.using_encoded(|bytes| signer.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		Address::Id(signer.to_account_id()),
		signature.into(),
		extension,
	)
}

#[test]
fn presets_are_listed_and_unknown_ones_refused() {
	let names: Vec<String> = preset_names();
	assert_eq!(names, vec!["development", "local_testnet", "staging"]);
	assert!(get_preset(&"no_such_preset".into()).is_none());
}

#[test]
fn development_preset_builds_with_alice_alone() {
	preset_ext("development").execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(pallet_session::Validators::<Runtime>::get(), vec![alice.clone()]);
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice.clone()));
		// Alice's genesis bond and the demo model's deposit are on hold: she is an operator of
		// every role and owns the demo model.
		let held = GENESIS_BOND + ModelDeposit::get();
		assert_eq!(Balances::balance(&alice), ENDOWMENT - held);
		assert_eq!(Balances::total_balance_on_hold(&alice), held);
		for role in Role::ALL {
			assert!(<Operators as RoleInspect<_, _>>::is_active(&alice, role), "{role:?}");
		}
		// The demo model is registered, takes `Fast` jobs on 64-byte inputs, and Alice serves it.
		let terms = <Models as ModelInspect<_, _>>::terms(&DEMO_MODEL_ID).expect("demo model");
		assert_eq!(terms.owner, alice);
		assert_eq!(terms.price, DEMO_MODEL_PRICE);
		assert_eq!(terms.input_len, Some(64));
		assert!(terms.active && terms.modes.supports(verity_primitives::VerificationMode::Fast));
		// `Zk` too, with the committed key, which the settlement pallet's check accepted.
		assert!(terms.modes.supports(verity_primitives::VerificationMode::Zk) && terms.has_key);
		assert_eq!(
			<Models as ModelInspect<_, _>>::verifying_key(&DEMO_MODEL_ID).as_deref(),
			Some(crate::genesis_config_presets::DEMO_MODEL_VK)
		);
		let eligible = <Operators as RoleInspect<_, _>>::eligible_for_model(&DEMO_MODEL_ID);
		assert_eq!(eligible, vec![(alice.clone(), GENESIS_BOND, DEMO_CONCURRENCY)]);
		// `Consensus` too: Bob, Charlie and Dave verify it, so three verifiers are never the
		// worker.
		assert!(terms.modes.supports(verity_primitives::VerificationMode::Consensus(3)));
		let (mut verifiers, _) =
			<Operators as RoleInspect<_, _>>::serving_model(&DEMO_MODEL_ID, Role::Verifier);
		verifiers.sort();
		let mut expected: Vec<_> = crate::genesis_config_presets::DEV_VERIFIERS
			.iter()
			.map(|k| k.to_account_id())
			.chain([alice.clone()])
			.map(|who| (who, GENESIS_BOND, DEMO_CONCURRENCY))
			.collect();
		expected.sort();
		assert_eq!(verifiers, expected);
		assert_eq!(Balances::balance(&TreasuryAccount::get()), EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn local_testnet_preset_builds_with_four_validators_and_two_inference_nodes() {
	preset_ext("local_testnet").execute_with(|| {
		let expected: Vec<_> = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		]
		.iter()
		.map(|k| k.to_account_id())
		.collect();
		assert_eq!(Session::validators(), expected);
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 4);
		// All four are bonded validator operators, so the next sessions keep them.
		for who in &expected {
			assert!(<Operators as RoleInspect<_, _>>::is_active(who, Role::Validator));
		}
		let mut chosen = Operators::select_validators().expect("enough candidates");
		chosen.sort();
		let mut sorted = expected.clone();
		sorted.sort();
		assert_eq!(chosen, sorted);
		// Validators validate and nothing else; Eve and Ferdie, not validators, serve the demo
		// model (Alice's), each with its own bond.
		for who in &expected {
			for role in [Role::Inference, Role::Verifier, Role::Oracle] {
				assert!(!<Operators as RoleInspect<_, _>>::is_active(who, role), "{role:?}");
			}
		}
		let terms = <Models as ModelInspect<_, _>>::terms(&DEMO_MODEL_ID).expect("demo model");
		assert_eq!(terms.owner, expected[0]);
		let mut eligible = <Operators as RoleInspect<_, _>>::eligible_for_model(&DEMO_MODEL_ID);
		eligible.sort();
		let mut inference: Vec<_> = crate::genesis_config_presets::LOCAL_INFERENCE_OPERATORS
			.iter()
			.map(|k| (k.to_account_id(), GENESIS_BOND, DEMO_CONCURRENCY))
			.collect();
		inference.sort();
		assert_eq!(eligible, inference);
		// They verify it too: a `Consensus(1)` job's verifier is the other node.
		let (mut verifiers, _) =
			<Operators as RoleInspect<_, _>>::serving_model(&DEMO_MODEL_ID, Role::Verifier);
		verifiers.sort();
		assert_eq!(verifiers, inference);
		for (who, ..) in &inference {
			assert!(!<Operators as RoleInspect<_, _>>::is_active(who, Role::Validator));
		}
	});
}

#[test]
fn a_bonded_and_keyed_validator_joins_at_the_next_session() {
	let mut ext = preset_ext("local_testnet");
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| {
		System::set_block_number(1);
		let newcomer = Sr25519Keyring::EveStash.to_account_id();
		let origin = || RuntimeOrigin::signed(newcomer.clone());
		assert_ok!(Operators::register(
			origin(),
			RoleSet::of(&[Role::Validator]),
			Default::default(),
			20_000 * UNIT
		));
		let generated = SessionKeys::generate(&newcomer.encode(), None);
		assert_ok!(Session::set_keys(origin(), generated.keys, generated.proof.encode()));

		// Chosen at the next session boundary, active one session later (session queues a set).
		Session::rotate_session();
		assert!(!Session::validators().contains(&newcomer));
		Session::rotate_session();
		let validators = Session::validators();
		assert!(validators.contains(&newcomer), "{validators:?}");
		assert_eq!(validators.len(), 5);
		assert_eq!(
			validators.last(),
			Some(&newcomer),
			"ordered by bond: 100 000 VRT before 20 000"
		);
	});
}

#[test]
fn a_validator_without_keys_or_bond_is_not_chosen() {
	let mut ext = preset_ext("local_testnet");
	ext.execute_with(|| {
		System::set_block_number(1);
		let newcomer = Sr25519Keyring::EveStash.to_account_id();
		// Registered and bonded, but no session keys: not a candidate.
		assert_ok!(Operators::register(
			RuntimeOrigin::signed(newcomer.clone()),
			RoleSet::of(&[Role::Validator]),
			Default::default(),
			20_000 * UNIT
		));
		Session::rotate_session();
		Session::rotate_session();
		assert!(!Session::validators().contains(&newcomer));
		assert_eq!(Session::validators().len(), 4);
		// Below the validator minimum: refused outright.
		assert_noop!(
			Operators::unbond(RuntimeOrigin::signed(newcomer.clone()), 15_000 * UNIT),
			pallet_operators::Error::<Runtime>::BondBelowMinimum
		);
	});
}

#[test]
fn signed_transfer_moves_funds_and_splits_its_fee() {
	preset_ext("local_testnet").execute_with(|| {
		// Slot 2 of four validators is Charlie's.
		start_block(2);
		let author = Sr25519Keyring::Charlie.to_account_id();
		assert_eq!(pallet_authorship::Pallet::<Runtime>::author(), Some(author.clone()));
		assert_eq!(pallet_aura::CurrentSlot::<Runtime>::get(), Slot::from(2));

		let dave = Sr25519Keyring::Dave.to_account_id();
		let ferdie = Sr25519Keyring::Ferdie.to_account_id();
		let treasury = TreasuryAccount::get();
		let before = (
			Balances::balance(&dave),
			Balances::balance(&ferdie),
			Balances::balance(&treasury),
			Balances::balance(&author),
			Balances::total_issuance(),
		);

		let amount = 5 * UNIT;
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Address::Id(ferdie.clone()),
			value: amount,
		});
		let outcome = Executive::apply_extrinsic(signed(Sr25519Keyring::Dave, 0, call));
		assert_eq!(outcome, Ok(Ok(())));

		let fee = System::events()
			.into_iter()
			.find_map(|record| match record.event {
				RuntimeEvent::TransactionPayment(
					pallet_transaction_payment::Event::TransactionFeePaid {
						who, actual_fee, ..
					},
				) if who == dave => Some(actual_fee),
				_ => None,
			})
			.expect("fee paid event");
		assert!(fee > 0);

		use frame_support::traits::Get;
		let treasury_share = fee * u128::from(TreasuryShare::get().deconstruct()) / 100;
		assert_eq!(Balances::balance(&dave), before.0 - amount - fee);
		assert_eq!(Balances::balance(&ferdie), before.1 + amount);
		assert_eq!(Balances::balance(&treasury), before.2 + treasury_share);
		assert_eq!(Balances::balance(&author), before.3 + (fee - treasury_share));
		// Fees move value; none is created or destroyed.
		assert_eq!(Balances::total_issuance(), before.4);
		assert_eq!(System::account_nonce(&dave), 1);
	});
}

#[test]
fn transfer_with_wrong_nonce_or_signer_is_refused_and_changes_nothing() {
	preset_ext("local_testnet").execute_with(|| {
		start_block(2);
		let dave = Sr25519Keyring::Dave.to_account_id();
		let before = Balances::balance(&dave);
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Address::Id(Sr25519Keyring::Ferdie.to_account_id()),
			value: UNIT,
		});

		// A future nonce is not applicable now.
		assert!(Executive::apply_extrinsic(signed(Sr25519Keyring::Dave, 7, call.clone())).is_err());

		// A signature by someone else than the claimed sender is refused.
		let mut forged = signed(Sr25519Keyring::Eve, 0, call);
		if let sp_runtime::generic::Preamble::Signed(ref mut address, _, _) = forged.preamble {
			*address = Address::Id(dave.clone());
		}
		assert!(Executive::apply_extrinsic(forged).is_err());

		assert_eq!(Balances::balance(&dave), before);
		assert_eq!(System::account_nonce(&dave), 0);
	});
}

#[test]
fn fee_rises_with_congestion_and_never_falls_below_base() {
	use pallet_transaction_payment::{Multiplier, NextFeeMultiplier};
	use sp_runtime::{traits::Convert, FixedPointNumber};
	preset_ext("development").execute_with(|| {
		type Update = crate::configs::fees::FeeMultiplierUpdate;
		let max_normal = <Runtime as frame_system::Config>::BlockWeights::get()
			.get(frame_support::dispatch::DispatchClass::Normal)
			.max_total
			.expect("normal class is limited");

		// A full block raises the multiplier.
		System::set_block_consumed_resources(max_normal, 0);
		let one = Multiplier::saturating_from_integer(1);
		assert!(Update::convert(one) > one);

		// An empty block lowers it, but not under one.
		System::set_block_consumed_resources(frame_support::weights::Weight::zero(), 0);
		assert_eq!(Update::convert(one), one);
		assert_eq!(NextFeeMultiplier::<Runtime>::get(), one);
	});
}

/// The runtime charges the weights generated by `scripts/bench-pallets.sh`, not the pallets'
/// `()` test weights (which count database accesses only).
#[test]
fn the_runtime_uses_generated_weights() {
	use crate::weights;
	use pallet_inference::WeightInfo as _;
	use pallet_models::WeightInfo as _;
	use pallet_operators::WeightInfo as _;

	type OperatorsWeights = <Runtime as pallet_operators::Config>::WeightInfo;
	type ModelsWeights = <Runtime as pallet_models::Config>::WeightInfo;
	type InferenceWeights = <Runtime as pallet_inference::Config>::WeightInfo;

	assert_eq!(OperatorsWeights::bond(), weights::pallet_operators::WeightInfo::<Runtime>::bond());
	assert_ne!(OperatorsWeights::bond(), <() as pallet_operators::WeightInfo>::bond());
	assert_eq!(
		ModelsWeights::register_model(),
		weights::pallet_models::WeightInfo::<Runtime>::register_model()
	);
	assert_ne!(
		ModelsWeights::register_model(),
		<() as pallet_models::WeightInfo>::register_model()
	);
	assert_eq!(
		InferenceWeights::submit_job(8),
		weights::pallet_inference::WeightInfo::<Runtime>::submit_job(8)
	);
	assert_ne!(
		InferenceWeights::submit_job(8),
		<() as pallet_inference::WeightInfo>::submit_job(8)
	);
	use pallet_feeds::WeightInfo as _;
	type FeedsWeights = <Runtime as pallet_feeds::Config>::WeightInfo;
	assert_eq!(
		FeedsWeights::create_feed(),
		weights::pallet_feeds::WeightInfo::<Runtime>::create_feed()
	);
	assert_ne!(FeedsWeights::create_feed(), <() as pallet_feeds::WeightInfo>::create_feed());
	// FRAME's governance pallets run on weights from their own benchmarks on this runtime.
	{
		use pallet_conviction_voting::WeightInfo as _;
		use pallet_parameters::WeightInfo as _;
		use pallet_preimage::WeightInfo as _;
		use pallet_referenda::WeightInfo as _;
		use pallet_scheduler::WeightInfo as _;
		use pallet_treasury::WeightInfo as _;
		type Referenda = <Runtime as pallet_referenda::Config>::WeightInfo;
		type Voting = <Runtime as pallet_conviction_voting::Config>::WeightInfo;
		type Scheduler = <Runtime as pallet_scheduler::Config>::WeightInfo;
		type Preimage = <Runtime as pallet_preimage::Config>::WeightInfo;
		type Treasury = <Runtime as pallet_treasury::Config>::WeightInfo;
		type Parameters = <Runtime as pallet_parameters::Config>::WeightInfo;
		assert_eq!(Referenda::submit(), weights::pallet_referenda::WeightInfo::<Runtime>::submit());
		assert_ne!(Referenda::submit(), <() as pallet_referenda::WeightInfo>::submit());
		assert_eq!(
			Voting::vote_new(),
			weights::pallet_conviction_voting::WeightInfo::<Runtime>::vote_new()
		);
		assert_ne!(Voting::vote_new(), <() as pallet_conviction_voting::WeightInfo>::vote_new());
		assert_eq!(
			Scheduler::schedule(10),
			weights::pallet_scheduler::WeightInfo::<Runtime>::schedule(10)
		);
		assert_ne!(Scheduler::schedule(10), <() as pallet_scheduler::WeightInfo>::schedule(10));
		assert_eq!(
			Preimage::note_preimage(100),
			weights::pallet_preimage::WeightInfo::<Runtime>::note_preimage(100)
		);
		assert_ne!(
			Preimage::note_preimage(100),
			<() as pallet_preimage::WeightInfo>::note_preimage(100)
		);
		assert_eq!(Treasury::payout(), weights::pallet_treasury::WeightInfo::<Runtime>::payout());
		assert_ne!(Treasury::payout(), <() as pallet_treasury::WeightInfo>::payout());
		assert_eq!(
			Parameters::set_parameter(),
			weights::pallet_parameters::WeightInfo::<Runtime>::set_parameter()
		);
		// Measured here, not FRAME's reference figures from another machine and runtime.
		assert_ne!(
			Referenda::submit(),
			pallet_referenda::weights::SubstrateWeight::<Runtime>::submit()
		);
		assert_ne!(
			Voting::vote_new(),
			pallet_conviction_voting::weights::SubstrateWeight::<Runtime>::vote_new()
		);
		assert_ne!(
			Scheduler::schedule(10),
			pallet_scheduler::weights::SubstrateWeight::<Runtime>::schedule(10)
		);
		assert_ne!(
			Preimage::note_preimage(100),
			pallet_preimage::weights::SubstrateWeight::<Runtime>::note_preimage(100)
		);
		assert_ne!(
			Treasury::payout(),
			pallet_treasury::weights::SubstrateWeight::<Runtime>::payout()
		);
		assert_ne!(
			Parameters::set_parameter(),
			<() as pallet_parameters::WeightInfo>::set_parameter()
		);
	}
	// The oracle's: the generated ones, and the walk of the member set on top.
	use pallet_oracle::WeightInfo as _;
	let generated = weights::pallet_oracle::WeightInfo::<Runtime>::feed_values(4);
	let charged = sp_io::TestExternalities::default()
		.execute_with(|| <Runtime as pallet_oracle::Config>::WeightInfo::feed_values(4));
	assert!(charged.ref_time() > generated.ref_time(), "{charged:?} over {generated:?}");
}

/// Blocks stay on time under load: the worst case of every job-market call fits a normal
/// extrinsic many times over, and the most deadline work one block may do fits in a quarter of
/// a block.
#[test]
fn market_worst_cases_fit_a_block() {
	use pallet_inference::WeightInfo as _;
	type Weights = <Runtime as pallet_inference::Config>::WeightInfo;
	let limits = <Runtime as frame_system::Config>::BlockWeights::get();
	let max_extrinsic = limits
		.get(frame_support::dispatch::DispatchClass::Normal)
		.max_extrinsic
		.expect("normal extrinsics are limited");
	let operators = crate::configs::verity::MAX_OPERATORS_PER_ROLE;
	for (name, weight) in [
		("submit_job", Weights::submit_job(operators)),
		("decline_job", Weights::decline_job(operators)),
		("submit_result", Weights::submit_result(4 * 1024)),
		("cancel_job", Weights::cancel_job()),
		("prune_job", Weights::prune_job()),
	] {
		assert!(
			weight.ref_time().saturating_mul(10) < max_extrinsic.ref_time(),
			"{name} takes {weight:?} of {max_extrinsic:?}"
		);
	}
	// The hardening's calls: registering into four full roles, governance removing an operator
	// serving the most models, naming a worker, reaping a model, and an Aura equivocation
	// report in the largest validator set.
	{
		use pallet_models::WeightInfo as _;
		use pallet_operators::WeightInfo as _;
		type Operators = <Runtime as pallet_operators::Config>::WeightInfo;
		type Models = <Runtime as pallet_models::Config>::WeightInfo;
		let served = <<Runtime as pallet_operators::Config>::MaxModelsServed as frame_support::traits::Get<u32>>::get();
		for (name, weight) in [
			("register", Operators::register(4)),
			("force_deregister", Operators::force_deregister(served)),
			("set_worker", Operators::set_worker()),
			("reap_model", Models::reap_model()),
			(
				"report_equivocation",
				pallet_aura_equivocation::weights::report_equivocation::<Runtime>(64),
			),
		] {
			assert!(
				weight.ref_time().saturating_mul(10) < max_extrinsic.ref_time(),
				"{name} takes {weight:?} of {max_extrinsic:?}"
			);
		}
	}
	// A proof, and a full batch of proofs in its worst case (the longest inputs and outputs,
	// the batch failing and every proof checked again alone), fit an extrinsic with room.
	let (input, output) = (16 * 1024, 4 * 1024);
	let proof = crate::Inference::submit_proof_weight(input, output);
	assert!(proof.ref_time().saturating_mul(10) < max_extrinsic.ref_time(), "{proof:?}");
	let batch = crate::Inference::submit_proofs_weight(
		pallet_inference::MAX_PROOF_BATCH,
		input,
		output,
		true,
	);
	assert!(batch.ref_time().saturating_mul(3) / 2 < max_extrinsic.ref_time(), "{batch:?}");
	// The batch calls at their bound fit an extrinsic with room.
	let batch = <<Runtime as pallet_inference::Config>::MaxJobBatch as frame_support::traits::Get<u32>>::get();
	for (name, weight) in [
		("submit_jobs", Weights::submit_jobs(batch, operators)),
		("submit_results", crate::Inference::submit_results_weight(batch, batch, 4 * 1024)),
	] {
		assert!(
			weight.ref_time().saturating_mul(2) < max_extrinsic.ref_time(),
			"{name} takes {weight:?} of {max_extrinsic:?}"
		);
	}
	// Oracle feeds: a job on the most feeds, a subscription of them, a full report from the
	// largest oracle set.
	let feeds =
		<<Runtime as pallet_inference::Config>::MaxFeeds as frame_support::traits::Get<u32>>::get();
	{
		use pallet_oracle::WeightInfo as _;
		for (name, weight) in [
			("submit_feeds_job", Weights::submit_feeds_job(feeds)),
			("subscribe", Weights::subscribe(feeds)),
			("cancel_subscription", Weights::cancel_subscription()),
			// A full report, priced for the largest oracle set (the weight reads its size).
			(
				"feed_values",
				sp_io::TestExternalities::default().execute_with(|| {
					pallet_operators::RoleCounts::<Runtime>::insert(Role::Oracle, operators);
					crate::configs::oracle::OracleWeights::feed_values(
						crate::configs::oracle::MAX_FEED_VALUES,
					)
				}),
			),
		] {
			assert!(
				weight.ref_time().saturating_mul(10) < max_extrinsic.ref_time(),
				"{name} takes {weight:?} of {max_extrinsic:?}"
			);
		}
	}
	// A block's subscription runs, each charged a worst-case submission (the most feeds, the
	// largest round), take at most a tenth of a block.
	let runs =
		<<Runtime as pallet_inference::Config>::MaxRunsPerBlock as frame_support::traits::Get<
			u32,
		>>::get();
	let run =
		crate::Inference::run_weight(feeds, verity_primitives::VerificationMode::Consensus(7));
	let block = limits.max_block;
	assert!(
		run.saturating_mul(u64::from(runs)).saturating_mul(10).all_lte(block),
		"{runs} runs of {run:?} in a block of {block:?}"
	);
	// Every block's deadline work can start a worst-case entry (the cursor always moves), and
	// the worst entry is a small part of it.
	let worst = crate::Inference::worst_entry();
	let deadline = crate::configs::verity::MaxDeadlineWeight::get();
	assert!(worst.saturating_mul(50).all_lte(deadline), "{worst:?} of {deadline:?}");
}

/// The capacity arithmetic of docs/performance.md: with the generated weights, a 6-second
/// block's normal class (1.5 s of its 2 s) fits at least a thousand complete `Fast` jobs —
/// submitted 32 to an extrinsic, answered 32 to an extrinsic (the jobs of one requester), each
/// with its deadline entry (answered in time) and its pruning — counting the deadline work
/// against the normal class too, though it runs in `on_initialize`. A weight change that
/// breaks it fails here.
#[test]
fn market_capacity() {
	use frame_support::dispatch::DispatchClass;
	use pallet_inference::WeightInfo as _;
	type Weights = <Runtime as pallet_inference::Config>::WeightInfo;
	const BATCH: u32 = 32;
	// Serving operators looked at per assignment: the two inference nodes of the local network
	// and room for two more.
	const OPERATORS: u32 = 4;
	// The demo model's output: four f32.
	const OUTPUT: u32 = 16;
	let limits = <Runtime as frame_system::Config>::BlockWeights::get();
	let normal = limits.get(DispatchClass::Normal);
	let capacity = normal.max_total.expect("normal class is limited").ref_time();
	let base = normal.base_extrinsic.ref_time();
	let per_job = |requesters: u32| {
		let submit = Weights::submit_jobs(BATCH, OPERATORS).ref_time() + base;
		let answer =
			crate::Inference::submit_results_weight(BATCH, requesters, OUTPUT).ref_time() + base;
		let entries = Weights::deadline_stale().ref_time() + Weights::deadline_prune().ref_time();
		(submit + answer) / u64::from(BATCH) + entries
	};
	let single = Weights::submit_job(OPERATORS).ref_time()
		+ Weights::submit_result(OUTPUT).ref_time()
		+ 2 * base
		+ Weights::deadline_stale().ref_time()
		+ Weights::deadline_prune().ref_time();
	let grouped = capacity / per_job(1);
	let scattered = capacity / per_job(BATCH);
	println!(
		"a block's normal class ({} ms) fits {grouped} jobs in batches of {BATCH} of one \
		 requester ({} µs a job), {scattered} with every result of another requester, {} \
		 submitted and answered one by one ({} µs a job)",
		capacity / 1_000_000_000,
		per_job(1) / 1_000_000,
		capacity / single,
		single / 1_000_000,
	);
	assert!(grouped >= 1_000, "only {grouped} jobs a block");
	// The deadline queues keep up with a thousand jobs a block: each block's queue holds the
	// deadlines of a block's jobs and the prunings of a block's jobs of a day before, and
	// admits no more than one block's deadline work gets through.
	let queue = crate::Inference::queue_capacity();
	println!("a block's deadline queue admits {queue} entries: {} jobs a block", queue / 2);
	assert!(queue / 2 >= 1_000, "the queues admit only {} jobs a block", queue / 2);
	// And the transactions of those jobs fit beside the deadline work within the block.
	let deadline = crate::configs::verity::MaxDeadlineWeight::get().ref_time();
	let transactions = (Weights::submit_jobs(BATCH, OPERATORS).ref_time()
		+ crate::Inference::submit_results_weight(BATCH, 1, OUTPUT).ref_time()
		+ 2 * base)
		/ u64::from(BATCH);
	let room = limits.max_block.ref_time().saturating_sub(deadline).min(capacity);
	assert!(room / transactions >= 1_000, "only {} jobs' transactions", room / transactions);
}

/// Two prevotes signed by `signer` in round 1 of GRANDPA set `set_id`, for the blocks
/// `targets` (an equivocation when they differ).
fn grandpa_votes(
	signer: sp_keyring::Ed25519Keyring,
	set_id: u64,
	targets: (u8, u8),
) -> sp_consensus_grandpa::EquivocationProof<crate::Hash, crate::BlockNumber> {
	let round = 1;
	let vote = |target: u8| {
		let prevote =
			finality_grandpa::Prevote { target_hash: [target; 32].into(), target_number: 1 };
		let message = finality_grandpa::Message::Prevote(prevote.clone());
		let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
		(prevote, signer.sign(&payload).into())
	};
	sp_consensus_grandpa::EquivocationProof::new(
		set_id,
		sp_consensus_grandpa::Equivocation::Prevote(finality_grandpa::Equivocation {
			round_number: round,
			identity: signer.public().into(),
			first: vote(targets.0),
			second: vote(targets.1),
		}),
	)
}

/// A proof from the historical sessions that `signer`'s GRANDPA key is a validator's now.
fn grandpa_key_owner_proof(signer: sp_keyring::Ed25519Keyring) -> sp_session::MembershipProof {
	use frame_support::traits::KeyOwnerProofSystem;
	let key: pallet_grandpa::AuthorityId = signer.public().into();
	crate::Historical::prove((sp_consensus_grandpa::KEY_TYPE, key)).expect("a validator's key")
}

#[test]
fn a_grandpa_equivocation_slashes_chills_and_disables_the_validator() {
	use sp_keyring::Ed25519Keyring;
	preset_ext("local_testnet").execute_with(|| {
		start_block(1);
		let dave = Sr25519Keyring::Dave.to_account_id();
		let bond_before = Operators::operator_view(&dave).expect("Dave is an operator").bonded;
		let treasury_before = Balances::balance(&TreasuryAccount::get());
		let set_id = pallet_grandpa::CurrentSetId::<Runtime>::get();

		// Anyone may send the report (it is unsigned): the proof is what counts.
		assert_ok!(crate::Grandpa::report_equivocation_unsigned(
			RuntimeOrigin::none(),
			Box::new(grandpa_votes(Ed25519Keyring::Dave, set_id, (1, 2))),
			grandpa_key_owner_proof(Ed25519Keyring::Dave),
		));

		// One offender of four: the GRANDPA offence takes (3·1/4)² ≈ 56 % of the bond.
		let fraction = sp_runtime::Perbill::from_rational(3u32, 4u32).square();
		let bond_after = Operators::operator_view(&dave).expect("still an operator").bonded;
		assert_eq!(bond_after, bond_before - fraction.mul_floor(bond_before));
		assert_eq!(
			Balances::balance(&TreasuryAccount::get()),
			treasury_before + fraction.mul_floor(bond_before)
		);
		assert!(Operators::operator_view(&dave).expect("operator").chilled);
		assert!(!<Operators as RoleInspect<_, _>>::is_active(&dave, Role::Validator));
		// Disabled for the rest of the session: index 3 of the set.
		assert_eq!(Session::disabled_validators(), vec![3]);
		assert!(System::events().iter().any(|record| matches!(
			&record.event,
			RuntimeEvent::Offences(pallet_offences::Event::Offence { .. })
		)));
		assert!(System::events().iter().any(|record| matches!(
			&record.event,
			RuntimeEvent::Operators(pallet_operators::Event::Slashed {
				who,
				reason: verity_primitives::SlashReason::Equivocation,
				..
			}) if *who == dave
		)));

		// The same offence is not punished twice.
		assert_noop!(
			crate::Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(grandpa_votes(Ed25519Keyring::Dave, set_id, (1, 2))),
				grandpa_key_owner_proof(Ed25519Keyring::Dave),
			),
			pallet_grandpa::Error::<Runtime>::DuplicateOffenceReport
		);
		// And the chilled validator is not chosen for the next set.
		Session::rotate_session();
		Session::rotate_session();
		assert!(!Session::validators().contains(&dave));
		assert_eq!(Session::validators().len(), 3);
	});
}

#[test]
fn an_equivocation_report_with_a_bad_proof_changes_nothing() {
	use sp_keyring::Ed25519Keyring;
	preset_ext("local_testnet").execute_with(|| {
		start_block(1);
		let set_id = pallet_grandpa::CurrentSetId::<Runtime>::get();
		// Two votes for the same block are no equivocation.
		let proof = grandpa_votes(Ed25519Keyring::Bob, set_id, (1, 1));
		let bob = Sr25519Keyring::Bob.to_account_id();
		let bond = Operators::operator_view(&bob).expect("operator").bonded;
		assert_noop!(
			crate::Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(proof),
				grandpa_key_owner_proof(Ed25519Keyring::Bob),
			),
			pallet_grandpa::Error::<Runtime>::InvalidEquivocationProof
		);
		// Someone else's key-ownership proof does not fit Bob's votes.
		assert_noop!(
			crate::Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(grandpa_votes(Ed25519Keyring::Bob, set_id, (1, 2))),
				grandpa_key_owner_proof(Ed25519Keyring::Charlie),
			),
			pallet_grandpa::Error::<Runtime>::InvalidKeyOwnershipProof
		);
		assert_eq!(Operators::operator_view(&bob).expect("operator").bonded, bond);
		assert!(Session::disabled_validators().is_empty());
	});
}

#[test]
fn an_aura_equivocation_slashes_chills_and_disables_the_validator() {
	use sp_consensus_aura::{sr25519::AuthorityPair, Slot};
	use sp_core::Pair;
	preset_ext("local_testnet").execute_with(|| {
		start_block(1);
		let dave = Sr25519Keyring::Dave;
		let key = AuthorityPair::from_string(&dave.to_seed(), None).expect("a dev key");
		let bond_before = Operators::operator_view(&dave.to_account_id()).expect("operator").bonded;
		// Two blocks of slot 7 (Dave's: 7 % 4 = 3), both sealed by Dave.
		let slot = Slot::from(7);
		// Both on the genesis block, two variants of block 1.
		let genesis = System::block_hash(0);
		let header = |variant: u8| {
			pallet_aura_equivocation::sealed_header::<Header>(
				(1, genesis),
				[variant; 32].into(),
				slot,
				|m| key.sign(m),
			)
		};
		let proof = sp_consensus_slots::EquivocationProof {
			offender: key.public(),
			slot,
			first_header: header(1),
			second_header: header(2),
		};
		let key_owner_proof = {
			use frame_support::traits::KeyOwnerProofSystem;
			crate::Historical::prove((pallet_aura_equivocation::KEY_TYPE, key.public()))
				.expect("Dave's Aura key is a validator's")
		};
		let report = |proof: &sp_consensus_slots::EquivocationProof<Header, _>| {
			crate::AuraEquivocation::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(proof.clone()),
				key_owner_proof.clone(),
			)
		};
		assert_ok!(report(&proof));

		let fraction = sp_runtime::Perbill::from_rational(3u32, 4u32).square();
		let view = Operators::operator_view(&dave.to_account_id()).expect("operator");
		assert_eq!(view.bonded, bond_before - fraction.mul_floor(bond_before));
		assert!(view.chilled);
		assert_eq!(Session::disabled_validators(), vec![3]);
		// Reported once.
		assert_noop!(
			report(&proof),
			pallet_aura_equivocation::Error::<Runtime>::DuplicateOffenceReport
		);
		// A report of one block twice is refused and changes nothing.
		let same =
			sp_consensus_slots::EquivocationProof { second_header: header(1), ..proof.clone() };
		assert_noop!(
			report(&same),
			pallet_aura_equivocation::Error::<Runtime>::InvalidEquivocationProof
		);
		// So are blocks that do not build on this chain (another chain's, with the same keys).
		let foreign = |variant: u8| {
			pallet_aura_equivocation::sealed_header::<Header>(
				(1, [9; 32].into()),
				[variant; 32].into(),
				Slot::from(8),
				|m| key.sign(m),
			)
		};
		let elsewhere = sp_consensus_slots::EquivocationProof {
			first_header: foreign(1),
			second_header: foreign(2),
			slot: Slot::from(8),
			..proof
		};
		assert_noop!(report(&elsewhere), pallet_aura_equivocation::Error::<Runtime>::UnknownParent);
	});
}

#[test]
fn a_worker_cannot_withdraw_its_bond_before_its_results_can_no_longer_be_challenged() {
	// A slash reaches unbonding funds until they are withdrawn: the unbonding period must
	// outlast the last challenge of a result settled just before its worker unbonds (the
	// challenge period, the judges' draw and round, the queues' spread).
	let params = pallet_inference::MarketParams::<crate::BlockNumber> {
		execution_period: crate::configs::verity::EXECUTION_PERIOD,
		..Default::default()
	};
	let last = pallet_inference::Pallet::<Runtime>::least_retention(&params);
	let unbonding = <Runtime as pallet_operators::Config>::UnbondingPeriod::get();
	assert!(unbonding > last, "unbonding {unbonding} blocks, a challenge may end {last} blocks on");
}

mod governance;
mod oracle;
