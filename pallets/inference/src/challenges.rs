//! Challenges and audits of `Fast` results: a settled result may be challenged for
//! [`MarketParams::challenge_period`] blocks, and verifiers then re-run the job in a round
//! without its worker; a part of the settled jobs is picked at random for an audit by a
//! verifier (see the module docs' *Challenges and audits*).

use super::*;
use crate::assignment::Candidates;
use frame_support::traits::tokens::Preservation;
use sp_runtime::traits::AccountIdConversion;

/// The account a worker's slash passes through on its way to the requester, the verifiers and
/// the challenger; empty between calls.
const POT: frame_support::PalletId = frame_support::PalletId(*b"vrty/chl");

impl<T: Config> Pallet<T> {
	/// The account of [`POT`].
	pub fn challenge_pot() -> T::AccountId {
		POT.into_account_truncating()
	}

	/// What a challenge of `record` holds from its challenger for each of its verifiers: a
	/// run's pay, the job's fee, and at least [`Config::JobDeposit`], so a challenge of a job
	/// of a free model still costs something.
	pub(crate) fn pay_per_run(record: &JobOf<T>) -> BalanceOf<T> {
		record.fee.max(T::JobDeposit::get())
	}

	/// The operator `who` acts for: itself, or the operator that named it its worker.
	fn operator_of(who: &T::AccountId) -> T::AccountId {
		T::Operators::operator_of_worker(who).unwrap_or_else(|| who.clone())
	}

	/// `signer` challenges the result of `job` (see `challenge`). Returns how many verifiers
	/// it drew.
	pub(crate) fn do_challenge(signer: T::AccountId, job: JobId) -> Result<u8, DispatchError> {
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
		// The draw is seeded by the settlement block's hash, which nobody knows before that
		// block is built, and which the chain knows from the next one on.
		frame_support::ensure!(now > settled, Error::<T>::ChallengeTooEarly);
		frame_support::ensure!(
			now < settled.saturating_add(params.challenge_period),
			Error::<T>::ChallengePeriodOver
		);
		let challenger = if signer == record.requester {
			signer
		} else {
			let operator = Self::operator_of(&signer);
			frame_support::ensure!(
				T::Operators::is_active(&operator, Role::Verifier),
				Error::<T>::NotChallenger
			);
			operator
		};
		frame_support::ensure!(challenger != record.worker, Error::<T>::NotChallenger);
		let k = params.challenge_verifiers;
		let bond = Self::pay_per_run(&record)
			.checked_mul(&u32::from(k).into())
			.ok_or(Error::<T>::Overflow)?;
		// Never the worker, nor anyone who gains by a verdict against it.
		let shunned = [record.worker.clone(), Self::operator_of(&record.requester), challenger.clone()];
		let mut candidates = Candidates::<T>::of(&record.model, Role::Verifier);
		let seed = frame_system::Pallet::<T>::block_hash(settled);
		let verifiers = candidates
			.draw_seeded(&(seed, job, b"challenge").encode(), k, &shunned)
			.ok_or(Error::<T>::NotEnoughVerifiers)?;
		let commit_deadline = now.saturating_add(params.execution_period);
		let deadline = commit_deadline.saturating_add(params.execution_period);
		let slots = Self::free_slots(deadline, 1).ok_or(Error::<T>::MarketBusy)?;
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		// Nothing fails from here on.
		Self::push_deadlines(slots, &[job]);
		for verifier in &verifiers {
			VerifierJobs::<T>::insert(verifier, job, ());
			WorkerLoad::<T>::mutate(verifier, |load| *load = load.saturating_add(1));
		}
		if let Some(auditor) = Audits::<T>::take(job) {
			AuditorJobs::<T>::remove(auditor, job);
		}
		// The round's reveals end at the job's deadline, as a `Consensus` round's do.
		record.deadline = deadline;
		Jobs::<T>::insert(job, record);
		Rounds::<T>::insert(job, Self::new_round(verifiers.iter().cloned(), commit_deadline));
		Challenges::<T>::insert(
			job,
			Challenge { challenger: challenger.clone(), bond, outcome: None },
		);
		Self::deposit_event(Event::Challenged { job, challenger, verifiers, bond });
		Ok(k)
	}

	/// Closes the round of the challenge of `job` (see `challenge`): slashes the verifiers
	/// outside its majority as in a `Consensus` round, frees its members, and settles the
	/// challenge on the majority's output.
	pub(crate) fn close_challenge(
		job: JobId,
		mut record: JobOf<T>,
		mut round: RoundOf<T>,
	) -> DispatchResult {
		let mut challenge = Challenges::<T>::get(job).ok_or(Error::<T>::NotChallengeable)?;
		let params = Params::<T>::get();
		let majority = round.majority();
		round.closed = Some(majority);
		Self::slash_outsiders(&round, majority, None, &params);
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
				T::Currency::release(&bond_reason, &challenge.challenger, challenge.bond, Precision::Exact)?;
				Self::deposit_event(Event::ChallengeUndecided { job });
				ChallengeOutcome::NoQuorum
			},
			Some((index, output)) if record.output.as_ref() == Some(&output) => {
				// The worker was right: the bond pays each verifier who agreed a run.
				let mut left = challenge.bond;
				for member in Self::agreeing(&round, index) {
					let pay = each.min(left);
					left = left.saturating_sub(pay);
					Self::pay_from_hold(&bond_reason, &challenge.challenger, &member, pay)?;
				}
				T::Currency::release(&bond_reason, &challenge.challenger, left, Precision::Exact)?;
				Self::deposit_event(Event::ChallengeRejected { job });
				ChallengeOutcome::Rejected
			},
			Some((index, output)) => {
				T::Currency::release(&bond_reason, &challenge.challenger, challenge.bond, Precision::Exact)?;
				let pot = Self::challenge_pot();
				let slashed = T::Operators::slash_fraction_to(
					&record.worker,
					params.bad_proof_slash,
					SlashReason::BadResult,
					&pot,
				);
				// Out of the slash: the requester's money back, each agreeing verifier's run,
				// the challenger's reward (as much as its bond), the rest to the treasury.
				let mut left = slashed;
				let refunded = take(&mut left, record.paid);
				let mut payments = alloc::vec![(record.requester.clone(), refunded)];
				for member in Self::agreeing(&round, index) {
					payments.push((member, take(&mut left, each)));
				}
				payments.push((challenge.challenger.clone(), take(&mut left, challenge.bond)));
				payments.push((T::Treasury::get(), left));
				for (to, amount) in payments {
					Self::pay_from_pot(&pot, &to, amount);
				}
				let output_hash = sp_io::hashing::blake2_256(&output);
				record.output = Some(output);
				Jobs::<T>::insert(job, record.clone());
				Self::deposit_event(Event::ChallengeUpheld { job, output_hash, slashed, refunded });
				ChallengeOutcome::Upheld
			},
		};
		challenge.outcome = Some(outcome);
		Challenges::<T>::insert(job, challenge);
		Rounds::<T>::insert(job, round);
		// The pruning was scheduled at the settlement; should the retention have shrunk since
		// so that it came while the challenge ran, it is scheduled again (a second entry finds
		// the job gone).
		if let Some(settled) = record.finished_at {
			let at = settled.saturating_add(params.retention_period);
			if at <= frame_system::Pallet::<T>::block_number() {
				Self::schedule(at, &[job]);
			}
		}
		Ok(())
	}

	/// Pays `amount` of `from`'s hold `reason` to `to`; an account that cannot receive it
	/// (below the existential deposit) forfeits it to the treasury.
	fn pay_from_hold(
		reason: &T::RuntimeHoldReason,
		from: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		let pay = |to: &T::AccountId| {
			T::Currency::transfer_on_hold(
				reason,
				from,
				to,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)
		};
		pay(to).or_else(|_| pay(&T::Treasury::get())).map(|_| ())
	}

	/// Pays `amount` out of the pot to `to`, or to the treasury if `to` cannot receive it.
	fn pay_from_pot(pot: &T::AccountId, to: &T::AccountId, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		let paid = T::Currency::transfer(pot, to, amount, Preservation::Expendable)
			.or_else(|_| T::Currency::transfer(pot, &T::Treasury::get(), amount, Preservation::Expendable));
		if let Err(error) = paid {
			log::error!(target: LOG_TARGET, "a slash of {amount:?} stayed in the pot: {error:?}");
		}
	}

	/// Picks the settled `Fast` job `job` for an audit with probability
	/// [`MarketParams::audit_fraction`], from the parent hash of the block its deadline entry
	/// is worked in (which its worker could not know when it answered), and draws its auditor:
	/// a verifier serving the model, by bond, never the worker or the requester. Returns what
	/// it cost.
	pub(crate) fn draw_audit(job: JobId, record: &JobOf<T>) -> Weight {
		let fraction = Params::<T>::get().audit_fraction;
		if fraction.is_zero()
			|| record.mode != VerificationMode::Fast
			|| record.status != JobStatus::Settled
			|| Challenges::<T>::contains_key(job)
			|| Audits::<T>::contains_key(job)
		{
			return T::WeightInfo::deadline_stale();
		}
		let parent = frame_system::Pallet::<T>::parent_hash();
		let seed = sp_io::hashing::blake2_256(&(parent, job, b"audit").encode());
		let point = u32::from_le_bytes([seed[0], seed[1], seed[2], seed[3]]);
		let point = sp_runtime::Perbill::from_parts(point % 1_000_000_000);
		if point >= fraction {
			return T::WeightInfo::deadline_stale();
		}
		let mut candidates = Candidates::<T>::of(&record.model, Role::Verifier);
		let shunned = [record.worker.clone(), Self::operator_of(&record.requester)];
		let drawn = candidates.draw_seeded(&(parent, job, b"auditor").encode(), 1, &shunned);
		if let Some(auditor) = drawn.and_then(|drawn| drawn.into_iter().next()) {
			Audits::<T>::insert(job, auditor.clone());
			AuditorJobs::<T>::insert(&auditor, job, ());
			Self::deposit_event(Event::AuditAssigned { job, auditor });
		}
		T::WeightInfo::deadline_audit()
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

	/// Removes what a pruned job leaves of its challenge and audit.
	pub(crate) fn forget_challenge(job: JobId) {
		Challenges::<T>::remove(job);
		if let Some(auditor) = Audits::<T>::take(job) {
			AuditorJobs::<T>::remove(auditor, job);
		}
	}

	/// Whether `job` has a challenge whose round is still open.
	pub(crate) fn challenge_open(job: JobId) -> bool {
		Challenges::<T>::get(job).is_some_and(|challenge| challenge.outcome.is_none())
	}
}

/// Takes up to `amount` out of `left`; returns what it took.
fn take<Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(
	left: &mut Balance,
	amount: Balance,
) -> Balance {
	let part = amount.min(*left);
	*left = left.saturating_sub(part);
	part
}
