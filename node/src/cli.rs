//! The command line.

/// How the node seals blocks.
#[derive(Debug, Copy, Clone, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Sealing {
	/// Aura slots with GRANDPA finality: the production mode.
	#[default]
	Aura,
	/// A block as soon as a transaction enters the pool, finalized at once (development only).
	Instant,
	/// A block when `engine_createBlock` is called over RPC (development only).
	Manual,
}

/// `verity-node [SUBCOMMAND] [OPTIONS]`.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// How blocks are sealed. `instant` and `manual` replace Aura and GRANDPA and are meant for
	/// a single development node (`--dev`).
	#[arg(long, value_enum, default_value_t = Sealing::Aura)]
	pub sealing: Sealing,

	#[clap(flatten)]
	pub worker: crate::worker::WorkerParams,
}

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert into the keystore.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream in favour of `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a block as a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Benchmarks: pallets, storage, overhead (needs the `runtime-benchmarks` feature).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Write the development chain's demo model (an ONNX MLP), or another MLP, to a file.
	DemoModel(DemoModelCmd),

	/// Zero-knowledge tools: `zk setup MODEL.onnx --out DIR`.
	#[command(subcommand)]
	Zk(ZkCmd),

	/// Try an ONNX model out within memory and time bounds: what the worker runs in a child
	/// process before it loads a model. Exit code 0: passed; 2: it does not load or run; 3: it
	/// is over the bounds.
	#[command(hide = true)]
	ModelCheck(ModelCheckCmd),

	/// Time the inference engine in this binary: per-inference percentiles and load time, as
	/// JSON (`scripts/bench-engine-vs-ort.sh`; see `engine_bench.rs`).
	#[command(hide = true)]
	BenchEngine(BenchEngineCmd),
}

/// `verity-node bench-engine [--runs N] [--model FILE --io JSON] [--write-models DIR]`.
#[derive(Debug, clap::Args)]
pub struct BenchEngineCmd {
	/// Timed runs of each model.
	#[arg(long, default_value_t = 1000)]
	pub runs: usize,
	/// Untimed runs of each model before them.
	#[arg(long, default_value_t = 200)]
	pub warmup: usize,
	/// Loads of each model timed (the median is reported).
	#[arg(long, default_value_t = 5)]
	pub loads: usize,
	/// An ONNX model to time instead of the built-in ones (the demo model, the 784-128-10 MLP and
	/// a 1-1 MLP).
	#[arg(long, requires = "io")]
	pub model: Option<std::path::PathBuf>,
	/// The model's declared tensors, as `blobs_put` takes them (JSON).
	#[arg(long, requires = "model")]
	pub io: Option<String>,
	/// Write the models, their inputs, tract's outputs and a `models.json` into DIR instead of
	/// timing them.
	#[arg(long, value_name = "DIR")]
	pub write_models: Option<std::path::PathBuf>,
}

/// `verity-node model-check MODEL.onnx --io JSON --max-memory BYTES --max-run-ms MS`.
#[derive(Debug, clap::Args)]
pub struct ModelCheckCmd {
	/// The ONNX model.
	pub model: std::path::PathBuf,
	/// The model's declared tensors, as `blobs_put` takes them (JSON).
	#[arg(long)]
	pub io: String,
	/// The most bytes its tensors may take.
	#[arg(long)]
	pub max_memory: u64,
	/// The longest one run may take, in milliseconds.
	#[arg(long)]
	pub max_run_ms: u64,
}

/// `verity-node zk …`.
#[derive(Debug, clap::Subcommand)]
pub enum ZkCmd {
	/// Import an ONNX model into the IR and make its Groth16 keys: writes `0x<model id>.pk`
	/// (proving key, for the worker), `.vk` (verifying key, for `models.setVerifyingKey`) and
	/// `.ir` into DIR; prints the model id, the key hash and the circuit's size.
	Setup(ZkSetupCmd),
	/// Write the starting phase-1 transcript of the ceremony (every element a generator) and
	/// print its hash: the chain's phase 1 starts at it.
	StartTranscript(ZkStartCmd),
	/// Contribute to the ceremony: multiply a phase-1 transcript (or a model's phase-2 key) by
	/// secrets from the operating system, which are wiped; write the new transcript and print
	/// the call's arguments.
	Contribute(ZkContributeCmd),
	/// Derive a model's key from the sealed phase-1 transcript (δ = 1, not yet usable): writes
	/// `0x<model id>.pk`, `.vk`, `.ir` into DIR and prints `settlement.beginPhase2`'s arguments.
	Derive(ZkDeriveCmd),
	/// Check a phase-1 transcript whole (every power of one τ, α, β); with `--model` and
	/// `--key`, also check a phase-2 key against the one derived from the transcript.
	VerifyTranscript(ZkVerifyCmd),
}

/// `verity-node zk start-transcript --out FILE [--size N]`.
#[derive(Debug, clap::Args)]
pub struct ZkStartCmd {
	/// Where to write the transcript.
	#[arg(long)]
	pub out: std::path::PathBuf,
	/// The largest circuit (constraints and public inputs) it serves: the chain's by default.
	#[arg(long, default_value_t = verity_zkml::ceremony::PHASE1_SIZE)]
	pub size: u32,
}

/// Which phase a contribution is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
	/// Powers of tau: `--transcript` is a phase-1 transcript.
	#[value(name = "1")]
	One,
	/// A model's δ: `--transcript` is its proving key.
	#[value(name = "2")]
	Two,
}

/// `verity-node zk contribute --phase 1|2 --transcript FILE --account SS58 --out FILE`.
#[derive(Debug, clap::Args)]
pub struct ZkContributeCmd {
	/// Phase 1 (powers of tau) or 2 (a model's δ).
	#[arg(long)]
	pub phase: Phase,
	/// The transcript to extend (phase 1), or the proving key (phase 2): the one the chain's
	/// contribution you extend recorded the hash of.
	#[arg(long)]
	pub transcript: std::path::PathBuf,
	/// The account that will submit the contribution (SS58): the proofs are bound to it.
	#[arg(long)]
	pub account: String,
	/// Where to write the new transcript (serve it: the next contributor needs it).
	#[arg(long)]
	pub out: std::path::PathBuf,
	/// Phase 2: the sealed phase-1 transcript, to derive the model's key and check the one
	/// extended against it.
	#[arg(long, required_if_eq("phase", "2"))]
	pub phase1: Option<std::path::PathBuf>,
	/// Phase 2: the ONNX model.
	#[arg(long, required_if_eq("phase", "2"))]
	pub model: Option<std::path::PathBuf>,
	/// Phase 2: the public-input bases the chain recorded when the phase began (hex, as
	/// `settlement.phase2(model).inputs`): refused unless they are the derived key's.
	#[arg(long, required_if_eq("phase", "2"))]
	pub bases: Option<String>,
	/// Phase 2: fractional bits of the quantized activations (as the key was derived).
	#[arg(long, default_value_t = verity_zkml::onnx::ImportOptions::default().input_frac)]
	pub input_frac: u8,
}

/// `verity-node zk derive MODEL.onnx --transcript FILE --out DIR [--input-frac N]`.
#[derive(Debug, clap::Args)]
pub struct ZkDeriveCmd {
	/// The ONNX model.
	pub model: std::path::PathBuf,
	/// The sealed phase-1 transcript.
	#[arg(long)]
	pub transcript: std::path::PathBuf,
	/// Where to write the derived key and the IR.
	#[arg(long)]
	pub out: std::path::PathBuf,
	/// Fractional bits of the quantized activations.
	#[arg(long, default_value_t = verity_zkml::onnx::ImportOptions::default().input_frac)]
	pub input_frac: u8,
}

/// `verity-node zk verify-transcript FILE [--model MODEL.onnx --key KEY.pk]`.
#[derive(Debug, clap::Args)]
pub struct ZkVerifyCmd {
	/// The phase-1 transcript.
	pub transcript: std::path::PathBuf,
	/// A model whose phase-2 key to check (with `--key`).
	#[arg(long, requires = "key")]
	pub model: Option<std::path::PathBuf>,
	/// The model's proving key, after phase-2 contributions.
	#[arg(long, requires = "model")]
	pub key: Option<std::path::PathBuf>,
	/// The verifying key the chain installed for the model (hex, as `ModelsApi_verifying_key`
	/// returns it): checked to be `--key`'s.
	#[arg(long, requires = "key")]
	pub chain_key: Option<String>,
	/// Fractional bits of the quantized activations (as the key was derived).
	#[arg(long, default_value_t = verity_zkml::onnx::ImportOptions::default().input_frac)]
	pub input_frac: u8,
}

/// `verity-node zk setup MODEL.onnx --out DIR [--input-frac N] [--insecure-seed N]`.
#[derive(Debug, clap::Args)]
pub struct ZkSetupCmd {
	/// The ONNX model (`Gemm`/`MatMul`/`Add`/`Relu`).
	pub model: std::path::PathBuf,
	/// Where to write the keys and the IR (the worker's `--worker-zk-keys`).
	#[arg(long)]
	pub out: std::path::PathBuf,
	/// Fractional bits of the quantized activations (inputs and outputs are `i8` at this scale).
	#[arg(long, default_value_t = verity_zkml::onnx::ImportOptions::default().input_frac)]
	pub input_frac: u8,
	/// Derive the setup's randomness from this public seed instead of the operating system.
	/// INSECURE: anyone who knows the seed can forge proofs. For development chains only.
	#[arg(long)]
	pub insecure_seed: Option<u64>,
}

/// `verity-node demo-model --out FILE [--sizes 16,16,4] [--seed N]`.
#[derive(Debug, clap::Args)]
pub struct DemoModelCmd {
	/// Where to write the ONNX bytes.
	#[arg(long)]
	pub out: std::path::PathBuf,
	/// The layer sizes, inputs first (the demo model's by default).
	#[arg(long, value_delimiter = ',', default_values_t = crate::worker::demo::DEMO_SIZES)]
	pub sizes: Vec<usize>,
	/// The seed of the weights (the demo model's by default).
	#[arg(long, default_value_t = crate::worker::demo::DEMO_SEED)]
	pub seed: u64,
}
