//! The worker's part in `Consensus` rounds, as the job's worker or one of its verifiers, and in
//! the rounds of challenges of `Fast` results, as a judge: run the model, `commit` to a salted
//! hash of the output, and `reveal` it once the chain opens the reveals (see
//! `pallet-inference`'s *Consensus* and *Challenges and audits*).
//!
//! The salt is the key's VRF output on (genesis, job): secret until revealed, yet the same
//! after a restart, and the output is the model's (deterministic) output again, so a node that
//! restarts between its commit and its reveal re-runs the model and reveals what it committed
//! to. While the node runs, a member's output and salt are kept and every step sent again
//! sends the same. Every block, each round the node's keys are members of is read from the
//! chain (`InferenceApi::round`), and each member does its next step: commit while the member
//! is pending and the commits are open, reveal once the round is in its reveals and the member
//! committed (neither when the next block would be too late). A step the chain did not take is
//! taken again [`RESUBMIT_AFTER`] blocks later; nothing is written to disk.

use super::*;
use pallet_inference::{MemberState, Phase, RoundView};
use sp_core::sr25519::vrf::VrfTranscript;

/// What a member of a round did last.
#[derive(Clone)]
pub(super) enum Step {
	/// Running the model, or submitting.
	Running,
	/// Sent its commit to `answer` when the best block was `at`.
	Committed { answer: Answered, at: BlockNumber },
	/// Sent its reveal of `answer` when the best block was `at`.
	Revealed { answer: Answered, at: BlockNumber },
}

/// A member's output and salt: what it commits to and later reveals, kept so that a step sent
/// again sends the same (a model that is not deterministic would otherwise reveal another
/// output than it committed to).
#[derive(Clone)]
pub(super) struct Answered {
	output: Vec<u8>,
	salt: [u8; 32],
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

/// What the worker does next for a member: commit or reveal, with the answer it has, if any.
enum Next {
	Commit(Option<Answered>),
	Reveal(Option<Answered>),
}

/// The member's next step at best block `number`, if it has one now.
fn next_step(member: &Member, step: Option<&Step>, number: BlockNumber) -> Option<Next> {
	// A transaction sent now lands in the next block at best.
	let next_block = number.saturating_add(1);
	let can_commit = next_block < member.round.commit_deadline;
	let can_reveal = next_block < member.job.deadline;
	let again = |at: &BlockNumber| number >= at.saturating_add(RESUBMIT_AFTER);
	match (member.round.phase, member.state()?, step) {
		(_, _, Some(Step::Running)) => None,
		(Phase::Commit, MemberState::Pending, None) if can_commit => Some(Next::Commit(None)),
		(Phase::Commit, MemberState::Pending, Some(Step::Committed { answer, at }))
			if can_commit && again(at) =>
		{
			Some(Next::Commit(Some(answer.clone())))
		},
		(Phase::Reveal, MemberState::Committed, None) if can_reveal => Some(Next::Reveal(None)),
		(Phase::Reveal, MemberState::Committed, Some(Step::Committed { answer, .. }))
			if can_reveal =>
		{
			Some(Next::Reveal(Some(answer.clone())))
		},
		(Phase::Reveal, MemberState::Committed, Some(Step::Revealed { answer, at }))
			if can_reveal && again(at) =>
		{
			Some(Next::Reveal(Some(answer.clone())))
		},
		_ => None,
	}
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
		// A step still running stays, whatever this block lists (a failed read, a fork): it is
		// never started twice.
		steps.retain(|member, step| live.contains(member) || matches!(step, Step::Running));
		for member in members {
			let id = (member.job.id, member.operator.clone());
			let Some(next) = next_step(&member, steps.get(&id), number) else { continue };
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
		let (committing, answered) = match next {
			Next::Commit(answered) => (true, answered),
			Next::Reveal(answered) => (false, answered),
		};
		// A node that restarted between its commit and its reveal runs the model again and
		// derives the same salt.
		let answer = match answered {
			Some(answer) => answer,
			None => {
				Answered { output: self.run_for_round(member).await?, salt: self.salt(member)? }
			},
		};
		let job = member.job.id;
		let call = if committing {
			pallet_inference::Call::commit {
				job,
				commitment: pallet_inference::commitment(
					job,
					&answer.output,
					&answer.salt,
					&member.operator,
				),
			}
		} else {
			pallet_inference::Call::reveal {
				job,
				output: bounded(answer.output.clone())?,
				salt: answer.salt,
			}
		};
		let step = if committing { "commit" } else { "reveal" };
		let at = self.client.info().best_number;
		self.submitter
			.submit(member.key, RuntimeCall::Inference(call), |_| {})
			.await
			.map_err(|e| Failure::new("submit", e))?;
		self.shared.record_round_step(step);
		log::debug!(target: LOG_TARGET, "job {}: {step} sent for {}", job.0, member.operator);
		Ok(if committing { Step::Committed { answer, at } } else { Step::Revealed { answer, at } })
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
