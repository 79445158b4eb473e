//! What a dishonest requester, worker or model owner would try, and why it does not pay: each
//! test here failed on the market before it was hardened.

use super::{zk::*, *};

fn treasury() -> u64 {
	free(TREASURY)
}

/// The owner replaces the `Zk` model's key with another and then the fixture's again: the key
/// is the one proofs are made with, at a version two higher.
fn replace_zk_key() {
	let fixture = verity_zkml::verifier::encode_key(&zk_fixture().key.vk);
	for key in [other_zk_key(), fixture] {
		assert_ok!(Models::set_verifying_key(
			signed(OWNER),
			zk_model(),
			BoundedVec::try_from(key).unwrap()
		));
	}
}

mod storage_deposit {
	use super::*;

	#[test]
	fn a_job_holds_a_deposit_until_it_is_pruned() {
		execute(|| {
			let retention = prune_quickly();
			let id = submit(ALICE, PRICE);
			let deposit = || Balances::balance_on_hold(&HoldReason::JobDeposit.into(), &ALICE);
			assert_eq!(deposit(), JOB_DEPOSIT);
			assert_eq!(job(id).deposit, JOB_DEPOSIT);
			assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(1)));
			// Settled: the escrow is gone, the deposit stays while the job is kept.
			assert_eq!(escrow(ALICE), 0);
			assert_eq!(deposit(), JOB_DEPOSIT);
			run_to_block(1 + retention);
			assert!(!Jobs::<Test>::contains_key(id));
			assert_eq!(deposit(), 0);
			assert_eq!(free(ALICE), ENDOWMENT - PRICE);
			assert!(events().contains(&Event::JobPruned { job: id }));
		});
	}

	#[test]
	fn a_free_model_still_takes_the_deposit() {
		execute(|| {
			assert_ok!(Models::set_price(signed(OWNER), model(), 0));
			let id = submit(ALICE, 0);
			assert_eq!(job(id).fee, 0);
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
		});
	}

	#[test]
	fn refuses_a_requester_who_cannot_cover_escrow_and_deposit() {
		execute(|| {
			// The escrow alone fits (one unit stays for the existential deposit); with the
			// deposit it does not.
			let max_fee = ENDOWMENT - 1 - JOB_DEPOSIT + 1;
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Fast, max_fee),
				Error::<Test>::InsufficientBalance
			);
			assert_ok!(submit_to(ALICE, model(), VerificationMode::Fast, max_fee - 1));
		});
	}

	#[test]
	fn jobs_whose_pruning_found_no_room_are_pruned_by_anyone() {
		execute(|| {
			let retention = prune_quickly();
			let id = submit(ALICE, PRICE);
			// Every queue the pruning could go to is full.
			let pruning = 1 + retention;
			for block in pruning..pruning + 16 {
				Deadlines::<Test>::insert(
					block,
					BoundedVec::try_from(vec![JobId(900); 4]).unwrap(),
				);
			}
			assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(1)));
			// Its pruning is nowhere (its old deadline entry, at block 11, does nothing).
			assert!(
				(pruning..pruning + 16).all(|block| !Deadlines::<Test>::get(block).contains(&id))
			);
			assert_noop!(Inference::prune_job(signed(BOB), id), Error::<Test>::TooEarlyToPrune);
			run_to_block(pruning + 16);
			assert!(Jobs::<Test>::contains_key(id), "nobody scheduled its pruning");
			System::reset_events();
			assert_ok!(Inference::prune_job(signed(BOB), id));
			assert!(!Jobs::<Test>::contains_key(id));
			assert!(!RequesterJobs::<Test>::contains_key(ALICE, id));
			assert_eq!(free(ALICE), ENDOWMENT - PRICE);
			assert_eq!(events(), vec![Event::JobPruned { job: id }]);
		});
	}

	#[test]
	fn prune_job_refuses_unknown_and_open_jobs() {
		execute(|| {
			assert_noop!(Inference::prune_job(signed(BOB), JobId(7)), Error::<Test>::UnknownJob);
			let id = submit(ALICE, PRICE);
			assert_noop!(Inference::prune_job(signed(BOB), id), Error::<Test>::JobOpen);
		});
	}
}

mod cancel {
	use super::*;

	#[test]
	fn a_requester_cannot_cancel_while_the_result_may_be_in_the_pool() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			// From the block after assignment the worker may have answered.
			run_to_block(2);
			assert_noop!(Inference::cancel_job(signed(ALICE), id), Error::<Test>::TooEarlyToCancel);
			run_to_block(job(id).deadline - 1);
			assert_noop!(Inference::cancel_job(signed(ALICE), id), Error::<Test>::TooEarlyToCancel);
			// The answer lands; the requester paid.
			assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(4)));
			assert_eq!(job(id).status, JobStatus::Settled);
		});
	}

	#[test]
	fn in_the_block_of_assignment_cancelling_is_free() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			let bond_before = bond(worker);
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			assert_eq!(bond(worker), bond_before);
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
		});
	}

	#[test]
	fn after_an_unanswered_deadline_the_requester_cancels_and_the_worker_is_slashed() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			let bond_before = bond(worker);
			// The deadline's block, before the queue got to the job (a busy market).
			System::set_block_number(job(id).deadline);
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::Cancelled));
			assert_eq!(bond(worker), bond_before - Perbill::from_percent(1) * bond_before);
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
			// The queue entry later finds the job finished: no second slash, no reassignment.
			run_to_block(job(id).deadline + 1);
			assert_eq!(bond(worker), bond_before - Perbill::from_percent(1) * bond_before);
			assert_eq!(job(id).attempts, 1);
		});
	}

	#[test]
	fn a_reassigned_job_may_be_cancelled_in_the_block_of_its_reassignment() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let deadline = job(id).deadline;
			run_to_block(deadline);
			assert_eq!(job(id).assigned_at, deadline);
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
		});
	}
}

mod decline {
	use super::*;

	#[test]
	fn declining_at_once_is_free() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			let bond_before = bond(worker);
			run_to_block(2);
			assert_ok!(Inference::decline_job(signed(worker), id));
			assert_eq!(bond(worker), bond_before);
		});
	}

	#[test]
	fn declining_at_the_last_block_costs_a_missed_deadline() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			let bond_before = bond(worker);
			let record = job(id);
			run_to_block(record.deadline - 1);
			let cost = Inference::decline_cost(&record, record.deadline - 1);
			assert_eq!(cost, Params::<Test>::get().missed_deadline_slash);
			assert_ok!(Inference::decline_job(signed(worker), id));
			assert_eq!(bond(worker), bond_before - cost * bond_before);
			assert!(bond(worker) < bond_before);
			System::assert_has_event(
				pallet_operators::Event::<Test>::Slashed {
					who: worker,
					amount: cost * bond_before,
					reason: SlashReason::LateDecline,
				}
				.into(),
			);
		});
	}

	#[test]
	fn the_cost_grows_with_the_time_held() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let record = job(id);
			let costs: Vec<Perbill> = (record.assigned_at..record.deadline)
				.map(|now| Inference::decline_cost(&record, now))
				.collect();
			// Blocks held after the free one: 0, 0, 1/8, 2/8 … 8/8 of the missed-deadline slash.
			let period = (record.deadline - record.assigned_at) as u32;
			assert_eq!(costs.len() as u32, period);
			for (held, cost) in costs.iter().enumerate().skip(1) {
				let part = Perbill::from_rational(held as u32 - 1, period - 2);
				let expected =
					sp_runtime::Saturating::saturating_mul(part, Perbill::from_percent(1));
				assert_eq!(*cost, expected, "held {held}");
			}
			assert_eq!(costs[0], Perbill::zero());
			assert_eq!(costs[1], Perbill::zero());
			assert_eq!(costs[period as usize - 1], Perbill::from_percent(1));
		});
	}

	#[test]
	fn nobody_holds_more_jobs_than_the_ceiling() {
		execute(|| {
			serve_without_limit();
			assert_ok!(Inference::set_params(
				RuntimeOrigin::root(),
				MarketParams { max_concurrent_jobs: 2, ..Default::default() }
			));
			// Three workers, two jobs each: the seventh finds nobody.
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
			assert_noop!(
				Inference::set_params(
					RuntimeOrigin::root(),
					MarketParams { max_concurrent_jobs: 0, ..Default::default() }
				),
				Error::<Test>::InvalidParams
			);
		});
	}
}

mod fast_results {
	use super::*;

	#[test]
	fn an_output_of_the_wrong_length_is_not_paid() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let worker = job(id).worker;
			for bytes in [vec![1u8], vec![1u8; 7], vec![1u8; 9], vec![1u8; 64]] {
				assert_noop!(
					Inference::submit_result(signed(worker), id, output(&bytes)),
					Error::<Test>::OutputSizeMismatch
				);
			}
			assert_ok!(Inference::submit_result(signed(worker), id, fast_output(1)));
		});
	}

	#[test]
	fn a_requester_that_is_its_own_worker_gains_nothing() {
		execute(|| {
			let me = WORKERS[0];
			for other in &WORKERS[1..] {
				assert_ok!(Operators::chill(signed(*other)));
			}
			let (treasury_before, owner_before, free_before) = (treasury(), free(OWNER), free(me));
			let id = submit(me, PRICE);
			assert_eq!(job(id).worker, me);
			assert_ok!(Inference::submit_result(signed(me), id, fast_output(1)));
			// It paid itself the worker's share; the royalty and the treasury's share left it.
			let split = FeeSplit::of(PRICE, ROYALTY, Params::<Test>::get().treasury_share);
			assert_eq!(free(me), free_before - split.royalty - split.treasury - JOB_DEPOSIT);
			assert_eq!(free(OWNER), owner_before + split.royalty);
			assert_eq!(treasury(), treasury_before + split.treasury);

			// And a job it holds but does not run costs its bond like anyone's.
			let id = submit(me, PRICE);
			let bond_before = bond(me);
			run_to_block(job(id).deadline);
			assert!(bond(me) < bond_before);
			// Nobody else serves the model: refunded.
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::NoOperator));
		});
	}
}

/// An operator's node signs with a worker key the operator named, never with the bonded key.
mod worker_keys {
	use super::*;

	/// A worker key: an account with no funds and no role (the mock charges no fees).
	const KEY: u64 = 77;

	/// `operator` proposes `key` as its worker, which accepts.
	fn name(operator: u64, key: u64) {
		assert_ok!(Operators::set_worker(signed(operator), Some(key)));
		assert_ok!(Operators::accept_worker(signed(key), operator));
	}

	#[test]
	fn a_named_worker_delivers_for_its_operator_who_is_paid() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let operator = job(id).worker;
			name(operator, KEY);
			let before = free(operator);
			assert_ok!(Inference::submit_result(signed(KEY), id, fast_output(1)));
			assert_eq!(job(id).status, JobStatus::Settled);
			let split = FeeSplit::of(PRICE, ROYALTY, Params::<Test>::get().treasury_share);
			assert_eq!(free(operator), before + split.worker);
			assert_eq!(free(KEY), 0);
		});
	}

	#[test]
	fn a_declined_job_counts_against_the_operator() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let operator = job(id).worker;
			name(operator, KEY);
			run_to_block(job(id).deadline - 1);
			let bond_before = bond(operator);
			assert_ok!(Inference::decline_job(signed(KEY), id));
			assert!(events().contains(&Event::JobDeclined { job: id, worker: operator }));
			// Late: the operator's bond pays, as if it had declined itself.
			assert!(bond(operator) < bond_before);
		});
	}

	#[test]
	fn a_named_worker_proves_for_its_operator() {
		zk_execute(|| {
			let id = submit_zk(ALICE);
			let operator = job(id).worker;
			name(operator, KEY);
			// The proof binds the job to the operator, whose account is paid.
			let (out, proof) = prove(id, operator, &zk_input());
			assert_ok!(Inference::submit_proof(
				signed(KEY),
				id,
				output(&out),
				BoundedVec::try_from(proof.clone()).unwrap()
			));
			assert_eq!(job(id).status, JobStatus::Settled);
		});
	}

	#[test]
	fn a_worker_key_acts_only_for_its_own_operator_while_named() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			let operator = job(id).worker;
			let other = *WORKERS.iter().find(|w| **w != operator).unwrap();
			name(other, KEY);
			assert_noop!(
				Inference::submit_result(signed(KEY), id, fast_output(1)),
				Error::<Test>::NotAssignedWorker
			);
			assert_noop!(Inference::decline_job(signed(KEY), id), Error::<Test>::NotAssignedWorker);
			assert_ok!(Operators::set_worker(signed(other), None));
			name(operator, KEY);
			assert_ok!(Operators::set_worker(signed(operator), None));
			// Once the operator takes the name back, the key is nobody's worker.
			assert_noop!(
				Inference::submit_result(signed(KEY), id, fast_output(1)),
				Error::<Test>::NotAssignedWorker
			);
			// The operator's own key still works.
			assert_ok!(Inference::submit_result(signed(operator), id, fast_output(1)));
		});
	}
}

mod deadline_step {
	use super::*;

	#[test]
	fn a_step_that_fails_is_retried_without_slashing_again() {
		execute(|| {
			let id = submit(ALICE, PRICE);
			run_to_block(job(id).deadline);
			assert_eq!(job(id).attempts, 2);
			let worker = job(id).worker;
			let bond_before = bond(worker);
			// Corrupt the escrow so the refund at the second deadline fails.
			assert_ok!(<Balances as frame_support::traits::fungible::MutateHold<u64>>::release(
				&HoldReason::JobEscrow.into(),
				&ALICE,
				1,
				frame_support::traits::tokens::Precision::Exact
			));
			let deadline = job(id).deadline;
			run_to_block(deadline + 3);
			// Three failed attempts, each rolled back whole: no slash at all.
			assert_eq!(bond(worker), bond_before);
			assert!(job(id).status.is_open());
			// Repaired, the next attempt slashes once and refunds.
			assert_ok!(<Balances as frame_support::traits::fungible::MutateHold<u64>>::hold(
				&HoldReason::JobEscrow.into(),
				&ALICE,
				1
			));
			run_to_block(deadline + 4);
			assert_eq!(bond(worker), bond_before - Perbill::from_percent(1) * bond_before);
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::DeadlineMissed));
		});
	}
}

mod zk_keys {
	use super::*;

	#[test]
	fn a_key_replaced_mid_job_refunds_without_slashing_the_worker() {
		zk_execute(|| {
			let id = submit_zk(ALICE);
			let worker = job(id).worker;
			assert_eq!(job(id).key_version, 1);
			let (out, proof) = prove(id, worker, &zk_input());
			// The owner front-runs the worker's proof with a new key.
			replace_zk_key();
			let bond_before = bond(worker);
			assert_ok!(submit_proof(id, &out, &proof));
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::KeyChanged));
			assert_eq!(bond(worker), bond_before);
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
			// Jobs submitted now pin the new key and settle on it.
			let id = submit_zk(BOB);
			assert_eq!(job(id).key_version, 3);
			let (out, proof) = prove(id, job(id).worker, &zk_input());
			assert_ok!(submit_proof(id, &out, &proof));
			assert_eq!(job(id).status, JobStatus::Settled);
		});
	}

	#[test]
	fn a_worker_whose_key_was_replaced_is_not_slashed_whatever_it_does() {
		zk_execute(|| {
			// It declines late: free, and the job goes back to its requester.
			let declined = submit_zk(ALICE);
			// It does nothing until the deadline: no slash either, refunded.
			let silent = submit_zk(BOB);
			replace_zk_key();
			let bonds: Vec<u64> = WORKERS.iter().map(|w| bond(*w)).collect();
			run_to_block(job(declined).deadline - 1);
			assert_eq!(
				Inference::decline_cost(&job(declined), System::block_number()),
				Perbill::zero()
			);
			assert_ok!(Inference::decline_job(signed(job(declined).worker), declined));
			assert_eq!(job(declined).status, JobStatus::Refunded(RefundReason::KeyChanged));
			run_to_block(job(silent).deadline);
			assert_eq!(job(silent).status, JobStatus::Refunded(RefundReason::KeyChanged));
			assert_eq!(WORKERS.iter().map(|w| bond(*w)).collect::<Vec<_>>(), bonds);
			assert_eq!(free(ALICE), ENDOWMENT - JOB_DEPOSIT);
			assert_eq!(free(BOB), ENDOWMENT - JOB_DEPOSIT);
		});
	}

	#[test]
	fn a_batch_refunds_the_jobs_of_a_replaced_key_and_settles_the_rest() {
		zk_execute(|| {
			let (worker, a, b) = two_jobs_of_one_worker();
			assert_ok!(Operators::set_capabilities(
				signed(worker),
				pallet_operators::Capabilities {
					models: BoundedVec::try_from(vec![model(), zk_model()]).unwrap(),
					max_concurrent_jobs: 8,
					accelerator: false,
				},
			));
			replace_zk_key();
			// A third job of the same worker, under the new key.
			let c = loop {
				let id = submit_zk(BOB);
				if job(id).worker == worker {
					break id;
				}
			};
			let proofs: Vec<_> = [a, b, c]
				.into_iter()
				.map(|id| {
					let (out, proof) = prove(id, worker, &zk_input());
					(id, out, proof)
				})
				.collect();
			let bond_before = bond(worker);
			assert_ok!(Inference::submit_proofs(signed(worker), batch(proofs)));
			assert_eq!(job(a).status, JobStatus::Refunded(RefundReason::KeyChanged));
			assert_eq!(job(b).status, JobStatus::Refunded(RefundReason::KeyChanged));
			assert_eq!(job(c).status, JobStatus::Settled);
			assert_eq!(bond(worker), bond_before);
		});
	}

	#[test]
	fn a_batch_skips_jobs_that_moved_on_and_settles_the_rest() {
		zk_execute(|| {
			let (worker, a, b) = two_jobs_of_one_worker();
			let (out_a, proof_a) = prove(a, worker, &zk_input());
			let (out_b, proof_b) = prove(b, worker, &zk_input());
			// A is answered on its own first; the batch still carries it.
			assert_ok!(submit_proof(a, &out_a, &proof_a));
			assert_ok!(Inference::submit_proofs(
				signed(worker),
				batch(vec![(a, out_a.clone(), proof_a.clone()), (b, out_b, proof_b)])
			));
			assert_eq!(job(b).status, JobStatus::Settled);
			// Only stale items: nothing to do, and the first one's error.
			assert_noop!(
				Inference::submit_proofs(signed(worker), batch(vec![(a, out_a, proof_a)])),
				Error::<Test>::ResultAlreadySubmitted
			);
		});
	}

	#[test]
	fn a_model_with_open_jobs_cannot_be_reaped() {
		zk_execute(|| {
			let id = submit_zk(ALICE);
			assert_eq!(ModelJobs::<Test>::get(zk_model()), 1);
			assert_ok!(Models::retire_model(signed(OWNER), zk_model()));
			assert_noop!(
				Models::reap_model(signed(BOB), zk_model()),
				pallet_models::Error::<Test>::InUse
			);
			// Its key is still there for the job's proof.
			let (out, proof) = prove(id, job(id).worker, &zk_input());
			assert_ok!(submit_proof(id, &out, &proof));
			assert_eq!(ModelJobs::<Test>::get(zk_model()), 0);
			assert_ok!(Models::reap_model(signed(BOB), zk_model()));
		});
	}
}

/// Each check of `do_try_state` fires on the state it guards against.
mod try_state_assertions {
	use super::*;

	/// With one open job of ALICE's, `corrupt` makes the check fail with `message`.
	fn fails(message: &'static str, corrupt: impl FnOnce()) {
		new_test_ext().execute_with(|| {
			submit(ALICE, PRICE);
			Inference::do_try_state().unwrap();
			corrupt();
			assert_eq!(Inference::do_try_state(), Err(message.into()));
		});
	}

	#[test]
	fn a_requester_index_entry_without_its_job() {
		fails("requester index has strangers", || RequesterJobs::<Test>::insert(BOB, JobId(0), ()));
		fails("requester index has strangers", || {
			RequesterJobs::<Test>::insert(ALICE, JobId(5), ())
		});
	}

	#[test]
	fn a_deadline_queue_behind_the_cursor() {
		fails("a deadline queue left behind the cursor", || {
			DeadlineCursor::<Test>::put(5);
			Deadlines::<Test>::insert(3, BoundedVec::try_from(vec![JobId(9)]).unwrap());
		});
	}

	#[test]
	fn a_model_count_out_of_step() {
		fails("model jobs out of step", || ModelJobs::<Test>::insert(model(), 2));
		fails("model jobs out of step", || ModelJobs::<Test>::insert(lonely_model(), 1));
	}

	#[test]
	fn a_deposit_hold_out_of_step() {
		fails("deposit hold differs from the kept jobs' deposits", || {
			Jobs::<Test>::mutate(JobId(0), |job| job.as_mut().unwrap().deposit = 1);
		});
	}

	#[test]
	fn an_open_job_without_its_deadline_entry() {
		fails("an open job without a deadline entry", || {
			let _ = Deadlines::<Test>::clear(u32::MAX, None);
		});
	}
}

/// The random walk of `property`, over `Zk` jobs: single proofs (some wrong), batches (some with
/// stale items), key replacements, cancels, declines and time passing; after every step nothing
/// is created or lost, and at the end every job ended exactly once.
mod zk_walk {
	use super::*;
	use crate::tests::property::{drain_terminal_events, Rng};
	use std::collections::BTreeMap;

	fn open_jobs() -> Vec<JobId> {
		WORKERS
			.iter()
			.flat_map(|w| WorkerJobs::<Test>::iter_key_prefix(w).collect::<Vec<_>>())
			.collect()
	}

	fn run(seed: u64, steps: usize) {
		zk_execute(|| {
			prune_quickly();
			let mut rng = Rng(seed);
			let issuance = Balances::total_issuance();
			let bonds = || WORKERS.iter().map(|w| bond(*w)).sum::<u64>();
			let (mut submitted, mut terminal) = (Vec::new(), BTreeMap::new());
			let (mut slashed, mut key_changes, mut batches) = (0u64, 0u32, 0u32);
			let mut reasons: BTreeMap<JobId, RefundReason> = BTreeMap::new();
			for _ in 0..steps {
				let bonds_before = bonds();
				let open = open_jobs();
				let now = System::block_number();
				let pick = |rng: &mut Rng| open[rng.below(open.len() as u64) as usize];
				match rng.below(12) {
					0..=3 => {
						let who = [ALICE, BOB][rng.below(2) as usize];
						let id = NextJobId::<Test>::get();
						let bytes: Vec<u8> = zk_input().iter().map(|v| *v as u8).collect();
						let outcome = Inference::submit_job(
							signed(who),
							zk_model(),
							input(&bytes),
							VerificationMode::Zk,
							10 * PRICE,
						);
						match outcome {
							Ok(_) => submitted.push(id),
							Err(e) => assert_eq!(e.error, Error::<Test>::NoEligibleOperator.into()),
						}
					},
					4..=5 if !open.is_empty() => {
						let id = pick(&mut rng);
						let worker = job(id).worker;
						// One proof in eight is made for another job: it must not verify.
						let proven = if rng.below(8) == 0 { JobId(id.0 + 1_000) } else { id };
						let (out, proof) = prove(proven, worker, &zk_input());
						if job(id).deadline <= now {
							assert_noop!(
								submit_proof(id, &out, &proof),
								Error::<Test>::DeadlinePassed
							);
						} else {
							assert_ok!(submit_proof(id, &out, &proof));
						}
					},
					6 if !open.is_empty() => {
						let worker = job(pick(&mut rng)).worker;
						let mine: Vec<JobId> =
							WorkerJobs::<Test>::iter_key_prefix(worker).take(4).collect();
						let live = mine.iter().filter(|id| job(**id).deadline > now).count();
						let items = mine
							.into_iter()
							.map(|id| {
								let (out, proof) = prove(id, worker, &zk_input());
								(id, out, proof)
							})
							.collect();
						let outcome = Inference::submit_proofs(signed(worker), batch(items));
						if live > 0 {
							assert_ok!(outcome);
							batches += 1;
						} else {
							assert!(outcome.is_err());
						}
					},
					7 => {
						replace_zk_key();
						key_changes += 1;
					},
					8 if !open.is_empty() => {
						let id = pick(&mut rng);
						let record = job(id);
						let cancel = || Inference::cancel_job(signed(record.requester), id);
						if now == record.assigned_at || now >= record.deadline {
							assert_ok!(cancel());
						} else {
							assert_noop!(cancel(), Error::<Test>::TooEarlyToCancel);
						}
					},
					9 if !open.is_empty() => {
						let id = pick(&mut rng);
						let record = job(id);
						let decline = || Inference::decline_job(signed(record.worker), id);
						if record.deadline <= now {
							assert_noop!(decline(), Error::<Test>::DeadlinePassed);
						} else {
							assert_ok!(decline());
						}
					},
					_ => run_to_block(now + 1 + rng.below(3)),
				}
				slashed += bonds_before - bonds();
				for event in events() {
					if let Event::JobRefunded { job, reason } = event {
						reasons.insert(job, reason);
					}
				}
				drain_terminal_events(&mut terminal);
				assert_eq!(Balances::total_issuance(), issuance);
				check_invariants();
			}
			let before = bonds();
			run_to_block(System::block_number() + 3 * Params::<Test>::get().execution_period + 40);
			slashed += before - bonds();
			drain_terminal_events(&mut terminal);
			check_invariants();

			let fee = 2 * PRICE;
			let (mut paid, mut settled) = (0u64, 0u64);
			for id in &submitted {
				let outcomes = terminal.get(id).cloned().unwrap_or_default();
				assert_eq!(outcomes.len(), 1, "job {id:?} ended {outcomes:?}");
				if let Some(Some(amount)) = outcomes.first() {
					assert_eq!(*amount, fee);
					paid += amount;
					settled += 1;
				}
			}
			let spent: u64 = [ALICE, BOB].iter().map(|who| ENDOWMENT - free(*who)).sum();
			let kept = Jobs::<Test>::iter_values().count() as u64;
			assert_eq!(spent, paid + kept * JOB_DEPOSIT);
			let share = FeeSplit::of(fee, ROYALTY, Params::<Test>::get().treasury_share).treasury;
			assert_eq!(free(TREASURY), 1 + settled * share + slashed);
			// The walk went where it should.
			assert!(
				submitted.len() > 40 && settled > 10,
				"{} jobs, {settled} settled",
				submitted.len()
			);
			assert!(key_changes > 0 && batches > 0);
			assert!(reasons.values().any(|r| *r == RefundReason::KeyChanged));
			assert!(reasons.values().any(|r| *r == RefundReason::BadProof));
		});
	}

	#[test]
	fn no_paid_zk_job_is_ever_lost() {
		for seed in [3u64, 0xC0FFEE] {
			run(seed, 400);
		}
	}
}
