//! The chains this node knows: `dev`, `local` and `staging`, built from the runtime's genesis
//! presets.

use sc_service::ChainType;
use verity_primitives::currency::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL};
use verity_runtime::WASM_BINARY;

/// A chain spec of the Verity runtime.
///
/// Building the genesis state runs the runtime, whose settlement pallet checks the genesis
/// verifying keys with the BLS12-381 host functions: the chain spec registers them too.
pub type ChainSpec = sc_service::GenericChainSpec<
	sc_service::NoExtension,
	sp_crypto_ec_utils::bls12_381::host_calls::HostFunctions,
>;

/// What wallets show: VRT with 12 decimals.
fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime's wasm is not built into this binary (was it built with SKIP_WASM_BUILD?)"
			.to_string()
	})
}

/// The id of the development chain.
pub const DEV_CHAIN_ID: &str = "verity_dev";

/// `--dev`: Alice validates alone.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Verity Development")
		.with_id(DEV_CHAIN_ID)
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The id of the local network's chain.
pub const LOCAL_CHAIN_ID: &str = "verity_local";

/// `--chain local` (the network of `zombienet/`): Alice, Bob, Charlie and Dave validate; Eve and
/// Ferdie serve inference.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Verity Local Testnet")
		.with_id(LOCAL_CHAIN_ID)
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The id of the production-like chain.
pub const STAGING_CHAIN_ID: &str = "verity_staging";

/// `--chain staging`: a public chain's genesis (no sudo, governance at its public pace) with
/// the development keys as stand-ins for its four validators.
pub fn staging_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Verity Staging")
		.with_id(STAGING_CHAIN_ID)
		.with_chain_type(ChainType::Live)
		.with_genesis_config_preset_name(verity_runtime::genesis_config_presets::STAGING_PRESET)
		.with_properties(properties())
		.build())
}
