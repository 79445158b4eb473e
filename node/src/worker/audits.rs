//! The worker's audits, as a verifier the chain picked to audit a settled `Fast` job (see
//! `pallet-inference`'s *Challenges and audits*): run the model on the job's input and, if the
//! output is not the one the job settled on, `challenge` the result. The challenge's bond is
//! held from the operator; the verifiers the chain then draws re-run the job in a round, which
//! the node plays like any other (`rounds.rs`).
//!
//! Every block, the jobs each of the node's verifiers audits are read from the chain
//! (`InferenceApi::audits_for`, while they can still be challenged). An audit runs the model
//! twice and challenges only if both runs agree with each other and not with the job, within
//! the model's tolerance (`ModelsApi::tolerance`), as the judges will compare (a model that
//! does not give the same output twice is not worth a bond). A failed run is tried again
//! [`RESUBMIT_AFTER`] blocks later; a challenge the chain did not take is sent again as late,
//! at most [`CHALLENGE_ATTEMPTS`] times in all. A job the chain no longer lists (challenged, or
//! past its challenge period) is forgotten.

use super::*;

/// How many times an audit sends its challenge before it gives up.
const CHALLENGE_ATTEMPTS: u32 = 3;

/// Where an audit is.
#[derive(Clone, Copy)]
pub(super) enum Audit {
	/// Running the model.
	Running,
	/// Its run failed when the best block was this one.
	Failed(BlockNumber),
	/// Nothing to do: the output was the job's, the model gave two outputs, or the challenge
	/// was sent [`CHALLENGE_ATTEMPTS`] times.
	Done,
	/// The output was not the job's; the challenge was sent `attempts` times, last when the
	/// best block was `at`.
	Challenged { at: BlockNumber, attempts: u32 },
}

impl Worker {
	/// Runs the audits listed for (key, operator) at best block `number` that are not run yet,
	/// and sends again the challenges the chain did not take.
	pub(super) fn audit(
		&self,
		listed: Vec<(sr25519::Public, AccountId, Job)>,
		number: BlockNumber,
	) {
		let live: HashSet<JobId> = listed.iter().map(|(_, _, job)| job.id).collect();
		let mut audits = self.audits.lock();
		audits.retain(|id, audit| live.contains(id) || matches!(audit, Audit::Running));
		for (key, operator, job) in listed {
			let again = |at: &BlockNumber| number >= at.saturating_add(RESUBMIT_AFTER);
			match audits.get(&job.id) {
				None => {},
				Some(Audit::Failed(at)) if again(at) => {},
				Some(Audit::Challenged { at, attempts }) if again(at) => {
					let attempts = attempts.saturating_add(1);
					if attempts > CHALLENGE_ATTEMPTS {
						log::warn!(
							target: LOG_TARGET,
							"job {}: the chain took none of {CHALLENGE_ATTEMPTS} challenges; giving up",
							job.id.0
						);
						audits.insert(job.id, Audit::Done);
						continue;
					}
					let worker = self.clone();
					audits.insert(job.id, Audit::Challenged { at: number, attempts });
					self.spawner.spawn("verity-worker-audit", Some("worker"), async move {
						if let Err(failure) = worker.challenge(key, job.id).await {
							log::warn!(
								target: LOG_TARGET,
								"job {}: challenge not sent, {} ({})",
								job.id.0,
								failure.message,
								failure.reason
							);
						}
					});
					continue;
				},
				Some(_) => continue,
			}
			audits.insert(job.id, Audit::Running);
			let worker = self.clone();
			self.spawner.spawn("verity-worker-audit", Some("worker"), async move {
				let id = job.id;
				let audit = match worker.run_audit(key, &operator, job, number).await {
					Ok(audit) => Some(audit),
					Err(failure) => {
						log::warn!(
							target: LOG_TARGET,
							"job {}: audit failed, {} ({})",
							id.0,
							failure.message,
							failure.reason
						);
						None
					},
				};
				// A failed run is tried again at a later block.
				let audit = audit.unwrap_or(Audit::Failed(worker.client.info().best_number));
				worker.audits.lock().insert(id, audit);
			});
		}
	}

	/// Runs the model on `job`'s input within a slot and challenges the job's result if the
	/// output differs (twice alike).
	async fn run_audit(
		&self,
		key: sr25519::Public,
		operator: &AccountId,
		job: Job,
		number: BlockNumber,
	) -> Result<Audit, Failure> {
		// Outputs are compared within the model's tolerance, as the judges compare them (exactly
		// when a runtime before `ModelsApi` version 2 cannot say).
		let tolerance = self
			.client
			.runtime_api()
			.tolerance(self.client.info().best_hash, job.model)
			.ok()
			.flatten()
			.unwrap_or_default();
		let (output, again) = {
			let _slot =
				self.slots.clone().acquire_owned().await.map_err(|e| Failure::new("run", e))?;
			// The job's own deadline is past: the runs get an execution period's time.
			let mut run = job.clone();
			run.deadline = number.saturating_add(verity_runtime::configs::verity::EXECUTION_PERIOD);
			let output = self.execute(&run).await?;
			if job.output.as_deref().is_some_and(|settled| tolerance.agree(settled, &output)) {
				(output, None)
			} else {
				let again = self.execute(&run).await?;
				(output, Some(again))
			}
		};
		let Some(again) = again else {
			self.shared.record_audit("match");
			log::debug!(target: LOG_TARGET, "job {}: audit by {operator} matched", job.id.0);
			return Ok(Audit::Done);
		};
		if !tolerance.agree(&again, &output) {
			log::warn!(
				target: LOG_TARGET,
				"job {}: the model gave two outputs on one input; not challenged",
				job.id.0
			);
			return Ok(Audit::Done);
		}
		self.challenge(key, job.id).await?;
		self.shared.record_audit("mismatch");
		log::info!(
			target: LOG_TARGET,
			"job {}: audit by {operator} found another output; challenged",
			job.id.0
		);
		Ok(Audit::Challenged { at: self.client.info().best_number, attempts: 1 })
	}

	/// Sends `challenge(job)`, signed by `key`.
	async fn challenge(&self, key: sr25519::Public, job: JobId) -> Result<(), Failure> {
		let call = RuntimeCall::Inference(pallet_inference::Call::challenge { job });
		self.submitter.submit(key, call, |_| {}).await.map_err(|e| Failure::new("submit", e))
	}
}
