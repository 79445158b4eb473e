//! `inference_*` JSON-RPC methods: thin wrappers of the `InferenceApi` runtime API with typed
//! JSON (balances as decimal strings, bytes as hex) and distinct error codes.
//!
//! - `inference_job(id, at?)` → a job or `null`;
//! - `inference_jobsOf(account, at?)` → the requester's kept jobs, oldest first;
//! - `inference_round(id, at?)` → the round of a `Consensus` job or of a challenge (its members,
//!   where each is, the phase, the agreed output's hash) or `null`;
//! - `inference_challenge(id, at?)` → the challenge of a `Fast` result (challenger, bond,
//!   outcome) or `null`;
//! - `inference_subscription(id, at?)` → a subscription with runs to come, or `null`;
//!   `inference_subscriptionsOf(account, at?)` → the account's, by id;
//! - `inference_estimateFee(model, mode, at?)` → the fee as a decimal string, or error
//!   [`UNKNOWN_MODEL`], [`MODEL_RETIRED`], [`MODE_NOT_SUPPORTED`], [`FEE_OVERFLOW`] or
//!   [`INVALID_VERIFIER_COUNT`].
//!
//! A failing runtime call is [`RUNTIME_ERROR`].

use std::sync::Arc;

use codec::Codec;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
};
use pallet_inference::{
	Challenge as ChallengeView, ChallengeOutcome, EstimateError, JobStatus, JobView, MemberState,
	Phase, RoundView, SubscriptionView,
};
use pallet_inference_runtime_api::InferenceApi as InferenceRuntimeApi;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};
use sp_runtime::traits::Block as BlockT;
use verity_primitives::{JobId, ModelId, VerificationMode};

/// The runtime call failed.
pub const RUNTIME_ERROR: i32 = 9200;
/// No model has this id.
pub const UNKNOWN_MODEL: i32 = 9201;
/// The model is retired.
pub const MODEL_RETIRED: i32 = 9202;
/// The model does not support this mode.
pub const MODE_NOT_SUPPORTED: i32 = 9203;
/// The fee does not fit a balance.
pub const FEE_OVERFLOW: i32 = 9204;
/// `k` of `Consensus(k)` is even, zero or above the chain's bound.
pub const INVALID_VERIFIER_COUNT: i32 = 9205;

/// A job as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job<AccountId, BlockNumber> {
	pub id: u64,
	pub requester: AccountId,
	pub model: H256,
	/// The input tensor's bytes (for a feeds input, the encoding of its frozen values).
	pub input: Bytes,
	/// The oracle values a feeds input froze, in input order (empty for an inline input).
	pub feeds: Vec<FrozenFeed<BlockNumber>>,
	pub mode: VerificationMode,
	pub max_fee: String,
	pub fee: String,
	pub worker: AccountId,
	pub attempts: u8,
	pub submitted_at: BlockNumber,
	pub deadline: BlockNumber,
	/// `assigned`, `settled`, or `refunded:<reason>` (`cancelled`, `deadlineMissed`, `declined`,
	/// `noOperator`, `badProof`, `keyChanged`, `noQuorum`).
	pub status: String,
	pub output: Option<Bytes>,
	pub paid: String,
}

/// One oracle value a job froze, as JSON (the value as a decimal string: an `i64` does not fit
/// a JavaScript number).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrozenFeed<BlockNumber> {
	pub feed: u32,
	/// The combined value, in units of `10^-decimals`.
	pub value: String,
	pub decimals: u8,
	/// When the report the median took was made (ms since the Unix epoch).
	pub timestamp: u64,
	/// The last block in which an oracle had reported the feed.
	pub reported_at: BlockNumber,
}

fn status(status: JobStatus) -> String {
	match status {
		JobStatus::Assigned => "assigned".into(),
		JobStatus::Settled => "settled".into(),
		JobStatus::Refunded(reason) => {
			let reason = format!("{reason:?}");
			let mut chars = reason.chars();
			let first = chars.next().map(|c| c.to_ascii_lowercase()).unwrap_or_default();
			format!("refunded:{first}{}", chars.as_str())
		},
	}
}

impl<AccountId, BlockNumber> Job<AccountId, BlockNumber> {
	fn from_view<Balance: ToString>(view: JobView<AccountId, Balance, BlockNumber>) -> Self {
		Job {
			id: view.id.0,
			requester: view.requester,
			model: H256(view.model.0),
			input: Bytes(view.input),
			feeds: view
				.feeds
				.into_iter()
				.map(|reading| FrozenFeed {
					feed: reading.feed,
					value: reading.value.to_string(),
					decimals: reading.decimals,
					timestamp: reading.timestamp,
					reported_at: reading.block,
				})
				.collect(),
			mode: view.mode,
			max_fee: view.max_fee.to_string(),
			fee: view.fee.to_string(),
			worker: view.worker,
			attempts: view.attempts,
			submitted_at: view.submitted_at,
			deadline: view.deadline,
			status: status(view.status),
			output: view.output.map(Bytes),
			paid: view.paid.to_string(),
		}
	}
}

/// A member of a `Consensus` round as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member<AccountId> {
	pub account: AccountId,
	/// `pending`, `committed` or `revealed`.
	pub state: String,
	/// The hash of the output it revealed.
	pub output_hash: Option<H256>,
}

/// A `Consensus` round as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Round<AccountId, BlockNumber> {
	/// The members: a `Consensus` job's worker first, then its verifiers; a challenge's
	/// verifiers.
	pub members: Vec<Member<AccountId>>,
	/// `commit`, `reveal`, `closed:agreed` or `closed:noQuorum`.
	pub phase: String,
	pub commit_deadline: BlockNumber,
	/// How many members must reveal one output for it to settle the job.
	pub quorum: u32,
	/// The hash of the output the majority revealed.
	pub agreed: Option<H256>,
}

impl<AccountId, BlockNumber> Round<AccountId, BlockNumber> {
	fn from_view(view: RoundView<AccountId, BlockNumber>) -> Self {
		let members = view
			.members
			.into_iter()
			.map(|(account, state)| {
				let (state, output_hash) = match state {
					MemberState::Pending => ("pending", None),
					MemberState::Committed => ("committed", None),
					MemberState::Revealed(hash) => ("revealed", Some(H256(hash))),
				};
				Member { account, state: state.into(), output_hash }
			})
			.collect();
		let phase = match view.phase {
			Phase::Commit => "commit",
			Phase::Reveal => "reveal",
			Phase::Closed(Some(_)) => "closed:agreed",
			Phase::Closed(None) => "closed:noQuorum",
		};
		Round {
			members,
			phase: phase.into(),
			commit_deadline: view.commit_deadline,
			quorum: view.quorum,
			agreed: view.agreed.map(H256),
		}
	}
}

/// The challenge of a `Fast` result as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge<AccountId> {
	pub challenger: AccountId,
	/// The bond held while its round runs, a decimal string.
	pub bond: String,
	/// `open`, `upheld`, `rejected` or `noQuorum`.
	pub outcome: String,
}

impl<AccountId> Challenge<AccountId> {
	fn from_view<Balance: ToString>(view: ChallengeView<AccountId, Balance>) -> Self {
		let outcome = match view.outcome {
			None => "open",
			Some(ChallengeOutcome::Upheld) => "upheld",
			Some(ChallengeOutcome::Rejected) => "rejected",
			Some(ChallengeOutcome::NoQuorum) => "noQuorum",
		};
		Challenge {
			challenger: view.challenger,
			bond: view.bond.to_string(),
			outcome: outcome.into(),
		}
	}
}

/// A subscription as JSON.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription<AccountId, BlockNumber> {
	pub id: u64,
	pub requester: AccountId,
	pub model: H256,
	pub feeds: Vec<u32>,
	pub mode: VerificationMode,
	/// Blocks between runs.
	pub period: BlockNumber,
	/// Each job's `max_fee`, a decimal string.
	pub max_fee: String,
	pub runs_left: u32,
	pub next_run: BlockNumber,
	/// Jobs opened so far.
	pub jobs: u32,
	/// Runs skipped (refunded) so far.
	pub skipped: u32,
	pub last_job: Option<u64>,
	/// What is still held for the runs to come, a decimal string.
	pub escrow: String,
}

impl<AccountId, BlockNumber> Subscription<AccountId, BlockNumber> {
	fn from_view<Balance: ToString>(
		view: SubscriptionView<AccountId, Balance, BlockNumber>,
	) -> Self {
		Subscription {
			id: view.id,
			requester: view.requester,
			model: H256(view.model.0),
			feeds: view.feeds,
			mode: view.mode,
			period: view.period,
			max_fee: view.max_fee.to_string(),
			runs_left: view.runs_left,
			next_run: view.next_run,
			jobs: view.jobs,
			skipped: view.skipped,
			last_job: view.last_job.map(|job| job.0),
			escrow: view.escrow.to_string(),
		}
	}
}

/// The methods.
#[rpc(client, server)]
pub trait InferenceApi<BlockHash, AccountId, BlockNumber> {
	/// Job `id`, or `null`.
	#[method(name = "inference_job")]
	fn job(&self, id: u64, at: Option<BlockHash>)
		-> RpcResult<Option<Job<AccountId, BlockNumber>>>;

	/// The kept jobs of `requester`, oldest first.
	#[method(name = "inference_jobsOf")]
	fn jobs_of(
		&self,
		requester: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<Job<AccountId, BlockNumber>>>;

	/// The round of the `Consensus` job `id`, or of the challenge of the `Fast` job `id`, or
	/// `null`.
	#[method(name = "inference_round")]
	fn round(
		&self,
		id: u64,
		at: Option<BlockHash>,
	) -> RpcResult<Option<Round<AccountId, BlockNumber>>>;

	/// The challenge of the `Fast` job `id`, or `null`.
	#[method(name = "inference_challenge")]
	fn challenge(&self, id: u64, at: Option<BlockHash>) -> RpcResult<Option<Challenge<AccountId>>>;

	/// Subscription `id` while it has runs to come, or `null`.
	#[method(name = "inference_subscription")]
	fn subscription(
		&self,
		id: u64,
		at: Option<BlockHash>,
	) -> RpcResult<Option<Subscription<AccountId, BlockNumber>>>;

	/// The subscriptions of `account` with runs to come, by id.
	#[method(name = "inference_subscriptionsOf")]
	fn subscriptions_of(
		&self,
		account: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<Subscription<AccountId, BlockNumber>>>;

	/// The fee of a job of `model` in `mode`, as a decimal string.
	#[method(name = "inference_estimateFee")]
	fn estimate_fee(
		&self,
		model: H256,
		mode: VerificationMode,
		at: Option<BlockHash>,
	) -> RpcResult<String>;
}

/// The implementation over a client of blocks `B`, whose runtime's `(Balance, BlockNumber)`
/// are `M`.
pub struct Inference<C, B, M> {
	client: Arc<C>,
	_types: std::marker::PhantomData<fn() -> (B, M)>,
}

impl<C, B, M> Inference<C, B, M> {
	/// The methods over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Inference { client, _types: Default::default() }
	}
}

fn runtime_error(e: impl ToString) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, e.to_string(), None::<()>)
}

impl<C, Block, AccountId, Balance, BlockNumber>
	InferenceApiServer<<Block as BlockT>::Hash, AccountId, BlockNumber>
	for Inference<C, Block, (Balance, BlockNumber)>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId:
		Codec + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
	Balance: Codec + ToString + Send + Sync + 'static,
	BlockNumber:
		Codec + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
	fn job(
		&self,
		id: u64,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<Job<AccountId, BlockNumber>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let view = self.client.runtime_api().job(at, JobId(id)).map_err(runtime_error)?;
		Ok(view.map(Job::from_view))
	}

	fn jobs_of(
		&self,
		requester: AccountId,
		at: Option<Block::Hash>,
	) -> RpcResult<Vec<Job<AccountId, BlockNumber>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let views = self.client.runtime_api().jobs_of(at, requester).map_err(runtime_error)?;
		Ok(views.into_iter().map(Job::from_view).collect())
	}

	fn round(
		&self,
		id: u64,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<Round<AccountId, BlockNumber>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let view = self.client.runtime_api().round(at, JobId(id)).map_err(runtime_error)?;
		Ok(view.map(Round::from_view))
	}

	fn challenge(
		&self,
		id: u64,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<Challenge<AccountId>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let view = self.client.runtime_api().challenge(at, JobId(id)).map_err(runtime_error)?;
		Ok(view.map(Challenge::from_view))
	}

	fn subscription(
		&self,
		id: u64,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<Subscription<AccountId, BlockNumber>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let view = self.client.runtime_api().subscription(at, id).map_err(runtime_error)?;
		Ok(view.map(Subscription::from_view))
	}

	fn subscriptions_of(
		&self,
		account: AccountId,
		at: Option<Block::Hash>,
	) -> RpcResult<Vec<Subscription<AccountId, BlockNumber>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let views =
			self.client.runtime_api().subscriptions_of(at, account).map_err(runtime_error)?;
		Ok(views.into_iter().map(Subscription::from_view).collect())
	}

	fn estimate_fee(
		&self,
		model: H256,
		mode: VerificationMode,
		at: Option<Block::Hash>,
	) -> RpcResult<String> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let fee = self
			.client
			.runtime_api()
			.estimate_fee(at, ModelId(model.0), mode)
			.map_err(runtime_error)?;
		fee.map(|fee| fee.to_string()).map_err(|e| {
			let (code, message) = match e {
				EstimateError::UnknownModel => (UNKNOWN_MODEL, "no model has this id"),
				EstimateError::ModelRetired => (MODEL_RETIRED, "the model is retired"),
				EstimateError::ModeNotSupported => {
					(MODE_NOT_SUPPORTED, "the model does not support this mode")
				},
				EstimateError::Overflow => (FEE_OVERFLOW, "the fee overflows"),
				EstimateError::InvalidVerifierCount => (
					INVALID_VERIFIER_COUNT,
					"k of Consensus(k) must be odd and within the chain's bound",
				),
			};
			ErrorObject::owned(code, message, None::<()>)
		})
	}
}
