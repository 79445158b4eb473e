//! # Models pallet
//!
//! The model registry of Verity.
//!
//! ## Overview
//!
//! A job on Verity asks for one model to be run on one input. This pallet keeps the models:
//! each is identified by the blake2-256 hash of its ONNX bytes ([`ModelId`]) and records where
//! workers fetch those bytes, the shapes of its input and output, the price of a job, the owner's
//! royalty, the verification modes it supports and, for `Zk` models, the Groth16 verifying key
//! that proofs of its inferences are checked against. Other pallets read it through
//! [`ModelInspect`]; clients through the `ModelsApi` runtime API
//! (`pallet-models-runtime-api`).
//!
//! ## Terms
//!
//! - *Model id*: the blake2-256 hash of the model's ONNX bytes. The registry does not see the
//!   bytes: workers hash what they fetch and refuse bytes whose hash differs, so a wrong URI
//!   makes a model unusable, never a different one.
//! - *URI*: where the bytes are fetched: `http://…`, `https://…`, or `blob:…` for the node's own
//!   store.
//! - *Deposit*: [`Config::ModelDeposit`] held from the owner ([`HoldReason::ModelDeposit`]) for
//!   each model in the registry, paying for its storage; released when the model is reaped.
//! - *Retired*: a model that takes no new jobs. It stays in the registry, with its key and its
//!   deposit, so jobs in flight still settle and pay the royalty.
//! - *Reaped*: a retired model with no open jobs ([`Config::Usage`]) may be removed by anyone:
//!   its entry, key and registry slot are freed and the deposit returns to the owner. Until
//!   then its id cannot be registered again. The registry's cap counts what is stored, so
//!   registering and retiring in a loop costs a deposit each time and never closes it for good.
//! - *Tolerance*: how far apart, element by element, two outputs of the model may be and still
//!   count as one answer in a `Consensus` round or a challenge ([`Tolerances`]): units in the
//!   last place for `f32` outputs, the difference of the values for integer ones; zero (the
//!   default) asks for the same bytes. Its owner sets it while the model has no open work.
//! - *Verifying key*: the Groth16 key of the model's circuit. Its bytes are checked on entry by
//!   [`Config::KeyCheck`] (the settlement pallet's deserializer in the runtime). Each key set is
//!   numbered ([`KeyVersions`]); a `Zk` job pins the number at submission, so a key replaced
//!   while the job runs cannot get its worker slashed.
//! - *Key setup* ([`KeySetups`], [`KeySetup`]): where the key came from. A key sealed by the
//!   settlement pallet's multi-party ceremony ([`CeremonyKeys::install`]) records the hashes of
//!   its phase-1 and phase-2 transcripts and its number of contributors. A key its owner set
//!   ([`KeySetup::Owner`]) came from a setup the owner ran alone, and the owner can forge its
//!   proofs: owners may set keys only on chains whose genesis allows it ([`OwnerKeys`],
//!   development chains).
//!
//! ## Usage
//!
//! `register_model(hash, uri, io, price, royalty, modes)`; for a `Zk` model,
//! a ceremony sealing its key (or, where [`OwnerKeys`] allows, `set_verifying_key(model, vk)`)
//! before `Zk` jobs can be paid; `set_price(model, price)` to
//! change the price of new jobs; `retire_model(model)` to stop new jobs, then
//! `reap_model(model)` once its jobs are done to free the slot and get the deposit back.
//! Governance ([`Config::AdminOrigin`]) may `force_retire_model` any model.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use alloc::vec::Vec;
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate, MutateHold},
	tokens::Precision,
	Get,
};
use sp_runtime::{traits::Zero, Perbill};
use verity_primitives::{
	KeySetup, ModeSet, ModelId, ModelInspect, ModelTerms, ModelUsage, VerificationMode,
};

const LOG_TARGET: &str = "runtime::models";

/// The URI schemes a model may be fetched from.
const URI_SCHEMES: [&[u8]; 3] = [b"http://", b"https://", b"blob:"];

/// How verifying keys are checked when they are set.
///
/// This pallet only stores a key's bytes: what makes a key valid belongs to whoever verifies
/// proofs with it. `pallet-settlement` implements this trait (Groth16 keys on BLS12-381,
/// deserialized with validation) and the runtime plugs it in as [`Config::KeyCheck`]; until
/// then `()` accepts any non-empty bytes. The check runs inside `set_verifying_key`, so its cost
/// must be covered by that call's weight: benchmark the pallet with the runtime's check.
pub trait VerifyingKeyCheck {
	/// Whether `vk` is a well-formed key. Called with non-empty bytes, at most
	/// [`Config::MaxKeyLen`] of them.
	fn check(vk: &[u8]) -> bool;

	/// A key that passes [`Self::check`], as long as possible but at most `len` bytes; the
	/// benchmarks set it.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_key(len: u32) -> Vec<u8> {
		alloc::vec![1u8; len as usize]
	}
}

/// What the setup ceremony (the settlement pallet) needs of the registry.
pub trait CeremonyKeys<AccountId> {
	/// The owner of `model` if it is registered, not retired and supports `Zk` jobs: a model
	/// whose key a ceremony may make.
	fn zk_owner(model: &ModelId) -> Option<AccountId>;

	/// Installs the key a ceremony sealed for `model`, as its next version, recording `setup`.
	/// Checked as a key its owner sets is (but for the owner), so it may fail.
	fn install(
		model: ModelId,
		vk: Vec<u8>,
		setup: KeySetup,
	) -> frame_support::dispatch::DispatchResult;

	/// Registers a `Zk` model of `owner`'s (funding the deposit): the ceremony's benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_model(owner: &AccountId) -> ModelId;
}

/// Accepts any non-empty bytes: keys are not validated.
impl VerifyingKeyCheck for () {
	fn check(vk: &[u8]) -> bool {
		!vk.is_empty()
	}
}

// FRAME's pallet macros expand to `expect` (storage prefixes, error metadata); the code written
// here has none outside the genesis build, where a bad chain spec must stop the node.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The token model deposits are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;

		/// What is held from the owner for each active model.
		#[pallet::constant]
		type ModelDeposit: Get<BalanceOf<Self>>;

		/// Who may retire any model (governance).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// How verifying keys are checked on entry (the settlement pallet's check in the
		/// runtime; `()` accepts any non-empty bytes).
		type KeyCheck: VerifyingKeyCheck;

		/// How many open jobs a model has (the job market); a model is reaped only without any.
		type Usage: ModelUsage;

		/// Longest model URI, in bytes. At most [`MAX_URI_ARG_LEN`].
		#[pallet::constant]
		type MaxUriLen: Get<u32>;

		/// Longest verifying key, in bytes.
		#[pallet::constant]
		type MaxKeyLen: Get<u32>;

		/// Most dimensions of an input or output tensor.
		#[pallet::constant]
		type MaxShapeDims: Get<u32>;

		/// Most models the registry holds, retired ones included; bounds every iteration over
		/// the registry.
		#[pallet::constant]
		type MaxModels: Get<u32>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of an active model.
		#[codec(index = 0)]
		ModelDeposit,
	}

	/// The models, retired ones included. Keyed by model id: a hash of bytes users choose (and
	/// the id is not checked against any bytes on chain), so `Blake2_128Concat`.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, ModelOf<T>>;

	/// The verifying keys of `Zk` models. Keyed by model id, user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type VerifyingKeys<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, VerifyingKeyOf<T>>;

	/// How many keys were set for each model: the version of its current key. Keyed by model
	/// id, user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type KeyVersions<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, u32, ValueQuery>;

	/// How far apart, element by element, two outputs of each model may be and still count as
	/// one answer in a round (units in the last place for `f32` outputs, the difference of the
	/// values otherwise); zero, exact agreement, unless its owner set one. Keyed by model id,
	/// user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Tolerances<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, u32, ValueQuery>;

	/// Where each model's key came from. A key without an entry was set before setups were
	/// recorded, by its owner. Keyed by model id, user-chosen: `Blake2_128Concat`.
	#[pallet::storage]
	pub type KeySetups<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, KeySetup>;

	/// Whether owners may set their models' keys themselves ([`KeySetup::Owner`]), from a setup
	/// they ran alone: true on development chains only (genesis); elsewhere keys come only from
	/// the ceremony.
	#[pallet::storage]
	pub type OwnerKeys<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// How many models [`Models`] holds, at most [`Config::MaxModels`].
	#[pallet::storage]
	pub type ModelCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Models at genesis: id, owner, URI, I/O shapes, price, royalty, modes. They are
		/// registered as by `register_model`: the owner must be able to pay the deposit.
		pub models: Vec<(ModelId, T::AccountId, Vec<u8>, IoView, BalanceOf<T>, Perbill, ModeSet)>,
		/// Verifying keys at genesis, set as by their owner's `set_verifying_key` (whether or
		/// not `owner_keys` is set: the chain spec is trusted) and recorded as
		/// [`KeySetup::Owner`].
		pub verifying_keys: Vec<(ModelId, Vec<u8>)>,
		/// Whether owners may set their models' keys ([`OwnerKeys`]).
		pub owner_keys: bool,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		#[allow(clippy::expect_used)]
		fn build(&self) {
			for (model, owner, uri, io, price, royalty, modes) in &self.models {
				let io = IoSpecOf::<T>::from_view(io)
					.expect("genesis model's shapes have at most MaxShapeDims dimensions");
				Pallet::<T>::do_register(*model, owner, uri, io, *price, *royalty, *modes)
					.expect("genesis model registers");
			}
			for (model, vk) in &self.verifying_keys {
				let owner = Models::<T>::get(model)
					.map(|entry| entry.owner)
					.expect("a genesis key's model is registered at genesis");
				let vk = VerifyingKeyOf::<T>::try_from(vk.clone())
					.expect("a genesis key has at most MaxKeyLen bytes");
				Pallet::<T>::do_set_key(&owner, *model, vk).expect("a genesis key is valid");
			}
			OwnerKeys::<T>::put(self.owner_keys);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `owner` registered `model`.
		ModelRegistered { model: ModelId, owner: T::AccountId },
		/// A verifying key was set for `model`: by its owner, or sealed by the ceremony.
		VerifyingKeySet {
			/// The model.
			model: ModelId,
			/// Where the key came from.
			setup: KeySetup,
		},
		/// `model` was retired: it takes no new jobs.
		ModelRetired { model: ModelId },
		/// `model` was removed from the registry with its key; `deposit` returned to `owner`.
		ModelReaped { model: ModelId, owner: T::AccountId, deposit: BalanceOf<T> },
		/// The owner of `model` set the price of its jobs.
		PriceSet { model: ModelId, price: BalanceOf<T> },
		/// The owner set how far apart two outputs of the model may be and still agree.
		ToleranceSet {
			/// The model.
			model: ModelId,
			/// The greatest distance between two elements (see [`Tolerances`]).
			max_distance: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		UnknownModel,
		/// The caller does not own the model.
		NotOwner,
		/// A model with this id is already registered (possibly retired).
		AlreadyRegistered,
		/// The URI is not `http://…`, `https://…` or `blob:…` with something after the scheme,
		/// or it has bytes other than visible ASCII.
		InvalidUri,
		/// The URI is longer than [`Config::MaxUriLen`].
		UriTooLong,
		/// No verification mode was given.
		NoModes,
		/// A tensor has no dimension, a zero dimension, or more elements than fit in a `u32`.
		InvalidIoSpec,
		/// The registry already holds [`Config::MaxModels`] models.
		TooManyModels,
		/// The owner's free balance cannot cover the deposit.
		InsufficientBalance,
		/// The model is retired.
		Retired,
		/// The model is already retired.
		AlreadyRetired,
		/// The model does not support `Zk` jobs, so it takes no verifying key.
		ZkNotSupported,
		/// The verifying key is empty.
		EmptyKey,
		/// The verifying key failed [`Config::KeyCheck`].
		InvalidKey,
		/// Only a retired model can be reaped.
		NotRetired,
		/// The model still has open jobs.
		InUse,
		/// A counter overflowed.
		Overflow,
		/// The key is the one already set (setting it again would only move its version, and
		/// refund the model's `Zk` jobs in flight).
		KeyUnchanged,
		/// This chain takes keys only from the setup ceremony, not from owners.
		OwnerKeysDisabled,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(
				T::MaxUriLen::get() <= MAX_URI_ARG_LEN,
				"MaxUriLen must not exceed the call argument's bound"
			);
			assert!(T::MaxShapeDims::get() > 0, "a tensor needs at least one dimension");
			assert!(T::MaxKeyLen::get() > 0, "a verifying key needs at least one byte");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the model whose ONNX bytes hash (blake2-256) to `hash`, owned by the caller.
		///
		/// - **Dispatch origin**: signed; the caller becomes the owner.
		/// - **Details**: holds [`Config::ModelDeposit`] from the caller until the model is
		///   reaped. `uri` says where workers fetch the bytes; they refuse bytes with another
		///   hash. `io` gives the input and output tensors, `price` the base price of a job,
		///   `royalty` the owner's share of every fee, `modes` how jobs may be verified (a `Zk`
		///   model also needs [`Pallet::set_verifying_key`]). An id is registered once: a
		///   retired model keeps it until it is reaped.
		/// - **Errors**: [`Error::UriTooLong`], [`Error::InvalidUri`], [`Error::NoModes`],
		///   [`Error::InvalidIoSpec`], [`Error::AlreadyRegistered`], [`Error::TooManyModels`],
		///   [`Error::InsufficientBalance`].
		/// - **Events**: [`Event::ModelRegistered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model())]
		pub fn register_model(
			origin: OriginFor<T>,
			hash: ModelId,
			uri: UriInput,
			io: IoSpecOf<T>,
			#[pallet::compact] price: BalanceOf<T>,
			royalty: Perbill,
			modes: ModeSet,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_register(hash, &owner, &uri, io, price, royalty, modes)
		}

		/// Set the Groth16 verifying key of `model`, replacing any earlier one.
		///
		/// - **Dispatch origin**: signed, the model's owner.
		/// - **Details**: only on chains whose genesis allows owner keys ([`OwnerKeys`]: the
		///   owner ran the setup alone and can forge proofs, so the key is recorded as
		///   [`KeySetup::Owner`]); elsewhere keys come from the settlement pallet's ceremony.
		///   Only for models that support `Zk`. The bytes are checked by
		///   [`Config::KeyCheck`] before they are stored: in the runtime that is the settlement
		///   pallet, which verifies proofs with the key (it deserializes and validates it); the
		///   `()` check accepts any non-empty bytes. The key gets the next version number; jobs
		///   submitted before keep the version they pinned (their proofs are not checked against
		///   the new key). Setting the current key again is refused.
		/// - **Errors**: [`Error::OwnerKeysDisabled`], [`Error::UnknownModel`],
		///   [`Error::NotOwner`], [`Error::Retired`], [`Error::ZkNotSupported`],
		///   [`Error::EmptyKey`], [`Error::InvalidKey`], [`Error::KeyUnchanged`],
		///   [`Error::Overflow`].
		/// - **Events**: [`Event::VerifyingKeySet`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_verifying_key(vk.len() as u32))]
		pub fn set_verifying_key(
			origin: OriginFor<T>,
			model: ModelId,
			vk: VerifyingKeyOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			frame_support::ensure!(OwnerKeys::<T>::get(), Error::<T>::OwnerKeysDisabled);
			Self::do_set_key(&who, model, vk)
		}

		/// Retire `model`: it takes no new jobs.
		///
		/// - **Dispatch origin**: signed, the model's owner.
		/// - **Details**: the model stays in the registry, with its key and deposit, so jobs in
		///   flight still settle and pay the royalty; [`Pallet::reap_model`] removes it once they
		///   are done.
		/// - **Errors**: [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::AlreadyRetired`].
		/// - **Events**: [`Event::ModelRetired`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_retire(model, Some(&who))
		}

		/// Set the base price of new jobs for `model`.
		///
		/// - **Dispatch origin**: signed, the model's owner.
		/// - **Details**: jobs already submitted keep the fee they escrowed.
		/// - **Errors**: [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::Retired`].
		/// - **Events**: [`Event::PriceSet`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			model: ModelId,
			#[pallet::compact] price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut entry = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(entry.owner == who, Error::<T>::NotOwner);
			ensure!(!entry.retired, Error::<T>::Retired);
			entry.price = price;
			Models::<T>::insert(model, entry);
			Self::deposit_event(Event::PriceSet { model, price });
			Ok(())
		}

		/// Set how far apart, element by element, two outputs of `model` may be and still count
		/// as one answer in a `Consensus` round or a challenge: `max_distance` units in the last
		/// place for `f32` outputs, the difference of the values for integer outputs; zero
		/// (the default) asks for the same bytes.
		///
		/// - **Dispatch origin**: signed, the model's owner.
		/// - **Details**: only while the model has no open work (jobs or challenges), so no
		///   round is judged by another tolerance than the one it started under.
		/// - **Errors**: [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::Retired`],
		///   [`Error::InUse`].
		/// - **Events**: [`Event::ToleranceSet`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_tolerance())]
		pub fn set_tolerance(
			origin: OriginFor<T>,
			model: ModelId,
			max_distance: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let entry = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(entry.owner == who, Error::<T>::NotOwner);
			ensure!(!entry.retired, Error::<T>::Retired);
			ensure!(T::Usage::open_jobs(&model) == 0, Error::<T>::InUse);
			Tolerances::<T>::insert(model, max_distance);
			Self::deposit_event(Event::ToleranceSet { model, max_distance });
			Ok(())
		}

		/// Retire any model, as [`Pallet::retire_model`] does for its owner.
		///
		/// - **Dispatch origin**: [`Config::AdminOrigin`].
		/// - **Errors**: [`Error::UnknownModel`], [`Error::AlreadyRetired`].
		/// - **Events**: [`Event::ModelRetired`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::force_retire_model())]
		pub fn force_retire_model(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_retire(model, None)
		}

		/// Remove a retired model with no open jobs: its entry, key and registry slot are freed
		/// and its deposit returns to the owner. The id may then be registered again.
		///
		/// - **Dispatch origin**: signed; anyone (the owner gets the deposit).
		/// - **Errors**: [`Error::UnknownModel`], [`Error::NotRetired`], [`Error::InUse`].
		/// - **Events**: [`Event::ModelReaped`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reap_model())]
		pub fn reap_model(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			ensure_signed(origin)?;
			let entry = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(entry.retired, Error::<T>::NotRetired);
			ensure!(T::Usage::open_jobs(&model) == 0, Error::<T>::InUse);
			let deposit = Self::release_deposit(&model, &entry);
			Models::<T>::remove(model);
			VerifyingKeys::<T>::remove(model);
			KeySetups::<T>::remove(model);
			KeyVersions::<T>::remove(model);
			Tolerances::<T>::remove(model);
			ModelCount::<T>::mutate(|count| *count = count.saturating_sub(1));
			Self::deposit_event(Event::ModelReaped { model, owner: entry.owner, deposit });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Whether `uri` is `http://…`, `https://…` or `blob:…` with something after the scheme, in
	/// visible ASCII only (no spaces or control bytes).
	pub fn is_valid_uri(uri: &[u8]) -> bool {
		uri.iter().all(u8::is_ascii_graphic)
			&& URI_SCHEMES
				.iter()
				.any(|scheme| uri.strip_prefix(*scheme).is_some_and(|rest| !rest.is_empty()))
	}

	/// Registers `model` for `owner` and holds the deposit; every check comes before the first
	/// write. Used by `register_model` and the genesis config.
	pub(crate) fn do_register(
		model: ModelId,
		owner: &T::AccountId,
		uri: &[u8],
		io: IoSpecOf<T>,
		price: BalanceOf<T>,
		royalty: Perbill,
		modes: ModeSet,
	) -> frame_support::dispatch::DispatchResult {
		let uri: UriOf<T> = uri.to_vec().try_into().map_err(|_| Error::<T>::UriTooLong)?;
		frame_support::ensure!(Self::is_valid_uri(&uri), Error::<T>::InvalidUri);
		frame_support::ensure!(!modes.is_empty(), Error::<T>::NoModes);
		frame_support::ensure!(io.is_valid(), Error::<T>::InvalidIoSpec);
		frame_support::ensure!(!Models::<T>::contains_key(model), Error::<T>::AlreadyRegistered);
		let count = ModelCount::<T>::get();
		frame_support::ensure!(count < T::MaxModels::get(), Error::<T>::TooManyModels);
		let count = count.checked_add(1).ok_or(Error::<T>::TooManyModels)?;
		let deposit = T::ModelDeposit::get();

		if !deposit.is_zero() {
			T::Currency::hold(&HoldReason::ModelDeposit.into(), owner, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		Models::<T>::insert(
			model,
			Model {
				owner: owner.clone(),
				uri,
				io,
				price,
				royalty,
				modes,
				deposit,
				retired: false,
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		ModelCount::<T>::put(count);
		Self::deposit_event(Event::ModelRegistered { model, owner: owner.clone() });
		Ok(())
	}

	/// Releases the deposit of `model` (`entry`) to its owner; returns what was released.
	fn release_deposit(model: &ModelId, entry: &ModelOf<T>) -> BalanceOf<T> {
		if entry.deposit.is_zero() {
			return Zero::zero();
		}
		// Nothing else touches this hold, so the whole deposit is there; best effort keeps
		// reaping possible should it ever not be.
		let released = T::Currency::release(
			&HoldReason::ModelDeposit.into(),
			&entry.owner,
			entry.deposit,
			Precision::BestEffort,
		)
		.unwrap_or_else(|_| Zero::zero());
		if released != entry.deposit {
			log::warn!(
				target: LOG_TARGET,
				"model {model:?}: released {released:?} of a {:?} deposit",
				entry.deposit
			);
		}
		released
	}

	/// Retires `model`, by its owner `caller` or, with `None`, by the admin origin.
	fn do_retire(
		model: ModelId,
		caller: Option<&T::AccountId>,
	) -> frame_support::dispatch::DispatchResult {
		let mut entry = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
		if let Some(who) = caller {
			frame_support::ensure!(entry.owner == *who, Error::<T>::NotOwner);
		}
		frame_support::ensure!(!entry.retired, Error::<T>::AlreadyRetired);
		entry.retired = true;
		Models::<T>::insert(model, entry);
		Self::deposit_event(Event::ModelRetired { model });
		Ok(())
	}

	/// `model` as clients see it.
	pub fn model_view(model: &ModelId) -> Option<ModelViewOf<T>> {
		Models::<T>::get(model).map(|entry| Self::to_view(model, entry))
	}

	/// Every model, retired ones included, ordered by id. At most [`Config::MaxModels`].
	pub fn models() -> Vec<(ModelId, ModelViewOf<T>)> {
		let mut models: Vec<(ModelId, ModelViewOf<T>)> = Models::<T>::iter()
			.map(|(model, entry)| {
				let view = Self::to_view(&model, entry);
				(model, view)
			})
			.collect();
		models.sort_by_key(|(model, _)| *model);
		models
	}

	/// Sets the key of `model` for its owner `who` (the call and genesis).
	pub(crate) fn do_set_key(
		who: &T::AccountId,
		model: ModelId,
		vk: VerifyingKeyOf<T>,
	) -> frame_support::dispatch::DispatchResult {
		let entry = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
		frame_support::ensure!(entry.owner == *who, Error::<T>::NotOwner);
		Self::do_install(model, entry, vk, KeySetup::Owner)
	}

	/// Installs `vk` as the next key of `model` (registered as `entry`), made by `setup`.
	fn do_install(
		model: ModelId,
		entry: ModelOf<T>,
		vk: VerifyingKeyOf<T>,
		setup: KeySetup,
	) -> frame_support::dispatch::DispatchResult {
		frame_support::ensure!(!entry.retired, Error::<T>::Retired);
		frame_support::ensure!(
			entry.modes.supports(VerificationMode::Zk),
			Error::<T>::ZkNotSupported
		);
		frame_support::ensure!(!vk.is_empty(), Error::<T>::EmptyKey);
		frame_support::ensure!(T::KeyCheck::check(&vk), Error::<T>::InvalidKey);
		frame_support::ensure!(
			VerifyingKeys::<T>::get(model).is_none_or(|current| current != vk),
			Error::<T>::KeyUnchanged
		);
		let version = KeyVersions::<T>::get(model).checked_add(1).ok_or(Error::<T>::Overflow)?;
		VerifyingKeys::<T>::insert(model, vk);
		KeyVersions::<T>::insert(model, version);
		KeySetups::<T>::insert(model, setup);
		Self::deposit_event(Event::VerifyingKeySet { model, setup });
		Ok(())
	}

	/// Where the key of `model` came from, if it has one.
	pub fn key_setup(model: &ModelId) -> Option<KeySetup> {
		VerifyingKeys::<T>::contains_key(model)
			.then(|| KeySetups::<T>::get(model).unwrap_or(KeySetup::Owner))
	}

	/// The verifying key of `model`, if one is set.
	pub fn verifying_key(model: &ModelId) -> Option<Vec<u8>> {
		VerifyingKeys::<T>::get(model).map(|vk| vk.into_inner())
	}

	fn to_view(model: &ModelId, entry: ModelOf<T>) -> ModelViewOf<T> {
		ModelView {
			owner: entry.owner,
			uri: entry.uri.into_inner(),
			io: entry.io.to_view(),
			price: entry.price,
			royalty: entry.royalty,
			modes: entry.modes,
			deposit: entry.deposit,
			retired: entry.retired,
			registered_at: entry.registered_at,
			has_key: VerifyingKeys::<T>::contains_key(model),
			key_setup: Self::key_setup(model),
		}
	}

	/// Checks the pallet's invariants:
	/// - [`ModelCount`] is the number of models, at most [`Config::MaxModels`];
	/// - every model has a valid URI, I/O spec and mode set;
	/// - every owner's [`HoldReason::ModelDeposit`] hold equals the sum of the deposits of its
	///   models, retired ones included;
	/// - every verifying key, and every key version, belongs to a registered model that supports
	///   `Zk`;
	/// - every key setup belongs to a model with a key.
	///
	/// Compiled into native builds (so the tests of neighbouring pallets and of the runtime can
	/// check it) and into try-runtime builds.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::ensure;
		use sp_runtime::traits::Saturating;

		let mut count = 0u32;
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (_, entry) in Models::<T>::iter() {
			count = count.saturating_add(1);
			ensure!(Self::is_valid_uri(&entry.uri), "model with an invalid URI");
			ensure!(entry.io.is_valid(), "model with an invalid I/O spec");
			ensure!(!entry.modes.is_empty(), "model without modes");
			let sum = deposits.entry(entry.owner).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(entry.deposit);
		}
		ensure!(count == ModelCount::<T>::get(), "model count out of step");
		ensure!(count <= T::MaxModels::get(), "more models than MaxModels");
		for (owner, sum) in deposits {
			let held = T::Currency::balance_on_hold(&HoldReason::ModelDeposit.into(), &owner);
			ensure!(held == sum, "deposit hold differs from the owner's model deposits");
		}
		for (model, vk) in VerifyingKeys::<T>::iter() {
			let entry = Models::<T>::get(model).ok_or("verifying key of an unknown model")?;
			ensure!(entry.modes.supports(VerificationMode::Zk), "verifying key of a non-Zk model");
			ensure!(!vk.is_empty(), "empty verifying key");
		}
		for (model, _) in KeySetups::<T>::iter() {
			ensure!(VerifyingKeys::<T>::contains_key(model), "key setup without a key");
		}
		for (model, _) in KeyVersions::<T>::iter() {
			ensure!(Models::<T>::contains_key(model), "key version of an unknown model");
		}
		Ok(())
	}
}

impl<T: Config> ModelInspect<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn terms(model: &ModelId) -> Option<ModelTerms<T::AccountId, BalanceOf<T>>> {
		Models::<T>::get(model).map(|entry| ModelTerms {
			owner: entry.owner,
			price: entry.price,
			royalty: entry.royalty,
			modes: entry.modes,
			active: !entry.retired,
			input_len: entry.io.input.byte_len(),
			input_elements: entry.io.input.element_count(),
			input_element: entry.io.input.dtype.element(),
			output_elements: entry.io.output.element_count(),
			output_len: entry.io.output.byte_len(),
			has_key: VerifyingKeys::<T>::contains_key(model),
			key_version: KeyVersions::<T>::get(model),
			tolerance: verity_primitives::Tolerance {
				element: entry.io.output.dtype.element(),
				max_distance: Tolerances::<T>::get(model),
			},
		})
	}

	fn verifying_key(model: &ModelId) -> Option<Vec<u8>> {
		Self::verifying_key(model)
	}
}

impl<T: Config> CeremonyKeys<T::AccountId> for Pallet<T> {
	fn zk_owner(model: &ModelId) -> Option<T::AccountId> {
		Models::<T>::get(model)
			.filter(|entry| !entry.retired && entry.modes.supports(VerificationMode::Zk))
			.map(|entry| entry.owner)
	}

	fn install(
		model: ModelId,
		vk: Vec<u8>,
		setup: KeySetup,
	) -> frame_support::dispatch::DispatchResult {
		let entry = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
		let vk = VerifyingKeyOf::<T>::try_from(vk).map_err(|_| Error::<T>::InvalidKey)?;
		Self::do_install(model, entry, vk, setup)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_model(owner: &T::AccountId) -> ModelId {
		use sp_runtime::traits::Saturating;
		let model = ModelId([0xce; 32]);
		let deposit = T::Currency::minimum_balance().saturating_add(T::ModelDeposit::get());
		T::Currency::set_balance(owner, deposit.saturating_mul(10u32.into()));
		let tensor = TensorView { dtype: DType::I8, shape: alloc::vec![4] };
		let io = IoView { input: tensor.clone(), output: tensor };
		let zk = ModeSet { fast: false, zk: true, consensus: false };
		if let Some(io) = IoSpecOf::<T>::from_view(&io) {
			let _ = Self::do_register(
				model,
				owner,
				b"blob:ceremony",
				io,
				Zero::zero(),
				Perbill::zero(),
				zk,
			);
		}
		model
	}
}
