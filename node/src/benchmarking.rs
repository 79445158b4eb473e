//! `verity-node benchmark …` (built with the `runtime-benchmarks` feature).
//!
//! `pallet` generates the runtime's weights (see `scripts/bench-pallets.sh`); `block` and
//! `machine` measure a node; `overhead` measures the cost of an empty block and of an extrinsic
//! (`system.remark`) in a full block, and `extrinsic` the cost of one `system.remark` or
//! `balances.transfer_keep_alive`, each signed by Alice on the chain given. `storage` is not
//! wired yet and says so.

use std::{sync::Arc, time::Duration};

use frame_benchmarking_cli::{
	BenchmarkCmd, ExtrinsicBuilder, ExtrinsicFactory, SUBSTRATE_REFERENCE_HARDWARE,
};
use sc_cli::SubstrateCli;
use sc_client_api::HeaderBackend;
use sp_api::{Core, ProvideRuntimeApi};
use sp_inherents::{InherentData, InherentDataProvider};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::HashingFor, OpaqueExtrinsic};
use verity_runtime::{opaque::Block, RuntimeCall};

use crate::{
	cli::Cli,
	service::{self, FullClient},
	tx::{signed, ChainContext},
};

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
		BenchmarkCmd::Overhead(cmd) => runner.sync_run(|config| {
			let chain = config.chain_spec.name().to_string();
			let client = service::new_partial(&config, cli.sealing)?.client;
			let remark = Signed::new(client.clone(), Call::Remark)?;
			cmd.run(chain, client, inherent_data()?, Vec::new(), &remark, false)
		}),
		BenchmarkCmd::Extrinsic(cmd) => runner.sync_run(|config| {
			let client = service::new_partial(&config, cli.sealing)?.client;
			let factory = ExtrinsicFactory(vec![
				Box::new(Signed::new(client.clone(), Call::Remark)?),
				Box::new(Signed::new(client.clone(), Call::Transfer)?),
			]);
			cmd.run(client, inherent_data()?, Vec::new(), &factory)
		}),
		BenchmarkCmd::Storage(_) => {
			Err("this benchmark is not supported by verity-node yet; use `benchmark pallet`".into())
		},
	}
}

/// The inherents of a benchmark block: a timestamp at zero, which is slot 0 for Aura (a
/// genesis state's `CurrentSlot`), so the block needs no slot digest.
fn inherent_data() -> sc_cli::Result<InherentData> {
	let mut data = InherentData::new();
	let timestamp = sp_timestamp::InherentDataProvider::new(Duration::ZERO.into());
	futures::executor::block_on(timestamp.provide_inherent_data(&mut data))
		.map_err(|e| sc_cli::Error::Input(format!("cannot make the timestamp inherent: {e}")))?;
	Ok(data)
}

/// The calls the benchmarks sign.
#[derive(Clone, Copy)]
enum Call {
	/// `system.remark` of no bytes.
	Remark,
	/// `balances.transfer_keep_alive` of the existential deposit to Bob.
	Transfer,
}

/// Builds `call` signed by Alice at each nonce, for the chain `client` holds.
struct Signed {
	call: Call,
	chain: ChainContext,
}

impl Signed {
	fn new(client: Arc<FullClient>, call: Call) -> sc_cli::Result<Self> {
		let info = client.info();
		let version = client
			.runtime_api()
			.version(info.best_hash)
			.map_err(|e| sc_cli::Error::Input(format!("cannot read the runtime version: {e}")))?;
		let chain = ChainContext {
			genesis_hash: info.genesis_hash,
			spec_version: version.spec_version,
			transaction_version: version.transaction_version,
		};
		Ok(Signed { call, chain })
	}
}

impl ExtrinsicBuilder for Signed {
	fn pallet(&self) -> &str {
		match self.call {
			Call::Remark => "system",
			Call::Transfer => "balances",
		}
	}

	fn extrinsic(&self) -> &str {
		match self.call {
			Call::Remark => "remark",
			Call::Transfer => "transfer_keep_alive",
		}
	}

	fn build(&self, nonce: u32) -> Result<OpaqueExtrinsic, &'static str> {
		let call = match self.call {
			Call::Remark => RuntimeCall::System(frame_system::Call::remark { remark: Vec::new() }),
			Call::Transfer => RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: Sr25519Keyring::Bob.to_account_id().into(),
				value: verity_runtime::currency::EXISTENTIAL_DEPOSIT,
			}),
		};
		let extrinsic = signed(call, &Sr25519Keyring::Alice.pair(), nonce, 0, self.chain);
		Ok(extrinsic.into())
	}
}
