//! Challenges and audits of `Fast` results: who may challenge and when, the verifiers' round
//! without the worker, every way it ends (a wrong result upheld, a right one rejected, a lying
//! verifier, silence), audits drawn at the job's deadline entry, and the invariants.

use super::consensus::{commit, members, reveal, round, slashes};
use super::*;
use verity_primitives::SlashReason;

/// The price the tests of this file set: small beside the workers' bonds, so a slash covers
/// everyone a challenge pays.
const FEE: u64 = 10;
/// The right output; anything else is a lie.
const RIGHT: u8 = 7;
const WRONG: u8 = 1;

/// Lowers the model's price to [`FEE`] and lets every operator take any number of jobs.
fn setup() {
	assert_ok!(Models::set_price(signed(OWNER), model(), FEE));
	lift_limits(WORKERS.into_iter().chain(VERIFIERS));
}

/// ALICE's `Fast` job answered `answer` by its worker, one block later.
fn settled(answer: u8) -> JobId {
	let id = submit(ALICE, FEE);
	assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(answer)));
	run_to_block(System::block_number() + 1);
	id
}

/// `who` challenges job `id`, and the next block draws its judges.
fn challenge(who: u64, id: JobId) {
	assert_ok!(Inference::challenge(signed(who), id));
	assert!(!Rounds::<Test>::contains_key(id), "the judges are drawn in the next block");
	run_to_block(System::block_number() + 1);
	assert!(Rounds::<Test>::contains_key(id));
}

/// The bond of a challenge with the default three verifiers: a run's pay each.
fn bond_of_three() -> u64 {
	3 * FEE.max(JOB_DEPOSIT)
}

fn challenge_bond(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &who)
}

/// Every verifier of the challenge of `id` commits to, then reveals, the output `outputs`
/// gives its place (none: it stays silent).
fn play(id: JobId, outputs: impl Fn(usize) -> Option<u8>) {
	let all = members(id);
	for (place, who) in all.iter().enumerate() {
		if let Some(answer) = outputs(place) {
			assert_ok!(commit(id, *who, &fast_output(answer)));
		}
	}
	for (place, who) in all.iter().enumerate() {
		if let Some(answer) = outputs(place) {
			if round(id).closed.is_none() {
				assert_ok!(reveal(id, *who, &fast_output(answer)));
			}
		}
	}
}

mod reject {
	use super::*;

	#[test]
	fn what_is_not_a_settled_fast_result() {
		execute(|| {
			setup();
			assert_noop!(Inference::challenge(signed(ALICE), JobId(99)), Error::<Test>::UnknownJob);
			let open = submit(ALICE, FEE);
			assert_noop!(
				Inference::challenge(signed(ALICE), open),
				Error::<Test>::NotChallengeable
			);
			assert_ok!(Inference::cancel_job(signed(ALICE), open));
			run_to_block(2);
			assert_noop!(
				Inference::challenge(signed(ALICE), open),
				Error::<Test>::NotChallengeable
			);
			let round = NextJobId::<Test>::get();
			assert_ok!(submit_to(ALICE, model(), VerificationMode::Consensus(1), 2 * FEE));
			assert_noop!(
				Inference::challenge(signed(ALICE), round),
				Error::<Test>::NotChallengeable
			);
		});
	}

	#[test]
	fn after_the_period() {
		execute(|| {
			setup();
			let id = submit(ALICE, FEE);
			assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(RIGHT)));
			let period = Params::<Test>::get().challenge_period;
			run_to_block(1 + period);
			assert_noop!(
				Inference::challenge(signed(ALICE), id),
				Error::<Test>::ChallengePeriodOver
			);
		});
	}

	#[test]
	fn the_last_block_of_the_period_is_in_time() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			run_to_block(Params::<Test>::get().challenge_period);
			assert_ok!(Inference::challenge(signed(ALICE), id));
		});
	}

	#[test]
	fn strangers_and_the_worker() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			assert_noop!(Inference::challenge(signed(BOB), id), Error::<Test>::NotChallenger);
			let worker = job(id).worker;
			assert_noop!(Inference::challenge(signed(worker), id), Error::<Test>::NotChallenger);
			// A chilled verifier is no longer a verifier.
			assert_ok!(Operators::chill(signed(VERIFIERS[0])));
			assert_noop!(
				Inference::challenge(signed(VERIFIERS[0]), id),
				Error::<Test>::NotChallenger
			);
		});
	}

	#[test]
	fn a_second_challenge() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			assert_ok!(Inference::challenge(signed(ALICE), id));
			assert_noop!(
				Inference::challenge(signed(VERIFIERS[0]), id),
				Error::<Test>::AlreadyChallenged
			);
		});
	}

	#[test]
	fn too_few_verifiers() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			for who in &VERIFIERS[..2] {
				assert_ok!(Operators::chill(signed(*who)));
			}
			assert_noop!(
				Inference::challenge(signed(ALICE), id),
				Error::<Test>::NotEnoughVerifiers
			);
		});
		execute(|| {
			setup();
			let id = settled(RIGHT);
			assert_ok!(Operators::chill(signed(VERIFIERS[3])));
			// A verifier challenging leaves one fewer to judge: two.
			assert_noop!(
				Inference::challenge(signed(VERIFIERS[0]), id),
				Error::<Test>::NotEnoughVerifiers
			);
			assert_ok!(Inference::challenge(signed(ALICE), id));
		});
	}

	#[test]
	fn a_challenger_who_cannot_hold_the_bond() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			// The bond would take the existential deposit too.
			let spare = free(ALICE) - bond_of_three();
			assert_ok!(Balances::transfer_allow_death(signed(ALICE), BOB, spare));
			assert_noop!(
				Inference::challenge(signed(ALICE), id),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn when_the_queues_around_its_end_are_full() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			// The judges are drawn in the next block, or the first with room.
			let end = System::block_number() + 1;
			for block in end..end + u64::from(SCHEDULE_SPREAD) {
				Deadlines::<Test>::insert(
					block,
					BoundedVec::try_from(vec![JobId(900); 4]).unwrap(),
				);
			}
			assert_noop!(Inference::challenge(signed(ALICE), id), Error::<Test>::MarketBusy);
			for block in end..end + u64::from(SCHEDULE_SPREAD) {
				Deadlines::<Test>::remove(block);
			}
		});
	}
}

mod open {
	use super::*;

	#[test]
	fn draws_verifiers_holds_the_bond_and_opens_a_round() {
		execute(|| {
			setup();
			let id = settled(WRONG);
			let worker = job(id).worker;
			System::reset_events();
			assert_ok!(Inference::challenge(signed(ALICE), id));
			assert_eq!(
				events(),
				vec![Event::Challenged { job: id, challenger: ALICE, bond: bond_of_three() }]
			);
			assert_eq!(challenge_bond(ALICE), bond_of_three());
			assert_eq!(ModelJobs::<Test>::get(model()), 1, "the model is in use");
			System::reset_events();
			let now = System::block_number() + 1;
			run_to_block(now);
			let all = members(id);
			assert_eq!(all.len(), 3);
			for who in &all {
				assert!(VERIFIERS.contains(who));
				assert!(VerifierJobs::<Test>::contains_key(who, id));
				assert_eq!(WorkerLoad::<Test>::get(who), 1);
			}
			assert!(!all.contains(&worker));
			assert_eq!(challenge_bond(ALICE), bond_of_three());
			let period = Params::<Test>::get().execution_period;
			assert_eq!(round(id).commit_deadline, now + period);
			assert_eq!(job(id).deadline, now + 2 * period);
			assert_eq!(
				Challenges::<Test>::get(id),
				Some(Challenge {
					challenger: ALICE,
					judges: 3,
					bond: bond_of_three(),
					outcome: None
				})
			);
			assert!(events().contains(&Event::VerifiersAssigned { job: id, verifiers: all }));
			// The verifiers see it as a round to play.
			assert_eq!(Inference::round_view(id).unwrap().phase, Phase::Commit);
		});
	}

	#[test]
	fn a_verifier_who_challenges_is_not_among_the_judges() {
		execute(|| {
			setup();
			let id = settled(WRONG);
			challenge(VERIFIERS[0], id);
			let mut all = members(id);
			all.sort();
			assert_eq!(all, VERIFIERS[1..].to_vec());
			assert_eq!(challenge_bond(VERIFIERS[0]), bond_of_three());
		});
	}

	#[test]
	fn a_free_model_still_costs_a_bond() {
		execute(|| {
			setup();
			assert_ok!(Models::set_price(signed(OWNER), model(), 0));
			let id = submit(ALICE, 0);
			assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(RIGHT)));
			run_to_block(2);
			assert_ok!(Inference::challenge(signed(ALICE), id));
			assert_eq!(challenge_bond(ALICE), 3 * JOB_DEPOSIT);
		});
	}

	#[test]
	fn a_worker_key_bonds_its_own_balance_never_its_operators() {
		execute(|| {
			setup();
			const KEY: u64 = 77;
			assert_ok!(Balances::transfer_allow_death(signed(BOB), KEY, 1_000));
			assert_ok!(Operators::set_worker(signed(VERIFIERS[0]), Some(KEY)));
			assert_ok!(Operators::accept_worker(signed(KEY), VERIFIERS[0]));
			let id = settled(WRONG);
			let operator_free = free(VERIFIERS[0]);
			challenge(KEY, id);
			assert_eq!(challenge_bond(KEY), bond_of_three());
			assert_eq!(challenge_bond(VERIFIERS[0]), 0);
			assert_eq!(free(VERIFIERS[0]), operator_free);
			// Neither the key nor the operator it acts for judges.
			assert!(!members(id).contains(&VERIFIERS[0]));
		});
	}

	#[test]
	fn the_judges_are_drawn_too_few_and_the_bond_returns() {
		execute(|| {
			setup();
			let id = settled(WRONG);
			assert_ok!(Inference::challenge(signed(ALICE), id));
			// Verifiers leave before the draw.
			assert_ok!(Operators::chill(signed(VERIFIERS[0])));
			assert_ok!(Operators::chill(signed(VERIFIERS[1])));
			run_to_block(System::block_number() + 1);
			assert_eq!(
				Challenges::<Test>::get(id).unwrap().outcome,
				Some(ChallengeOutcome::NoQuorum)
			);
			assert_eq!(challenge_bond(ALICE), 0);
			assert!(!Rounds::<Test>::contains_key(id));
			assert_eq!(ModelJobs::<Test>::get(model()), 0);
		});
	}

	#[test]
	fn the_model_cannot_be_reaped_under_a_challenge() {
		execute(|| {
			setup();
			let id = settled(WRONG);
			challenge(ALICE, id);
			assert_ok!(Models::retire_model(signed(OWNER), model()));
			assert_noop!(
				Models::reap_model(signed(BOB), model()),
				pallet_models::Error::<Test>::InUse
			);
			play(id, |_| Some(RIGHT));
			assert_ok!(Models::reap_model(signed(BOB), model()));
		});
	}
}

mod outcome {
	use super::*;

	#[test]
	fn a_wrong_result_is_upheld_and_paid_for_by_its_worker() {
		execute(|| {
			setup();
			let id = settled(WRONG);
			let worker = job(id).worker;
			let (bond_before, alice_before) = (bond(worker), free(ALICE));
			let treasury_before = free(TREASURY);
			challenge(ALICE, id);
			let judges = members(id);
			let judges_before: Vec<u64> = judges.iter().map(|who| free(*who)).collect();
			System::reset_events();
			play(id, |_| Some(RIGHT));
			let slashed = bond_before / 10;
			assert_eq!(bond(worker), bond_before - slashed);
			assert_eq!(slashes(), vec![(worker, SlashReason::BadResult)]);
			// The requester gets its fee back and, as the challenger, its bond and as much
			// again; each verifier a run; the treasury the rest.
			assert_eq!(free(ALICE), alice_before + FEE + bond_of_three());
			assert_eq!(challenge_bond(ALICE), 0);
			for (who, before) in judges.iter().zip(judges_before) {
				assert_eq!(free(*who), before + FEE);
				assert_eq!(WorkerLoad::<Test>::get(who), 0);
				assert!(!VerifierJobs::<Test>::contains_key(who, id));
			}
			assert_eq!(free(TREASURY), treasury_before + slashed - FEE - 3 * FEE - bond_of_three());
			// The job now holds the verifiers' output.
			assert_eq!(job(id).output, Some(fast_output(RIGHT)));
			assert_eq!(job(id).status, JobStatus::Settled);
			assert_eq!(
				Challenges::<Test>::get(id).unwrap().outcome,
				Some(ChallengeOutcome::Upheld)
			);
			assert!(events().contains(&Event::ChallengeUpheld {
				job: id,
				output_hash: sp_io::hashing::blake2_256(&fast_output(RIGHT)),
				slashed,
				refunded: FEE,
			}));
		});
	}

	#[test]
	fn a_right_result_is_rejected_and_the_bond_pays_the_verifiers() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			let worker = job(id).worker;
			let (bond_before, alice_before) = (bond(worker), free(ALICE));
			challenge(ALICE, id);
			let judges = members(id);
			let judges_before: Vec<u64> = judges.iter().map(|who| free(*who)).collect();
			System::reset_events();
			play(id, |_| Some(RIGHT));
			assert_eq!(bond(worker), bond_before);
			assert!(slashes().is_empty());
			assert_eq!(free(ALICE), alice_before - bond_of_three());
			assert_eq!(challenge_bond(ALICE), 0);
			for (who, before) in judges.iter().zip(judges_before) {
				assert_eq!(free(*who), before + FEE);
			}
			assert_eq!(job(id).output, Some(fast_output(RIGHT)));
			assert!(events().contains(&Event::ChallengeRejected { job: id }));
		});
	}

	#[test]
	fn a_result_within_the_models_tolerance_is_rejected() {
		execute(|| {
			setup();
			assert_ok!(Models::set_tolerance(signed(OWNER), model(), 1));
			let id = settled(RIGHT);
			challenge(ALICE, id);
			// The judges' floats differ from the worker's in their last bit: within tolerance.
			let mut close = fast_output(RIGHT).to_vec();
			close[0] ^= 1;
			let close: OutputOf<Test> = BoundedVec::try_from(close).unwrap();
			let judges = members(id);
			for who in &judges {
				assert_ok!(commit(id, *who, &close));
			}
			for who in &judges {
				assert_ok!(reveal(id, *who, &close));
			}
			assert_eq!(
				Challenges::<Test>::get(id).unwrap().outcome,
				Some(ChallengeOutcome::Rejected)
			);
			assert_eq!(job(id).output, Some(fast_output(RIGHT)), "the worker's output stands");
			assert!(slashes().is_empty());
		});
	}

	#[test]
	fn a_lying_verifier_is_slashed_and_its_part_returns_to_the_challenger() {
		execute(|| {
			setup();
			let id = settled(RIGHT);
			let alice_before = free(ALICE);
			challenge(ALICE, id);
			let liar = members(id)[2];
			let liar_bond = bond(liar);
			play(id, |place| Some(if place == 2 { WRONG } else { RIGHT }));
			assert_eq!(slashes(), vec![(liar, SlashReason::WrongAttestation)]);
			assert_eq!(bond(liar), liar_bond - liar_bond / 10);
			assert_eq!(free(ALICE), alice_before - 2 * FEE);
			assert_eq!(
				Challenges::<Test>::get(id).unwrap().outcome,
				Some(ChallengeOutcome::Rejected)
			);
		});
	}

	#[test]
	fn lying_verifiers_in_the_majority_uphold_it() {
		execute(|| {
			// What colluding verifiers can do when drawn as a majority: the reason the draw
			// is seeded by the settlement block and the challenger's reward is bounded.
			setup();
			let id = settled(RIGHT);
			let worker = job(id).worker;
			challenge(ALICE, id);
			play(id, |place| Some(if place == 0 { RIGHT } else { WRONG }));
			assert_eq!(
				Challenges::<Test>::get(id).unwrap().outcome,
				Some(ChallengeOutcome::Upheld)
			);
			assert!(slashes().contains(&(worker, SlashReason::BadResult)));
			assert!(slashes().contains(&(members(id)[0], SlashReason::WrongAttestation)));
		});
	}

	#[test]
	fn silence_leaves_it_undecided_and_costs_the_silent() {
		execute(|| {
			setup();
			let id = settled(WRONG);
			let alice_before = free(ALICE);
			challenge(ALICE, id);
			let judges = members(id);
			System::reset_events();
			run_to_block(job(id).deadline);
			assert_eq!(
				slashes(),
				judges.iter().map(|who| (*who, SlashReason::MissedDeadline)).collect::<Vec<_>>()
			);
			assert_eq!(free(ALICE), alice_before);
			assert_eq!(challenge_bond(ALICE), 0);
			assert!(events().contains(&Event::ChallengeUndecided { job: id }));
			assert_eq!(job(id).output, Some(fast_output(WRONG)));
			assert_noop!(commit(id, judges[0], &fast_output(RIGHT)), Error::<Test>::JobFinished);
		});
	}

	#[test]
	fn a_verifier_who_catches_a_lie_is_rewarded() {
		execute(|| {
			setup();
			let id = settled(WRONG);
			let (alice_before, catcher_before) = (free(ALICE), free(VERIFIERS[0]));
			challenge(VERIFIERS[0], id);
			play(id, |_| Some(RIGHT));
			assert_eq!(free(ALICE), alice_before + FEE);
			assert_eq!(free(VERIFIERS[0]), catcher_before + bond_of_three());
		});
	}

	#[test]
	fn a_challenge_ends_before_its_job_is_pruned() {
		execute(|| {
			setup();
			let retention = prune_quickly();
			let id = settled(WRONG);
			// Challenged in the last block of the period, and nobody plays.
			run_to_block(Params::<Test>::get().challenge_period);
			challenge(ALICE, id);
			run_to_block(1 + retention - 1);
			assert_eq!(
				Challenges::<Test>::get(id).unwrap().outcome,
				Some(ChallengeOutcome::NoQuorum)
			);
			run_to_block(1 + retention);
			assert!(!Jobs::<Test>::contains_key(id));
			assert!(!Challenges::<Test>::contains_key(id));
			assert!(!Rounds::<Test>::contains_key(id));
		});
	}
}

mod audit {
	use super::*;

	fn audit_all(fraction: Perbill) {
		let params = Params::<Test>::get();
		assert_ok!(Inference::set_params(
			RuntimeOrigin::root(),
			MarketParams { audit_fraction: fraction, ..params }
		));
	}

	fn auditor_of(id: JobId) -> Option<u64> {
		Audits::<Test>::get(id)
	}

	#[test]
	fn a_picked_job_gets_an_auditor_at_its_deadline_who_may_challenge_it() {
		execute(|| {
			setup();
			audit_all(Perbill::one());
			let id = settled(WRONG);
			assert_eq!(auditor_of(id), None, "drawn only at the job's deadline entry");
			System::reset_events();
			run_to_block(job(id).deadline);
			let auditor = auditor_of(id).unwrap();
			assert!(VERIFIERS.contains(&auditor));
			assert!(events().contains(&Event::AuditAssigned { job: id, auditor }));
			assert_eq!(Inference::audits_for(&auditor), vec![job(id).view(id)]);
			challenge(auditor, id);
			assert_eq!(auditor_of(id), None);
			assert!(Inference::audits_for(&auditor).is_empty());
			assert!(!members(id).contains(&auditor));
		});
	}

	#[test]
	fn nothing_is_audited_at_zero() {
		execute(|| {
			setup();
			audit_all(Perbill::zero());
			let ids: Vec<JobId> = (0..20).map(|_| settled(RIGHT)).collect();
			run_to_block(System::block_number() + 20);
			assert!(ids.iter().all(|id| auditor_of(*id).is_none()));
		});
	}

	#[test]
	fn half_is_some_and_not_all() {
		execute(|| {
			setup();
			audit_all(Perbill::from_percent(50));
			let ids: Vec<JobId> = (0..40).map(|_| settled(RIGHT)).collect();
			run_to_block(System::block_number() + 20);
			let audited = ids.iter().filter(|id| auditor_of(**id).is_some()).count();
			assert!(audited > 5 && audited < 35, "{audited} of 40 audited");
		});
	}

	#[test]
	fn neither_the_worker_nor_the_requester_audits() {
		execute(|| {
			setup();
			audit_all(Perbill::one());
			// A verifier requests: the worker and the requester are never its auditors.
			let mut auditors = Vec::new();
			for _ in 0..12 {
				let id = NextJobId::<Test>::get();
				assert_ok!(submit_to(VERIFIERS[0], model(), VerificationMode::Fast, FEE));
				assert_ok!(Inference::submit_result(signed(job(id).worker), id, fast_output(1)));
				run_to_block(job(id).deadline);
				auditors.push(auditor_of(id).unwrap());
			}
			assert!(!auditors.contains(&VERIFIERS[0]));
		});
	}

	#[test]
	fn an_audit_lasts_the_challenge_period_and_goes_with_the_job() {
		execute(|| {
			setup();
			let retention = prune_quickly();
			audit_all(Perbill::one());
			let id = settled(RIGHT);
			run_to_block(job(id).deadline);
			let auditor = auditor_of(id).unwrap();
			run_to_block(1 + Params::<Test>::get().challenge_period);
			assert!(Inference::audits_for(&auditor).is_empty());
			run_to_block(1 + retention);
			assert_eq!(auditor_of(id), None);
			assert!(!AuditorJobs::<Test>::contains_key(auditor, id));
		});
	}
}

mod try_state_assertions {
	use super::*;

	fn fails(message: &'static str, corrupt: impl FnOnce(JobId)) {
		new_test_ext().execute_with(|| {
			setup();
			let id = settled(WRONG);
			challenge(ALICE, id);
			Inference::do_try_state().unwrap();
			corrupt(id);
			assert_eq!(Inference::do_try_state(), Err(message.into()));
		});
	}

	#[test]
	fn a_challenge_without_its_round_or_its_entry() {
		fails("a round of a Fast job without a challenge", Challenges::<Test>::remove);
		fails("an open challenge without a deadline entry", |id| {
			for (block, mut queue) in Deadlines::<Test>::iter().collect::<Vec<_>>() {
				queue.retain(|entry| *entry != id);
				Deadlines::<Test>::insert(block, queue);
			}
		});
		fails("model jobs out of step", |_| ModelJobs::<Test>::insert(model(), 2));
	}

	#[test]
	fn a_bond_out_of_step() {
		fails("challenge bond differs from the open challenges' bonds", |_| {
			assert_ok!(Balances::release(
				&HoldReason::ChallengeBond.into(),
				&ALICE,
				1,
				Precision::Exact
			));
		});
	}

	#[test]
	fn a_worker_among_its_judges() {
		fails("a worker judging its own result", |id| {
			let worker = job(id).worker;
			Rounds::<Test>::mutate(id, |round| round.as_mut().unwrap().members[0].0 = worker);
		});
	}

	#[test]
	fn an_outcome_out_of_step() {
		fails("a challenge's outcome out of step with its round", |id| {
			Challenges::<Test>::mutate(id, |challenge| {
				challenge.as_mut().unwrap().outcome = Some(ChallengeOutcome::Rejected)
			});
		});
	}

	#[test]
	fn an_audit_of_a_challenged_job() {
		fails("an audit of a challenged job", |id| {
			Audits::<Test>::insert(id, VERIFIERS[0]);
			AuditorJobs::<Test>::insert(VERIFIERS[0], id, ());
		});
		fails("auditor index has strangers", |id| {
			AuditorJobs::<Test>::insert(VERIFIERS[0], id, ());
		});
	}

	#[test]
	fn a_judge_that_gains_by_the_verdict() {
		fails("a judge that gains by the verdict", |id| {
			Rounds::<Test>::mutate(id, |round| round.as_mut().unwrap().members[0].0 = ALICE);
		});
	}

	#[test]
	fn invalid_parameters() {
		fails("the market parameters are invalid", |_| {
			Params::<Test>::mutate(|params| params.challenge_verifiers = 2)
		});
	}
}

/// A seeded random walk of `Fast` jobs, some answered wrongly, challenged by their requesters
/// or by verifiers, whose verifiers answer rightly, wrongly or not at all while time passes:
/// after every step no money is created or lost and the invariants hold; at the end every
/// challenge ended, and ended as its verifiers' majority said.
mod walk {
	use super::{super::property::Rng, *};

	/// Checks each challenge that closed since the last call against its round: no majority is
	/// undecided, the worker's output rejected, another upheld (the job then holds it). Returns
	/// how many closed and how many were upheld.
	fn check_closed(answered: &std::collections::BTreeMap<JobId, u8>) -> (usize, usize) {
		let (mut closed, mut upheld) = (0, 0);
		for event in events() {
			let (id, outcome) = match event {
				Event::ChallengeUpheld { job, .. } => (job, ChallengeOutcome::Upheld),
				Event::ChallengeRejected { job } => (job, ChallengeOutcome::Rejected),
				Event::ChallengeUndecided { job } => (job, ChallengeOutcome::NoQuorum),
				_ => continue,
			};
			closed += 1;
			let round = round(id);
			let majority = round
				.majority(&Default::default())
				.map(|index| round.outputs[index as usize].clone());
			let expected = match &majority {
				None => ChallengeOutcome::NoQuorum,
				Some(output) if Some(output[0]) == answered.get(&id).copied() => {
					ChallengeOutcome::Rejected
				},
				Some(_) => ChallengeOutcome::Upheld,
			};
			assert_eq!(outcome, expected, "challenge of {id:?}");
			assert_eq!(Challenges::<Test>::get(id).unwrap().outcome, Some(outcome));
			if outcome == ChallengeOutcome::Upheld {
				upheld += 1;
				assert_eq!(job(id).output, majority);
			}
		}
		System::reset_events();
		(closed, upheld)
	}

	fn run(seed: u64, steps: usize) {
		execute(|| {
			setup();
			prune_quickly();
			let mut rng = Rng(seed);
			let issuance = Balances::total_issuance();
			// What each worker answered, and what each verifier answers in each challenge.
			let mut answered: std::collections::BTreeMap<JobId, u8> = Default::default();
			let mut answers: std::collections::BTreeMap<(JobId, u64), u8> = Default::default();
			let mut challenged: Vec<JobId> = Vec::new();
			let (mut closed, mut upheld) = (0, 0);
			for _ in 0..steps {
				let now = System::block_number();
				let open: Vec<JobId> = WorkerJobs::<Test>::iter().map(|(_, id, _)| id).collect();
				let settled: Vec<JobId> =
					answered.keys().copied().filter(|id| Jobs::<Test>::contains_key(id)).collect();
				let rounds: Vec<JobId> = challenged
					.iter()
					.copied()
					.filter(|id| Inference::challenge_open(*id) && Rounds::<Test>::contains_key(id))
					.collect();
				match rng.below(12) {
					0..=1 => {
						let who = [ALICE, BOB][rng.below(2) as usize];
						let _ = submit_to(who, model(), VerificationMode::Fast, FEE);
					},
					2..=3 if !open.is_empty() => {
						let id = open[rng.below(open.len() as u64) as usize];
						let answer = if rng.below(3) == 0 { WRONG } else { RIGHT };
						let worker = job(id).worker;
						if Inference::submit_result(signed(worker), id, fast_output(answer)).is_ok()
						{
							answered.insert(id, answer);
						}
					},
					4 if !settled.is_empty() => {
						let id = settled[rng.below(settled.len() as u64) as usize];
						let who = [job(id).requester, VERIFIERS[rng.below(4) as usize]]
							[rng.below(2) as usize];
						if Inference::challenge(signed(who), id).is_ok() {
							challenged.push(id);
						}
					},
					5..=9 if !rounds.is_empty() => {
						let id = rounds[rng.below(rounds.len() as u64) as usize];
						let round = round(id);
						let (who, vote) =
							round.members[rng.below(round.members.len() as u64) as usize];
						let answer = *answers.entry((id, who)).or_insert(match rng.below(8) {
							0 => WRONG,
							1 => 0, // silent
							_ => RIGHT,
						});
						if answer == 0 {
							continue;
						}
						let out = fast_output(answer);
						let _ = match vote {
							Vote::Pending => commit(id, who, &out),
							Vote::Committed(_) => reveal(id, who, &out),
							Vote::Revealed(_) => continue,
						};
					},
					_ => run_to_block(now + 1 + rng.below(3)),
				}
				let (c, u) = check_closed(&answered);
				(closed, upheld) = (closed + c, upheld + u);
				assert_eq!(Balances::total_issuance(), issuance);
				check_invariants();
			}
			for _ in 0..3 * Params::<Test>::get().execution_period + 40 {
				run_to_block(System::block_number() + 1);
				let (c, u) = check_closed(&answered);
				(closed, upheld) = (closed + c, upheld + u);
			}
			check_invariants();
			assert_eq!(closed, challenged.len(), "every challenge ended once");
			assert!(challenged.len() > 10, "the walk challenged too few ({})", challenged.len());
			assert!(upheld > 0 && upheld < closed, "{upheld} of {closed} challenges upheld");
		});
	}

	#[test]
	fn no_challenge_creates_or_loses_money() {
		for seed in [5u64, 0xBADC0DE, 41] {
			run(seed, 800);
		}
	}
}
