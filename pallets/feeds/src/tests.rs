//! The registry's calls, and how the oracle's reports become readings.

// Tests and their runtime: small known values, and panics that fail a test.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing
)]

use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Hooks},
	BoundedVec,
};
use sp_runtime::DispatchError;
use verity_primitives::{FeedError, FeedInspect, FeedReading};

use crate::{mock::*, Error, Event, FeedParams, Feeds as FeedsMap, HoldReason, Params, Reported};

fn text(bytes: &[u8]) -> crate::TextOf<Test> {
	BoundedVec::try_from(bytes.to_vec()).unwrap()
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn create(who: u64) -> u32 {
	assert_ok!(Feeds::create_feed(signed(who), text(b"BTC/USD"), text(b"USD"), 2));
	crate::NextFeedId::<Test>::get() - 1
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::FeedDeposit.into(), &who)
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

/// Ends the block (the oracle forgets who reported) and starts the next, `ms` later.
fn next_block(ms: u64) {
	Oracle::on_finalize(System::block_number());
	System::set_block_number(System::block_number() + 1);
	pallet_timestamp::Now::<Test>::mutate(|now| *now += ms);
}

fn report(who: u64, feed: u32, value: i64) {
	assert_ok!(Oracle::feed_values(
		signed(who),
		BoundedVec::try_from(vec![(feed, value)]).unwrap()
	));
}

mod create_feed {
	use super::*;

	#[test]
	fn a_signed_creator_holds_the_deposit() {
		build_and_execute(|| {
			assert_eq!(create(1), 0);
			assert_eq!(held(1), DEPOSIT);
			let feed = FeedsMap::<Test>::get(0).unwrap();
			assert_eq!(feed.creator, Some(1));
			assert_eq!(
				(feed.description.to_vec(), feed.unit.to_vec()),
				(b"BTC/USD".to_vec(), b"USD".to_vec())
			);
			assert_eq!(
				last_event(),
				Event::FeedCreated { feed: 0, creator: Some(1), decimals: 2 }.into()
			);
			assert_eq!(create(1), 1, "ids count up");
			assert_eq!(held(1), 2 * DEPOSIT);
		});
	}

	#[test]
	fn governance_creates_without_a_deposit() {
		build_and_execute(|| {
			assert_ok!(Feeds::create_feed(RuntimeOrigin::root(), text(b"t"), text(b"C"), 1));
			assert_eq!(
				FeedsMap::<Test>::get(0).map(|feed| (feed.creator, feed.deposit)),
				Some((None, 0))
			);
			assert_eq!(
				last_event(),
				Event::FeedCreated { feed: 0, creator: None, decimals: 1 }.into()
			);
		});
	}

	#[test]
	fn refusals_change_nothing() {
		build_and_execute(|| {
			assert_noop!(
				Feeds::create_feed(signed(1), text(b"x"), text(b"y"), 19),
				Error::<Test>::BadDecimals
			);
			assert_noop!(
				Feeds::create_feed(signed(PAUPER), text(b"x"), text(b"y"), 2),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(
				Feeds::create_feed(RuntimeOrigin::none(), text(b"x"), text(b"y"), 2),
				DispatchError::BadOrigin
			);
			crate::NextFeedId::<Test>::put(u32::MAX);
			assert_noop!(
				Feeds::create_feed(signed(1), text(b"x"), text(b"y"), 2),
				Error::<Test>::Overflow
			);
			crate::NextFeedId::<Test>::put(0);
			for _ in 0..3 {
				create(1);
			}
			assert_noop!(
				Feeds::create_feed(signed(1), text(b"x"), text(b"y"), 2),
				Error::<Test>::TooManyFeeds
			);
		});
	}
}

mod remove_feed {
	use super::*;

	#[test]
	fn the_creator_gets_its_deposit_back_and_the_id_is_never_reused() {
		build_and_execute(|| {
			let feed = create(1);
			report(1, feed, 5);
			report(2, feed, 6);
			assert!(Reported::<Test>::contains_key(feed));
			assert!(pallet_oracle::Values::<Test>::contains_key(feed));
			assert_ok!(Feeds::remove_feed(signed(1), feed));
			assert_eq!(held(1), 0);
			// The oracle's data of it is gone too.
			assert!(!pallet_oracle::Values::<Test>::contains_key(feed));
			assert!(pallet_oracle::RawValues::<Test>::get(1, feed).is_none());
			assert!(!FeedsMap::<Test>::contains_key(feed) && !Reported::<Test>::contains_key(feed));
			assert_eq!(last_event(), Event::FeedRemoved { feed }.into());
			assert_eq!(Feeds::reading(feed), Err(FeedError::Unknown));
			assert_eq!(create(1), feed + 1);
		});
	}

	#[test]
	fn governance_removes_any_feed() {
		build_and_execute(|| {
			let feed = create(2);
			assert_ok!(Feeds::remove_feed(RuntimeOrigin::root(), feed));
			assert_eq!(held(2), 0);
		});
	}

	#[test]
	fn refusals_change_nothing() {
		build_and_execute(|| {
			let feed = create(1);
			assert_noop!(Feeds::remove_feed(signed(2), feed), Error::<Test>::NotCreator);
			assert_noop!(Feeds::remove_feed(signed(1), feed + 1), Error::<Test>::UnknownFeed);
			assert_ok!(Feeds::create_feed(RuntimeOrigin::root(), text(b"t"), text(b"C"), 1));
			assert_noop!(Feeds::remove_feed(signed(1), feed + 1), Error::<Test>::NotCreator);
		});
	}
}

mod set_params {
	use super::*;

	#[test]
	fn governance_sets_them() {
		build_and_execute(|| {
			assert_ok!(Feeds::set_params(RuntimeOrigin::root(), 1, 5));
			let params = FeedParams { min_reports: 1, max_age: 5 };
			assert_eq!(Params::<Test>::get(), params);
			assert_eq!(last_event(), Event::ParamsSet { params }.into());
		});
	}

	#[test]
	fn refusals_change_nothing() {
		build_and_execute(|| {
			assert_noop!(Feeds::set_params(signed(1), 1, 5), DispatchError::BadOrigin);
			assert_noop!(Feeds::set_params(RuntimeOrigin::root(), 0, 5), Error::<Test>::BadParams);
			assert_noop!(Feeds::set_params(RuntimeOrigin::root(), 1, 0), Error::<Test>::BadParams);
		});
	}
}

mod readings {
	use super::*;

	#[test]
	fn a_value_needs_enough_reports_then_is_their_median() {
		build_and_execute(|| {
			let feed = create(1);
			assert_eq!(Feeds::reading(feed), Err(FeedError::NoValue));
			report(1, feed, 100);
			assert_eq!(Feeds::reading(feed), Err(FeedError::NoValue), "one report of two");
			report(2, feed, 104);
			// Of two, the oracle takes the upper median.
			let reading = Feeds::reading(feed).unwrap();
			assert_eq!(
				reading,
				FeedReading { feed, value: 104, decimals: 2, timestamp: 1_000_000, block: 1 }
			);
			next_block(6_000);
			report(3, feed, 102);
			let reading = Feeds::reading(feed).unwrap();
			assert_eq!((reading.value, reading.block), (102, 2));
		});
	}

	#[test]
	fn a_lying_oracle_is_outvoted_by_the_median() {
		build_and_execute(|| {
			let feed = create(1);
			report(1, feed, 100);
			report(2, feed, 101);
			report(3, feed, i64::MAX);
			assert_eq!(Feeds::reading(feed).map(|reading| reading.value), Ok(101));
			next_block(6_000);
			report(3, feed, i64::MIN);
			assert_eq!(Feeds::reading(feed).map(|reading| reading.value), Ok(100));
		});
	}

	#[test]
	fn a_value_older_than_the_greatest_age_is_stale() {
		build_and_execute(|| {
			let feed = create(1);
			report(1, feed, 100);
			report(2, feed, 100);
			next_block(PARAMS.max_age - 1);
			assert!(Feeds::reading(feed).is_ok());
			assert!(Feeds::view(feed).unwrap().fresh);
			next_block(1);
			assert_eq!(Feeds::reading(feed), Err(FeedError::Stale));
			let view = Feeds::view(feed).unwrap();
			assert_eq!((view.fresh, view.reading.map(|reading| reading.value)), (false, Some(100)));
			// One fresh report is not enough: the stale ones do not count, the value stays old.
			report(1, feed, 200);
			assert_eq!(Feeds::reading(feed), Err(FeedError::Stale));
			report(2, feed, 202);
			assert_eq!(Feeds::reading(feed).map(|reading| reading.value), Ok(202));
		});
	}

	#[test]
	fn a_member_that_leaves_stops_counting() {
		build_and_execute(|| {
			let feed = create(1);
			report(1, feed, 100);
			report(2, feed, 110);
			report(3, feed, 120);
			assert_eq!(Feeds::reading(feed).map(|reading| reading.value), Ok(110));
			Members::set(vec![1, 3]);
			assert_noop!(
				Oracle::feed_values(signed(2), BoundedVec::try_from(vec![(feed, 1)]).unwrap()),
				pallet_oracle::Error::<Test>::NoPermission
			);
			next_block(6_000);
			report(1, feed, 100);
			// 2's report is no longer read: the median of 100 and 120.
			assert_eq!(Feeds::reading(feed).map(|reading| reading.value), Ok(120));
		});
	}

	#[test]
	fn reports_of_unregistered_feeds_leave_no_block() {
		build_and_execute(|| {
			report(1, 7, 100);
			assert!(!Reported::<Test>::contains_key(7));
			assert_eq!(Feeds::reading(7), Err(FeedError::Unknown));
		});
	}

	#[test]
	fn views_list_every_feed_by_id() {
		build_and_execute(|| {
			create(1);
			create(2);
			let views = Feeds::views();
			assert_eq!(views.iter().map(|view| view.id).collect::<Vec<_>>(), vec![0, 1]);
			assert!(views.iter().all(|view| view.reading.is_none() && !view.fresh));
		});
	}
}

mod try_state_assertions {
	use super::*;

	#[test]
	fn a_wrong_count_is_caught() {
		new_test_ext().execute_with(|| {
			create(1);
			crate::FeedCount::<Test>::put(2);
			assert!(Feeds::do_try_state().is_err());
		});
	}

	#[test]
	fn a_deposit_without_its_hold_is_caught() {
		new_test_ext().execute_with(|| {
			let feed = create(1);
			FeedsMap::<Test>::mutate(feed, |entry| entry.as_mut().unwrap().deposit = DEPOSIT + 1);
			assert!(Feeds::do_try_state().is_err());
		});
	}

	#[test]
	fn a_report_block_of_an_unknown_feed_is_caught() {
		new_test_ext().execute_with(|| {
			Reported::<Test>::insert(9, 1);
			assert!(Feeds::do_try_state().is_err());
		});
	}

	#[test]
	fn invalid_params_are_caught() {
		new_test_ext().execute_with(|| {
			Params::<Test>::put(FeedParams { min_reports: 0, max_age: 1 });
			assert!(Feeds::do_try_state().is_err());
		});
	}
}
