//! # Inference pallet
//!
//! Verity's job market: a requester pays VRT to run a registered model on an input and gets the
//! result on chain.
//!
//! ## Overview
//!
//! `submit_job(model, input, mode, max_fee)` puts `max_fee` on hold ([`HoldReason::JobEscrow`])
//! and assigns the job to an eligible `Inference` operator. The worker delivers with
//! `submit_result`; in `Fast` mode the result is accepted at once and the fee is split between the
//! worker, the model owner (royalty) and the treasury, the rest of `max_fee` going back to the
//! requester. A worker that misses its deadline loses part of its bond (through [`Slash`]) and the
//! job is reassigned once, then refunded. **Every job ends in exactly one terminal state,
//! `Settled` or `Refunded`, and its escrow is either paid out or returned in full**; the
//! requester's money is never slashed.
//!
//! ## Hardening: who can hurt whom
//!
//! - *Cancelling* is allowed only in the block the worker was assigned (before it could have
//!   seen the job) or once its deadline has passed without a result (the worker is then slashed
//!   as for a missed deadline). A result waits in the transaction pool in clear text; a
//!   requester who could cancel in between would read it and pay nothing.
//! - *Declining* is free in the block after assignment (a worker that cannot load the model
//!   says so at once); later it costs the decliner [`MarketParams::missed_deadline_slash`] in
//!   proportion to the part of its execution period it held the job, so holding jobs and
//!   declining at the last block costs about what missing the deadline does.
//!   [`MarketParams::max_concurrent_jobs`] caps what one worker may hold.
//! - *Storage*: each job holds [`Config::JobDeposit`] from its requester until it is pruned,
//!   so jobs of zero-price models still pay for the storage they take. Pruning is scheduled;
//!   if the queues around the pruning block are full, anyone may `prune_job` once the
//!   retention period is over.
//! - *Keys*: a `Zk` job pins the version of the model's verifying key at submission. A key
//!   replaced while the job runs refunds the job ([`RefundReason::KeyChanged`]) and slashes
//!   nobody: an owner cannot get an honest worker slashed by front-running its proof.
//! - *Outputs*: a `Fast` output must have the byte length of the model's output tensor.
//! - *A requester that is also the job's worker* pays itself the worker's share; the royalty
//!   and the treasury's share still leave its escrow, and a missed deadline slashes its bond
//!   like anyone's. Nothing is gained by it.
//!
//! ## Terms
//!
//! - *Escrow*: the job's `max_fee`, held from the requester while the job is open.
//! - *Fee*: what the job costs, fixed at submission: the model's price times the mode's factor
//!   (`Fast` 1, `Zk` [`MarketParams::zk_price_factor`], `Consensus(k)` 1 + k).
//! - *Eligible operator*: active for the `Inference` role, declares it serves the model, runs
//!   fewer jobs than its declared concurrency, and (on reassignment) is not the worker that failed.
//! - *Deadline*: the block from which the current worker's result is too late:
//!   [`MarketParams::execution_period`] blocks after its assignment.
//!
//! - *Feeds input*: `JobInput::Feeds(ids)`, one input element a feed. At submission the feeds'
//!   current combined values are read through [`Config::Feeds`] (refused if unknown, without a
//!   value, or stale) and frozen: the job keeps them in [`JobFeeds`] (value, decimals,
//!   timestamp and block of each) and its input becomes their encoding
//!   (`verity_primitives::feed_tensor`: `f32` values, or the raw integers for `i8`/`i32`
//!   inputs and for every `Zk` job). From then on the job is like any other: the worker, the
//!   verifiers and a `Zk` proof's public inputs all see those bytes, so a settled result is
//!   about exactly the oracle's values.
//!
//! ## Assignment
//!
//! Among the eligible operators, one is picked with probability proportional to its bond. The
//! random number is `blake2_256(parent block hash ‖ job id ‖ attempt)`: anyone can recompute the
//! pick. It spreads load by stake, but it is not unpredictable: the requester knows the seed
//! before submitting and can shift it (by submitting at another block, or after filler jobs it
//! cancels, paying their transaction fees), so a requester colluding with one operator can steer
//! its jobs there; the author of the previous block can influence it too. The pick is always
//! among bonded, eligible operators, and a wrong `Zk`/`Consensus` result is caught by
//! verification, not by the pick. A VRF-based source (e.g. BABE's) can replace the seed behind
//! the same function.
//!
//! ## Deadlines
//!
//! Each job's deadline (and, once finished, its pruning after
//! [`MarketParams::retention_period`]) is an entry in a queue indexed by block, [`Deadlines`],
//! of at most [`Pallet::queue_capacity`] entries: [`Config::MaxDeadlinesPerBlock`], or what one
//! block's deadline weight works through if fewer (a full queue sends new entries to the next
//! blocks, then [`Error::MarketBusy`]). `on_initialize` works through the queues from
//! [`DeadlineCursor`] under a weight meter of [`Config::MaxDeadlineWeight`]: an entry is started
//! only with room for the worst case ([`Pallet::worst_entry`]: a missed deadline, a slash and a
//! reassignment) and charged what it turned out to cost — the deadline of a job answered in
//! time is one read, a pruning a few writes. What is left is carried over to the next block, so
//! no block does more than its share and no deadline is skipped; a block of missed deadlines
//! is worked off over the following blocks.
//!
//! ## Batches
//!
//! `submit_jobs` submits up to [`Config::MaxJobBatch`] jobs of one model in one extrinsic and
//! `submit_results` answers as many: the model, the operators and each account are read and
//! written once per batch, not once per job, which is what lets a block hold a thousand jobs
//! (see `docs/performance.md`).
//!
//! ## Modes
//!
//! - `Fast` settles on the worker's result (`submit_result`); it can be challenged and audited
//!   afterwards (see *Challenges and audits*).
//! - `Zk` needs a model with a verifying key. Its input is the model's quantized input, one `i8`
//!   byte an element; the worker answers with `submit_proof(job, output, proof)`, the `i8`
//!   output and a Groth16 proof bound to the job and the worker. [`Config::Verifier`]
//!   (`pallet-settlement`) checks it: the job settles if it verifies; if not, the worker loses
//!   [`MarketParams::bad_proof_slash`] of its bond and the job is refunded. A malformed proof is
//!   an error that changes nothing; a missed deadline is handled as for `Fast`.
//! - `Consensus(k)` (`k` odd, at most [`Config::MaxVerifiers`]) draws `k` verifiers besides the
//!   worker (see *Consensus*).
//!
//! ## Consensus
//!
//! The worker and `k` verifiers (active `Verifier` operators that declare the model, drawn by
//! bond without replacement and never the worker, from `blake2_256(parent ‖ job ‖ "verifier" ‖
//! i)`) form the job's [`Round`]. Each member `commit`s to [`commitment`]`(job, output, salt,
//! account)` within [`MarketParams::execution_period`] blocks; reveals open once every member
//! committed or that period is over, and last another period (the job's `deadline`). The
//! commitment binds the member's account, so a copied commitment cannot be revealed by the
//! copier, and nothing is revealed before the commits are in. Outputs are compared within the
//! model's tolerance (`ModelTerms::tolerance`, exact unless its owner declared one, and fixed
//! while the model has open work): the output most members agree with, if a quorum does,
//! settles the job, and the members whose outputs agree with it are its majority.
//! The round closes at the reveal that leaves nobody to wait for, or at the deadline:
//!
//! - a strict majority of the `k + 1` members revealed one output (the *quorum*,
//!   `⌊(k + 1)/2⌋ + 1`): the job settles on it; the owner's royalty and the treasury's share
//!   are paid as for any job, and the rest (what a `Fast` worker gets) is shared equally among
//!   the members, each part paid if its member agreed; members outside the majority are
//!   slashed, [`MarketParams::bad_proof_slash`] for another output or a commitment they did not
//!   reveal, [`MarketParams::missed_deadline_slash`] for no commitment; their parts stay with
//!   the requester;
//! - otherwise (a tie, too few reveals) the job is refunded ([`RefundReason::NoQuorum`]) and
//!   only the members who did not reveal are slashed.
//!
//! A round is not reassigned, cannot be declined (a member that cannot run the model stays
//! silent and pays the no-show's slash), and can be cancelled only in its first block. Its
//! requester (or the operator whose worker key it is) is never one of its members, and its
//! storage deposit is [`Config::JobDeposit`] for each member (the round keeps up to one output
//! a member). What remains possible: a requester that bribes a member (or is one under
//! another name) can force a refund when `k = 1` (both members must agree) and read the
//! revealed outputs for free; the bribed member is not slashed if it revealed. Larger `k`
//! needs more members bribed.
//!
//! ## Challenges and audits
//!
//! A `Fast` result is paid at once but may be challenged for
//! [`MarketParams::challenge_period`] blocks after its settlement, once, by its requester or by
//! any active verifier other than its worker (or the worker account a verifier named, which
//! then bonds from its own balance, never its operator's): `challenge(job)` holds a bond of a
//! run's pay (the fee, at least [`Config::JobDeposit`]) for each of
//! [`MarketParams::challenge_verifiers`] judges. The judges are drawn in the next block (the
//! challenge's deadline entry), by bond among the verifiers serving the model (never the
//! worker, the requester or the challenger), from `blake2_256(parent hash ‖ job ‖ "challenge"
//! ‖ i)`: the hash of a block built after the challenge was sent, so a challenger cannot know
//! its judges before it bonds, nor shop for them (only that block's author could sway the
//! draw, by withholding the block). A challenge counts in its model's [`ModelJobs`], so the
//! model cannot be reaped under it. The judges re-run the job in a [`Round`] without the worker
//! (commit, then reveal, an execution period each; the job's `deadline` moves to the round's
//! end). When it closes, judges outside its majority are slashed as in a `Consensus` round,
//! and:
//!
//! - a majority revealed another output (**upheld**): the worker loses
//!   [`MarketParams::bad_proof_slash`] of its bond, paid straight out of its bond hold (one
//!   `Slashed` event): the requester gets back what the job cost, each agreeing judge a run's
//!   pay, the challenger as much as its bond (which returns), and the treasury the rest; the
//!   job's output becomes the majority's;
//! - a majority revealed the worker's output (**rejected**): the bond pays each agreeing
//!   verifier a run, the rest returns to the challenger;
//! - no majority (or too few verifiers left to draw): the bond returns.
//!
//! An **audit** picks a settled `Fast` job with probability [`MarketParams::audit_fraction`]
//! when its deadline entry is worked (from the parent hash of that block, which the worker could
//! not know when it answered), and draws a verifier (never the worker or the requester) as its
//! [`Audits`] auditor; the auditor re-runs the job off chain and challenges a result it finds
//! wrong. Colluding verifiers drawn as a challenge's majority can uphold a false challenge; they
//! cannot choose their draws, and the challenger's gain is bounded (the job's cost back, its
//! bond again, the agreeing judges' runs) against a bond lost when the judges are honest: with
//! three judges it pays only above about 40 % of the verifiers' stake.
//!
//! ## Subscriptions
//!
//! Recurring inference over oracle feeds: `subscribe(model, feeds, mode, period, runs,
//! max_fee)` holds every run's `max_fee` and job deposit at once, and from the next block on,
//! every `period` blocks, `on_initialize` opens a job on the feeds' values of that block, as
//! `submit_job` would for the requester (`SubscriptionRan { subscription, job }`), in
//! `on_finalize`, so feeds are judged fresh by the block's own timestamp. A run the market
//! refuses is skipped: its `max_fee` is returned and its job deposit goes to the treasury
//! (`SubscriptionRunSkipped`; otherwise a subscription over a feed nobody reports would hold
//! its slots in the run queues for free); a refusal no later block can mend (the model retired,
//! a feed removed) ends the subscription and returns the rest (`SubscriptionEnded`), as does
//! its last run. `cancel_subscription` returns the
//! runs to come. A block opens at most [`Config::MaxRunsPerBlock`] runs (a run due in a full
//! block waits for the next with room, up to sixteen blocks), each charged as a worst-case
//! submission, so the work of a block stays bounded.
//!
//! ## Invariants (checked by [`Pallet::do_try_state`] after every test and under try-runtime)
//!
//! - every requester's [`HoldReason::JobEscrow`] hold equals the `max_fee` of its open jobs,
//!   and its [`HoldReason::JobDeposit`] hold the deposits of its kept jobs;
//! - every open job has a deadline entry in the queue at or after the cursor, its worker's load
//!   counts it, and so does its model's [`ModelJobs`]; no queue is left behind the cursor;
//! - [`NextJobId`] is above every job id; the indexes [`WorkerJobs`] and [`RequesterJobs`] match
//!   the jobs, both ways;
//! - every `Consensus` job has its [`Round`] (and no other job has one): `k + 1` distinct
//!   members, the worker first, its commits ending before the job's deadline, open exactly
//!   while the job is open, each verifier in
//!   [`VerifierJobs`] and counted in its load while it is; every revealed output is voted for
//!   and stored once; a settled round's output is the one its majority revealed;
//! - every challenge is of a settled `Fast` job; an open one has a deadline entry and counts
//!   in its model's [`ModelJobs`]; once drawn, its judges are distinct, never the worker, the
//!   requester or the challenger, each in [`VerifierJobs`] and counted in its load while the
//!   round is open, and its outcome matches the round's majority (an upheld challenge gave the
//!   job the majority's output); each challenger's [`HoldReason::ChallengeBond`] hold equals
//!   the bonds of its open challenges; every audit is of a settled, unchallenged `Fast` job,
//!   and [`AuditorJobs`] matches [`Audits`] both ways; the parameters are valid;
//! - every stored input is inline (feeds are frozen at submission); [`JobFeeds`] only for kept
//!   jobs, and a feeds job's input is the encoding of the values it froze;
//! - every subscription has a run to come and waits in exactly one queue, that of its next run,
//!   after the current block; no queue names a subscription that is gone; each requester's
//!   [`HoldReason::SubscriptionEscrow`] hold equals what its subscriptions' runs to come take
//!   (`max_fee` and deposit a run); [`RequesterSubscriptions`] matches both ways.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

mod assignment;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod challenges;
mod consensus;
mod deadlines;
mod escrow;
pub mod migrations;
#[cfg(test)]
mod mock;
mod subscriptions;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use alloc::vec::Vec;
use codec::Encode;
use escrow::{tally, Closing};
use frame_support::{
	dispatch::DispatchResult,
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
	weights::Weight,
};
use frame_system::{
	ensure_signed,
	pallet_prelude::{BlockNumberFor, OriginFor},
};
use sp_runtime::{
	traits::{CheckedMul, One, Saturating, UniqueSaturatedInto, Zero},
	BoundedVec, DispatchError,
};
use verity_primitives::{
	Element, FeedError, FeedInspect, JobId, ModelId, ModelInspect, ModelTerms, ModelUsage,
	ProofError, Role, RoleInspect, Slash, SlashReason, VerificationMode, VerifyProof,
};

/// The most proofs one `submit_proofs` carries: its worst case (the largest inputs and outputs,
/// every proof checked again alone) must fit one extrinsic (a runtime test checks it).
pub const MAX_PROOF_BATCH: u32 = 4;

const LOG_TARGET: &str = "runtime::inference";

/// What the benchmarks need from the model registry and the operators, which this pallet only
/// knows through read traits.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Registers a model (supporting `Fast` and `Consensus`) owned by `owner`, numbered `seed`,
	/// taking inputs of [`Config::MaxInputLen`] bytes and giving outputs of `output_len` bytes
	/// (`i8`) compared within a tolerance of one; returns its id.
	fn register_model(owner: &AccountId, seed: u32, output_len: u32) -> ModelId;
	/// Makes `who` (funded) an active inference operator serving `model`, taking many jobs.
	fn register_worker(who: &AccountId, model: ModelId);
	/// Makes `who` (funded) an active verifier operator serving `model`, taking many jobs;
	/// `false` if the role is full (a chain's genesis may hold verifiers already).
	fn register_verifier(who: &AccountId, model: ModelId) -> bool;
	/// Registers a model (supporting `Fast`) owned by `owner`, numbered `seed`, whose input is
	/// `feeds` `f32` elements; returns its id.
	fn register_feeds_model(owner: &AccountId, seed: u32, feeds: u32) -> ModelId;
	/// Makes a feed numbered `index` exist with a fresh value; returns its id.
	fn fresh_feed(index: u32) -> FeedId;
}

/// How many later blocks `schedule` tries when a block's deadline queue is full.
const SCHEDULE_SPREAD: u32 = 16;

// FRAME's pallet macros expand to `expect` (storage prefixes, error metadata); the code written
// here has none outside the genesis build, where a bad chain spec must stop the node.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;

	/// The in-code storage version: 1 added the jobs' assignment block, pinned key version and
	/// deposit, and the concurrency ceiling of the parameters ([`crate::migrations::v1`]); 2
	/// the parameters of challenges and audits ([`crate::migrations::v2`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The token jobs are paid in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;

		/// The model registry.
		type Models: ModelInspect<Self::AccountId, BalanceOf<Self>>;

		/// The operators: who may run a model, and whose bond a missed deadline costs.
		type Operators: RoleInspect<Self::AccountId, BalanceOf<Self>>
			+ Slash<Self::AccountId, BalanceOf<Self>>;

		/// Receives the treasury's share of fees.
		#[pallet::constant]
		type Treasury: Get<Self::AccountId>;

		/// Held from the requester for each job until it is pruned: pays for the job's storage.
		#[pallet::constant]
		type JobDeposit: Get<BalanceOf<Self>>;

		/// Who may change the market parameters (governance).
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The longest inline input, in bytes.
		#[pallet::constant]
		type MaxInputLen: Get<u32>;

		/// The longest output, in bytes.
		#[pallet::constant]
		type MaxOutputLen: Get<u32>;

		/// The most oracle feeds one job may read.
		#[pallet::constant]
		type MaxFeeds: Get<u32>;

		/// Where `Feeds` inputs read the oracle's values (`pallet-feeds`).
		type Feeds: verity_primitives::FeedInspect<BlockNumberFor<Self>>;

		/// The most runs one subscription may buy.
		#[pallet::constant]
		type MaxRuns: Get<u32>;

		/// The most subscription runs due in one block (a block's queue); bounds the work of
		/// `on_initialize`.
		#[pallet::constant]
		type MaxRunsPerBlock: Get<u32>;

		/// The most operators that may serve one model (the operators pallet's bound on a role);
		/// bounds the work of an assignment.
		#[pallet::constant]
		type MaxOperators: Get<u32>;

		/// The most deadline entries one block's queue holds.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// The most weight deadline processing may take in one block. Each entry is charged
		/// what it cost; an entry is started only with room for the worst case
		/// ([`Pallet::worst_entry`]), and what does not fit waits for the next block.
		#[pallet::constant]
		type MaxDeadlineWeight: Get<Weight>;

		/// The most jobs one `submit_jobs` submits and one `submit_results` answers.
		#[pallet::constant]
		type MaxJobBatch: Get<u32>;

		/// The most verifiers a `Consensus(k)` job may ask for (`k` is odd and at most this).
		#[pallet::constant]
		type MaxVerifiers: Get<u32>;

		/// Checks the proofs of `Zk` jobs (`pallet-settlement`).
		type Verifier: VerifyProof<Self::AccountId>;

		/// Weights of the calls and of deadline processing.
		type WeightInfo: WeightInfo;

		/// Sets up models and operators for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A job's escrow, held from its requester while the job is open.
		#[codec(index = 0)]
		JobEscrow,
		/// A job's storage deposit, held from its requester until the job is pruned.
		#[codec(index = 1)]
		JobDeposit,
		/// A challenge's bond, held from its challenger while the verifiers re-run the job.
		#[codec(index = 2)]
		ChallengeBond,
		/// A subscription's escrow: the `max_fee` and deposit of each run still to come.
		#[codec(index = 3)]
		SubscriptionEscrow,
	}

	/// The jobs, open and recently finished. `Twox64Concat`: ids are a counter the pallet
	/// assigns, nobody can choose them to unbalance the trie.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// The open jobs of each worker (what a worker polls). Accounts are user-chosen
	/// (`Blake2_128Concat`); job ids are pallet-assigned (`Twox64Concat`).
	#[pallet::storage]
	pub type WorkerJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, (), OptionQuery>;

	/// How many open jobs each worker has (compared with its declared concurrency).
	/// `Blake2_128Concat`: accounts are user-chosen.
	#[pallet::storage]
	pub type WorkerLoad<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The kept jobs of each requester. Accounts are user-chosen (`Blake2_128Concat`); job ids are
	/// pallet-assigned (`Twox64Concat`).
	#[pallet::storage]
	pub type RequesterJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, (), OptionQuery>;

	/// Jobs to look at in each block: deadlines of open jobs and pruning of finished ones.
	/// `Twox64Concat`: block numbers are not user-chosen.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxDeadlinesPerBlock>,
		ValueQuery,
	>;

	/// How many open jobs each model has (a model with open jobs cannot be reaped). Model ids are
	/// hashes of user-supplied bytes: `Blake2_128Concat`.
	#[pallet::storage]
	pub type ModelJobs<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, u32, ValueQuery>;

	/// The first block whose deadline queue has not been worked through.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The rounds of `Consensus` jobs, kept with their jobs. `Twox64Concat`: ids are
	/// pallet-assigned.
	#[pallet::storage]
	pub type Rounds<T: Config> = StorageMap<_, Twox64Concat, JobId, RoundOf<T>>;

	/// The open `Consensus` jobs each verifier must commit and reveal in (what a verifier
	/// polls). Accounts are user-chosen (`Blake2_128Concat`); job ids are pallet-assigned
	/// (`Twox64Concat`).
	#[pallet::storage]
	pub type VerifierJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, (), OptionQuery>;

	/// The market parameters (governable).
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, MarketParamsOf<T>, ValueQuery>;

	/// The oracle values a `Feeds` job froze at submission, in the order it named the feeds:
	/// the provenance of its input, which holds their encoding. Kept with their jobs.
	/// `Twox64Concat`: ids are pallet-assigned.
	#[pallet::storage]
	pub type JobFeeds<T: Config> = StorageMap<_, Twox64Concat, JobId, FeedReadingsOf<T>>;

	/// The subscriptions with runs to come. `Twox64Concat`: ids are pallet-assigned.
	#[pallet::storage]
	pub type Subscriptions<T: Config> =
		StorageMap<_, Twox64Concat, SubscriptionId, SubscriptionOf<T>>;

	/// The id the next subscription gets.
	#[pallet::storage]
	pub type NextSubscriptionId<T: Config> = StorageValue<_, SubscriptionId, ValueQuery>;

	/// The subscriptions whose next run is due in each block, at most
	/// [`Config::MaxRunsPerBlock`]. `Twox64Concat`: block numbers are not chosen by users.
	#[pallet::storage]
	pub type SubscriptionQueue<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<SubscriptionId, T::MaxRunsPerBlock>,
		ValueQuery,
	>;

	/// The subscriptions of each requester (an index over [`Subscriptions`]). Accounts are
	/// user-chosen (`Blake2_128Concat`); ids pallet-assigned (`Twox64Concat`).
	#[pallet::storage]
	pub type RequesterSubscriptions<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		SubscriptionId,
		(),
		OptionQuery,
	>;

	/// The challenges of settled `Fast` results, kept with their jobs (the verifiers' round is
	/// in [`Rounds`]). `Twox64Concat`: ids are pallet-assigned.
	#[pallet::storage]
	pub type Challenges<T: Config> = StorageMap<_, Twox64Concat, JobId, ChallengeOf<T>>;

	/// The auditor of each settled `Fast` job picked for an audit, until the job is challenged
	/// or pruned. `Twox64Concat`: ids are pallet-assigned.
	#[pallet::storage]
	pub type Audits<T: Config> = StorageMap<_, Twox64Concat, JobId, T::AccountId>;

	/// The jobs each verifier audits (what an auditor polls). Accounts are user-chosen
	/// (`Blake2_128Concat`); job ids are pallet-assigned (`Twox64Concat`).
	#[pallet::storage]
	pub type AuditorJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, (), OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The market parameters at genesis; the defaults if `None`.
		pub params: Option<MarketParamsOf<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = self.params {
				assert!(Pallet::<T>::params_valid(&params), "genesis market parameters are valid");
				Params::<T>::put(params);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A job was submitted, its escrow held, and `worker` assigned.
		JobSubmitted { job: JobId, model: ModelId, requester: T::AccountId, worker: T::AccountId },
		/// The worker delivered an output with this blake2-256 hash.
		ResultSubmitted { job: JobId, output_hash: [u8; 32] },
		/// The job was settled: `paid` left the escrow (worker, royalty, treasury), the rest
		/// returned to the requester.
		JobSettled { job: JobId, paid: BalanceOf<T> },
		/// The job's escrow returned to the requester in full.
		JobRefunded { job: JobId, reason: RefundReason },
		/// The job's worker failed (`from`) and `to` was assigned.
		JobReassigned { job: JobId, from: T::AccountId, to: T::AccountId },
		/// The worker declined the job.
		JobDeclined { job: JobId, worker: T::AccountId },
		/// Governance changed the market parameters.
		ParamsSet { params: MarketParamsOf<T> },
		/// A finished job was removed from storage and its deposit returned.
		JobPruned { job: JobId },
		/// A `Consensus` job's verifiers, or a challenge's judges, were drawn (a `Consensus`
		/// job's worker is in `JobSubmitted`).
		VerifiersAssigned {
			/// The job.
			job: JobId,
			/// Its verifiers, in the round's order.
			verifiers: Vec<T::AccountId>,
		},
		/// A member of a `Consensus` round committed to its output.
		Committed {
			/// The job.
			job: JobId,
			/// The member (the operator, not its worker key).
			who: T::AccountId,
		},
		/// A member of a `Consensus` round revealed its output.
		Revealed {
			/// The job.
			job: JobId,
			/// The member.
			who: T::AccountId,
			/// The blake2-256 hash of the output it revealed.
			output_hash: [u8; 32],
		},
		/// A strict majority of a `Consensus` round's members revealed one output, which
		/// settles the job.
		QuorumReached {
			/// The job.
			job: JobId,
			/// The blake2-256 hash of the agreed output.
			output_hash: [u8; 32],
			/// How many members revealed it.
			agreeing: u32,
		},
		/// A `Consensus` round closed without a majority: the job is refunded.
		Disputed {
			/// The job.
			job: JobId,
		},
		/// A settled `Fast` result was challenged; its judges are drawn in the next block
		/// (`VerifiersAssigned`) and re-run the job in a round.
		Challenged {
			/// The job.
			job: JobId,
			/// The requester or the verifier who challenged.
			challenger: T::AccountId,
			/// The bond held from the challenger.
			bond: BalanceOf<T>,
		},
		/// A challenge's verifiers revealed another output than the worker's: the worker was
		/// slashed, the requester repaid and the challenger rewarded.
		ChallengeUpheld {
			/// The job.
			job: JobId,
			/// The blake2-256 hash of the output the verifiers agreed on, now the job's.
			output_hash: [u8; 32],
			/// What the worker lost.
			slashed: BalanceOf<T>,
			/// What of it went back to the requester.
			refunded: BalanceOf<T>,
		},
		/// A challenge's verifiers revealed the worker's output: the bond paid them.
		ChallengeRejected {
			/// The job.
			job: JobId,
		},
		/// A challenge's round closed without a majority: the bond went back.
		ChallengeUndecided {
			/// The job.
			job: JobId,
		},
		/// A settled `Fast` job was picked for an audit: `auditor` re-runs it and challenges a
		/// wrong result.
		AuditAssigned {
			/// The job.
			job: JobId,
			/// The verifier who audits it.
			auditor: T::AccountId,
		},
		/// A subscription was created and its escrow held; its first run is due next block.
		Subscribed {
			/// Its id.
			subscription: SubscriptionId,
			/// Who pays.
			requester: T::AccountId,
			/// The model its jobs run.
			model: ModelId,
			/// How many runs it bought.
			runs: u32,
			/// Blocks between runs.
			period: BlockNumberFor<T>,
		},
		/// A subscription's run opened a job on the feeds' values of this block.
		SubscriptionRan {
			/// The subscription.
			subscription: SubscriptionId,
			/// The job.
			job: JobId,
		},
		/// The market refused a subscription's run: its `max_fee` went back to the requester,
		/// and its job deposit (`charged`) to the treasury, for the attempt.
		SubscriptionRunSkipped {
			/// The subscription.
			subscription: SubscriptionId,
			/// Why (`StaleFeed`, `NoEligibleOperator`, …).
			error: DispatchError,
			/// What the attempt cost the requester (nothing when the refusal ends the
			/// subscription).
			charged: BalanceOf<T>,
		},
		/// A subscription ran for the last time, or can no longer run (its model retired, a
		/// feed removed): it is removed and `refunded` went back to the requester.
		SubscriptionEnded {
			/// The subscription.
			subscription: SubscriptionId,
			/// What was left of its escrow.
			refunded: BalanceOf<T>,
		},
		/// The requester cancelled a subscription: `refunded` went back.
		SubscriptionCancelled {
			/// The subscription.
			subscription: SubscriptionId,
			/// What was left of its escrow.
			refunded: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		UnknownModel,
		/// The model is retired and takes no new jobs.
		ModelRetired,
		/// The model does not support this verification mode.
		ModeNotSupported,
		/// The model has no verifying key yet, so `Zk` jobs cannot be settled.
		NoVerifyingKey,
		/// The input is empty.
		EmptyInput,
		/// The input's length is not the byte length of the model's input tensor.
		InputSizeMismatch,
		/// A `Feeds` input names a feed that is not registered.
		UnknownFeed,
		/// `max_fee` is below the job's fee.
		MaxFeeTooLow,
		/// No operator can take the job now.
		NoEligibleOperator,
		/// The requester's free balance cannot cover `max_fee` and the job deposit.
		InsufficientBalance,
		/// The deadline queues around the job's deadline are full; try again in a few blocks.
		MarketBusy,
		/// No job has this id.
		UnknownJob,
		/// Only the assigned worker may do this.
		NotAssignedWorker,
		/// Only the requester may do this.
		NotRequester,
		/// The job already has a result.
		ResultAlreadySubmitted,
		/// The job has finished (settled or refunded).
		JobFinished,
		/// The worker's deadline has passed.
		DeadlinePassed,
		/// The output is empty.
		EmptyOutput,
		/// A `Zk` job settles on a proof (`submit_proof`), not on a bare result.
		ProofRequired,
		/// Only `Zk` jobs take proofs.
		NotZkJob,
		/// The output's length is not that of the model's output tensor (its bytes for `Fast`,
		/// its element count for `Zk`).
		OutputSizeMismatch,
		/// A batch (of jobs, results or proofs) is empty.
		EmptyBatch,
		/// A batch of results or proofs mixes models (one batch has one model's owner and key).
		MixedModels,
		/// A batch of results or proofs names a job twice.
		DuplicateJob,
		/// The proof's bytes are not a valid (uncompressed, 384-byte) Groth16 proof.
		MalformedProof,
		/// The model's verifying key does not fit its input and output (a bad registration, not
		/// the worker's fault: the worker should decline the job).
		KeyMismatch,
		/// The parameters are inconsistent (a zero period, shares above 100 %, a zero factor).
		InvalidParams,
		/// A counter or an amount overflowed.
		Overflow,
		/// The job is still open.
		JobOpen,
		/// A job may be cancelled only in the block its worker was assigned, or once its
		/// deadline has passed without a result.
		TooEarlyToCancel,
		/// The job's retention period is not over.
		TooEarlyToPrune,
		/// The model's output is longer than [`Config::MaxOutputLen`]: no result could be
		/// delivered.
		OutputTooLong,
		/// `k` of `Consensus(k)` must be odd and at most [`Config::MaxVerifiers`].
		InvalidVerifierCount,
		/// Fewer than `k` verifiers (other than the worker and the requester) can take the job
		/// now.
		NotEnoughVerifiers,
		/// Only `Consensus` jobs have rounds to commit and reveal in.
		NotConsensusJob,
		/// A `Consensus` job is answered by `commit` and `reveal`, not by a result or a decline.
		CommitRequired,
		/// The caller is not a member (the worker or a verifier) of the job's round.
		NotMember,
		/// The member already committed.
		AlreadyCommitted,
		/// The round's commits are over.
		CommitPeriodOver,
		/// Reveals open once every member committed or the commits are over.
		RevealTooEarly,
		/// The member did not commit, so it has nothing to reveal.
		NotCommitted,
		/// The member already revealed.
		AlreadyRevealed,
		/// The output and salt do not hash to the member's commitment.
		CommitmentMismatch,
		/// Only a settled `Fast` job's result can be challenged.
		NotChallengeable,
		/// The job's challenge period is over.
		ChallengePeriodOver,
		/// The job was challenged already.
		AlreadyChallenged,
		/// Only the requester or an active verifier (not the job's worker) may challenge.
		NotChallenger,
		/// A `Feeds` input names a feed that has no combined value yet.
		NoFeedValue,
		/// A `Feeds` input names a feed whose value is older than the feeds' greatest age.
		StaleFeed,
		/// A feed's value does not fit the model's input element (an `i8` or `i32` that
		/// overflows; every value fits an `f32`).
		FeedValueOutOfRange,
		/// A subscription needs a period and between one and [`Config::MaxRuns`] runs.
		InvalidSubscription,
		/// No subscription has this id.
		UnknownSubscription,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_deadlines(now).saturating_add(Self::subscriptions_weight(now))
		}

		/// Subscription runs open their jobs after the block's inherents and transactions, so a
		/// feed's freshness is judged by this block's timestamp, not its parent's.
		fn on_finalize(now: BlockNumberFor<T>) {
			Self::process_subscriptions(now);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}

		fn integrity_test() {
			assert!(T::MaxDeadlinesPerBlock::get() > 0, "deadline queues must hold an entry");
			assert!(T::MaxJobBatch::get() > 0, "a batch must hold a job");
			assert!(T::MaxRunsPerBlock::get() > 0, "a subscription queue must hold a run");
			let verifiers = T::MaxVerifiers::get();
			assert!(
				verifiers & 1 == 1 && verifiers < u32::from(u8::MAX),
				"MaxVerifiers must be odd and fit a u8 (k of Consensus(k))"
			);
			assert!(
				Self::params_valid(&MarketParamsOf::<T>::default()),
				"the default market parameters must be valid"
			);
			// Every block can visit a queue and handle its worst entry, so the cursor always
			// moves.
			assert!(
				Self::least_deadline_work().all_lte(T::MaxDeadlineWeight::get()),
				"deadline weight must cover a worst-case entry"
			);
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submit a job: run `model` on `input`, verified as `mode`, paying at most `max_fee`.
		///
		/// - **Dispatch origin**: signed; the requester.
		/// - **Details**: holds `max_fee` as escrow and assigns an eligible operator (see the
		///   module docs); the fee is fixed now from the model's price.
		/// - **Errors**: [`Error::UnknownModel`], [`Error::ModelRetired`],
		///   [`Error::ModeNotSupported`], [`Error::InvalidVerifierCount`],
		///   [`Error::NotEnoughVerifiers`], [`Error::EmptyInput`],
		///   [`Error::InputSizeMismatch`],
		///   [`Error::UnknownFeed`], [`Error::NoFeedValue`], [`Error::StaleFeed`],
		///   [`Error::FeedValueOutOfRange`], [`Error::MaxFeeTooLow`], [`Error::NoEligibleOperator`],
		///   [`Error::MarketBusy`], [`Error::InsufficientBalance`], [`Error::Overflow`].
		/// - **Events**: [`Event::JobSubmitted`].
		#[pallet::call_index(0)]
		#[pallet::weight(
			Pallet::<T>::submit_weight(1, T::MaxOperators::get(), *mode)
				.saturating_add(Pallet::<T>::feeds_weight(core::slice::from_ref(input)))
		)]
		pub fn submit_job(
			origin: OriginFor<T>,
			model: ModelId,
			input: JobInputOf<T>,
			mode: VerificationMode,
			#[pallet::compact] max_fee: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let requester = ensure_signed(origin)?;
			let feeds = Self::feeds_weight(core::slice::from_ref(&input));
			let (_, operators) =
				Self::do_submit(requester, model, alloc::vec![input], mode, max_fee)?;
			// The requester pays for the operators actually looked at, not the bound.
			Ok(Some(Self::submit_weight(1, operators, mode).saturating_add(feeds)).into())
		}

		/// Deliver the output of an assigned job.
		///
		/// - **Dispatch origin**: signed; the job's worker or the worker account it named.
		/// - **Details**: a `Fast` job is settled at once: the fee is split between the worker,
		///   the model owner and the treasury, and the rest of the escrow returned.
		/// - **Errors**: [`Error::UnknownJob`], [`Error::NotAssignedWorker`],
		///   [`Error::ResultAlreadySubmitted`], [`Error::JobFinished`], [`Error::DeadlinePassed`],
		///   [`Error::EmptyOutput`], [`Error::ProofRequired`], [`Error::CommitRequired`],
		///   [`Error::OutputSizeMismatch`]
		///   (the output is not the byte length of the model's output tensor).
		/// - **Events**: [`Event::ResultSubmitted`], [`Event::JobSettled`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_result(output.len() as u32))]
		pub fn submit_result(
			origin: OriginFor<T>,
			job: JobId,
			output: OutputOf<T>,
		) -> DispatchResult {
			let who = Self::ensure_worker(origin)?;
			Self::do_submit_results(&who, alloc::vec![(job, output)]).map(|_| ())
		}

		/// Deliver the output of a `Zk` job with its proof: the chain verifies the proof
		/// (`pallet-settlement`) and settles the job; a proof that does not verify costs the
		/// worker [`MarketParams::bad_proof_slash`] of its bond and refunds the job.
		///
		/// - **Dispatch origin**: signed; the assigned worker or the worker account it named.
		/// - **Details**: `output` is the model's `i8` output (one byte an element of the output
		///   tensor), `proof` an uncompressed Groth16 proof over the job binding, the input and the
		///   output. A malformed proof is an error and changes nothing. If the model's owner
		///   replaced the key the job was pinned to, the job is refunded
		///   ([`RefundReason::KeyChanged`]) and nobody is slashed.
		/// - **Errors**: [`Error::UnknownJob`], [`Error::NotAssignedWorker`],
		///   [`Error::ResultAlreadySubmitted`], [`Error::JobFinished`], [`Error::DeadlinePassed`],
		///   [`Error::NotZkJob`], [`Error::OutputSizeMismatch`], [`Error::NoVerifyingKey`],
		///   [`Error::MalformedProof`], [`Error::KeyMismatch`].
		/// - **Events**: `ProofVerified`, [`Event::ResultSubmitted`], [`Event::JobSettled`]; or
		///   `ProofRejected`, `Slashed`, [`Event::JobRefunded`] with [`RefundReason::BadProof`].
		#[pallet::call_index(5)]
		#[pallet::weight(Pallet::<T>::submit_proof_weight(T::MaxInputLen::get(), output.len() as u32))]
		pub fn submit_proof(
			origin: OriginFor<T>,
			job: JobId,
			output: OutputOf<T>,
			proof: ProofOf,
		) -> DispatchResultWithPostInfo {
			let who = Self::ensure_worker(origin)?;
			let record = Self::assigned_to(job, &who)?;
			let key_version = Self::provable(&record, &output)?;
			if record.key_version != key_version {
				Self::refund(job, record, RefundReason::KeyChanged)?;
				return Ok(Some(T::WeightInfo::deadline_timeout(0)).into());
			}
			let key = Self::zk_key(&record.model)?;
			let weight = Self::submit_proof_weight(record.input_len(), output.len() as u32);
			Self::apply_proof(job, record, &who, &key, output, &proof)?;
			Ok(Some(weight).into())
		}

		/// Deliver the outputs and proofs of several `Zk` jobs of one model at once (at most
		/// [`MAX_PROOF_BATCH`]): the chain checks all the proofs with one multi-pairing, which
		/// costs far less than checking them one by one (see the README). If the batch does not verify, each proof is checked
		/// alone and handled as by `submit_proof`: the valid ones settle, the others slash and
		/// refund.
		///
		/// - **Dispatch origin**: signed; the worker assigned to every job, or the worker account
		///   it named.
		/// - **Details**: items whose job is no longer the caller's to prove (finished,
		///   cancelled, reassigned, past its deadline, already answered) are skipped; items whose
		///   pinned key was replaced are refunded as by `submit_proof`.
		/// - **Errors**: those of [`Pallet::submit_proof`] for the items kept (when every item
		///   is skipped, the first item's), and [`Error::EmptyBatch`], [`Error::MixedModels`],
		///   [`Error::DuplicateJob`]. An error changes nothing.
		/// - **Events**: those of `submit_proof`, for each job.
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::submit_proofs_weight(
			proofs.len() as u32,
			T::MaxInputLen::get(),
			T::MaxOutputLen::get(),
			true,
		))]
		pub fn submit_proofs(
			origin: OriginFor<T>,
			proofs: BoundedVec<(JobId, OutputOf<T>, ProofOf), ConstU32<MAX_PROOF_BATCH>>,
		) -> DispatchResultWithPostInfo {
			let who = Self::ensure_worker(origin)?;
			ensure!(!proofs.is_empty(), Error::<T>::EmptyBatch);
			let mut jobs: Vec<(JobId, JobOf<T>, OutputOf<T>, ProofOf)> = Vec::new();
			let mut changed: Vec<(JobId, JobOf<T>)> = Vec::new();
			let mut seen: Vec<JobId> = Vec::new();
			let mut skipped: Option<DispatchError> = None;
			for (job, output, proof) in proofs {
				ensure!(!seen.contains(&job), Error::<T>::DuplicateJob);
				seen.push(job);
				// A job that finished or moved on since the worker proved it is not an error
				// of the batch: the others still count.
				let record = match Self::assigned_to(job, &who) {
					Ok(record) => record,
					Err(error) => {
						skipped.get_or_insert(error);
						continue;
					},
				};
				let key_version = Self::provable(&record, &output)?;
				let first = jobs.first().map(|(_, first, ..)| first.model);
				let first = first.or_else(|| changed.first().map(|(_, first)| first.model));
				ensure!(first.is_none_or(|model| model == record.model), Error::<T>::MixedModels);
				if record.key_version == key_version {
					jobs.push((job, record, output, proof));
				} else {
					changed.push((job, record));
				}
			}
			if jobs.is_empty() && changed.is_empty() {
				return Err(skipped.unwrap_or_else(|| Error::<T>::EmptyBatch.into()).into());
			}
			let refunds = changed.len() as u32;
			for (job, record) in changed {
				Self::refund(job, record, RefundReason::KeyChanged)?;
			}
			let refunds_weight =
				T::WeightInfo::deadline_timeout(0).saturating_mul(u64::from(refunds));
			if jobs.is_empty() {
				return Ok(Some(refunds_weight).into());
			}
			// One model, so one key, read once.
			let model = jobs.first().map(|(_, record, ..)| record.model);
			let key = Self::zk_key(&model.ok_or(Error::<T>::EmptyBatch)?)?;
			let (input_len, output_len) = jobs
				.first()
				.map(|(_, record, output, _)| (record.input_len(), output.len() as u32))
				.unwrap_or_default();
			// Skipped items were read too: the batch is charged for every item it carried.
			let count = seen.len() as u32;
			let items: Vec<_> = jobs
				.iter()
				.map(|(job, record, output, proof)| {
					(*job, &who, record.input_bytes(), &output[..], &proof[..])
				})
				.collect();
			let verified = T::Verifier::verify_batch(&key, &items);
			drop(items);
			let fell_back = match verified {
				Ok(()) => false,
				Err(ProofError::Invalid) => true,
				Err(ProofError::MalformedProof) => return Err(Error::<T>::MalformedProof.into()),
				Err(ProofError::KeyMismatch) => return Err(Error::<T>::KeyMismatch.into()),
			};
			for (job, record, output, proof) in jobs {
				if fell_back {
					Self::apply_proof(job, record, &who, &key, output, &proof)?;
				} else {
					Self::accept_output(job, record, output)?;
				}
			}
			let weight = Self::submit_proofs_weight(count, input_len, output_len, fell_back)
				.saturating_add(refunds_weight);
			Ok(Some(weight).into())
		}

		/// Cancel a job: the escrow returns in full.
		///
		/// - **Dispatch origin**: signed; the requester.
		/// - **Details**: only in the block its worker was assigned (the worker, which watches
		///   imported blocks, cannot have started) or once the worker's deadline has passed
		///   without a result; the worker is then slashed as for a missed deadline and the job
		///   is not reassigned. In between, the result may already wait in the transaction pool,
		///   so a cancel would take it for free. A `Consensus` round only in its first block (it
		///   closes itself at its deadline).
		/// - **Errors**: [`Error::UnknownJob`], [`Error::NotRequester`],
		///   [`Error::ResultAlreadySubmitted`], [`Error::JobFinished`],
		///   [`Error::TooEarlyToCancel`].
		/// - **Events**: [`Event::JobRefunded`] with [`RefundReason::Cancelled`], and `Slashed`
		///   after a deadline.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::cancel_job())]
		pub fn cancel_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(record.requester == who, Error::<T>::NotRequester);
			ensure!(record.output.is_none(), Error::<T>::ResultAlreadySubmitted);
			ensure!(record.status.is_open(), Error::<T>::JobFinished);
			let now = frame_system::Pallet::<T>::block_number();
			// A `Consensus` round closes itself at its deadline; only its first block is free.
			let consensus = matches!(record.mode, VerificationMode::Consensus(_));
			let overdue = now >= record.deadline && !consensus;
			ensure!(overdue || now == record.assigned_at, Error::<T>::TooEarlyToCancel);
			if overdue && !Self::key_replaced(&record) {
				let fraction = Params::<T>::get().missed_deadline_slash;
				T::Operators::slash_fraction(&record.worker, fraction, SlashReason::MissedDeadline);
			}
			Self::refund(job, record, RefundReason::Cancelled)
		}

		/// Decline an assigned job (the worker cannot run it: its model bytes do not match their
		/// hash, or the model fails to load). The job goes to another eligible operator if it has
		/// not been reassigned yet, else its escrow returns in full. Declining in the block after
		/// assignment is free; later it costs [`MarketParams::missed_deadline_slash`] of the
		/// bond in proportion to the part of the execution period the job was held (see
		/// [`Pallet::decline_cost`]).
		///
		/// - **Dispatch origin**: signed; the job's worker or the worker account it named.
		/// - **Errors**: [`Error::UnknownJob`], [`Error::NotAssignedWorker`],
		///   [`Error::ResultAlreadySubmitted`], [`Error::JobFinished`], [`Error::DeadlinePassed`],
		///   [`Error::CommitRequired`] (a `Consensus` round has no decline).
		/// - **Events**: `Slashed` (late), [`Event::JobDeclined`], then [`Event::JobReassigned`]
		///   or [`Event::JobRefunded`] with [`RefundReason::Declined`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::decline_job(T::MaxOperators::get()))]
		pub fn decline_job(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			let who = Self::ensure_worker(origin)?;
			// Past its deadline a worker cannot decline its way out of the slash.
			let record = Self::assigned_to(job, &who)?;
			ensure!(
				!matches!(record.mode, VerificationMode::Consensus(_)),
				Error::<T>::CommitRequired
			);
			let cost = Self::decline_cost(&record, frame_system::Pallet::<T>::block_number());
			if !cost.is_zero() {
				T::Operators::slash_fraction(&who, cost, SlashReason::LateDecline);
			}
			Self::deposit_event(Event::JobDeclined { job, worker: who });
			// Nobody can prove a job whose pinned key was replaced: it goes back to its requester.
			if Self::key_replaced(&record) {
				Self::refund(job, record, RefundReason::KeyChanged)?;
				return Ok(Some(T::WeightInfo::decline_job(0)).into());
			}
			let operators = Self::reassign_or_refund(job, record, RefundReason::Declined)?;
			Ok(Some(T::WeightInfo::decline_job(operators)).into())
		}

		/// Set the market parameters.
		///
		/// - **Dispatch origin**: [`Config::ParamsOrigin`].
		/// - **Details**: open jobs keep the fee and deadline they have; the new parameters apply
		///   to new jobs, settlements and assignments.
		/// - **Errors**: [`Error::InvalidParams`].
		/// - **Events**: [`Event::ParamsSet`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: MarketParamsOf<T>) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(Self::params_valid(&params), Error::<T>::InvalidParams);
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Remove a finished job whose retention period is over and return its deposit to the
		/// requester: for the jobs whose pruning could not be scheduled (the queues around their
		/// pruning block were full); the others are pruned by the deadline queue.
		///
		/// - **Dispatch origin**: signed; anyone.
		/// - **Errors**: [`Error::UnknownJob`], [`Error::JobOpen`], [`Error::TooEarlyToPrune`].
		/// - **Events**: [`Event::JobPruned`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::prune_job().saturating_add(T::DbWeight::get().writes(4)))]
		pub fn prune_job(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(!record.status.is_open(), Error::<T>::JobOpen);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(Self::prunable(job, &record, now), Error::<T>::TooEarlyToPrune);
			// Charged for the round, challenge and audit it removed, if any.
			let extra = Self::prune(job, record);
			Ok(Some(T::WeightInfo::prune_job().saturating_add(extra)).into())
		}

		/// Submit several jobs of one model at once (at most [`Config::MaxJobBatch`]), each
		/// paying at most `max_fee`: what `submit_job` does for each input, with the model, the
		/// operators and the requester's balance read and written once.
		///
		/// - **Dispatch origin**: signed; the requester.
		/// - **Details**: all or nothing: one input the model refuses, or a batch the requester
		///   cannot pay for, fails the call and changes nothing. Each job gets its own id (in
		///   the order of `inputs`), worker and `JobSubmitted` event.
		/// - **Errors**: those of [`Pallet::submit_job`], and [`Error::EmptyBatch`].
		/// - **Events**: [`Event::JobSubmitted`] for each job.
		#[pallet::call_index(8)]
		#[pallet::weight(
			Pallet::<T>::submit_weight(inputs.len() as u32, T::MaxOperators::get(), *mode)
				.saturating_add(Pallet::<T>::feeds_weight(inputs))
		)]
		pub fn submit_jobs(
			origin: OriginFor<T>,
			model: ModelId,
			mode: VerificationMode,
			#[pallet::compact] max_fee: BalanceOf<T>,
			inputs: BoundedVec<JobInputOf<T>, T::MaxJobBatch>,
		) -> DispatchResultWithPostInfo {
			let requester = ensure_signed(origin)?;
			let count = inputs.len() as u32;
			let feeds = Self::feeds_weight(&inputs);
			let (_, operators) =
				Self::do_submit(requester, model, inputs.into_inner(), mode, max_fee)?;
			Ok(Some(Self::submit_weight(count, operators, mode).saturating_add(feeds)).into())
		}

		/// Deliver the outputs of several `Fast` jobs at once (at most
		/// [`Config::MaxJobBatch`]): each is settled as by `submit_result`, and the money of
		/// jobs of one requester moves in one transfer to each recipient.
		///
		/// - **Dispatch origin**: signed; the worker assigned to the jobs, or the worker account
		///   it named.
		/// - **Details**: items whose job is no longer the caller's to answer (finished,
		///   cancelled, reassigned, past its deadline, already answered) are skipped: a batch
		///   races its deadlines. Any other fault of an item (a `Zk` job, an output of the wrong
		///   length) fails the call, which changes nothing.
		///   The jobs must be of one model (as `submit_proofs`).
		/// - **Errors**: those of [`Pallet::submit_result`] for the items kept (when every item
		///   is skipped, the first item's), and [`Error::EmptyBatch`], [`Error::DuplicateJob`],
		///   [`Error::MixedModels`].
		/// - **Events**: [`Event::ResultSubmitted`] for each job, then [`Event::JobSettled`] for
		///   each, once the money has moved (balance events are one a requester and recipient,
		///   not one a job).
		#[pallet::call_index(9)]
		#[pallet::weight(Pallet::<T>::submit_results_weight(
			results.len() as u32,
			results.len() as u32,
			results.iter().map(|(_, output)| output.len() as u32).max().unwrap_or(0),
		))]
		pub fn submit_results(
			origin: OriginFor<T>,
			results: BoundedVec<(JobId, OutputOf<T>), T::MaxJobBatch>,
		) -> DispatchResultWithPostInfo {
			let who = Self::ensure_worker(origin)?;
			let weight = Self::do_submit_results(&who, results.into_inner())?;
			Ok(Some(weight).into())
		}

		/// Commit to an output in the round of a `Consensus` job.
		///
		/// - **Dispatch origin**: signed; a member of the round (the job's worker or one of its
		///   verifiers), or the worker account it named.
		/// - **Details**: `commitment` is [`commitment`]`(job, output, salt, member)`: the
		///   blake2-256 hash of the SCALE encoding of the job id, the output (as a byte vector),
		///   a 32-byte secret salt and the member's account. Nobody can read the output from it,
		///   nor copy it: it binds the member. Commits are taken until the round's commit
		///   deadline; once every member committed, reveals open at once.
		/// - **Errors**: [`Error::UnknownJob`], [`Error::JobFinished`],
		///   [`Error::NotConsensusJob`], [`Error::NotMember`], [`Error::CommitPeriodOver`],
		///   [`Error::AlreadyCommitted`].
		/// - **Events**: [`Event::Committed`].
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::commit())]
		pub fn commit(origin: OriginFor<T>, job: JobId, commitment: [u8; 32]) -> DispatchResult {
			let who = Self::ensure_worker(origin)?;
			Self::do_commit(job, who, commitment)
		}

		/// Reveal the output committed to in the round of a `Consensus` job.
		///
		/// - **Dispatch origin**: signed; a member of the round who committed, or the worker
		///   account it named.
		/// - **Details**: reveals open once every member committed or the commit deadline came,
		///   and close at the job's deadline. The reveal that leaves nobody to wait for closes
		///   the round: the output a strict majority of the members revealed settles the job,
		///   and members outside that majority are slashed; without a majority the job is
		///   refunded and the members who did not reveal are slashed. A round nobody closes so
		///   is closed at the job's deadline.
		/// - **Errors**: [`Error::UnknownJob`], [`Error::JobFinished`],
		///   [`Error::NotConsensusJob`], [`Error::NotMember`], [`Error::DeadlinePassed`],
		///   [`Error::RevealTooEarly`], [`Error::NotCommitted`], [`Error::AlreadyRevealed`],
		///   [`Error::EmptyOutput`], [`Error::OutputSizeMismatch`],
		///   [`Error::CommitmentMismatch`].
		/// - **Events**: [`Event::Revealed`]; on closing [`Event::QuorumReached`],
		///   [`Event::ResultSubmitted`], `Slashed`, [`Event::JobSettled`], or
		///   [`Event::Disputed`], `Slashed`, [`Event::JobRefunded`] with
		///   [`RefundReason::NoQuorum`].
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::reveal(Pallet::<T>::pairs(u8::MAX))
			.max(T::WeightInfo::reveal_challenge(Pallet::<T>::pairs(u8::MAX))))]
		pub fn reveal(
			origin: OriginFor<T>,
			job: JobId,
			output: OutputOf<T>,
			salt: [u8; 32],
		) -> DispatchResult {
			let who = Self::ensure_worker(origin)?;
			Self::do_reveal(job, who, output, salt).map(|_| ())
		}

		/// Challenge the result of a settled `Fast` job: [`MarketParams::challenge_verifiers`]
		/// verifiers (the judges) re-run it in a round (commit, then reveal), as a `Consensus`
		/// round without the worker.
		///
		/// - **Dispatch origin**: signed; the job's requester, or an active `Verifier` operator
		///   (or the worker account it named, which then bonds from its own balance) that is not
		///   the job's worker.
		/// - **Details**: within [`MarketParams::challenge_period`] blocks of the settlement,
		///   once per job. Holds a bond from the signer of a run's pay for each judge (the job's
		///   fee, at least [`Config::JobDeposit`]). The judges are drawn in the next block, by
		///   bond among the verifiers serving the model, never the worker, the requester or the
		///   challenger (see the module docs). When their round closes: if a majority revealed
		///   another output, the worker loses [`MarketParams::bad_proof_slash`] of its bond,
		///   which repays the requester what the job cost, pays each agreeing judge its run and
		///   the challenger as much as its bond, the rest going to the treasury; the bond returns
		///   and the job's output becomes the majority's. If the majority revealed the worker's
		///   output, the bond pays the agreeing judges. Without a majority (or judges) the bond
		///   returns. Judges outside the majority are slashed as in a `Consensus` round.
		/// - **Errors**: [`Error::UnknownJob`], [`Error::NotChallengeable`],
		///   [`Error::AlreadyChallenged`], [`Error::ChallengePeriodOver`],
		///   [`Error::NotChallenger`],
		///   [`Error::NotEnoughVerifiers`], [`Error::MarketBusy`],
		///   [`Error::InsufficientBalance`], [`Error::Overflow`].
		/// - **Events**: [`Event::Challenged`]; [`Event::VerifiersAssigned`] in the next block;
		///   when the round closes [`Event::ChallengeUpheld`], [`Event::ChallengeRejected`] or
		///   [`Event::ChallengeUndecided`].
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::challenge(Pallet::<T>::pairs(u8::MAX)))]
		pub fn challenge(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			let signer = ensure_signed(origin)?;
			let k = Self::do_challenge(signer, job)?;
			Ok(Some(T::WeightInfo::challenge(Self::pairs(k))).into())
		}

		/// Subscribe to recurring inference: a job of `model` on the current values of `feeds`
		/// (one input element each), verified as `mode`, every `period` blocks, `runs` times,
		/// each paying at most `max_fee`.
		///
		/// - **Dispatch origin**: signed; the requester.
		/// - **Details**: holds the whole subscription now (each run's `max_fee` and job deposit,
		///   [`HoldReason::SubscriptionEscrow`]). The first run is due next block. Each run
		///   opens a job as `submit_job` would, on the feeds' values of its block; a run the
		///   market refuses (a stale feed, no operator, a busy market) is skipped: its `max_fee`
		///   returned, its job deposit paid to the treasury. The subscription ends after its last run, or when it can no longer run
		///   (its model retired, a feed removed), returning what is left.
		/// - **Errors**: [`Error::InvalidSubscription`], those of a model and mode as
		///   `submit_job`'s ([`Error::UnknownModel`], [`Error::ModelRetired`],
		///   [`Error::ModeNotSupported`], [`Error::InvalidVerifierCount`],
		///   [`Error::NoVerifyingKey`], [`Error::OutputTooLong`], [`Error::MaxFeeTooLow`]),
		///   [`Error::EmptyInput`], [`Error::InputSizeMismatch`], [`Error::UnknownFeed`],
		///   [`Error::MarketBusy`], [`Error::InsufficientBalance`], [`Error::Overflow`].
		/// - **Events**: [`Event::Subscribed`].
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::subscribe(feeds.len() as u32))]
		pub fn subscribe(
			origin: OriginFor<T>,
			model: ModelId,
			feeds: BoundedVec<FeedId, T::MaxFeeds>,
			mode: VerificationMode,
			period: BlockNumberFor<T>,
			runs: u32,
			#[pallet::compact] max_fee: BalanceOf<T>,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::do_subscribe(requester, model, feeds, mode, period, runs, max_fee).map(|_| ())
		}

		/// Cancel a subscription: its runs to come are not opened, and what is held for them
		/// goes back. Jobs it already opened go on.
		///
		/// - **Dispatch origin**: signed; the subscription's requester.
		/// - **Errors**: [`Error::UnknownSubscription`], [`Error::NotRequester`].
		/// - **Events**: [`Event::SubscriptionCancelled`].
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::cancel_subscription())]
		pub fn cancel_subscription(
			origin: OriginFor<T>,
			subscription: SubscriptionId,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::do_cancel_subscription(&requester, subscription)
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Checks and settles the `Fast` results of `worker` (see `submit_results`); returns the
	/// weight the call used.
	fn do_submit_results(
		worker: &T::AccountId,
		results: Vec<(JobId, OutputOf<T>)>,
	) -> Result<Weight, DispatchError> {
		frame_support::ensure!(!results.is_empty(), Error::<T>::EmptyBatch);
		let count = u32::try_from(results.len()).unwrap_or(u32::MAX);
		let mut seen: Vec<JobId> = Vec::with_capacity(results.len());
		let mut skipped: Option<DispatchError> = None;
		// The batch's one model and its output length, read once.
		let mut model: Option<(ModelId, Option<u32>)> = None;
		let mut accepted = Vec::with_capacity(results.len());
		let mut requesters: Vec<(T::AccountId, u32)> = Vec::new();
		let mut longest = 0u32;
		for (job, output) in results {
			frame_support::ensure!(!seen.contains(&job), Error::<T>::DuplicateJob);
			seen.push(job);
			let record = match Self::assigned_to(job, worker) {
				Ok(record) => record,
				Err(error) => {
					skipped.get_or_insert(error);
					continue;
				},
			};
			frame_support::ensure!(!output.is_empty(), Error::<T>::EmptyOutput);
			// `Fast` and `Zk` jobs can be open (see `submit_job`); only `Fast` ones settle on a
			// bare result.
			frame_support::ensure!(
				!matches!(record.mode, VerificationMode::Consensus(_)),
				Error::<T>::CommitRequired
			);
			frame_support::ensure!(
				record.mode == VerificationMode::Fast,
				Error::<T>::ProofRequired
			);
			let length = match model {
				// One model a batch: its owner is one recipient, its terms one read.
				Some((id, length)) => {
					frame_support::ensure!(id == record.model, Error::<T>::MixedModels);
					length
				},
				None => {
					let terms = T::Models::terms(&record.model).ok_or(Error::<T>::UnknownModel)?;
					model = Some((record.model, terms.output_len));
					terms.output_len
				},
			};
			let len = u32::try_from(output.len()).ok();
			frame_support::ensure!(length == len, Error::<T>::OutputSizeMismatch);
			longest = longest.max(len.unwrap_or(u32::MAX));
			tally(&mut requesters, &record.requester, 1);
			accepted.push((job, record, output));
		}
		if accepted.is_empty() {
			return Err(skipped.unwrap_or_else(|| Error::<T>::EmptyBatch.into()));
		}
		let mut closing = Closing::new();
		for (job, record, output) in accepted {
			closing.settle(job, Self::record_output(job, record, output));
		}
		closing.apply()?;
		let requesters = u32::try_from(requesters.len()).unwrap_or(u32::MAX);
		// Skipped items were read too: the batch is charged for every item it carried.
		Ok(Self::submit_results_weight(count, requesters, longest))
	}

	/// The weight of submitting `count` jobs in `mode` (`submit_job` for one, `submit_jobs`
	/// for more) with `operators` operators serving the model: a `Consensus(k)` job costs, on
	/// top, what drawing its `k` verifiers and storing its round cost.
	pub fn submit_weight(count: u32, operators: u32, mode: VerificationMode) -> Weight {
		let base = match count {
			1 => T::WeightInfo::submit_job(operators),
			_ => T::WeightInfo::submit_jobs(count, operators),
		};
		let VerificationMode::Consensus(k) = mode else { return base };
		let round = T::WeightInfo::submit_consensus_job(operators, Self::pairs(k))
			.saturating_sub(T::WeightInfo::submit_job(operators));
		base.saturating_add(round.saturating_mul(u64::from(count)))
	}

	/// What reading and freezing the feeds of `inputs` adds to their submission: for each
	/// `Feeds` input of `f` feeds, `submit_feeds_job(f)` beyond `submit_job` (one operator).
	pub fn feeds_weight(inputs: &[JobInputOf<T>]) -> Weight {
		inputs
			.iter()
			.filter_map(|input| match input {
				JobInput::Feeds(ids) => Some(
					T::WeightInfo::submit_feeds_job(ids.len() as u32)
						.saturating_sub(T::WeightInfo::submit_job(1)),
				),
				JobInput::Inline(_) => None,
			})
			.fold(Weight::zero(), Weight::saturating_add)
	}

	/// The verifiers of `Consensus(k)` beyond the first, in pairs (`k` is odd): the component
	/// the round benchmarks vary, as they can only measure odd `k`.
	/// Beyond [`Config::MaxVerifiers`] (a `k` the call refuses) it is that bound's.
	pub fn pairs(k: u8) -> u32 {
		let most = T::MaxVerifiers::get().saturating_sub(1) >> 1;
		u32::from(k.saturating_sub(1) >> 1).min(most)
	}

	/// The weight of `submit_results` for `count` results of at most `output_len` bytes, of
	/// jobs of `requesters` requesters: the benchmark (one-byte outputs) and each output's
	/// bytes at `submit_result`'s cost per byte.
	pub fn submit_results_weight(count: u32, requesters: u32, output_len: u32) -> Weight {
		let per_byte = T::WeightInfo::submit_result(output_len)
			.saturating_sub(T::WeightInfo::submit_result(1));
		T::WeightInfo::submit_results(count, requesters.clamp(1, count.max(1)))
			.saturating_add(per_byte.saturating_mul(u64::from(count)))
	}

	/// The operator a worker call acts for: the signer, or the operator that named the signer
	/// its worker (`pallet-operators`' `set_worker`), so the bonded key can stay offline.
	fn ensure_worker(origin: OriginFor<T>) -> Result<T::AccountId, DispatchError> {
		let signer = ensure_signed(origin)?;
		Ok(Self::operator_of(&signer))
	}

	/// Whether `params` hold together: periods and factors above zero, challenge rounds of an
	/// odd number of verifiers within [`Config::MaxVerifiers`], a challenge period long enough
	/// for an audit (drawn at the job's deadline) to be run and challenged, and a retention
	/// that outlasts every challenge ([`Pallet::least_retention`]).
	pub(crate) fn params_valid(params: &MarketParamsOf<T>) -> bool {
		let period = params.execution_period;
		// An audit is drawn up to an execution period (and the queues' spread) after the
		// settlement; its auditor then needs a period to run the job.
		let audit_room = period.saturating_mul(2u32.into()).saturating_add(SCHEDULE_SPREAD.into());
		!period.is_zero()
			&& params.zk_price_factor > 0
			&& params.max_concurrent_jobs > 0
			&& params.treasury_share < sp_runtime::Perbill::one()
			&& Self::check_verifier_count(params.challenge_verifiers).is_ok()
			&& params.challenge_period > audit_room
			&& params.retention_period >= Self::least_retention(params)
	}

	/// The shortest retention `params` allow: a job stays until the last challenge of it can
	/// have closed (the challenge period, the block its judges are drawn in, their round's two
	/// execution periods, the queues' spread).
	pub fn least_retention(params: &MarketParamsOf<T>) -> BlockNumberFor<T> {
		params
			.challenge_period
			.saturating_add(One::one())
			.saturating_add(params.execution_period.saturating_mul(2u32.into()))
			.saturating_add(SCHEDULE_SPREAD.into())
	}

	/// The open job `job`, if `worker` is its worker, it has no result yet and its deadline has
	/// not passed: what a worker may deliver or decline.
	fn assigned_to(job: JobId, worker: &T::AccountId) -> Result<JobOf<T>, DispatchError> {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		frame_support::ensure!(record.worker == *worker, Error::<T>::NotAssignedWorker);
		frame_support::ensure!(record.output.is_none(), Error::<T>::ResultAlreadySubmitted);
		frame_support::ensure!(record.status.is_open(), Error::<T>::JobFinished);
		frame_support::ensure!(
			frame_system::Pallet::<T>::block_number() < record.deadline,
			Error::<T>::DeadlinePassed
		);
		Ok(record)
	}

	/// Whether `record`, an assigned job, is a `Zk` job and `output` has the model's output
	/// length: what `submit_proof` and `submit_proofs` check of each job before verifying.
	/// Returns the version of the model's current key.
	fn provable(record: &JobOf<T>, output: &OutputOf<T>) -> Result<u32, DispatchError> {
		frame_support::ensure!(record.mode == VerificationMode::Zk, Error::<T>::NotZkJob);
		let terms = T::Models::terms(&record.model).ok_or(Error::<T>::UnknownModel)?;
		frame_support::ensure!(
			terms.output_elements == u32::try_from(output.len()).ok(),
			Error::<T>::OutputSizeMismatch
		);
		Ok(terms.key_version)
	}

	/// What declining `record` at block `now` costs its worker, as a part of its bond: nothing
	/// in the block after assignment (the first the worker can act in), then growing in step
	/// with the blocks held to [`MarketParams::missed_deadline_slash`] at the last block before
	/// the deadline, so holding a job to decline it late costs what missing the deadline does.
	/// Nothing either when the model's owner replaced the key the job was pinned to: the worker
	/// cannot prove it.
	pub fn decline_cost(record: &JobOf<T>, now: BlockNumberFor<T>) -> sp_runtime::Perbill {
		// Blocks the worker may act in: assigned_at + 1 ..= deadline - 1.
		let span = record.deadline.saturating_sub(record.assigned_at).saturating_sub(2u32.into());
		let held = now.saturating_sub(record.assigned_at).saturating_sub(One::one());
		if held.is_zero() || span.is_zero() || Self::key_replaced(record) {
			return sp_runtime::Perbill::zero();
		}
		let held: u128 = held.min(span).unique_saturated_into();
		let span: u128 = span.unique_saturated_into();
		let part = sp_runtime::Perbill::from_rational(held, span);
		part.saturating_mul(Params::<T>::get().missed_deadline_slash)
	}

	/// Whether `record` is a `Zk` job whose model's key was replaced since it was submitted:
	/// its worker cannot deliver a proof the chain would check, and must not pay for that.
	fn key_replaced(record: &JobOf<T>) -> bool {
		record.mode == VerificationMode::Zk
			&& T::Models::terms(&record.model)
				.is_some_and(|terms| terms.key_version != record.key_version)
	}

	/// The verifying key of `model`.
	fn zk_key(model: &ModelId) -> Result<Vec<u8>, DispatchError> {
		T::Models::verifying_key(model).ok_or_else(|| Error::<T>::NoVerifyingKey.into())
	}

	/// Verifies one proof and settles the job, or slashes its worker and refunds it.
	fn apply_proof(
		job: JobId,
		record: JobOf<T>,
		worker: &T::AccountId,
		key: &[u8],
		output: OutputOf<T>,
		proof: &[u8],
	) -> DispatchResult {
		match T::Verifier::verify(job, worker, key, record.input_bytes(), &output, proof) {
			Ok(()) => Self::accept_output(job, record, output),
			Err(ProofError::Invalid) => {
				let fraction = Params::<T>::get().bad_proof_slash;
				T::Operators::slash_fraction(worker, fraction, SlashReason::BadResult);
				Self::refund(job, record, RefundReason::BadProof)
			},
			Err(ProofError::MalformedProof) => Err(Error::<T>::MalformedProof.into()),
			Err(ProofError::KeyMismatch) => Err(Error::<T>::KeyMismatch.into()),
		}
	}

	/// Records a verified (or `Fast`) output and settles the job.
	fn accept_output(job: JobId, record: JobOf<T>, output: OutputOf<T>) -> DispatchResult {
		Self::settle(job, Self::record_output(job, record, output))
	}

	/// Puts an accepted `output` into `record` and reports its hash.
	fn record_output(job: JobId, mut record: JobOf<T>, output: OutputOf<T>) -> JobOf<T> {
		let output_hash = sp_io::hashing::blake2_256(&output);
		record.output = Some(output);
		Self::deposit_event(Event::ResultSubmitted { job, output_hash });
		record
	}

	/// The weight of `submit_proofs` for `count` proofs of `input_len` input and `output_len`
	/// output bytes: the batch check, the bookkeeping of each job as in `submit_proof`, and,
	/// if the batch fails (`fell_back`), each proof checked alone.
	pub fn submit_proofs_weight(
		count: u32,
		input_len: u32,
		output_len: u32,
		fell_back: bool,
	) -> Weight {
		let each = Self::submit_proof_weight(input_len, output_len);
		let bookkeeping = if fell_back {
			each
		} else {
			each.saturating_sub(T::Verifier::verify_weight(input_len, output_len))
		};
		T::Verifier::verify_batch_weight(count, input_len, output_len)
			.saturating_add(bookkeeping.saturating_mul(u64::from(count)))
	}

	/// The weight of `submit_proof` for `input_len` input and `output_len` output bytes: the
	/// verification (benchmarked in `pallet-settlement`) and the heavier of settling (as
	/// `submit_result`) and slashing and refunding (as a missed deadline).
	pub fn submit_proof_weight(input_len: u32, output_len: u32) -> Weight {
		T::WeightInfo::submit_result(output_len)
			.max(T::WeightInfo::deadline_timeout(T::MaxOperators::get()))
			.saturating_add(T::Verifier::verify_weight(input_len, output_len))
	}

	/// The fee of a job of a model of `price` in `mode`.
	pub fn fee_for(price: BalanceOf<T>, mode: VerificationMode) -> Option<BalanceOf<T>> {
		let factor: u32 = match mode {
			VerificationMode::Fast => 1,
			VerificationMode::Zk => Params::<T>::get().zk_price_factor,
			VerificationMode::Consensus(k) => u32::from(k).checked_add(1)?,
		};
		sp_runtime::traits::CheckedMul::checked_mul(&price, &factor.into())
	}

	/// The fee a job of `model` in `mode` costs now.
	pub fn estimate_fee(
		model: &ModelId,
		mode: VerificationMode,
	) -> Result<BalanceOf<T>, EstimateError> {
		let terms = T::Models::terms(model).ok_or(EstimateError::UnknownModel)?;
		Self::fee_under(&terms, mode)
	}

	/// The fee a job in `mode` costs under a model's `terms`.
	fn fee_under(
		terms: &ModelTerms<T::AccountId, BalanceOf<T>>,
		mode: VerificationMode,
	) -> Result<BalanceOf<T>, EstimateError> {
		if !terms.active {
			return Err(EstimateError::ModelRetired);
		}
		if !terms.modes.supports(mode) {
			return Err(EstimateError::ModeNotSupported);
		}
		if let VerificationMode::Consensus(k) = mode {
			Self::check_verifier_count(k).map_err(|_| EstimateError::InvalidVerifierCount)?;
		}
		Self::fee_for(terms.price, mode).ok_or(EstimateError::Overflow)
	}

	/// The job `id` as clients see it.
	pub fn job_view(id: JobId) -> Option<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		Jobs::<T>::get(id).map(|job| job.view(id))
	}

	/// The round of the `Consensus` job `id` as clients see it.
	pub fn round_view(id: JobId) -> Option<RoundView<T::AccountId, BlockNumberFor<T>>> {
		let now = frame_system::Pallet::<T>::block_number();
		Rounds::<T>::get(id).map(|round| round.view(now))
	}

	/// The open `Consensus` jobs `verifier` is a verifier of.
	pub fn jobs_for_verifier(
		verifier: &T::AccountId,
	) -> Vec<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		VerifierJobs::<T>::iter_key_prefix(verifier).filter_map(Self::job_view).collect()
	}

	/// The open jobs of `worker`.
	pub fn jobs_for_worker(
		worker: &T::AccountId,
	) -> Vec<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		WorkerJobs::<T>::iter_key_prefix(worker).filter_map(Self::job_view).collect()
	}

	/// The kept jobs of `requester`.
	pub fn jobs_of(
		requester: &T::AccountId,
	) -> Vec<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let mut ids: Vec<JobId> = RequesterJobs::<T>::iter_key_prefix(requester).collect();
		ids.sort();
		ids.into_iter().filter_map(Self::job_view).collect()
	}

	/// Checks the pallet's invariants (see the module docs).
	///
	/// Compiled into native builds (so the tests of neighbouring pallets and of the runtime can
	/// check it) and into try-runtime builds.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
		use frame_support::ensure;

		let cursor = DeadlineCursor::<T>::get();
		ensure!(
			Deadlines::<T>::iter_keys().all(|block| block >= cursor),
			"a deadline queue left behind the cursor"
		);
		let queued: BTreeSet<JobId> =
			Deadlines::<T>::iter().flat_map(|(_, queue)| queue.into_inner()).collect();
		let next = NextJobId::<T>::get();
		let mut escrow: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut load: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut models: BTreeMap<ModelId, u32> = BTreeMap::new();
		let mut rounds = 0usize;
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, job) in Jobs::<T>::iter() {
			if let Some(round) = Rounds::<T>::get(id) {
				rounds = rounds.saturating_add(1);
				let members: Vec<&T::AccountId> = if job.mode == VerificationMode::Fast {
					let challenge = Self::check_challenge(id, &job, &round)?;
					if challenge.outcome.is_none() {
						let sum = bonds.entry(challenge.challenger).or_insert_with(Zero::zero);
						*sum = sum.saturating_add(challenge.bond);
					}
					round.members.iter().map(|(who, _)| who).collect()
				} else {
					Self::check_round(id, &job, &round)?;
					round.verifiers().collect()
				};
				if round.closed.is_none() {
					for verifier in members {
						let count = load.entry(verifier.clone()).or_insert(0);
						*count = count.saturating_add(1);
					}
				}
			} else {
				ensure!(
					!matches!(job.mode, VerificationMode::Consensus(_)),
					"a Consensus job without its round"
				);
			}
			ensure!(id < next, "a job id at or above the counter");
			ensure!(matches!(job.input, JobInput::Inline(_)), "a stored input is not frozen");
			if let Some(feeds) = JobFeeds::<T>::get(id) {
				// The input is the encoding of the values the job froze (while its model is
				// known: a reaped model's jobs are all finished).
				if let Some(terms) = T::Models::terms(&job.model) {
					let element = match job.mode {
						VerificationMode::Zk => Element::I8,
						_ => terms.input_element,
					};
					ensure!(
						verity_primitives::feed_tensor(element, &feeds).as_deref()
							== Some(job.input_bytes()),
						"a feeds job's input is not the encoding of its frozen values"
					);
				}
			}
			ensure!(
				RequesterJobs::<T>::contains_key(&job.requester, id),
				"requester index misses a job"
			);
			ensure!(job.fee <= job.max_fee, "a fee above its escrow");
			ensure!(job.assigned_at < job.deadline, "a deadline not after its assignment");
			let sum = deposits.entry(job.requester.clone()).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(job.deposit);
			let assigned = WorkerJobs::<T>::contains_key(&job.worker, id);
			ensure!(assigned == job.status.is_open(), "worker index out of step");
			if job.status.is_open() {
				ensure!(queued.contains(&id), "an open job without a deadline entry");
				ensure!(
					job.finished_at.is_none() && job.paid.is_zero(),
					"an open job looks finished"
				);
				let sum = escrow.entry(job.requester.clone()).or_insert_with(Zero::zero);
				*sum = sum.saturating_add(job.max_fee);
				let count = load.entry(job.worker.clone()).or_insert(0);
				*count = count.saturating_add(1);
				let count = models.entry(job.model).or_insert(0);
				*count = count.saturating_add(1);
			} else {
				ensure!(job.finished_at.is_some(), "a finished job without its block");
				ensure!(job.paid <= job.fee, "paid more than the fee");
			}
		}
		for id in JobFeeds::<T>::iter_keys() {
			ensure!(Jobs::<T>::contains_key(id), "frozen feeds of a job that is gone");
		}
		for (who, id) in RequesterJobs::<T>::iter_keys() {
			ensure!(
				Jobs::<T>::get(id).is_some_and(|job| job.requester == who),
				"requester index has strangers"
			);
			let held = T::Currency::balance_on_hold(&HoldReason::JobEscrow.into(), &who);
			let expected = escrow.get(&who).copied().unwrap_or_else(Zero::zero);
			ensure!(held == expected, "escrow hold differs from the open jobs' max_fee");
			let held = T::Currency::balance_on_hold(&HoldReason::JobDeposit.into(), &who);
			let expected = deposits.get(&who).copied().unwrap_or_else(Zero::zero);
			ensure!(held == expected, "deposit hold differs from the kept jobs' deposits");
		}
		for (who, id) in WorkerJobs::<T>::iter_keys() {
			ensure!(
				Jobs::<T>::get(id).is_some_and(|job| job.worker == who),
				"worker index has strangers"
			);
		}
		ensure!(Rounds::<T>::iter_keys().count() == rounds, "a round without its job");
		for (who, id) in VerifierJobs::<T>::iter_keys() {
			let round = Rounds::<T>::get(id).ok_or("verifier index has strangers")?;
			let job = Jobs::<T>::get(id).ok_or("verifier index has strangers")?;
			// A challenge's members are all verifiers; a `Consensus` round's worker is not.
			let skip = usize::from(job.mode != VerificationMode::Fast);
			ensure!(
				round.closed.is_none() && round.members.iter().skip(skip).any(|(v, _)| *v == who),
				"verifier index has strangers"
			);
		}
		for (id, challenge) in Challenges::<T>::iter() {
			let job = Jobs::<T>::get(id).ok_or("a challenge of no job")?;
			ensure!(job.mode == VerificationMode::Fast, "a challenge of a job not in Fast");
			if challenge.outcome.is_none() {
				// Its judges are drawn, or their round closed, by its deadline entry.
				ensure!(queued.contains(&id), "an open challenge without a deadline entry");
				let sum = models.entry(job.model).or_insert(0);
				*sum = sum.saturating_add(1);
				if !Rounds::<T>::contains_key(id) {
					let sum = bonds.entry(challenge.challenger).or_insert_with(Zero::zero);
					*sum = sum.saturating_add(challenge.bond);
				}
			} else {
				ensure!(
					Rounds::<T>::contains_key(id)
						|| challenge.outcome == Some(ChallengeOutcome::NoQuorum),
					"a decided challenge without its round"
				);
			}
		}
		// A model's open work: its open jobs and the open challenges of its results.
		for (model, count) in ModelJobs::<T>::iter() {
			ensure!(models.get(&model).copied() == Some(count), "model jobs out of step");
		}
		ensure!(models.len() == ModelJobs::<T>::iter().count(), "model jobs miss a model");
		ensure!(Self::params_valid(&Params::<T>::get()), "the market parameters are invalid");
		for (who, held) in bonds.iter() {
			let on_hold = T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), who);
			ensure!(on_hold == *held, "challenge bond differs from the open challenges' bonds");
		}
		for (id, auditor) in Audits::<T>::iter() {
			let job = Jobs::<T>::get(id).ok_or("an audit of no job")?;
			ensure!(
				job.mode == VerificationMode::Fast && job.status == JobStatus::Settled,
				"an audit of a job that is not a settled Fast job"
			);
			ensure!(!Challenges::<T>::contains_key(id), "an audit of a challenged job");
			ensure!(AuditorJobs::<T>::contains_key(&auditor, id), "auditor index misses an audit");
		}
		for (who, id) in AuditorJobs::<T>::iter_keys() {
			ensure!(Audits::<T>::get(id) == Some(who), "auditor index has strangers");
		}
		for (who, count) in WorkerLoad::<T>::iter() {
			ensure!(load.get(&who).copied() == Some(count), "worker load out of step");
		}
		ensure!(load.len() == WorkerLoad::<T>::iter().count(), "worker load misses a worker");
		Self::check_subscriptions()?;
		Ok(())
	}
}

impl<T: Config> Pallet<T> {
	/// The invariants of the round of the `Consensus` job `id` (see [`Pallet::do_try_state`]).
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	fn check_round(
		id: JobId,
		job: &JobOf<T>,
		round: &RoundOf<T>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::ensure;
		let VerificationMode::Consensus(k) = job.mode else {
			return Err("a round of a job not in Consensus".into());
		};
		ensure!(round.members.len() == usize::from(k).saturating_add(1), "a round of k+1 members");
		ensure!(round.members.first().map(|(who, _)| who) == Some(&job.worker), "a round's worker");
		for (place, (who, _)) in round.members.iter().enumerate() {
			ensure!(
				round.members.iter().skip(place.saturating_add(1)).all(|(other, _)| other != who),
				"a member twice in a round"
			);
		}
		ensure!(job.status.is_open() == round.closed.is_none(), "a round out of step with its job");
		ensure!(round.commit_deadline < job.deadline, "a round's commits end after its reveals");
		for verifier in round.verifiers() {
			ensure!(
				VerifierJobs::<T>::contains_key(verifier, id) == job.status.is_open(),
				"verifier index out of step"
			);
		}
		Self::check_votes(round)?;
		match (job.status, round.closed) {
			// The majority was counted within the model's tolerance when the round closed; the
			// owner may have changed it since (a model without open work), so only what it
			// chose is checked: an output its members revealed, now the job's.
			(JobStatus::Settled, Some(Some(agreed))) => ensure!(
				job.output.is_some()
					&& job.output.as_ref() == round.outputs.get(usize::from(agreed)),
				"a settled round without its majority's output"
			),
			(JobStatus::Settled, _) => return Err("a settled round without a majority".into()),
			(JobStatus::Refunded(_), Some(agreed)) => {
				ensure!(agreed.is_none(), "a refunded round with a majority")
			},
			_ => {},
		}
		Ok(())
	}

	/// The invariants of the challenge of the `Fast` job `id` and of its `round`: a settled
	/// job, distinct members none of them its worker, requester or challenger, open exactly
	/// while the challenge has no outcome, each member in [`VerifierJobs`] while it is, and an outcome that matches the
	/// round's majority (an upheld challenge gave the job the majority's output). Returns the
	/// challenge.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	fn check_challenge(
		id: JobId,
		job: &JobOf<T>,
		round: &RoundOf<T>,
	) -> Result<ChallengeOf<T>, sp_runtime::TryRuntimeError> {
		use frame_support::ensure;
		let challenge =
			Challenges::<T>::get(id).ok_or("a round of a Fast job without a challenge")?;
		ensure!(job.status == JobStatus::Settled, "a challenge of a job not settled");
		ensure!(!round.members.is_empty(), "a challenge without verifiers");
		for (place, (who, _)) in round.members.iter().enumerate() {
			ensure!(*who != job.worker, "a worker judging its own result");
			ensure!(
				*who != job.requester && *who != challenge.challenger,
				"a judge that gains by the verdict"
			);
			ensure!(
				round.members.iter().skip(place.saturating_add(1)).all(|(other, _)| other != who),
				"a member twice in a round"
			);
			ensure!(
				VerifierJobs::<T>::contains_key(who, id) == round.closed.is_none(),
				"verifier index out of step"
			);
		}
		ensure!(round.commit_deadline < job.deadline, "a round's commits end after its reveals");
		Self::check_votes(round)?;
		let agreed = round.closed.flatten().and_then(|index| round.outputs.get(usize::from(index)));
		match (challenge.outcome, round.closed) {
			(None, None) => {},
			(Some(ChallengeOutcome::NoQuorum), Some(None)) => {},
			(Some(ChallengeOutcome::Upheld | ChallengeOutcome::Rejected), Some(Some(index))) => {
				ensure!(
					usize::from(index) < round.outputs.len(),
					"a challenge closed without its majority"
				);
				// Upheld: the job took the judges' output; rejected: the worker's agreed with it
				// within the model's tolerance at the close (which may have changed since).
				if challenge.outcome == Some(ChallengeOutcome::Upheld) {
					ensure!(
						job.output.as_ref() == agreed,
						"a closed challenge whose job has not the majority's output"
					);
				}
			},
			_ => return Err("a challenge's outcome out of step with its round".into()),
		}
		Ok(challenge)
	}

	/// The votes of `round`: every revealed output voted for and stored once, every vote for
	/// a stored output.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	fn check_votes(round: &RoundOf<T>) -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::ensure;
		for (index, output) in round.outputs.iter().enumerate() {
			let index = u8::try_from(index).map_err(|_| "too many outputs")?;
			ensure!(
				round.members.iter().any(|(_, vote)| *vote == Vote::Revealed(index)),
				"an output nobody revealed"
			);
			ensure!(
				round.outputs.iter().filter(|other| *other == output).count() == 1,
				"an output twice in a round"
			);
		}
		for (_, vote) in round.members.iter() {
			if let Vote::Revealed(index) = vote {
				ensure!(usize::from(*index) < round.outputs.len(), "a vote for no output");
			}
		}
		Ok(())
	}
}

impl<T: Config> ModelUsage for Pallet<T> {
	fn open_jobs(model: &ModelId) -> u32 {
		ModelJobs::<T>::get(model)
	}
}
