//! Benchmarks (v2) of every call of the job market and of its deadline processing, each with
//! the deadline queues it searches full (see [`congest`]), so weights hold for a busy market.

// A benchmark's setup failing is a broken benchmark: it may panic.
#![allow(clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use crate::Pallet as Inference;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use frame_support::{traits::fungible::Mutate, BoundedVec};
use frame_system::RawOrigin;
use sp_runtime::traits::Bounded;

/// An account endowed with plenty of balance.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000u32.into());
	who
}

/// A model with outputs of `output_len` bytes served by `n` workers. The ranges stop one below
/// [`Config::MaxOperators`]: a chain's genesis may already hold an inference operator (Alice on
/// the dev chain).
fn market_with_output<T: Config>(n: u32, output_len: u32) -> ModelId {
	let owner = funded::<T>("owner", 0);
	let model = T::BenchmarkHelper::register_model(&owner, 0, output_len);
	for i in 0..n {
		T::BenchmarkHelper::register_worker(&funded::<T>("worker", i), model);
	}
	model
}

fn market<T: Config>(n: u32) -> ModelId {
	market_with_output::<T>(n, T::MaxOutputLen::get())
}

/// A model of `f` `f32` inputs served by one worker, and `f` fresh feeds.
fn feeds_market<T: Config>(f: u32) -> (ModelId, Vec<FeedId>) {
	let owner = funded::<T>("owner", 0);
	let model = T::BenchmarkHelper::register_feeds_model(&owner, 0, f);
	T::BenchmarkHelper::register_worker(&funded::<T>("worker", 0), model);
	(model, (0..f).map(T::BenchmarkHelper::fresh_feed).collect())
}

/// A requester's `Fast` subscription of ten runs, one a block, over `f` fresh feeds.
fn subscribed<T: Config>(f: u32) -> Result<(T::AccountId, SubscriptionId), BenchmarkError> {
	let (model, ids) = feeds_market::<T>(f);
	let requester = funded::<T>("requester", 0);
	let max_fee = Inference::<T>::estimate_fee(&model, VerificationMode::Fast)
		.unwrap_or_else(|_| Zero::zero());
	let id = Inference::<T>::do_subscribe(
		requester.clone(),
		model,
		BoundedVec::truncate_from(ids),
		VerificationMode::Fast,
		One::one(),
		10,
		max_fee,
	)
	.map_err(|_| BenchmarkError::Stop("subscribe"))?;
	Ok((requester, id))
}

/// Fills the subscription queues of the [`SCHEDULE_SPREAD`] blocks from `from` but the last,
/// so scheduling a run at `from` searches them all.
fn fill_subscription_queue<T: Config>(from: BlockNumberFor<T>) {
	let mut block = from;
	for _ in 1..SCHEDULE_SPREAD {
		let queue: Vec<SubscriptionId> =
			(0..T::MaxRunsPerBlock::get()).map(|i| u64::MAX - u64::from(i)).collect();
		SubscriptionQueue::<T>::insert(block, BoundedVec::truncate_from(queue));
		block = block.saturating_add(One::one());
	}
}

/// Fills the deadline queues of the [`SCHEDULE_SPREAD`] blocks from `from` but the last, so
/// scheduling an entry at `from` searches them all before it finds room: the worst case of a
/// busy market. The entries name no job, so processing them does nothing.
fn congest<T: Config>(from: BlockNumberFor<T>) {
	let capacity = Inference::<T>::queue_capacity();
	let mut block = from;
	let mut filler = u64::MAX;
	for _ in 1..SCHEDULE_SPREAD {
		let queue: Vec<JobId> = (0..capacity)
			.map(|_| {
				filler -= 1;
				JobId(filler)
			})
			.collect();
		Deadlines::<T>::insert(block, BoundedVec::truncate_from(queue));
		block = block.saturating_add(One::one());
	}
}

/// The block a job submitted now would have its deadline in.
fn deadline_now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(Params::<T>::get().execution_period)
}

fn max_input<T: Config>() -> JobInputOf<T> {
	JobInput::Inline(BoundedVec::truncate_from(alloc::vec![7u8; T::MaxInputLen::get() as usize]))
}

/// A requester with one open `Fast` job on a model served by `n` workers.
fn open_job<T: Config>(n: u32) -> (T::AccountId, JobId) {
	open_job_of::<T>(market::<T>(n))
}

/// A requester with one open `Fast` job of `model`.
fn open_job_of<T: Config>(model: ModelId) -> (T::AccountId, JobId) {
	let requester = funded::<T>("requester", 0);
	let max_fee = Inference::<T>::estimate_fee(&model, VerificationMode::Fast)
		.unwrap_or_else(|_| Zero::zero())
		.saturating_mul(2u32.into());
	let ids = Inference::<T>::do_submit(
		requester.clone(),
		model,
		alloc::vec![max_input::<T>()],
		VerificationMode::Fast,
		max_fee,
	)
	.expect("the job is submitted")
	.0;
	(requester, ids[0])
}

/// A `Fast` job of `model` answered by its worker at once: settled, its deadline entry and its
/// pruning still queued.
fn settled_job<T: Config>(model: ModelId, output_len: u32) -> JobId {
	let (_, id) = open_job_of::<T>(model);
	let output = BoundedVec::truncate_from(alloc::vec![1u8; output_len as usize]);
	Pallet::<T>::submit_result(RawOrigin::Signed(worker_of::<T>(id)).into(), id, output)
		.expect("the result is accepted");
	id
}

/// A model served by `n` workers and by as many verifiers as the role has room for (the most a
/// draw looks through).
fn consensus_market<T: Config>(n: u32) -> ModelId {
	let model = market::<T>(n);
	for i in 0..T::MaxOperators::get() {
		if !T::BenchmarkHelper::register_verifier(&funded::<T>("verifier", i), model) {
			break;
		}
	}
	model
}

/// `Consensus(k)` with `p` verifier pairs beyond the first verifier.
fn consensus<T: Config>(p: u32) -> VerificationMode {
	VerificationMode::Consensus((2 * p + 1) as u8)
}

/// The largest `p` the runtime allows.
fn max_pairs<T: Config>() -> u32 {
	(T::MaxVerifiers::get() - 1) / 2
}

/// An open `Consensus` job with `p` verifier pairs, on a market of `n` workers.
fn open_round<T: Config>(n: u32, p: u32) -> JobId {
	let model = consensus_market::<T>(n);
	let requester = funded::<T>("requester", 0);
	let mode = consensus::<T>(p);
	let max_fee = Inference::<T>::estimate_fee(&model, mode).unwrap_or_else(|_| Zero::zero());
	Inference::<T>::do_submit(requester, model, alloc::vec![max_input::<T>()], mode, max_fee)
		.expect("the job is submitted")
		.0[0]
}

/// The members of the round of `id`, the worker first.
fn members_of<T: Config>(id: JobId) -> Vec<T::AccountId> {
	let round = Rounds::<T>::get(id).expect("the round exists");
	round.members.into_iter().map(|(who, _)| who).collect()
}

/// A full-length output of zeros but its last byte, `byte`, and the salt and commitment of
/// `who` for it: outputs that differ only at their end, so comparing them within the model's
/// tolerance (one, as the benchmark models declare) reads them whole.
fn answer<T: Config>(id: JobId, who: &T::AccountId, byte: u8) -> (OutputOf<T>, [u8; 32], [u8; 32]) {
	let mut output = alloc::vec![0u8; T::MaxOutputLen::get() as usize];
	if let Some(last) = output.last_mut() {
		*last = byte;
	}
	let output = BoundedVec::truncate_from(output);
	let salt = [byte; 32];
	let hash = commitment(id, &output, &salt, who);
	(output, salt, hash)
}

/// A `Fast` job settled one block ago on a model served by one worker and by as many verifiers
/// as the role has room for, answered with `byte`s (far from the judges' outputs: 9 or more);
/// challenges of `2p + 1` verifiers allowed.
/// Returns its requester and id.
fn settled_for_challenge<T: Config>(p: u32, byte: u8) -> (T::AccountId, JobId) {
	Params::<T>::mutate(|params| params.challenge_verifiers = (2 * p + 1) as u8);
	let (requester, id) = open_job_of::<T>(consensus_market::<T>(1));
	let output = BoundedVec::truncate_from(alloc::vec![byte; T::MaxOutputLen::get() as usize]);
	Pallet::<T>::submit_result(RawOrigin::Signed(worker_of::<T>(id)).into(), id, output)
		.expect("the result is accepted");
	let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
	frame_system::Pallet::<T>::set_block_number(next);
	(requester, id)
}

/// A challenge of `2p + 1` verifiers, opened by its job's requester, of a result of `1`s, every
/// verifier committed: a bare majority to `0`s, the others each to an output of its own.
/// Returns the job, its verifiers and the size of the majority.
fn committed_challenge<T: Config>(p: u32) -> (JobId, Vec<T::AccountId>, usize) {
	let (requester, id) = settled_for_challenge::<T>(p, 9);
	Pallet::<T>::challenge(RawOrigin::Signed(requester).into(), id).expect("it is challenged");
	draw_judges::<T>(id);
	let members = members_of::<T>(id);
	let quorum = members.len() / 2 + 1;
	for (place, who) in members.iter().enumerate() {
		let (_, _, hash) = answer::<T>(id, who, dissent(place, quorum));
		Inference::<T>::do_commit(id, who.clone(), hash).expect("the verifier commits");
	}
	(id, members, quorum)
}

/// Moves to the deadline of job `id` (with the deadline cursor) and returns it.
fn at_deadline<T: Config>(id: JobId) -> BlockNumberFor<T> {
	let at = Jobs::<T>::get(id).map(|job| job.deadline).unwrap_or_default();
	frame_system::Pallet::<T>::set_block_number(at);
	DeadlineCursor::<T>::put(at);
	at
}

/// Works the deadline entry of the challenge of `id` that draws its judges.
fn draw_judges<T: Config>(id: JobId) {
	let at = at_deadline::<T>(id);
	Inference::<T>::process_entry(id, at, at);
}

/// The last output byte of the verifier at `place` in a round whose first `quorum` agree on
/// `0`: the others two or more apart from it and from each other, outside the tolerance.
fn dissent(place: usize, quorum: usize) -> u8 {
	if place < quorum {
		0
	} else {
		2 * place as u8 + 2
	}
}

fn worker_of<T: Config>(id: JobId) -> T::AccountId {
	Jobs::<T>::get(id).map(|job| job.worker).expect("the job exists")
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn submit_job(n: Linear<1, { T::MaxOperators::get() - 1 }>) {
		let model = market::<T>(n);
		congest::<T>(deadline_now::<T>());
		let requester = funded::<T>("requester", 0);
		let max_fee = Inference::<T>::estimate_fee(&model, VerificationMode::Fast)
			.unwrap_or_else(|_| Zero::zero());
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), model, max_input::<T>(), VerificationMode::Fast, max_fee);
		assert_eq!(NextJobId::<T>::get(), JobId(1));
	}

	/// A `Fast` job on `f` fresh feeds (an `f32` input of `f` elements, the dearest encoding),
	/// one operator: what reading and freezing feeds adds to `submit_job(1)`.
	#[benchmark]
	fn submit_feeds_job(f: Linear<1, { T::MaxFeeds::get() }>) {
		let (model, ids) = feeds_market::<T>(f);
		congest::<T>(deadline_now::<T>());
		let requester = funded::<T>("requester", 0);
		let max_fee = Inference::<T>::estimate_fee(&model, VerificationMode::Fast)
			.unwrap_or_else(|_| Zero::zero());
		let input = JobInput::Feeds(BoundedVec::truncate_from(ids));
		#[extrinsic_call]
		submit_job(RawOrigin::Signed(requester), model, input, VerificationMode::Fast, max_fee);
		assert_eq!(JobFeeds::<T>::get(JobId(0)).map(|feeds| feeds.len() as u32), Some(f));
	}

	/// A subscription of `f` feeds, its first run's queue almost full.
	#[benchmark]
	fn subscribe(f: Linear<1, { T::MaxFeeds::get() }>) {
		let (model, ids) = feeds_market::<T>(f);
		let requester = funded::<T>("requester", 0);
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		fill_subscription_queue::<T>(next);
		let max_fee = Inference::<T>::estimate_fee(&model, VerificationMode::Fast)
			.unwrap_or_else(|_| Zero::zero());
		let feeds = BoundedVec::truncate_from(ids);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(requester),
			model,
			feeds,
			VerificationMode::Fast,
			One::one(),
			10,
			max_fee,
		);
		assert_eq!(NextSubscriptionId::<T>::get(), 1);
	}

	#[benchmark]
	fn cancel_subscription() -> Result<(), BenchmarkError> {
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		fill_subscription_queue::<T>(next);
		let (requester, id) = subscribed::<T>(1)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), id);
		assert!(!Subscriptions::<T>::contains_key(id));
		Ok(())
	}

	/// One run of a subscription of `f` feeds: its job opened on the feeds, the next run queued
	/// in a busy queue.
	#[benchmark]
	fn subscription_run(f: Linear<1, { T::MaxFeeds::get() }>) -> Result<(), BenchmarkError> {
		let (_, id) = subscribed::<T>(f)?;
		let due = Subscriptions::<T>::get(id).map(|s| s.next_run).unwrap_or_default();
		frame_system::Pallet::<T>::set_block_number(due);
		DeadlineCursor::<T>::put(due);
		congest::<T>(deadline_now::<T>());
		fill_subscription_queue::<T>(due.saturating_add(One::one()));
		#[block]
		{
			Inference::<T>::process_subscriptions(due);
		}
		assert_eq!(Subscriptions::<T>::get(id).map(|s| s.jobs), Some(1));
		Ok(())
	}

	#[benchmark]
	fn submit_result(o: Linear<1, { T::MaxOutputLen::get() }>) {
		let (_, id) = open_job_of::<T>(market_with_output::<T>(1, o));
		let worker = worker_of::<T>(id);
		// Settling schedules the pruning.
		let now = frame_system::Pallet::<T>::block_number();
		congest::<T>(now.saturating_add(Params::<T>::get().retention_period));
		let output = BoundedVec::truncate_from(alloc::vec![1u8; o as usize]);
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), id, output);
		assert!(Jobs::<T>::get(id).is_some_and(|job| job.status == JobStatus::Settled));
	}

	#[benchmark]
	fn cancel_job() {
		let (requester, id) = open_job::<T>(1);
		// The costly case: the deadline passed, so the worker is slashed; the pruning is
		// scheduled in a busy market.
		let deadline = Jobs::<T>::get(id).map(|job| job.deadline).unwrap_or_default();
		frame_system::Pallet::<T>::set_block_number(deadline);
		DeadlineCursor::<T>::put(deadline);
		congest::<T>(deadline.saturating_add(Params::<T>::get().retention_period));
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), id);
		assert!(Jobs::<T>::get(id).is_some_and(|job| !job.status.is_open()));
	}

	#[benchmark]
	fn decline_job(n: Linear<2, { T::MaxOperators::get() - 1 }>) {
		let (_, id) = open_job::<T>(n);
		let worker = worker_of::<T>(id);
		// Declined late (a slash), reassigned in a busy market.
		let deadline = Jobs::<T>::get(id).map(|job| job.deadline).unwrap_or_default();
		let late = deadline.saturating_sub(One::one());
		frame_system::Pallet::<T>::set_block_number(late);
		DeadlineCursor::<T>::put(late);
		congest::<T>(deadline_now::<T>());
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), id);
		assert!(Jobs::<T>::get(id).is_some_and(|job| job.attempts == 2));
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = MarketParams { execution_period: 20u32.into(), ..Default::default() };
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(Params::<T>::get(), params);
		Ok(())
	}

	#[benchmark]
	fn deadline_step() {
		let now = frame_system::Pallet::<T>::block_number();
		DeadlineCursor::<T>::put(now);
		#[block]
		{
			Inference::<T>::process_deadlines(now);
		}
		assert!(DeadlineCursor::<T>::get() > now);
	}

	#[benchmark]
	fn deadline_stale() {
		let output_len = T::MaxOutputLen::get();
		let id = settled_job::<T>(market_with_output::<T>(1, output_len), output_len);
		let deadline = Jobs::<T>::get(id).map(|job| job.deadline).unwrap_or_default();
		frame_system::Pallet::<T>::set_block_number(deadline);
		#[block]
		{
			Inference::<T>::process_entry(id, deadline, deadline);
		}
		assert!(Jobs::<T>::get(id).is_some_and(|job| job.status == JobStatus::Settled));
	}

	#[benchmark]
	fn deadline_prune() {
		let output_len = T::MaxOutputLen::get();
		let id = settled_job::<T>(market_with_output::<T>(1, output_len), output_len);
		let later = frame_system::Pallet::<T>::block_number()
			.saturating_add(Params::<T>::get().retention_period);
		frame_system::Pallet::<T>::set_block_number(later);
		#[block]
		{
			Inference::<T>::process_entry(id, later, later);
		}
		assert!(!Jobs::<T>::contains_key(id));
	}

	#[benchmark]
	fn submit_jobs(
		b: Linear<1, { T::MaxJobBatch::get() }>,
		n: Linear<1, { T::MaxOperators::get() - 1 }>,
	) {
		let model = market::<T>(n);
		congest::<T>(deadline_now::<T>());
		let requester = funded::<T>("requester", 0);
		let max_fee = Inference::<T>::estimate_fee(&model, VerificationMode::Fast)
			.unwrap_or_else(|_| Zero::zero());
		let inputs =
			BoundedVec::truncate_from((0..b).map(|_| max_input::<T>()).collect::<Vec<_>>());
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), model, VerificationMode::Fast, max_fee, inputs);
		assert_eq!(NextJobId::<T>::get(), JobId(u64::from(b)));
	}

	#[benchmark]
	fn submit_results(
		b: Linear<1, { T::MaxJobBatch::get() }>,
		r: Linear<1, { T::MaxJobBatch::get() }>,
	) {
		let r = r.min(b);
		let model = market_with_output::<T>(1, 1);
		let max_fee = Inference::<T>::estimate_fee(&model, VerificationMode::Fast)
			.unwrap_or_else(|_| Zero::zero())
			.saturating_mul(2u32.into());
		// `b` jobs of `r` requesters, in turn.
		let ids: Vec<JobId> = (0..b)
			.map(|i| {
				let requester = funded::<T>("requester", i % r);
				let input = alloc::vec![max_input::<T>()];
				Inference::<T>::do_submit(requester, model, input, VerificationMode::Fast, max_fee)
					.expect("the job is submitted")
					.0[0]
			})
			.collect();
		let worker = worker_of::<T>(ids[0]);
		let now = frame_system::Pallet::<T>::block_number();
		congest::<T>(now.saturating_add(Params::<T>::get().retention_period));
		let results = BoundedVec::truncate_from(
			ids.iter()
				.map(|id| (*id, BoundedVec::truncate_from(alloc::vec![1u8])))
				.collect::<Vec<_>>(),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), results);
		assert!(ids
			.iter()
			.all(|id| Jobs::<T>::get(id).is_some_and(|job| job.status == JobStatus::Settled)));
	}

	#[benchmark]
	fn deadline_timeout(n: Linear<2, { T::MaxOperators::get() - 1 }>) {
		let (_, id) = open_job::<T>(n);
		let deadline = Jobs::<T>::get(id).map(|job| job.deadline).unwrap_or_default();
		frame_system::Pallet::<T>::set_block_number(deadline);
		DeadlineCursor::<T>::put(deadline);
		congest::<T>(deadline_now::<T>());
		#[block]
		{
			Inference::<T>::process_entry(id, deadline, deadline);
		}
		assert!(Jobs::<T>::get(id).is_some_and(|job| job.attempts == 2));
	}

	#[benchmark]
	fn prune_job() {
		let (requester, id) = open_job::<T>(1);
		let deadline = Jobs::<T>::get(id).map(|job| job.deadline).unwrap_or_default();
		frame_system::Pallet::<T>::set_block_number(deadline);
		Pallet::<T>::cancel_job(RawOrigin::Signed(requester.clone()).into(), id)
			.expect("an overdue job is cancelled");
		let later = deadline.saturating_add(Params::<T>::get().retention_period);
		frame_system::Pallet::<T>::set_block_number(later);
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), id);
		assert!(!Jobs::<T>::contains_key(id));
	}

	#[benchmark]
	fn submit_consensus_job(
		n: Linear<1, { T::MaxOperators::get() - 1 }>,
		p: Linear<0, { max_pairs::<T>() }>,
	) {
		let model = consensus_market::<T>(n);
		congest::<T>(deadline_now::<T>());
		let requester = funded::<T>("requester", 0);
		let mode = consensus::<T>(p);
		let max_fee = Inference::<T>::estimate_fee(&model, mode).unwrap_or_else(|_| Zero::zero());
		#[extrinsic_call]
		submit_job(RawOrigin::Signed(requester), model, max_input::<T>(), mode, max_fee);
		assert!(Rounds::<T>::contains_key(JobId(0)));
	}

	#[benchmark]
	fn commit() {
		let id = open_round::<T>(1, max_pairs::<T>());
		let who = members_of::<T>(id)[0].clone();
		let (_, _, hash) = answer::<T>(id, &who, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, hash);
		assert!(Rounds::<T>::get(id).is_some_and(|round| round.members[0].1 != Vote::Pending));
	}

	/// The reveal that closes the round: a bare majority revealed one output, every other
	/// member another output of its own (each slashed), the majority's last member reveals.
	#[benchmark]
	fn reveal(p: Linear<0, { max_pairs::<T>() }>) {
		let id = open_round::<T>(1, p);
		let members = members_of::<T>(id);
		let quorum = members.len() / 2 + 1;
		let byte = |place: usize| if place < quorum { 0 } else { place as u8 };
		for (place, who) in members.iter().enumerate() {
			let (_, _, hash) = answer::<T>(id, who, byte(place));
			Inference::<T>::do_commit(id, who.clone(), hash).expect("the member commits");
		}
		// The dissenters first, then the majority but its last member.
		let mut order: Vec<usize> = (quorum..members.len()).collect();
		order.extend(0..quorum - 1);
		for place in order {
			let (output, salt, _) = answer::<T>(id, &members[place], byte(place));
			Inference::<T>::do_reveal(id, members[place].clone(), output, salt)
				.expect("the member reveals");
		}
		let last = members[quorum - 1].clone();
		let (output, salt, _) = answer::<T>(id, &last, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(last), id, output, salt);
		assert!(Jobs::<T>::get(id).is_some_and(|job| job.status == JobStatus::Settled));
	}

	/// A round nobody played, closed at its deadline: every member slashed, the job refunded.
	#[benchmark]
	fn deadline_round(p: Linear<0, { max_pairs::<T>() }>) {
		let id = open_round::<T>(1, p);
		let deadline = Jobs::<T>::get(id).map(|job| job.deadline).unwrap_or_default();
		frame_system::Pallet::<T>::set_block_number(deadline);
		DeadlineCursor::<T>::put(deadline);
		#[block]
		{
			Inference::<T>::process_entry(id, deadline, deadline);
		}
		assert!(Jobs::<T>::get(id)
			.is_some_and(|job| job.status == JobStatus::Refunded(RefundReason::NoQuorum)));
	}

	/// A challenge of `2p + 1` judges (checked to be drawable among as many verifiers as the
	/// role holds), the queues around its draw full.
	#[benchmark]
	fn challenge(p: Linear<0, { max_pairs::<T>() }>) {
		let (requester, id) = settled_for_challenge::<T>(p, 9);
		let now = frame_system::Pallet::<T>::block_number();
		congest::<T>(now.saturating_add(One::one()));
		#[extrinsic_call]
		_(RawOrigin::Signed(requester), id);
		assert!(Challenges::<T>::contains_key(id));
	}

	/// The deadline entry that draws a challenge's `2p + 1` judges among as many verifiers as
	/// the role holds, the queues around its round's end full.
	#[benchmark]
	fn deadline_judges(p: Linear<0, { max_pairs::<T>() }>) {
		let (requester, id) = settled_for_challenge::<T>(p, 9);
		Pallet::<T>::challenge(RawOrigin::Signed(requester).into(), id).expect("it is challenged");
		let at = at_deadline::<T>(id);
		let period = Params::<T>::get().execution_period;
		congest::<T>(at.saturating_add(period).saturating_add(period));
		#[block]
		{
			Inference::<T>::process_entry(id, at, at);
		}
		assert!(Rounds::<T>::contains_key(id));
	}

	/// The reveal that upholds a challenge: a bare majority revealed another output than the
	/// worker's, every other verifier an output of its own (each slashed); the worker is
	/// slashed and the requester, the majority and the challenger are paid from the slash.
	#[benchmark]
	fn reveal_challenge(p: Linear<0, { max_pairs::<T>() }>) {
		let (id, members, quorum) = committed_challenge::<T>(p);
		let mut order: Vec<usize> = (quorum..members.len()).collect();
		order.extend(0..quorum - 1);
		for place in order {
			let (output, salt, _) = answer::<T>(id, &members[place], dissent(place, quorum));
			Inference::<T>::do_reveal(id, members[place].clone(), output, salt)
				.expect("the verifier reveals");
		}
		let last = members[quorum - 1].clone();
		let (output, salt, _) = answer::<T>(id, &last, 0);
		#[extrinsic_call]
		reveal(RawOrigin::Signed(last), id, output, salt);
		assert!(Challenges::<T>::get(id)
			.is_some_and(|opened| opened.outcome == Some(ChallengeOutcome::Upheld)));
	}

	/// A challenge closed at its deadline: a bare majority revealed another output than the
	/// worker's and the others never revealed (each slashed); the worker is slashed and the
	/// requester, the majority and the challenger are paid from the slash.
	#[benchmark]
	fn deadline_challenge(p: Linear<0, { max_pairs::<T>() }>) {
		let (id, members, quorum) = committed_challenge::<T>(p);
		for (place, who) in members.iter().enumerate().take(quorum) {
			let (output, salt, _) = answer::<T>(id, who, dissent(place, quorum));
			Inference::<T>::do_reveal(id, who.clone(), output, salt).expect("the verifier reveals");
		}
		let deadline = at_deadline::<T>(id);
		#[block]
		{
			Inference::<T>::process_entry(id, deadline, deadline);
		}
		assert!(Challenges::<T>::get(id)
			.is_some_and(|opened| opened.outcome == Some(ChallengeOutcome::Upheld)));
	}

	/// The deadline entry of a settled `Fast` job that picks it for an audit, its auditor drawn
	/// among as many verifiers as the role holds.
	#[benchmark]
	fn deadline_audit() {
		Params::<T>::mutate(|params| params.audit_fraction = sp_runtime::Perbill::one());
		let (_, id) = settled_for_challenge::<T>(0, 9);
		let deadline = at_deadline::<T>(id);
		#[block]
		{
			Inference::<T>::process_entry(id, deadline, deadline);
		}
		assert!(Audits::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(Inference, crate::mock::new_bench_ext(), crate::mock::Test);
}
