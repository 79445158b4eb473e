//! The runtime APIs: what the node and clients may ask the runtime.

use alloc::vec::Vec;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_version::RuntimeVersion;

use verity_primitives::{JobId, ModelId, Role, VerificationMode};

use super::{
	genesis_config_presets, opaque::SessionKeys, AccountId, Aura, Balance, Block, BlockNumber,
	Executive, Feeds, Grandpa, Historical, Inference, InherentDataExt, Models, Nonce, Operators,
	Runtime, RuntimeCall, RuntimeGenesisConfig, System, TransactionPayment, VERSION,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;
			Grandpa::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			use codec::Encode;
			use frame_support::traits::KeyOwnerProofSystem;
			Historical::prove((sp_consensus_grandpa::KEY_TYPE, authority_id))
				.map(|proof| proof.encode())
				.map(sp_consensus_grandpa::OpaqueKeyOwnershipProof::new)
		}
	}

	impl pallet_aura_equivocation::AuraEquivocationApi<Block> for Runtime {
		fn generate_key_ownership_proof(authority: AuraId) -> Option<Vec<u8>> {
			use codec::Encode;
			use frame_support::traits::KeyOwnerProofSystem;
			Historical::prove((pallet_aura_equivocation::KEY_TYPE, authority))
				.map(|proof| proof.encode())
		}
	}

	impl pallet_operators_runtime_api::OperatorsApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn operator(who: AccountId) -> Option<pallet_operators::OperatorView<Balance, BlockNumber>> {
			Operators::operator_view(&who)
		}

		fn operators(role: Role) -> Vec<(AccountId, Balance)> {
			Operators::operators_of(role)
		}

		fn operator_for_key(key: AccountId) -> Option<AccountId> {
			Operators::operator_for_key(key)
		}
	}

	#[api_version(2)]
	impl pallet_models_runtime_api::ModelsApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn model(id: ModelId) -> Option<pallet_models::ModelView<AccountId, Balance, BlockNumber>> {
			Models::model_view(&id)
		}

		fn models() -> Vec<(ModelId, pallet_models::ModelView<AccountId, Balance, BlockNumber>)> {
			Models::models()
		}

		fn verifying_key(id: ModelId) -> Option<Vec<u8>> {
			Models::verifying_key(&id)
		}

		fn tolerance(id: ModelId) -> Option<verity_primitives::Tolerance> {
			use verity_primitives::ModelInspect;
			Models::terms(&id).map(|terms| terms.tolerance)
		}
	}

	impl pallet_feeds_runtime_api::FeedsApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn feeds() -> Vec<pallet_feeds::FeedView<AccountId, Balance, BlockNumber>> {
			Feeds::views()
		}

		fn feed(id: verity_primitives::FeedId) -> Option<pallet_feeds::FeedView<AccountId, Balance, BlockNumber>> {
			Feeds::view(id)
		}

		fn params() -> pallet_feeds::FeedParams {
			pallet_feeds::Params::<Runtime>::get()
		}

		fn is_oracle(key: AccountId) -> bool {
			use frame_support::traits::SortedMembers;
			<Runtime as pallet_oracle::Config>::Members::contains(&key)
		}
	}

	#[api_version(4)]
	impl pallet_inference_runtime_api::InferenceApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn job(id: JobId) -> Option<pallet_inference::JobView<AccountId, Balance, BlockNumber>> {
			Inference::job_view(id)
		}

		fn jobs_for_worker(worker: AccountId) -> Vec<pallet_inference::JobView<AccountId, Balance, BlockNumber>> {
			Inference::jobs_for_worker(&worker)
		}

		fn jobs_of(requester: AccountId) -> Vec<pallet_inference::JobView<AccountId, Balance, BlockNumber>> {
			Inference::jobs_of(&requester)
		}

		fn estimate_fee(
			model: ModelId,
			mode: VerificationMode,
		) -> Result<Balance, pallet_inference::EstimateError> {
			Inference::estimate_fee(&model, mode)
		}

		fn round(id: JobId) -> Option<pallet_inference::RoundView<AccountId, BlockNumber>> {
			Inference::round_view(id)
		}

		fn jobs_for_verifier(verifier: AccountId) -> Vec<pallet_inference::JobView<AccountId, Balance, BlockNumber>> {
			Inference::jobs_for_verifier(&verifier)
		}

		fn challenge(id: JobId) -> Option<pallet_inference::Challenge<AccountId, Balance>> {
			Inference::challenge_view(id)
		}

		fn audits_for(auditor: AccountId) -> Vec<pallet_inference::JobView<AccountId, Balance, BlockNumber>> {
			Inference::audits_for(&auditor)
		}

		fn subscription(id: pallet_inference::SubscriptionId) -> Option<pallet_inference::SubscriptionView<AccountId, Balance, BlockNumber>> {
			Inference::subscription_view(id)
		}

		fn subscriptions_of(requester: AccountId) -> Vec<pallet_inference::SubscriptionView<AccountId, Balance, BlockNumber>> {
			Inference::subscriptions_of(&requester)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			genesis_config_presets::preset_names()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::{BenchmarkList};
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;
			use super::*;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);
			let storage_info = AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::{BenchmarkBatch};
			use frame_support::traits::WhitelistedStorageKeys;
			use frame_system_benchmarking::Pallet as SystemBench;
			use sp_storage::TrackedStorageKey;
			use super::*;

			impl frame_system_benchmarking::Config for Runtime {}

			let whitelist: Vec<TrackedStorageKey> = AllPalletsWithSystem::whitelisted_storage_keys();
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			// A failing pre/post check must stop try-runtime right here, with a backtrace.
			#[allow(clippy::unwrap_used)]
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, super::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			#[allow(clippy::expect_used)]
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.expect("execute-block failed")
		}
	}
}
