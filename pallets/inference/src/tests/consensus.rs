//! `Consensus(k)` jobs: the draw of the verifiers, commit and reveal, every way a round ends
//! (honest quorum, lying worker, lying verifier, a copier, no-shows, ties), the calls a round
//! refuses, and a random walk of rounds that checks nothing is created or lost.

use super::*;

/// A member's salt in these tests.
pub(super) fn salt(who: u64) -> [u8; 32] {
	[who as u8; 32]
}

/// `who`'s commitment to `out` in job `id`.
pub(super) fn hash(id: JobId, who: u64, out: &OutputOf<Test>) -> [u8; 32] {
	commitment(id, out, &salt(who), &who)
}

pub(super) fn commit(
	id: JobId,
	who: u64,
	out: &OutputOf<Test>,
) -> frame_support::dispatch::DispatchResult {
	Inference::commit(signed(who), id, hash(id, who, out))
}

pub(super) fn reveal(
	id: JobId,
	who: u64,
	out: &OutputOf<Test>,
) -> frame_support::dispatch::DispatchResult {
	Inference::reveal(signed(who), id, out.clone(), salt(who))
}

/// ALICE submits a `Consensus(k)` job paying at most `max_fee`.
fn submit_consensus(k: u8, max_fee: u64) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(submit_to(ALICE, model(), VerificationMode::Consensus(k), max_fee));
	id
}

pub(super) fn round(id: JobId) -> RoundOf<Test> {
	Rounds::<Test>::get(id).unwrap()
}

/// The round's members, the worker first.
pub(super) fn members(id: JobId) -> Vec<u64> {
	round(id).members.iter().map(|(who, _)| *who).collect()
}

/// Every member of `id` commits to and then reveals the output `outputs` gives it.
fn play(id: JobId, outputs: impl Fn(usize) -> Option<OutputOf<Test>>) {
	let all = members(id);
	for (place, who) in all.iter().enumerate() {
		if let Some(out) = outputs(place) {
			assert_ok!(commit(id, *who, &out));
		}
	}
	for (place, who) in all.iter().enumerate() {
		if let Some(out) = outputs(place) {
			if Jobs::<Test>::get(id).is_some_and(|job| job.status.is_open()) {
				assert_ok!(reveal(id, *who, &out));
			}
		}
	}
}

/// Lets every worker and verifier take any number of jobs at once.
fn serve_and_verify_without_limit() {
	lift_limits(WORKERS.into_iter().chain(VERIFIERS));
}

pub(super) fn slashes() -> Vec<(u64, verity_primitives::SlashReason)> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Operators(pallet_operators::Event::Slashed { who, reason, .. }) => {
				Some((who, reason))
			},
			_ => None,
		})
		.collect()
}

/// The fee of a `Consensus(3)` job and how it is split: each member's part, the owner's, the
/// treasury's.
fn split_of_three() -> (u64, u64, u64, u64) {
	let fee = 4 * PRICE;
	let split = FeeSplit::of(fee, ROYALTY, Params::<Test>::get().treasury_share);
	(fee, split.worker / 4, split.royalty, split.treasury)
}

mod submit {
	use super::*;

	#[test]
	fn draws_k_distinct_verifiers_never_the_worker() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let record = job(id);
			let all = members(id);
			assert_eq!(all.len(), 4);
			assert_eq!(all[0], record.worker);
			assert!(WORKERS.contains(&record.worker));
			for verifier in &all[1..] {
				assert!(VERIFIERS.contains(verifier));
				assert!(VerifierJobs::<Test>::contains_key(verifier, id));
				assert_eq!(WorkerLoad::<Test>::get(verifier), 1);
			}
			let mut distinct = all.clone();
			distinct.sort();
			distinct.dedup();
			assert_eq!(distinct.len(), 4);
			// The fee pays the worker and each verifier a run.
			assert_eq!(record.fee, 4 * PRICE);
			let period = Params::<Test>::get().execution_period;
			assert_eq!(round(id).commit_deadline, 1 + period);
			assert_eq!(record.deadline, 1 + 2 * period);
			assert_eq!(round(id).phase(1), Phase::Commit);
			assert!(events()
				.contains(&Event::VerifiersAssigned { job: id, verifiers: all[1..].to_vec() }));
		});
	}

	#[test]
	fn an_operator_of_both_roles_is_never_its_own_verifier() {
		execute(|| {
			// Only two operators are left, each of both roles: each job's verifier is the other.
			for who in WORKERS.iter().chain(VERIFIERS.iter()) {
				assert_ok!(Operators::chill(signed(*who)));
			}
			let both = [verity_primitives::Role::Inference, verity_primitives::Role::Verifier];
			for who in [31, 32] {
				assert_ok!(Balances::transfer_allow_death(signed(BOB), who, 10 * WORKER_BOND));
				add_operator(who, &both, WORKER_BOND, &[model()], 8);
			}
			for _ in 0..6 {
				let id = submit_consensus(1, 10 * PRICE);
				let all = members(id);
				assert_ne!(all[0], all[1]);
				run_to_block(System::block_number() + 1);
			}
		});
	}

	#[test]
	fn the_requester_is_never_a_member_of_its_own_round() {
		execute(|| {
			serve_and_verify_without_limit();
			// A verifier that requests: the three other verifiers are drawn, every time.
			let requester = VERIFIERS[0];
			for _ in 0..4 {
				let id = NextJobId::<Test>::get();
				assert_ok!(submit_to(
					requester,
					model(),
					VerificationMode::Consensus(3),
					10 * PRICE
				));
				assert!(!members(id).contains(&requester));
				run_to_block(System::block_number() + 1);
			}
			// Nor through a worker key: the operator it signs for is left out too.
			let key = 77u64;
			assert_ok!(Operators::set_worker(signed(VERIFIERS[1]), Some(key)));
			assert_ok!(Operators::accept_worker(signed(key), VERIFIERS[1]));
			assert_ok!(Balances::transfer_allow_death(signed(BOB), key, 10 * PRICE + 100));
			let id = NextJobId::<Test>::get();
			assert_ok!(submit_to(key, model(), VerificationMode::Consensus(1), 5 * PRICE));
			assert!(!members(id).contains(&VERIFIERS[1]));
			// And an inference operator that requests is not its own round's worker.
			for _ in 0..4 {
				let id = NextJobId::<Test>::get();
				assert_ok!(submit_to(
					WORKERS[2],
					model(),
					VerificationMode::Consensus(1),
					5 * PRICE
				));
				assert_ne!(job(id).worker, WORKERS[2]);
				run_to_block(System::block_number() + 1);
			}
		});
	}

	#[test]
	fn refuses_an_even_zero_or_too_large_k() {
		execute(|| {
			for k in [0u8, 2, 4, MAX_VERIFIERS as u8 + 2] {
				assert_eq!(
					Inference::estimate_fee(&model(), VerificationMode::Consensus(k)),
					Err(EstimateError::InvalidVerifierCount)
				);
				assert_noop!(
					submit_to(ALICE, model(), VerificationMode::Consensus(k), 100 * PRICE),
					Error::<Test>::InvalidVerifierCount
				);
			}
		});
	}

	#[test]
	fn refuses_when_too_few_verifiers_can_take_it() {
		execute(|| {
			// Four verifiers serve the model: five cannot be drawn.
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Consensus(5), 100 * PRICE),
				Error::<Test>::NotEnoughVerifiers
			);
			// A chilled verifier does not count.
			assert_ok!(Operators::chill(signed(VERIFIERS[0])));
			assert_ok!(Operators::chill(signed(VERIFIERS[1])));
			assert_noop!(
				submit_to(ALICE, model(), VerificationMode::Consensus(3), 100 * PRICE),
				Error::<Test>::NotEnoughVerifiers
			);
		});
	}

	#[test]
	fn refuses_a_model_without_the_mode() {
		execute(|| {
			register_model(lonely_model(), ModeSet::FAST);
			assert_noop!(
				submit_to(ALICE, lonely_model(), VerificationMode::Consensus(1), 100 * PRICE),
				Error::<Test>::ModeNotSupported
			);
		});
	}

	#[test]
	fn a_batch_draws_a_round_for_each_job() {
		execute(|| {
			let inputs = BoundedVec::truncate_from(vec![valid_input(), valid_input()]);
			assert_ok!(Inference::submit_jobs(
				signed(ALICE),
				model(),
				VerificationMode::Consensus(1),
				2 * PRICE,
				inputs
			));
			assert_eq!(Rounds::<Test>::iter().count(), 2);
			let verifier_load: u32 = VERIFIERS.iter().map(WorkerLoad::<Test>::get).sum();
			assert_eq!(verifier_load, 2);
		});
	}
}

mod rounds {
	use super::*;

	/// Two `f32` outputs, `1.0 + a` and `2.0 + b` units in the last place.
	fn ulps(a: u32, b: u32) -> OutputOf<Test> {
		let value = |v: f32, n: u32| f32::from_bits(v.to_bits() + n).to_le_bytes();
		output(&[value(1.0, a), value(2.0, b)].concat())
	}

	#[test]
	fn outputs_within_the_models_tolerance_agree() {
		// The worker and two verifiers are within two units in the last place of each other,
		// the third is five away.
		let answers =
			|place: usize| Some([ulps(0, 0), ulps(1, 0), ulps(0, 2), ulps(5, 0)][place].clone());
		execute(|| {
			// Exact (the default): no output has three votes; the job is refunded.
			let id = submit_consensus(3, 10 * PRICE);
			play(id, answers);
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::NoQuorum));
		});
		execute(|| {
			assert_ok!(Models::set_tolerance(signed(OWNER), model(), 2));
			let id = submit_consensus(3, 10 * PRICE);
			// A round judged under one tolerance does not end under another.
			assert_noop!(
				Models::set_tolerance(signed(OWNER), model(), 9),
				pallet_models::Error::<Test>::InUse
			);
			let all = members(id);
			let before: Vec<u64> = all.iter().map(|who| free(*who)).collect();
			play(id, answers);
			let record = job(id);
			assert_eq!(record.status, JobStatus::Settled);
			// The output agreed with by three members, the first revealed: the worker's.
			assert_eq!(record.output, Some(ulps(0, 0)));
			let (_, each, _, _) = split_of_three();
			for place in 0..3 {
				assert_eq!(free(all[place]), before[place] + each);
			}
			assert_eq!(slashes(), vec![(all[3], verity_primitives::SlashReason::WrongAttestation)]);
			let output_hash = sp_io::hashing::blake2_256(&ulps(0, 0));
			assert!(events().contains(&Event::QuorumReached { job: id, output_hash, agreeing: 3 }));
		});
	}

	#[test]
	fn an_honest_quorum_settles_and_pays_every_member() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			let before: Vec<u64> = all.iter().map(|who| free(*who)).collect();
			let owner = free(OWNER);
			let treasury = free(TREASURY);
			for who in &all {
				assert_ok!(commit(id, *who, &fast_output(7)));
			}
			// Every member committed: reveals open before the commit deadline.
			assert_eq!(round(id).phase(System::block_number()), Phase::Reveal);
			for who in &all {
				assert_ok!(reveal(id, *who, &fast_output(7)));
			}
			let (fee, each, royalty, treasury_part) = split_of_three();
			let record = job(id);
			assert_eq!(record.status, JobStatus::Settled);
			assert_eq!(record.output, Some(fast_output(7)));
			// Every member did one run and gets one part.
			assert_eq!(record.paid, 4 * each + royalty + treasury_part);
			assert!(record.paid <= fee);
			for (place, who) in all.iter().enumerate() {
				assert_eq!(free(*who), before[place] + each);
			}
			assert_eq!(free(OWNER), owner + royalty);
			assert_eq!(free(TREASURY), treasury + treasury_part);
			assert_eq!(escrow(ALICE), 0);
			// The round's deposit is one job deposit a member.
			assert_eq!(record.deposit, 4 * JOB_DEPOSIT);
			assert_eq!(free(ALICE), ENDOWMENT - record.paid - record.deposit);
			assert!(slashes().is_empty());
			let output_hash = sp_io::hashing::blake2_256(&fast_output(7));
			assert!(events().contains(&Event::QuorumReached { job: id, output_hash, agreeing: 4 }));
			assert_eq!(round(id).phase(System::block_number()), Phase::Closed(Some(0)));
			for who in &all {
				assert_eq!(WorkerLoad::<Test>::get(who), 0);
				assert!(!VerifierJobs::<Test>::contains_key(who, id));
			}
		});
	}

	#[test]
	fn a_lying_worker_is_slashed_and_the_verifiers_settle_the_job() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			let worker_before = free(all[0]);
			let bond_before = bond(all[0]);
			play(id, |place| Some(fast_output(if place == 0 { 9 } else { 7 })));
			let record = job(id);
			assert_eq!(record.status, JobStatus::Settled);
			assert_eq!(record.output, Some(fast_output(7)));
			// The worker is paid nothing and loses its bond's part; the requester keeps the
			// worker's share.
			assert_eq!(free(all[0]), worker_before);
			let slash = Params::<Test>::get().bad_proof_slash.mul_floor(bond_before);
			assert_eq!(bond(all[0]), bond_before - slash);
			assert_eq!(slashes(), vec![(all[0], verity_primitives::SlashReason::BadResult)]);
			let (_, each, royalty, treasury_part) = split_of_three();
			assert_eq!(record.paid, 3 * each + royalty + treasury_part);
			assert_eq!(free(ALICE), ENDOWMENT - record.paid - record.deposit);
		});
	}

	#[test]
	fn a_lying_verifier_is_slashed_and_unpaid() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			let liar = all[2];
			let (before, bond_before) = (free(liar), bond(liar));
			play(id, |place| Some(fast_output(if place == 2 { 1 } else { 7 })));
			assert_eq!(job(id).status, JobStatus::Settled);
			assert_eq!(free(liar), before);
			let slash = Params::<Test>::get().bad_proof_slash.mul_floor(bond_before);
			assert_eq!(bond(liar), bond_before - slash);
			assert_eq!(slashes(), vec![(liar, verity_primitives::SlashReason::WrongAttestation)]);
		});
	}

	#[test]
	fn a_verifier_cannot_copy_a_commitment() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			let (worker, copier) = (all[0], all[1]);
			let worker_hash = hash(id, worker, &fast_output(7));
			assert_ok!(commit(id, worker, &fast_output(7)));
			// The copier takes the worker's commitment from the chain.
			assert_ok!(Inference::commit(signed(copier), id, worker_hash));
			for who in &all[2..] {
				assert_ok!(commit(id, *who, &fast_output(7)));
			}
			assert_ok!(reveal(id, worker, &fast_output(7)));
			// Even with the worker's output and salt in hand, the copy binds another account.
			assert_noop!(
				Inference::reveal(signed(copier), id, fast_output(7), salt(worker)),
				Error::<Test>::CommitmentMismatch
			);
			for who in &all[2..] {
				assert_ok!(reveal(id, *who, &fast_output(7)));
			}
			// The copier never reveals: the round closes at the deadline on the other three.
			assert!(job(id).status.is_open());
			run_to_block(job(id).deadline);
			assert_eq!(job(id).status, JobStatus::Settled);
			assert_eq!(slashes(), vec![(copier, verity_primitives::SlashReason::MissedDeadline)]);
		});
	}

	#[test]
	fn a_member_who_never_commits_is_slashed_and_the_rest_settle_after_the_commits() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			let absent = all[3];
			for who in &all[..3] {
				assert_ok!(commit(id, *who, &fast_output(7)));
			}
			// One member is still to commit: reveals wait for the commit deadline.
			assert_noop!(reveal(id, all[0], &fast_output(7)), Error::<Test>::RevealTooEarly);
			run_to_block(round(id).commit_deadline);
			assert_noop!(commit(id, absent, &fast_output(7)), Error::<Test>::CommitPeriodOver);
			for who in &all[..3] {
				assert_ok!(reveal(id, *who, &fast_output(7)));
			}
			// The last committed member revealed: the round closed without waiting.
			assert_eq!(job(id).status, JobStatus::Settled);
			assert_eq!(slashes(), vec![(absent, verity_primitives::SlashReason::MissedDeadline)]);
		});
	}

	#[test]
	fn a_member_who_withholds_its_reveal_pays_as_for_a_wrong_answer() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			let silent = all[3];
			let bond_before = bond(silent);
			for who in &all {
				assert_ok!(commit(id, *who, &fast_output(7)));
			}
			for who in &all[..3] {
				assert_ok!(reveal(id, *who, &fast_output(7)));
			}
			run_to_block(job(id).deadline);
			assert_eq!(job(id).status, JobStatus::Settled);
			let slash = Params::<Test>::get().bad_proof_slash.mul_floor(bond_before);
			assert_eq!(bond(silent), bond_before - slash);
			assert_eq!(slashes(), vec![(silent, verity_primitives::SlashReason::MissedDeadline)]);
		});
	}

	#[test]
	fn a_tie_is_no_quorum_the_job_is_refunded_and_nobody_who_revealed_is_slashed() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			play(id, |place| Some(fast_output(if place < 2 { 7 } else { 8 })));
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::NoQuorum));
			assert!(events().contains(&Event::Disputed { job: id }));
			assert!(slashes().is_empty());
			assert_eq!(free(ALICE), ENDOWMENT - job(id).deposit);
			assert_eq!(round(id).closed, Some(None));
		});
	}

	#[test]
	fn too_few_reveals_refund_and_slash_the_silent() {
		execute(|| {
			let id = submit_consensus(1, 10 * PRICE);
			let (worker, verifier) = (members(id)[0], members(id)[1]);
			assert_ok!(commit(id, worker, &fast_output(7)));
			assert_ok!(commit(id, verifier, &fast_output(7)));
			assert_ok!(reveal(id, verifier, &fast_output(7)));
			// The worker committed and went silent: one reveal of two is no majority.
			run_to_block(job(id).deadline);
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::NoQuorum));
			assert_eq!(slashes(), vec![(worker, verity_primitives::SlashReason::MissedDeadline)]);
			assert_eq!(free(ALICE), ENDOWMENT - job(id).deposit);
		});
	}

	#[test]
	fn a_round_nobody_plays_is_refunded_at_its_deadline_and_every_member_slashed() {
		execute(|| {
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			run_to_block(job(id).deadline - 1);
			assert!(job(id).status.is_open());
			run_to_block(job(id).deadline);
			assert_eq!(job(id).status, JobStatus::Refunded(RefundReason::NoQuorum));
			let mut slashed: Vec<u64> = slashes().into_iter().map(|(who, _)| who).collect();
			slashed.sort();
			let mut expected = all.clone();
			expected.sort();
			assert_eq!(slashed, expected);
			// Finished rounds are pruned with their jobs.
			run_to_block(System::block_number() + Params::<Test>::get().retention_period + 1);
			assert!(Rounds::<Test>::get(id).is_none());
		});
	}

	#[test]
	fn a_worker_key_commits_and_reveals_for_its_operator() {
		execute(|| {
			let id = submit_consensus(1, 10 * PRICE);
			let all = members(id);
			let key = 77u64;
			assert_ok!(Operators::set_worker(signed(all[1]), Some(key)));
			assert_ok!(Operators::accept_worker(signed(key), all[1]));
			// The key signs; the member is its operator, whose account the commitment binds.
			let out = fast_output(7);
			assert_ok!(Inference::commit(signed(key), id, hash(id, all[1], &out)));
			assert_ok!(commit(id, all[0], &out));
			assert_ok!(Inference::reveal(signed(key), id, out.clone(), salt(all[1])));
			assert_ok!(reveal(id, all[0], &out));
			assert_eq!(job(id).status, JobStatus::Settled);
		});
	}

	#[test]
	fn the_view_follows_the_round() {
		execute(|| {
			let id = submit_consensus(1, 10 * PRICE);
			let all = members(id);
			let view = Inference::round_view(id).unwrap();
			assert_eq!(view.phase, Phase::Commit);
			assert_eq!(view.quorum, 2);
			assert!(view.members.iter().all(|(_, state)| *state == MemberState::Pending));
			assert_ok!(commit(id, all[0], &fast_output(7)));
			assert_ok!(commit(id, all[1], &fast_output(7)));
			assert_ok!(reveal(id, all[1], &fast_output(7)));
			let view = Inference::round_view(id).unwrap();
			let hash = sp_io::hashing::blake2_256(&fast_output(7));
			assert_eq!(view.phase, Phase::Reveal);
			assert_eq!(
				view.members,
				vec![(all[0], MemberState::Committed), (all[1], MemberState::Revealed(hash))]
			);
			assert_eq!(Inference::jobs_for_verifier(&all[1]).len(), 1);
			assert_ok!(reveal(id, all[0], &fast_output(7)));
			let view = Inference::round_view(id).unwrap();
			assert_eq!(view.phase, Phase::Closed(Some(0)));
			assert_eq!(view.agreed, Some(hash));
			assert!(Inference::jobs_for_verifier(&all[1]).is_empty());
		});
	}
}

mod refuse {
	use super::*;

	#[test]
	fn commits_of_strangers_unknown_finished_and_other_jobs() {
		execute(|| {
			let fast = submit(ALICE, PRICE);
			let id = submit_consensus(1, 10 * PRICE);
			let all = members(id);
			assert_noop!(commit(JobId(99), all[0], &fast_output(7)), Error::<Test>::UnknownJob);
			assert_noop!(
				commit(fast, job(fast).worker, &fast_output(7)),
				Error::<Test>::NotConsensusJob
			);
			assert_noop!(commit(id, BOB, &fast_output(7)), Error::<Test>::NotMember);
			assert_ok!(commit(id, all[0], &fast_output(7)));
			assert_noop!(commit(id, all[0], &fast_output(7)), Error::<Test>::AlreadyCommitted);
			assert_ok!(Inference::cancel_job(signed(ALICE), id));
			assert_noop!(commit(id, all[1], &fast_output(7)), Error::<Test>::JobFinished);
		});
	}

	#[test]
	fn reveals_out_of_turn_or_not_matching() {
		execute(|| {
			let fast = submit(ALICE, PRICE);
			let id = submit_consensus(3, 10 * PRICE);
			let all = members(id);
			assert_noop!(reveal(JobId(99), all[0], &fast_output(7)), Error::<Test>::UnknownJob);
			assert_noop!(
				reveal(fast, job(fast).worker, &fast_output(7)),
				Error::<Test>::NotConsensusJob
			);
			assert_ok!(commit(id, all[0], &fast_output(7)));
			assert_noop!(reveal(id, all[0], &fast_output(7)), Error::<Test>::RevealTooEarly);
			for who in &all[1..3] {
				assert_ok!(commit(id, *who, &fast_output(7)));
			}
			run_to_block(round(id).commit_deadline);
			assert_noop!(reveal(id, BOB, &fast_output(7)), Error::<Test>::NotMember);
			assert_noop!(reveal(id, all[3], &fast_output(7)), Error::<Test>::NotCommitted);
			assert_noop!(reveal(id, all[0], &fast_output(8)), Error::<Test>::CommitmentMismatch);
			assert_noop!(
				Inference::reveal(signed(all[0]), id, fast_output(7), salt(BOB)),
				Error::<Test>::CommitmentMismatch
			);
			assert_noop!(reveal(id, all[0], &output(&[7; 4])), Error::<Test>::OutputSizeMismatch);
			assert_noop!(reveal(id, all[0], &output(&[])), Error::<Test>::EmptyOutput);
			assert_ok!(reveal(id, all[0], &fast_output(7)));
			assert_noop!(reveal(id, all[0], &fast_output(7)), Error::<Test>::AlreadyRevealed);
			// The reveals end at the job's deadline (its entry not reached yet: a full queue).
			System::set_block_number(job(id).deadline);
			assert_noop!(reveal(id, all[1], &fast_output(7)), Error::<Test>::DeadlinePassed);
			run_to_block(job(id).deadline + 1);
			assert_noop!(reveal(id, all[1], &fast_output(7)), Error::<Test>::JobFinished);
		});
	}

	#[test]
	fn results_and_declines_are_not_how_a_round_is_answered() {
		execute(|| {
			let id = submit_consensus(1, 10 * PRICE);
			let worker = members(id)[0];
			run_to_block(2);
			assert_noop!(
				Inference::submit_result(signed(worker), id, fast_output(7)),
				Error::<Test>::CommitRequired
			);
			assert_noop!(Inference::decline_job(signed(worker), id), Error::<Test>::CommitRequired);
		});
	}

	#[test]
	fn a_round_is_cancelled_only_in_its_first_block() {
		execute(|| {
			let first = submit_consensus(1, 10 * PRICE);
			let verifier = members(first)[1];
			assert_ok!(Inference::cancel_job(signed(ALICE), first));
			assert_eq!(job(first).status, JobStatus::Refunded(RefundReason::Cancelled));
			assert_eq!(round(first).closed, Some(None));
			assert!(!VerifierJobs::<Test>::contains_key(verifier, first));
			assert_eq!(WorkerLoad::<Test>::get(verifier), 0);
			let second = submit_consensus(1, 10 * PRICE);
			run_to_block(2);
			assert_noop!(
				Inference::cancel_job(signed(ALICE), second),
				Error::<Test>::TooEarlyToCancel
			);
			// Even past its deadline: the round closes itself there.
			System::set_block_number(job(second).deadline);
			assert_noop!(
				Inference::cancel_job(signed(ALICE), second),
				Error::<Test>::TooEarlyToCancel
			);
		});
	}
}

mod try_state_of_rounds {
	use super::*;

	fn fails(message: &'static str, corrupt: impl FnOnce(JobId)) {
		new_test_ext().execute_with(|| {
			let id = submit_consensus(3, 10 * PRICE);
			Inference::do_try_state().unwrap();
			corrupt(id);
			assert_eq!(Inference::do_try_state(), Err(message.into()));
		});
	}

	#[test]
	fn a_verifier_index_out_of_step() {
		fails("verifier index out of step", |id| {
			let verifier = members(id)[1];
			VerifierJobs::<Test>::remove(verifier, id);
		});
		fails("verifier index has strangers", |id| VerifierJobs::<Test>::insert(BOB, id, ()));
	}

	#[test]
	fn a_round_without_its_job_or_a_job_without_its_round() {
		fails("a round without its job", |id| {
			let stray = round(id);
			Rounds::<Test>::insert(JobId(99), stray);
		});
		fails("a Consensus job without its round", Rounds::<Test>::remove);
	}

	#[test]
	fn a_vote_for_no_output_and_a_closed_round_of_an_open_job() {
		fails("a vote for no output", |id| {
			Rounds::<Test>::mutate(id, |round| {
				round.as_mut().unwrap().members[1].1 = Vote::Revealed(0)
			})
		});
		fails("a round out of step with its job", |id| {
			Rounds::<Test>::mutate(id, |round| round.as_mut().unwrap().closed = Some(None))
		});
		fails("a round's commits end after its reveals", |id| {
			let deadline = job(id).deadline;
			Rounds::<Test>::mutate(id, |round| round.as_mut().unwrap().commit_deadline = deadline)
		});
	}
}

/// The random walk of `property`, over `Consensus` rounds: members commit honestly, lie, copy,
/// go silent; time passes; after every step nothing is created or lost, and at the end every job
/// ended exactly once and requesters paid exactly what settled jobs cost.
mod walk {
	use super::{
		property::{drain_terminal_events, Rng},
		*,
	};

	fn run(seed: u64, steps: usize) {
		execute(|| {
			prune_quickly();
			serve_and_verify_without_limit();
			let mut rng = Rng(seed);
			let issuance = Balances::total_issuance();
			let mut submitted: Vec<JobId> = Vec::new();
			let mut terminal = std::collections::BTreeMap::new();
			// What each member answers in each job: 7 is right, anything else a lie.
			let mut answers: std::collections::BTreeMap<(JobId, u64), u8> = Default::default();
			for _ in 0..steps {
				let open: Vec<JobId> = Rounds::<Test>::iter()
					.filter(|(_, round)| round.closed.is_none())
					.map(|(id, _)| id)
					.collect();
				let now = System::block_number();
				match rng.below(10) {
					0 => {
						let k = [1u8, 3][rng.below(2) as usize];
						let who = [ALICE, BOB][rng.below(2) as usize];
						let id = NextJobId::<Test>::get();
						let max_fee = u64::from(k + 1) * PRICE + rng.below(50);
						if submit_to(who, model(), VerificationMode::Consensus(k), max_fee).is_ok()
						{
							submitted.push(id);
						}
					},
					1..=7 if !open.is_empty() => {
						let id = open[rng.below(open.len() as u64) as usize];
						let round = round(id);
						let (who, vote) =
							round.members[rng.below(round.members.len() as u64) as usize];
						let answer = *answers.entry((id, who)).or_insert(match rng.below(10) {
							0 => 1,
							1 => 2,
							_ => 7,
						});
						let out = fast_output(answer);
						let result = match vote {
							Vote::Pending => commit(id, who, &out),
							Vote::Committed(_) => reveal(id, who, &out),
							Vote::Revealed(_) => continue,
						};
						let phase = round.phase(now);
						match (vote, phase) {
							(Vote::Pending, Phase::Commit) => {
								assert_ok!(result);
							},
							(Vote::Pending, _) => {
								assert_eq!(result, Err(Error::<Test>::CommitPeriodOver.into()))
							},
							(_, Phase::Reveal) if now < job(id).deadline => {
								assert_ok!(result);
							},
							(_, Phase::Reveal) => {
								assert_eq!(result, Err(Error::<Test>::DeadlinePassed.into()))
							},
							_ => assert_eq!(result, Err(Error::<Test>::RevealTooEarly.into())),
						}
					},
					_ => run_to_block(now + 1 + rng.below(4)),
				}
				drain_terminal_events(&mut terminal);
				assert_eq!(Balances::total_issuance(), issuance);
				check_invariants();
			}
			run_to_block(System::block_number() + 3 * Params::<Test>::get().execution_period + 40);
			drain_terminal_events(&mut terminal);
			check_invariants();
			let mut paid_total = 0u64;
			let mut settled = 0;
			for id in &submitted {
				let outcomes = terminal.get(id).cloned().unwrap_or_default();
				assert_eq!(outcomes.len(), 1, "job {id:?} ended {outcomes:?}");
				if let Some(Some(paid)) = outcomes.first() {
					paid_total += paid;
					settled += 1;
				}
			}
			let spent: u64 = [ALICE, BOB].iter().map(|who| ENDOWMENT - free(*who)).sum();
			let kept: u64 = Jobs::<Test>::iter_values().map(|job| job.deposit).sum();
			assert_eq!(spent, paid_total + kept);
			assert!(submitted.len() > 50, "the walk submitted too few jobs ({})", submitted.len());
			assert!(settled > 10, "the walk settled too few jobs ({settled})");
			assert!(settled < submitted.len(), "the walk never missed a quorum");
		});
	}

	#[test]
	fn no_paid_round_is_ever_lost() {
		for seed in [3u64, 0xC0FFEE, 99] {
			run(seed, 1_000);
		}
	}
}
