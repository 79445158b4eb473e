//! The deadline queues: each job's deadline and, once it finished, its pruning are entries in
//! the queue of a block ([`Deadlines`]), worked through by `on_initialize` from
//! [`DeadlineCursor`] under a weight meter (see the module docs' *Deadlines*).

use super::*;

// What entries cost, how many a queue admits, and working through them.
impl<T: Config> Pallet<T> {
	/// The most one entry can cost: a missed deadline with a slash and a reassignment among
	/// [`Config::MaxOperators`], a `Consensus` round or a challenge closed with every member
	/// slashed, an audit drawn, or a pruning. The meter starts an entry only with this much
	/// weight left.
	pub fn worst_entry() -> Weight {
		T::WeightInfo::deadline_timeout(T::MaxOperators::get())
			.max(T::WeightInfo::deadline_round(Self::pairs(u8::MAX)))
			.max(T::WeightInfo::deadline_challenge(Self::pairs(u8::MAX)))
			.max(T::WeightInfo::deadline_judges(Self::pairs(u8::MAX)))
			.max(T::WeightInfo::deadline_audit())
			.max(T::WeightInfo::deadline_prune())
			.max(Self::reschedule_weight())
	}

	/// The cursor's read and write: what deadline processing costs even with nothing due.
	fn cursor_weight() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}

	/// The least a block's deadline work must have room for: the cursor, a queue's visit and
	/// its worst entry.
	pub fn least_deadline_work() -> Weight {
		Self::cursor_weight()
			.saturating_add(T::WeightInfo::deadline_step())
			.saturating_add(Self::worst_entry())
	}

	/// A pruning entry that came early (the retention period grew) and is queued again.
	fn reschedule_weight() -> Weight {
		T::WeightInfo::deadline_stale().saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}

	/// How many entries one block's queue admits: [`Config::MaxDeadlinesPerBlock`], or fewer
	/// when one block's deadline weight could not work through that many entries of jobs
	/// answered in time and of prunings, so the queues keep up with what the market admits. (A
	/// block of missed deadlines costs more and is worked off over the following blocks; each
	/// costs its worker a slash.)
	pub fn queue_capacity() -> u32 {
		let room =
			T::MaxDeadlineWeight::get().saturating_sub(Self::least_deadline_work()).ref_time();
		let entry = Self::audit_miss()
			.max(T::WeightInfo::deadline_prune())
			.max(Self::reschedule_weight())
			.ref_time()
			.max(1);
		let fit = u32::try_from(room.checked_div(entry).unwrap_or(0)).unwrap_or(u32::MAX);
		T::MaxDeadlinesPerBlock::get().min(fit).max(1)
	}

	/// Where `count` entries due at `at` go: blocks from `at` (and after the current block) with
	/// the room each gives, searching at most [`SCHEDULE_SPREAD`] blocks; `None` if they do not
	/// hold `count` entries between them.
	pub(crate) fn free_slots(
		at: BlockNumberFor<T>,
		count: u32,
	) -> Option<Vec<(BlockNumberFor<T>, u32)>> {
		let (slots, left) = Self::room_for(at, count);
		(left == 0).then_some(slots)
	}

	/// As [`Self::free_slots`], but as many as there is room for, and how many found none.
	fn room_for(at: BlockNumberFor<T>, count: u32) -> (Vec<(BlockNumberFor<T>, u32)>, u32) {
		let earliest = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		let mut block = at.max(earliest);
		let capacity = Self::queue_capacity();
		let mut left = count;
		let mut slots = Vec::new();
		for _ in 0..SCHEDULE_SPREAD {
			if left == 0 {
				break;
			}
			let len =
				u32::try_from(Deadlines::<T>::decode_len(block).unwrap_or(0)).unwrap_or(u32::MAX);
			let room = capacity.saturating_sub(len).min(left);
			if room > 0 {
				slots.push((block, room));
				left = left.saturating_sub(room);
			}
			block = block.saturating_add(One::one());
		}
		(slots, left)
	}

	/// Adds `jobs` to the queues [`Self::free_slots`] found room in, in order.
	pub(crate) fn push_deadlines(slots: Vec<(BlockNumberFor<T>, u32)>, jobs: &[JobId]) {
		let mut jobs = jobs.iter();
		for (block, room) in slots {
			Deadlines::<T>::mutate(block, |queue| {
				for &job in jobs.by_ref().take(room as usize) {
					if queue.try_push(job).is_err() {
						log::error!(target: LOG_TARGET, "deadline queue of {block:?} full for job {job:?}");
					}
				}
			});
		}
	}

	/// Schedules `jobs` from block `at` on, as many as there is room for (one search of the
	/// queues); returns how many found none.
	pub(crate) fn schedule(at: BlockNumberFor<T>, jobs: &[JobId]) -> u32 {
		let count = u32::try_from(jobs.len()).unwrap_or(u32::MAX);
		let (slots, left) = Self::room_for(at, count);
		Self::push_deadlines(slots, jobs);
		left
	}

	/// Works through the deadline queues up to `now` while the block's deadline weight
	/// ([`Config::MaxDeadlineWeight`]) has room for a block's visit and a worst-case entry; each
	/// entry is charged what it cost. What is left is carried over to the next block.
	pub(crate) fn process_deadlines(now: BlockNumberFor<T>) -> Weight {
		let limit = T::MaxDeadlineWeight::get();
		let step = T::WeightInfo::deadline_step();
		let worst = Self::worst_entry();
		let mut used = Self::cursor_weight();
		let mut cursor = DeadlineCursor::<T>::get();
		while cursor <= now && used.saturating_add(step).saturating_add(worst).all_lte(limit) {
			used.saturating_accrue(step);
			let queue = Deadlines::<T>::take(cursor).into_inner();
			let mut entries = queue.into_iter();
			let mut rest = Vec::new();
			for job in entries.by_ref() {
				if !used.saturating_add(worst).all_lte(limit) {
					rest.push(job);
					break;
				}
				used.saturating_accrue(Self::process_entry(job, cursor, now));
			}
			rest.extend(entries);
			if !rest.is_empty() {
				// Carried over: this block's queue is resumed in the next block.
				Deadlines::<T>::insert(cursor, BoundedVec::truncate_from(rest));
				break;
			}
			cursor = cursor.saturating_add(One::one());
		}
		DeadlineCursor::<T>::put(cursor);
		used
	}

	/// Handles one entry of the queue of block `queued`: a missed deadline, the pruning of a
	/// finished job, or nothing (an entry made stale by a result or a reassignment). Returns
	/// what it cost.
	pub(crate) fn process_entry(
		job: JobId,
		queued: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> Weight {
		let Some(record) = Jobs::<T>::get(job) else { return T::WeightInfo::deadline_stale() };
		if record.status.is_open() {
			if record.deadline > now {
				return T::WeightInfo::deadline_stale();
			}
			// The slash and what follows stand or fall together: a step that fails is retried
			// next block, and must not slash again.
			let step = frame_support::storage::with_storage_layer(|| {
				// A round closes on what its members revealed.
				if let Some(round) = Rounds::<T>::get(job) {
					return Self::close(job, record, round).map(|()| 0);
				}
				// A worker whose key was replaced under it could not prove: no slash, and the
				// job goes back to its requester rather than to another worker.
				if Self::key_replaced(&record) {
					return Self::refund(job, record, RefundReason::KeyChanged).map(|()| 0);
				}
				let fraction = Params::<T>::get().missed_deadline_slash;
				T::Operators::slash_fraction(&record.worker, fraction, SlashReason::MissedDeadline);
				Self::reassign_or_refund(job, record, RefundReason::DeadlineMissed)
			});
			if let Err(error) = step {
				log::error!(target: LOG_TARGET, "job {job:?} past its deadline: {error:?}");
				Self::schedule(now.saturating_add(One::one()), &[job]);
			}
			// Charged at the bound of operators: the operators pallet reads every operator
			// listed for the model, eligible or not.
			Self::worst_entry()
		} else {
			Self::process_finished(job, record, queued, now)
		}
	}

	/// Handles an entry of the finished job `job` (`record`): a step of its challenge, its
	/// pruning, its audit's draw, or nothing.
	fn process_finished(
		job: JobId,
		record: JobOf<T>,
		queued: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> Weight {
		let challenged = Self::challenge_open(job);
		if challenged && record.deadline <= now {
			// A challenge's judges are drawn, or their round closes on what they revealed.
			let mut cost = Weight::zero();
			let step = frame_support::storage::with_storage_layer(|| {
				let (result, weight) = Self::challenge_step(job, record);
				cost = weight;
				result
			});
			if let Err(error) = step {
				log::error!(target: LOG_TARGET, "challenge of job {job:?}: {error:?}");
				if Self::schedule(now.saturating_add(One::one()), &[job]) > 0 {
					log::error!(target: LOG_TARGET, "challenge of job {job:?}: no room to retry");
				}
			}
			cost
		} else if !challenged && Self::retention_over(&record, now) {
			T::WeightInfo::deadline_prune().saturating_add(Self::prune(job, record))
		} else if let Some(at) = record.finished_at {
			// An entry in a queue past every block the job's deadline entries can sit in is its
			// pruning, come early because the retention period grew since: schedule it again
			// (if the queues are full, `prune_job` remains). Entries of earlier queues are stale
			// deadlines, however late the cursor reaches them.
			if queued > record.deadline.saturating_add(SCHEDULE_SPREAD.into()) {
				Self::schedule(at.saturating_add(Params::<T>::get().retention_period), &[job]);
				return Self::reschedule_weight();
			}
			// The deadline entry of a job answered in time: a settled `Fast` job may be
			// picked for an audit now (earlier entries of the job are a declined worker's).
			if queued >= record.deadline {
				return Self::draw_audit(job, &record);
			}
			T::WeightInfo::deadline_stale()
		} else {
			T::WeightInfo::deadline_stale()
		}
	}

	/// Whether the finished job `job` (`record`) may be pruned at `now`: its retention period
	/// is over and no challenge of it is running.
	pub(crate) fn prunable(job: JobId, record: &JobOf<T>, now: BlockNumberFor<T>) -> bool {
		Self::retention_over(record, now) && !Self::challenge_open(job)
	}

	/// Whether the retention period of the finished job `record` is over at `now`.
	fn retention_over(record: &JobOf<T>, now: BlockNumberFor<T>) -> bool {
		record
			.finished_at
			.is_some_and(|at| at.saturating_add(Params::<T>::get().retention_period) <= now)
	}

	/// Removes the finished job `job` and returns its deposit.
	/// Returns what it cost beyond [`WeightInfo::deadline_prune`] (a job whose frozen feeds,
	/// round, challenge or audit go with it).
	pub(crate) fn prune(job: JobId, record: JobOf<T>) -> Weight {
		if !record.deposit.is_zero() {
			let released = T::Currency::release(
				&HoldReason::JobDeposit.into(),
				&record.requester,
				record.deposit,
				Precision::BestEffort,
			);
			// Only this pallet touches the hold, so this cannot fall short; best effort keeps
			// pruning possible regardless.
			if released.map_or(true, |amount| amount < record.deposit) {
				log::error!(target: LOG_TARGET, "job {job:?}: its deposit was not held in full");
			}
		}
		Jobs::<T>::remove(job);
		// Most jobs have neither frozen feeds, round, challenge nor audit: a read each tells,
		// and only what exists is removed.
		let feeds = JobFeeds::<T>::contains_key(job);
		if feeds {
			JobFeeds::<T>::remove(job);
		}
		let removed = u64::from(feeds).saturating_add(match record.mode {
			VerificationMode::Consensus(_) => {
				Rounds::<T>::remove(job);
				1
			},
			VerificationMode::Fast => Self::forget_challenge(job),
			VerificationMode::Zk => 0,
		});
		RequesterJobs::<T>::remove(&record.requester, job);
		Self::deposit_event(Event::JobPruned { job });
		T::DbWeight::get().writes(removed)
	}
}
