//! The pallet's types and their `*Of<T>` aliases.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::fungible::Inspect, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::Perbill;
use verity_primitives::{FeedReading, JobId, ModelId, Tolerance, VerificationMode};

use crate::Config;

/// The balance type of the token jobs are paid in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

pub use verity_primitives::FeedId;

/// The oracle values a `Feeds` job froze.
pub type FeedReadingsOf<T> = BoundedVec<FeedReading<BlockNumberFor<T>>, <T as Config>::MaxFeeds>;

/// What a job runs its model on.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub enum JobInput<T: Config> {
	/// Bytes given by the requester: the input tensor, encoded as the model's io spec says
	/// (little-endian elements, row-major).
	Inline(BoundedVec<u8, T::MaxInputLen>),
	/// The current values of these oracle feeds, one input element each in this order,
	/// frozen into the job at submission: the job stores their encoding as its input
	/// (`verity_primitives::feed_tensor`) and the values in [`crate::JobFeeds`].
	Feeds(BoundedVec<FeedId, T::MaxFeeds>),
}

/// A job's input of the runtime's configuration.
pub type JobInputOf<T> = JobInput<T>;

impl<T: Config> JobInput<T> {
	/// An inline input's bytes (none for feeds).
	pub fn bytes(&self) -> &[u8] {
		match self {
			JobInput::Inline(bytes) => bytes,
			JobInput::Feeds(_) => &[],
		}
	}
}

/// A job's output as stored.
pub type OutputOf<T> = BoundedVec<u8, <T as Config>::MaxOutputLen>;

/// The longest proof a worker may submit: an uncompressed Groth16 proof on BLS12-381 is 384
/// bytes.
pub type ProofOf = BoundedVec<u8, frame_support::traits::ConstU32<384>>;

/// Why a job's escrow went back to its requester.
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
pub enum RefundReason {
	/// The requester cancelled it.
	Cancelled,
	/// Its workers missed their deadlines (the last one was slashed).
	DeadlineMissed,
	/// Its worker declined it and no other operator could take it.
	Declined,
	/// No eligible operator was left to reassign it to.
	NoOperator,
	/// Its worker's proof did not verify (the worker was slashed).
	BadProof,
	/// The model's owner replaced the verifying key the job was pinned to, so its proof cannot
	/// be checked against the key it was bought under (nobody was slashed).
	KeyChanged,
	/// A `Consensus` round ended without a majority on one output (too few reveals, or a
	/// split); members who did not reveal were slashed.
	NoQuorum,
}

/// Where a job is in its life.
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
pub enum JobStatus {
	/// Assigned to a worker, waiting for its result. The escrow is held.
	Assigned,
	/// Finished: the result was accepted and the fee paid.
	Settled,
	/// Finished: the escrow went back to the requester.
	Refunded(RefundReason),
}

impl JobStatus {
	/// Whether the job is still open (its escrow is held).
	pub fn is_open(self) -> bool {
		matches!(self, JobStatus::Assigned)
	}
}

/// A job.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Job<T: Config> {
	/// Who pays for it.
	pub requester: T::AccountId,
	/// The model it runs.
	pub model: ModelId,
	/// What the model runs on.
	pub input: JobInputOf<T>,
	/// How the result is verified.
	pub mode: VerificationMode,
	/// The escrow held from the requester while the job is open.
	pub max_fee: BalanceOf<T>,
	/// The fee, fixed at submission from the model's price; at most `max_fee`.
	pub fee: BalanceOf<T>,
	/// The operator that must deliver the result.
	pub worker: T::AccountId,
	/// How many workers were assigned so far (1, or 2 after a reassignment).
	pub attempts: u8,
	/// When it was submitted.
	pub submitted_at: BlockNumberFor<T>,
	/// When the current worker was assigned.
	pub assigned_at: BlockNumberFor<T>,
	/// The block from which the current worker's result is too late.
	pub deadline: BlockNumberFor<T>,
	/// The version of the model's verifying key a `Zk` job is verified against, pinned at
	/// submission (`pallet-models`' `KeyVersions`).
	pub key_version: u32,
	/// The storage deposit held from the requester until the job is pruned
	/// ([`crate::HoldReason::JobDeposit`]).
	pub deposit: BalanceOf<T>,
	/// Where it is.
	pub status: JobStatus,
	/// The accepted output.
	pub output: Option<OutputOf<T>>,
	/// What was paid out of the escrow (zero unless settled).
	pub paid: BalanceOf<T>,
	/// When it finished (settled or refunded).
	pub finished_at: Option<BlockNumberFor<T>>,
}

/// A job of the runtime's configuration.
pub type JobOf<T> = Job<T>;

impl<T: crate::Config> Job<T> {
	/// The input's bytes. A stored job's input is always inline: a `Feeds` input is frozen
	/// into bytes at submission (a `Feeds` input would have none).
	pub fn input_bytes(&self) -> &[u8] {
		self.input.bytes()
	}

	/// The inline input's length.
	pub fn input_len(&self) -> u32 {
		self.input_bytes().len() as u32
	}
}

/// The governable parameters of the market.
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
pub struct MarketParams<BlockNumber> {
	/// Blocks a worker has to deliver a result, counted from its assignment.
	pub execution_period: BlockNumber,
	/// Blocks a finished job stays readable before it is pruned.
	pub retention_period: BlockNumber,
	/// The treasury's share of every fee.
	pub treasury_share: Perbill,
	/// The part of a worker's bond it loses when it misses a deadline.
	pub missed_deadline_slash: Perbill,
	/// The fee of a `Zk` job, in multiples of the model's price (proving is costly).
	pub zk_price_factor: u32,
	/// The part of a worker's bond it loses when its proof does not verify, or a challenge
	/// shows its `Fast` result wrong; and what a member of a round loses for another output
	/// than its majority's.
	pub bad_proof_slash: Perbill,
	/// The most jobs one worker holds at once, whatever concurrency it declares.
	pub max_concurrent_jobs: u32,
	/// Blocks after a `Fast` job settled during which its result may be challenged.
	pub challenge_period: BlockNumber,
	/// How many verifiers re-run a challenged job (odd, at most [`Config::MaxVerifiers`]).
	pub challenge_verifiers: u8,
	/// The part of settled `Fast` jobs the chain picks at random for an audit by a verifier.
	pub audit_fraction: Perbill,
}

impl<BlockNumber: From<u32>> Default for MarketParams<BlockNumber> {
	/// Ten blocks to deliver, a day's worth of 6 s blocks of retention, 10 % to the treasury,
	/// 1 % of the bond for a missed deadline, `Zk` at twice the price, 10 %
	/// of the bond for a proof that does not verify (or a `Fast` result a challenge shows
	/// wrong), at most 256 jobs held by one worker, an hour of 6 s blocks to challenge a `Fast`
	/// result before three verifiers, and 2 % of `Fast` jobs audited.
	fn default() -> Self {
		Self {
			execution_period: 10u32.into(),
			retention_period: 14_400u32.into(),
			treasury_share: Perbill::from_percent(10),
			missed_deadline_slash: Perbill::from_percent(1),
			zk_price_factor: 2,
			bad_proof_slash: Perbill::from_percent(10),
			max_concurrent_jobs: 256,
			challenge_period: 600u32.into(),
			challenge_verifiers: 3,
			audit_fraction: Perbill::from_percent(2),
		}
	}
}

/// The market parameters of the runtime's configuration.
pub type MarketParamsOf<T> = MarketParams<BlockNumberFor<T>>;

/// How a settled fee was divided.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct FeeSplit<Balance> {
	/// To the worker.
	pub worker: Balance,
	/// To the model owner.
	pub royalty: Balance,
	/// To the treasury.
	pub treasury: Balance,
}

impl<Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy> FeeSplit<Balance> {
	/// Divides `fee`: the model owner's `royalty` first, then the treasury's share of what is
	/// left of the fee, the rest to the worker. The parts always add up to `fee`.
	pub fn of(fee: Balance, royalty: Perbill, treasury_share: Perbill) -> Self {
		let royalty = royalty.mul_floor(fee);
		let treasury = treasury_share.mul_floor(fee).min(fee.saturating_sub(royalty));
		let worker = fee.saturating_sub(royalty).saturating_sub(treasury);
		Self { worker, royalty, treasury }
	}

	/// The sum of the parts.
	pub fn total(&self) -> Balance {
		self.worker.saturating_add(self.royalty).saturating_add(self.treasury)
	}
}

/// Why a fee cannot be estimated.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub enum EstimateError {
	/// No model has this id.
	UnknownModel,
	/// The model is retired.
	ModelRetired,
	/// The model does not support the mode.
	ModeNotSupported,
	/// The fee overflows.
	Overflow,
	/// `k` of `Consensus(k)` is even, zero or above the chain's bound.
	InvalidVerifierCount,
}

/// A job as clients see it (through the `InferenceApi` runtime API).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct JobView<AccountId, Balance, BlockNumber> {
	/// The job's id.
	pub id: JobId,
	/// Who pays for it.
	pub requester: AccountId,
	/// The model it runs.
	pub model: ModelId,
	/// The input tensor's bytes (for a feeds input, the encoding of the values it froze).
	pub input: Vec<u8>,
	/// The oracle values a feeds input froze, in input order (empty for an inline input).
	pub feeds: Vec<FeedReading<BlockNumber>>,
	/// How the result is verified.
	pub mode: VerificationMode,
	/// The escrow.
	pub max_fee: Balance,
	/// The fee.
	pub fee: Balance,
	/// The assigned worker.
	pub worker: AccountId,
	/// Workers assigned so far.
	pub attempts: u8,
	/// When it was submitted.
	pub submitted_at: BlockNumber,
	/// The current worker's deadline.
	pub deadline: BlockNumber,
	/// Where it is.
	pub status: JobStatus,
	/// The accepted output.
	pub output: Option<Vec<u8>>,
	/// What was paid.
	pub paid: Balance,
}

impl<T: Config> Job<T> {
	/// The job as clients see it.
	pub fn view(&self, id: JobId) -> JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> {
		JobView {
			id,
			requester: self.requester.clone(),
			model: self.model,
			input: self.input_bytes().to_vec(),
			feeds: crate::JobFeeds::<T>::get(id)
				.map(|feeds| feeds.into_inner())
				.unwrap_or_default(),
			mode: self.mode,
			max_fee: self.max_fee,
			fee: self.fee,
			worker: self.worker.clone(),
			attempts: self.attempts,
			submitted_at: self.submitted_at,
			deadline: self.deadline,
			status: self.status,
			output: self.output.as_ref().map(|output| output.to_vec()),
			paid: self.paid,
		}
	}
}

/// The most members of a `Consensus` round: the worker and [`Config::MaxVerifiers`] verifiers.
pub struct MaxMembers<T>(core::marker::PhantomData<T>);

impl<T: Config> frame_support::traits::Get<u32> for MaxMembers<T> {
	fn get() -> u32 {
		<T::MaxVerifiers as frame_support::traits::Get<u32>>::get().saturating_add(1)
	}
}

/// Where one member of a `Consensus` round is.
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
pub enum Vote {
	/// Nothing yet.
	Pending,
	/// Committed to `blake2_256((job, output, salt, account).encode())`.
	Committed([u8; 32]),
	/// Revealed the output at this index of the round's `outputs`.
	Revealed(u8),
}

/// Where a `Consensus` round is.
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
pub enum Phase {
	/// Members commit (until every member committed or the commit deadline).
	Commit,
	/// Members reveal (until every committed member revealed or the job's deadline).
	Reveal,
	/// Closed: `Some(index)` of the output a majority revealed, `None` for no quorum (or a job
	/// ended otherwise, cancelled in its first block).
	Closed(Option<u8>),
}

/// A `Consensus` round: the job's worker and its verifiers, each committing to a salted hash of
/// its output and then revealing it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Round<T: Config> {
	/// The members and their votes: the job's worker first, then its verifiers.
	pub members: BoundedVec<(T::AccountId, Vote), MaxMembers<T>>,
	/// The distinct outputs revealed, in the order first revealed.
	pub outputs: BoundedVec<OutputOf<T>, MaxMembers<T>>,
	/// The block from which commits are refused; reveals open at it, or as soon as every
	/// member committed. The job's `deadline` ends the reveals.
	pub commit_deadline: BlockNumberFor<T>,
	/// Whether the round is closed, and on which output.
	pub closed: Option<Option<u8>>,
}

/// A round of the runtime's configuration.
pub type RoundOf<T> = Round<T>;

impl<T: Config> Round<T> {
	/// The round's phase at block `now`.
	pub fn phase(&self, now: BlockNumberFor<T>) -> Phase {
		match self.closed {
			Some(outcome) => Phase::Closed(outcome),
			None if now >= self.commit_deadline || self.all_committed() => Phase::Reveal,
			None => Phase::Commit,
		}
	}

	/// Whether no member is still to commit.
	pub fn all_committed(&self) -> bool {
		self.members.iter().all(|(_, vote)| *vote != Vote::Pending)
	}

	/// The verifiers (every member but the worker).
	pub fn verifiers(&self) -> impl Iterator<Item = &T::AccountId> {
		self.members.iter().skip(1).map(|(who, _)| who)
	}

	/// How many members must reveal the same output for it to settle the job: a strict
	/// majority of all members (revealed or not).
	pub fn quorum(&self) -> usize {
		self.members.len().saturating_div(2).saturating_add(1)
	}

	/// Whether `vote` is a reveal of an output that agrees with the output at `index` within
	/// `tolerance` (with an exact tolerance: the same output).
	pub fn agrees(&self, vote: &Vote, index: u8, tolerance: &Tolerance) -> bool {
		let Vote::Revealed(revealed) = vote else { return false };
		if *revealed == index {
			return true;
		}
		match (self.outputs.get(usize::from(*revealed)), self.outputs.get(usize::from(index))) {
			(Some(a), Some(b)) => tolerance.agree(a, b),
			_ => false,
		}
	}

	/// How many members revealed an output that agrees with the output at `index`.
	pub fn support(&self, index: u8, tolerance: &Tolerance) -> usize {
		self.members.iter().filter(|(_, vote)| self.agrees(vote, index, tolerance)).count()
	}

	/// The index of the output a quorum of members agrees with within `tolerance`, if any: the
	/// best supported, the first revealed of equals. With an exact tolerance, the output a
	/// quorum revealed.
	pub fn majority(&self, tolerance: &Tolerance) -> Option<u8> {
		let quorum = self.quorum();
		let mut best: Option<(u8, usize)> = None;
		for index in 0..self.outputs.len() {
			let Ok(index) = u8::try_from(index) else { break };
			let support = self.support(index, tolerance);
			if support >= quorum && best.is_none_or(|(_, most)| support > most) {
				best = Some((index, support));
			}
		}
		best.map(|(index, _)| index)
	}

	/// The round as clients see it.
	pub fn view(&self, now: BlockNumberFor<T>) -> RoundView<T::AccountId, BlockNumberFor<T>> {
		let outputs: Vec<[u8; 32]> =
			self.outputs.iter().map(|output| sp_io::hashing::blake2_256(output)).collect();
		let hash_of = |index: u8| outputs.get(usize::from(index)).copied().unwrap_or_default();
		RoundView {
			members: self
				.members
				.iter()
				.map(|(who, vote)| {
					let state = match vote {
						Vote::Pending => MemberState::Pending,
						Vote::Committed(_) => MemberState::Committed,
						Vote::Revealed(index) => MemberState::Revealed(hash_of(*index)),
					};
					(who.clone(), state)
				})
				.collect(),
			phase: self.phase(now),
			commit_deadline: self.commit_deadline,
			quorum: u32::try_from(self.quorum()).unwrap_or(u32::MAX),
			agreed: self.closed.flatten().map(hash_of),
		}
	}
}

/// Where one member of a round is, as clients see it.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum MemberState {
	/// Nothing yet.
	Pending,
	/// Committed (the commitment says nothing of the output).
	Committed,
	/// Revealed an output with this blake2-256 hash.
	Revealed([u8; 32]),
}

/// A `Consensus` round as clients see it (through the `InferenceApi` runtime API).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct RoundView<AccountId, BlockNumber> {
	/// The members, the worker first, and where each is.
	pub members: Vec<(AccountId, MemberState)>,
	/// The phase at the block asked about.
	pub phase: Phase,
	/// The block from which commits are refused (reveals end at the job's deadline).
	pub commit_deadline: BlockNumber,
	/// How many members must reveal the same output.
	pub quorum: u32,
	/// The hash of the output the majority revealed, once the round closed on one.
	pub agreed: Option<[u8; 32]>,
}

/// The commitment a member of a `Consensus` round publishes for `output` with `salt`:
/// `blake2_256(SCALE(job, output, salt, account))`, the output encoded as a byte vector (its
/// length first). Binding the job and the account means nobody can replay another's commitment.
pub fn commitment<AccountId: Encode>(
	job: JobId,
	output: &[u8],
	salt: &[u8; 32],
	who: &AccountId,
) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(job, output, salt, who).encode())
}

/// How a challenge of a `Fast` result ended.
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
pub enum ChallengeOutcome {
	/// A majority of the verifiers revealed another output: the worker was slashed, the
	/// requester repaid from the slash and the challenger rewarded; the job's output is now
	/// the majority's.
	Upheld,
	/// A majority of the verifiers revealed the worker's output: the challenger's bond paid
	/// the verifiers who agreed.
	Rejected,
	/// No majority: the bond went back to the challenger, and the verifiers who did not
	/// reveal were slashed.
	NoQuorum,
}

/// A challenge of a settled `Fast` result: its judges' round is kept in [`crate::Rounds`] under
/// the job's id once they are drawn (in the block after the challenge).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Challenge<AccountId, Balance> {
	/// Who challenged and holds the bond: the requester, or a verifier (or the worker account
	/// it named).
	pub challenger: AccountId,
	/// How many verifiers judge it.
	pub judges: u8,
	/// The bond held from the challenger until the challenge ends
	/// ([`crate::HoldReason::ChallengeBond`]): a run's pay for each judge.
	pub bond: Balance,
	/// How it ended (`None` while its judges are drawn and play their round).
	pub outcome: Option<ChallengeOutcome>,
}

/// A challenge of the runtime's configuration.
pub type ChallengeOf<T> = Challenge<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// A subscription's id: subscriptions are numbered from zero in the order they were created.
pub type SubscriptionId = u64;

/// A subscription: a job on the current values of `feeds` every `period` blocks, `runs_left`
/// more times, each paying at most `max_fee`.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Subscription<T: Config> {
	/// Who pays for its jobs.
	pub requester: T::AccountId,
	/// The model its jobs run.
	pub model: ModelId,
	/// The feeds its jobs read, one input element each.
	pub feeds: BoundedVec<FeedId, T::MaxFeeds>,
	/// How its jobs are verified.
	pub mode: VerificationMode,
	/// Blocks between runs.
	pub period: BlockNumberFor<T>,
	/// Each job's `max_fee`.
	pub max_fee: BalanceOf<T>,
	/// What each run takes from the escrow: `max_fee` and the job's deposit.
	pub per_run: BalanceOf<T>,
	/// Runs still to come (at least one; a subscription without is removed).
	pub runs_left: u32,
	/// The block of its next run (it waits in that block's [`crate::SubscriptionQueue`]).
	pub next_run: BlockNumberFor<T>,
	/// Jobs it opened.
	pub jobs: u32,
	/// Runs the market refused (their money went back).
	pub skipped: u32,
	/// The last job it opened.
	pub last_job: Option<JobId>,
}

/// A subscription of the runtime's configuration.
pub type SubscriptionOf<T> = Subscription<T>;

/// A subscription as clients see it (through the `InferenceApi` runtime API).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct SubscriptionView<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: SubscriptionId,
	/// Who pays.
	pub requester: AccountId,
	/// The model.
	pub model: ModelId,
	/// The feeds, one input element each.
	pub feeds: Vec<FeedId>,
	/// The mode of its jobs.
	pub mode: VerificationMode,
	/// Blocks between runs.
	pub period: BlockNumber,
	/// Each job's `max_fee`.
	pub max_fee: Balance,
	/// Runs still to come.
	pub runs_left: u32,
	/// The block of the next run.
	pub next_run: BlockNumber,
	/// Jobs opened so far.
	pub jobs: u32,
	/// Runs skipped (refunded) so far.
	pub skipped: u32,
	/// The last job opened.
	pub last_job: Option<JobId>,
	/// What is still held for the runs to come.
	pub escrow: Balance,
}

impl<T: Config> Subscription<T> {
	/// The subscription as clients see it.
	pub fn view(
		&self,
		id: SubscriptionId,
	) -> SubscriptionView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> {
		use sp_runtime::traits::Saturating;
		SubscriptionView {
			id,
			requester: self.requester.clone(),
			model: self.model,
			feeds: self.feeds.to_vec(),
			mode: self.mode,
			period: self.period,
			max_fee: self.max_fee,
			runs_left: self.runs_left,
			next_run: self.next_run,
			jobs: self.jobs,
			skipped: self.skipped,
			last_job: self.last_job,
			escrow: self.per_run.saturating_mul(self.runs_left.into()),
		}
	}
}
