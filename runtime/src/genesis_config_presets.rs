//! Genesis presets, served through the `GenesisBuilder` runtime API.
//!
//! - `development` (`--dev`): Alice is the only validator and the sudo key, and referenda run at
//!   the development pace (enacted within a minute; see `governance::tracks`); she is also an
//!   operator of every role (validator, inference, verifier, oracle), bonded, and serves the demo
//!   model ([`DEMO_MODEL_ID`], registered by her with a `blob:` URI: her node's store has it;
//!   `Fast` and `Zk`, with [`DEMO_MODEL_VK`]).
//! - `local_testnet` (`--chain local`, the network of `zombienet/`): Alice, Bob, Charlie and Dave
//!   are validators, bonded as validator operators and nothing else; Eve and Ferdie are
//!   inference operators (not validators) that serve the demo model, each with its own account
//!   and key, whose nodes run the worker. Alice owns the demo model, which only her node holds:
//!   the inference nodes fetch it from their peers. There is no sudo: governance is root, at its
//!   public pace. Four validators, so that one may
//!   fail or be disabled for an offence while GRANDPA still finalizes (it needs more than two
//!   thirds).
//!
//! - `staging` (`--chain staging`): a public chain's genesis, with the development keys as
//!   stand-ins: four validators, no sudo, no demo, governance at its public pace.
//!
//! The first two endow the well-known development accounts and [`LOAD_ACCOUNTS`] load-test
//! accounts (`//0`, `//1`, …), `staging` the well-known accounts only; all three give the
//! treasury account its existential deposit, so the treasury share of the first fee is never
//! burned.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use pallet_models::{DType, IoView, TensorView};
use pallet_settlement::ceremony::{DEV_PHASE1_ORIGIN, DEV_PHASE1_SIZE, PHASE1_ORIGIN, PHASE1_SIZE};
use sp_runtime::Perbill;
use verity_primitives::{CapabilitiesView, ModeSet, ModelId, Role};

use crate::{
	configs::{fees::TreasuryAccount, verity::EXECUTION_PERIOD},
	currency::{EXISTENTIAL_DEPOSIT, UNIT},
	governance::origins::Pace,
	opaque::SessionKeys,
	AccountId, Balance, BalancesConfig, FeedsConfig, InferenceConfig, ModelsConfig,
	OperatorsConfig, OriginsConfig, RuntimeGenesisConfig, SessionConfig, SettlementConfig,
	SudoConfig,
};

/// What each endowed development account starts with: one million VRT.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;
/// What each genesis operator bonds: a hundred thousand VRT.
pub const GENESIS_BOND: Balance = 100_000 * UNIT;

/// The id of the development chain's demo model: the blake2-256 hash of
/// `node/res/demo-model.onnx`, an MLP 16-16-4 (`f32[1, 16]` in, `f32[1, 4]` out) that
/// `scripts/gen-demo-model.sh` generates (the node's tests check that the two agree).
pub const DEMO_MODEL_ID: ModelId =
	ModelId(hex_literal::hex!("3ee04f190f375419b035588f2ab562645b59ec599738e509188314d6830dec54"));
/// Where workers find the demo model: in their node's own store (`blob:` and the model id).
pub const DEMO_MODEL_URI: &[u8] =
	b"blob:0x3ee04f190f375419b035588f2ab562645b59ec599738e509188314d6830dec54";
/// The Groth16 verifying key of the demo model (`node/res/demo-model.vk`): from
/// `verity-node zk setup --insecure-seed`, a **public** seed, so anyone can forge proofs for it;
/// fine for a development chain, never for a real one. The node's tests check that it is the
/// key of the committed model.
pub const DEMO_MODEL_VK: &[u8] = include_bytes!("../../node/res/demo-model.vk");
/// The price of one job of the demo model: one VRT.
pub const DEMO_MODEL_PRICE: Balance = UNIT;
/// How many open jobs Alice's worker declares it takes at once. A demo inference takes well
/// under a millisecond; at a hundred jobs a second, answered within two blocks, about 1 200 are
/// open at a time (her node runs at most `--worker-max-concurrency` of them at the same
/// instant).
pub const DEMO_CONCURRENCY: u32 = 4096;
/// The market's ceiling on the jobs one worker holds, on the development chains: high enough
/// for a load test of one worker (the default, 256, bounds what a worker that holds jobs to
/// decline them late can do on a public chain).
pub const DEV_MAX_CONCURRENT_JOBS: u32 = 4096;

/// The demo model's registration: id, owner, URI, I/O, price, royalty, modes.
fn demo_model(
	owner: AccountId,
) -> (ModelId, AccountId, Vec<u8>, IoView, Balance, Perbill, ModeSet) {
	let tensor = |shape: Vec<u32>| TensorView { dtype: DType::F32, shape };
	(
		DEMO_MODEL_ID,
		owner,
		DEMO_MODEL_URI.to_vec(),
		IoView { input: tensor(vec![1, 16]), output: tensor(vec![1, 4]) },
		DEMO_MODEL_PRICE,
		Perbill::from_percent(5),
		ModeSet { fast: true, zk: true, consensus: true },
	)
}

/// How many demo feeds the presets register: one for each input of the demo model.
pub const DEMO_FEEDS: u32 = 16;

/// The demo feeds, ids 0 to 15: sixteen sensor channels in volts with three decimals, the
/// sixteen inputs of the demo model. `scripts/demo-feed.mjs` serves values for them and
/// `scripts/demo-sources.toml` points the dev node's oracle at it.
fn demo_feeds() -> Vec<(Vec<u8>, Vec<u8>, u8)> {
	(0..DEMO_FEEDS)
		.map(|channel| {
			(alloc::format!("Demo sensor, channel {channel}").into_bytes(), b"V".to_vec(), 3)
		})
		.collect()
}

/// The presets' feed parameters: one report makes a value (the dev chain and the local network
/// have one oracle each; a chain with more should ask for three or more), five minutes of
/// freshness.
pub const DEMO_FEED_PARAMS: pallet_feeds::FeedParams =
	pallet_feeds::FeedParams { min_reports: 1, max_age: 5 * 60 * 1000 };

/// The least bond of each role: validators 10 000 VRT, inference operators and verifiers
/// 1 000 VRT, oracle operators 100 VRT.
pub fn min_bonds() -> Vec<(Role, Balance)> {
	vec![
		(Role::Validator, 10_000 * UNIT),
		(Role::Inference, 1_000 * UNIT),
		(Role::Verifier, 1_000 * UNIT),
		(Role::Oracle, 100 * UNIT),
	]
}

/// A validator of a genesis preset: its account and its session keys.
fn validator(account: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AccountId, SessionKeys) {
	let aura: AuraId = account.public().into();
	let grandpa: GrandpaId = grandpa.public().into();
	(account.to_account_id(), SessionKeys { aura, grandpa })
}

/// The operators of a genesis preset beside its validators: an account, its roles, and
/// whether it serves the demo model.
struct Operator {
	account: AccountId,
	roles: Vec<Role>,
	serves_demo: bool,
}

/// What sets the development chains apart from a public one.
struct Development {
	/// The sudo key.
	sudo: Option<AccountId>,
	/// The demo model's owner: with one, the demo model and feeds are registered and a worker
	/// may hold [`DEV_MAX_CONCURRENT_JOBS`] jobs.
	demo_owner: Option<AccountId>,
	/// How long referenda take.
	pace: Pace,
	/// Whether model owners may set keys from a setup they ran alone (`pallet_models::OwnerKeys`):
	/// development chains only; elsewhere keys come from the ceremony.
	owner_keys: bool,
	/// How many distinct contributors a model's phase 2 needs (`pallet_settlement`).
	min_contributors: u32,
	/// Phase 1 of the setup ceremony: the circuits it serves, its starting transcript's hash.
	phase1: (u32, [u8; 32]),
}

/// The genesis state as a JSON patch over the default `RuntimeGenesisConfig`: `validators` are
/// bonded as validator operators (and, if also in `operators`, with those roles too).
fn genesis(
	validators: Vec<(AccountId, SessionKeys)>,
	operators: Vec<Operator>,
	endowed: Vec<AccountId>,
	development: Development,
) -> Value {
	let mut bonded: Vec<(AccountId, Vec<Role>, Balance, Vec<u8>)> = validators
		.iter()
		.map(|(account, _)| {
			(account.clone(), vec![Role::Validator], GENESIS_BOND, b"genesis".to_vec())
		})
		.collect();
	for operator in &operators {
		match bonded.iter_mut().find(|(account, ..)| *account == operator.account) {
			Some((_, roles, ..)) => {
				for role in &operator.roles {
					if !roles.contains(role) {
						roles.push(*role);
					}
				}
			},
			None => bonded.push((
				operator.account.clone(),
				operator.roles.clone(),
				GENESIS_BOND,
				b"genesis".to_vec(),
			)),
		}
	}
	let mut balances: Vec<(AccountId, Balance)> =
		endowed.into_iter().map(|account| (account, ENDOWMENT)).collect();
	balances.push((TreasuryAccount::get(), EXISTENTIAL_DEPOSIT));
	let capabilities: Vec<(AccountId, CapabilitiesView)> = operators
		.iter()
		.filter(|operator| operator.serves_demo)
		.map(|operator| {
			(
				operator.account.clone(),
				CapabilitiesView {
					models: vec![DEMO_MODEL_ID],
					max_concurrent_jobs: DEMO_CONCURRENCY,
					accelerator: false,
				},
			)
		})
		.collect();
	let Development { sudo, demo_owner, pace, owner_keys, min_contributors, phase1 } = development;
	let demo = demo_owner.is_some();
	let models: Vec<_> = demo_owner.into_iter().map(demo_model).collect();
	let verifying_keys: Vec<(ModelId, Vec<u8>)> =
		if demo { vec![(DEMO_MODEL_ID, DEMO_MODEL_VK.to_vec())] } else { vec![] };
	let (feeds, feed_params) =
		if demo { (demo_feeds(), Some(DEMO_FEED_PARAMS)) } else { (vec![], None) };
	let max_concurrent_jobs = if demo {
		DEV_MAX_CONCURRENT_JOBS
	} else {
		pallet_inference::MarketParams::<u32>::default().max_concurrent_jobs
	};
	let operators = bonded;

	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances },
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|(account, keys)| (account.clone(), account, keys))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: sudo },
		operators: OperatorsConfig { min_bonds: min_bonds(), operators, capabilities },
		models: ModelsConfig { models, verifying_keys, owner_keys },
		settlement: SettlementConfig {
			phase1: Some((phase1.0, phase1.1.into())),
			min_contributors,
		},
		feeds: FeedsConfig { feeds, params: feed_params },
		inference: InferenceConfig {
			params: Some(pallet_inference::MarketParams {
				execution_period: EXECUTION_PERIOD,
				max_concurrent_jobs,
				..Default::default()
			}),
		},
		origins: OriginsConfig { pace },
	})
}

/// How many load-test accounts the development presets endow: `//0`, `//1`, … (sr25519, the
/// dev phrase's hard derivations by index, as `Sr25519Keyring::numeric`), the requesters of
/// `scripts/loadgen.sh`.
pub const LOAD_ACCOUNTS: usize = 64;

/// The well-known development accounts and the load-test accounts.
fn endowed() -> Vec<AccountId> {
	Sr25519Keyring::well_known()
		.map(|k| k.to_account_id())
		.chain((0..LOAD_ACCOUNTS).map(|i| {
			use sp_core::Pair as _;
			AccountId::from(Sr25519Keyring::numeric(i).public())
		}))
		.collect()
}

/// The verifiers of the `development` preset beside Alice: their keys sit in the dev node's
/// keystore too, so a `Consensus(3)` job of Alice's finds three verifiers that are not its
/// worker.
pub const DEV_VERIFIERS: [Sr25519Keyring; 3] =
	[Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];

/// The `development` preset: Alice validates alone, holds every role and serves the demo model;
/// Bob, Charlie and Dave verify it.
pub fn development_config_genesis() -> Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	let mut operators =
		vec![Operator { account: alice.clone(), roles: Role::ALL.to_vec(), serves_demo: true }];
	operators.extend(DEV_VERIFIERS.iter().map(|key| Operator {
		account: key.to_account_id(),
		roles: vec![Role::Verifier],
		serves_demo: true,
	}));
	genesis(
		vec![validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		operators,
		endowed(),
		Development {
			sudo: Some(alice.clone()),
			demo_owner: Some(alice),
			pace: Pace::Development,
			owner_keys: true,
			min_contributors: 1,
			phase1: (DEV_PHASE1_SIZE, DEV_PHASE1_ORIGIN),
		},
	)
}

/// Alice, Bob, Charlie and Dave with their development session keys: the validators of the
/// `local_testnet` and `staging` presets (four, so that one may fail while GRANDPA finalizes).
fn four_validators() -> Vec<(AccountId, SessionKeys)> {
	[
		(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
		(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
	]
	.into_iter()
	.map(|(account, grandpa)| validator(account, grandpa))
	.collect()
}

/// The inference nodes of the `local_testnet` preset.
pub const LOCAL_INFERENCE_OPERATORS: [Sr25519Keyring; 2] =
	[Sr25519Keyring::Eve, Sr25519Keyring::Ferdie];

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave validate; Eve and Ferdie serve the
/// demo model, as inference operators and as verifiers (so a `Consensus(1)` job runs on both
/// nodes, one the worker, the other its verifier).
pub fn local_config_genesis() -> Value {
	genesis(
		four_validators(),
		LOCAL_INFERENCE_OPERATORS
			.iter()
			.map(|key| Operator {
				account: key.to_account_id(),
				roles: vec![Role::Inference, Role::Verifier],
				serves_demo: true,
			})
			.collect(),
		endowed(),
		Development {
			sudo: None,
			demo_owner: Some(Sr25519Keyring::Alice.to_account_id()),
			pace: Pace::Standard,
			owner_keys: false,
			min_contributors: 3,
			phase1: (PHASE1_SIZE, PHASE1_ORIGIN),
		},
	)
}

/// The id of the production-like preset.
pub const STAGING_PRESET: &str = "staging";

/// The `staging` preset (`--chain staging`): a public chain's genesis with the development
/// keys as stand-ins. Alice, Bob, Charlie and Dave validate (replace their keys before a real
/// launch); the well-known accounts are endowed and vote; there is no sudo, no demo model, no
/// demo feeds and no load-test account; governance runs at its public pace.
pub fn staging_config_genesis() -> Value {
	genesis(
		four_validators(),
		vec![],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Development {
			sudo: None,
			demo_owner: None,
			pace: Pace::Standard,
			owner_keys: false,
			min_contributors: 3,
			phase1: (PHASE1_SIZE, PHASE1_ORIGIN),
		},
	)
}

/// The JSON of a preset, or `None` for an unknown id.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		STAGING_PRESET => staging_config_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|json| json.into_bytes())
}

/// The ids of the presets this runtime provides.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(STAGING_PRESET),
	]
}
