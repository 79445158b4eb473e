//! Challenges and audits of `Fast` results: a settled result may be challenged for
//! [`MarketParams::challenge_period`] blocks, and verifiers then re-run the job in a round
//! without its worker; a part of the settled jobs is picked at random for an audit by a
//! verifier (see the module docs' *Challenges and audits*).

use super::*;
use crate::assignment::Candidates;

impl<T: Config> Pallet<T> {
	/// What a challenge of `record` holds from its challenger for each of its judges: a run's
	/// pay, the job's fee, and at least [`Config::JobDeposit`], so a challenge of a job of a
	/// free model still costs something.
	pub(crate) fn pay_per_run(record: &JobOf<T>) -> BalanceOf<T> {
		record.fee.max(T::JobDeposit::get())
	}

	/// The operator `who` acts for: itself, or the operator that named it its worker.
	pub(crate) fn operator_of(who: &T::AccountId) -> T::AccountId {
		T::Operators::operator_of_worker(who).unwrap_or_else(|| who.clone())
	}

	/// Who may never judge a challenge of `record` by `challenger`: the worker, and the
	/// requester and the challenger (and the operators they act for), who gain by a verdict
	/// against the worker.
	fn shunned(record: &JobOf<T>, challenger: &T::AccountId) -> [T::AccountId; 5] {
		[
			record.worker.clone(),
			record.requester.clone(),
			Self::operator_of(&record.requester),
			challenger.clone(),
			Self::operator_of(challenger),
		]
	}

	/// `challenger` challenges the result of `job` (see `challenge`); its judges are drawn in
	/// the next block ([`Self::draw_judges`]). Returns how many judges it asks for.
	pub(crate) fn do_challenge(challenger: T::AccountId, job: JobId) -> Result<u8, DispatchError> {
		let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		frame_support::ensure!(
			record.mode == VerificationMode::Fast
				&& record.status == JobStatus::Settled
				&& record.output.is_some(),
			Error::<T>::NotChallengeable
		);
		frame_support::ensure!(!Challenges::<T>::contains_key(job), Error::<T>::AlreadyChallenged);
		let params = Params::<T>::get();
		let now = frame_system::Pallet::<T>::block_number();
		let settled = record.finished_at.ok_or(Error::<T>::NotChallengeable)?;
		frame_support::ensure!(
			now < settled.saturating_add(params.challenge_period),
			Error::<T>::ChallengePeriodOver
		);
		let operator = Self::operator_of(&challenger);
		frame_support::ensure!(
			challenger == record.requester || T::Operators::is_active(&operator, Role::Verifier),
			Error::<T>::NotChallenger
		);
		frame_support::ensure!(
			challenger != record.worker && operator != record.worker,
			Error::<T>::NotChallenger
		);
		let k = params.challenge_verifiers;
		let bond = Self::pay_per_run(&record)
			.checked_mul(&u32::from(k).into())
			.ok_or(Error::<T>::Overflow)?;
		// Enough judges now (the draw itself waits for a block hash nobody knows yet).
		let mut candidates = Candidates::<T>::of(&record.model, Role::Verifier);
		candidates
			.draw_seeded(&[], k, &Self::shunned(&record, &challenger))
			.ok_or(Error::<T>::NotEnoughVerifiers)?;
		let draw_at = now.saturating_add(One::one());
		let slots = Self::free_slots(draw_at, 1).ok_or(Error::<T>::MarketBusy)?;
		// From the signer, never from an operator's account through its worker key: a worker
		// key spends nothing of its operator's.
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		// Nothing fails from here on.
		record.deadline = slots.first().map(|(block, _)| *block).unwrap_or(draw_at);
		Self::push_deadlines(slots, &[job]);
		if let Some(auditor) = Audits::<T>::take(job) {
			AuditorJobs::<T>::remove(auditor, job);
		}
		// The model stays while its result is in question.
		ModelJobs::<T>::mutate(record.model, |open| *open = open.saturating_add(1));
		Jobs::<T>::insert(job, record);
		Challenges::<T>::insert(
			job,
			Challenge { challenger: challenger.clone(), judges: k, bond, outcome: None },
		);
		Self::deposit_event(Event::Challenged { job, challenger, bond });
		Ok(k)
	}

	/// Draws the judges of the challenge of `job` (its deadline entry, in a block after the
	/// challenge's): by bond among the verifiers serving the model, never those
	/// [`Self::shunned`], from `blake2_256(parent hash ‖ job ‖ "challenge" ‖ i)` — the hash
	/// of a block built after the challenge was sent, so the challenger could not know its
	/// judges. They play a round of an execution period of commits and one of reveals, the
	/// job's `deadline` its end. Too few verifiers left: the challenge ends undecided.
	pub(crate) fn draw_judges(job: JobId, mut record: JobOf<T>) -> DispatchResult {
		let mut challenge = Challenges::<T>::get(job).ok_or(Error::<T>::NotChallengeable)?;
		let parent = frame_system::Pallet::<T>::parent_hash();
		let shunned = Self::shunned(&record, &challenge.challenger);
		let mut candidates = Candidates::<T>::of(&record.model, Role::Verifier);
		let seed = (parent, job, b"challenge").encode();
		let Some(judges) = candidates.draw_seeded(&seed, challenge.judges, &shunned) else {
			Self::release_bond(&challenge, challenge.bond)?;
			challenge.outcome = Some(ChallengeOutcome::NoQuorum);
			Challenges::<T>::insert(job, challenge);
			Self::end_challenge(job, &record);
			Self::deposit_event(Event::ChallengeUndecided { job });
			return Ok(());
		};
		let now = frame_system::Pallet::<T>::block_number();
		let period = Params::<T>::get().execution_period;
		let commit_deadline = now.saturating_add(period);
		let deadline = commit_deadline.saturating_add(period);
		record.deadline = deadline;
		if Self::schedule(deadline, &[job]) > 0 {
			// Every queue near its end is full (`try_state` reports such a challenge).
			log::error!(target: LOG_TARGET, "challenge of job {job:?}: no queue has room for its end");
		}
		for judge in &judges {
			VerifierJobs::<T>::insert(judge, job, ());
			WorkerLoad::<T>::mutate(judge, |load| *load = load.saturating_add(1));
		}
		Jobs::<T>::insert(job, record);
		Rounds::<T>::insert(job, Self::new_round(judges.iter().cloned(), commit_deadline));
		Self::deposit_event(Event::VerifiersAssigned { job, verifiers: judges });
		Ok(())
	}

	/// Closes the round of the challenge of `job` (see `challenge`): slashes the judges
	/// outside its majority as in a `Consensus` round, frees them, and settles the challenge on
	/// the majority's output.
	pub(crate) fn close_challenge(
		job: JobId,
		mut record: JobOf<T>,
		mut round: RoundOf<T>,
	) -> DispatchResult {
		let mut challenge = Challenges::<T>::get(job).ok_or(Error::<T>::NotChallengeable)?;
		let params = Params::<T>::get();
		let tolerance = Self::tolerance_of(&record.model);
		let majority = round.majority(&tolerance);
		round.closed = Some(majority);
		Self::slash_outsiders(&round, majority, &tolerance, None, &params);
		for (member, _) in round.members.iter() {
			VerifierJobs::<T>::remove(member, job);
			Self::lower_load(member, 1);
		}
		let bond_reason = HoldReason::ChallengeBond.into();
		let each = Self::pay_per_run(&record);
		let agreed = majority.and_then(|index| {
			round.outputs.get(usize::from(index)).cloned().map(|output| (index, output))
		});
		let outcome = match agreed {
			None => {
				Self::release_bond(&challenge, challenge.bond)?;
				Self::deposit_event(Event::ChallengeUndecided { job });
				ChallengeOutcome::NoQuorum
			},
			Some((index, output))
				if record
					.output
					.as_ref()
					.is_some_and(|worker| tolerance.agree(worker, &output)) =>
			{
				// The worker was right: the bond pays each judge who agreed a run.
				let mut left = challenge.bond;
				for member in Self::agreeing(&round, index, &tolerance) {
					let pay = each.min(left);
					left = left.saturating_sub(pay);
					Self::pay_held(&bond_reason, &challenge.challenger, &member, pay)?;
				}
				Self::release_bond(&challenge, left)?;
				Self::deposit_event(Event::ChallengeRejected { job });
				ChallengeOutcome::Rejected
			},
			Some((index, output)) => {
				Self::release_bond(&challenge, challenge.bond)?;
				// Out of the worker's slash, in order while it lasts: the requester's money
				// back, each agreeing judge's run, the challenger's reward (as much as its
				// bond); the rest to the treasury.
				let mut payees = alloc::vec![(record.requester.clone(), record.paid)];
				let judges = Self::agreeing(&round, index, &tolerance);
				payees.extend(judges.into_iter().map(|judge| (judge, each)));
				payees.push((challenge.challenger.clone(), challenge.bond));
				let slashed = T::Operators::slash_fraction_paying(
					&record.worker,
					params.bad_proof_slash,
					SlashReason::BadResult,
					&payees,
				);
				let output_hash = sp_io::hashing::blake2_256(&output);
				record.output = Some(output);
				Self::deposit_event(Event::ChallengeUpheld {
					job,
					output_hash,
					slashed,
					refunded: slashed.min(record.paid),
				});
				ChallengeOutcome::Upheld
			},
		};
		challenge.outcome = Some(outcome);
		Challenges::<T>::insert(job, challenge);
		Rounds::<T>::insert(job, round);
		Self::end_challenge(job, &record);
		Jobs::<T>::insert(job, record);
		Ok(())
	}

	/// What ends with a challenge of `record`: the model's count of open work, and, should the
	/// retention have shrunk since the settlement so that its pruning came while the challenge
	/// ran, a new pruning entry (a second one finds the job gone).
	fn end_challenge(job: JobId, record: &JobOf<T>) {
		ModelJobs::<T>::mutate_exists(record.model, |open| {
			*open = open.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
		});
		if let Some(settled) = record.finished_at {
			let at = settled.saturating_add(Params::<T>::get().retention_period);
			if at <= frame_system::Pallet::<T>::block_number() {
				Self::schedule(at, &[job]);
			}
		}
	}

	/// Returns what is left of the bond of `challenge` to its challenger.
	fn release_bond(challenge: &ChallengeOf<T>, amount: BalanceOf<T>) -> DispatchResult {
		let reason = HoldReason::ChallengeBond.into();
		T::Currency::release(&reason, &challenge.challenger, amount, Precision::Exact).map(|_| ())
	}

	/// Picks the settled `Fast` job `job` for an audit with probability
	/// [`MarketParams::audit_fraction`], from the parent hash of the block its deadline entry
	/// is worked in (which its worker could not know when it answered), and draws its auditor:
	/// a verifier serving the model, by bond, never the worker or the requester. Returns what
	/// it cost.
	pub(crate) fn draw_audit(job: JobId, record: &JobOf<T>) -> Weight {
		let skipped = Self::audit_miss();
		if record.mode != VerificationMode::Fast || record.status != JobStatus::Settled {
			return skipped;
		}
		let fraction = Params::<T>::get().audit_fraction;
		if fraction.is_zero() {
			return skipped;
		}
		let parent = frame_system::Pallet::<T>::parent_hash();
		let seed = sp_io::hashing::blake2_256(&(parent, job, b"audit").encode());
		let point = u32::from_le_bytes([seed[0], seed[1], seed[2], seed[3]]);
		let point = sp_runtime::Perbill::from_parts(point % 1_000_000_000);
		// A challenged or audited job is not audited (again); both are read only on a hit.
		if point >= fraction || Challenges::<T>::contains_key(job) || Audits::<T>::contains_key(job)
		{
			return skipped;
		}
		let mut candidates = Candidates::<T>::of(&record.model, Role::Verifier);
		let shunned =
			[record.worker.clone(), record.requester.clone(), Self::operator_of(&record.requester)];
		let drawn = candidates.draw_seeded(&(parent, job, b"auditor").encode(), 1, &shunned);
		if let Some(auditor) = drawn.and_then(|drawn| drawn.into_iter().next()) {
			Audits::<T>::insert(job, auditor.clone());
			AuditorJobs::<T>::insert(&auditor, job, ());
			Self::deposit_event(Event::AuditAssigned { job, auditor });
		}
		T::WeightInfo::deadline_audit()
	}

	/// What the deadline entry of a job answered in time costs when it draws no audit (as
	/// `deadline_stale` measures it: the entry's read, its challenge's, the parameters' and the
	/// parent hash's).
	pub(crate) fn audit_miss() -> Weight {
		T::WeightInfo::deadline_stale()
	}

	/// The challenge of `job` as clients see it.
	pub fn challenge_view(job: JobId) -> Option<ChallengeOf<T>> {
		Challenges::<T>::get(job)
	}

	/// The settled `Fast` jobs `auditor` audits whose challenge period is not over.
	pub fn audits_for(
		auditor: &T::AccountId,
	) -> Vec<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let now = frame_system::Pallet::<T>::block_number();
		let period = Params::<T>::get().challenge_period;
		AuditorJobs::<T>::iter_key_prefix(auditor)
			.filter_map(|id| Jobs::<T>::get(id).map(|job| (id, job)))
			.filter(|(_, job)| job.finished_at.is_some_and(|at| now < at.saturating_add(period)))
			.map(|(id, job)| job.view(id))
			.collect()
	}

	/// Removes what a pruned `Fast` job leaves of its challenge (and its judges' round) and
	/// audit; returns how many entries it removed.
	pub(crate) fn forget_challenge(job: JobId) -> u64 {
		let mut removed = 0;
		if Challenges::<T>::contains_key(job) {
			Challenges::<T>::remove(job);
			Rounds::<T>::remove(job);
			removed = 2;
		}
		if let Some(auditor) = Audits::<T>::get(job) {
			Audits::<T>::remove(job);
			AuditorJobs::<T>::remove(auditor, job);
			removed = removed.saturating_add(2);
		}
		removed
	}

	/// Works the deadline entry of the open challenge of `job`: draws its judges, or closes
	/// their round. Returns what it cost.
	pub(crate) fn challenge_step(job: JobId, record: JobOf<T>) -> (DispatchResult, Weight) {
		match Rounds::<T>::get(job) {
			Some(round) => (
				Self::close(job, record, round),
				T::WeightInfo::deadline_challenge(Self::pairs(u8::MAX)),
			),
			None => (
				Self::draw_judges(job, record),
				T::WeightInfo::deadline_judges(Self::pairs(u8::MAX)),
			),
		}
	}

	/// Whether `job` has a challenge whose round is still open.
	pub(crate) fn challenge_open(job: JobId) -> bool {
		Challenges::<T>::get(job).is_some_and(|challenge| challenge.outcome.is_none())
	}
}
