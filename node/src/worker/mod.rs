//! # The off-chain worker (`--worker`)
//!
//! An inference operator's node does the operator's work. With `--worker`, the node:
//!
//! 1. watches every new best block for jobs assigned to the operators whose keys are in its
//!    keystore (key type `vrty`, sr25519; `verity-node key insert --key-type vrty`, and `--dev`
//!    inserts Alice's), through the `InferenceApi` runtime API. A key is either an operator's
//!    own or, better, the worker key an operator named (`operators.setWorker`): the worker
//!    signs results, proofs and declines for its operator and can do nothing else with the
//!    operator's account, so the bonded key never has to be on a networked machine;
//! 2. queues them (a bounded queue; what does not fit waits on chain for the next block) and runs
//!    as many at once as the operators declared (`max_concurrent_jobs`, capped by
//!    `--worker-max-concurrency`);
//! 3. fetches each model by the URI registered on chain into the [`store`], checked against its
//!    id, tries it out in a child process within the node's memory and time bounds
//!    ([`engine::trial`]), loads it once into the [`engine`] (tract-onnx) and runs it on a
//!    blocking thread, never on block import or authoring, each run within the time bound (or
//!    less when the job's deadline comes sooner). A model over a bound is refused for as long
//!    as the node runs: its jobs are declined at once;
//! 4. submits `submit_result` signed with the operator's key, or — when the model cannot be
//!    fetched, loaded or run — `decline_job`, so the job is reassigned or refunded at once rather
//!    than left to its deadline. A `Zk` job is proved instead ([`zk`]): on a blocking thread, the
//!    reference interpreter computes the output, tract's run must agree with it, and the
//!    Groth16 prover (with the key installed by `verity-node zk setup`, checked against the
//!    chain's) makes the proof that `submit_proof` carries. Answers that are ready at the same
//!    time go out together, one
//!    `utility.force_batch` per key: a burst of jobs costs one signature, nonce and pool
//!    validation, not one each (see `deliver`).
//!
//! 5. plays the `Consensus` rounds its operators are members of, as a job's worker or one of
//!    its verifiers (`rounds.rs`): runs the model, commits to a salted hash of the output, and
//!    reveals it once the chain opens the reveals; runs the audits the chain gives its
//!    verifiers (`audits.rs`);
//! 6. with `--oracle-sources FILE` and the key of an active `Oracle` operator, fetches the
//!    configured outside values and reports them to the chain's oracle ([`oracle`]).
//!
//! A result that was submitted but not included is submitted again after
//! [`RESUBMIT_AFTER`] blocks; one the chain refused for good when a block applied it is
//! declined instead ([`outcomes`]). The node's state changes only through these extrinsics.
//! [`Metrics`] go to Prometheus; [`rpc`] serves `worker_status`, `blobs_put` and `blobs_get`.

mod audits;
pub mod demo;
pub mod engine;
pub mod metrics;
pub mod oracle;
pub mod outcomes;
pub mod p2p;
pub mod phase2;
mod rounds;
pub mod rpc;
pub mod store;
mod submit;
pub mod zk;

use std::{
	collections::{HashMap, HashSet, VecDeque},
	path::Path,
	sync::Arc,
	time::{Duration, Instant},
};

use futures::StreamExt;
use parking_lot::Mutex;
use sc_client_api::{BlockBackend, BlockchainEvents, HeaderBackend, StorageProvider};
use sc_service::{SpawnTaskHandle, TaskManager};
use sp_api::ProvideRuntimeApi;
use sp_core::{crypto::KeyTypeId, sr25519};
use sp_keystore::KeystorePtr;
use sp_runtime::traits::Header as _;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use verity_primitives::{JobId, ModelId, Role, VerificationMode};
use verity_runtime::{AccountId, Balance, BlockNumber, RuntimeCall};

use pallet_inference_runtime_api::InferenceApi;
use pallet_models_runtime_api::ModelsApi;
use pallet_operators_runtime_api::OperatorsApi;

use crate::service::{FullClient, TransactionPool};
pub use metrics::Metrics;
use {
	engine::Engine,
	outcomes::{Carrier, Sent, Verdict},
	store::ModelStore,
	submit::Submitter,
};

/// The log target of the worker.
pub const LOG_TARGET: &str = "verity::worker";

/// The keystore key type of operator account keys (sr25519).
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"vrty");

/// Blocks after which a submitted result that is still not on chain is submitted again.
pub const RESUBMIT_AFTER: BlockNumber = 5;

/// How long after a failed prefetch a declared model is fetched again; twice as long after each
/// further failure in a row, up to [`PREFETCH_RETRY_MAX`].
const PREFETCH_RETRY: Duration = Duration::from_secs(30);
/// The longest wait between prefetches of a model that keeps failing.
const PREFETCH_RETRY_MAX: Duration = Duration::from_secs(30 * 60);

/// Blocks a sent transaction is looked for in new blocks (see [`outcomes`]).
const SENT_KEPT: BlockNumber = 64;

/// How many recent inference latencies `worker_status` reports.
const RECENT_LATENCIES: usize = 64;

/// A job as the `InferenceApi` returns it.
pub type Job = pallet_inference::JobView<AccountId, Balance, BlockNumber>;

/// The worker's command-line options.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerParams {
	/// Serve the inference jobs assigned to the operator accounts whose keys (key type `vrty`)
	/// are in the keystore.
	#[arg(long)]
	pub worker: bool,

	/// The most jobs waiting for an execution slot; more wait on chain until there is room.
	#[arg(long, default_value_t = 1024)]
	pub worker_queue_size: usize,

	/// The most jobs run at once, whatever the operators declare.
	#[arg(long, default_value_t = 16)]
	pub worker_max_concurrency: u32,

	/// The largest model the node downloads or stores, in bytes.
	#[arg(long, default_value_t = 256 * 1024 * 1024)]
	pub worker_max_model_size: u64,

	/// Seconds a model download may take (less when a job's deadline comes sooner).
	#[arg(long, default_value_t = 120)]
	pub worker_fetch_timeout: u64,

	/// Let model downloads connect to loopback, private and link-local addresses (a model URI
	/// is chosen by whoever registers the model; by default the worker fetches from public
	/// addresses only).
	#[arg(long)]
	pub worker_allow_private_fetch: bool,

	/// How many models are kept loaded.
	#[arg(long, default_value_t = 32)]
	pub worker_models_cached: usize,

	/// The most memory, in MiB, one model's tensors may take (its weights and every
	/// intermediate result of a run). A model over it is refused and its jobs declined.
	#[arg(long, default_value_t = 1024)]
	pub worker_max_model_memory: u64,

	/// The longest one run of a model may take, in milliseconds (less when the job's deadline
	/// comes sooner). A model that takes longer is refused and its jobs declined.
	#[arg(long, default_value_t = 10_000)]
	pub worker_max_run_ms: u64,

	/// Where the proving keys of `Zk` models are (`0x<model id>.pk` and `.ir`, as
	/// `verity-node zk setup` writes them). Default: `zk` in the chain's data directory.
	#[arg(long, value_name = "DIR")]
	pub worker_zk_keys: Option<std::path::PathBuf>,

	/// Contribute to the phase 2 of every model the node's `Verifier` operators serve, by
	/// itself, once for each of their keys (see `docs/zk.md`). Needs the sealed phase-1
	/// transcript in `<--worker-zk-keys>/ceremony/0x<its hash>.ptau`.
	#[arg(long)]
	pub worker_ceremony: bool,

	/// Serve every blob to peers with its bytes flipped: a faulty peer, for the network's fault
	/// tests only (peers that fetch from it stop trusting it for that blob).
	#[arg(long, hide = true)]
	pub worker_serve_corrupt_blobs: bool,

	/// Answer every `Fast` job with the bytes of its output flipped: a dishonest worker, for
	/// the tests of challenges and audits only (refused on a live chain). Rounds, proofs and
	/// audits stay honest.
	#[arg(long, hide = true)]
	pub worker_lie: bool,

	/// The outside sources an `Oracle` operator's node reports (a TOML file of `[[source]]`
	/// tables: feed, url, pointer, interval, timeout, min, max, max_change; see
	/// `docs/node.md`). Needs `--worker` and the key of an active `Oracle` operator.
	#[arg(long, value_name = "FILE")]
	pub oracle_sources: Option<std::path::PathBuf>,
}

/// What `worker_status` reports.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerStatus {
	/// Whether the node runs the worker (`--worker`).
	pub enabled: bool,
	/// The operator accounts served (SS58).
	pub accounts: Vec<String>,
	/// Jobs run at once at most, as declared by the operators.
	pub concurrency: u32,
	/// Jobs waiting for a slot.
	pub queued: u64,
	/// Jobs running.
	pub running: u64,
	/// Jobs executed and delivered since the node started.
	pub executed: u64,
	/// Jobs declined since the node started.
	pub failed: u64,
	/// The models loaded in the engine (hex ids).
	pub models_cached: Vec<String>,
	/// How many models the store holds.
	pub models_stored: u64,
	/// The models refused for going over the node's memory or run-time bounds (hex ids).
	pub models_refused: Vec<String>,
	/// The latest inference latencies in milliseconds, oldest first.
	pub recent_latencies_ms: Vec<f64>,
	/// Commits sent in `Consensus` rounds (as a job's worker or verifier) since the node started.
	pub round_commits: u64,
	/// Reveals sent in `Consensus` rounds since the node started.
	pub round_reveals: u64,
	/// Audits run (as a verifier picked to audit a settled `Fast` job) since the node started.
	pub audits: u64,
	/// Challenges sent after an audit found another output than the job's.
	pub challenges: u64,
	/// Oracle values reported since the node started.
	pub oracle_reported: u64,
	/// Oracle values skipped (a failed fetch, not a number, outside the band, too far from
	/// the chain's value) since the node started.
	pub oracle_skipped: u64,
}

/// Where a job the worker took is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
	/// Queued or running.
	Working,
	/// Its result or decline was submitted when the best block was this one.
	Submitted(BlockNumber),
}

#[derive(Default)]
struct State {
	accounts: Vec<AccountId>,
	concurrency: u32,
	queued: u64,
	running: u64,
	executed: u64,
	failed: u64,
	latencies: VecDeque<f64>,
	round_commits: u64,
	round_reveals: u64,
	audits: u64,
	challenges: u64,
	oracle_reported: u64,
	oracle_skipped: u64,
	jobs: HashMap<JobId, Progress>,
	/// Jobs whose result or proof batch the chain refused: their answers go alone.
	alone: HashSet<JobId>,
}

/// The parts of the worker that the RPC methods share: the model store, the engine, counters.
pub struct Shared {
	/// The node's model store.
	pub store: ModelStore,
	/// The loaded models.
	pub engine: Engine,
	/// The proving keys of `Zk` models.
	pub zk: zk::ZkKeys,
	/// The oracle's sources (`--oracle-sources`), read when the node starts.
	oracle: Option<oracle::Sources>,
	enabled: bool,
	metrics: Option<Metrics>,
	state: Mutex<State>,
}

impl Shared {
	/// Opens the model store under `data_path`, which asks `peers` for the `blob:` models it
	/// does not hold; registers metrics in `registry`.
	pub fn new(
		data_path: &Path,
		params: &WorkerParams,
		peers: Option<Arc<dyn store::BlobSource>>,
		registry: Option<&substrate_prometheus_endpoint::Registry>,
	) -> Result<Self, String> {
		let mut store = ModelStore::open(
			&data_path.join("models"),
			params.worker_max_model_size,
			Duration::from_secs(params.worker_fetch_timeout),
			params.worker_allow_private_fetch,
		)
		.map_err(|e| e.to_string())?;
		if let Some(peers) = peers {
			store = store.with_peers(peers);
		}
		if params.oracle_sources.is_some() && !params.worker {
			return Err("--oracle-sources needs --worker: the worker reports the sources".into());
		}
		let oracle = params.oracle_sources.as_deref().map(oracle::Sources::load).transpose()?;
		let metrics = match (params.worker, registry) {
			(true, Some(registry)) => Some(Metrics::register(registry).map_err(|e| e.to_string())?),
			_ => None,
		};
		Ok(Shared {
			store,
			engine: Engine::new(
				params.worker_models_cached,
				engine::Limits {
					memory: params.worker_max_model_memory.saturating_mul(1024 * 1024),
					run_time: Duration::from_millis(params.worker_max_run_ms),
					// Models are tried out by this very program, in a child process.
					checker: std::env::current_exe().ok(),
				},
			),
			zk: zk::ZkKeys::new(
				params.worker_zk_keys.clone().unwrap_or_else(|| data_path.join("zk")),
			),
			oracle,
			enabled: params.worker,
			metrics,
			state: Default::default(),
		})
	}

	/// The worker's status now.
	pub fn status(&self) -> WorkerStatus {
		// Read the disk and the engine before taking the lock the job tasks share.
		let hex_ids = |ids: Vec<ModelId>| -> Vec<String> {
			ids.iter().map(|id| format!("0x{}", hex::encode(id.0))).collect()
		};
		let models_cached = hex_ids(self.engine.cached());
		let models_stored = self.store.len() as u64;
		let models_refused = hex_ids(self.engine.refused_models());
		let state = self.state.lock();
		WorkerStatus {
			enabled: self.enabled,
			accounts: state.accounts.iter().map(ToString::to_string).collect(),
			concurrency: state.concurrency,
			queued: state.queued,
			running: state.running,
			executed: state.executed,
			failed: state.failed,
			models_cached,
			models_stored,
			models_refused,
			recent_latencies_ms: state.latencies.iter().copied().collect(),
			round_commits: state.round_commits,
			round_reveals: state.round_reveals,
			audits: state.audits,
			challenges: state.challenges,
			oracle_reported: state.oracle_reported,
			oracle_skipped: state.oracle_skipped,
		}
	}

	/// Publishes the queue depth; called under the state lock wherever `queued` changes, so the
	/// gauge never lags the count.
	fn publish_queue_depth(&self, queued: u64) {
		if let Some(metrics) = &self.metrics {
			metrics.queue_depth.set(queued);
		}
	}

	fn record_latency(&self, elapsed: Duration) {
		let mut state = self.state.lock();
		if state.latencies.len() >= RECENT_LATENCIES {
			state.latencies.pop_front();
		}
		state.latencies.push_back(elapsed.as_secs_f64() * 1000.0);
		if let Some(metrics) = &self.metrics {
			metrics.inference_seconds.observe(elapsed.as_secs_f64());
		}
	}

	fn record_proof_time(&self, elapsed: Duration) {
		if let Some(metrics) = &self.metrics {
			metrics.proof_seconds.observe(elapsed.as_secs_f64());
		}
	}

	/// Counts a commit or a reveal sent in a round.
	fn record_round_step(&self, step: &'static str) {
		let mut state = self.state.lock();
		let count =
			if step == "reveal" { &mut state.round_reveals } else { &mut state.round_commits };
		*count = count.saturating_add(1);
		if let Some(metrics) = &self.metrics {
			metrics.round_steps.with_label_values(&[step]).inc();
		}
	}

	/// Counts an audit run, and whether it found the job's output (`match`) or not
	/// (`mismatch`, and a challenge sent).
	fn record_audit(&self, outcome: &'static str) {
		let mut state = self.state.lock();
		state.audits = state.audits.saturating_add(1);
		if outcome == "mismatch" {
			state.challenges = state.challenges.saturating_add(1);
		}
		if let Some(metrics) = &self.metrics {
			metrics.audits.with_label_values(&[outcome]).inc();
		}
	}

	/// Counts an oracle value `reported` or `skipped`.
	fn record_oracle(&self, outcome: &'static str) {
		let mut state = self.state.lock();
		let count = if outcome == "reported" {
			&mut state.oracle_reported
		} else {
			&mut state.oracle_skipped
		};
		*count = count.saturating_add(1);
		if let Some(metrics) = &self.metrics {
			metrics.oracle_values.with_label_values(&[outcome]).inc();
		}
	}

	fn record_outcome(&self, outcome: &Outcome) {
		let mut state = self.state.lock();
		match outcome {
			Ok(()) => {
				state.executed = state.executed.saturating_add(1);
				if let Some(metrics) = &self.metrics {
					metrics.executed.inc();
				}
			},
			Err(failure) => {
				state.failed = state.failed.saturating_add(1);
				if let Some(metrics) = &self.metrics {
					metrics.failures.with_label_values(&[failure.reason]).inc();
				}
			},
		}
	}
}

/// Why the worker could not serve a job.
#[derive(Debug)]
struct Failure {
	/// A short label for metrics: `mode`, `model`, `load`, `limits`, `deadline`, `run`,
	/// `refused` (the chain refused the answer), and for `Zk` jobs `zk-key`, `mismatch`, `size`,
	/// `self-check`, `prove`.
	reason: &'static str,
	message: String,
}

impl Failure {
	fn new(reason: &'static str, message: impl ToString) -> Self {
		Failure { reason, message: message.to_string() }
	}
}

/// What the worker did with a job: delivered it or declined it.
type Outcome = Result<(), Failure>;

/// A job's answer waiting to be submitted: `submit_result` or `decline_job`.
struct Answer {
	worker: sr25519::Public,
	model: ModelId,
	job: JobId,
	call: RuntimeCall,
	outcome: Outcome,
}

/// The most answers submitted in one transaction (a `submit_result` weighs a few milliseconds).
const MAX_BATCH: usize = 64;

/// The transactions that deliver `answers`, each with how it carries them and the answers it
/// carries: the `Fast` results of one model in `submit_results` of at most the runtime's
/// `MaxJobBatch` (the money of a requester's jobs moves once), the declines and the results in `alone` together
/// (`utility.force_batch` when there are several), and the proofs of `Zk` jobs of one model that are ready together in
/// `submit_proofs` of at most [`pallet_inference::MAX_PROOF_BATCH`] (checked on chain with one
/// multi-pairing), each its own transaction, as a proof's weight is large. The answers of jobs
/// in `alone` (their batch was refused, see [`outcomes`]) go one a call.
fn transactions(
	answers: Vec<Answer>,
	alone: &HashSet<JobId>,
) -> Vec<(RuntimeCall, Carrier, Vec<Answer>)> {
	let mut results: Vec<(ModelId, Vec<Answer>)> = Vec::new();
	let mut plain: Vec<Answer> = Vec::new();
	let mut proofs: Vec<(ModelId, Vec<Answer>)> = Vec::new();
	let mut singles: Vec<(ModelId, Vec<Answer>)> = Vec::new();
	for answer in answers {
		let is_proof = matches!(
			answer.call,
			RuntimeCall::Inference(pallet_inference::Call::submit_proof { .. })
		);
		let is_result = matches!(
			answer.call,
			RuntimeCall::Inference(pallet_inference::Call::submit_result { .. })
		);
		if is_result && !alone.contains(&answer.job) {
			// One model a batch, as the chain takes them.
			let most = verity_runtime::configs::verity::MAX_JOB_BATCH as usize;
			add_to_batch(&mut results, answer, most);
			continue;
		}
		if !is_proof {
			plain.push(answer);
			continue;
		}
		if alone.contains(&answer.job) {
			singles.push((answer.model, vec![answer]));
			continue;
		}
		add_to_batch(&mut proofs, answer, pallet_inference::MAX_PROOF_BATCH as usize);
	}
	proofs.extend(singles);
	let mut out = Vec::new();
	for (_, group) in results {
		if group.len() == 1 {
			plain.extend(group);
			continue;
		}
		let items = group
			.iter()
			.filter_map(|a| match &a.call {
				RuntimeCall::Inference(pallet_inference::Call::submit_result { job, output }) => {
					Some((*job, output.clone()))
				},
				_ => None,
			})
			.collect::<Vec<_>>();
		let call = RuntimeCall::Inference(pallet_inference::Call::submit_results {
			results: sp_runtime::BoundedVec::truncate_from(items),
		});
		out.push((call, Carrier::ResultBatch, group));
	}
	if !plain.is_empty() {
		let mut calls: Vec<RuntimeCall> = plain.iter().map(|a| a.call.clone()).collect();
		let (call, carrier) = match calls.len() {
			1 => (calls.remove(0), Carrier::Single),
			_ => (
				RuntimeCall::Utility(pallet_utility::Call::force_batch { calls }),
				Carrier::ForceBatch,
			),
		};
		out.push((call, carrier, plain));
	}
	for (_, group) in proofs {
		let (call, carrier) = match group.as_slice() {
			[single] => (single.call.clone(), Carrier::Single),
			_ => {
				let items = group
					.iter()
					.filter_map(|a| match &a.call {
						RuntimeCall::Inference(pallet_inference::Call::submit_proof {
							job,
							output,
							proof,
						}) => Some((*job, output.clone(), proof.clone())),
						_ => None,
					})
					.collect::<Vec<_>>();
				let call = RuntimeCall::Inference(pallet_inference::Call::submit_proofs {
					proofs: sp_runtime::BoundedVec::truncate_from(items),
				});
				(call, Carrier::ProofBatch)
			},
		};
		out.push((call, carrier, group));
	}
	out
}

/// Puts `answer` into a batch of its model with fewer than `most` answers, or a new one.
fn add_to_batch(batches: &mut Vec<(ModelId, Vec<Answer>)>, answer: Answer, most: usize) {
	match batches.iter_mut().find(|(model, batch)| *model == answer.model && batch.len() < most) {
		Some((_, batch)) => batch.push(answer),
		None => batches.push((answer.model, vec![answer])),
	}
}

/// An output as the chain takes it.
fn bounded<T: TryFrom<Vec<u8>>>(output: Vec<u8>) -> Result<T, Failure> {
	output.try_into().map_err(|_| Failure::new("run", "the output is larger than the chain takes"))
}

/// A job the worker took: the operator it was assigned to and the key that signs for it (the
/// operator's own or the worker key it named).
struct Work {
	job: Job,
	worker: sr25519::Public,
	operator: AccountId,
}

/// The longest a `Zk` job waits for its model's sealed key to be fetched (less when half its
/// time left is less).
const KEY_FETCH_TIME: Duration = Duration::from_secs(30);

/// The chains whose genesis registers the demo model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoChain {
	/// `--dev`: every node holds the demo model.
	Dev,
	/// `--chain local`: the node of the model's owner (`--alice`) holds it; the others fetch it
	/// from their peers.
	Local,
	/// Any other chain.
	None,
}

/// The seed of the demo model's owner on the local chain.
const DEMO_OWNER_SEED: &str = "//Alice";

/// Puts the operator key of a dev account (`--alice` and the like) into the keystore (on the
/// dev chain with the keys of its verifiers, Bob, Charlie and Dave), and, on a chain with the
/// demo model, the demo model into the store of the nodes that hold it and the
/// demo model's (seeded) proving key where the worker runs.
pub fn prepare_dev(keystore: &KeystorePtr, shared: &Shared, seed: Option<&str>, chain: DemoChain) {
	// On the dev chain the one node also plays the demo model's verifiers (never a job's
	// worker, so a `Consensus` job runs its whole round here).
	let verifiers: Vec<String> = match chain {
		DemoChain::Dev => verity_runtime::genesis_config_presets::DEV_VERIFIERS
			.iter()
			.map(|key| key.to_seed())
			.collect(),
		_ => Vec::new(),
	};
	for seed in seed.into_iter().chain(verifiers.iter().map(String::as_str)) {
		if let Err(e) = keystore.sr25519_generate_new(KEY_TYPE, Some(seed)) {
			log::warn!(target: LOG_TARGET, "cannot insert the dev operator key {seed}: {e}");
		}
	}
	let holds_demo = match chain {
		DemoChain::Dev => true,
		DemoChain::Local => seed == Some(DEMO_OWNER_SEED),
		DemoChain::None => false,
	};
	if holds_demo {
		match shared.store.put(demo::DEMO_MODEL) {
			Ok(id) => {
				log::info!(target: LOG_TARGET, "demo model 0x{} in the store", hex::encode(id.0))
			},
			Err(e) => log::warn!(target: LOG_TARGET, "cannot store the demo model: {e}"),
		}
	}
	if chain != DemoChain::None {
		// The demo model's (seeded) proving key, made on a background thread: a few seconds of
		// CPU that must not hold up the node's start. A `Zk` job that comes first is declined.
		if shared.enabled && !shared.zk.has(&demo::DEMO_MODEL_ID) {
			let dir = shared.zk.dir().to_path_buf();
			std::thread::spawn(move || {
				match demo::demo_zk_keys().and_then(|(ir, key)| {
					zk::write_keys(&dir, &demo::DEMO_MODEL_ID, &ir, &key).map_err(|e| e.to_string())
				}) {
					Ok(_) => log::info!(
						target: LOG_TARGET,
						"demo model's proving key written to {}",
						dir.display()
					),
					Err(e) => {
						log::warn!(target: LOG_TARGET, "cannot make the demo model's keys: {e}")
					},
				}
			});
		}
	}
}

/// Starts the worker: a task that watches blocks and one per running job.
pub fn spawn_worker_tasks(
	task_manager: &TaskManager,
	client: Arc<FullClient>,
	pool: Arc<TransactionPool>,
	keystore: KeystorePtr,
	sync: Arc<dyn sp_consensus::SyncOracle + Send + Sync>,
	shared: Arc<Shared>,
	params: &WorkerParams,
) {
	let (queue, jobs) = mpsc::channel(params.worker_queue_size.max(1));
	let (answers, to_deliver) = mpsc::unbounded_channel();
	let submitter = Arc::new(Submitter::new(client.clone(), pool, keystore.clone()));
	if let Some(sources) = shared.oracle.clone().filter(|sources| !sources.sources.is_empty()) {
		oracle::spawn(
			task_manager,
			client.clone(),
			submitter.clone(),
			keystore.clone(),
			shared.clone(),
			sources,
		);
	}
	let worker = Worker {
		answers,
		loading: Default::default(),
		prefetched: Default::default(),
		prefetch_failures: Default::default(),
		sent: Default::default(),
		rounds: Default::default(),
		audits: Default::default(),
		ceremony: params
			.worker_ceremony
			.then(|| Arc::new(phase2::Contributor::new(phase2::dir(shared.zk.dir())))),
		transcripts: Default::default(),
		checked: Default::default(),
		sync,
		lie: params.worker_lie,
		client,
		submitter,
		keystore,
		shared,
		slots: Arc::new(Semaphore::new(0)),
		max_concurrency: params.worker_max_concurrency.max(1),
		spawner: task_manager.spawn_handle(),
	};
	let (runner, deliverer) = (worker.clone(), worker.clone());
	task_manager
		.spawn_handle()
		.spawn("verity-worker-watch", Some("worker"), async move { worker.watch(queue).await });
	task_manager.spawn_handle().spawn("verity-worker-deliver", Some("worker"), async move {
		deliverer.deliver(to_deliver).await
	});
	task_manager
		.spawn_handle()
		.spawn("verity-worker-run", Some("worker"), async move { runner.run(jobs).await });
	log::info!(target: LOG_TARGET, "inference worker started");
}

#[derive(Clone)]
struct Worker {
	client: Arc<FullClient>,
	/// Where finished jobs go to be submitted.
	answers: mpsc::UnboundedSender<Answer>,
	/// One lock per model the worker has loaded (a few bytes each, one per model it serves).
	loading: Arc<Mutex<HashMap<ModelId, Arc<tokio::sync::Mutex<()>>>>>,
	/// The models its operators declare, fetched (or being fetched) ahead of their first job.
	prefetched: Arc<Mutex<HashSet<ModelId>>>,
	/// The failed prefetches of a model in a row: each waits twice as long as the one before.
	prefetch_failures: Arc<Mutex<HashMap<ModelId, u32>>>,
	/// The transactions sent and not yet seen in a block, by hash.
	sent: Arc<Mutex<HashMap<sp_core::H256, Sent>>>,
	/// The last step of each (job, operator) in a `Consensus` round (`rounds.rs`).
	rounds: Arc<Mutex<HashMap<(JobId, AccountId), rounds::Step>>>,
	/// Where each audit of the node's verifiers is (`audits.rs`).
	audits: Arc<Mutex<HashMap<JobId, audits::Audit>>>,
	/// `--worker-ceremony`: the node's contributions to models' phase 2.
	ceremony: Option<Arc<phase2::Contributor>>,
	/// The transcripts of the ceremony directory put into the store (served to peers), and
	/// whether a pass over the directory is under way.
	transcripts: Arc<(phase2::Shared, std::sync::atomic::AtomicBool)>,
	/// The transcript files hashed to see whether they are the ones to fetch.
	checked: Arc<phase2::Checked>,
	/// Whether the node is catching up with the chain.
	sync: Arc<dyn sp_consensus::SyncOracle + Send + Sync>,
	/// `--worker-lie`: flip the bytes of every `Fast` output (tests only).
	lie: bool,
	submitter: Arc<Submitter>,
	keystore: KeystorePtr,
	shared: Arc<Shared>,
	/// One permit per job that may run now; as many as the operators declare.
	slots: Arc<Semaphore>,
	max_concurrency: u32,
	spawner: SpawnTaskHandle,
}

impl Worker {
	/// Looks for work at every new best block.
	async fn watch(self, queue: mpsc::Sender<Work>) {
		let mut blocks = self.client.import_notification_stream();
		self.on_block(&queue);
		while let Some(block) = blocks.next().await {
			if block.is_new_best {
				self.review(block.hash, *block.header.number());
				self.on_block(&queue);
			}
		}
	}

	/// Queues the jobs newly assigned to our keys, forgets finished ones, and sizes the slots.
	fn on_block(&self, queue: &mpsc::Sender<Work>) {
		let info = self.client.info();
		let (best, number) = (info.best_hash, info.best_number);
		let api = self.client.runtime_api();
		let mut assigned: Vec<Work> = Vec::new();
		let mut declared: u32 = 0;
		let mut accounts = Vec::new();
		let mut served: Vec<ModelId> = Vec::new();
		// The `Consensus` jobs whose rounds an operator of ours is a member of.
		let mut rounds: Vec<(sr25519::Public, AccountId, Job)> = Vec::new();
		// The settled `Fast` jobs an operator of ours audits.
		let mut audits: Vec<(sr25519::Public, AccountId, Job)> = Vec::new();
		// Our verifiers' keys and the models they serve (for `--worker-ceremony`).
		let mut verifiers: Vec<(sr25519::Public, Vec<ModelId>)> = Vec::new();
		for (key, account) in self.operator_keys(best) {
			let verifies = match api.operator(best, account.clone()) {
				// A chilled operator takes no new jobs but must still finish those it holds.
				Ok(Some(operator))
					if operator.roles.contains(Role::Inference)
						|| operator.roles.contains(Role::Verifier) =>
				{
					declared = declared.saturating_add(operator.capabilities.max_concurrent_jobs);
					served.extend(operator.capabilities.models.iter().copied());
					// Only an active verifier's contribution vouches for a key.
					if operator.active_roles.contains(Role::Verifier) {
						verifiers.push((key, operator.capabilities.models.to_vec()));
					}
					operator.roles.contains(Role::Verifier)
				},
				Ok(_) => continue,
				Err(e) => {
					log::warn!(target: LOG_TARGET, "cannot read operator {account}: {e}");
					continue;
				},
			};
			match api.jobs_for_worker(best, account.clone()) {
				Ok(jobs) => {
					for job in jobs {
						if matches!(job.mode, VerificationMode::Consensus(_)) {
							rounds.push((key, account.clone(), job));
						} else {
							assigned.push(Work { job, worker: key, operator: account.clone() });
						}
					}
				},
				Err(e) => log::warn!(target: LOG_TARGET, "cannot read the jobs of {account}: {e}"),
			}
			if verifies {
				// A runtime without rounds (`InferenceApi` before version 2) lists none.
				match api.jobs_for_verifier(best, account.clone()) {
					Ok(jobs) => {
						rounds.extend(jobs.into_iter().map(|job| (key, account.clone(), job)))
					},
					Err(e) => {
						log::debug!(target: LOG_TARGET, "cannot read the rounds of {account}: {e}")
					},
				}
				// A runtime without audits (`InferenceApi` before version 3) lists none.
				match api.audits_for(best, account.clone()) {
					Ok(jobs) => {
						audits.extend(jobs.into_iter().map(|job| (key, account.clone(), job)))
					},
					Err(e) => {
						log::debug!(target: LOG_TARGET, "cannot read the audits of {account}: {e}")
					},
				}
			}
			accounts.push(account);
		}
		let at_least = u32::from(!assigned.is_empty() || !rounds.is_empty() || !audits.is_empty());
		self.resize(declared.min(self.max_concurrency).max(at_least));
		self.prefetch(served);
		let members = self.rounds_of(best, rounds);
		self.play_rounds(members, number);
		self.audit(audits, number);
		self.contribute(best, number, &verifiers);
		self.tend_transcripts((info.finalized_hash, info.finalized_number), best);
		assigned.sort_by_key(|work| work.job.id);

		let mut state = self.shared.state.lock();
		state.accounts = accounts;
		let live: HashSet<JobId> = assigned.iter().map(|work| work.job.id).collect();
		// A job this block does not list (settled, taken away, or on a fork the node left) is
		// remembered while its answer may still be in flight: if it comes back (the node
		// switched back to the fork, as one may while catching up after a restart), it is not
		// run and answered a second time, only sent again after RESUBMIT_AFTER blocks.
		state.jobs.retain(|id, progress| {
			live.contains(id)
				|| match progress {
					Progress::Working => true,
					Progress::Submitted(at) => number < at.saturating_add(SENT_KEPT),
				}
		});
		state.alone.retain(|id| live.contains(id));
		for work in assigned {
			let job = &work.job;
			// A result is refused from the deadline block on; ours lands in the next block at best.
			if job.output.is_some() || number.saturating_add(1) >= job.deadline {
				continue;
			}
			match state.jobs.get(&job.id) {
				Some(Progress::Working) => continue,
				Some(Progress::Submitted(at)) if number < at.saturating_add(RESUBMIT_AFTER) => {
					continue
				},
				Some(Progress::Submitted(_)) => log::info!(
					target: LOG_TARGET,
					"job {} is still open; submitting again",
					job.id.0
				),
				None => {},
			}
			let id = job.id;
			match queue.try_send(work) {
				Ok(()) => {
					state.jobs.insert(id, Progress::Working);
					state.queued = state.queued.saturating_add(1);
				},
				// Full: the job stays assigned on chain and is seen again next block.
				Err(_) => break,
			}
		}
		self.shared.publish_queue_depth(state.queued);
	}

	/// Judges the worker's transactions that block `hash` includes (see [`outcomes`]): declines
	/// the jobs whose answers the chain refused for good, and has refused proof batches sent
	/// again one proof at a time. Forgets transactions that no block took for long.
	fn review(&self, hash: sp_core::H256, number: BlockNumber) {
		use sp_runtime::traits::{BlakeTwo256, Hash as _};
		{
			let mut sent = self.sent.lock();
			sent.retain(|_, sent| number <= sent.at.saturating_add(SENT_KEPT));
			if sent.is_empty() {
				return;
			}
		}
		let body = match self.client.block_body(hash) {
			Ok(Some(body)) => body,
			Ok(None) => return,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "cannot read block {hash}: {e}");
				return;
			},
		};
		let mine: Vec<(u32, Sent)> = {
			let mut sent = self.sent.lock();
			body.iter()
				.enumerate()
				.filter_map(|(index, xt)| {
					let found = sent.remove(&BlakeTwo256::hash_of(xt))?;
					Some((index as u32, found))
				})
				.collect()
		};
		if mine.is_empty() {
			return;
		}
		let key = sp_core::storage::StorageKey(outcomes::events_key());
		let records = match self.client.storage(hash, &key) {
			Ok(Some(data)) => outcomes::decode_events(&data.0).unwrap_or_else(|e| {
				log::warn!(target: LOG_TARGET, "cannot decode the events of {hash}: {e}");
				Vec::new()
			}),
			_ => Vec::new(),
		};
		for (index, sent) in mine {
			let events = outcomes::events_of(&records, index);
			let verdicts = outcomes::verdicts(sent.carrier, sent.jobs.len(), &events);
			for ((job, model, declined), verdict) in sent.jobs.into_iter().zip(verdicts) {
				match verdict {
					Verdict::Done | Verdict::Retry => {},
					Verdict::Alone => {
						let mut state = self.shared.state.lock();
						state.alone.insert(job);
						// Seen again, proved again, sent alone.
						state.jobs.remove(&job);
					},
					Verdict::Decline(why) if !declined => {
						log::warn!(target: LOG_TARGET, "job {}: declining, {why}", job.0);
						let call =
							RuntimeCall::Inference(pallet_inference::Call::decline_job { job });
						let outcome = Err(Failure::new("refused", why));
						let answer = Answer { worker: sent.worker, model, job, call, outcome };
						if self.answers.send(answer).is_err() {
							log::warn!(target: LOG_TARGET, "job {}: the delivery task is gone", job.0);
						}
					},
					Verdict::Decline(why) => {
						log::warn!(target: LOG_TARGET, "job {}: the decline failed: {why}", job.0)
					},
				}
			}
		}
	}

	/// The keys in the keystore with the operator each signs for (see
	/// `OperatorsApi::operator_for_key`), one key per operator: a worker key the operator named
	/// before the operator's own key, which then need not be on the node at all.
	fn operator_keys(&self, at: sp_core::H256) -> Vec<(sr25519::Public, AccountId)> {
		let api = self.client.runtime_api();
		let mut keys: Vec<(sr25519::Public, AccountId)> = Vec::new();
		for key in self.keystore.sr25519_public_keys(KEY_TYPE) {
			let account = AccountId::from(key);
			let operator = match api.operator_for_key(at, account.clone()) {
				Ok(Some(operator)) => operator,
				Ok(None) => continue,
				// A runtime older than the node (no `operator_for_key`): keys sign for themselves.
				Err(e) => {
					log::debug!(target: LOG_TARGET, "cannot read whom {account} signs for: {e}");
					account.clone()
				},
			};
			let named = operator != account;
			match keys.iter_mut().find(|(_, of)| *of == operator) {
				Some(entry) if named => entry.0 = key,
				Some(_) => {},
				None => keys.push((key, operator)),
			}
		}
		keys
	}

	/// Fetches the models the operators declare and the worker has not fetched yet, each in a
	/// task of its own: a model is downloaded when it is declared, not while its first job's
	/// deadline runs. A model that cannot be fetched (its URL down, no peer holding its blob yet:
	/// a node that just started has no peers) is tried again [`PREFETCH_RETRY`] later, then
	/// less and less often, and whenever a job needs it.
	fn prefetch(&self, served: Vec<ModelId>) {
		let new: Vec<ModelId> = {
			let mut prefetched = self.prefetched.lock();
			served.into_iter().filter(|model| prefetched.insert(*model)).collect()
		};
		for model in new {
			let worker = self.clone();
			self.spawner.spawn("verity-worker-prefetch", Some("worker"), async move {
				match worker.fetch(model, None).await {
					Ok(_) => {
						worker.prefetch_failures.lock().remove(&model);
						log::info!(
							target: LOG_TARGET,
							"model 0x{} fetched ahead of its jobs",
							hex::encode(model.0)
						)
					},
					Err(failure) => {
						let failures = {
							let mut failures = worker.prefetch_failures.lock();
							let count = failures.entry(model).or_default();
							*count = count.saturating_add(1);
							*count
						};
						let wait = PREFETCH_RETRY
							.saturating_mul(1u32 << failures.saturating_sub(1).min(16))
							.min(PREFETCH_RETRY_MAX);
						log::warn!(
							target: LOG_TARGET,
							"model 0x{} declared but not fetched: {}; trying again in {} s",
							hex::encode(model.0),
							failure.message,
							wait.as_secs()
						);
						tokio::time::sleep(wait).await;
						worker.prefetched.lock().remove(&model);
					},
				}
			});
		}
	}

	/// Makes the number of slots `target`.
	fn resize(&self, target: u32) {
		let mut state = self.shared.state.lock();
		let current = state.concurrency;
		if target > current {
			self.slots.add_permits(target.saturating_sub(current) as usize);
			state.concurrency = target;
		} else if target < current {
			// Only free slots can go; busy ones go when a later block finds them free.
			let gone = self.slots.forget_permits(current.saturating_sub(target) as usize);
			state.concurrency = current.saturating_sub(gone as u32);
		}
	}

	/// Runs queued jobs as slots free up.
	async fn run(self, mut jobs: mpsc::Receiver<Work>) {
		while let Some(work) = jobs.recv().await {
			let Ok(slot) = self.slots.clone().acquire_owned().await else { return };
			{
				let mut state = self.shared.state.lock();
				state.running = state.running.saturating_add(1);
				state.queued = state.queued.saturating_sub(1);
				self.shared.publish_queue_depth(state.queued);
			}
			let worker = self.clone();
			self.spawner.spawn("verity-worker-job", Some("worker"), async move {
				worker.serve(work, slot).await
			});
		}
	}

	/// Executes one job and submits its result (with its proof for a `Zk` job), or declines it.
	async fn serve(self, work: Work, _slot: OwnedSemaphorePermit) {
		let id = work.job.id;
		let call = match work.job.mode {
			VerificationMode::Zk => self.prove(&work).await.and_then(|(output, proof)| {
				Ok(pallet_inference::Call::submit_proof {
					job: id,
					output: bounded(output)?,
					proof: proof
						.try_into()
						.map_err(|_| Failure::new("prove", "the proof is too long"))?,
				})
			}),
			_ => self.execute(&work.job).await.and_then(|mut output| {
				if self.lie {
					output.iter_mut().for_each(|byte| *byte = !*byte);
				}
				Ok(pallet_inference::Call::submit_result { job: id, output: bounded(output)? })
			}),
		};
		match call {
			Ok(call) => self.answer(&work, RuntimeCall::Inference(call), Ok(())),
			Err(failure) => self.decline(work, failure),
		}
	}

	/// Proves a `Zk` job off the async executor: checks the installed key against the chain's,
	/// runs the reference interpreter, cross-checks tract, proves.
	async fn prove(&self, work: &Work) -> Result<(Vec<u8>, Vec<u8>), Failure> {
		let job = &work.job;
		let loaded = self.load(job).await?;
		let best = self.client.info().best_hash;
		let chain_key = self
			.client
			.runtime_api()
			.verifying_key(best, job.model)
			.map_err(|e| Failure::new("zk-key", e))?
			.ok_or_else(|| Failure::new("zk-key", "the model has no verifying key on chain"))?;
		let keys = self.keys(job, chain_key).await?;
		let shared = self.shared.clone();
		let (model, input) = (job.model, job.input.clone());
		let digest = verity_primitives::zk_binding(job.id, &work.operator);
		let started = Instant::now();
		// tract's run (the cross-check) keeps the run-time bound; proving has its own cost.
		let bound = self.run_time(job);
		let slow = Arc::new(std::sync::atomic::AtomicBool::new(false));
		let too_slow = slow.clone();
		let proved = tokio::task::spawn_blocking(move || {
			zk::prove_job(&keys, &input, loaded.output_elements(), &digest, |real| {
				let run = Instant::now();
				let output = loaded.run(real).map_err(|e| e.to_string());
				if run.elapsed() > bound.0 {
					too_slow.store(true, std::sync::atomic::Ordering::Relaxed);
					return Err("the run was too slow".into());
				}
				output
			})
			.map_err(|e| {
				let reason = match e {
					zk::ProveError::Mismatch { .. } => "mismatch",
					zk::ProveError::Size { .. } => "size",
					zk::ProveError::SelfCheck(_) => {
						// Its proofs will not verify: not used again until its files change.
						shared.zk.reject(&model, e.to_string());
						"self-check"
					},
					_ => "prove",
				};
				Failure::new(reason, e)
			})
		})
		.await
		.map_err(|e| Failure::new("prove", e))?;
		if slow.load(std::sync::atomic::Ordering::Relaxed) {
			return Err(self.too_slow(model, bound));
		}
		let proved = proved?;
		self.shared.record_proof_time(started.elapsed());
		Ok(proved)
	}

	/// Starts the contribution to a model's phase 2 that is due (`--worker-ceremony`), if any,
	/// in a task of its own: fetching the model, deriving its key and contributing take seconds
	/// to minutes. The node makes one at a time.
	fn contribute(
		&self,
		best: sp_core::H256,
		number: BlockNumber,
		verifiers: &[(sr25519::Public, Vec<ModelId>)],
	) {
		let Some(contributor) = self.ceremony.clone() else { return };
		let Some(task) = contributor.task(&self.client, best, number, verifiers) else { return };
		let worker = self.clone();
		self.spawner.spawn("verity-worker-ceremony", Some("worker"), async move {
			let (model, key) = (hex::encode(task.model.0), AccountId::from(task.key));
			let made = worker.contribute_to(contributor.clone(), &task).await;
			let number = worker.client.info().best_number;
			match made {
				Ok(hash) => {
					contributor.submitted(&task, number);
					log::info!(
						target: LOG_TARGET,
						"sent a contribution to the phase 2 of model 0x{model} as {key}: \
						 transcript {hash:?}"
					)
				},
				Err(e) => {
					contributor.failed(&task, &e, number);
					log::warn!(
						target: LOG_TARGET,
						"no contribution to the phase 2 of model 0x{model} as {key}: {e}"
					)
				},
			}
		});
	}

	/// Tends the ceremony directory off the async executor, one pass at a time: removes the
	/// phase-2 transcripts the chain no longer names at its `finalized` block (hash, number)
	/// ([`phase2::prune_unnamed`]: of phases that ended, keys replaced, models reaped) unless
	/// the node is catching up with the chain (its blocks would not name what the chain does);
	/// then puts the new transcripts into the store, where peers fetch them
	/// ([`phase2::share`]).
	fn tend_transcripts(&self, finalized: (sp_core::H256, BlockNumber), best: sp_core::H256) {
		use std::sync::atomic::Ordering;
		if self.transcripts.1.swap(true, Ordering::AcqRel) {
			return;
		}
		/// Ends the pass however it ends (a panic included).
		struct Done(Arc<(phase2::Shared, std::sync::atomic::AtomicBool)>);
		impl Drop for Done {
			fn drop(&mut self) {
				self.0 .1.store(false, std::sync::atomic::Ordering::Release);
			}
		}
		let (done, shared) = (Done(self.transcripts.clone()), self.shared.clone());
		let prune = !self.sync.is_major_syncing();
		let busy = self.ceremony.as_ref().map(|ceremony| ceremony.busy()).unwrap_or_default();
		let (client, checked) = (self.client.clone(), self.checked.clone());
		self.spawner.spawn_blocking("verity-worker-transcripts", Some("worker"), async move {
			let dir = phase2::dir(shared.zk.dir());
			if prune {
				let seen = phase2::Seen { shared: &done.0 .0, checked: &checked };
				let store = &shared.store;
				let removed =
					phase2::prune_unnamed(&client, finalized, best, &dir, store, &seen, &busy);
				if removed > 0 {
					log::info!(
						target: LOG_TARGET,
						"{removed} ceremony file(s) the chain no longer names removed"
					);
				}
			}
			let put = phase2::share(&dir, &shared.store, &done.0 .0);
			if put > 0 {
				log::info!(target: LOG_TARGET, "{put} ceremony transcript(s) shared with peers");
			}
		});
	}

	/// The blob hashed `hash` (a transcript) at `path`, unless a file of that hash is there: from
	/// the store, or else fetched from peers and checked against the hash on the way, by `by`.
	/// A file there of another hash (corrupt, or not what its name says) is replaced. Blocking
	/// work (hashing, writing) runs off the executor.
	async fn fetch_transcript(
		&self,
		hash: &sp_core::H256,
		path: &Path,
		by: Option<Instant>,
	) -> Result<(), String> {
		let id = ModelId(hash.0);
		let (file, checked) = (path.to_path_buf(), self.checked.clone());
		let held = tokio::task::spawn_blocking(move || phase2::holds(&file, &id, &checked))
			.await
			.map_err(|e| e.to_string())?;
		if held {
			return Ok(());
		}
		let bytes = self
			.shared
			.store
			.fetch(&id, &phase2::blob_uri(hash), by)
			.await
			.map_err(|e| format!("cannot fetch the transcript {hash:?}: {e}"))?;
		let (path, checked) = (path.to_path_buf(), self.checked.clone());
		tokio::task::spawn_blocking(move || phase2::put_checked(&path, &id, &bytes, &checked))
			.await
			.map_err(|e| e.to_string())?
	}

	/// The proving key of `job`'s model whose verifying key is `chain_key`: one the node holds,
	/// or else, when the chain's key was sealed by the ceremony and the node did not make its
	/// last contribution, the sealed transcript fetched by its hash (with the model's IR beside
	/// it, imported from the model's bytes), within [`KEY_FETCH_TIME`] or half the job's time
	/// left, whichever is less: a job that cannot have its key is declined while declining is
	/// cheap. One fetch a model at a time; the others wait for it and look again.
	async fn keys(&self, job: &Job, chain_key: Vec<u8>) -> Result<Arc<zk::ZkModel>, Failure> {
		let model = job.model;
		let get = |chain_key: Vec<u8>| {
			let shared = self.shared.clone();
			async move {
				tokio::task::spawn_blocking(move || shared.zk.get(&model, &chain_key))
					.await
					.map_err(|e| Failure::new("zk-key", e))?
					.map_err(|e| Failure::new("zk-key", e))
			}
		};
		let missed = match get(chain_key.clone()).await {
			Ok(keys) => return Ok(keys),
			Err(missed) => missed,
		};
		let best = self.client.info().best_hash;
		let setup = self
			.client
			.runtime_api()
			.model(best, model)
			.map_err(|e| Failure::new("zk-key", e))?
			.and_then(|entry| entry.key_setup);
		let Some(verity_primitives::KeySetup::Ceremony { phase2: hash, .. }) = setup else {
			return Err(missed);
		};
		let lock = self.loading.lock().entry(model).or_default().clone();
		let _one_fetch_per_model = lock.lock().await;
		if let Ok(keys) = get(chain_key.clone()).await {
			return Ok(keys);
		}
		let budget = self.time_left(job).checked_div(2).unwrap_or_default().min(KEY_FETCH_TIME);
		let by = Instant::now().checked_add(budget);
		let dir = phase2::dir(self.shared.zk.dir());
		let file = phase2::transcript_file(&dir, &model, &hash.0);
		self.fetch_transcript(&hash, &file, by).await.map_err(|e| Failure::new("zk-key", e))?;
		if !zk::file(&dir, &model, "ir").exists() {
			let (bytes, _) = self.fetch(model, by).await?;
			tokio::task::spawn_blocking(move || {
				phase2::write_ir(&dir, &model, &phase2::import(&bytes)?)
			})
			.await
			.map_err(|e| Failure::new("zk-key", e))?
			.map_err(|e| Failure::new("zk-key", e))?;
		}
		get(chain_key).await
	}

	/// Makes one contribution and submits it; the new transcript's hash.
	async fn contribute_to(
		&self,
		contributor: Arc<phase2::Contributor>,
		task: &phase2::Task,
	) -> Result<sp_core::H256, phase2::NotMade> {
		// The sealed phase-1 transcript, from a peer if the operator did not put it here.
		let phase1 = task.phase1.0;
		self.fetch_transcript(&phase1, &contributor.phase1_file(&phase1), None).await?;
		let (bytes, _) = self.fetch(task.model, None).await.map_err(|f| f.message)?;
		let model = task.model;
		let derived = {
			let (task, contributor) = (task.clone(), contributor.clone());
			tokio::task::spawn_blocking(move || {
				let ir = phase2::import(&bytes).map_err(phase2::NotMade::Refused)?;
				phase2::write_ir(contributor.dir(), &model, &ir)?;
				contributor.start(&task, &ir)
			})
		};
		let derived = derived.await.map_err(|e| e.to_string())??;
		let (parent, previous) = self.parent(&contributor, task, &derived).await;
		let made = {
			let task = task.clone();
			tokio::task::spawn_blocking(move || contributor.contribute(&task, &previous, parent))
		};
		let (call, hash) = made.await.map_err(|e| e.to_string())??;
		self.submitter.submit(task.key, call, |_| {}).await?;
		Ok(hash)
	}

	/// The first of `task`'s candidates the node may extend, with its transcript; else none and
	/// the derived key. A candidate of another's has its transcript fetched from a peer if need
	/// be (within [`phase2::fetch_time`]), at most [`phase2::MAX_FETCHES`] of them: past that,
	/// only the node's own are tried. A candidate that fails is set aside: for good if its
	/// transcript is not the derived key re-randomized to its δ (a bad file is removed), for
	/// [`phase2::RETRY_AFTER`] blocks if it could not be fetched or read.
	async fn parent(
		&self,
		contributor: &Arc<phase2::Contributor>,
		task: &phase2::Task,
		derived: &Arc<verity_zkml::prover::ProvingKey>,
	) -> (Option<u32>, Arc<verity_zkml::prover::ProvingKey>) {
		use ark_serialize::CanonicalSerialize;
		use phase2::NotExtended;
		let mut fetches: usize = 0;
		for candidate in &task.candidates {
			if !candidate.ours {
				if fetches >= phase2::MAX_FETCHES {
					continue;
				}
				fetches = fetches.saturating_add(1);
			}
			let by = Instant::now().checked_add(phase2::fetch_time(derived.uncompressed_size()));
			let fetched = self.fetch_transcript(&candidate.transcript, &candidate.file, by).await;
			let checked = match fetched {
				Ok(()) => {
					let (contributor, derived, candidate) =
						(contributor.clone(), derived.clone(), candidate.clone());
					tokio::task::spawn_blocking(move || {
						contributor.extendable(&derived, &candidate)
					})
					.await
					.unwrap_or_else(|e| Err(NotExtended::Unreadable(e.to_string())))
				},
				Err(e) => Err(NotExtended::Unreadable(e)),
			};
			let why = match checked {
				Ok(key) => return (Some(candidate.index), key),
				Err(why) => why,
			};
			log::warn!(
				target: LOG_TARGET,
				"model 0x{}: not extending contribution {} ({:?}): {why}",
				hex::encode(task.model.0),
				candidate.index,
				candidate.transcript
			);
			let until = match why {
				NotExtended::Unreadable(_) => {
					Some(self.client.info().best_number.saturating_add(phase2::RETRY_AFTER))
				},
				NotExtended::Named(_) => None,
				NotExtended::Bad(_) => {
					let (dir, shared, candidate) =
						(contributor.dir().to_path_buf(), self.shared.clone(), candidate.clone());
					let (client, best) = (self.client.clone(), self.client.info().best_hash);
					let _ = tokio::task::spawn_blocking(move || {
						let in_use = |hash: &[u8; 32]| phase2::is_model(&client, best, hash);
						phase2::discard(&dir, &shared.store, &candidate, &in_use)
					})
					.await;
					None
				},
			};
			contributor.set_aside(task, candidate.index, until);
		}
		(None, derived.clone())
	}

	fn decline(&self, work: Work, failure: Failure) {
		log::warn!(
			target: LOG_TARGET,
			"job {}: declining, {} ({})",
			work.job.id.0,
			failure.message,
			failure.reason
		);
		let call = RuntimeCall::Inference(pallet_inference::Call::decline_job { job: work.job.id });
		self.answer(&work, call, Err(failure))
	}

	/// Hands an answer to the delivery task.
	fn answer(&self, work: &Work, call: RuntimeCall, outcome: Outcome) {
		let (worker, model, job) = (work.worker, work.job.model, work.job.id);
		{
			let mut state = self.shared.state.lock();
			state.running = state.running.saturating_sub(1);
		}
		if self.answers.send(Answer { worker, model, job, call, outcome }).is_err() {
			log::warn!(target: LOG_TARGET, "job {}: the delivery task is gone", job.0);
		}
	}

	/// Submits answers as they come: all that are waiting go out together, one transaction per
	/// operator key (`utility.force_batch` of their calls when there are several), so a burst
	/// of jobs costs one signature, one nonce and one pool validation, not one each.
	async fn deliver(self, mut answers: mpsc::UnboundedReceiver<Answer>) {
		while let Some(first) = answers.recv().await {
			let mut batch = vec![first];
			while batch.len() < MAX_BATCH {
				match answers.try_recv() {
					Ok(answer) => batch.push(answer),
					Err(_) => break,
				}
			}
			let mut by_worker: HashMap<sr25519::Public, Vec<Answer>> = HashMap::new();
			for answer in batch {
				by_worker.entry(answer.worker).or_default().push(answer);
			}
			let alone = self.shared.state.lock().alone.clone();
			for (worker, answers) in by_worker {
				for (call, carrier, answers) in transactions(answers, &alone) {
					let jobs =
						answers.iter().map(|a| (a.job, a.model, a.outcome.is_err())).collect();
					let at = self.client.info().best_number;
					let sent = Sent { at, carrier, worker, jobs };
					// Noted before the pool has it: a block may include it before `submit` returns.
					let submitted = self
						.submitter
						.submit(worker, call, |hash| {
							self.sent.lock().insert(hash, sent);
						})
						.await;
					self.delivered(&answers, submitted);
				}
			}
		}
	}

	/// Records what became of submitted answers.
	fn delivered(&self, answers: &[Answer], submitted: Result<(), String>) {
		let number = self.client.info().best_number;
		let mut state = self.shared.state.lock();
		for answer in answers {
			match &submitted {
				Ok(()) => {
					state.jobs.insert(answer.job, Progress::Submitted(number));
				},
				Err(e) => {
					log::warn!(target: LOG_TARGET, "job {}: cannot submit: {e}", answer.job.0);
					// Seen again at the next block.
					state.jobs.remove(&answer.job);
				},
			}
		}
		drop(state);
		if submitted.is_ok() {
			for answer in answers {
				if answer.outcome.is_ok() {
					log::debug!(target: LOG_TARGET, "job {}: result submitted", answer.job.0);
				}
				self.shared.record_outcome(&answer.outcome);
			}
		}
	}

	/// Fetches and loads the job's model. Jobs of one model that arrive together wait for the
	/// first to load it instead of each fetching and loading it again.
	async fn load(&self, job: &Job) -> Result<Arc<engine::Loaded>, Failure> {
		if let Some(loaded) = self.shared.engine.get(&job.model) {
			return Ok(loaded);
		}
		if let Some(why) = self.shared.engine.refused(&job.model) {
			return Err(Failure::new("limits", why));
		}
		let lock = self.loading.lock().entry(job.model).or_default().clone();
		let _one_load_per_model = lock.lock().await;
		match self.shared.engine.get(&job.model) {
			Some(loaded) => Ok(loaded),
			None => self.fetch_and_load(job).await,
		}
	}

	async fn fetch_and_load(&self, job: &Job) -> Result<Arc<engine::Loaded>, Failure> {
		// A download that outlives the job's deadline is of no use to it.
		let by = Instant::now().checked_add(self.time_left(job));
		let (bytes, io) = self.fetch(job.model, by).await?;
		let shared = self.shared.clone();
		let id = job.model;
		tokio::task::spawn_blocking(move || shared.engine.load(id, &bytes, &io))
			.await
			.map_err(|e| Failure::new("load", e))?
			.map_err(|e| match e {
				engine::EngineError::Limits(_) => Failure::new("limits", e),
				_ => Failure::new("load", e),
			})
	}

	/// The time until `job`'s deadline, in slots from the best block.
	fn time_left(&self, job: &Job) -> Duration {
		let blocks_left = job.deadline.saturating_sub(self.client.info().best_number);
		Duration::from_millis(
			u64::from(blocks_left).saturating_mul(verity_primitives::time::MILLI_SECS_PER_BLOCK),
		)
	}

	/// How long one run of `job`'s model may take: the node's bound, or less when the job's
	/// deadline comes sooner (then `true`: outliving it says nothing about the model).
	fn run_time(&self, job: &Job) -> (Duration, bool) {
		let own = self.shared.engine.limits().run_time;
		let left = self.time_left(job);
		if left < own {
			(left, true)
		} else {
			(own, false)
		}
	}

	/// The failure of a run that outlived `bound`. A run over the node's own bound refuses the
	/// model (its jobs are declined from now on); one that only ran out of the job's time costs
	/// that job alone.
	fn too_slow(&self, model: ModelId, (bound, deadline): (Duration, bool)) -> Failure {
		if deadline {
			return Failure::new("deadline", "the job's deadline came before the run ended");
		}
		let why = format!("a run took longer than {} ms", bound.as_millis());
		self.shared.engine.refuse(model, why.clone());
		Failure::new("limits", why)
	}

	/// The bytes of `model`, from the store or fetched by its URI on chain (by `by` at the
	/// latest), and its I/O spec.
	async fn fetch(
		&self,
		model: ModelId,
		by: Option<Instant>,
	) -> Result<(Vec<u8>, pallet_models::IoView), Failure> {
		let best = self.client.info().best_hash;
		let entry = self
			.client
			.runtime_api()
			.model(best, model)
			.map_err(|e| Failure::new("model", e))?
			.ok_or_else(|| Failure::new("model", "the model is not registered"))?;
		let uri = String::from_utf8_lossy(&entry.uri).into_owned();
		let bytes = self
			.shared
			.store
			.fetch(&model, &uri, by)
			.await
			.map_err(|e| Failure::new("model", e))?;
		Ok((bytes, entry.io))
	}

	/// Fetches, loads and runs the job's model on its input.
	async fn execute(&self, job: &Job) -> Result<Vec<u8>, Failure> {
		// `Zk` jobs are proved (`prove`), on their quantized input.
		if job.mode == VerificationMode::Zk {
			return Err(Failure::new("mode", "a Zk job is proved, not run"));
		}
		let loaded = self.load(job).await?;
		let input = job.input.clone();
		let started = Instant::now();
		// A run that outlives the bound is left to finish on its thread (tract cannot be
		// stopped midway); its model is refused, so it is the only such run.
		let bound = self.run_time(job);
		let run = tokio::task::spawn_blocking(move || loaded.run(&input));
		let output = tokio::time::timeout(bound.0, run)
			.await
			.map_err(|_| self.too_slow(job.model, bound))?
			.map_err(|e| Failure::new("run", e))?
			.map_err(|e| Failure::new("run", e))?;
		self.shared.record_latency(started.elapsed());
		Ok(output)
	}
}
