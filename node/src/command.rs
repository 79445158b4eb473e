//! Dispatches the command line to the node or to a subcommand.

use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

use crate::{
	chain_spec,
	cli::{Cli, Sealing, Subcommand, ZkCmd},
	service,
};

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Verity Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"the project's issue tracker".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"" | "local" => Box::new(chain_spec::local_chain_spec()?),
			"staging" => Box::new(chain_spec::staging_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();
	if cli.sealing != Sealing::Aura {
		// Instant and manual sealing finalize every block at once; the fork-aware pool then drops
		// transactions that arrive while its views are replaced (measured: of 200 jobs submitted
		// back to back, 12 were included). The single-state pool keeps them all.
		cli.run.pool_config.pool_type = sc_cli::TransactionPoolType::SingleState;
	}

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let spec = cli.load_spec(&cmd.chain)?;
			cmd.run(spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config, cli.sealing)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } =
					service::new_partial(&config, cli.sealing)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } =
					service::new_partial(&config, cli.sealing)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config, cli.sealing)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config, cli.sealing)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => crate::benchmarking::run(&cli, cmd),
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<verity_runtime::opaque::Block>(&config))
		},
		Some(Subcommand::DemoModel(cmd)) => {
			if cmd.sizes.len() < 2 {
				return Err("--sizes needs at least two layer sizes".into());
			}
			let bytes = crate::worker::demo::mlp(&cmd.sizes, cmd.seed);
			std::fs::write(&cmd.out, &bytes)?;
			let id = crate::worker::store::model_id(&bytes);
			println!("{} bytes, model id 0x{}", bytes.len(), hex::encode(id.0));
			Ok(())
		},
		Some(Subcommand::Zk(ZkCmd::Setup(cmd))) => zk_setup(cmd),
		Some(Subcommand::Zk(ZkCmd::StartTranscript(cmd))) => Ok(crate::ceremony::start(cmd)?),
		Some(Subcommand::Zk(ZkCmd::Contribute(cmd))) => Ok(crate::ceremony::contribute(cmd)?),
		Some(Subcommand::Zk(ZkCmd::Derive(cmd))) => Ok(crate::ceremony::derive(cmd)?),
		Some(Subcommand::Zk(ZkCmd::VerifyTranscript(cmd))) => Ok(crate::ceremony::verify(cmd)?),
		Some(Subcommand::ModelCheck(cmd)) => std::process::exit(model_check(cmd)),
		Some(Subcommand::BenchEngine(cmd)) => Ok(crate::engine_bench::run(cmd)?),
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let (sealing, worker) = (cli.sealing, cli.worker.clone());
			runner.run_node_until_exit(|config| async move {
				service::new_full(config, sealing, worker).map_err(sc_cli::Error::Service)
			})
		},
	}
}

/// `verity-node model-check`: the exit code, the reason of a refusal on stderr.
fn model_check(cmd: &crate::cli::ModelCheckCmd) -> i32 {
	use crate::worker::engine::{self, EngineError, Limits};
	let refuse = |code: i32, why: String| {
		eprintln!("{why}");
		code
	};
	let io = match serde_json::from_str::<pallet_models::IoView>(&cmd.io) {
		Ok(io) => io,
		Err(e) => return refuse(engine::TRIAL_EXIT_LOAD, format!("bad --io: {e}")),
	};
	let bytes = match std::fs::read(&cmd.model) {
		Ok(bytes) => bytes,
		Err(e) => return refuse(engine::TRIAL_EXIT_LOAD, format!("cannot read the model: {e}")),
	};
	let limits = Limits {
		memory: cmd.max_memory,
		run_time: std::time::Duration::from_millis(cmd.max_run_ms),
		checker: None,
	};
	match engine::trial(&bytes, &io, &limits) {
		Ok(()) => 0,
		Err(EngineError::Limits(why)) => refuse(engine::TRIAL_EXIT_LIMITS, why),
		Err(e) => refuse(engine::TRIAL_EXIT_LOAD, e.to_string()),
	}
}

/// `verity-node zk setup`.
fn zk_setup(cmd: &crate::cli::ZkSetupCmd) -> sc_cli::Result<()> {
	use verity_zkml::{onnx, prover};
	let bytes = std::fs::read(&cmd.model)?;
	let id = crate::worker::store::model_id(&bytes);
	let options = onnx::ImportOptions { input_frac: cmd.input_frac };
	let ir = onnx::import(&bytes, options).map_err(|e| format!("cannot import the model: {e}"))?;
	let started = std::time::Instant::now();
	let key = match cmd.insecure_seed {
		Some(seed) => {
			eprintln!("WARNING: --insecure-seed: anyone who knows the seed can forge proofs");
			prover::setup_seeded(&ir, seed)
		},
		None => prover::setup(&ir, &mut ark_std::rand::rngs::OsRng),
	}
	.map_err(|e| format!("setup failed: {e}"))?;
	let vk = crate::worker::zk::write_keys(&cmd.out, &id, &ir, &key)?;
	let constraints = prover::constraint_count(&ir).map_err(|e| e.to_string())?;
	let hex = |b: &[u8]| format!("0x{}", hex::encode(b));
	println!("model id        {}", hex(&id.0));
	println!(
		"inputs/outputs  {} / {} (i8, {} fractional bits)",
		ir.input_len,
		ir.output_len(),
		ir.input_frac
	);
	println!("constraints     {constraints}");
	println!(
		"verifying key   {} bytes, blake2-256 {}",
		vk.len(),
		hex(&sp_io::hashing::blake2_256(&vk))
	);
	println!("proving key     {} bytes", prover::encode_proving_key(&key).len());
	println!("setup took      {:.2} s", started.elapsed().as_secs_f64());
	println!("written to      {}", cmd.out.display());
	eprintln!("{ZK_TRUST}");
	Ok(())
}

/// What `zk setup` tells whoever runs it: a key made here is only as sound as the machine and
/// the person that made it.
pub const ZK_TRUST: &str = "\
TRUST: this key came from a setup run by one party, here. Whoever knows its secrets (the
randomness this run drew from the OS, gone once it exits, unless this machine kept or leaked it)
can make a valid proof of ANY output for this model. Chains that allow owner keys (development
ones) take it with `models.setVerifyingKey`, recorded as an owner key; elsewhere keys come only
from the chain's multi-party ceremony (`zk derive`, `zk contribute`), sound if any one
contributor was honest (see docs/zk.md).";
