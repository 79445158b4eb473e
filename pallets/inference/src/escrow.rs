//! Closing jobs: paying the fee out of the escrow, returning the rest or all of it, freeing the
//! worker and scheduling the pruning. A batch of results gathers all of it in a [`Closing`] and
//! moves each account's money, each counter and each queue once.

use super::*;

/// What closing jobs changes beyond each job's own record, gathered so that closing fifty jobs
/// of a few requesters makes a few transfers, not a hundred and fifty.
pub(crate) struct Closing<T: Config> {
	/// Escrow paid out, by (requester, recipient).
	payments: Vec<((T::AccountId, T::AccountId), BalanceOf<T>)>,
	/// Escrow returned, by requester.
	returns: Vec<(T::AccountId, BalanceOf<T>)>,
	/// Jobs taken off each worker's load.
	loads: Vec<(T::AccountId, u32)>,
	/// Jobs closed, by model.
	models: Vec<(ModelId, u32)>,
	/// Jobs to prune once the retention period is over.
	pruning: Vec<JobId>,
	/// Events deposited once the money has moved.
	events: Vec<Event<T>>,
	/// The owner and royalty of each model met (`None`: the model is gone).
	terms: Vec<(ModelId, Option<(T::AccountId, sp_runtime::Perbill)>)>,
	params: MarketParamsOf<T>,
	now: BlockNumberFor<T>,
}

impl<T: Config> Closing<T> {
	pub(crate) fn new() -> Self {
		Self {
			payments: Vec::new(),
			returns: Vec::new(),
			loads: Vec::new(),
			models: Vec::new(),
			pruning: Vec::new(),
			events: Vec::new(),
			terms: Vec::new(),
			params: Params::<T>::get(),
			now: frame_system::Pallet::<T>::block_number(),
		}
	}

	/// Settles `record`: its fee split between the worker, the model's owner (royalty) and the
	/// treasury, the rest of its escrow returned.
	pub(crate) fn settle(&mut self, job: JobId, record: JobOf<T>) {
		let (split, owner) = self.split(&record);
		let worker = record.worker.clone();
		self.pay_out(job, record, split, owner, &[(worker, split.worker)]);
	}

	/// Settles the `Consensus` job `record` on its round's majority, `agreeing` the members who
	/// revealed the majority's output, of `members` (the worker and its verifiers): the owner
	/// and the treasury are paid as for any job, and what a `Fast` worker would get is shared
	/// equally among the members (the fee pays one run each), each part paid if its member
	/// agreed. The parts of members outside the majority, and what does not divide evenly,
	/// return to the requester.
	pub(crate) fn settle_round(
		&mut self,
		job: JobId,
		record: JobOf<T>,
		agreeing: &[T::AccountId],
		members: u32,
	) {
		let (split, owner) = self.split(&record);
		let each = sp_runtime::traits::CheckedDiv::checked_div(&split.worker, &members.into())
			.unwrap_or_else(Zero::zero);
		let shares: Vec<(T::AccountId, BalanceOf<T>)> =
			agreeing.iter().map(|who| (who.clone(), each)).collect();
		self.pay_out(job, record, split, owner, &shares);
	}

	/// The fee split of `record` and the owner its royalty goes to (the treasury if the model
	/// is gone).
	fn split(&mut self, record: &JobOf<T>) -> (FeeSplit<BalanceOf<T>>, T::AccountId) {
		let royalty = self.royalty_of(&record.model);
		let split = FeeSplit::of(
			record.fee,
			royalty.as_ref().map(|(_, share)| *share).unwrap_or_default(),
			self.params.treasury_share,
		);
		// Without an owner (a reaped model) the royalty goes to the treasury.
		let owner = royalty.map(|(owner, _)| owner).unwrap_or_else(T::Treasury::get);
		(split, owner)
	}

	/// Pays the royalty and the treasury's share of `split` and `shares` out of the escrow of
	/// `record`, returns the rest, and finishes the job as settled.
	fn pay_out(
		&mut self,
		job: JobId,
		mut record: JobOf<T>,
		split: FeeSplit<BalanceOf<T>>,
		owner: T::AccountId,
		shares: &[(T::AccountId, BalanceOf<T>)],
	) {
		let treasury = T::Treasury::get();
		let mut paid = BalanceOf::<T>::zero();
		let fixed = [(owner, split.royalty), (treasury, split.treasury)];
		for (to, amount) in shares.iter().chain(fixed.iter()) {
			if !amount.is_zero() {
				tally(&mut self.payments, &(record.requester.clone(), to.clone()), *amount);
				paid = paid.saturating_add(*amount);
			}
		}
		let rest = record.max_fee.saturating_sub(paid);
		if !rest.is_zero() {
			tally(&mut self.returns, &record.requester, rest);
		}
		record.paid = paid;
		self.finish(job, record, JobStatus::Settled);
		self.events.push(Event::JobSettled { job, paid });
	}

	/// Refunds `record`: its escrow returned in full.
	pub(crate) fn refund(&mut self, job: JobId, record: JobOf<T>, reason: RefundReason) {
		tally(&mut self.returns, &record.requester, record.max_fee);
		self.finish(job, record, JobStatus::Refunded(reason));
		self.events.push(Event::JobRefunded { job, reason });
	}

	/// Marks `record` finished and stores it; its worker, model and pruning follow in
	/// [`Self::apply`].
	fn finish(&mut self, job: JobId, mut record: JobOf<T>, status: JobStatus) {
		WorkerJobs::<T>::remove(&record.worker, job);
		tally(&mut self.loads, &record.worker, 1);
		let round = match record.mode {
			VerificationMode::Consensus(_) => Rounds::<T>::get(job),
			_ => None,
		};
		if let Some(mut round) = round {
			for verifier in round.verifiers() {
				VerifierJobs::<T>::remove(verifier, job);
				tally(&mut self.loads, verifier, 1);
			}
			if round.closed.is_none() {
				round.closed = Some(None);
				Rounds::<T>::insert(job, round);
			}
		}
		tally(&mut self.models, &record.model, 1);
		self.pruning.push(job);
		record.status = status;
		record.finished_at = Some(self.now);
		Jobs::<T>::insert(job, record);
	}

	fn royalty_of(&mut self, model: &ModelId) -> Option<(T::AccountId, sp_runtime::Perbill)> {
		if let Some((_, known)) = self.terms.iter().find(|(id, _)| id == model) {
			return known.clone();
		}
		let known = T::Models::terms(model).map(|terms| (terms.owner, terms.royalty));
		self.terms.push((*model, known.clone()));
		known
	}

	/// Moves the money, updates the loads and counters, schedules the pruning and deposits the
	/// events.
	pub(crate) fn apply(self) -> DispatchResult {
		for ((from, to), amount) in self.payments {
			// The requester never pays twice.
			Pallet::<T>::pay_held(&HoldReason::JobEscrow.into(), &from, &to, amount)?;
		}
		for (requester, amount) in self.returns {
			T::Currency::release(
				&HoldReason::JobEscrow.into(),
				&requester,
				amount,
				Precision::Exact,
			)?;
		}
		for (worker, done) in self.loads {
			Pallet::<T>::lower_load(&worker, done);
		}
		for (model, done) in self.models {
			ModelJobs::<T>::mutate_exists(model, |open| {
				*open = open.map(|n| n.saturating_sub(done)).filter(|n| *n > 0);
			});
		}
		let unscheduled = Pallet::<T>::schedule(
			self.now.saturating_add(self.params.retention_period),
			&self.pruning,
		);
		if unscheduled > 0 {
			// Every queue near the pruning block is full: these jobs stay until someone calls
			// `prune_job` (their requesters, to get their deposits back).
			log::warn!(target: LOG_TARGET, "{unscheduled} finished jobs could not be scheduled for pruning");
		}
		for event in self.events {
			Pallet::<T>::deposit_event(event);
		}
		Ok(())
	}
}

impl<T: Config> Pallet<T> {
	/// Settles one job (see [`Closing::settle`]).
	pub(crate) fn settle(job: JobId, record: JobOf<T>) -> DispatchResult {
		let mut closing = Closing::new();
		closing.settle(job, record);
		closing.apply()
	}

	/// Returns the escrow of one job in full and finishes it.
	pub(crate) fn refund(job: JobId, record: JobOf<T>, reason: RefundReason) -> DispatchResult {
		let mut closing = Closing::new();
		closing.refund(job, record, reason);
		closing.apply()
	}

	/// Pays `amount` of `from`'s hold `reason` (a job's escrow, a challenge's bond) to `to`; a
	/// recipient that cannot receive it (an account below the existential deposit) forfeits
	/// it to the treasury.
	pub(crate) fn pay_held(
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
				// What is held is owed: locks or freezes on the payer's account do not keep it.
				Fortitude::Force,
			)
		};
		pay(to).or_else(|_| pay(&T::Treasury::get())).map(|_| ())
	}
}

/// Adds `n` to `key`'s entry in `entries`: what a batch changes in a per-account or per-model
/// amount, written once at its end.
pub(crate) fn tally<K: PartialEq + Clone, V: Saturating + Copy>(
	entries: &mut Vec<(K, V)>,
	key: &K,
	n: V,
) {
	match entries.iter_mut().find(|(k, _)| k == key) {
		Some((_, sum)) => *sum = sum.saturating_add(n),
		None => entries.push((key.clone(), n)),
	}
}
