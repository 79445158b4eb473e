//! Tests of the job market: every call, error and event, deadlines, and a seeded random
//! sequence of thousands of steps checking that no paid job is ever lost. What an attacker
//! would try (`hardening`) has a file of its own.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

mod batches;
mod challenges;
mod consensus;
mod feeds;
mod hardening;
mod subscriptions;

use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use sp_runtime::{DispatchError, Perbill};
use verity_primitives::{JobId, ModeSet, VerificationMode};

use crate::{mock::*, *};

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn input(bytes: &[u8]) -> JobInputOf<Test> {
	JobInput::Inline(BoundedVec::try_from(bytes.to_vec()).unwrap())
}

/// An input of the size the mock's models take: four `f32` elements.
fn valid_input() -> JobInputOf<Test> {
	input(&[0; 16])
}

fn output(bytes: &[u8]) -> OutputOf<Test> {
	BoundedVec::try_from(bytes.to_vec()).unwrap()
}

/// A `Fast` output of the mock model's size: two `f32` elements, every byte `byte`.
fn fast_output(byte: u8) -> OutputOf<Test> {
	output(&[byte; 8])
}

fn submit(who: u64, max_fee: u64) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(Inference::submit_job(
		signed(who),
		model(),
		valid_input(),
		VerificationMode::Fast,
		max_fee
	));
	id
}

/// `who` submits a job of `model` in `mode` on a valid input, paying at most `max_fee`.
fn submit_to(
	who: u64,
	model: ModelId,
	mode: VerificationMode,
	max_fee: u64,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Inference::submit_job(signed(who), model, valid_input(), mode, max_fee)
}

/// Parameters under which finished jobs are pruned soon: the shortest challenge period the
/// default execution period allows, and the shortest retention after it.
fn quick_pruning() -> MarketParamsOf<Test> {
	let period = MarketParamsOf::<Test>::default().execution_period;
	let mut params = MarketParams {
		challenge_period: 2 * period + u64::from(SCHEDULE_SPREAD) + 1,
		..Default::default()
	};
	params.retention_period = Inference::least_retention(&params);
	params
}

/// Sets [`quick_pruning`]; returns its retention period.
fn prune_quickly() -> u64 {
	let params = quick_pruning();
	assert_ok!(Inference::set_params(RuntimeOrigin::root(), params));
	params.retention_period
}

fn job(id: JobId) -> JobOf<Test> {
	Jobs::<Test>::get(id).unwrap()
}

fn escrow(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::JobEscrow.into(), &who)
}

fn free(who: u64) -> u64 {
	<Balances as Inspect<u64>>::balance(&who)
}

fn bond(who: u64) -> u64 {
	<Operators as verity_primitives::RoleInspect<u64, u64>>::bond_of(&who)
}

/// Lets every worker take any number of jobs at once.
fn serve_without_limit() {
	lift_limits(WORKERS);
}

/// Lets each of `operators` take any number of jobs of the demo model at once.
fn lift_limits(operators: impl IntoIterator<Item = u64>) {
	for who in operators {
		assert_ok!(Operators::set_capabilities(
			signed(who),
			pallet_operators::Capabilities {
				models: BoundedVec::try_from(vec![model()]).unwrap(),
				max_concurrent_jobs: 10_000,
				accelerator: false,
			},
		));
	}
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Inference(event) => Some(event),
			_ => None,
		})
		.collect()
}

mod submit_job {
	use super::*;

	#[test]
	fn holds_the_escrow_and_assigns_an_eligible_worker() {
		execute(|| {
			let id = submit(ALICE, 150);
			let record = job(id);
			assert_eq!(escrow(ALICE), 150);
			assert_eq!(free(ALICE), ENDOWMENT - 150 - JOB_DEPOSIT);
			assert!(WORKERS.contains(&record.worker));
			assert_eq!(record.fee, PRICE);
			assert_eq!(record.status, JobStatus::Assigned);
			assert_eq!(record.deadline, 1 + Params::<Test>::get().execution_period);
			assert_eq!(record.attempts, 1);
			assert_eq!(WorkerLoad::<Test>::get(record.worker), 1);
			assert!(WorkerJobs::<Test>::contains_key(record.worker, id));
			assert!(RequesterJobs::<Test>::contains_key(ALICE, id));
			assert_eq!(Deadlines::<Test>::get(record.deadline).into_inner(), vec![id]);
			assert_eq!(NextJobId::<Test>::get(), JobId(1));
			assert_eq!(
				events(),
				vec![Event::JobSubmitted {
					job: id,
					model: model(),
					requester: ALICE,
					worker: record.worker
				}]
			);
		});
	}

	#[test]
	fn picks_workers_in_proportion_to_their_bond() {
		execute(|| {
			serve_without_limit();
			let mut picks = [0u32; 3];
			for n in 0..600u64 {
				// Four jobs a block keeps the deadline queues from filling up.
				if n % 4 == 0 {
					run_to_block(System::block_number() + 1);
				}
				let id = submit(ALICE, PRICE);
				let worker = job(id).worker;
				picks[WORKERS.iter().position(|w| *w == worker).unwrap()] += 1;
				assert_ok!(Inference::submit_result(signed(worker), id, fast_output(1)));
			}
			// Bonds are 1:2:3; the picks follow within a loose tolerance.
			assert!(picks[0] > 50 && picks[0] < 150, "{picks:?}");
			assert!(picks[2] > 230 && picks[2] < 370, "{picks:?}");
		});
	}

	#[test]
	fn respects_declared_concurrency() {
		execute(|| {
			// Three workers, two jobs each: the seventh job finds nobody.
			for _ in 0..6 {
				submit(ALICE, PRICE);
			}
			for who in WORKERS {
				assert_eq!(WorkerLoad::<Test>::get(who), 2);
			}
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Fast, PRICE),
				Error::<Test>::NoEligibleOperator
			);
		});
	}

	#[test]
	fn skips_chilled_operators() {
		execute(|| {
			assert_ok!(Operators::chill(signed(WORKERS[0])));
			assert_ok!(Operators::chill(signed(WORKERS[1])));
			for _ in 0..2 {
				let id = submit(ALICE, PRICE);
				assert_eq!(job(id).worker, WORKERS[2]);
			}
		});
	}

	#[test]
	fn refuses_unknown_and_retired_models() {
		execute(|| {
			assert_noop!(
				submit_to(ALICE, lonely_model(), VerificationMode::Fast, PRICE),
				Error::<Test>::UnknownModel
			);
			assert_ok!(Models::retire_model(signed(OWNER), model()));
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Fast, PRICE),
				Error::<Test>::ModelRetired
			);
		});
	}

	#[test]
	fn refuses_unsupported_modes() {
		execute(|| {
			register_model(lonely_model(), ModeSet::FAST);
			assert_noop!(
				submit_to(ALICE, lonely_model(), VerificationMode::Zk, 10 * PRICE),
				Error::<Test>::ModeNotSupported
			);
			// The model supports `Zk` but has no verifying key yet.
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Zk, 10 * PRICE),
				Error::<Test>::NoVerifyingKey
			);
		});
	}

	#[test]
	fn refuses_empty_input_and_feeds() {
		execute(|| {
			assert_noop!(
				Inference::submit_job(
					signed(ALICE),
					model(),
					input(&[]),
					VerificationMode::Fast,
					PRICE
				),
				Error::<Test>::EmptyInput
			);
			for wrong in [&[0u8; 15][..], &[0u8; 17][..]] {
				assert_noop!(
					Inference::submit_job(
						signed(ALICE),
						model(),
						input(wrong),
						VerificationMode::Fast,
						PRICE
					),
					Error::<Test>::InputSizeMismatch
				);
			}
		});
	}

	#[test]
	fn input_longer_than_the_bound_does_not_decode() {
		use codec::{Decode, Encode};
		let long: Vec<u8> = vec![0; 65];
		// An inline input is `(variant 0, compact length, bytes)`.
		let encoded = (0u8, long).encode();
		assert!(JobInputOf::<Test>::decode(&mut &encoded[..]).is_err());
	}

	#[test]
	fn refuses_a_max_fee_below_the_fee() {
		execute(|| {
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Fast, PRICE - 1),
				Error::<Test>::MaxFeeTooLow
			);
		});
	}

	#[test]
	fn refuses_a_model_nobody_serves() {
		execute(|| {
			register_model(lonely_model(), ModeSet::FAST);
			assert_noop!(
				submit_to(ALICE, lonely_model(), VerificationMode::Fast, PRICE),
				Error::<Test>::NoEligibleOperator
			);
		});
	}

	#[test]
	fn refuses_an_escrow_the_requester_cannot_cover() {
		execute(|| {
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Fast, ENDOWMENT + 1),
				Error::<Test>::InsufficientBalance
			);
			// A stranger without funds.
			assert_noop!(
				submit_to(77, model(), VerificationMode::Fast, PRICE),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn refuses_when_the_deadline_queues_are_full() {
		execute(|| {
			serve_without_limit();
			// Four entries a block, sixteen blocks tried: 64 jobs fill every slot.
			for _ in 0..64 {
				submit(ALICE, PRICE);
			}
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Fast, PRICE),
				Error::<Test>::MarketBusy
			);
		});
	}

	#[test]
	fn unsigned_is_refused() {
		execute(|| {
			assert_noop!(
				Inference::submit_job(
					RuntimeOrigin::none(),
					model(),
					valid_input(),
					VerificationMode::Fast,
					PRICE
				),
				DispatchError::BadOrigin
			);
		});
	}
}

mod submit_result {
	use super::*;

	#[test]
	fn settles_a_fast_job_and_splits_the_fee() {
		execute(|| {
			let id = submit(ALICE, 250);
			let worker = job(id).worker;
			let (worker_before, owner_before, treasury_before) =
				(free(worker), free(OWNER), free(TREASURY));
			let issuance = Balances::total_issuance();
			System::reset_events();

			assert_ok!(Inference::submit_result(signed(worker), id, fast_output(9)));

			let split = FeeSplit::of(PRICE, ROYALTY, Params::<Test>::get().treasury_share);
			assert_eq!(split, FeeSplit { worker: 85, royalty: 5, treasury: 10 });
			assert_eq!(free(worker), worker_before + 85);
			assert_eq!(free(OWNER), owner_before + 5);
			assert_eq!(free(TREASURY), treasury_before + 10);
			assert_eq!(escrow(ALICE), 0);
			assert_eq!(free(ALICE), ENDOWMENT - PRICE - JOB_DEPOSIT);
			assert_eq!(Balances::total_issuance(), issuance);

			let record = job(id);
			assert_eq!(record.status, JobStatus::Settled);
			assert_eq!(record.paid, PRICE);
			assert_eq!(record.output.unwrap().into_inner(), vec![9; 8]);
			assert_eq!(record.finished_at, Some(1));
			assert_eq!(WorkerLoad::<Test>::get(worker), 0);
			assert!(!WorkerJobs::<Test>::contains_key(worker, id));
			assert_eq!(
				events(),
				vec![
					Event::ResultSubmitted {
						job: id,
						output_hash: sp_io::hashing::blake2_256(&[9; 8])
					},
					Event::JobSettled { job: id, paid: PRICE },
				]
			);
		});
	}

	#[test]
	fn refuses_strangers_second_results_and_empty_outputs() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			let stranger = *WORKERS.iter().find(|w| **w != worker).unwrap();
			assert_noop!(
				Inference::submit_result(signed(stranger), id, fast_output(1)),
				Error::<Test>::NotAssignedWorker
			);
			assert_noop!(
				Inference::submit_result(signed(worker), JobId(99), fast_output(1)),
				Error::<Test>::UnknownJob
			);
			assert_noop!(
				Inference::submit_result(signed(worker), id, output(&[])),
				Error::<Test>::EmptyOutput
			);
			assert_ok!(Inference::submit_result(signed(worker), id, fast_output(1)));
			assert_noop!(
				Inference::submit_result(signed(worker), id, fast_output(2)),
				Error::<Test>::ResultAlreadySubmitted
			);
		});
	}

	#[test]
	fn refuses_a_result_for_a_refunded_job() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			assert_noop!(
				Inference::submit_result(signed(worker), id, fast_output(1)),
				Error::<Test>::JobFinished
			);
		});
	}

	#[test]
	fn refuses_a_result_after_the_deadline() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let record = job(id);
			// The block of the deadline, before its hook has run.
			System::set_block_number(record.deadline);
			assert_noop!(
				Inference::submit_result(signed(record.worker), id, fast_output(1)),
				Error::<Test>::DeadlinePassed
			);
		});
	}

	#[test]
	fn a_retired_model_still_pays_its_royalty_for_jobs_in_flight() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			assert_ok!(Models::retire_model(signed(OWNER), model()));
			let (owner_before, treasury_before) = (free(OWNER), free(TREASURY));
			assert_ok!(Inference::submit_result(signed(worker), id, fast_output(1)));
			assert_eq!(free(OWNER), owner_before + 5);
			assert_eq!(free(TREASURY), treasury_before + 10);
			assert_eq!(free(ALICE), ENDOWMENT - PRICE - JOB_DEPOSIT);
		});
	}
}

mod cancel_job {
	use super::*;

	#[test]
	fn returns_the_escrow_in_full() {
		execute(|| {
			let id = submit(ALICE, 300);
			let worker = job(id).worker;
			System::reset_events();
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			assert_eq!(escrow(ALICE), 0);
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
			let record = job(id);
			assert_eq!(record.status, JobStatus::Refunded(RefundReason::Cancelled));
			assert_eq!(record.paid, 0);
			assert_eq!(WorkerLoad::<Test>::get(worker), 0);
			assert_eq!(
				events(),
				vec![Event::JobRefunded { job: id, reason: RefundReason::Cancelled }]
			);
		});
	}

	#[test]
	fn refuses_strangers_unknown_jobs_and_finished_jobs() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			assert_noop!(Inference::cancel_job(signed(BOB), id), Error::<Test>::NotRequester);
			assert_noop!(
				Inference::cancel_job(signed(ALICE), JobId(42)),
				Error::<Test>::UnknownJob
			);
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			assert_noop!(Inference::cancel_job(signed(ALICE), id), Error::<Test>::JobFinished);
		});
	}

	#[test]
	fn refuses_after_the_result() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(1)));
			assert_noop!(
				Inference::cancel_job(signed(ALICE), id),
				Error::<Test>::ResultAlreadySubmitted
			);
		});
	}
}

mod decline_job {
	use super::*;

	#[test]
	fn reassigns_once_then_refunds_without_slashing() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let first = job(id).worker;
			let bond_before = bond(first);
			System::reset_events();
			assert_ok!(Inference::decline_job(signed(first), id));
			let second = job(id).worker;
			assert_ne!(first, second);
			assert_eq!(job(id).attempts, 2);
			assert_eq!(bond(first), bond_before);
			assert_eq!(WorkerLoad::<Test>::get(first), 0);
			assert_eq!(WorkerLoad::<Test>::get(second), 1);
			assert_eq!(
				events(),
				vec![
					Event::JobDeclined { job: id, worker: first },
					Event::JobReassigned { job: id, from: first, to: second },
				]
			);
			assert_ok!(Inference::decline_job(signed(second), id));
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::Declined));
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
		});
	}

	#[test]
	fn refuses_a_worker_past_its_deadline() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let record = job(id);
			System::set_block_number(record.deadline);
			assert_noop!(
				Inference::decline_job(signed(record.worker), id),
				Error::<Test>::DeadlinePassed
			);
		});
	}

	#[test]
	fn refunds_when_nobody_else_serves_the_model() {
		execute(|| {
			assert_ok!(Operators::chill(signed(WORKERS[0])));
			assert_ok!(Operators::chill(signed(WORKERS[1])));
			let id = submit(ALICE, PRICE);
			assert_ok!(Inference::decline_job(signed(WORKERS[2]), id));
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::NoOperator));
			assert_eq!(escrow(ALICE), 0);
		});
	}

	#[test]
	fn refuses_strangers_and_finished_jobs() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			assert_noop!(
				Inference::decline_job(signed(ALICE), id),
				Error::<Test>::NotAssignedWorker
			);
			assert_noop!(
				Inference::decline_job(signed(worker), JobId(5)),
				Error::<Test>::UnknownJob
			);
			assert_ok!(Inference::submit_result(signed(worker), id, fast_output(1)));
			assert_noop!(
				Inference::decline_job(signed(worker), id),
				Error::<Test>::ResultAlreadySubmitted
			);
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			assert_noop!(Inference::decline_job(signed(worker), id), Error::<Test>::JobFinished);
		});
	}
}

mod deadlines {
	use super::*;

	#[test]
	fn a_missed_deadline_slashes_and_reassigns_then_refunds() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let first = job(id).worker;
			let first_bond = bond(first);
			let treasury_before = free(TREASURY);
			let deadline = job(id).deadline;
			System::reset_events();

			run_to_block(deadline);
			let slash = Perbill::from_percent(1).mul_floor(first_bond);
			assert_eq!(bond(first), first_bond - slash);
			assert_eq!(free(TREASURY), treasury_before + slash);
			let record = job(id);
			let second = record.worker;
			assert_ne!(second, first);
			assert_eq!(record.attempts, 2);
			assert_eq!(record.deadline, deadline + Params::<Test>::get().execution_period);
			assert_eq!(escrow(ALICE), PRICE);
			assert!(events().contains(&Event::JobReassigned { job: id, from: first, to: second }));

			// The old worker's late result is refused.
			assert_noop!(
				Inference::submit_result(signed(first), id, fast_output(1)),
				Error::<Test>::NotAssignedWorker
			);

			let second_bond = bond(second);
			run_to_block(record.deadline);
			assert!(bond(second) < second_bond);
			let record = job(id);
			assert_eq!(record.status, JobStatus::Refunded(RefundReason::DeadlineMissed));
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
			assert_eq!(escrow(ALICE), 0);
			assert!(events()
				.contains(&Event::JobRefunded { job: id, reason: RefundReason::DeadlineMissed }));
		});
	}

	#[test]
	fn a_result_in_time_leaves_no_work_but_pruning() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let record = job(id);
			assert_ok!(Inference::submit_result(signed(record.worker), id, fast_output(1)));
			let bond_before = bond(record.worker);
			run_to_block(record.deadline + 1);
			assert_eq!(bond(record.worker), bond_before);
			assert_eq!(job(id).status, JobStatus::Settled);
		});
	}

	#[test]
	fn finished_jobs_are_pruned_after_the_retention_period() {
		execute(|| {
			let retention = prune_quickly();
			let id = submit(ALICE, PRICE);
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			run_to_block(retention);
			assert!(Jobs::<Test>::contains_key(id));
			run_to_block(retention + 1);
			assert!(!Jobs::<Test>::contains_key(id));
			assert!(!RequesterJobs::<Test>::contains_key(ALICE, id));
		});
	}

	/// Room for the hook's own bookkeeping, one queue visit and `worst` worst-case entries
	/// plus `cheap` answered ones.
	fn limit_for(worst: u64, cheap: u64) -> frame_support::weights::Weight {
		type W = ();
		<<Test as frame_system::Config>::DbWeight as Get<frame_support::weights::RuntimeDbWeight>>::get()
			.reads_writes(1, 1)
			.saturating_add(<W as crate::WeightInfo>::deadline_step())
			.saturating_add(Inference::worst_entry().saturating_mul(worst))
			.saturating_add(<W as crate::WeightInfo>::deadline_stale().saturating_mul(cheap))
	}

	#[test]
	fn work_beyond_the_block_limit_is_carried_over() {
		execute(|| {
			serve_without_limit();
			// Twelve jobs due over three blocks (four a block), and room for one missed
			// deadline a block.
			let ids: Vec<JobId> = (0..12).map(|_| submit(ALICE, PRICE)).collect();
			let deadline = job(ids[0]).deadline;
			MaxDeadlineWeight::set(limit_for(1, 0));
			let handled = || ids.iter().filter(|id| job(**id).attempts == 2).count();
			let mut before = 0;
			for block in deadline..deadline + 6 {
				run_to_block(block);
				let now = handled();
				assert!(now <= before + 1, "block {block} handled {} entries", now - before);
				before = now;
			}
			assert!((1..12).contains(&before), "{before} handled");
			// None skipped: the rest follow, in order.
			MaxDeadlineWeight::set(frame_support::weights::Weight::MAX);
			run_to_block(deadline + 6);
			for id in &ids {
				assert_eq!(job(*id).attempts, 2, "job {id:?}");
			}
			assert!(DeadlineCursor::<Test>::get() <= deadline + 7);
		});
	}

	#[test]
	fn one_block_never_uses_more_than_its_limit() {
		execute(|| {
			serve_without_limit();
			let ids: Vec<JobId> = (0..12).map(|_| submit(ALICE, PRICE)).collect();
			let deadline = job(ids[0]).deadline;
			// Jump to a late block with the cursor at the first deadline: one hook call with
			// room for two worst-case entries handles two and carries the rest over.
			let limit = limit_for(2, 0);
			MaxDeadlineWeight::set(limit);
			DeadlineCursor::<Test>::put(deadline);
			System::set_block_number(deadline + 5);
			let used = Inference::process_deadlines(deadline + 5);
			assert!(used.all_lte(limit), "{used:?} of {limit:?}");
			let handled = ids.iter().filter(|id| job(**id).attempts == 2).count();
			assert_eq!(handled, 2);
			assert_eq!(DeadlineCursor::<Test>::get(), deadline);
			assert_eq!(Deadlines::<Test>::get(deadline).len(), 2);
			MaxDeadlineWeight::set(frame_support::weights::Weight::MAX);
			run_to_block(deadline + 7);
			assert!(ids.iter().all(|id| job(*id).attempts == 2));
			check_invariants();
		});
	}

	#[test]
	fn answered_jobs_cost_their_read_not_the_worst_case() {
		execute(|| {
			serve_without_limit();
			let ids: Vec<JobId> = (0..4).map(|_| submit(ALICE, PRICE)).collect();
			for id in &ids {
				assert_ok!(Inference::submit_result(signed(job(*id).worker), *id, fast_output(1)));
			}
			let deadline = job(ids[0]).deadline;
			// Room for one worst-case entry and three answered ones: all four answered jobs'
			// deadline entries are handled in one block, each charged a read.
			let limit = limit_for(1, 3);
			MaxDeadlineWeight::set(limit);
			DeadlineCursor::<Test>::put(deadline);
			System::set_block_number(deadline);
			let used = Inference::process_deadlines(deadline);
			assert!(Deadlines::<Test>::get(deadline).is_empty());
			assert_eq!(DeadlineCursor::<Test>::get(), deadline + 1);
			type W = ();
			let expected = <<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get()
			.reads_writes(1, 1)
			.saturating_add(<W as crate::WeightInfo>::deadline_step())
			.saturating_add(<W as crate::WeightInfo>::deadline_stale().saturating_mul(4));
			assert_eq!(used, expected);
			MaxDeadlineWeight::set(frame_support::weights::Weight::MAX);
		});
	}
}

#[test]
fn queues_admit_their_bound_and_spread_beyond_it() {
	execute(|| {
		serve_without_limit();
		assert_eq!(Inference::queue_capacity(), 4);
		// Four jobs a block's queue; the fifth goes to the next block.
		let ids: Vec<JobId> = (0..5).map(|_| submit(ALICE, PRICE)).collect();
		let deadline = job(ids[0]).deadline;
		assert_eq!(Deadlines::<Test>::get(deadline).into_inner(), ids[..4].to_vec());
		assert_eq!(Deadlines::<Test>::get(deadline + 1).into_inner(), vec![ids[4]]);
	});
}

mod params {
	use super::*;

	#[test]
	fn only_the_params_origin_sets_valid_params() {
		execute(|| {
			let params = MarketParams { execution_period: 3, ..Default::default() };
			assert_noop!(Inference::set_params(signed(ALICE), params), DispatchError::BadOrigin);
			assert_noop!(
				Inference::set_params(
					RuntimeOrigin::root(),
					MarketParams { execution_period: 0, ..Default::default() }
				),
				Error::<Test>::InvalidParams
			);
			assert_noop!(
				Inference::set_params(
					RuntimeOrigin::root(),
					MarketParams { treasury_share: Perbill::one(), ..Default::default() }
				),
				Error::<Test>::InvalidParams
			);
			// Challenges of an even number of verifiers could split evenly; of more than the
			// bound, not be drawn.
			for challenge_verifiers in [0, 2, MAX_VERIFIERS as u8 + 2] {
				assert_noop!(
					Inference::set_params(
						RuntimeOrigin::root(),
						MarketParams { challenge_verifiers, ..Default::default() }
					),
					Error::<Test>::InvalidParams
				);
			}
			// A challenge period too short for an audit to be drawn, run and challenged; a
			// retention that ends before a challenge can.
			let quick = quick_pruning();
			for params in [
				MarketParams { challenge_period: quick.challenge_period - 1, ..quick },
				MarketParams { retention_period: quick.retention_period - 1, ..quick },
			] {
				assert_noop!(
					Inference::set_params(RuntimeOrigin::root(), params),
					Error::<Test>::InvalidParams
				);
			}
			assert_ok!(Inference::set_params(RuntimeOrigin::root(), params));
			assert_eq!(Params::<Test>::get(), params);
			assert_eq!(events(), vec![Event::ParamsSet { params }]);
		});
	}

	#[test]
	fn fees_follow_the_mode() {
		execute(|| {
			assert_eq!(Inference::estimate_fee(&model(), VerificationMode::Fast), Ok(PRICE));
			assert_eq!(Inference::estimate_fee(&model(), VerificationMode::Zk), Ok(2 * PRICE));
			assert_eq!(
				Inference::estimate_fee(&model(), VerificationMode::Consensus(3)),
				Ok(4 * PRICE)
			);
			assert_eq!(
				Inference::estimate_fee(&lonely_model(), VerificationMode::Fast),
				Err(EstimateError::UnknownModel)
			);
		});
	}

	#[test]
	fn fee_split_always_adds_up() {
		for fee in [0u64, 1, 7, 100, 12_345] {
			for royalty in [0, 5, 50, 95, 100] {
				for treasury in [0, 10, 99] {
					let split = FeeSplit::of(
						fee,
						Perbill::from_percent(royalty),
						Perbill::from_percent(treasury),
					);
					assert_eq!(split.total(), fee);
				}
			}
		}
	}
}

mod views {
	use super::*;

	#[test]
	fn job_views_follow_the_indexes() {
		execute(|| {
			let a = submit(ALICE, PRICE);
			let b = submit(ALICE, PRICE);
			let c = submit(BOB, PRICE);
			assert_eq!(
				Inference::jobs_of(&ALICE).iter().map(|j| j.id).collect::<Vec<_>>(),
				vec![a, b]
			);
			assert_eq!(Inference::jobs_of(&BOB).iter().map(|j| j.id).collect::<Vec<_>>(), vec![c]);
			let view = Inference::job_view(a).unwrap();
			assert_eq!(view.input, vec![0; 16]);
			assert!(view.feeds.is_empty());
			let worker = view.worker;
			assert!(Inference::jobs_for_worker(&worker).iter().any(|j| j.id == a));
			assert_ok!(Inference::submit_result(signed(worker), a, fast_output(3)));
			assert!(!Inference::jobs_for_worker(&worker).iter().any(|j| j.id == a));
			assert_eq!(Inference::job_view(a).unwrap().output, Some(vec![3; 8]));
		});
	}
}

/// A seeded random walk over submit / result / cancel / decline / time passing, across several
/// operators and requesters, checking after every step that no value is created or lost and
/// that every job's escrow is accounted for; at the end, every job has finished.
mod property {
	use super::*;

	/// A small deterministic generator (xorshift64*), so failures replay.
	pub(super) struct Rng(pub(super) u64);
	impl Rng {
		pub(super) fn next(&mut self) -> u64 {
			self.0 ^= self.0 >> 12;
			self.0 ^= self.0 << 25;
			self.0 ^= self.0 >> 27;
			self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
		}
		pub(super) fn below(&mut self, n: u64) -> u64 {
			self.next() % n
		}
	}

	/// The terminal events seen so far: job -> what was paid (`Some`) or refunded (`None`).
	pub(super) fn drain_terminal_events(
		terminal: &mut std::collections::BTreeMap<JobId, Vec<Option<u64>>>,
	) {
		for event in events() {
			match event {
				Event::JobSettled { job, paid } => {
					terminal.entry(job).or_default().push(Some(paid))
				},
				Event::JobRefunded { job, .. } => terminal.entry(job).or_default().push(None),
				_ => {},
			}
		}
		System::reset_events();
	}

	fn run(seed: u64, steps: usize) {
		execute(|| {
			// Finished jobs are pruned quickly, so the invariant checks stay cheap; outcomes are
			// followed through the events.
			prune_quickly();
			let mut rng = Rng(seed);
			let requesters = [ALICE, BOB];
			let issuance = Balances::total_issuance();
			let mut submitted: Vec<JobId> = Vec::new();
			let mut terminal = std::collections::BTreeMap::new();
			let mut slashed_total = 0u64;
			let bonds = || WORKERS.iter().map(|w| bond(*w)).sum::<u64>();
			for _ in 0..steps {
				// Slashes happen in several steps (deadlines, late declines, late cancels).
				let bonds_before = bonds();
				let open: Vec<JobId> = WORKERS
					.iter()
					.flat_map(|w| WorkerJobs::<Test>::iter_key_prefix(w).collect::<Vec<_>>())
					.collect();
				let pick = |rng: &mut Rng| open[rng.below(open.len() as u64) as usize];
				match rng.below(10) {
					0..=3 => {
						let who = requesters[rng.below(2) as usize];
						let max_fee = PRICE + rng.below(100);
						let id = NextJobId::<Test>::get();
						// One job, or a batch of up to four.
						let count = rng.below(5);
						let outcome = if count == 0 {
							Inference::submit_job(
								signed(who),
								model(),
								valid_input(),
								VerificationMode::Fast,
								max_fee,
							)
						} else {
							let inputs = (0..count).map(|_| valid_input()).collect::<Vec<_>>();
							Inference::submit_jobs(
								signed(who),
								model(),
								VerificationMode::Fast,
								max_fee,
								BoundedVec::truncate_from(inputs),
							)
						};
						if outcome.is_ok() {
							submitted.extend((id.0..NextJobId::<Test>::get().0).map(JobId));
						}
					},
					// A worker answers several of its jobs at once; overdue ones are skipped.
					4 if !open.is_empty() => {
						let worker = job(pick(&mut rng)).worker;
						let now = System::block_number();
						let mine: Vec<JobId> =
							WorkerJobs::<Test>::iter_key_prefix(worker).take(4).collect();
						let timely = mine.iter().filter(|id| job(**id).deadline > now).count();
						let results: BoundedVec<_, _> = BoundedVec::truncate_from(
							mine.iter().map(|id| (*id, fast_output(3))).collect::<Vec<_>>(),
						);
						let answer = || Inference::submit_results(signed(worker), results.clone());
						if timely > 0 {
							assert_ok!(answer());
							assert!(mine.iter().all(|id| job(*id).status != JobStatus::Assigned
								|| job(*id).deadline <= now));
						} else {
							assert_noop!(answer(), Error::<Test>::DeadlinePassed);
						}
					},
					5 if !open.is_empty() => {
						let id = pick(&mut rng);
						let record = job(id);
						let deliver =
							|| Inference::submit_result(signed(record.worker), id, fast_output(2));
						if record.deadline <= System::block_number() {
							// Overdue, its deadline entry not reached yet (queues were full).
							assert_noop!(deliver(), Error::<Test>::DeadlinePassed);
						} else {
							assert_ok!(deliver());
						}
					},
					6 if !open.is_empty() => {
						let id = pick(&mut rng);
						let record = job(id);
						let now = System::block_number();
						let cancel = || Inference::cancel_job(signed(record.requester), id);
						if now == record.assigned_at || now >= record.deadline {
							assert_ok!(cancel());
						} else {
							assert_noop!(cancel(), Error::<Test>::TooEarlyToCancel);
						}
					},
					7 if !open.is_empty() => {
						let id = pick(&mut rng);
						let record = job(id);
						let decline = || Inference::decline_job(signed(record.worker), id);
						if record.deadline <= System::block_number() {
							assert_noop!(decline(), Error::<Test>::DeadlinePassed);
						} else {
							assert_ok!(decline());
						}
					},
					_ => run_to_block(System::block_number() + 1 + rng.below(3)),
				}
				slashed_total += bonds_before - bonds();
				drain_terminal_events(&mut terminal);
				// Nothing is minted or burned: fees and slashes only move.
				assert_eq!(Balances::total_issuance(), issuance);
				check_invariants();
			}
			// Let every open job reach its end.
			let horizon = System::block_number() + 3 * Params::<Test>::get().execution_period + 40;
			let before = bonds();
			run_to_block(horizon);
			slashed_total += before - bonds();
			drain_terminal_events(&mut terminal);
			check_invariants();

			// Every job ended exactly once; settled jobs paid their fee, refunds nothing.
			let mut paid_total = 0u64;
			let mut settled = 0u64;
			for id in &submitted {
				let outcomes = terminal.get(id).cloned().unwrap_or_default();
				assert_eq!(outcomes.len(), 1, "job {id:?} ended {outcomes:?}");
				if let Some(Some(paid)) = outcomes.first() {
					assert_eq!(*paid, PRICE);
					paid_total += paid;
					settled += 1;
				}
			}
			assert_eq!(terminal.len(), submitted.len());
			// Requesters paid exactly the fees of settled jobs, and hold the deposits of the jobs
			// still kept; nothing else left them.
			let spent: u64 = requesters.iter().map(|who| ENDOWMENT - free(*who)).sum();
			let kept = Jobs::<Test>::iter_values().count() as u64;
			assert_eq!(spent, paid_total + kept * JOB_DEPOSIT);
			assert_eq!(escrow(ALICE) + escrow(BOB), 0);
			// The treasury got its share of every fee and every slash.
			let share = FeeSplit::of(PRICE, ROYALTY, Params::<Test>::get().treasury_share).treasury;
			assert_eq!(free(TREASURY), 1 + settled * share + slashed_total);
			assert!(submitted.len() > 100, "the walk submitted too few jobs");
			assert!(slashed_total > 0, "the walk never missed a deadline");
		});
	}

	#[test]
	fn no_paid_job_is_ever_lost() {
		for seed in [1u64, 0xDEAD_BEEF, 42, 7_777] {
			run(seed, 1_500);
		}
	}
}

#[test]
fn integrity() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(<Inference as Hooks<u64>>::integrity_test);
}

mod zk {
	use super::*;

	/// The `Zk` model's input: sixteen `i8` values.
	pub(super) fn zk_input() -> Vec<i8> {
		(0..16).map(|i| (i * 7 - 50) as i8).collect()
	}

	pub(super) fn submit_zk(who: u64) -> JobId {
		let id = NextJobId::<Test>::get();
		let bytes: Vec<u8> = zk_input().iter().map(|v| *v as u8).collect();
		assert_ok!(Inference::submit_job(
			signed(who),
			zk_model(),
			input(&bytes),
			VerificationMode::Zk,
			10 * PRICE
		));
		id
	}

	pub(super) fn submit_proof(
		id: JobId,
		output_bytes: &[u8],
		proof: &[u8],
	) -> DispatchResultWithPostInfo {
		let worker = job(id).worker;
		Inference::submit_proof(
			signed(worker),
			id,
			output(output_bytes),
			BoundedVec::try_from(proof.to_vec()).unwrap(),
		)
	}

	pub(super) fn zk_execute(test: impl FnOnce()) {
		execute(|| {
			register_zk_model();
			System::reset_events();
			test();
		});
	}

	pub(super) use frame_support::dispatch::DispatchResultWithPostInfo;

	#[test]
	fn a_verified_proof_settles_the_job() {
		zk_execute(|| {
			let id = submit_zk(ALICE);
			let worker = job(id).worker;
			let (out, proof) = prove(id, worker, &zk_input());
			let before = free(worker);
			assert_ok!(submit_proof(id, &out, &proof));
			assert_eq!(job(id).status, JobStatus::Settled);
			assert_eq!(job(id).output.unwrap().to_vec(), out);
			let fee = 2 * PRICE;
			assert_eq!(job(id).paid, fee);
			assert!(free(worker) > before);
			assert_eq!(escrow(ALICE), 0);
			assert_eq!(free(ALICE), ENDOWMENT - fee - JOB_DEPOSIT);
			let events: Vec<RuntimeEvent> =
				System::events().into_iter().map(|record| record.event).collect();
			assert!(events.contains(
				&pallet_settlement::Event::<Test>::ProofVerified { job: id, worker }.into()
			));
			assert!(events.contains(&Event::<Test>::JobSettled { job: id, paid: fee }.into()));
		});
	}

	#[test]
	fn a_proof_made_for_another_job_slashes_the_worker_and_refunds_the_requester() {
		zk_execute(|| {
			let a = submit_zk(ALICE);
			let b = submit_zk(BOB);
			let worker = job(b).worker;
			// Job A's proof (made as if `worker` ran A), submitted for B.
			let (out, proof) = prove(a, worker, &zk_input());
			let bond_before = bond(worker);
			assert_ok!(submit_proof(b, &out, &proof));
			assert_eq!(job(b).status, JobStatus::Refunded(RefundReason::BadProof));
			assert_eq!(bond(worker), bond_before - Perbill::from_percent(10) * bond_before);
			assert_eq!(escrow(BOB), 0);
			assert_eq!(free(BOB), ENDOWMENT - JOB_DEPOSIT);
			assert!(System::events().iter().any(|record| record.event
				== pallet_settlement::Event::<Test>::ProofRejected { job: b, worker }.into()));
			assert_eq!(
				System::events().pop().unwrap().event,
				Event::<Test>::JobRefunded { job: b, reason: RefundReason::BadProof }.into()
			);
		});
	}

	#[test]
	fn a_changed_output_is_rejected() {
		zk_execute(|| {
			let id = submit_zk(ALICE);
			let (mut out, proof) = prove(id, job(id).worker, &zk_input());
			out[0] = out[0].wrapping_add(1);
			assert_ok!(submit_proof(id, &out, &proof));
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::BadProof));
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
		});
	}

	#[test]
	fn malformed_proofs_and_wrong_lengths_change_nothing() {
		zk_execute(|| {
			let id = submit_zk(ALICE);
			let (out, proof) = prove(id, job(id).worker, &zk_input());
			assert_noop!(submit_proof(id, &out, &proof[..100]), Error::<Test>::MalformedProof);
			assert_noop!(submit_proof(id, &out, &[0xff; 384]), Error::<Test>::MalformedProof);
			assert_noop!(submit_proof(id, &out, &[]), Error::<Test>::MalformedProof);
			assert_noop!(submit_proof(id, &out[..3], &proof), Error::<Test>::OutputSizeMismatch);
			assert_noop!(
				Inference::submit_proof(
					signed(ALICE),
					id,
					output(&out),
					BoundedVec::try_from(proof.clone()).unwrap()
				),
				Error::<Test>::NotAssignedWorker
			);
			// A `Zk` job does not settle on a bare result.
			assert_noop!(
				Inference::submit_result(signed(job(id).worker), id, output(&out)),
				Error::<Test>::ProofRequired
			);
			// The well-formed proof still settles it afterwards.
			assert_ok!(submit_proof(id, &out, &proof));
			assert_eq!(job(id).status, JobStatus::Settled);
		});
	}

	#[test]
	fn zk_inputs_are_one_byte_an_element_and_fast_jobs_take_no_proof() {
		zk_execute(|| {
			// Sixty-four bytes are the `f32` tensor: a `Fast` input, not a `Zk` one.
			assert_noop!(
				Inference::submit_job(
					signed(ALICE),
					zk_model(),
					input(&[0; 64]),
					VerificationMode::Zk,
					10 * PRICE
				),
				Error::<Test>::InputSizeMismatch
			);
			assert_ok!(Inference::submit_job(
				signed(ALICE),
				zk_model(),
				input(&[0; 64]),
				VerificationMode::Fast,
				10 * PRICE
			));
			let fast = JobId(NextJobId::<Test>::get().0 - 1);
			let (out, proof) = prove(fast, job(fast).worker, &zk_input());
			assert_noop!(submit_proof(fast, &out, &proof), Error::<Test>::NotZkJob);
		});
	}

	/// Jobs submitted until one worker holds two; returns them and the worker.
	pub(super) fn two_jobs_of_one_worker() -> (u64, JobId, JobId) {
		let mut by_worker: Vec<(u64, JobId)> = Vec::new();
		loop {
			let id = submit_zk(ALICE);
			let worker = job(id).worker;
			if let Some((_, first)) = by_worker.iter().find(|(w, _)| *w == worker) {
				return (worker, *first, id);
			}
			by_worker.push((worker, id));
		}
	}

	pub(super) fn batch(
		items: Vec<(JobId, Vec<u8>, Vec<u8>)>,
	) -> BoundedVec<
		(JobId, OutputOf<Test>, ProofOf),
		frame_support::traits::ConstU32<MAX_PROOF_BATCH>,
	> {
		BoundedVec::try_from(
			items
				.into_iter()
				.map(|(j, o, p)| (j, output(&o), BoundedVec::try_from(p).unwrap()))
				.collect::<Vec<_>>(),
		)
		.unwrap()
	}

	#[test]
	fn a_batch_of_valid_proofs_settles_every_job() {
		zk_execute(|| {
			let (worker, a, b) = two_jobs_of_one_worker();
			let (out_a, proof_a) = prove(a, worker, &zk_input());
			let (out_b, proof_b) = prove(b, worker, &zk_input());
			assert_ok!(Inference::submit_proofs(
				signed(worker),
				batch(vec![(a, out_a, proof_a), (b, out_b, proof_b)])
			));
			assert_eq!(job(a).status, JobStatus::Settled);
			assert_eq!(job(b).status, JobStatus::Settled);
			let verified = System::events()
				.iter()
				.filter(|r| {
					matches!(
						r.event,
						RuntimeEvent::Settlement(pallet_settlement::Event::ProofVerified { .. })
					)
				})
				.count();
			assert_eq!(verified, 2);
		});
	}

	#[test]
	fn a_batch_with_a_bad_proof_settles_the_good_ones_and_slashes_for_the_bad() {
		zk_execute(|| {
			let (worker, a, b) = two_jobs_of_one_worker();
			let (out_a, proof_a) = prove(a, worker, &zk_input());
			// B answered with A's proof.
			let bond_before = bond(worker);
			assert_ok!(Inference::submit_proofs(
				signed(worker),
				batch(vec![(a, out_a.clone(), proof_a.clone()), (b, out_a, proof_a)])
			));
			assert_eq!(job(a).status, JobStatus::Settled);
			assert_eq!(job(b).status, JobStatus::Refunded(RefundReason::BadProof));
			assert!(bond(worker) < bond_before);
		});
	}

	#[test]
	fn malformed_empty_or_duplicate_batches_change_nothing() {
		zk_execute(|| {
			let (worker, a, b) = two_jobs_of_one_worker();
			let (out_a, proof_a) = prove(a, worker, &zk_input());
			let (out_b, _) = prove(b, worker, &zk_input());
			assert_noop!(
				Inference::submit_proofs(
					signed(worker),
					batch(vec![(a, out_a.clone(), proof_a.clone()), (b, out_b, vec![9; 384])])
				),
				Error::<Test>::MalformedProof
			);
			assert_noop!(
				Inference::submit_proofs(signed(worker), batch(vec![])),
				Error::<Test>::EmptyBatch
			);
			assert_noop!(
				Inference::submit_proofs(
					signed(worker),
					batch(vec![(a, out_a.clone(), proof_a.clone()), (a, out_a, proof_a)])
				),
				Error::<Test>::DuplicateJob
			);
		});
	}

	#[test]
	fn a_missed_proof_deadline_slashes_and_reassigns() {
		zk_execute(|| {
			let id = submit_zk(ALICE);
			let first = job(id).worker;
			let bond_before = bond(first);
			run_to_block(job(id).deadline);
			assert!(bond(first) < bond_before);
			let second = job(id).worker;
			assert_ne!(first, second);
			// The proof must be bound to the new worker: the old worker's is rejected.
			let (out, stale) = prove(id, first, &zk_input());
			assert_ok!(submit_proof(id, &out, &stale));
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::BadProof));
		});
	}
}
