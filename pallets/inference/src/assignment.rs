//! Submission and assignment: checking a batch of jobs, holding their escrow, and drawing a
//! worker for each among the eligible operators (see the module docs' *Assignment*).

use super::*;

/// The operators serving a model, with their bonds and loads, read once for everything one call
/// assigns: a batch of fifty jobs reads the operator set and the loads once, not fifty times.
pub(crate) struct Candidates<T: Config> {
	/// Operator, bond (the draw's weight), the most jobs it may hold, the jobs it holds.
	operators: Vec<(T::AccountId, u128, u32, u32)>,
	/// How many operators the search looked through, eligible or not.
	listed: u32,
}

impl<T: Config> Candidates<T> {
	/// The operators of `role` serving `model` now.
	pub(crate) fn of(model: &ModelId, role: Role) -> Self {
		let ceiling = Params::<T>::get().max_concurrent_jobs;
		let (eligible, listed) = T::Operators::serving_model(model, role);
		let operators = eligible
			.into_iter()
			.map(|(who, bond, max_jobs)| {
				let load = WorkerLoad::<T>::get(&who);
				(who, bond.unique_saturated_into(), max_jobs.min(ceiling), load)
			})
			.collect();
		Self { operators, listed }
	}

	/// How many operators the assignment looked through (what it cost): every operator listed
	/// for the model, eligible or not, and at least the eligible ones.
	pub(crate) fn serving(&self) -> u32 {
		self.listed.max(u32::try_from(self.operators.len()).unwrap_or(u32::MAX))
	}

	/// Draws the worker of attempt `attempt` of `job`: an operator with room, not `exclude`,
	/// with probability proportional to its bond, from `blake2_256(parent ‖ job ‖ attempt)`.
	/// Counts the job in its load.
	pub(crate) fn draw(
		&mut self,
		job: JobId,
		attempt: u8,
		exclude: Option<&T::AccountId>,
	) -> Option<T::AccountId> {
		let seed = (frame_system::Pallet::<T>::parent_hash(), job, attempt).encode();
		self.draw_from(&seed, exclude.map(core::slice::from_ref).unwrap_or_default())
	}

	/// Draws the `k` verifiers of `job`, none of them in `exclude` (the worker, the
	/// requester), each from `blake2_256(parent ‖ job ‖ "verifier" ‖ i)` among those not drawn
	/// yet; `None` if fewer than `k` can take it. Counts the job in their loads.
	pub(crate) fn draw_verifiers(
		&mut self,
		job: JobId,
		k: u8,
		exclude: &[T::AccountId],
	) -> Option<Vec<T::AccountId>> {
		let parent = frame_system::Pallet::<T>::parent_hash();
		self.draw_seeded(&(parent, job, b"verifier").encode(), k, exclude)
	}

	/// Draws `k` distinct operators, none of them in `exclude`, the `i`-th from
	/// `blake2_256(seed ‖ i)` among those not drawn yet; `None` if fewer than `k` can be.
	/// Counts the job in their loads.
	pub(crate) fn draw_seeded(
		&mut self,
		seed: &[u8],
		k: u8,
		exclude: &[T::AccountId],
	) -> Option<Vec<T::AccountId>> {
		let mut shunned = exclude.to_vec();
		let mut drawn = Vec::with_capacity(usize::from(k));
		for index in 0..k {
			let mut seed = seed.to_vec();
			index.encode_to(&mut seed);
			let verifier = self.draw_from(&seed, &shunned)?;
			shunned.push(verifier.clone());
			drawn.push(verifier);
		}
		Some(drawn)
	}

	/// Counts a job `who` took through another set of candidates (an operator of both roles
	/// drawn as a worker), so its load here stays true.
	pub(crate) fn note(&mut self, who: &T::AccountId) {
		if let Some(operator) = self.operators.iter_mut().find(|operator| operator.0 == *who) {
			operator.3 = operator.3.saturating_add(1);
		}
	}

	/// Draws an operator with room, not in `exclude`, with probability proportional to its
	/// bond, from `blake2_256(seed)`. Counts the job in its load.
	pub(crate) fn draw_from(
		&mut self,
		seed: &[u8],
		exclude: &[T::AccountId],
	) -> Option<T::AccountId> {
		let eligible = |(who, bond, max_jobs, load): &(T::AccountId, u128, u32, u32)| {
			!exclude.contains(who) && load < max_jobs && *bond > 0
		};
		let total = self
			.operators
			.iter()
			.filter(|operator| eligible(operator))
			.fold(0u128, |sum, (_, bond, ..)| sum.saturating_add(*bond));
		if total == 0 {
			return None;
		}
		let seed = sp_io::hashing::blake2_256(seed);
		let mut draw = [0u8; 16];
		draw.copy_from_slice(seed.get(..16)?);
		let mut point = u128::from_le_bytes(draw).checked_rem(total)?;
		for operator in self.operators.iter_mut().filter(|operator| eligible(operator)) {
			if point < operator.1 {
				operator.3 = operator.3.saturating_add(1);
				return Some(operator.0.clone());
			}
			point = point.saturating_sub(operator.1);
		}
		None
	}
}

impl<T: Config> Pallet<T> {
	/// What a job of `model` in `mode` paying at most `max_fee` is bought under: the model's
	/// terms, the fee, and the length its input must have. Refuses what `submit_job` refuses
	/// of a model and a mode.
	pub(crate) fn job_terms(
		model: &ModelId,
		mode: VerificationMode,
		max_fee: BalanceOf<T>,
	) -> Result<(ModelTerms<T::AccountId, BalanceOf<T>>, BalanceOf<T>, Option<u32>), DispatchError>
	{
		let terms = T::Models::terms(model).ok_or(Error::<T>::UnknownModel)?;
		let fee = Self::fee_under(&terms, mode).map_err(|error| match error {
			EstimateError::UnknownModel => Error::<T>::UnknownModel,
			EstimateError::ModelRetired => Error::<T>::ModelRetired,
			EstimateError::ModeNotSupported => Error::<T>::ModeNotSupported,
			EstimateError::Overflow => Error::<T>::Overflow,
			EstimateError::InvalidVerifierCount => Error::<T>::InvalidVerifierCount,
		})?;
		// A `Fast` input is the tensor's bytes; a `Zk` input is one `i8` an element, the
		// quantized input the proof is about. Outputs likewise; one longer than a result may be
		// could never be delivered.
		let (expected_len, output_len) = match mode {
			VerificationMode::Fast => (terms.input_len, terms.output_len),
			VerificationMode::Zk => {
				frame_support::ensure!(terms.has_key, Error::<T>::NoVerifyingKey);
				(terms.input_elements, terms.output_elements)
			},
			// Members run the model on the same input as a `Fast` worker and reveal its bytes
			// (`fee_under` checked `k`).
			VerificationMode::Consensus(_) => (terms.input_len, terms.output_len),
		};
		frame_support::ensure!(
			output_len.is_some_and(|len| len <= T::MaxOutputLen::get()),
			Error::<T>::OutputTooLong
		);
		frame_support::ensure!(max_fee >= fee, Error::<T>::MaxFeeTooLow);
		Ok((terms, fee, expected_len))
	}

	/// The storage deposit of one job in `mode`: a round keeps up to one output a member, so
	/// its deposit grows with them.
	pub(crate) fn job_deposit(mode: VerificationMode) -> Result<BalanceOf<T>, DispatchError> {
		let members = match mode {
			VerificationMode::Consensus(k) => u32::from(k).saturating_add(1),
			_ => 1,
		};
		Ok(T::JobDeposit::get().checked_mul(&members.into()).ok_or(Error::<T>::Overflow)?)
	}

	/// Whether `ids` name one feed for each of the model's `elements` input elements.
	pub(crate) fn feeds_fit(ids: &[FeedId], elements: Option<u32>) -> DispatchResult {
		frame_support::ensure!(!ids.is_empty(), Error::<T>::EmptyInput);
		frame_support::ensure!(
			elements == u32::try_from(ids.len()).ok(),
			Error::<T>::InputSizeMismatch
		);
		Ok(())
	}

	/// The current values of `ids`, one for each of the model's `elements` input elements.
	fn read_feeds(
		ids: &[FeedId],
		elements: Option<u32>,
	) -> Result<FeedReadingsOf<T>, DispatchError> {
		Self::feeds_fit(ids, elements)?;
		let mut readings = FeedReadingsOf::<T>::default();
		for &feed in ids {
			let reading = T::Feeds::reading(feed).map_err(|error| match error {
				FeedError::Unknown => Error::<T>::UnknownFeed,
				FeedError::NoValue => Error::<T>::NoFeedValue,
				FeedError::Stale => Error::<T>::StaleFeed,
			})?;
			readings.try_push(reading).map_err(|_| Error::<T>::InputSizeMismatch)?;
		}
		Ok(readings)
	}

	/// Checks a batch of jobs of one requester, model, mode and `max_fee` each, holds their
	/// escrow and deposits, and assigns each a worker. All or nothing: an error changes
	/// nothing. Returns the new jobs' ids and how many operators serve the model (what the
	/// assignment cost).
	pub(crate) fn do_submit(
		requester: T::AccountId,
		model: ModelId,
		inputs: Vec<JobInputOf<T>>,
		mode: VerificationMode,
		max_fee: BalanceOf<T>,
	) -> Result<(Vec<JobId>, u32), DispatchError> {
		frame_support::ensure!(!inputs.is_empty(), Error::<T>::EmptyBatch);
		let (terms, fee, expected_len) = Self::job_terms(&model, mode, max_fee)?;
		// Feeds are read now and frozen into the job: its input is their encoding.
		let element = match mode {
			VerificationMode::Zk => Element::I8,
			_ => terms.input_element,
		};
		let mut frozen = Vec::new();
		let mut inputs = inputs;
		for input in inputs.iter_mut() {
			let readings = match input {
				JobInput::Inline(_) => None,
				JobInput::Feeds(ids) => {
					let readings = Self::read_feeds(ids, terms.input_elements)?;
					let bytes = verity_primitives::feed_tensor(element, &readings)
						.ok_or(Error::<T>::FeedValueOutOfRange)?;
					*input = JobInput::Inline(
						BoundedVec::try_from(bytes).map_err(|_| Error::<T>::InputSizeMismatch)?,
					);
					Some(readings)
				},
			};
			frozen.push(readings);
			let bytes = input.bytes();
			frame_support::ensure!(!bytes.is_empty(), Error::<T>::EmptyInput);
			frame_support::ensure!(
				expected_len == u32::try_from(bytes.len()).ok(),
				Error::<T>::InputSizeMismatch
			);
		}
		let count = u32::try_from(inputs.len()).map_err(|_| Error::<T>::Overflow)?;
		let first = NextJobId::<T>::get();
		let next = first.0.checked_add(u64::from(count)).ok_or(Error::<T>::Overflow)?;
		let now = frame_system::Pallet::<T>::block_number();
		let mut candidates = Candidates::<T>::of(&model, Role::Inference);
		let mut verifiers = match mode {
			VerificationMode::Consensus(_) => Some(Candidates::<T>::of(&model, Role::Verifier)),
			_ => None,
		};
		// Nobody is a member of a round it pays for: a requester's own member could veto the
		// majority (a refund) and read the others' outputs for nothing.
		let requester_operator = verifiers.as_ref().map(|_| Self::operator_of(&requester));
		let mut workers = Vec::with_capacity(inputs.len());
		let mut rounds = Vec::new();
		for index in 0..u64::from(count) {
			let job = JobId(first.0.saturating_add(index));
			let worker = candidates
				.draw(job, 1, requester_operator.as_ref())
				.ok_or(Error::<T>::NoEligibleOperator)?;
			if let (Some(verifiers), VerificationMode::Consensus(k)) = (verifiers.as_mut(), mode) {
				verifiers.note(&worker);
				let mut shunned = alloc::vec![worker.clone()];
				shunned.extend(requester_operator.clone());
				let drawn = verifiers
					.draw_verifiers(job, k, &shunned)
					.ok_or(Error::<T>::NotEnoughVerifiers)?;
				for verifier in &drawn {
					candidates.note(verifier);
				}
				rounds.push(drawn);
			}
			workers.push(worker);
		}
		let period = Params::<T>::get().execution_period;
		let commit_deadline = now.saturating_add(period);
		// A round's reveals take another period after its commits.
		let deadline = match mode {
			VerificationMode::Consensus(_) => commit_deadline.saturating_add(period),
			_ => commit_deadline,
		};
		let slots = Self::free_slots(deadline, count).ok_or(Error::<T>::MarketBusy)?;
		let deposit = Self::job_deposit(mode)?;
		let escrow = max_fee.checked_mul(&count.into()).ok_or(Error::<T>::Overflow)?;
		let deposits = deposit.checked_mul(&count.into()).ok_or(Error::<T>::Overflow)?;
		T::Currency::hold(&HoldReason::JobEscrow.into(), &requester, escrow)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		if !deposits.is_zero() {
			// The call is transactional: a failure here also undoes the escrow hold.
			T::Currency::hold(&HoldReason::JobDeposit.into(), &requester, deposits)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}

		// Nothing fails from here on.
		NextJobId::<T>::put(JobId(next));
		let ids: Vec<JobId> =
			(0..u64::from(count)).map(|i| JobId(first.0.saturating_add(i))).collect();
		Self::push_deadlines(slots, &ids);
		let mut loads: Vec<(T::AccountId, u32)> = Vec::new();
		let mut rounds = rounds.into_iter();
		for (((&id, worker), input), readings) in ids.iter().zip(workers).zip(inputs).zip(frozen) {
			if let Some(readings) = readings {
				JobFeeds::<T>::insert(id, readings);
			}
			WorkerJobs::<T>::insert(&worker, id, ());
			tally(&mut loads, &worker, 1);
			let member = worker.clone();
			RequesterJobs::<T>::insert(&requester, id, ());
			Self::deposit_event(Event::JobSubmitted {
				job: id,
				model,
				requester: requester.clone(),
				worker: worker.clone(),
			});
			Jobs::<T>::insert(
				id,
				Job {
					requester: requester.clone(),
					model,
					input,
					mode,
					max_fee,
					fee,
					worker,
					attempts: 1,
					submitted_at: now,
					assigned_at: now,
					deadline,
					key_version: terms.key_version,
					deposit,
					status: JobStatus::Assigned,
					output: None,
					paid: Zero::zero(),
					finished_at: None,
				},
			);
			if let Some(verifiers) = rounds.next() {
				for verifier in &verifiers {
					VerifierJobs::<T>::insert(verifier, id, ());
					tally(&mut loads, verifier, 1);
				}
				Self::deposit_event(Event::VerifiersAssigned {
					job: id,
					verifiers: verifiers.clone(),
				});
				let members = core::iter::once(member).chain(verifiers);
				Rounds::<T>::insert(id, Self::new_round(members, commit_deadline));
			}
		}
		for (worker, added) in loads {
			WorkerLoad::<T>::mutate(&worker, |load| *load = load.saturating_add(added));
		}
		ModelJobs::<T>::mutate(model, |open| *open = open.saturating_add(count));
		let serving = verifiers.map_or(0, |verifiers| verifiers.serving());
		Ok((ids, candidates.serving().max(serving)))
	}

	/// Gives the job to another eligible operator if it was not reassigned before, else refunds
	/// it with `reason` ([`RefundReason::NoOperator`] when nobody can take it). Returns how many
	/// operators serve the model.
	pub(crate) fn reassign_or_refund(
		job: JobId,
		mut record: JobOf<T>,
		reason: RefundReason,
	) -> Result<u32, DispatchError> {
		if record.attempts >= 2 {
			return Self::refund(job, record, reason).map(|()| 0);
		}
		let now = frame_system::Pallet::<T>::block_number();
		let deadline = now.saturating_add(Params::<T>::get().execution_period);
		let attempt = record.attempts.saturating_add(1);
		let mut candidates = Candidates::<T>::of(&record.model, Role::Inference);
		let operators = candidates.serving();
		let next = candidates.draw(job, attempt, Some(&record.worker));
		let (Some(to), Some(slots)) = (next, Self::free_slots(deadline, 1)) else {
			return Self::refund(job, record, RefundReason::NoOperator).map(|()| operators);
		};
		Self::remove_load(&record.worker, job);
		Self::add_load(&to, job);
		Self::push_deadlines(slots, &[job]);
		let from = core::mem::replace(&mut record.worker, to.clone());
		record.attempts = attempt;
		record.assigned_at = now;
		record.deadline = deadline;
		Jobs::<T>::insert(job, record);
		Self::deposit_event(Event::JobReassigned { job, from, to });
		Ok(operators)
	}

	pub(crate) fn add_load(worker: &T::AccountId, job: JobId) {
		WorkerJobs::<T>::insert(worker, job, ());
		WorkerLoad::<T>::mutate(worker, |load| *load = load.saturating_add(1));
	}

	pub(crate) fn remove_load(worker: &T::AccountId, job: JobId) {
		WorkerJobs::<T>::remove(worker, job);
		Self::lower_load(worker, 1);
	}

	/// Takes `done` jobs off `worker`'s load.
	pub(crate) fn lower_load(worker: &T::AccountId, done: u32) {
		WorkerLoad::<T>::mutate_exists(worker, |load| {
			*load = load.map(|n| n.saturating_sub(done)).filter(|n| *n > 0);
		});
	}
}
