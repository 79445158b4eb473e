//! Oracle feeds through the real runtime: FRAME's oracle with its members taken from the
//! operators, the feed registry, the call filter, and jobs on feeds.

// Test arithmetic on small known values.
#![allow(clippy::arithmetic_side_effects)]

use frame_support::{
	assert_noop, assert_ok,
	traits::{Hooks, SortedMembers},
	BoundedVec,
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Dispatchable, DispatchError};
use verity_primitives::{FeedId, Role, RoleSet, VerificationMode};

use super::preset_ext;
use crate::{
	configs::oracle::OracleRole,
	currency::UNIT,
	genesis_config_presets::{DEMO_FEEDS, DEMO_FEED_PARAMS, DEMO_MODEL_ID, DEMO_MODEL_PRICE},
	Feeds, Inference, Operators, Oracle, Runtime, RuntimeCall, RuntimeOrigin, System,
};

type Members = pallet_operators::ActiveKeys<Runtime, OracleRole>;

fn origin(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.to_account_id())
}

fn report(
	who: Sr25519Keyring,
	values: &[(FeedId, i64)],
) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
	Oracle::feed_values(origin(who), BoundedVec::truncate_from(values.to_vec()))
}

/// Ends the block (the oracle forgets who reported) and starts the next, `ms` later.
fn next_block(ms: u64) {
	Oracle::on_finalize(System::block_number());
	System::set_block_number(System::block_number() + 1);
	pallet_timestamp::Now::<Runtime>::mutate(|now| *now += ms);
}

fn value(feed: FeedId) -> Option<i64> {
	Feeds::view(feed).and_then(|view| view.fresh.then_some(view.reading?.value))
}

fn check_invariants() {
	Feeds::do_try_state().unwrap();
	Inference::do_try_state().unwrap();
	Operators::do_try_state().unwrap();
}

/// The dev chain: the demo feeds and Alice, its one oracle, at block 1 and a realistic time.
fn dev(test: impl FnOnce()) {
	preset_ext("development").execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(1_800_000_000_000);
		test();
		check_invariants();
	});
}

/// Makes `who` an oracle operator with the least bond.
fn register_oracle(who: Sr25519Keyring) {
	assert_ok!(Operators::register(
		origin(who),
		RoleSet::of(&[Role::Oracle]),
		Default::default(),
		100 * UNIT
	));
}

#[test]
fn the_dev_chain_has_the_demo_feeds_and_alice_reports_them() {
	dev(|| {
		assert_eq!(Feeds::views().len(), DEMO_FEEDS as usize);
		assert_eq!(pallet_feeds::Params::<Runtime>::get(), DEMO_FEED_PARAMS);
		assert_eq!(Members::sorted_members(), vec![Sr25519Keyring::Alice.to_account_id()]);
		assert_eq!(value(0), None);
		assert_ok!(report(Sr25519Keyring::Alice, &[(0, 1_234)]));
		assert_eq!(value(0), Some(1_234));
		// Once a block.
		assert_noop!(
			report(Sr25519Keyring::Alice, &[(0, 1_235)]),
			pallet_oracle::Error::<Runtime>::AlreadyFeeded
		);
		// Nobody else is a member.
		assert_noop!(
			report(Sr25519Keyring::Eve, &[(0, 1)]),
			pallet_oracle::Error::<Runtime>::NoPermission
		);
	});
}

#[test]
fn the_median_outvotes_a_liar_and_a_chilled_oracle_stops_counting() {
	dev(|| {
		register_oracle(Sr25519Keyring::Eve);
		register_oracle(Sr25519Keyring::Ferdie);
		assert_ok!(Feeds::set_params(RuntimeOrigin::root(), 3, DEMO_FEED_PARAMS.max_age));
		assert_ok!(report(Sr25519Keyring::Alice, &[(0, 100)]));
		assert_ok!(report(Sr25519Keyring::Eve, &[(0, 102)]));
		assert_eq!(value(0), None, "two reports of three");
		assert_ok!(report(Sr25519Keyring::Ferdie, &[(0, i64::MAX)]));
		assert_eq!(value(0), Some(102));

		assert_ok!(Operators::chill(origin(Sr25519Keyring::Ferdie)));
		next_block(6_000);
		assert_noop!(
			report(Sr25519Keyring::Ferdie, &[(0, 1)]),
			pallet_oracle::Error::<Runtime>::NoPermission
		);
		// Two members left: their fresh reports are too few, the old value stays and ages.
		assert_ok!(report(Sr25519Keyring::Alice, &[(0, 200)]));
		assert_ok!(report(Sr25519Keyring::Eve, &[(0, 202)]));
		assert_eq!(value(0), Some(102));
		next_block(DEMO_FEED_PARAMS.max_age);
		assert_eq!(value(0), None, "stale");
		assert_eq!(Feeds::view(0).and_then(|view| view.reading).map(|r| r.value), Some(102));
		assert_ok!(Feeds::set_params(RuntimeOrigin::root(), 2, DEMO_FEED_PARAMS.max_age));
		assert_ok!(report(Sr25519Keyring::Alice, &[(0, 300)]));
		assert_ok!(report(Sr25519Keyring::Eve, &[(0, 302)]));
		assert_eq!(value(0), Some(302));
	});
}

#[test]
fn reports_of_unregistered_feeds_are_filtered() {
	dev(|| {
		let call = |feed: FeedId| {
			RuntimeCall::Oracle(pallet_oracle::Call::feed_values {
				values: BoundedVec::truncate_from(vec![(0, 5), (feed, 5)]),
			})
		};
		let alice = origin(Sr25519Keyring::Alice);
		let refused = call(DEMO_FEEDS).dispatch(alice.clone()).map_err(|e| e.error);
		assert_eq!(refused, Err(DispatchError::from(frame_system::Error::<Runtime>::CallFiltered)));
		assert_eq!(value(0), None);
		assert_ok!(call(1).dispatch(alice));
		assert_eq!(value(1), Some(5));
	});
}

#[test]
fn a_job_on_the_demo_feeds_freezes_their_values_and_a_stale_feed_is_refused() {
	dev(|| {
		let values: Vec<(FeedId, i64)> =
			(0..DEMO_FEEDS).map(|feed| (feed, i64::from(feed) * 250 - 1_000)).collect();
		for chunk in values.chunks(crate::configs::oracle::MAX_FEED_VALUES as usize) {
			assert_ok!(report(Sr25519Keyring::Alice, chunk));
		}
		let eve = origin(Sr25519Keyring::Eve);
		let ids: Vec<FeedId> = (0..DEMO_FEEDS).collect();
		let input = || pallet_inference::JobInput::Feeds(BoundedVec::truncate_from(ids.clone()));
		let job = pallet_inference::NextJobId::<Runtime>::get();
		assert_ok!(Inference::submit_job(
			eve.clone(),
			DEMO_MODEL_ID,
			input(),
			VerificationMode::Fast,
			DEMO_MODEL_PRICE
		));
		let view = Inference::job_view(job).unwrap();
		let expected: Vec<u8> =
			values.iter().flat_map(|(_, v)| (*v as f32 / 1_000.0).to_le_bytes()).collect();
		assert_eq!(view.input, expected);
		assert_eq!(view.feeds.len(), DEMO_FEEDS as usize);
		assert!(view.feeds.iter().all(|reading| reading.block == 1 && reading.decimals == 3));

		next_block(DEMO_FEED_PARAMS.max_age);
		assert_noop!(
			Inference::submit_job(
				eve,
				DEMO_MODEL_ID,
				input(),
				VerificationMode::Fast,
				DEMO_MODEL_PRICE
			),
			pallet_inference::Error::<Runtime>::StaleFeed
		);
	});
}
