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
