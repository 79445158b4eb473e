//! `Feeds` inputs: the oracle's values frozen into a job at submission, in every mode.

use super::{zk::*, *};
use verity_primitives::{FeedError, FeedReading};

fn feeds(ids: &[u32]) -> JobInputOf<Test> {
	JobInput::Feeds(BoundedVec::try_from(ids.to_vec()).unwrap())
}

/// Feeds 0..4 with values 1.5, -2.25, 1000 and 0.001 (at 0, 2, 0 and 3 decimals).
fn four_feeds() {
	MockFeeds::set(0, 15, 1, 1_000);
	MockFeeds::set(1, -225, 2, 2_000);
	MockFeeds::set(2, 1_000, 0, 3_000);
	MockFeeds::set(3, 1, 3, 4_000);
}

fn f32s(values: &[f32]) -> Vec<u8> {
	values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn submit_feeds(ids: &[u32], mode: VerificationMode) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(Inference::submit_job(signed(ALICE), model(), feeds(ids), mode, 10 * PRICE));
	id
}

#[test]
fn a_feeds_job_freezes_the_values_as_its_input() {
	execute(|| {
		four_feeds();
		let id = submit_feeds(&[0, 1, 2, 3], VerificationMode::Fast);
		assert_eq!(job(id).input_bytes(), &f32s(&[1.5, -2.25, 1000.0, 0.001])[..]);
		let frozen = JobFeeds::<Test>::get(id).unwrap();
		assert_eq!(
			frozen[1],
			FeedReading { feed: 1, value: -225, decimals: 2, timestamp: 2_000, block: 1 }
		);
		// Later values change nothing of the job.
		MockFeeds::set(0, 99, 0, 9_000);
		assert_eq!(JobFeeds::<Test>::get(id).unwrap()[0].value, 15);
		let view = Inference::job_view(id).unwrap();
		assert_eq!(view.feeds, frozen.into_inner());
		assert_eq!(view.input, f32s(&[1.5, -2.25, 1000.0, 0.001]));
		// A feed may be named twice, and the worker answers as for any job.
		let twice = submit_feeds(&[2, 2, 2, 2], VerificationMode::Fast);
		assert_eq!(job(twice).input_bytes(), &f32s(&[1000.0; 4])[..]);
		assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(1)));
		assert_eq!(job(id).status, JobStatus::Settled);
	});
}

#[test]
fn refusals_change_nothing() {
	execute(|| {
		four_feeds();
		MockFeeds::fail(5, FeedError::NoValue);
		MockFeeds::fail(6, FeedError::Stale);
		let refused = |ids: &[u32], error: Error<Test>| {
			assert_noop!(
				Inference::submit_job(
					signed(ALICE),
					model(),
					feeds(ids),
					VerificationMode::Fast,
					10 * PRICE
				),
				error
			);
		};
		refused(&[0, 1, 2, 9], Error::<Test>::UnknownFeed);
		refused(&[0, 1, 2, 5], Error::<Test>::NoFeedValue);
		refused(&[6, 1, 2, 3], Error::<Test>::StaleFeed);
		// One element a feed: the model takes four.
		refused(&[0, 1, 2], Error::<Test>::InputSizeMismatch);
		refused(&[], Error::<Test>::EmptyInput);
		// A batch fails whole on one bad input.
		assert_noop!(
			Inference::submit_jobs(
				signed(ALICE),
				model(),
				VerificationMode::Fast,
				10 * PRICE,
				BoundedVec::try_from(vec![feeds(&[0, 1, 2, 3]), feeds(&[0, 1, 2, 6])]).unwrap(),
			),
			Error::<Test>::StaleFeed
		);
	});
}

#[test]
fn a_batch_freezes_only_its_feeds_inputs() {
	execute(|| {
		four_feeds();
		let first = NextJobId::<Test>::get();
		assert_ok!(Inference::submit_jobs(
			signed(ALICE),
			model(),
			VerificationMode::Fast,
			10 * PRICE,
			BoundedVec::try_from(vec![valid_input(), feeds(&[3, 2, 1, 0])]).unwrap(),
		));
		assert!(JobFeeds::<Test>::get(first).is_none());
		let second = JobId(first.0 + 1);
		assert_eq!(job(second).input_bytes(), &f32s(&[0.001, 1000.0, -2.25, 1.5])[..]);
		assert_eq!(JobFeeds::<Test>::get(second).unwrap().len(), 4);
	});
}

#[test]
fn a_consensus_round_runs_on_the_frozen_values() {
	execute(|| {
		four_feeds();
		let id = submit_feeds(&[0, 1, 2, 3], VerificationMode::Consensus(1));
		assert!(Rounds::<Test>::contains_key(id));
		assert_eq!(job(id).input_bytes(), &f32s(&[1.5, -2.25, 1000.0, 0.001])[..]);
	});
}

#[test]
fn a_zk_job_over_feeds_is_proved_on_exactly_the_oracle_values() {
	zk_execute(|| {
		// The `Zk` model's sixteen `i8` inputs are the feeds' raw integers.
		for (feed, value) in zk_input().iter().enumerate() {
			MockFeeds::set(feed as u32, i64::from(*value), 2, 0);
		}
		let ids: Vec<u32> = (0..16).collect();
		let id = NextJobId::<Test>::get();
		assert_ok!(Inference::submit_job(
			signed(ALICE),
			zk_model(),
			feeds(&ids),
			VerificationMode::Zk,
			10 * PRICE
		));
		let bytes: Vec<u8> = zk_input().iter().map(|v| *v as u8).collect();
		assert_eq!(job(id).input_bytes(), &bytes[..]);
		// A proof about other values does not verify; one about the frozen values does.
		let worker = job(id).worker;
		let mut other = zk_input();
		other[0] = other[0].wrapping_add(1);
		let (out, proof) = prove(id, worker, &other);
		let bond_before = bond(worker);
		assert_ok!(submit_proof(id, &out, &proof));
		assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::BadProof));
		assert!(bond(worker) < bond_before);

		let id = NextJobId::<Test>::get();
		assert_ok!(Inference::submit_job(
			signed(ALICE),
			zk_model(),
			feeds(&ids),
			VerificationMode::Zk,
			10 * PRICE
		));
		let worker = job(id).worker;
		let (out, proof) = prove(id, worker, &zk_input());
		assert_ok!(submit_proof(id, &out, &proof));
		assert_eq!(job(id).status, JobStatus::Settled);
	});
}

#[test]
fn a_value_that_does_not_fit_an_i8_input_is_refused() {
	zk_execute(|| {
		for feed in 0..16 {
			MockFeeds::set(feed, 1, 0, 0);
		}
		MockFeeds::set(7, 128, 0, 0);
		let ids: Vec<u32> = (0..16).collect();
		assert_noop!(
			Inference::submit_job(
				signed(ALICE),
				zk_model(),
				feeds(&ids),
				VerificationMode::Zk,
				10 * PRICE
			),
			Error::<Test>::FeedValueOutOfRange
		);
		// The same values fit the model's `f32` input in `Fast`.
		assert_ok!(Inference::submit_job(
			signed(ALICE),
			zk_model(),
			feeds(&ids),
			VerificationMode::Fast,
			10 * PRICE
		));
	});
}

#[test]
fn pruning_forgets_the_frozen_values() {
	execute(|| {
		let retention = prune_quickly();
		four_feeds();
		let id = submit_feeds(&[0, 1, 2, 3], VerificationMode::Fast);
		assert_ok!(Inference::cancel_job(signed(ALICE), id));
		run_to_block(retention + 1);
		assert!(!Jobs::<Test>::contains_key(id));
		assert!(!JobFeeds::<Test>::contains_key(id));
	});
}

mod try_state_assertions {
	use super::*;

	#[test]
	fn frozen_values_that_differ_from_the_input_are_caught() {
		new_test_ext().execute_with(|| {
			four_feeds();
			let id = submit_feeds(&[0, 1, 2, 3], VerificationMode::Fast);
			JobFeeds::<Test>::mutate(id, |frozen| frozen.as_mut().unwrap()[0].value = 16);
			assert!(Inference::do_try_state().is_err());
		});
	}

	#[test]
	fn frozen_values_of_a_job_that_is_gone_are_caught() {
		new_test_ext().execute_with(|| {
			JobFeeds::<Test>::insert(JobId(7), FeedReadingsOf::<Test>::default());
			assert!(Inference::do_try_state().is_err());
		});
	}

	#[test]
	fn a_stored_feeds_input_is_caught() {
		new_test_ext().execute_with(|| {
			four_feeds();
			let id = submit(ALICE, PRICE);
			Jobs::<Test>::mutate(id, |record| record.as_mut().unwrap().input = feeds(&[0]));
			assert!(Inference::do_try_state().is_err());
		});
	}
}
