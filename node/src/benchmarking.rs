//! `verity-node benchmark …` (built with the `runtime-benchmarks` feature).
//!
//! `pallet` generates the runtime's weights (see `scripts/bench-pallets.sh`); `block` and
//! `machine` measure a node. `storage`, `overhead` and `extrinsic` are not wired yet and say so.

use frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE};
use sc_cli::SubstrateCli;
use sp_runtime::traits::HashingFor;
use verity_runtime::opaque::Block;

use crate::{cli::Cli, service};

/// Runs a benchmark subcommand.
pub fn run(cli: &Cli, cmd: &BenchmarkCmd) -> sc_cli::Result<()> {
	let runner = cli.create_runner(cmd)?;
	match cmd {
		BenchmarkCmd::Pallet(cmd) => runner.sync_run(|config| {
			cmd.run_with_spec::<HashingFor<Block>, service::HostFunctions>(Some(config.chain_spec))
		}),
		BenchmarkCmd::Block(cmd) => runner.sync_run(|config| {
			let partial = service::new_partial(&config, cli.sealing)?;
			cmd.run(partial.client)
		}),
		BenchmarkCmd::Machine(cmd) => {
			runner.sync_run(|config| cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()))
		},
		BenchmarkCmd::Storage(_) | BenchmarkCmd::Overhead(_) | BenchmarkCmd::Extrinsic(_) => {
			Err("this benchmark is not supported by verity-node yet; use `benchmark pallet`".into())
		},
	}
}
