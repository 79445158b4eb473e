//! The worker's part in `Consensus` rounds, as the job's worker or one of its verifiers: run
//! the model, `commit` to a salted hash of the output, and `reveal` it once the chain opens the
//! reveals (see `pallet-inference`'s *Consensus*).
//!
//! The salt is the key's VRF output on (genesis, job): secret until revealed, yet the same
//! after a restart, and the output is the model's (deterministic) output again, so a node that
//! restarts between its commit and its reveal re-runs the model and reveals what it committed
//! to. Every block, each round the node's keys are members of is read from the chain
//! (`InferenceApi::round`), and each member does its next step: commit while the member is
//! pending, reveal once the round is in its reveals and the member committed. A step the chain
//! did not take is taken again [`RESUBMIT_AFTER`] blocks later; nothing is remembered beyond
//! the steps in flight.

use super::*;
use pallet_inference::{MemberState, Phase, RoundView};
use sp_core::sr25519::vrf::VrfTranscript;

/// What a member of a round did last.
#[derive(Clone)]
pub(super) enum Step {
	/// Running the model, or submitting the commit.
	Running,
	/// Committed (its transaction sent when the best block was `at`) to `output`.
	Committed { output: Vec<u8>, at: BlockNumber },
	/// Revealed (sent when the best block was `at`).
	Revealed { at: BlockNumber },
}

/// A round one of the node's keys is a member of, as seen at the best block.
pub(super) struct Member {
	pub key: sr25519::Public,
	pub operator: AccountId,
	pub job: Job,
	pub round: RoundView<AccountId, BlockNumber>,
}

impl Member {
	/// Where this member is in its round.
	fn state(&self) -> Option<MemberState> {
		self.round.members.iter().find(|(who, _)| *who == self.operator).map(|(_, state)| *state)
	}
}

/// What the worker does next for a member.
enum Next {
	Commit,
	Reveal(Option<Vec<u8>>),
	Wait,
}

impl Worker {
	/// The rounds the node's members take part in at `best`: `jobs` are the `Consensus` jobs
	/// listed for (key, operator).
	pub(super) fn rounds_of(
		&self,
		best: sp_core::H256,
		jobs: Vec<(sr25519::Public, AccountId, Job)>,
	) -> Vec<Member> {
		let api = self.client.runtime_api();
		jobs.into_iter()
			.filter_map(|(key, operator, job)| match api.round(best, job.id) {
				Ok(Some(round)) => Some(Member { key, operator, job, round }),
				Ok(None) => None,
				Err(e) => {
					log::debug!(target: LOG_TARGET, "cannot read the round of job {}: {e}", job.id.0);
					None
				},
			})
			.collect()
	}

	/// Takes each member's next step at best block `number`, and forgets the steps of rounds no
	/// member of the node is still in.
	pub(super) fn play_rounds(&self, members: Vec<Member>, number: BlockNumber) {
		let live: HashSet<(JobId, AccountId)> =
			members.iter().map(|m| (m.job.id, m.operator.clone())).collect();
		let mut steps = self.rounds.lock();
		steps.retain(|member, _| live.contains(member));
		for member in members {
			let id = (member.job.id, member.operator.clone());
			let next = match (member.round.phase, member.state(), steps.get(&id)) {
				(_, _, Some(Step::Running)) => Next::Wait,
				(Phase::Commit, Some(MemberState::Pending), None) => Next::Commit,
				(Phase::Commit, Some(MemberState::Pending), Some(Step::Committed { at, .. }))
					if number >= at.saturating_add(RESUBMIT_AFTER) =>
				{
					Next::Commit
				},
				(Phase::Reveal, Some(MemberState::Committed), None) => Next::Reveal(None),
				(
					Phase::Reveal,
					Some(MemberState::Committed),
					Some(Step::Committed { output, .. }),
				) => Next::Reveal(Some(output.clone())),
				(Phase::Reveal, Some(MemberState::Committed), Some(Step::Revealed { at }))
					if number >= at.saturating_add(RESUBMIT_AFTER) =>
				{
					Next::Reveal(None)
				},
				_ => Next::Wait,
			};
			if matches!(next, Next::Wait) {
				continue;
			}
			let previous = steps.insert(id.clone(), Step::Running);
			let worker = self.clone();
			self.spawner.spawn("verity-worker-round", Some("worker"), async move {
				let step = worker.step(&member, next).await;
				let mut steps = worker.rounds.lock();
				match step {
					Ok(step) => {
						steps.insert(id, step);
					},
					Err(failure) => {
						log::warn!(
							target: LOG_TARGET,
							"job {}: round step failed, {} ({})",
							member.job.id.0,
							failure.message,
							failure.reason
						);
						// Tried again at a later block, from where it was.
						match previous {
							Some(previous) => steps.insert(id, previous),
							None => steps.remove(&id),
						};
					},
				}
			});
		}
	}

	/// Commits or reveals for `member`; returns what it did.
	async fn step(&self, member: &Member, next: Next) -> Result<Step, Failure> {
		let committing = matches!(next, Next::Commit);
		let output = match next {
			Next::Reveal(Some(output)) => output,
			_ => self.run_for_round(member).await?,
		};
		let salt = self.salt(member)?;
		let job = member.job.id;
		let call = if committing {
			pallet_inference::Call::commit {
				job,
				commitment: pallet_inference::commitment(job, &output, &salt, &member.operator),
			}
		} else {
			pallet_inference::Call::reveal { job, output: bounded(output.clone())?, salt }
		};
		let revealing = !committing;
		let at = self.client.info().best_number;
		self.submitter
			.submit(member.key, RuntimeCall::Inference(call), |_| {})
			.await
			.map_err(|e| Failure::new("submit", e))?;
		self.shared.record_round_step(if revealing { "reveal" } else { "commit" });
		log::debug!(
			target: LOG_TARGET,
			"job {job:?}: {} sent for {}",
			if revealing { "reveal" } else { "commit" },
			member.operator
		);
		Ok(if revealing { Step::Revealed { at } } else { Step::Committed { output, at } })
	}

	/// Runs the job's model within a slot, by the round's commit deadline.
	async fn run_for_round(&self, member: &Member) -> Result<Vec<u8>, Failure> {
		let _slot = self.slots.clone().acquire_owned().await.map_err(|e| Failure::new("run", e))?;
		let mut job = member.job.clone();
		if member.round.phase == Phase::Commit {
			job.deadline = member.round.commit_deadline;
		}
		self.execute(&job).await
	}

	/// The member's salt in its round: the key's VRF output on (genesis, job), 32 bytes.
	fn salt(&self, member: &Member) -> Result<[u8; 32], Failure> {
		let genesis = self.client.info().genesis_hash;
		let job = member.job.id.0.to_le_bytes();
		let input = VrfTranscript::new(
			b"verity-round-salt",
			&[(&b"genesis"[..], genesis.as_bytes()), (&b"job"[..], &job[..])],
		);
		let pre_output = self
			.keystore
			.sr25519_vrf_pre_output(KEY_TYPE, &member.key, &input)
			.map_err(|e| Failure::new("salt", e))?
			.ok_or_else(|| Failure::new("salt", "the keystore has no key for the member"))?;
		pre_output.make_bytes(b"salt", &input, &member.key).map_err(|e| Failure::new("salt", e))
	}
}
