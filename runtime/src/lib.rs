//! # Verity runtime
//!
//! The state machine of the Verity chain. It holds the FRAME pallets for consensus (Aura blocks,
//! GRANDPA finality, sessions), the VRT token (balances, transaction fees), administration (sudo,
//! utility), the pallets of the inference market and oracle feeds (see `docs/architecture.md`),
//! and governance (OpenGov and the treasury).
//!
//! - [`configs`]: one `Config` implementation per pallet group.
//! - [`apis`]: the runtime APIs the node and clients call.
//! - [`genesis_config_presets`]: the `development`, `local_testnet` and `staging` genesis states.
//! - [`governance`]: the tracks and custom origins of OpenGov.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is deep.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod governance;
pub mod weights;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256};
use sp_version::RuntimeVersion;

pub use verity_primitives::{
	currency, time, AccountId, Balance, BlockNumber, Hash, Nonce, Signature,
};

/// Types the node needs to know without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// The block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// A block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// A block id.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The keys a validator registers through `session.set_keys`.
		pub struct SessionKeys {
			pub aura: super::Aura,
			pub grandpa: super::Grandpa,
		}
	}
}

/// The runtime's version. Bump `spec_version` with every change of behaviour and
/// `transaction_version` with every change of a call's index or arguments.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("verity"),
	impl_name: Cow::Borrowed("verity-node"),
	authoring_version: 1,
	spec_version: 113,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// The address format of a signed extrinsic.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// The block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// A block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block whose justifications are attached.
pub type SignedBlock = generic::SignedBlock<Block>;
/// A block id.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions every signed extrinsic carries, in order.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The transaction extensions of an immortal transaction from an account at `nonce`, with `tip`.
///
/// The one place that lists the extension values: the node's transaction builder and the tests use
/// it, so a new extension is added here once.
pub fn tx_extension(nonce: Nonce, tip: Balance) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// An extrinsic as it arrives from outside.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on the next runtime upgrade.
#[allow(unused_parens)]
type Migrations = (
	pallet_inference::migrations::v1::MigrateToV1<Runtime>,
	pallet_inference::migrations::v2::MigrateToV2<Runtime>,
	pallet_operators::migrations::v1::MigrateToV1<Runtime>,
);

/// Dispatches blocks to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(5)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(6)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(7)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(8)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(9)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(10)]
	pub type Historical = pallet_session::historical;
	#[runtime::pallet_index(11)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(12)]
	pub type AuraEquivocation = pallet_aura_equivocation;

	// --- Verity ---
	#[runtime::pallet_index(20)]
	pub type Operators = pallet_operators;
	#[runtime::pallet_index(21)]
	pub type Models = pallet_models;
	#[runtime::pallet_index(22)]
	pub type Inference = pallet_inference;
	#[runtime::pallet_index(23)]
	pub type Settlement = pallet_settlement;
	#[runtime::pallet_index(24)]
	pub type Oracle = pallet_oracle;
	#[runtime::pallet_index(25)]
	pub type Feeds = pallet_feeds;

	// --- governance ---
	#[runtime::pallet_index(30)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(31)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(32)]
	pub type Treasury = pallet_treasury;
	#[runtime::pallet_index(33)]
	pub type ConvictionVoting = pallet_conviction_voting;
	#[runtime::pallet_index(34)]
	pub type Referenda = pallet_referenda;
	#[runtime::pallet_index(35)]
	pub type Origins = governance::origins;
	#[runtime::pallet_index(36)]
	pub type Parameters = pallet_parameters;
}

#[cfg(test)]
mod tests;
