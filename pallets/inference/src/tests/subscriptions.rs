//! Subscriptions: recurring jobs over oracle feeds, escrowed whole, opened each period from the
//! feeds' values of that block, cancelled or ended with what is left returned.

use super::*;
use verity_primitives::FeedError;

fn feeds(ids: &[u32]) -> BoundedVec<u32, <Test as Config>::MaxFeeds> {
	BoundedVec::try_from(ids.to_vec()).unwrap()
}

/// Feeds 0..4 with fresh values.
fn four_feeds(base: i64) {
	for feed in 0..4 {
		MockFeeds::set(feed, base + i64::from(feed), 2, 0);
	}
}

fn subscription_escrow(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::SubscriptionEscrow.into(), &who)
}

/// ALICE subscribes to the demo model over feeds 0..4, `Fast`, every `period` blocks, `runs`
/// times at `PRICE` a run.
fn subscribe(period: u64, runs: u32) -> SubscriptionId {
	let id = NextSubscriptionId::<Test>::get();
	assert_ok!(Inference::subscribe(
		signed(ALICE),
		model(),
		feeds(&[0, 1, 2, 3]),
		VerificationMode::Fast,
		period,
		runs,
		PRICE
	));
	id
}

fn subscription(id: SubscriptionId) -> SubscriptionOf<Test> {
	Subscriptions::<Test>::get(id).unwrap()
}

#[test]
fn a_subscription_escrows_every_run_and_opens_a_job_each_period() {
	execute(|| {
		serve_without_limit();
		four_feeds(100);
		let free_before = free(ALICE);
		let id = subscribe(3, 3);
		let per_run = PRICE + JOB_DEPOSIT;
		assert_eq!(subscription_escrow(ALICE), 3 * per_run);
		assert_eq!(free(ALICE), free_before - 3 * per_run);
		assert!(events().contains(&Event::Subscribed {
			subscription: id,
			requester: ALICE,
			model: model(),
			runs: 3,
			period: 3
		}));
		assert_eq!(subscription(id).next_run, 2);

		// Block 2: the first run, on the feeds' values of this block.
		four_feeds(200);
		let job_id = NextJobId::<Test>::get();
		run_to_block(2);
		assert!(events().contains(&Event::SubscriptionRan { subscription: id, job: job_id }));
		assert_eq!(JobFeeds::<Test>::get(job_id).unwrap()[0].value, 200);
		assert_eq!(job(job_id).requester, ALICE);
		assert_eq!(subscription_escrow(ALICE), 2 * per_run);
		assert_eq!(escrow(ALICE), PRICE);
		assert_eq!(subscription(id).next_run, 5);
		assert_eq!(subscription(id).last_job, Some(job_id));

		// Nothing in between; the second run at block 5, the third and last at block 8.
		run_to_block(4);
		assert_eq!(NextJobId::<Test>::get(), JobId(job_id.0 + 1));
		run_to_block(8);
		assert_eq!(NextJobId::<Test>::get(), JobId(job_id.0 + 3));
		assert!(!Subscriptions::<Test>::contains_key(id), "pruned when done");
		assert!(!RequesterSubscriptions::<Test>::contains_key(ALICE, id));
		assert!(events().contains(&Event::SubscriptionEnded { subscription: id, refunded: 0 }));
		assert_eq!(subscription_escrow(ALICE), 0);
		// Every run's money is in its job now.
		assert_eq!(escrow(ALICE), 3 * PRICE);
	});
}

#[test]
fn a_run_the_market_refuses_is_skipped_and_refunded() {
	execute(|| {
		four_feeds(100);
		let id = subscribe(1, 3);
		let free_before = free(ALICE);
		let treasury = free(TREASURY);
		MockFeeds::fail(2, FeedError::Stale);
		run_to_block(2);
		assert!(events().contains(&Event::SubscriptionRunSkipped {
			subscription: id,
			error: Error::<Test>::StaleFeed.into(),
			charged: JOB_DEPOSIT
		}));
		assert_eq!(free(ALICE), free_before + PRICE, "the run's max_fee came back");
		assert_eq!(free(TREASURY), treasury + JOB_DEPOSIT, "its deposit paid for the attempt");
		assert_eq!(subscription(id).skipped, 1);
		assert_eq!(subscription(id).runs_left, 2);
		// The feed recovers: the next run opens a job.
		four_feeds(100);
		run_to_block(3);
		assert_eq!(subscription(id).jobs, 1);
	});
}

#[test]
fn a_retired_model_ends_the_subscription_and_returns_the_rest() {
	execute(|| {
		four_feeds(100);
		let id = subscribe(1, 5);
		let free_before = free(ALICE);
		assert_ok!(Models::retire_model(signed(OWNER), model()));
		run_to_block(2);
		assert!(!Subscriptions::<Test>::contains_key(id));
		let per_run = PRICE + JOB_DEPOSIT;
		assert!(events()
			.contains(&Event::SubscriptionEnded { subscription: id, refunded: 4 * per_run }));
		assert_eq!(free(ALICE), free_before + 5 * per_run);
	});
}

#[test]
fn the_requester_cancels_the_rest() {
	execute(|| {
		serve_without_limit();
		four_feeds(100);
		let id = subscribe(2, 4);
		run_to_block(2);
		let free_before = free(ALICE);
		assert_noop!(Inference::cancel_subscription(signed(BOB), id), Error::<Test>::NotRequester);
		assert_ok!(Inference::cancel_subscription(signed(ALICE), id));
		let per_run = PRICE + JOB_DEPOSIT;
		assert_eq!(free(ALICE), free_before + 3 * per_run);
		assert_eq!(
			events().last(),
			Some(&Event::SubscriptionCancelled { subscription: id, refunded: 3 * per_run })
		);
		assert!(SubscriptionQueue::<Test>::iter().next().is_none(), "out of its queue");
		// The job it opened goes on.
		assert!(job(JobId(0)).status.is_open());
		assert_noop!(
			Inference::cancel_subscription(signed(ALICE), id),
			Error::<Test>::UnknownSubscription
		);
		run_to_block(10);
		assert_eq!(NextJobId::<Test>::get(), JobId(1));
	});
}

#[test]
fn refusals_change_nothing() {
	execute(|| {
		four_feeds(100);
		let refused = |model: ModelId,
		               ids: &[u32],
		               mode,
		               period,
		               runs,
		               max_fee,
		               error: Error<Test>| {
			assert_noop!(
				Inference::subscribe(signed(ALICE), model, feeds(ids), mode, period, runs, max_fee),
				error
			);
		};
		let all = [0, 1, 2, 3];
		let fast = VerificationMode::Fast;
		refused(model(), &all, fast, 0, 3, PRICE, Error::<Test>::InvalidSubscription);
		refused(model(), &all, fast, 1, 0, PRICE, Error::<Test>::InvalidSubscription);
		refused(model(), &all, fast, 1, 101, PRICE, Error::<Test>::InvalidSubscription);
		refused(lonely_model(), &all, fast, 1, 3, PRICE, Error::<Test>::UnknownModel);
		refused(model(), &all, fast, 1, 3, PRICE - 1, Error::<Test>::MaxFeeTooLow);
		refused(
			model(),
			&all,
			VerificationMode::Consensus(2),
			1,
			3,
			10 * PRICE,
			Error::<Test>::InvalidVerifierCount,
		);
		refused(model(), &[], fast, 1, 3, PRICE, Error::<Test>::EmptyInput);
		refused(model(), &[0, 1, 2], fast, 1, 3, PRICE, Error::<Test>::InputSizeMismatch);
		refused(model(), &[0, 1, 2, 9], fast, 1, 3, PRICE, Error::<Test>::UnknownFeed);
		refused(model(), &all, fast, 1, 100, ENDOWMENT, Error::<Test>::InsufficientBalance);
		// A feed without a value yet is accepted: its runs wait for one.
		MockFeeds::fail(3, FeedError::NoValue);
		assert_ok!(Inference::subscribe(signed(ALICE), model(), feeds(&all), fast, 1, 3, PRICE));
	});
}

#[test]
fn a_block_opens_at_most_its_queue_and_later_runs_wait_for_room() {
	execute(|| {
		serve_without_limit();
		four_feeds(100);
		// The mock's queues hold two runs a block.
		let ids: Vec<SubscriptionId> = (0..3).map(|_| subscribe(1, 1)).collect();
		assert_eq!(subscription(ids[0]).next_run, 2);
		assert_eq!(subscription(ids[1]).next_run, 2);
		assert_eq!(subscription(ids[2]).next_run, 3);
		run_to_block(2);
		assert_eq!(NextJobId::<Test>::get(), JobId(2));
		run_to_block(3);
		assert_eq!(NextJobId::<Test>::get(), JobId(3));
		assert!(Subscriptions::<Test>::iter().next().is_none());
	});
}

#[test]
fn the_subscription_view_says_what_is_left() {
	execute(|| {
		serve_without_limit();
		four_feeds(100);
		let id = subscribe(5, 2);
		run_to_block(2);
		let view = Inference::subscription_view(id).unwrap();
		assert_eq!((view.runs_left, view.jobs, view.next_run), (1, 1, 7));
		assert_eq!(view.escrow, PRICE + JOB_DEPOSIT);
		assert_eq!(view.feeds, vec![0, 1, 2, 3]);
		assert_eq!(Inference::subscriptions_of(&ALICE), vec![view]);
		assert!(Inference::subscriptions_of(&BOB).is_empty());
	});
}

mod try_state_assertions {
	use super::*;

	#[test]
	fn an_escrow_that_differs_from_the_runs_left_is_caught() {
		new_test_ext().execute_with(|| {
			four_feeds(100);
			let id = subscribe(1, 3);
			Subscriptions::<Test>::mutate(id, |s| s.as_mut().unwrap().runs_left = 2);
			assert!(Inference::do_try_state().is_err());
		});
	}

	#[test]
	fn a_subscription_out_of_its_queue_is_caught() {
		new_test_ext().execute_with(|| {
			four_feeds(100);
			let id = subscribe(1, 3);
			SubscriptionQueue::<Test>::remove(subscription(id).next_run);
			assert!(Inference::do_try_state().is_err());
		});
	}

	#[test]
	fn a_queued_subscription_that_is_gone_is_caught() {
		new_test_ext().execute_with(|| {
			SubscriptionQueue::<Test>::insert(5, BoundedVec::truncate_from(vec![7]));
			assert!(Inference::do_try_state().is_err());
		});
	}
}
