//! The full node: client, transaction pool, networking, RPC, off-chain workers, and block
//! production by Aura + GRANDPA or, on a development chain, by instant or manual sealing.

use std::{sync::Arc, time::Duration};

use futures::FutureExt;
use sc_client_api::{Backend, BlockBackend, StorageProvider};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_service::{
	error::Error as ServiceError, ChainType, Configuration, TaskManager, WarpSyncConfig,
};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_consensus_aura::sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair};
use sp_runtime::traits::Block as BlockT;
use verity_runtime::{apis::RuntimeApi, opaque::Block};

use crate::{cli::Sealing, worker::WorkerParams};

/// The host functions the runtime may call: Substrate's, and the BLS12-381 pairing and
/// multi-scalar multiplication the settlement pallet verifies proofs with.
#[cfg(not(feature = "runtime-benchmarks"))]
pub type HostFunctions =
	(sp_io::SubstrateHostFunctions, sp_crypto_ec_utils::bls12_381::host_calls::HostFunctions);
/// The host functions the runtime may call, with those of the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub type HostFunctions = (
	sp_io::SubstrateHostFunctions,
	sp_crypto_ec_utils::bls12_381::host_calls::HostFunctions,
	frame_benchmarking::benchmarking::HostFunctions,
);

/// The client of the full node.
pub type FullClient =
	sc_service::TFullClient<Block, RuntimeApi, sc_executor::WasmExecutor<HostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type GrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;

/// The transaction pool of the full node.
pub type TransactionPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// Justifications are produced at least this often (in blocks).
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts of the node that subcommands need too.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	TransactionPool,
	(GrandpaBlockImport, GrandpaLink, Option<Telemetry>),
>;

/// Builds the client, the pool and the import queue for `sealing`.
pub fn new_partial(config: &Configuration, sealing: Sealing) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|endpoints| !endpoints.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			// No block is exempt from pruning.
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
		client.clone(),
		GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|x| x.handle()),
	)?;

	let import_queue = match sealing {
		Sealing::Aura => {
			let cidp_client = client.clone();
			sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
				block_import: grandpa_block_import.clone(),
				justification_import: Some(Box::new(grandpa_block_import.clone())),
				client: client.clone(),
				create_inherent_data_providers: move |parent_hash, _| {
					let cidp_client = cidp_client.clone();
					async move {
						let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
							&*cidp_client,
							parent_hash,
						)?;
						let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
						let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
						Ok((slot, timestamp))
					}
				},
				spawner: &task_manager.spawn_essential_handle(),
				registry: config.prometheus_registry(),
				check_for_equivocation: Default::default(),
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			})?
		},
		Sealing::Instant | Sealing::Manual => sc_consensus_manual_seal::import_queue(
			Box::new(client.clone()),
			&task_manager.spawn_essential_handle(),
			config.prometheus_registry(),
		),
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa_block_import, grandpa_link, telemetry),
	})
}

/// Builds and starts the full node on the network backend the configuration asks for.
pub fn new_full(
	config: Configuration,
	sealing: Sealing,
	worker: WorkerParams,
) -> Result<TaskManager, ServiceError> {
	match config.network.network_backend {
		sc_network::config::NetworkBackendType::Libp2p => new_full_with::<
			sc_network::NetworkWorker<Block, <Block as BlockT>::Hash>,
		>(config, sealing, worker),
		sc_network::config::NetworkBackendType::Litep2p => {
			new_full_with::<sc_network::Litep2pNetworkBackend>(config, sealing, worker)
		},
	}
}

fn new_full_with<N: sc_network::NetworkBackend<Block, <Block as BlockT>::Hash>>(
	config: Configuration,
	sealing: Sealing,
	worker_params: WorkerParams,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (block_import, grandpa_link, mut telemetry),
	} = new_partial(&config, sealing)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as BlockT>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let genesis_hash = client
		.block_hash(0)
		.ok()
		.flatten()
		.ok_or_else(|| ServiceError::Other("the genesis block is missing".into()))?;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	// GRANDPA's protocol only where its voter runs: the network tells every protocol of each new
	// connection, and one whose service was dropped makes the connection fail (litep2p:
	// `EssentialTaskClosed`), so two nodes sealing instantly could not peer at all.
	let enable_grandpa = !config.disable_grandpa && sealing == Sealing::Aura;
	let grandpa_notification_service = enable_grandpa.then(|| {
		let (protocol, service) = sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			net_config.peer_store_handle(),
		);
		net_config.add_notification_protocol(protocol);
		service
	});

	// Blobs (model bytes) between nodes: every node serves its store to its peers.
	let blob_protocol = crate::worker::p2p::protocol_name(genesis_hash.as_ref());
	let (blob_protocol_config, blob_requests) =
		crate::worker::p2p::protocol_config::<N>(blob_protocol.clone());
	net_config.add_request_response_protocol(blob_protocol_config);

	let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: true,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let prometheus_registry = config.prometheus_registry().cloned();

	// The model store serves `blobs_*` and its peers on every node, and asks its peers for the
	// `blob:` models it does not hold; the worker runs with `--worker`.
	let blob_metrics = prometheus_registry
		.as_ref()
		.map(crate::worker::p2p::BlobMetrics::register)
		.transpose()
		.map_err(|e| ServiceError::Other(e.to_string()))?;
	let peers = crate::worker::p2p::Peers::new(
		network.clone(),
		sync_service.clone(),
		blob_protocol,
		blob_metrics.clone(),
	);
	if config.chain_spec.chain_type() == ChainType::Live {
		for (set, flag) in [
			(worker_params.worker_serve_corrupt_blobs, "--worker-serve-corrupt-blobs"),
			(worker_params.worker_lie, "--worker-lie"),
		] {
			if set {
				return Err(ServiceError::Other(format!(
					"{flag} is for test networks, not a live chain"
				)));
			}
		}
	}
	let worker = Arc::new(
		crate::worker::Shared::new(
			&config.data_path,
			&worker_params,
			Some(Arc::new(peers)),
			prometheus_registry.as_ref(),
		)
		.map_err(ServiceError::Other)?,
	);
	task_manager.spawn_handle().spawn(
		"verity-blobs-serve",
		Some("networking"),
		crate::worker::p2p::serve(
			blob_requests,
			worker.store.clone(),
			worker_params.worker_serve_corrupt_blobs,
			blob_metrics,
		),
	);
	let demo_chain = match config.chain_spec.id() {
		crate::chain_spec::DEV_CHAIN_ID => crate::worker::DemoChain::Dev,
		crate::chain_spec::LOCAL_CHAIN_ID => crate::worker::DemoChain::Local,
		_ => crate::worker::DemoChain::None,
	};
	crate::worker::prepare_dev(
		&keystore_container.keystore(),
		&worker,
		config.dev_key_seed.as_deref(),
		demo_chain,
	);

	// Manual sealing takes its commands from the `engine_*` RPC methods.
	let (seal_commands, seal_stream) = match sealing {
		Sealing::Manual => {
			let (sink, stream) = futures::channel::mpsc::channel(1024);
			(Some(sink), Some(stream))
		},
		Sealing::Aura | Sealing::Instant => (None, None),
	};

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		let worker = worker.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				seal_commands: seal_commands.clone(),
				worker: worker.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: Arc::new(network.clone()),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if sealing == Sealing::Aura {
		crate::equivocation::spawn(&task_manager, client.clone(), transaction_pool.clone());
	}

	if worker_params.worker {
		crate::worker::spawn_worker_tasks(
			&task_manager,
			client.clone(),
			transaction_pool.clone(),
			keystore_container.keystore(),
			sync_service.clone(),
			worker,
			&worker_params,
		);
	}

	if role.is_authority() {
		let proposer_factory = sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|x| x.handle()),
		);

		match sealing {
			Sealing::Aura => {
				let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;
				let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
					StartAuraParams {
						slot_duration,
						client: client.clone(),
						select_chain,
						block_import,
						proposer_factory,
						create_inherent_data_providers: move |_, ()| async move {
							let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
							let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
								*timestamp,
								slot_duration,
							);
							Ok((slot, timestamp))
						},
						force_authoring,
						backoff_authoring_blocks: Option::<()>::None,
						keystore: keystore_container.keystore(),
						sync_oracle: sync_service.clone(),
						justification_sync_link: sync_service.clone(),
						block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
						max_block_proposal_slot_portion: None,
						telemetry: telemetry.as_ref().map(|x| x.handle()),
						compatibility_mode: Default::default(),
					},
				)?;
				// Authoring is essential: if it fails, the node stops.
				task_manager.spawn_essential_handle().spawn_blocking(
					"aura",
					Some("block-authoring"),
					aura,
				);
			},
			Sealing::Instant => {
				let (commands_stream, driver) = instant_seal_commands(transaction_pool.clone());
				task_manager.spawn_essential_handle().spawn("instant-seal-driver", None, driver);
				let params = sc_consensus_manual_seal::ManualSealParams {
					block_import: client.clone(),
					env: proposer_factory,
					client: client.clone(),
					pool: transaction_pool.clone(),
					commands_stream,
					select_chain,
					consensus_data_provider: Some(Box::new(
						sc_consensus_manual_seal::consensus::aura::AuraConsensusDataProvider::new(
							client.clone(),
						),
					)),
					create_inherent_data_providers: dev_inherent_data_providers(client.clone())?,
				};
				task_manager.spawn_essential_handle().spawn_blocking(
					"instant-seal",
					Some("block-authoring"),
					sc_consensus_manual_seal::run_manual_seal(params),
				);
			},
			Sealing::Manual => {
				let commands_stream = seal_stream.ok_or_else(|| {
					ServiceError::Other("manual sealing without a command stream".into())
				})?;
				let params = sc_consensus_manual_seal::ManualSealParams {
					block_import: client.clone(),
					env: proposer_factory,
					client: client.clone(),
					pool: transaction_pool.clone(),
					commands_stream,
					select_chain,
					consensus_data_provider: Some(Box::new(
						sc_consensus_manual_seal::consensus::aura::AuraConsensusDataProvider::new(
							client.clone(),
						),
					)),
					create_inherent_data_providers: dev_inherent_data_providers(client.clone())?,
				};
				task_manager.spawn_essential_handle().spawn_blocking(
					"manual-seal",
					Some("block-authoring"),
					sc_consensus_manual_seal::run_manual_seal(params),
				);
			},
		}
	}

	if let Some(notification_service) = grandpa_notification_service {
		// Only an authority votes; others need no keystore.
		let keystore = if role.is_authority() { Some(keystore_container.keystore()) } else { None };
		let grandpa_config = sc_consensus_grandpa::Config {
			gossip_duration: Duration::from_millis(333),
			justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
			name: Some(name),
			observer_enabled: false,
			keystore,
			local_role: role,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			protocol_name: grandpa_protocol_name,
		};
		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link: grandpa_link,
			network,
			sync: Arc::new(sync_service),
			notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		};
		// Finality is essential: if the voter fails, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}

/// The storage key of `pallet_timestamp::Now`.
fn timestamp_now_key() -> sp_core::storage::StorageKey {
	let mut key = sp_io::hashing::twox_128(b"Timestamp").to_vec();
	key.extend_from_slice(&sp_io::hashing::twox_128(b"Now"));
	sp_core::storage::StorageKey(key)
}

/// The commands of instant sealing, and the task that issues them: a block as soon as a
/// transaction is ready, finalized at once (as polkadot-sdk's `run_instant_seal_and_finalize`),
/// and two things that one does not do. A block whose own `on_initialize` takes all its weight
/// — `pallet-session` charges a whole block at every session change, block 100, 200, … — takes
/// no transaction; it is refused as empty, and the chain would stop there for good. Here, when
/// ready transactions find no room twice, the block is sealed empty and the next one takes
/// them. And transactions left ready after a block (more than a block holds) get the next block
/// at once instead of waiting for another transaction to arrive.
fn instant_seal_commands(
	pool: Arc<TransactionPool>,
) -> (
	futures::channel::mpsc::Receiver<
		sc_consensus_manual_seal::EngineCommand<<Block as BlockT>::Hash>,
	>,
	impl std::future::Future<Output = ()>,
) {
	use futures::{SinkExt, StreamExt};
	use sc_consensus_manual_seal::{EngineCommand, Error};
	use sc_transaction_pool_api::TransactionPool as _;
	let (commands, stream) = futures::channel::mpsc::channel(1);
	let driver = async move {
		let mut imported = pool.import_notification_stream();
		// Seals a block; `None` once the sealing task is gone.
		let seal = move |create_empty: bool| {
			let (sender, result) = futures::channel::oneshot::channel();
			let command = EngineCommand::SealNewBlock {
				create_empty,
				finalize: true,
				parent_hash: None,
				sender: Some(sender),
			};
			let mut commands = commands.clone();
			async move {
				commands.send(command).await.ok()?;
				result.await.ok()
			}
		};
		// The last block was sealed empty for want of room.
		let mut after_empty = false;
		// Ready transactions fit neither that block nor the next: wait for a new transaction,
		// so one that never fits cannot make empty blocks forever.
		let mut stuck = false;
		loop {
			if (stuck || pool.status().ready == 0) && imported.next().await.is_none() {
				return;
			}
			stuck = false;
			// Notifications of transactions the block about to be sealed takes anyway.
			while let Some(Some(_)) = imported.next().now_or_never() {}
			match seal(false).await {
				None => return,
				Some(Ok(_)) => {
					after_empty = false;
					continue;
				},
				Some(Err(Error::EmptyTransactionPool)) => {},
				Some(Err(error)) => {
					// Not a lack of transactions: try again later, not in a busy loop.
					log::warn!("instant sealing: {error}");
					tokio::time::sleep(Duration::from_millis(500)).await;
					continue;
				},
			}
			if std::mem::take(&mut after_empty) {
				stuck = pool.status().ready > 0;
				continue;
			}
			// Ready transactions, and none taken: the pool may not have caught up with the
			// last block yet. If they are still ready after a moment and still find no room,
			// this block's weight is taken by the block itself.
			tokio::time::sleep(Duration::from_millis(100)).await;
			if pool.status().ready == 0 {
				continue;
			}
			match seal(false).await {
				None => return,
				Some(Err(Error::EmptyTransactionPool)) if pool.status().ready > 0 => {
					log::info!(
						"instant sealing: a block with no room for transactions, sealed empty"
					);
					if seal(true).await.is_none() {
						return;
					}
					after_empty = true;
				},
				Some(_) => {},
			}
		}
	};
	(stream, driver)
}

/// Inherent data for instant and manual sealing.
///
/// Aura derives a block's slot from its timestamp and refuses a slot that does not advance, but a
/// development node may seal many blocks a second. Each block's timestamp is therefore the wall
/// clock or one slot after its parent's, whichever is later: blocks stay valid, and the chain's
/// clock runs ahead of the wall clock only while blocks come faster than one a slot.
fn dev_inherent_data_providers(
	client: Arc<FullClient>,
) -> Result<
	impl sp_inherents::CreateInherentDataProviders<
		Block,
		(),
		InherentDataProviders = sp_timestamp::InherentDataProvider,
	>,
	ServiceError,
> {
	let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;
	let key = timestamp_now_key();
	Ok(move |parent: <Block as BlockT>::Hash, ()| {
		let client = client.clone();
		let key = key.clone();
		async move {
			let parent_time = client
				.storage(parent, &key)?
				.map(|data| codec::Decode::decode(&mut &data.0[..]))
				.transpose()?
				.unwrap_or(0u64);
			let now = sp_timestamp::Timestamp::current().as_millis();
			let next = now.max(parent_time.saturating_add(slot_duration.as_millis()));
			Ok(sp_timestamp::InherentDataProvider::new(next.into()))
		}
	})
}
