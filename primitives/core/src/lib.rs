//! # Verity primitives
//!
//! Types shared by the runtime, the node and the clients: the account and balance types, the
//! block number, the constants of the VRT token, the typed ids (models, jobs), roles and
//! verification modes, and the small traits through which Verity's pallets meet
//! ([`Slash`], [`RoleInspect`], [`ModelInspect`]). Everything here is `no_std`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;

mod feeds;
pub use feeds::{
	feed_tensor, FeedError, FeedId, FeedInspect, FeedReading, FeedValue, MAX_FEED_DECIMALS,
};

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// A block number.
pub type BlockNumber = u32;

/// The signature scheme of the chain's accounts.
pub type Signature = MultiSignature;

/// An account's public identity: 32 bytes, derived from the signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An amount of VRT in its smallest unit (1 VRT = 10^12 units).
pub type Balance = u128;

/// An account's transaction counter.
pub type Nonce = u32;

/// A hash of a block or of a piece of data.
pub type Hash = sp_core::H256;

/// The VRT token: symbol, decimals and the usual multiples.
pub mod currency {
	use super::Balance;

	/// The token symbol shown by wallets.
	pub const TOKEN_SYMBOL: &str = "VRT";
	/// Decimal places of one VRT.
	pub const TOKEN_DECIMALS: u8 = 12;
	/// One VRT in its smallest unit.
	pub const UNIT: Balance = 1_000_000_000_000;
	/// A thousandth of a VRT.
	pub const MILLI_UNIT: Balance = UNIT / 1_000;
	/// A millionth of a VRT.
	pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
	/// The least balance an account must hold to exist.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
	/// The SS58 prefix of Verity addresses (the generic Substrate prefix).
	pub const SS58_PREFIX: u16 = 42;
}

/// Block times.
pub mod time {
	use super::BlockNumber;

	/// The target time between two blocks.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
	/// The Aura slot: one block a slot.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks a minute.
	#[allow(clippy::arithmetic_side_effects)]
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks an hour.
	#[allow(clippy::arithmetic_side_effects)]
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks a day.
	#[allow(clippy::arithmetic_side_effects)]
	pub const DAYS: BlockNumber = HOURS * 24;
}

/// A role an operator bonds VRT for. One account may hold several.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Role {
	/// Orders and finalizes blocks (Aura + GRANDPA), chosen per session by bond.
	Validator,
	/// Runs models for jobs in its off-chain worker.
	Inference,
	/// Re-executes jobs and attests their outputs.
	Verifier,
	/// Feeds outside data into the oracle.
	Oracle,
}

impl Role {
	/// Every role, in a fixed order.
	pub const ALL: [Role; 4] = [Role::Validator, Role::Inference, Role::Verifier, Role::Oracle];

	const fn bit(self) -> u8 {
		match self {
			Role::Validator => 0b0001,
			Role::Inference => 0b0010,
			Role::Verifier => 0b0100,
			Role::Oracle => 0b1000,
		}
	}
}

/// A set of roles, stored as one byte.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct RoleSet(u8);

impl RoleSet {
	/// The set of `roles`.
	pub fn of(roles: &[Role]) -> Self {
		Self(roles.iter().fold(0, |bits, role| bits | role.bit()))
	}

	/// Whether `role` is in the set.
	pub fn contains(self, role: Role) -> bool {
		self.0 & role.bit() != 0
	}

	/// Whether the set is empty.
	pub fn is_empty(self) -> bool {
		self.0 == 0
	}

	/// Whether the set has bits that name no role (a malformed set from outside).
	pub fn is_valid(self) -> bool {
		self.0 & !RoleSet::of(&Role::ALL).0 == 0
	}

	/// The set without `role`.
	pub fn without(self, role: Role) -> Self {
		Self(self.0 & !role.bit())
	}

	/// The roles in the set, in [`Role::ALL`] order.
	pub fn iter(self) -> impl Iterator<Item = Role> {
		Role::ALL.into_iter().filter(move |role| self.contains(*role))
	}
}

/// A model's id: the blake2-256 hash of its ONNX bytes.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[repr(transparent)]
pub struct ModelId(pub [u8; 32]);

impl From<[u8; 32]> for ModelId {
	fn from(hash: [u8; 32]) -> Self {
		Self(hash)
	}
}

/// Why an operator's bond was slashed.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum SlashReason {
	/// A worker missed a job's deadline.
	MissedDeadline,
	/// A worker's result or proof was wrong.
	BadResult,
	/// A verifier attested against the settled majority.
	WrongAttestation,
	/// An oracle operator fed a value that was disputed.
	BadFeed,
	/// Governance slashed the operator.
	Governance,
	/// A worker declined a job it had held for a while (the longer, the more it costs).
	LateDecline,
	/// A validator equivocated (signed two blocks for one slot, or two votes in one GRANDPA
	/// round), as reported through the offences pallet.
	Equivocation,
}

/// How other pallets take an operator's bond: only bonded (held) funds, never free balance, and
/// never more than is bonded. Slashed funds go to the treasury, unless the caller names who they
/// pay first.
pub trait Slash<AccountId, Balance> {
	/// Slashes up to `amount` of `who`'s bond; returns what was taken.
	fn slash(who: &AccountId, amount: Balance, reason: SlashReason) -> Balance;
	/// Slashes `fraction` of `who`'s bond (bonded and unbonding); returns what was taken.
	fn slash_fraction(
		who: &AccountId,
		fraction: sp_runtime::Perbill,
		reason: SlashReason,
	) -> Balance;
	/// As [`Slash::slash_fraction`], but what is taken pays each of `payees` up to its amount,
	/// in order, while it lasts, and only the rest goes to the treasury (an upheld challenge
	/// repays the requester and pays the judges and the challenger out of the worker's slash).
	fn slash_fraction_paying(
		who: &AccountId,
		fraction: sp_runtime::Perbill,
		reason: SlashReason,
		payees: &[(AccountId, Balance)],
	) -> Balance;
}

/// What an operator declares it can do.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Encode,
	Decode,
	TypeInfo,
	Debug,
	Default,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct CapabilitiesView {
	/// The models it serves.
	pub models: Vec<ModelId>,
	/// How many jobs it runs at once.
	pub max_concurrent_jobs: u32,
	/// Whether it has an accelerator.
	pub accelerator: bool,
}

/// How other pallets read operators.
pub trait RoleInspect<AccountId, Balance> {
	/// Whether `who` is registered for `role`, bonded at least the role's minimum, and not chilled.
	fn is_active(who: &AccountId, role: Role) -> bool;
	/// `who`'s active bond (zero for a stranger).
	fn bond_of(who: &AccountId) -> Balance;
	/// `who`'s declared capabilities.
	fn capabilities(who: &AccountId) -> Option<CapabilitiesView>;
	/// Active inference operators that serve `model`, with their bond and declared concurrency,
	/// in a deterministic order.
	fn eligible_for_model(model: &ModelId) -> Vec<(AccountId, Balance, u32)>;
	/// As [`Self::eligible_for_model`], and how many operators it looked through to find them
	/// (eligible or not): what the search cost, for weights.
	fn eligible_for_model_counted(model: &ModelId) -> (Vec<(AccountId, Balance, u32)>, u32) {
		let eligible = Self::eligible_for_model(model);
		let count = u32::try_from(eligible.len()).unwrap_or(u32::MAX);
		(eligible, count)
	}
	/// Active operators of `role` that declare they serve `model`, with their bond and declared
	/// concurrency, in a deterministic order, and how many operators the search looked through
	/// (eligible or not). `Inference` gives [`Self::eligible_for_model_counted`]; `Verifier`
	/// the operators that may re-execute the model's jobs.
	fn serving_model(model: &ModelId, role: Role) -> (Vec<(AccountId, Balance, u32)>, u32);
	/// The operator `worker` signs market work for, if an operator named it its worker.
	fn operator_of_worker(worker: &AccountId) -> Option<AccountId>;
}

/// A job's id: jobs are numbered from zero in the order they were submitted.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[repr(transparent)]
pub struct JobId(pub u64);

impl JobId {
	/// The id after this one, `None` when the counter is exhausted.
	pub fn next(self) -> Option<Self> {
		self.0.checked_add(1).map(Self)
	}
}

/// How a job's result is verified before it is paid.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum VerificationMode {
	/// Accepted on submission and paid at once.
	Fast,
	/// Paid once a Groth16 proof of the inference verifies on chain.
	Zk,
	/// Paid once a majority of `k` verifiers re-executed the job and attested the same output.
	Consensus(u8),
}

/// The verification modes a model supports.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct ModeSet {
	/// `Fast` jobs.
	pub fast: bool,
	/// `Zk` jobs (the model needs a verifying key).
	pub zk: bool,
	/// `Consensus(k)` jobs (the model must be deterministic: an integer model).
	pub consensus: bool,
}

impl ModeSet {
	/// Only `Fast`.
	pub const FAST: ModeSet = ModeSet { fast: true, zk: false, consensus: false };

	/// Whether `mode` is in the set.
	pub fn supports(self, mode: VerificationMode) -> bool {
		match mode {
			VerificationMode::Fast => self.fast,
			VerificationMode::Zk => self.zk,
			VerificationMode::Consensus(_) => self.consensus,
		}
	}

	/// Whether the set is empty.
	pub fn is_empty(self) -> bool {
		!(self.fast || self.zk || self.consensus)
	}
}

/// Where a model's verifying key came from: what a requester checks before trusting a `Zk`
/// job's proof, since whoever knows a key's setup secrets can prove any output.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum KeySetup {
	/// Set by the model's owner from a setup it ran alone: the owner can forge proofs. Only
	/// chains that allow owner keys (development ones) take these.
	Owner,
	/// Sealed by the chain's multi-party ceremony: sound if one contributor of each phase was
	/// honest.
	Ceremony {
		/// The hash of the sealed phase-1 transcript (powers of tau).
		phase1: Hash,
		/// The hash of the model's final phase-2 transcript (its proving key).
		phase2: Hash,
		/// How many distinct accounts contributed to the model's phase 2.
		contributors: u32,
	},
}

/// What a job market needs to know of a model.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ModelTerms<AccountId, Balance> {
	/// Who registered it; receives the royalty.
	pub owner: AccountId,
	/// The base price of one job.
	pub price: Balance,
	/// The owner's share of every fee paid for the model.
	pub royalty: sp_runtime::Perbill,
	/// The verification modes it supports.
	pub modes: ModeSet,
	/// Whether it takes new jobs (not retired).
	pub active: bool,
	/// How many bytes an inline input must have: the input tensor's element count times its
	/// element size (`None` if that does not fit a `u32`, so no input fits).
	pub input_len: Option<u32>,
	/// The input tensor's element count: the bytes of a `Zk` job's input, one `i8` each.
	pub input_elements: Option<u32>,
	/// The input tensor's element type (how oracle feeds are encoded into it).
	pub input_element: Element,
	/// The output tensor's element count: the bytes of a `Zk` job's output, one `i8` each.
	pub output_elements: Option<u32>,
	/// How many bytes a `Fast` output must have: the output tensor's element count times its
	/// element size (`None` if that does not fit a `u32`).
	pub output_len: Option<u32>,
	/// Whether a verifying key is set, so `Zk` jobs can be settled.
	pub has_key: bool,
	/// Which key it is: counts the keys set for the model (0 for a key set before keys were
	/// counted). A `Zk` job pins it at submission and is verified only against that key.
	pub key_version: u32,
	/// How closely two outputs must agree to count as one answer in a round.
	pub tolerance: Tolerance,
}

/// A tensor's element type, as the chain reads outputs and encodes oracle feeds.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	Default,
)]
pub enum Element {
	/// 32-bit IEEE floats, little-endian.
	#[default]
	F32,
	/// 8-bit signed integers.
	I8,
	/// 32-bit signed integers, little-endian.
	I32,
}

/// How closely two outputs of a model must agree, element by element, for a round to count them
/// as one answer: float models run on other hardware may differ in the last bits. The default
/// is exact agreement.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	Default,
)]
pub struct Tolerance {
	/// How the output's bytes are read.
	pub element: Element,
	/// The greatest distance allowed between two elements: in units in the last place for
	/// `F32` (the count of floats between them), as the difference of the values otherwise.
	/// Zero: the outputs must be the same bytes.
	pub max_distance: u32,
}

impl Tolerance {
	/// Whether outputs `a` and `b` agree: the same length, and every pair of elements within
	/// `max_distance` (a NaN agrees only with the same bytes).
	pub fn agree(&self, a: &[u8], b: &[u8]) -> bool {
		if a.len() != b.len() {
			return false;
		}
		if self.max_distance == 0 || a == b {
			return a == b;
		}
		let limit = u64::from(self.max_distance);
		match self.element {
			Element::I8 => a.iter().zip(b).all(|(x, y)| {
				i64::from(i8::from_le_bytes([*x])).abs_diff(i64::from(i8::from_le_bytes([*y])))
					<= limit
			}),
			Element::I32 | Element::F32 => {
				if !a.len().is_multiple_of(4) {
					return false;
				}
				let word = |chunk: &[u8]| <[u8; 4]>::try_from(chunk).unwrap_or_default();
				a.chunks_exact(4).zip(b.chunks_exact(4)).all(|(x, y)| {
					let (x, y) = (word(x), word(y));
					match self.element {
						Element::F32 => f32_distance(x, y).is_some_and(|d| d <= limit),
						_ => {
							i64::from(i32::from_le_bytes(x))
								.abs_diff(i64::from(i32::from_le_bytes(y)))
								<= limit
						},
					}
				})
			},
		}
	}
}

/// The count of `f32` values from `x` to `y` (little-endian bytes), `None` if either is NaN and
/// they are not the same bytes. Integer arithmetic only: the same on every machine.
fn f32_distance(x: [u8; 4], y: [u8; 4]) -> Option<u64> {
	if x == y {
		return Some(0);
	}
	let is_nan = |bits: u32| bits & 0x7f80_0000 == 0x7f80_0000 && bits & 0x007f_ffff != 0;
	let (x, y) = (u32::from_le_bytes(x), u32::from_le_bytes(y));
	if is_nan(x) || is_nan(y) {
		return None;
	}
	// Floats in the order of their values, as integers: negative ones mirrored below zero.
	let ordered = |bits: u32| -> i64 {
		let magnitude = i64::from(bits & 0x7fff_ffff);
		if bits & 0x8000_0000 != 0 {
			magnitude.saturating_neg()
		} else {
			magnitude
		}
	};
	Some(ordered(x).abs_diff(ordered(y)))
}

/// How other pallets read models.
pub trait ModelInspect<AccountId, Balance> {
	/// The terms of `model`, `None` if it was never registered.
	fn terms(model: &ModelId) -> Option<ModelTerms<AccountId, Balance>>;

	/// The verifying key of `model` (checked when it was set), if any.
	fn verifying_key(model: &ModelId) -> Option<alloc::vec::Vec<u8>>;
}

/// How the model registry asks the job market whether a model is still in use.
pub trait ModelUsage {
	/// How many open jobs `model` has.
	fn open_jobs(model: &ModelId) -> u32;
}

/// No market: no model is ever in use.
impl ModelUsage for () {
	fn open_jobs(_: &ModelId) -> u32 {
		0
	}
}

/// The digest that binds a `Zk` proof to one job and its worker: a proof made for one job, or
/// by another worker, does not verify for this one.
pub fn zk_binding<AccountId: Encode>(job: JobId, worker: &AccountId) -> [u8; 32] {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash_of(&(b"verity/zk-binding", job, worker)).0
}

/// Why a proof was not accepted.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum ProofError {
	/// The stored key cannot be used with this job (it takes another number of public inputs,
	/// or does not decode). Not the worker's fault.
	KeyMismatch,
	/// The proof's bytes are not a valid (uncompressed) proof.
	MalformedProof,
	/// The proof does not verify: the output, the job or the model is not what it claims.
	Invalid,
}

/// Verifies `Zk` proofs (implemented by `pallet-settlement`).
pub trait VerifyProof<AccountId> {
	/// Whether `proof` shows that the model of `key` gives `output` on `input` (`i8` bytes),
	/// for `job` run by `worker`.
	fn verify(
		job: JobId,
		worker: &AccountId,
		key: &[u8],
		input: &[u8],
		output: &[u8],
		proof: &[u8],
	) -> Result<(), ProofError>;

	/// The most [`Self::verify`] costs for a job of `input_len` input and `output_len` output
	/// bytes.
	fn verify_weight(input_len: u32, output_len: u32) -> sp_runtime::Weight;

	/// Whether every proof of `items` (job, worker, input, output, proof), all under `key`,
	/// verifies, checked together with one multi-pairing (a `ProofVerified` event each if so).
	/// `Err(Invalid)` says that at least one does not: verify them one by one to find which.
	fn verify_batch(key: &[u8], items: &[ProofItem<'_, AccountId>]) -> Result<(), ProofError>;

	/// The most [`Self::verify_batch`] costs for `count` proofs of `input_len` input and
	/// `output_len` output bytes.
	fn verify_batch_weight(count: u32, input_len: u32, output_len: u32) -> sp_runtime::Weight;
}

/// One proof of a batch: job, worker, input, output, proof.
pub type ProofItem<'a, AccountId> = (JobId, &'a AccountId, &'a [u8], &'a [u8], &'a [u8]);

#[cfg(test)]
mod tests {
	use super::*;

	fn f32s(values: &[f32]) -> Vec<u8> {
		values.iter().flat_map(|v| v.to_le_bytes()).collect()
	}

	#[test]
	fn exact_tolerance_is_byte_equality() {
		let exact = Tolerance::default();
		assert!(exact.agree(&f32s(&[1.0, 2.0]), &f32s(&[1.0, 2.0])));
		let next = f32::from_bits(1.0f32.to_bits() + 1);
		assert!(!exact.agree(&f32s(&[1.0, 2.0]), &f32s(&[next, 2.0])));
		assert!(!exact.agree(&f32s(&[1.0]), &f32s(&[1.0, 2.0])));
	}

	#[test]
	fn f32_outputs_agree_within_units_in_the_last_place() {
		let two = Tolerance { element: Element::F32, max_distance: 2 };
		let up = |v: f32, n: u32| f32::from_bits(v.to_bits() + n);
		assert!(two.agree(&f32s(&[1.0, -3.5]), &f32s(&[up(1.0, 2), up(-3.5, 1)])));
		assert!(!two.agree(&f32s(&[1.0]), &f32s(&[up(1.0, 3)])));
		// Across zero: the smallest positive and negative floats are two steps apart.
		let tiny = f32::from_bits(1);
		assert!(two.agree(&f32s(&[tiny]), &f32s(&[-tiny])));
		assert!(two.agree(&f32s(&[0.0]), &f32s(&[-0.0])));
		// A NaN agrees with nothing but its own bytes.
		assert!(!two.agree(&f32s(&[f32::NAN]), &f32s(&[1.0])));
		assert!(two.agree(&f32s(&[f32::NAN]), &f32s(&[f32::NAN])));
		// Bytes that are not whole floats never agree loosely.
		assert!(!two.agree(&[1, 2, 3], &[1, 2, 4]));
	}

	#[test]
	fn integer_outputs_agree_within_their_difference() {
		let one = Tolerance { element: Element::I8, max_distance: 1 };
		assert!(one.agree(&[0x7f, 0x80], &[0x7e, 0x81]));
		assert!(!one.agree(&[0x7f], &[0x80]), "127 and -128 are 255 apart");
		let i32s = |v: &[i32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
		let three = Tolerance { element: Element::I32, max_distance: 3 };
		assert!(three.agree(&i32s(&[-1, 1000]), &i32s(&[2, 997])));
		assert!(!three.agree(&i32s(&[i32::MIN]), &i32s(&[i32::MAX])));
	}

	#[test]
	fn role_sets_hold_exactly_their_roles() {
		let set = RoleSet::of(&[Role::Inference, Role::Oracle]);
		assert!(set.contains(Role::Inference) && set.contains(Role::Oracle));
		assert!(!set.contains(Role::Validator) && !set.contains(Role::Verifier));
		assert_eq!(set.iter().collect::<Vec<_>>(), vec![Role::Inference, Role::Oracle]);
		assert!(RoleSet::default().is_empty());
		assert!(RoleSet::of(&Role::ALL).is_valid());
		assert!(!RoleSet(0b1_0000).is_valid());
	}

	#[test]
	fn role_sets_round_trip_through_scale() {
		let set = RoleSet::of(&Role::ALL);
		assert_eq!(RoleSet::decode(&mut &set.encode()[..]).ok(), Some(set));
		assert_eq!(set.encode(), vec![0b1111]);
	}
}
