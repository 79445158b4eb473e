//! `submit_jobs` and `submit_results`: a batch does what as many single calls do, all or
//! nothing for submissions, skipping what raced its deadline for results.

use super::*;
use frame_support::traits::ConstU32;

fn inputs(count: usize) -> BoundedVec<JobInputOf<Test>, ConstU32<8>> {
	BoundedVec::truncate_from((0..count).map(|_| valid_input()).collect::<Vec<_>>())
}

/// `who` submits `inputs` to the mock's model, `Fast`, at its price.
fn submit_jobs_of(
	who: u64,
	inputs: BoundedVec<JobInputOf<Test>, ConstU32<8>>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Inference::submit_jobs(signed(who), model(), VerificationMode::Fast, PRICE, inputs)
}

fn submit_batch(who: u64, count: usize) -> Vec<JobId> {
	let first = NextJobId::<Test>::get().0;
	assert_ok!(submit_jobs_of(who, inputs(count)));
	(first..first + count as u64).map(JobId).collect()
}

fn results(ids: &[JobId]) -> BoundedVec<(JobId, OutputOf<Test>), ConstU32<8>> {
	BoundedVec::truncate_from(ids.iter().map(|id| (*id, fast_output(4))).collect::<Vec<_>>())
}

/// Every job of the batch assigned to `worker` (the mock's draw spreads them).
fn jobs_of_worker(ids: &[JobId], worker: u64) -> Vec<JobId> {
	ids.iter().copied().filter(|id| job(*id).worker == worker).collect()
}

mod submit_jobs {
	use super::*;

	#[test]
	fn holds_assigns_and_reports_each_job() {
		execute(|| {
			serve_without_limit();
			let before = free(ALICE);
			let ids = submit_batch(ALICE, 5);
			assert_eq!(NextJobId::<Test>::get(), JobId(5));
			assert_eq!(escrow(ALICE), 5 * PRICE);
			assert_eq!(free(ALICE), before - 5 * (PRICE + JOB_DEPOSIT));
			assert_eq!(ModelJobs::<Test>::get(model()), 5);
			let submitted: Vec<JobId> = events()
				.into_iter()
				.filter_map(|event| match event {
					Event::JobSubmitted { job, requester: ALICE, .. } => Some(job),
					_ => None,
				})
				.collect();
			assert_eq!(submitted, ids);
			for id in &ids {
				let record = job(*id);
				assert_eq!(record.status, JobStatus::Assigned);
				assert_eq!(record.input, valid_input());
				assert!(WorkerJobs::<Test>::contains_key(record.worker, id));
				assert!(RequesterJobs::<Test>::contains_key(ALICE, id));
			}
			let loads: u32 = WORKERS.iter().map(WorkerLoad::<Test>::get).sum();
			assert_eq!(loads, 5);
		});
	}

	#[test]
	fn a_batch_draws_as_single_submissions_would() {
		// The same jobs submitted one by one in the same block go to the same workers.
		let workers = |batch: bool| {
			let mut picked = Vec::new();
			execute(|| {
				serve_without_limit();
				let ids = if batch {
					submit_batch(ALICE, 6)
				} else {
					(0..6).map(|_| submit(ALICE, PRICE)).collect()
				};
				picked = ids.iter().map(|id| job(*id).worker).collect();
			});
			picked
		};
		assert_eq!(workers(true), workers(false));
	}

	#[test]
	fn refuses_an_empty_batch() {
		execute(|| {
			assert_noop!(submit_jobs_of(ALICE, inputs(0)), Error::<Test>::EmptyBatch);
		});
	}

	#[test]
	fn one_bad_input_refuses_the_whole_batch() {
		execute(|| {
			let mut batch = inputs(3);
			batch[1] = input(&[1; 4]);
			assert_noop!(submit_jobs_of(ALICE, batch), Error::<Test>::InputSizeMismatch);
			let mut batch = inputs(3);
			batch[2] = input(&[]);
			assert_noop!(submit_jobs_of(ALICE, batch), Error::<Test>::EmptyInput);
		});
	}

	#[test]
	fn a_batch_the_workers_cannot_hold_is_refused_whole() {
		execute(|| {
			// Three workers taking two jobs each: six fit, seven do not.
			assert_noop!(submit_jobs_of(ALICE, inputs(7)), Error::<Test>::NoEligibleOperator);
			submit_batch(ALICE, 6);
		});
	}

	#[test]
	fn a_batch_the_requester_cannot_pay_is_refused_whole() {
		execute(|| {
			serve_without_limit();
			// Enough for two jobs and their deposits, not three.
			let poor = 77;
			<Balances as frame_support::traits::fungible::Mutate<u64>>::set_balance(
				&poor,
				2 * (PRICE + JOB_DEPOSIT) + 1,
			);
			assert_noop!(submit_jobs_of(poor, inputs(3)), Error::<Test>::InsufficientBalance);
			submit_batch(poor, 2);
		});
	}

	#[test]
	fn a_batch_the_queues_cannot_hold_is_refused_whole() {
		execute(|| {
			serve_without_limit();
			// Every queue a deadline may move to is full but the last, which has room for two.
			let deadline = System::block_number() + Params::<Test>::get().execution_period;
			for block in deadline..deadline + SCHEDULE_SPREAD as u64 {
				let room = if block == deadline + SCHEDULE_SPREAD as u64 - 1 { 2 } else { 0 };
				let fill = (0..4 - room).map(|i| JobId(u64::MAX - block * 8 - i)).collect();
				Deadlines::<Test>::insert(block, BoundedVec::truncate_from(fill));
			}
			assert_noop!(submit_jobs_of(ALICE, inputs(3)), Error::<Test>::MarketBusy);
			// Two fit; the queues are then full.
			let first = NextJobId::<Test>::get().0;
			assert_ok!(submit_jobs_of(ALICE, inputs(2)));
			let last = deadline + SCHEDULE_SPREAD as u64 - 1;
			assert!(Deadlines::<Test>::get(last).contains(&JobId(first + 1)));
		});
	}

	#[test]
	fn charges_the_batch_and_the_operators_looked_at() {
		execute(|| {
			serve_without_limit();
			let info = submit_jobs_of(ALICE, inputs(4)).unwrap();
			assert_eq!(
				info.actual_weight,
				Some(<() as crate::WeightInfo>::submit_jobs(4, WORKERS.len() as u32))
			);
		});
	}
}

mod submit_results {
	use super::*;

	#[test]
	fn settles_each_job_as_single_results_would() {
		// The same jobs answered one by one or in batches leave every account the same.
		let outcome = |batch: bool| {
			let mut balances = Vec::new();
			execute(|| {
				serve_without_limit();
				let mut ids = submit_batch(ALICE, 4);
				ids.extend(submit_batch(BOB, 3));
				for worker in WORKERS {
					let mine = jobs_of_worker(&ids, worker);
					if mine.is_empty() {
						continue;
					}
					if batch {
						assert_ok!(Inference::submit_results(signed(worker), results(&mine)));
					} else {
						for id in mine {
							assert_ok!(Inference::submit_result(
								signed(worker),
								id,
								fast_output(4)
							));
						}
					}
				}
				for id in &ids {
					assert_eq!(job(*id).status, JobStatus::Settled);
					assert_eq!(job(*id).output, Some(fast_output(4)));
				}
				let accounts = [ALICE, BOB, OWNER, TREASURY, WORKERS[0], WORKERS[1], WORKERS[2]];
				balances = accounts.iter().map(|who| (free(*who), escrow(*who))).collect();
				assert_eq!(WorkerJobs::<Test>::iter().count(), 0);
				assert_eq!(ModelJobs::<Test>::get(model()), 0);
			});
			balances
		};
		assert_eq!(outcome(true), outcome(false));
	}

	#[test]
	fn reports_each_result_and_settlement() {
		execute(|| {
			serve_without_limit();
			let ids = submit_batch(ALICE, 4);
			let worker = job(ids[0]).worker;
			let mine = jobs_of_worker(&ids, worker);
			System::reset_events();
			assert_ok!(Inference::submit_results(signed(worker), results(&mine)));
			let hash = sp_io::hashing::blake2_256(&fast_output(4));
			let mut expected: Vec<Event<Test>> = mine
				.iter()
				.map(|id| Event::ResultSubmitted { job: *id, output_hash: hash })
				.collect();
			expected.extend(mine.iter().map(|id| Event::JobSettled { job: *id, paid: PRICE }));
			assert_eq!(events(), expected);
		});
	}

	#[test]
	fn skips_jobs_that_moved_on_and_settles_the_rest() {
		execute(|| {
			serve_without_limit();
			let ids = submit_batch(ALICE, 8);
			// The worker that drew the most of them.
			let mine = WORKERS
				.iter()
				.map(|worker| jobs_of_worker(&ids, *worker))
				.max_by_key(|jobs| jobs.len())
				.unwrap();
			let worker = job(mine[0]).worker;
			assert!(mine.len() >= 3, "the draw gave {worker} {mine:?}");
			// One answered already, one cancelled in its assignment block.
			assert_ok!(Inference::submit_result(signed(worker), mine[0], fast_output(4)));
			assert_ok!(Inference::cancel_job(signed(ALICE), mine[1]));
			assert_ok!(Inference::submit_results(signed(worker), results(&mine)));
			assert_eq!(job(mine[1]).status, JobStatus::Refunded(RefundReason::Cancelled));
			for id in &mine[2..] {
				assert_eq!(job(*id).status, JobStatus::Settled);
			}
		});
	}

	#[test]
	fn a_batch_of_nothing_to_answer_is_the_first_items_error() {
		execute(|| {
			serve_without_limit();
			let ids = submit_batch(ALICE, 2);
			let worker = job(ids[0]).worker;
			assert_ok!(Inference::submit_result(signed(worker), ids[0], fast_output(4)));
			assert_noop!(
				Inference::submit_results(signed(worker), results(&ids[..1])),
				Error::<Test>::ResultAlreadySubmitted
			);
			assert_noop!(
				Inference::submit_results(signed(worker), results(&[JobId(99)])),
				Error::<Test>::UnknownJob
			);
			assert_noop!(
				Inference::submit_results(signed(worker), results(&[])),
				Error::<Test>::EmptyBatch
			);
		});
	}

	#[test]
	fn refuses_a_job_named_twice() {
		execute(|| {
			serve_without_limit();
			let ids = submit_batch(ALICE, 1);
			let worker = job(ids[0]).worker;
			assert_noop!(
				Inference::submit_results(signed(worker), results(&[ids[0], ids[0]])),
				Error::<Test>::DuplicateJob
			);
		});
	}

	#[test]
	fn one_faulty_output_refuses_the_whole_batch() {
		execute(|| {
			serve_without_limit();
			let ids = submit_batch(ALICE, 6);
			let worker = job(ids[0]).worker;
			let mine = jobs_of_worker(&ids, worker);
			let mut batch = results(&mine);
			let last = batch.len() - 1;
			batch[last].1 = output(&[1; 3]);
			assert_noop!(
				Inference::submit_results(signed(worker), batch.clone()),
				Error::<Test>::OutputSizeMismatch
			);
			batch[last].1 = output(&[]);
			assert_noop!(
				Inference::submit_results(signed(worker), batch),
				Error::<Test>::EmptyOutput
			);
		});
	}

	#[test]
	fn a_zk_job_needs_its_proof() {
		execute(|| {
			register_zk_model();
			let id = NextJobId::<Test>::get();
			assert_ok!(Inference::submit_job(
				signed(ALICE),
				zk_model(),
				input(&[1; 16]),
				VerificationMode::Zk,
				10 * PRICE
			));
			let worker = job(id).worker;
			assert_noop!(
				Inference::submit_results(
					signed(worker),
					BoundedVec::truncate_from(vec![(id, output(&[1; 4]))])
				),
				Error::<Test>::ProofRequired
			);
		});
	}

	#[test]
	fn charges_the_requesters_met() {
		execute(|| {
			serve_without_limit();
			let mut ids = submit_batch(ALICE, 3);
			ids.extend(submit_batch(BOB, 3));
			let worker = job(ids[0]).worker;
			let mine = jobs_of_worker(&ids, worker);
			let requesters = {
				let mut who: Vec<u64> = mine.iter().map(|id| job(*id).requester).collect();
				who.dedup();
				who.len() as u32
			};
			let info = Inference::submit_results(signed(worker), results(&mine)).unwrap();
			assert_eq!(
				info.actual_weight,
				Some(Inference::submit_results_weight(mine.len() as u32, requesters, 8))
			);
		});
	}
}

mod one_model_a_batch {
	use super::*;

	#[test]
	fn a_batch_of_results_of_two_models_is_refused() {
		execute(|| {
			let other = ModelId([9; 32]);
			register_model(other, ModeSet { fast: true, zk: false, consensus: false });
			// One worker serves both models, the others nothing.
			for (who, models) in
				[(WORKERS[0], vec![model(), other]), (WORKERS[1], vec![]), (WORKERS[2], vec![])]
			{
				assert_ok!(Operators::set_capabilities(
					signed(who),
					pallet_operators::Capabilities {
						models: BoundedVec::try_from(models).unwrap(),
						max_concurrent_jobs: 100,
						accelerator: false,
					}
				));
			}
			let first = submit(ALICE, PRICE);
			let second = NextJobId::<Test>::get();
			assert_ok!(Inference::submit_job(
				signed(ALICE),
				other,
				valid_input(),
				VerificationMode::Fast,
				PRICE
			));
			assert_eq!(job(second).worker, WORKERS[0]);
			assert_noop!(
				Inference::submit_results(signed(WORKERS[0]), results(&[first, second])),
				Error::<Test>::MixedModels
			);
			// Each model's batch alone settles.
			assert_ok!(Inference::submit_results(signed(WORKERS[0]), results(&[first])));
			assert_ok!(Inference::submit_results(signed(WORKERS[0]), results(&[second])));
		});
	}
}

mod charged_for_the_search {
	use super::*;

	#[test]
	fn operators_listed_but_not_eligible_are_charged_too() {
		execute(|| {
			serve_without_limit();
			// A chilled worker is still listed for the model: the search reads it.
			assert_ok!(Operators::chill(signed(WORKERS[0])));
			let listed = WORKERS.len() as u32;
			let info = submit_jobs_of(ALICE, inputs(2)).unwrap();
			assert_eq!(info.actual_weight, Some(<() as crate::WeightInfo>::submit_jobs(2, listed)));
			let info = Inference::submit_job(
				signed(ALICE),
				model(),
				valid_input(),
				VerificationMode::Fast,
				PRICE,
			)
			.unwrap();
			assert_eq!(info.actual_weight, Some(<() as crate::WeightInfo>::submit_job(listed)));
		});
	}
}
