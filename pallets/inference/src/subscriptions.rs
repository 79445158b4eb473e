//! Subscriptions: recurring jobs over oracle feeds (see the module docs' *Subscriptions*).
//!
//! A subscription holds its whole escrow at once ([`HoldReason::SubscriptionEscrow`]): each run
//! a job's `max_fee` and deposit. It waits in the queue of the block its next run is due
//! ([`SubscriptionQueue`]); `on_finalize` takes that queue and, for each subscription, releases
//! one run's money and submits a job on the feeds' values of that block, as the requester would.
//! A run the market refuses (a stale feed, no operator, a busy market) is skipped: its `max_fee`
//! stays released (refunded) and its job deposit goes to the treasury. What is left of a subscription is released when it is cancelled,
//! ends, or can no longer run (its model retired, a feed removed).

use super::*;
use sp_runtime::traits::CheckedAdd;

impl<T: Config> Pallet<T> {
	/// Creates a subscription of `requester` (see [`Pallet::subscribe`]).
	pub(crate) fn do_subscribe(
		requester: T::AccountId,
		model: ModelId,
		feeds: BoundedVec<FeedId, T::MaxFeeds>,
		mode: VerificationMode,
		period: BlockNumberFor<T>,
		runs: u32,
		max_fee: BalanceOf<T>,
	) -> Result<SubscriptionId, DispatchError> {
		frame_support::ensure!(
			!period.is_zero() && runs > 0 && runs <= T::MaxRuns::get(),
			Error::<T>::InvalidSubscription
		);
		let (terms, _, _) = Self::job_terms(&model, mode, max_fee)?;
		Self::feeds_fit(&feeds, terms.input_elements)?;
		// A feed may have no fresh value yet (its runs are skipped until it has one), but it
		// must exist.
		for &feed in feeds.iter() {
			frame_support::ensure!(
				T::Feeds::reading(feed) != Err(FeedError::Unknown),
				Error::<T>::UnknownFeed
			);
		}
		let per_run = max_fee.checked_add(&Self::job_deposit(mode)?).ok_or(Error::<T>::Overflow)?;
		let escrow = per_run.checked_mul(&runs.into()).ok_or(Error::<T>::Overflow)?;
		let id = NextSubscriptionId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let now = frame_system::Pallet::<T>::block_number();
		let first = Self::subscription_slot(now.saturating_add(One::one()))
			.ok_or(Error::<T>::MarketBusy)?;
		T::Currency::hold(&HoldReason::SubscriptionEscrow.into(), &requester, escrow)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		// Nothing fails from here on.
		NextSubscriptionId::<T>::put(next_id);
		Self::queue_run(first, id);
		RequesterSubscriptions::<T>::insert(&requester, id, ());
		Self::deposit_event(Event::Subscribed {
			subscription: id,
			requester: requester.clone(),
			model,
			runs,
			period,
		});
		Subscriptions::<T>::insert(
			id,
			Subscription {
				requester,
				model,
				feeds,
				mode,
				period,
				max_fee,
				per_run,
				runs_left: runs,
				next_run: first,
				jobs: 0,
				skipped: 0,
				last_job: None,
			},
		);
		Ok(id)
	}

	/// Cancels subscription `id` of `requester`: releases what is left of its escrow.
	pub(crate) fn do_cancel_subscription(
		requester: &T::AccountId,
		id: SubscriptionId,
	) -> DispatchResult {
		let subscription = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		frame_support::ensure!(subscription.requester == *requester, Error::<T>::NotRequester);
		SubscriptionQueue::<T>::mutate_exists(subscription.next_run, |queue| {
			if let Some(entries) = queue {
				entries.retain(|entry| *entry != id);
				if entries.is_empty() {
					*queue = None;
				}
			}
		});
		let refunded = Self::close_subscription(id, &subscription);
		Self::deposit_event(Event::SubscriptionCancelled { subscription: id, refunded });
		Ok(())
	}

	/// The first block from `at` whose subscription queue has room, searching
	/// [`SCHEDULE_SPREAD`] blocks.
	fn subscription_slot(at: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
		let capacity = T::MaxRunsPerBlock::get() as usize;
		let mut block = at;
		for _ in 0..SCHEDULE_SPREAD {
			if SubscriptionQueue::<T>::decode_len(block).unwrap_or(0) < capacity {
				return Some(block);
			}
			block = block.saturating_add(One::one());
		}
		None
	}

	/// Puts subscription `id` in the queue of block `at`, which [`Self::subscription_slot`]
	/// found with room.
	fn queue_run(at: BlockNumberFor<T>, id: SubscriptionId) {
		SubscriptionQueue::<T>::mutate(at, |queue| {
			if queue.try_push(id).is_err() {
				log::error!(target: LOG_TARGET, "subscription queue of {at:?} full");
			}
		});
	}

	/// Removes subscription `id` (already out of the queues) and releases what is left of its
	/// escrow; returns it.
	fn close_subscription(id: SubscriptionId, subscription: &SubscriptionOf<T>) -> BalanceOf<T> {
		let left = subscription.per_run.saturating_mul(subscription.runs_left.into());
		let released = Self::release_escrow(&subscription.requester, left);
		Subscriptions::<T>::remove(id);
		RequesterSubscriptions::<T>::remove(&subscription.requester, id);
		released
	}

	/// Releases `amount` of `requester`'s subscription escrow; returns what was released.
	fn release_escrow(requester: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		let released = T::Currency::release(
			&HoldReason::SubscriptionEscrow.into(),
			requester,
			amount,
			Precision::BestEffort,
		)
		.unwrap_or_else(|_| Zero::zero());
		// Only this pallet touches the hold, so this cannot fall short.
		if released < amount {
			log::error!(target: LOG_TARGET, "a subscription escrow of {requester:?} fell short");
		}
		released
	}

	/// What opening the runs due at block `now` will cost (charged in `on_initialize`, done in
	/// `on_finalize`): the queue, and each subscription in it read and run.
	pub(crate) fn subscriptions_weight(now: BlockNumberFor<T>) -> Weight {
		let db = T::DbWeight::get();
		SubscriptionQueue::<T>::get(now)
			.into_iter()
			.filter_map(Subscriptions::<T>::get)
			.map(|subscription| {
				Self::run_weight(subscription.feeds.len() as u32, subscription.mode)
			})
			.fold(db.reads_writes(1, 1), |total, run| {
				total.saturating_add(run).saturating_add(db.reads(1))
			})
	}

	/// Opens the runs due at block `now`.
	pub(crate) fn process_subscriptions(now: BlockNumberFor<T>) {
		for id in SubscriptionQueue::<T>::take(now) {
			if let Some(subscription) = Subscriptions::<T>::get(id) {
				Self::run_subscription(id, subscription, now);
			}
		}
	}

	/// The most one run of a subscription of `feeds` feeds in `mode` costs: the benchmark's
	/// bookkeeping and feeds beyond a one-operator submission, and a worst-case submission.
	pub fn run_weight(feeds: u32, mode: VerificationMode) -> Weight {
		T::WeightInfo::subscription_run(feeds)
			.saturating_sub(T::WeightInfo::submit_job(1))
			.saturating_add(Self::submit_weight(1, T::MaxOperators::get(), mode))
	}

	/// Runs `subscription` once at block `now`: releases a run's money and submits its job; a
	/// job the market refuses is skipped (its `max_fee` stays released, its deposit pays the
	/// treasury unless the refusal ends the subscription). Ends it after its last run, or when
	/// it can no longer run.
	fn run_subscription(
		id: SubscriptionId,
		mut subscription: SubscriptionOf<T>,
		now: BlockNumberFor<T>,
	) {
		subscription.runs_left = subscription.runs_left.saturating_sub(1);
		Self::release_escrow(&subscription.requester, subscription.per_run);
		let input = JobInput::Feeds(subscription.feeds.clone());
		let submitted = frame_support::storage::with_storage_layer(|| {
			Self::do_submit(
				subscription.requester.clone(),
				subscription.model,
				alloc::vec![input],
				subscription.mode,
				subscription.max_fee,
			)
		});
		let mut ended = false;
		match submitted {
			Ok((jobs, _)) => {
				let job = jobs.first().copied();
				subscription.jobs = subscription.jobs.saturating_add(1);
				subscription.last_job = job;
				if let Some(job) = job {
					Self::deposit_event(Event::SubscriptionRan { subscription: id, job });
				}
			},
			Err(error) => {
				subscription.skipped = subscription.skipped.saturating_add(1);
				// Errors no later block can mend end the subscription, at no cost to the
				// requester. Any other refusal costs the run's job deposit, paid to the
				// treasury: a subscription over a feed nobody reports holds its run slots, and
				// the blocks' run weight, at a price.
				ended = [
					Error::<T>::UnknownModel,
					Error::<T>::ModelRetired,
					Error::<T>::ModeNotSupported,
					Error::<T>::UnknownFeed,
					Error::<T>::NoVerifyingKey,
				]
				.into_iter()
				.any(|permanent| error == permanent.into());
				let charged = if ended {
					Zero::zero()
				} else {
					let deposit = subscription.per_run.saturating_sub(subscription.max_fee);
					// Just released, so it is there to pay.
					T::Currency::transfer(
						&subscription.requester,
						&T::Treasury::get(),
						deposit,
						frame_support::traits::tokens::Preservation::Expendable,
					)
					.map(|_| deposit)
					.unwrap_or_else(|_| Zero::zero())
				};
				Self::deposit_event(Event::SubscriptionRunSkipped {
					subscription: id,
					error,
					charged,
				});
			},
		}
		let next = now.saturating_add(subscription.period);
		let slot = match (ended, subscription.runs_left) {
			(false, 1..) => Self::subscription_slot(next),
			_ => None,
		};
		match slot {
			Some(at) => {
				subscription.next_run = at;
				Self::queue_run(at, id);
				Subscriptions::<T>::insert(id, subscription);
			},
			None => {
				let refunded = Self::close_subscription(id, &subscription);
				Self::deposit_event(Event::SubscriptionEnded { subscription: id, refunded });
			},
		}
	}

	/// The subscription `id` as clients see it.
	pub fn subscription_view(
		id: SubscriptionId,
	) -> Option<SubscriptionView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		Subscriptions::<T>::get(id).map(|subscription| subscription.view(id))
	}

	/// The subscriptions of `requester`, by id.
	pub fn subscriptions_of(
		requester: &T::AccountId,
	) -> Vec<SubscriptionView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let mut ids: Vec<SubscriptionId> =
			RequesterSubscriptions::<T>::iter_key_prefix(requester).collect();
		ids.sort_unstable();
		ids.into_iter().filter_map(Self::subscription_view).collect()
	}

	/// The invariants of subscriptions (see the module docs).
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub(crate) fn check_subscriptions() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::ensure;
		let now = frame_system::Pallet::<T>::block_number();
		let mut queued: BTreeMap<SubscriptionId, (BlockNumberFor<T>, u32)> = BTreeMap::new();
		for (block, queue) in SubscriptionQueue::<T>::iter() {
			ensure!(block > now, "a subscription queue left behind");
			for id in queue {
				let entry = queued.entry(id).or_insert((block, 0));
				entry.1 = entry.1.saturating_add(1);
			}
		}
		let next = NextSubscriptionId::<T>::get();
		let mut escrow: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, subscription) in Subscriptions::<T>::iter() {
			ensure!(id < next, "a subscription id at or above the counter");
			ensure!(subscription.runs_left > 0, "a subscription without runs left");
			ensure!(
				queued.remove(&id) == Some((subscription.next_run, 1)),
				"a subscription is not queued once, at its next run"
			);
			ensure!(
				RequesterSubscriptions::<T>::contains_key(&subscription.requester, id),
				"requester index misses a subscription"
			);
			let sum = escrow.entry(subscription.requester.clone()).or_insert_with(Zero::zero);
			*sum = sum
				.saturating_add(subscription.per_run.saturating_mul(subscription.runs_left.into()));
		}
		ensure!(queued.is_empty(), "a queued subscription that does not exist");
		for (who, id) in RequesterSubscriptions::<T>::iter_keys() {
			ensure!(
				Subscriptions::<T>::get(id).is_some_and(|s| s.requester == who),
				"requester index has strangers"
			);
		}
		let holders: alloc::collections::btree_set::BTreeSet<T::AccountId> =
			RequesterSubscriptions::<T>::iter_keys().map(|(who, _)| who).collect();
		for who in holders {
			let held = T::Currency::balance_on_hold(&HoldReason::SubscriptionEscrow.into(), &who);
			let expected = escrow.get(&who).copied().unwrap_or_else(Zero::zero);
			ensure!(held == expected, "subscription escrow differs from its runs left");
		}
		Ok(())
	}
}
