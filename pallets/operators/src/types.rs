//! The pallet's types and their `*Of<T>` aliases.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{fungible::Inspect, ConstU32},
	BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::traits::Saturating;
use verity_primitives::{CapabilitiesView, ModelId, RoleSet};

use crate::Config;

/// The balance type of the bonded token.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// The longest name or endpoint a `register` call may carry; the pallet's own limits
/// ([`Config::MaxNameLen`], [`Config::MaxEndpointLen`]) are checked against it with a clear error.
pub const MAX_METADATA_ARG_LEN: u32 = 1024;

/// Name and endpoint as a `register` call carries them.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct OperatorMetadataInput {
	/// A human-readable name.
	pub name: BoundedVec<u8, ConstU32<MAX_METADATA_ARG_LEN>>,
	/// Where the operator can be reached (a URL or multiaddr).
	pub endpoint: BoundedVec<u8, ConstU32<MAX_METADATA_ARG_LEN>>,
}

/// Name and endpoint as stored.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct OperatorMetadata<T: Config> {
	/// A human-readable name.
	pub name: BoundedVec<u8, T::MaxNameLen>,
	/// Where the operator can be reached.
	pub endpoint: BoundedVec<u8, T::MaxEndpointLen>,
}

/// What an operator declares it can do.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Capabilities<T: Config> {
	/// The models it serves.
	pub models: BoundedVec<ModelId, T::MaxModelsServed>,
	/// How many jobs it runs at once.
	pub max_concurrent_jobs: u32,
	/// Whether it has an accelerator.
	pub accelerator: bool,
}

impl<T: Config> Capabilities<T> {
	/// The capabilities as other pallets and clients see them.
	pub fn view(&self) -> CapabilitiesView {
		CapabilitiesView {
			models: self.models.to_vec(),
			max_concurrent_jobs: self.max_concurrent_jobs,
			accelerator: self.accelerator,
		}
	}
}

/// Capabilities of the runtime's configuration.
pub type CapabilitiesOf<T> = Capabilities<T>;

/// Funds on their way out of a bond.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct UnlockChunk<T: Config> {
	/// The amount.
	pub value: BalanceOf<T>,
	/// The block from which it may be withdrawn.
	pub unlock_at: BlockNumberFor<T>,
}

/// An operator's record.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Operator<T: Config> {
	/// The roles it registered for.
	pub roles: RoleSet,
	/// Name and endpoint.
	pub metadata: OperatorMetadata<T>,
	/// What it declares it can do.
	pub capabilities: Capabilities<T>,
	/// The active bond.
	pub bonded: BalanceOf<T>,
	/// Funds unbonding, still on hold.
	pub unlocking: BoundedVec<UnlockChunk<T>, T::MaxUnlockingChunks>,
	/// Whether it takes no new work.
	pub chilled: bool,
}

/// An operator of the runtime's configuration.
pub type OperatorOf<T> = Operator<T>;

impl<T: Config> Operator<T> {
	/// Bonded plus unbonding: what the bond hold must equal.
	pub fn total_held(&self) -> BalanceOf<T> {
		self.unlocking.iter().fold(self.bonded, |sum, chunk| sum.saturating_add(chunk.value))
	}
}

/// An operator as clients see it (through the `OperatorsApi` runtime API).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct OperatorView<Balance, BlockNumber> {
	/// The roles it registered for.
	pub roles: RoleSet,
	/// The roles it is active for now (bonded enough, not chilled).
	pub active_roles: RoleSet,
	/// Its name.
	pub name: Vec<u8>,
	/// Its endpoint.
	pub endpoint: Vec<u8>,
	/// The active bond.
	pub bonded: Balance,
	/// Unbonding chunks: amount and unlock block.
	pub unlocking: Vec<(Balance, BlockNumber)>,
	/// Whether it takes no new work.
	pub chilled: bool,
	/// What it declares it can do.
	pub capabilities: CapabilitiesView,
}
