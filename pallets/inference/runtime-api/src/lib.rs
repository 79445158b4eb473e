//! The `InferenceApi` runtime API: what clients and the node's worker read about jobs.
//! Call it through `state_call("InferenceApi_job", SCALE(job_id))` or the `inference_*` RPCs.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_inference::{
	Challenge, ChallengeOutcome, EstimateError, JobView, MemberState, Phase, RoundView,
	SubscriptionId, SubscriptionView,
};
use verity_primitives::{JobId, ModelId, VerificationMode};

sp_api::decl_runtime_apis! {
	/// Reads the job market. Version 2 added the rounds of `Consensus` jobs (`round`,
	/// `jobs_for_verifier`), version 3 the challenges and audits of `Fast` results; in version
	/// 4 a job's `feeds` are the oracle values it froze (they were the feeds' ids), and the
	/// subscriptions came.
	#[api_version(4)]
	pub trait InferenceApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The job `id`, open or finished (finished jobs are kept for the retention period).
		fn job(id: JobId) -> Option<JobView<AccountId, Balance, BlockNumber>>;
		/// The open jobs assigned to `worker`: what a worker polls.
		fn jobs_for_worker(worker: AccountId) -> Vec<JobView<AccountId, Balance, BlockNumber>>;
		/// The jobs `requester` submitted that are still kept.
		fn jobs_of(requester: AccountId) -> Vec<JobView<AccountId, Balance, BlockNumber>>;
		/// The fee a job of `model` in `mode` costs now.
		fn estimate_fee(model: ModelId, mode: VerificationMode) -> Result<Balance, EstimateError>;
		/// The round of the `Consensus` job `id`: its members and where each is, its phase.
		fn round(id: JobId) -> Option<RoundView<AccountId, BlockNumber>>;
		/// The open rounds `verifier` must commit and reveal in (of `Consensus` jobs and of
		/// challenges): what a verifier polls.
		fn jobs_for_verifier(verifier: AccountId) -> Vec<JobView<AccountId, Balance, BlockNumber>>;
		/// The challenge of the `Fast` job `id`, if it was challenged (its round is `round(id)`).
		fn challenge(id: JobId) -> Option<Challenge<AccountId, Balance>>;
		/// The settled `Fast` jobs `auditor` was picked to audit, while they can be challenged:
		/// what an auditor polls.
		fn audits_for(auditor: AccountId) -> Vec<JobView<AccountId, Balance, BlockNumber>>;
		/// The subscription `id`, while it has runs to come.
		fn subscription(id: SubscriptionId) -> Option<SubscriptionView<AccountId, Balance, BlockNumber>>;
		/// The subscriptions of `requester` with runs to come, by id.
		fn subscriptions_of(requester: AccountId) -> Vec<SubscriptionView<AccountId, Balance, BlockNumber>>;
	}
}
