//! The setup ceremony through the pallet's calls, with real contributions: every error, every
//! event, the records, and a key from a three-party ceremony that proves and verifies.

use super::last_event;
use crate::{
	mock::*, Deposits, Error, Event, HoldReason, MinContributors, Phase, Phase1,
	Phase1Contributors, Phase1Steps, Phase2, Phase2Contributors, Phase2Steps, SealedContributors,
};
use ark_bls12_381::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use sp_core::H256;
use sp_runtime::DispatchError;
use verity_primitives::{zk_binding, JobId, KeySetup, VerifyProof};
use verity_zkml::{
	ceremony::{self, phase2, Accumulator, Contribution, DeltaContribution},
	onnx::{import, mlp, ImportOptions},
	prover, public, verifier,
};

const SIZE: u32 = 8;

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn context(previous: [u8; 32], who: u64) -> Vec<u8> {
	ceremony::context(&previous, &who.encode())
}

/// A phase-1 ceremony over a transcript for `n` that `parties` join in turn, each on the last:
/// the transcripts (the starting one first) and the contributions' bytes.
fn phase1(n: usize, parties: &[u64]) -> (Vec<Accumulator>, Vec<[u8; ceremony::CONTRIBUTION_LEN]>) {
	let mut rng = StdRng::seed_from_u64(5);
	let mut transcripts = vec![Accumulator::new(n).unwrap()];
	let mut contributions = vec![];
	for who in parties {
		let last = transcripts.last().unwrap();
		let (next, contribution) = last.contribute(&context(last.hash(), *who), &mut rng).unwrap();
		transcripts.push(next);
		contributions.push(ceremony::encode(&contribution).try_into().unwrap());
	}
	(transcripts, contributions)
}

fn origin(n: usize) -> (u32, H256) {
	(n as u32, Accumulator::new(n).unwrap().hash().into())
}

/// Phase 1 of [`SIZE`] with contributions of 1 and 2 in turn, sealed on 2's; min contributors
/// `min`.
fn sealed_ext(min: u32) -> (sp_io::TestExternalities, Vec<Accumulator>) {
	let (transcripts, contributions) = phase1(SIZE as usize, &[1, 2]);
	let mut ext = new_test_ext_with(Some(origin(SIZE as usize)), min);
	ext.execute_with(|| {
		assert_ok!(Settlement::contribute_phase1(
			signed(1),
			None,
			Box::new(contributions[0]),
			transcripts[1].hash().into()
		));
		assert_ok!(Settlement::contribute_phase1(
			signed(2),
			Some(0),
			Box::new(contributions[1]),
			transcripts[2].hash().into()
		));
		assert_ok!(Settlement::seal_phase1(RuntimeOrigin::root(), 1));
	});
	(ext, transcripts)
}

fn g1(k: u64) -> G1Affine {
	(G1Affine::generator() * Fr::from(k)).into_affine()
}

/// Public-input bases: `count` valid points.
fn bases(count: u64) -> BoundedVec<u8, crate::ceremony::MaxInputBytes<Test>> {
	let bytes: Vec<u8> = (0..count).flat_map(|i| ceremony::encode(&g1(i + 3))).collect();
	bytes.try_into().unwrap()
}

/// `who`'s phase-2 contribution of `d` over `[δ]₁`, `[δ]₂` and the key hashed `previous`.
fn delta(
	previous: (G1Affine, G2Affine, [u8; 32]),
	who: u64,
	d: u64,
) -> (DeltaContribution, [u8; ceremony::DELTA_CONTRIBUTION_LEN]) {
	let (g1, g2, hash) = previous;
	let c = DeltaContribution::from_secret(&g1, &g2, Fr::from(d), &context(hash, who));
	(c, ceremony::encode(&c).try_into().unwrap())
}

/// `who` submits a phase-2 contribution to `model_id(1)`.
fn contribute2(
	who: u64,
	parent: Option<u32>,
	contribution: [u8; ceremony::DELTA_CONTRIBUTION_LEN],
	transcript: H256,
) -> sp_runtime::DispatchResult {
	Settlement::contribute_phase2(
		signed(who),
		model_id(1),
		parent,
		Box::new(contribution),
		transcript,
	)
}

fn start() -> (G1Affine, G2Affine, [u8; 32]) {
	(G1Affine::generator(), G2Affine::generator(), [9; 32])
}

/// Model 1's owner begins its phase 2 at a made-up start (hash `[9; 32]`, two bases).
fn begin() {
	assert_ok!(Settlement::begin_phase2(signed(1), model_id(1), bases(2), H256([9; 32])));
}

fn try_state() {
	crate::Pallet::<Test>::do_try_state().unwrap();
	pallet_models::Pallet::<Test>::do_try_state().unwrap();
}

mod phase_one {
	use super::*;

	#[test]
	fn contributions_are_checked_recorded_and_sealed_by_governance() {
		let (transcripts, contributions) = phase1(SIZE as usize, &[1, 2, 3]);
		new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
			let hash = |i: usize| H256::from(transcripts[i].hash());
			assert_ok!(Settlement::contribute_phase1(
				signed(1),
				None,
				Box::new(contributions[0]),
				hash(1)
			));
			assert_eq!(
				last_event(),
				Some(
					Event::Phase1Contributed {
						index: 0,
						contributor: 1,
						parent: None,
						transcript: hash(1)
					}
					.into()
				)
			);
			assert_ok!(Settlement::contribute_phase1(
				signed(2),
				Some(0),
				Box::new(contributions[1]),
				hash(2)
			));
			assert_ok!(Settlement::contribute_phase1(
				signed(3),
				Some(1),
				Box::new(contributions[2]),
				hash(3)
			));
			let step = Phase1Steps::<Test>::get(2).unwrap();
			assert_eq!((step.contributor, step.parent, step.depth), (3, Some(1), 3));
			assert_eq!(step.point.to_vec(), ceremony::encode(&transcripts[3].head().unwrap()));
			assert_eq!(Phase1Contributors::<Test>::get(2), Some(1));
			assert_eq!(Phase1::<Test>::get().unwrap().contributions, 3);
			try_state();

			assert_noop!(Settlement::seal_phase1(signed(1), 2), DispatchError::BadOrigin);
			assert_noop!(
				Settlement::seal_phase1(RuntimeOrigin::root(), 3),
				Error::<Test>::UnknownContribution
			);
			assert_ok!(Settlement::seal_phase1(RuntimeOrigin::root(), 2));
			assert_eq!(
				last_event(),
				Some(Event::Phase1Sealed { index: 2, transcript: hash(3), contributors: 3 }.into())
			);
			assert_eq!(Phase1::<Test>::get().unwrap().sealed, Some(2));
			assert_noop!(Settlement::seal_phase1(RuntimeOrigin::root(), 1), Error::<Test>::Sealed);
			try_state();
		});
	}

	#[test]
	fn a_contribution_may_extend_any_earlier_one() {
		// Bob withholds his transcript: Charlie extends Alice's instead.
		let (transcripts, contributions) = phase1(SIZE as usize, &[1, 2]);
		let mut rng = StdRng::seed_from_u64(8);
		let charlies = transcripts[1].contribute(&context(transcripts[1].hash(), 3), &mut rng);
		let (next, charlies) = charlies.unwrap();
		new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
			let hash = |i: usize| H256::from(transcripts[i].hash());
			assert_ok!(Settlement::contribute_phase1(
				signed(1),
				None,
				Box::new(contributions[0]),
				hash(1)
			));
			assert_ok!(Settlement::contribute_phase1(
				signed(2),
				Some(0),
				Box::new(contributions[1]),
				hash(2)
			));
			let bytes = ceremony::encode(&charlies).try_into().unwrap();
			assert_ok!(Settlement::contribute_phase1(
				signed(3),
				Some(0),
				Box::new(bytes),
				next.hash().into()
			));
			assert_eq!(Phase1Steps::<Test>::get(2).unwrap().depth, 2);
			try_state();
		});
	}

	mod reject {
		use super::*;

		#[test]
		fn a_chain_without_a_ceremony() {
			let (_, contributions) = phase1(SIZE as usize, &[1]);
			new_test_ext().execute_with(|| {
				assert_noop!(
					Settlement::contribute_phase1(
						signed(1),
						None,
						Box::new(contributions[0]),
						H256::zero()
					),
					Error::<Test>::NoCeremony
				);
				assert_noop!(
					Settlement::seal_phase1(RuntimeOrigin::root(), 0),
					Error::<Test>::NoCeremony
				);
				assert_noop!(
					Settlement::reset_phase1(RuntimeOrigin::root()),
					Error::<Test>::NoCeremony
				);
			});
		}

		#[test]
		fn a_wrong_proof_of_knowledge() {
			let (_, contributions) = phase1(SIZE as usize, &[1]);
			let mut decoded: Contribution = ceremony::decode(&contributions[0]).unwrap();
			decoded.tau.response += Fr::from(1u64);
			let bytes = ceremony::encode(&decoded).try_into().unwrap();
			new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
				assert_noop!(
					Settlement::contribute_phase1(signed(1), None, Box::new(bytes), H256::zero()),
					Error::<Test>::BadContribution
				);
			});
		}

		#[test]
		fn a_contribution_that_does_not_extend_the_one_it_names() {
			// Bob's contribution extends Alice's transcript; he names the start instead.
			let (transcripts, contributions) = phase1(SIZE as usize, &[1, 2]);
			new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
				let hash = |i: usize| H256::from(transcripts[i].hash());
				assert_ok!(Settlement::contribute_phase1(
					signed(1),
					None,
					Box::new(contributions[0]),
					hash(1)
				));
				assert_noop!(
					Settlement::contribute_phase1(
						signed(2),
						None,
						Box::new(contributions[1]),
						hash(2)
					),
					Error::<Test>::BadContribution
				);
				assert_noop!(
					Settlement::contribute_phase1(
						signed(2),
						Some(1),
						Box::new(contributions[1]),
						hash(2)
					),
					Error::<Test>::UnknownContribution
				);
			});
		}

		#[test]
		fn a_replayed_contribution_or_one_claimed_by_another_account() {
			let (transcripts, contributions) = phase1(SIZE as usize, &[1]);
			new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
				let hash = H256::from(transcripts[1].hash());
				// Mallory submits Alice's contribution as hers: the proofs name Alice.
				assert_noop!(
					Settlement::contribute_phase1(
						signed(6),
						None,
						Box::new(contributions[0]),
						hash
					),
					Error::<Test>::BadContribution
				);
				assert_ok!(Settlement::contribute_phase1(
					signed(1),
					None,
					Box::new(contributions[0]),
					hash
				));
				// Alice's again, on the start or on her own: an account contributes once.
				assert_noop!(
					Settlement::contribute_phase1(
						signed(1),
						None,
						Box::new(contributions[0]),
						hash
					),
					Error::<Test>::AlreadyContributed
				);
				// Replayed by Mallory over Alice's transcript: bound to another context.
				assert_noop!(
					Settlement::contribute_phase1(
						signed(6),
						Some(0),
						Box::new(contributions[0]),
						hash
					),
					Error::<Test>::BadContribution
				);
			});
		}

		#[test]
		fn malformed_bytes_and_points_off_the_curve() {
			let (_, contributions) = phase1(SIZE as usize, &[1]);
			let mut off_curve = contributions[0];
			off_curve[10] ^= 1;
			new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
				assert_noop!(
					Settlement::contribute_phase1(
						signed(1),
						None,
						Box::new(off_curve),
						H256::zero()
					),
					Error::<Test>::MalformedContribution
				);
				assert_noop!(
					Settlement::contribute_phase1(
						signed(1),
						None,
						Box::new([0xff; ceremony::CONTRIBUTION_LEN]),
						H256::zero()
					),
					Error::<Test>::MalformedContribution
				);
			});
		}

		#[test]
		fn more_contributions_than_the_bound_and_any_after_the_seal() {
			let parties: Vec<u64> = (1..=MAX_CONTRIBUTIONS as u64 + 1).collect();
			let (transcripts, contributions) = phase1(SIZE as usize, &parties);
			new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
				for (i, who) in parties.iter().enumerate() {
					let result = Settlement::contribute_phase1(
						signed(*who),
						i.checked_sub(1).map(|p| p as u32),
						Box::new(contributions[i]),
						transcripts[i + 1].hash().into(),
					);
					if i < MAX_CONTRIBUTIONS as usize {
						assert_ok!(result);
					} else {
						assert_eq!(result, Err(Error::<Test>::TooManyContributions.into()));
					}
				}
				assert_ok!(Settlement::seal_phase1(RuntimeOrigin::root(), 0));
				let (_, late) = phase1(SIZE as usize, &[8]);
				assert_noop!(
					Settlement::contribute_phase1(signed(8), None, Box::new(late[0]), H256::zero()),
					Error::<Test>::Sealed
				);
			});
		}
	}
}

mod phase_two {
	use super::*;

	#[test]
	fn the_owner_begins_contributors_rerandomize_and_the_owner_seals_a_key() {
		let (mut ext, transcripts) = sealed_ext(2);
		ext.execute_with(|| {
			let origin_hash = start().2;
			assert_ok!(Settlement::begin_phase2(
				signed(1),
				model_id(1),
				bases(3),
				origin_hash.into()
			));
			assert_eq!(
				last_event(),
				Some(
					Event::Phase2Begun { model: model_id(1), transcript: origin_hash.into() }
						.into()
				)
			);
			let (first, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			assert_noop!(
				Settlement::seal_phase2(signed(1), model_id(1), 0),
				Error::<Test>::TooFewContributors
			);
			let (second, bytes) = delta((first.delta_g1, first.delta_g2, [4; 32]), 5, 11);
			assert_ok!(contribute2(5, Some(0), bytes, H256([5; 32])));
			assert_eq!(
				last_event(),
				Some(
					Event::Phase2Contributed {
						model: model_id(1),
						index: 1,
						contributor: 5,
						parent: Some(0),
						transcript: H256([5; 32])
					}
					.into()
				)
			);
			try_state();

			assert_noop!(
				Settlement::seal_phase2(signed(4), model_id(1), 1),
				Error::<Test>::NotOwner
			);
			assert_ok!(Settlement::seal_phase2(signed(1), model_id(1), 1));
			assert_eq!(
				last_event(),
				Some(
					Event::Phase2Sealed {
						model: model_id(1),
						index: 1,
						transcript: H256([5; 32]),
						contributors: 2
					}
					.into()
				)
			);
			let setup = KeySetup::Ceremony {
				phase1: transcripts[2].hash().into(),
				phase2: H256([5; 32]),
				contributors: 2,
			};
			assert_eq!(pallet_models::Pallet::<Test>::key_setup(&model_id(1)), Some(setup));
			assert_eq!(SealedContributors::<Test>::get(model_id(1)).unwrap().to_vec(), vec![5, 4]);
			// The installed key: the sealed head's α and β, γ the generator, the last δ, the
			// bases.
			let key = pallet_models::Pallet::<Test>::verifying_key(&model_id(1)).unwrap();
			let key = verifier::decode_key::<ark_bls12_381::Bls12_381>(&key).unwrap().vk;
			let head = transcripts[2].head().unwrap();
			assert_eq!((key.alpha_g1, key.beta_g2), (head.alpha_g1, head.beta_g2));
			assert_eq!(key.gamma_g2, G2Affine::generator());
			assert_eq!(key.delta_g2, second.delta_g2);
			assert_eq!(key.gamma_abc_g1, vec![g1(3), g1(4), g1(5)]);
			// The phase's records are gone; it may begin again (a new key, by a new ceremony).
			assert!(Phase2::<Test>::get(model_id(1)).is_none());
			assert_eq!(Phase2Steps::<Test>::iter_prefix(model_id(1)).count(), 0);
			assert_eq!(Phase2Contributors::<Test>::iter_prefix(model_id(1)).count(), 0);
			try_state();
		});
	}

	#[test]
	fn beginning_again_forgets_the_contributions() {
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			begin();
			let (_, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			begin();
			assert_eq!(Phase2::<Test>::get(model_id(1)).unwrap().contributions, 0);
			assert_eq!(Phase2Contributors::<Test>::get(model_id(1), 4), None);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			try_state();
		});
	}

	#[test]
	fn governance_sets_the_minimum() {
		new_test_ext().execute_with(|| {
			assert_eq!(MinContributors::<Test>::get(), 1);
			assert_noop!(Settlement::set_min_contributors(signed(1), 2), DispatchError::BadOrigin);
			for bad in [0, MAX_CONTRIBUTIONS + 1] {
				assert_noop!(
					Settlement::set_min_contributors(RuntimeOrigin::root(), bad),
					Error::<Test>::InvalidMinimum
				);
			}
			assert_ok!(Settlement::set_min_contributors(RuntimeOrigin::root(), 3));
			assert_eq!(MinContributors::<Test>::get(), 3);
			assert_eq!(last_event(), Some(Event::MinContributorsSet { min: 3 }.into()));
		});
	}

	mod reject {
		use super::*;

		#[test]
		fn beginning_before_phase_1_is_sealed() {
			new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
				assert_noop!(
					Settlement::begin_phase2(signed(1), model_id(1), bases(2), H256::zero()),
					Error::<Test>::NotSealed
				);
			});
		}

		#[test]
		fn beginning_a_model_one_does_not_own_or_that_takes_no_zk_jobs() {
			let (mut ext, _) = sealed_ext(1);
			ext.execute_with(|| {
				assert_noop!(
					Settlement::begin_phase2(signed(2), model_id(1), bases(2), H256::zero()),
					Error::<Test>::NotOwner
				);
				for model in [model_id(2), model_id(7)] {
					assert_noop!(
						Settlement::begin_phase2(signed(1), model, bases(2), H256::zero()),
						Error::<Test>::NotZkModel
					);
				}
			});
		}

		#[test]
		fn malformed_input_bases() {
			let (mut ext, _) = sealed_ext(1);
			ext.execute_with(|| {
				let zero = ceremony::encode(&G1Affine::zero());
				let mut off_curve = ceremony::encode(&g1(3));
				off_curve[95] ^= 1;
				let mut ragged = bases(2).into_inner();
				ragged.pop();
				for bytes in [vec![], zero, off_curve, ragged] {
					assert_noop!(
						Settlement::begin_phase2(
							signed(1),
							model_id(1),
							bytes.try_into().unwrap(),
							H256::zero()
						),
						Error::<Test>::MalformedInputBases
					);
				}
			});
		}

		#[test]
		fn contributions_to_a_phase_not_begun_or_with_wrong_proofs() {
			let (mut ext, _) = sealed_ext(1);
			ext.execute_with(|| {
				let (_, bytes) = delta(start(), 4, 7);
				assert_noop!(contribute2(4, None, bytes, H256::zero()), Error::<Test>::NotBegun);
				begin();
				// Claimed by another account; over another key; with a zero δ; malformed.
				assert_noop!(
					contribute2(5, None, bytes, H256::zero()),
					Error::<Test>::BadContribution
				);
				let (_, other) = delta((g1(2), G2Affine::generator(), [9; 32]), 4, 7);
				assert_noop!(
					contribute2(4, None, other, H256::zero()),
					Error::<Test>::BadContribution
				);
				let (mut zero, _) = delta(start(), 4, 7);
				zero.delta_g1 = G1Affine::zero();
				let zero = ceremony::encode(&zero).try_into().unwrap();
				assert_noop!(
					contribute2(4, None, zero, H256::zero()),
					Error::<Test>::BadContribution
				);
				assert_noop!(
					contribute2(4, None, [7; ceremony::DELTA_CONTRIBUTION_LEN], H256::zero()),
					Error::<Test>::MalformedContribution
				);
				assert_noop!(
					contribute2(4, Some(0), bytes, H256::zero()),
					Error::<Test>::UnknownContribution
				);
				// Accepted once; replayed, refused.
				assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
				assert_noop!(
					contribute2(4, None, bytes, H256([4; 32])),
					Error::<Test>::AlreadyContributed
				);
			});
		}

		#[test]
		fn sealing_or_contributing_to_what_does_not_exist_or_a_retired_model() {
			let (mut ext, _) = sealed_ext(1);
			ext.execute_with(|| {
				assert_noop!(
					Settlement::seal_phase2(signed(1), model_id(1), 0),
					Error::<Test>::NotBegun
				);
				begin();
				assert_noop!(
					Settlement::seal_phase2(signed(1), model_id(1), 0),
					Error::<Test>::UnknownContribution
				);
				let (_, bytes) = delta(start(), 4, 7);
				assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
				assert_ok!(pallet_models::Pallet::<Test>::retire_model(signed(1), model_id(1)));
				assert_noop!(
					Settlement::seal_phase2(signed(1), model_id(1), 0),
					Error::<Test>::NotZkModel
				);
				// Nor does a retired model take contributions.
				let (_, bytes) = delta(start(), 5, 7);
				assert_noop!(contribute2(5, None, bytes, H256([5; 32])), Error::<Test>::NotZkModel);
			});
		}

		#[test]
		fn a_path_without_a_voucher() {
			// Accounts 7 and 8 (not verifiers) make the whole path: the owner's own, perhaps.
			let (mut ext, _) = sealed_ext(2);
			ext.execute_with(|| {
				begin();
				let (first, bytes) = delta(start(), 7, 3);
				assert_ok!(contribute2(7, None, bytes, H256([7; 32])));
				let (second, bytes) = delta((first.delta_g1, first.delta_g2, [7; 32]), 8, 5);
				assert_ok!(contribute2(8, Some(0), bytes, H256([8; 32])));
				assert_noop!(
					Settlement::seal_phase2(signed(1), model_id(1), 1),
					Error::<Test>::NoVoucher
				);
				// A verifier extends it: now it may be sealed.
				let (_, bytes) = delta((second.delta_g1, second.delta_g2, [8; 32]), 4, 11);
				assert_ok!(contribute2(4, Some(1), bytes, H256([4; 32])));
				assert_ok!(Settlement::seal_phase2(signed(1), model_id(1), 2));
			});
		}

		#[test]
		fn more_contributions_than_the_bound() {
			let (mut ext, _) = sealed_ext(1);
			ext.execute_with(|| {
				begin();
				for who in 1..=MAX_CONTRIBUTIONS as u64 + 1 {
					let (_, bytes) = delta(start(), who, 7);
					let result = contribute2(who, None, bytes, H256::zero());
					if who <= MAX_CONTRIBUTIONS as u64 {
						assert_ok!(result);
					} else {
						assert_eq!(result, Err(Error::<Test>::TooManyContributions.into()));
					}
				}
			});
		}
	}
}

/// What `who` holds for its contributions.
fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::CeremonyContribution.into(), &who)
}

mod deposits {
	use super::*;

	#[test]
	fn phase_1_holds_a_deposit_a_contribution_until_the_seal() {
		let (transcripts, contributions) = phase1(SIZE as usize, &[1, 2]);
		new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
			let before = (Balances::balance(&1), Balances::balance(&2));
			for (i, who) in [1u64, 2].iter().enumerate() {
				let free = Balances::balance(who);
				assert_ok!(Settlement::contribute_phase1(
					signed(*who),
					i.checked_sub(1).map(|p| p as u32),
					Box::new(contributions[i]),
					transcripts[i + 1].hash().into()
				));
				assert_eq!((held(*who), Balances::balance(who)), (DEPOSIT, free - DEPOSIT));
				assert_eq!(Deposits::<Test>::get(Phase::One, who), Some(DEPOSIT));
			}
			try_state();
			// Sealing on Alice's contribution releases Bob's deposit too: his was a
			// contribution, and only governance chose between them.
			assert_ok!(Settlement::seal_phase1(RuntimeOrigin::root(), 0));
			assert_eq!((held(1), held(2)), (0, 0));
			assert_eq!((Balances::balance(&1), Balances::balance(&2)), before);
			assert_eq!(Deposits::<Test>::iter().count(), 0);
			try_state();
		});
	}

	#[test]
	fn governance_resets_an_unsealed_phase_1_and_its_deposits_come_back() {
		let (transcripts, contributions) = phase1(SIZE as usize, &[1, 2]);
		new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
			let before = (Balances::balance(&1), Balances::balance(&2));
			let contribute = |i: usize, who: u64| {
				Settlement::contribute_phase1(
					signed(who),
					i.checked_sub(1).map(|p| p as u32),
					Box::new(contributions[i]),
					transcripts[i + 1].hash().into(),
				)
			};
			assert_ok!(contribute(0, 1));
			assert_ok!(contribute(1, 2));
			assert_noop!(Settlement::reset_phase1(signed(1)), DispatchError::BadOrigin);

			assert_ok!(Settlement::reset_phase1(RuntimeOrigin::root()));
			assert_eq!(last_event(), Some(Event::Phase1Reset { contributions: 2 }.into()));
			let info = Phase1::<Test>::get().unwrap();
			assert_eq!((info.contributions, info.sealed), (0, None));
			assert_eq!(info.origin, origin(SIZE as usize).1);
			assert_eq!(Phase1Steps::<Test>::iter().count(), 0);
			assert_eq!(Phase1Contributors::<Test>::iter().count(), 0);
			assert_eq!(Deposits::<Test>::iter().count(), 0);
			assert_eq!((held(1), held(2)), (0, 0));
			assert_eq!((Balances::balance(&1), Balances::balance(&2)), before);
			try_state();

			// Nothing of the old contributions is left to extend: Bob's named Alice's.
			assert_noop!(contribute(1, 2), Error::<Test>::UnknownContribution);
			// Alice may contribute again, over the starting transcript, at number 0.
			assert_ok!(contribute(0, 1));
			assert_eq!(Phase1Contributors::<Test>::get(1), Some(0));
			assert_eq!(held(1), DEPOSIT);
			try_state();

			assert_ok!(Settlement::seal_phase1(RuntimeOrigin::root(), 0));
			assert_noop!(Settlement::reset_phase1(RuntimeOrigin::root()), Error::<Test>::Sealed);
		});
	}

	#[test]
	fn phase_2_deposits_are_released_when_it_is_sealed_or_begun_again() {
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			begin();
			let (first, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			assert_eq!(held(4), DEPOSIT);
			begin();
			assert_eq!((held(4), Deposits::<Test>::iter().count()), (0, 0));
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			let (_, bytes) = delta((first.delta_g1, first.delta_g2, [4; 32]), 5, 11);
			assert_ok!(contribute2(5, Some(0), bytes, H256([5; 32])));
			assert_eq!((held(4), held(5)), (DEPOSIT, DEPOSIT));
			try_state();
			assert_ok!(Settlement::seal_phase2(signed(1), model_id(1), 1));
			assert_eq!((held(4), held(5), Deposits::<Test>::iter().count()), (0, 0, 0));
			try_state();
		});
	}

	#[test]
	fn the_owner_ends_a_phase_2_and_anyone_ends_a_retired_models() {
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			assert_noop!(Settlement::end_phase2(signed(1), model_id(1)), Error::<Test>::NotBegun);
			begin();
			let (_, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			assert_noop!(Settlement::end_phase2(signed(4), model_id(1)), Error::<Test>::NotOwner);
			assert_ok!(Settlement::end_phase2(signed(1), model_id(1)));
			assert_eq!(last_event(), Some(Event::Phase2Ended { model: model_id(1) }.into()));
			assert!(Phase2::<Test>::get(model_id(1)).is_none());
			assert_eq!(Phase2Steps::<Test>::iter_prefix(model_id(1)).count(), 0);
			assert_eq!(Phase2Contributors::<Test>::iter_prefix(model_id(1)).count(), 0);
			assert_eq!(held(4), 0);
			try_state();

			// Retired mid-phase: nobody can seal it, so anyone may end it.
			begin();
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			assert_ok!(pallet_models::Pallet::<Test>::retire_model(signed(1), model_id(1)));
			assert_ok!(Settlement::end_phase2(signed(4), model_id(1)));
			assert_eq!(held(4), 0);
			try_state();
		});
	}

	#[test]
	fn ending_one_phase_releases_only_its_own_deposits() {
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			begin();
			assert_ok!(Settlement::begin_phase2(signed(1), model_id(3), bases(2), H256([9; 32])));
			let (_, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			assert_ok!(Settlement::contribute_phase2(
				signed(4),
				model_id(3),
				None,
				Box::new(bytes),
				H256([4; 32])
			));
			assert_eq!(held(4), 2 * DEPOSIT);
			try_state();
			assert_ok!(Settlement::end_phase2(signed(1), model_id(1)));
			assert_eq!(held(4), DEPOSIT);
			assert_eq!(Deposits::<Test>::get(Phase::Two(model_id(3)), 4), Some(DEPOSIT));
			try_state();
		});
	}

	#[test]
	fn an_expired_phase_2_takes_nothing_more_and_anyone_ends_it() {
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			begin();
			let (_, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			// The owner keeps it going, and contributors' deposits held, no longer than this.
			System::set_block_number(1 + PHASE2_LIFETIME - 1);
			assert_noop!(Settlement::end_phase2(signed(4), model_id(1)), Error::<Test>::NotOwner);
			System::set_block_number(1 + PHASE2_LIFETIME);
			let (_, late) = delta(start(), 5, 7);
			assert_noop!(contribute2(5, None, late, H256([5; 32])), Error::<Test>::Expired);
			assert_noop!(
				Settlement::seal_phase2(signed(1), model_id(1), 0),
				Error::<Test>::Expired
			);
			assert_ok!(Settlement::end_phase2(signed(4), model_id(1)));
			assert_eq!(held(4), 0);
			// The owner begins again: a new lifetime.
			begin();
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			try_state();
		});
	}

	#[test]
	fn a_phase_2_begun_by_an_earlier_owner_of_the_id_only_ends() {
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			begin();
			let (_, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			// The id changes hands (as when the model is reaped and account 2 registers it
			// again).
			pallet_models::Models::<Test>::mutate(model_id(1), |entry| {
				entry.as_mut().unwrap().owner = 2;
			});
			let (_, more) = delta(start(), 5, 7);
			assert_noop!(contribute2(5, None, more, H256([5; 32])), Error::<Test>::NotZkModel);
			assert_noop!(
				Settlement::seal_phase2(signed(2), model_id(1), 0),
				Error::<Test>::NotOwner
			);
			assert_ok!(Settlement::end_phase2(signed(4), model_id(1)));
			assert_eq!(held(4), 0);
		});
	}

	#[test]
	fn a_contributor_who_cannot_hold_the_deposit_is_refused_and_nothing_changes() {
		// Account 9 holds nothing.
		let (transcripts, contributions) = phase1(SIZE as usize, &[9]);
		new_test_ext_with(Some(origin(SIZE as usize)), 0).execute_with(|| {
			assert_noop!(
				Settlement::contribute_phase1(
					signed(9),
					None,
					Box::new(contributions[0]),
					transcripts[1].hash().into()
				),
				Error::<Test>::InsufficientBalance
			);
		});
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			begin();
			let (_, bytes) = delta(start(), 9, 7);
			assert_noop!(
				contribute2(9, None, bytes, H256([9; 32])),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn try_state_finds_a_deposit_without_its_contribution_or_its_hold() {
		let (mut ext, _) = sealed_ext(1);
		ext.execute_with(|| {
			begin();
			try_state();
			Deposits::<Test>::insert(Phase::Two(model_id(1)), 4, DEPOSIT);
			assert!(crate::Pallet::<Test>::do_try_state().is_err());
			let (_, bytes) = delta(start(), 4, 7);
			assert_ok!(contribute2(4, None, bytes, H256([4; 32])));
			// Recorded twice over, held once.
			Deposits::<Test>::insert(Phase::Two(model_id(1)), 4, 2 * DEPOSIT);
			assert!(crate::Pallet::<Test>::do_try_state().is_err());
			Deposits::<Test>::insert(Phase::Two(model_id(1)), 4, DEPOSIT);
			try_state();
		});
	}
}

/// A model's key from a real three-party phase 1 and three-party phase 2 through the calls:
/// the chain installs it, a proof made with the final proving key verifies against it, and the
/// derived key (δ = 1, before any phase-2 contribution) is not what the chain installed.
#[test]
fn a_key_from_a_three_party_ceremony_proves_and_verifies_on_chain() {
	let model = import(&mlp(&[4, 4, 2], 3), ImportOptions::default()).unwrap();
	let n = phase2::setup_size(&model).unwrap();
	let (transcripts, contributions) = phase1(n, &[1, 2, 3]);
	let sealed = transcripts.last().unwrap();
	let derived = phase2::derive_key(sealed, &model).unwrap();
	let inputs: Vec<u8> = derived.vk.gamma_abc_g1.iter().flat_map(ceremony::encode).collect();

	new_test_ext_with(Some(origin(n)), 3).execute_with(|| {
		for (i, who) in [1u64, 2, 3].iter().enumerate() {
			assert_ok!(Settlement::contribute_phase1(
				signed(*who),
				i.checked_sub(1).map(|p| p as u32),
				Box::new(contributions[i]),
				transcripts[i + 1].hash().into()
			));
		}
		assert_ok!(Settlement::seal_phase1(RuntimeOrigin::root(), 2));
		let origin_hash = phase2::key_hash(&derived);
		assert_ok!(Settlement::begin_phase2(
			signed(1),
			model_id(1),
			inputs.try_into().unwrap(),
			origin_hash.into()
		));
		let mut rng = StdRng::seed_from_u64(6);
		let mut key = derived.clone();
		for (i, who) in [4u64, 5, 6].iter().enumerate() {
			let ctx = context(phase2::key_hash(&key), *who);
			let (next, contribution) = phase2::contribute_delta(&key, &ctx, &mut rng).unwrap();
			assert_ok!(Settlement::contribute_phase2(
				signed(*who),
				model_id(1),
				i.checked_sub(1).map(|p| p as u32),
				Box::new(ceremony::encode(&contribution).try_into().unwrap()),
				phase2::key_hash(&next).into()
			));
			key = next;
		}
		assert_eq!(phase2::verify_key(&derived, &key, &mut rng), Ok(()));
		assert_ok!(Settlement::seal_phase2(signed(1), model_id(1), 2));
		let installed = pallet_models::Pallet::<Test>::verifying_key(&model_id(1)).unwrap();
		assert_eq!(installed, verifier::encode_key::<ark_bls12_381::Bls12_381>(&key.vk));
		assert_ne!(installed, verifier::encode_key::<ark_bls12_381::Bls12_381>(&derived.vk));

		let job = JobId(4);
		let input: Vec<i8> = vec![3, -7, 12, 1];
		let binding = public::binding(&zk_binding(job, &9u64));
		let (output, proof) = prover::prove(&key, &model, &input, binding, &mut rng).unwrap();
		let as_bytes = |v: &[i8]| v.iter().map(|x| *x as u8).collect::<Vec<u8>>();
		assert_eq!(
			<Settlement as VerifyProof<u64>>::verify(
				job,
				&9,
				&installed,
				&as_bytes(&input),
				&as_bytes(&output),
				&verifier::encode_proof(&proof)
			),
			Ok(())
		);
		try_state();
	});
}
