//! Governance through the real runtime: a voter notes a preimage, submits it on a track, places
//! the decision deposit and votes; the referendum is decided, confirmed and enacted by the
//! scheduler. The market's parameters move only on their track, treasury spends pay out, and
//! the chains without sudo have no other way.

// Test arithmetic on small known values.
#![allow(clippy::arithmetic_side_effects)]

use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{schedule::DispatchTime, Bounded, Get, Hooks},
};
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use pallet_referenda::{ReferendumInfo, ReferendumInfoFor, TracksInfo as _};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Hash, DispatchError, Percent};

use super::preset_ext;
use crate::{
	configs::{
		fees::TreasuryAccount,
		governance::{dynamic_params::fees::TreasuryShare, RuntimeParameters},
	},
	currency::UNIT,
	governance::{
		origins::{Origin, Pace, TrackPace, SMALL_SPENDER_SPEND_LIMIT},
		tracks::{self, TracksInfo},
	},
	Address, Balances, ConvictionVoting, Inference, OriginCaller, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeOrigin, Scheduler, Sudo, System, Treasury,
};

fn origin(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.to_account_id())
}

/// Runs the scheduler (which wakes referenda and enacts them) through block `n`.
fn run_to(n: u32) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Scheduler::on_initialize(next);
	}
}

/// A voter's way to a referendum: Bob notes `call` as a preimage and submits it on the track of
/// `track_origin`, then places its decision deposit. Returns the referendum's index.
fn propose(track_origin: OriginCaller, call: RuntimeCall) -> u32 {
	let bob = Sr25519Keyring::Bob;
	let encoded = call.encode();
	assert_ok!(Preimage::note_preimage(origin(bob), encoded.clone()));
	let proposal = Bounded::Lookup {
		hash: <Runtime as frame_system::Config>::Hashing::hash(&encoded),
		len: encoded.len() as u32,
	};
	let index = pallet_referenda::ReferendumCount::<Runtime>::get();
	assert_ok!(Referenda::submit(
		origin(bob),
		Box::new(track_origin),
		proposal,
		DispatchTime::After(1)
	));
	assert_ok!(Referenda::place_decision_deposit(origin(bob), index));
	index
}

/// Ferdie votes aye with nearly all he has (1.3 % of the development chains' issuance).
fn vote_aye(index: u32) {
	let vote = AccountVote::Standard {
		vote: Vote { aye: true, conviction: Conviction::Locked1x },
		balance: 990_000 * UNIT,
	};
	assert_ok!(ConvictionVoting::vote(origin(Sr25519Keyring::Ferdie), index, vote));
}

fn approved(index: u32) -> bool {
	matches!(ReferendumInfoFor::<Runtime>::get(index), Some(ReferendumInfo::Approved(..)))
}

/// The result of each referendum's call the scheduler enacted (named tasks: the referenda's
/// own alarms are anonymous).
fn enacted() -> Vec<Result<(), DispatchError>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Scheduler(pallet_scheduler::Event::Dispatched {
				id: Some(_),
				result,
				..
			}) => Some(result),
			_ => None,
		})
		.collect()
}

/// The invariants of Verity's pallets (FRAME's check theirs under `try-runtime` only).
fn check_invariants() {
	Inference::do_try_state().unwrap();
	crate::Operators::do_try_state().unwrap();
	crate::Feeds::do_try_state().unwrap();
}

/// The development chain at block 1, governance at its development pace.
fn dev(test: impl FnOnce()) {
	preset_ext("development").execute_with(|| {
		System::set_block_number(1);
		assert_eq!(TrackPace::<Runtime>::get(), Pace::Development);
		test();
		check_invariants();
	});
}

fn market_params_call(execution_period: u32) -> RuntimeCall {
	let mut params = pallet_inference::Params::<Runtime>::get();
	params.execution_period = execution_period;
	RuntimeCall::Inference(pallet_inference::Call::set_params { params })
}

#[test]
fn a_market_referendum_changes_the_market_parameters_and_is_enacted_within_a_minute() {
	dev(|| {
		let before = pallet_inference::Params::<Runtime>::get();
		assert_ne!(before.execution_period, 25);
		let index = propose(OriginCaller::Origins(Origin::MarketAdmin), market_params_call(25));
		let info = Referenda::ensure_ongoing(index).unwrap();
		assert_eq!(info.track, tracks::MARKET);
		vote_aye(index);

		// Prepared for a block, confirmed for two, enacted the block after: ten blocks is a
		// minute of 6 s blocks.
		run_to(11);
		assert!(approved(index), "{:?}", ReferendumInfoFor::<Runtime>::get(index));
		assert_eq!(enacted(), vec![Ok(())]);
		let after = pallet_inference::Params::<Runtime>::get();
		assert_eq!(after.execution_period, 25);
		assert_eq!(after, pallet_inference::MarketParams { execution_period: 25, ..before });
	});
}

#[test]
fn the_wrong_track_cannot_change_the_market_parameters() {
	dev(|| {
		let before = pallet_inference::Params::<Runtime>::get();
		// A referendum on the small-spender track passes, but its origin may not set them.
		let index = propose(OriginCaller::Origins(Origin::SmallSpender), market_params_call(25));
		assert_eq!(Referenda::ensure_ongoing(index).unwrap().track, tracks::SMALL_SPENDER);
		vote_aye(index);
		run_to(11);
		assert!(approved(index));
		assert_eq!(enacted(), vec![Err(DispatchError::BadOrigin)]);
		assert_eq!(pallet_inference::Params::<Runtime>::get(), before);

		// Neither a treasurer, nor a signed account, may either.
		let params = pallet_inference::Params::<Runtime>::get();
		for who in [RuntimeOrigin::from(Origin::Treasurer), origin(Sr25519Keyring::Alice)] {
			assert_noop!(Inference::set_params(who.clone(), params), DispatchError::BadOrigin);
			assert_noop!(
				crate::Operators::set_min_bond(who, verity_primitives::Role::Inference, UNIT),
				DispatchError::BadOrigin
			);
		}
		// Removing an operator from every role (a validator maybe) is root's alone.
		assert_noop!(
			crate::Operators::force_deregister(
				RuntimeOrigin::from(Origin::MarketAdmin),
				Sr25519Keyring::Alice.to_account_id()
			),
			DispatchError::BadOrigin
		);
		// An origin no track stands for cannot be proposed.
		assert_noop!(
			Referenda::submit(
				origin(Sr25519Keyring::Bob),
				Box::new(OriginCaller::system(frame_system::RawOrigin::Signed(
					Sr25519Keyring::Bob.to_account_id()
				))),
				Bounded::Inline(Default::default()),
				DispatchTime::After(1)
			),
			pallet_referenda::Error::<Runtime>::NoTrack
		);
	});
}

#[test]
fn the_market_track_sets_the_operators_minimum_bonds_and_the_fee_split() {
	use verity_primitives::Role;
	dev(|| {
		assert_eq!(TreasuryShare::get(), Percent::from_percent(80));
		let share = RuntimeParameters::Fees(
			crate::configs::governance::dynamic_params::fees::Parameters::TreasuryShare(
				crate::configs::governance::dynamic_params::fees::TreasuryShare,
				Some(Percent::from_percent(60)),
			),
		);
		let calls = vec![
			RuntimeCall::Operators(pallet_operators::Call::set_min_bond {
				role: Role::Oracle,
				amount: 250 * UNIT,
			}),
			RuntimeCall::Parameters(pallet_parameters::Call::set_parameter {
				key_value: share.clone(),
			}),
		];
		let call = RuntimeCall::Utility(pallet_utility::Call::batch_all { calls });
		let index = propose(OriginCaller::Origins(Origin::MarketAdmin), call);
		vote_aye(index);
		run_to(11);
		assert_eq!(enacted(), vec![Ok(())]);
		assert_eq!(pallet_operators::MinBond::<Runtime>::get(Role::Oracle), 250 * UNIT);
		assert_eq!(TreasuryShare::get(), Percent::from_percent(60));
		// A signed account may not set the fee split.
		assert_noop!(
			crate::Parameters::set_parameter(origin(Sr25519Keyring::Alice), share),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_treasury_spend_referendum_pays_out_and_a_small_spender_cannot_spend_more_than_its_limit() {
	dev(|| {
		let treasury = TreasuryAccount::get();
		assert_eq!(Treasury::account_id(), treasury);
		assert_ok!(Balances::transfer_keep_alive(
			origin(Sr25519Keyring::Dave),
			Address::Id(treasury.clone()),
			100_000 * UNIT
		));
		let beneficiary = Sr25519Keyring::Two.to_account_id();
		let spend = |amount| {
			RuntimeCall::Treasury(pallet_treasury::Call::spend {
				asset_kind: Box::new(()),
				amount,
				beneficiary: Box::new(Address::Id(beneficiary.clone())),
				valid_from: None,
			})
		};
		let big = propose(OriginCaller::Origins(Origin::Treasurer), spend(50_000 * UNIT));
		let small = propose(
			OriginCaller::Origins(Origin::SmallSpender),
			spend(SMALL_SPENDER_SPEND_LIMIT + UNIT),
		);
		assert_eq!(Referenda::ensure_ongoing(big).unwrap().track, tracks::TREASURER);
		vote_aye(big);
		vote_aye(small);
		run_to(11);
		assert!(approved(big) && approved(small));
		assert_eq!(
			enacted(),
			vec![Ok(()), Err(pallet_treasury::Error::<Runtime>::InsufficientPermission.into())]
		);
		// The approved spend is claimed by anyone and paid from the treasury's pot.
		assert_eq!(pallet_treasury::SpendCount::<Runtime>::get(), 1);
		let before = (Balances::free_balance(&beneficiary), Balances::free_balance(&treasury));
		assert_ok!(Treasury::payout(origin(Sr25519Keyring::Eve), 0));
		assert_eq!(Balances::free_balance(&beneficiary), before.0 + 50_000 * UNIT);
		assert_eq!(Balances::free_balance(&treasury), before.1 - 50_000 * UNIT);
		// It is paid once.
		assert_ok!(Treasury::check_status(origin(Sr25519Keyring::Eve), 0));
		assert_noop!(
			Treasury::payout(origin(Sr25519Keyring::Eve), 0),
			pallet_treasury::Error::<Runtime>::InvalidIndex
		);
	});
}

#[test]
fn a_spend_of_the_whole_pot_fails_and_the_pot_stays() {
	dev(|| {
		let treasury = TreasuryAccount::get();
		let pot = Balances::free_balance(&treasury);
		assert!(pot > 0);
		assert_ok!(Treasury::spend(
			RuntimeOrigin::root(),
			Box::new(()),
			pot,
			Box::new(Address::Id(Sr25519Keyring::Two.to_account_id())),
			None
		));
		// The payment is refused (it would reap the pot) and changes nothing; the spend may be
		// claimed once the pot holds more.
		assert_noop!(
			Treasury::payout(origin(Sr25519Keyring::Eve), 0),
			pallet_treasury::Error::<Runtime>::PayoutError
		);
		assert_eq!(Balances::free_balance(&treasury), pot);
		assert_ok!(Balances::transfer_keep_alive(
			origin(Sr25519Keyring::Dave),
			Address::Id(treasury.clone()),
			UNIT
		));
		assert_ok!(Treasury::payout(origin(Sr25519Keyring::Eve), 0));
		assert_eq!(Balances::free_balance(&treasury), UNIT);
	});
}

#[test]
fn a_junk_root_referendum_is_killed_on_its_track_and_its_deposits_fund_the_treasury() {
	dev(|| {
		let treasury = TreasuryAccount::get();
		let junk = propose(
			OriginCaller::system(frame_system::RawOrigin::Root),
			RuntimeCall::System(frame_system::Call::remark { remark: b"junk".to_vec() }),
		);
		let before = Balances::free_balance(&treasury);
		let kill = RuntimeCall::Referenda(pallet_referenda::Call::kill { index: junk });
		let index = propose(OriginCaller::Origins(Origin::ReferendumKiller), kill);
		assert_eq!(Referenda::ensure_ongoing(index).unwrap().track, tracks::REFERENDUM_KILLER);
		vote_aye(index);
		run_to(11);
		assert_eq!(enacted(), vec![Ok(())]);
		assert!(matches!(
			ReferendumInfoFor::<Runtime>::get(junk),
			Some(ReferendumInfo::Killed(..))
		));
		// Its submission deposit (10 VRT) and the root track's decision deposit (100 000 VRT).
		assert_eq!(Balances::free_balance(&treasury), before + 100_010 * UNIT);
		// The market track may not kill one.
		assert_noop!(
			Referenda::kill(RuntimeOrigin::from(Origin::MarketAdmin), index),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn local_and_staging_have_no_sudo_and_decide_at_the_public_pace() {
	for preset in ["local_testnet", "staging"] {
		preset_ext(preset).execute_with(|| {
			System::set_block_number(1);
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
			assert_eq!(TrackPace::<Runtime>::get(), Pace::Standard);
			// Sudo cannot change a market or staking parameter: nobody holds its key.
			let call = market_params_call(25);
			assert_noop!(
				Sudo::sudo(origin(Sr25519Keyring::Alice), Box::new(call.clone())),
				pallet_sudo::Error::<Runtime>::RequireSudo
			);
			// A referendum prepares for an hour and confirms for three: after a hundred
			// blocks it is still ongoing, where the development pace had enacted it.
			let index = propose(OriginCaller::Origins(Origin::MarketAdmin), call);
			vote_aye(index);
			run_to(101);
			assert!(Referenda::ensure_ongoing(index).is_ok());
			assert!(enacted().is_empty());
			check_invariants();
		});
	}
}

#[test]
fn the_tracks_are_those_the_docs_list() {
	use verity_primitives::time::{DAYS, HOURS, MINUTES};
	assert_eq!(TracksInfo::check_integrity(), Ok(()));
	preset_ext("staging").execute_with(|| {
		let table: Vec<_> = TracksInfo::tracks()
			.map(|track| {
				let info = &track.info;
				let name = core::str::from_utf8(&info.name).unwrap().trim_end_matches('\0');
				(
					track.id,
					name.to_string(),
					info.max_deciding,
					info.decision_deposit / UNIT,
					info.prepare_period,
					info.decision_period,
					info.confirm_period,
					info.min_enactment_period,
				)
			})
			.collect();
		let row = |id, name: &str, max, deposit, prepare, decide, confirm, enact| {
			(id, name.to_string(), max, deposit, prepare, decide, confirm, enact)
		};
		assert_eq!(
			table,
			vec![
				row(0, "root", 1, 100_000, 2 * HOURS, 28 * DAYS, DAYS, DAYS),
				row(1, "market", 10, 10_000, HOURS, 14 * DAYS, 3 * HOURS, 10 * MINUTES),
				row(2, "treasurer", 10, 10_000, 2 * HOURS, 28 * DAYS, DAYS, DAYS),
				row(3, "small_spender", 50, 1_000, HOURS, 14 * DAYS, 6 * HOURS, HOURS),
				row(
					4,
					"referendum_canceller",
					1_000,
					10_000,
					2 * HOURS,
					7 * DAYS,
					3 * HOURS,
					10 * MINUTES
				),
				row(
					5,
					"referendum_killer",
					1_000,
					50_000,
					2 * HOURS,
					7 * DAYS,
					3 * HOURS,
					10 * MINUTES
				),
			]
		);
		// Each origin has its track.
		for (caller, id) in [
			(OriginCaller::system(frame_system::RawOrigin::Root), tracks::ROOT),
			(OriginCaller::Origins(Origin::MarketAdmin), tracks::MARKET),
			(OriginCaller::Origins(Origin::Treasurer), tracks::TREASURER),
			(OriginCaller::Origins(Origin::SmallSpender), tracks::SMALL_SPENDER),
			(OriginCaller::Origins(Origin::ReferendumCanceller), tracks::REFERENDUM_CANCELLER),
			(OriginCaller::Origins(Origin::ReferendumKiller), tracks::REFERENDUM_KILLER),
		] {
			assert_eq!(TracksInfo::track_for(&caller), Ok(id));
		}
		assert_eq!(<Runtime as pallet_referenda::Config>::SubmissionDeposit::get(), 10 * UNIT);
	});
}
