//! Every call, error and event of the operators pallet; invariants checked after each test.

// Test arithmetic on small known values.
#![allow(clippy::arithmetic_side_effects)]

use codec::Decode;
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use sp_runtime::{DispatchError, Perbill};
use verity_primitives::{
	CapabilitiesView, ModelId, Role, RoleInspect, RoleSet, Slash, SlashReason,
};

use crate::{
	mock::*, Capabilities, Error, Event, HoldReason, MinBond, ModelOperators,
	OperatorMetadataInput, Operators as OperatorsStorage, ProposedWorkers, RoleCounts, RoleMembers,
	WorkerOf, Workers,
};

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn metadata(name: &[u8], endpoint: &[u8]) -> OperatorMetadataInput {
	OperatorMetadataInput {
		name: name.to_vec().try_into().unwrap(),
		endpoint: endpoint.to_vec().try_into().unwrap(),
	}
}

/// The least bond `roles` need in the mock: the largest of their minimums.
fn minimum(roles: &[Role]) -> u64 {
	Operators::required_bond(RoleSet::of(roles))
}

/// Registers `who` for `roles`, bonding `bond`.
fn register_with(who: u64, roles: &[Role], bond: u64) {
	assert_ok!(Operators::register(signed(who), RoleSet::of(roles), metadata(b"op", b""), bond));
}

/// Registers `who` for `roles` with the least bond they need.
fn register(who: u64, roles: &[Role]) {
	register_with(who, roles, minimum(roles));
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::OperatorBond.into(), &who)
}

fn free(who: u64) -> u64 {
	Balances::balance(&who)
}

fn model(n: u8) -> ModelId {
	ModelId([n; 32])
}

fn caps(models: &[ModelId], max_concurrent_jobs: u32) -> Capabilities<Test> {
	Capabilities {
		models: BoundedVec::try_from(models.to_vec()).unwrap(),
		max_concurrent_jobs,
		accelerator: false,
	}
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

mod register {
	use super::*;

	#[test]
	fn records_the_operator_holds_its_bond_and_indexes_its_roles() {
		ExtBuilder::default().build_and_execute(|| {
			let roles = RoleSet::of(&[Role::Inference, Role::Oracle]);
			assert_ok!(Operators::register(
				signed(1),
				roles,
				metadata(b"alpha", b"https://a"),
				MIN_INFERENCE
			));
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert_eq!(operator.roles, roles);
			assert_eq!(operator.metadata.name.to_vec(), b"alpha".to_vec());
			assert_eq!(operator.bonded, MIN_INFERENCE);
			assert_eq!(held(1), MIN_INFERENCE);
			assert_eq!(free(1), ENDOWMENT - MIN_INFERENCE);
			assert!(!operator.chilled);
			assert!(RoleMembers::<Test>::contains_key(Role::Inference, 1));
			assert!(RoleMembers::<Test>::contains_key(Role::Oracle, 1));
			assert!(!RoleMembers::<Test>::contains_key(Role::Validator, 1));
			assert_eq!(RoleCounts::<Test>::get(Role::Inference), 1);
			let events: Vec<RuntimeEvent> = System::events()
				.into_iter()
				.map(|record| record.event)
				.filter(|event| matches!(event, RuntimeEvent::Operators(_)))
				.collect();
			assert_eq!(
				events,
				vec![
					Event::Registered { who: 1, roles }.into(),
					Event::Bonded { who: 1, amount: MIN_INFERENCE }.into()
				]
			);
			// Registered is bonded: active at once.
			assert!(Operators::is_active(&1, Role::Inference));
			assert!(Operators::is_active(&1, Role::Oracle));
		});
	}

	#[test]
	fn refuses_no_bond_too_little_and_more_than_the_free_balance() {
		ExtBuilder::default().build_and_execute(|| {
			let roles = RoleSet::of(&[Role::Validator, Role::Inference]);
			assert_noop!(
				Operators::register(signed(1), roles, metadata(b"", b""), 0),
				Error::<Test>::ZeroAmount
			);
			// The largest minimum of the roles applies.
			assert_noop!(
				Operators::register(signed(1), roles, metadata(b"", b""), MIN_VALIDATOR - 1),
				Error::<Test>::BondBelowMinimum
			);
			// The existential deposit stays free.
			assert_noop!(
				Operators::register(signed(1), roles, metadata(b"", b""), ENDOWMENT),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn a_zero_minimum_still_takes_a_bond() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(Operators::set_min_bond(RuntimeOrigin::root(), Role::Oracle, 0));
			assert_noop!(
				Operators::register(signed(1), RoleSet::of(&[Role::Oracle]), metadata(b"", b""), 0),
				Error::<Test>::ZeroAmount
			);
			register_with(1, &[Role::Oracle], 1);
			assert_eq!(held(1), 1);
		});
	}

	#[test]
	fn refuses_a_second_registration() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			assert_noop!(
				Operators::register(
					signed(1),
					RoleSet::of(&[Role::Oracle]),
					metadata(b"", b""),
					MIN_INFERENCE
				),
				Error::<Test>::AlreadyRegistered
			);
		});
	}

	#[test]
	fn refuses_no_roles_and_unknown_roles() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Operators::register(signed(1), RoleSet::default(), metadata(b"", b""), 100),
				Error::<Test>::NoRoles
			);
			let unknown = RoleSet::decode(&mut &[0b1_0010u8][..]).unwrap();
			assert_noop!(
				Operators::register(signed(1), unknown, metadata(b"", b""), 100),
				Error::<Test>::InvalidRoles
			);
		});
	}

	#[test]
	fn refuses_over_long_metadata() {
		ExtBuilder::default().build_and_execute(|| {
			let roles = RoleSet::of(&[Role::Inference]);
			assert_noop!(
				Operators::register(signed(1), roles, metadata(&[b'n'; 17], b""), MIN_INFERENCE),
				Error::<Test>::NameTooLong
			);
			assert_noop!(
				Operators::register(signed(1), roles, metadata(b"ok", &[b'e'; 33]), MIN_INFERENCE),
				Error::<Test>::EndpointTooLong
			);
			// At the limits it fits.
			assert_ok!(Operators::register(
				signed(1),
				roles,
				metadata(&[b'n'; 16], &[b'e'; 32]),
				MIN_INFERENCE
			));
		});
	}

	/// Fills the mock's Oracle role (six operators, 1..=6) with bonds of 10, 20, …, 60.
	fn fill_oracles() {
		for who in 1..=6 {
			register_with(who, &[Role::Oracle], 10 * who);
		}
	}

	#[test]
	fn refuses_a_full_role_without_a_larger_bond() {
		ExtBuilder::default().build_and_execute(|| {
			fill_oracles();
			// The smallest bond in the role is 10: equal is not larger.
			assert_noop!(
				Operators::register(
					signed(7),
					RoleSet::of(&[Role::Oracle]),
					metadata(b"", b""),
					10
				),
				Error::<Test>::TooManyOperators
			);
			// Another role still has room.
			register(7, &[Role::Inference]);
		});
	}

	#[test]
	fn a_newcomer_with_a_larger_bond_pushes_out_the_smallest() {
		ExtBuilder::default().build_and_execute(|| {
			fill_oracles();
			register_with(7, &[Role::Oracle], 11);
			assert_eq!(RoleCounts::<Test>::get(Role::Oracle), 6);
			assert!(RoleMembers::<Test>::contains_key(Role::Oracle, 7));
			assert!(!RoleMembers::<Test>::contains_key(Role::Oracle, 1));
			System::assert_has_event(Event::PushedOut { who: 1, role: Role::Oracle }.into());
			// The pushed-out operator had no other role: its bond is unbonding, still held
			// (slashable) until it unlocks, then withdrawable.
			let pushed = OperatorsStorage::<Test>::get(1).unwrap();
			assert!(pushed.roles.is_empty());
			assert_eq!(pushed.bonded, 0);
			assert_eq!(pushed.unlocking[0].value, 10);
			assert_eq!(pushed.unlocking[0].unlock_at, 1 + UNBONDING);
			assert_eq!(held(1), 10);
			assert!(!Operators::is_active(&1, Role::Oracle));
			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::withdraw_unbonded(signed(1)));
			assert_ok!(Operators::deregister(signed(1)));
			assert_eq!(free(1), ENDOWMENT);
		});
	}

	#[test]
	fn an_unbonded_operator_is_pushed_out_first() {
		ExtBuilder::default().build_and_execute(|| {
			fill_oracles();
			// 4 unbonds everything: it keeps its slot with nothing bonded.
			assert_ok!(Operators::unbond(signed(4), 40));
			register_with(7, &[Role::Oracle], 10);
			assert!(!RoleMembers::<Test>::contains_key(Role::Oracle, 4));
			assert!(RoleMembers::<Test>::contains_key(Role::Oracle, 1));
			System::assert_has_event(Event::PushedOut { who: 4, role: Role::Oracle }.into());
		});
	}

	#[test]
	fn an_operator_of_several_roles_loses_only_the_full_one() {
		ExtBuilder::default().build_and_execute(|| {
			// 8 is the smallest oracle but also an inference operator, serving a model.
			for who in 1..=5 {
				register_with(who, &[Role::Oracle], 100);
			}
			register_with(8, &[Role::Inference, Role::Oracle], MIN_INFERENCE);
			assert_ok!(Operators::set_capabilities(signed(8), caps(&[model(1)], 1)));
			register_with(7, &[Role::Oracle], MIN_INFERENCE + 1);
			let operator = OperatorsStorage::<Test>::get(8).unwrap();
			assert_eq!(operator.roles, RoleSet::of(&[Role::Inference]));
			// Its bond backs its remaining role.
			assert_eq!(operator.bonded, MIN_INFERENCE);
			assert!(operator.unlocking.is_empty());
			assert!(Operators::is_active(&8, Role::Inference));
			assert!(ModelOperators::<Test>::contains_key(model(1), 8));
		});
	}

	#[test]
	fn a_pushed_out_operator_cannot_bond_without_a_role() {
		ExtBuilder::default().build_and_execute(|| {
			fill_oracles();
			register_with(7, &[Role::Oracle], 11);
			assert_noop!(Operators::bond(signed(1), 50), Error::<Test>::NotOperator);
		});
	}

	#[test]
	fn a_newcomer_to_two_full_roles_pushes_out_their_smallest() {
		ExtBuilder::default().build_and_execute(|| {
			// 1 is the smallest of both full roles: it loses both, and is left without a role.
			register_with(1, &[Role::Oracle, Role::Verifier], 30);
			for who in 2..=6 {
				register_with(who, &[Role::Oracle, Role::Verifier], 100);
			}
			register_with(7, &[Role::Oracle, Role::Verifier], 31);
			System::assert_has_event(Event::PushedOut { who: 1, role: Role::Oracle }.into());
			System::assert_has_event(Event::PushedOut { who: 1, role: Role::Verifier }.into());
			let pushed = OperatorsStorage::<Test>::get(1).unwrap();
			assert!(pushed.roles.is_empty());
			assert_eq!(pushed.unlocking[0].value, 30);
			assert_eq!(RoleCounts::<Test>::get(Role::Oracle), 6);
			assert_eq!(RoleCounts::<Test>::get(Role::Verifier), 6);
		});
	}

	#[test]
	fn a_pushed_out_operator_may_register_again() {
		ExtBuilder::default().build_and_execute(|| {
			fill_oracles();
			register_with(7, &[Role::Oracle], 11);
			// 1 comes back to another role at once; its unbonding chunk stays as it is.
			register(1, &[Role::Inference]);
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert_eq!(operator.roles, RoleSet::of(&[Role::Inference]));
			assert_eq!(operator.bonded, MIN_INFERENCE);
			assert_eq!(operator.unlocking[0].value, 10);
			assert_eq!(held(1), MIN_INFERENCE + 10);
		});
	}
}

mod bond {
	use super::*;

	#[test]
	fn holds_the_amount_and_activates_the_role() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			assert_ok!(Operators::bond(signed(1), 5));
			assert_eq!(held(1), MIN_INFERENCE + 5);
			assert_eq!(free(1), ENDOWMENT - MIN_INFERENCE - 5);
			assert_eq!(OperatorsStorage::<Test>::get(1).unwrap().bonded, MIN_INFERENCE + 5);
			assert_eq!(last_event(), Event::Bonded { who: 1, amount: 5 }.into());
			assert_eq!(Operators::bond_of(&1), MIN_INFERENCE + 5);
		});
	}

	#[test]
	fn refuses_strangers_zero_and_too_little() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Operators::bond(signed(1), 100), Error::<Test>::NotOperator);
			register(1, &[Role::Validator, Role::Inference]);
			assert_noop!(Operators::bond(signed(1), 0), Error::<Test>::ZeroAmount);
			// After unbonding everything, the largest minimum of the roles held applies again.
			assert_ok!(Operators::unbond(signed(1), MIN_VALIDATOR));
			assert_noop!(
				Operators::bond(signed(1), MIN_VALIDATOR - 1),
				Error::<Test>::BondBelowMinimum
			);
		});
	}

	#[test]
	fn refuses_more_than_the_free_balance() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			let free = ENDOWMENT - MIN_INFERENCE;
			assert_noop!(Operators::bond(signed(1), free + 1), Error::<Test>::InsufficientBalance);
			// The existential deposit stays free.
			assert_noop!(Operators::bond(signed(1), free), Error::<Test>::InsufficientBalance);
		});
	}
}

mod unbond_and_withdraw {
	use super::*;

	fn bonded_operator(who: u64, amount: u64) {
		register_with(who, &[Role::Inference], amount);
	}

	#[test]
	fn unbond_starts_a_chunk_that_stays_held() {
		ExtBuilder::default().build_and_execute(|| {
			bonded_operator(1, 200);
			assert_ok!(Operators::unbond(signed(1), 100));
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert_eq!(operator.bonded, 100);
			assert_eq!(operator.unlocking.len(), 1);
			assert_eq!(operator.unlocking[0].value, 100);
			assert_eq!(operator.unlocking[0].unlock_at, 1 + UNBONDING);
			assert_eq!(held(1), 200);
			assert_eq!(
				last_event(),
				Event::Unbonded { who: 1, amount: 100, unlock_at: 1 + UNBONDING }.into()
			);
		});
	}

	#[test]
	fn unbonds_in_one_block_merge() {
		ExtBuilder::default().build_and_execute(|| {
			bonded_operator(1, 200);
			assert_ok!(Operators::unbond(signed(1), 10));
			assert_ok!(Operators::unbond(signed(1), 20));
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert_eq!(operator.unlocking.len(), 1);
			assert_eq!(operator.unlocking[0].value, 30);
		});
	}

	#[test]
	fn refuses_bad_unbonds() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Operators::unbond(signed(1), 1), Error::<Test>::NotOperator);
			bonded_operator(1, 200);
			assert_noop!(Operators::unbond(signed(1), 0), Error::<Test>::ZeroAmount);
			assert_noop!(Operators::unbond(signed(1), 201), Error::<Test>::InsufficientBond);
			// Leaving 49 < 50 is refused; leaving nothing is fine.
			assert_noop!(Operators::unbond(signed(1), 151), Error::<Test>::BondBelowMinimum);
			assert_ok!(Operators::unbond(signed(1), 200));
			assert!(!Operators::is_active(&1, Role::Inference));
		});
	}

	#[test]
	fn refuses_more_chunks_than_the_limit() {
		ExtBuilder::default().build_and_execute(|| {
			bonded_operator(1, 500);
			for block in 1..=3 {
				System::set_block_number(block);
				assert_ok!(Operators::unbond(signed(1), 10));
			}
			System::set_block_number(4);
			assert_noop!(Operators::unbond(signed(1), 10), Error::<Test>::TooManyUnlockingChunks);
		});
	}

	#[test]
	fn withdraw_waits_for_the_unbonding_period() {
		ExtBuilder::default().build_and_execute(|| {
			bonded_operator(1, 200);
			assert_noop!(Operators::withdraw_unbonded(signed(1)), Error::<Test>::NothingToWithdraw);
			assert_ok!(Operators::unbond(signed(1), 100));
			System::set_block_number(UNBONDING);
			assert_noop!(Operators::withdraw_unbonded(signed(1)), Error::<Test>::NothingToWithdraw);

			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::withdraw_unbonded(signed(1)));
			assert_eq!(held(1), 100);
			assert_eq!(free(1), ENDOWMENT - 100);
			assert!(OperatorsStorage::<Test>::get(1).unwrap().unlocking.is_empty());
			assert_eq!(last_event(), Event::Withdrawn { who: 1, amount: 100 }.into());
		});
	}

	#[test]
	fn withdraw_takes_only_due_chunks() {
		ExtBuilder::default().build_and_execute(|| {
			bonded_operator(1, 300);
			assert_ok!(Operators::unbond(signed(1), 10));
			System::set_block_number(5);
			assert_ok!(Operators::unbond(signed(1), 20));
			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::withdraw_unbonded(signed(1)));
			assert_eq!(held(1), 290);
			assert_eq!(OperatorsStorage::<Test>::get(1).unwrap().unlocking.len(), 1);
		});
	}

	#[test]
	fn withdraw_refuses_strangers() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Operators::withdraw_unbonded(signed(1)), Error::<Test>::NotOperator);
		});
	}
}

mod capabilities {
	use super::*;

	#[test]
	fn set_capabilities_updates_the_model_index() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			assert_ok!(Operators::set_capabilities(signed(1), caps(&[model(1), model(2)], 4)));
			assert!(ModelOperators::<Test>::contains_key(model(1), 1));
			assert_eq!(last_event(), Event::CapabilitiesSet { who: 1 }.into());

			assert_ok!(Operators::set_capabilities(signed(1), caps(&[model(2), model(3)], 2)));
			assert!(!ModelOperators::<Test>::contains_key(model(1), 1));
			assert!(ModelOperators::<Test>::contains_key(model(3), 1));
			let view = Operators::capabilities(&1).unwrap();
			assert_eq!(view.models, vec![model(2), model(3)]);
			assert_eq!(view.max_concurrent_jobs, 2);
		});
	}

	#[test]
	fn refuses_strangers_and_zero_concurrency() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Operators::set_capabilities(signed(1), caps(&[model(1)], 1)),
				Error::<Test>::NotOperator
			);
			register(1, &[Role::Inference]);
			assert_noop!(
				Operators::set_capabilities(signed(1), caps(&[model(1)], 0)),
				Error::<Test>::ZeroConcurrency
			);
		});
	}

	#[test]
	fn refuses_a_model_listed_twice() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			assert_noop!(
				Operators::set_capabilities(signed(1), caps(&[model(1), model(2), model(1)], 1)),
				Error::<Test>::DuplicateModel
			);
		});
	}

	#[test]
	fn only_inference_operators_are_indexed_by_model() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Oracle]);
			assert_ok!(Operators::set_capabilities(signed(1), caps(&[model(1)], 1)));
			assert!(!ModelOperators::<Test>::contains_key(model(1), 1));
			assert_eq!(
				Operators::operator_view(&1).map(|view| view.capabilities.models),
				Some(vec![model(1)])
			);
		});
	}

	#[test]
	fn eligible_operators_are_active_inference_operators_of_the_model() {
		ExtBuilder::default().build_and_execute(|| {
			// 1: eligible. 2: unbonded. 3: chilled. 4: serves another model. 5: oracle only.
			for who in 1..=4 {
				register(who, &[Role::Inference]);
			}
			register_with(5, &[Role::Oracle], MIN_INFERENCE);
			assert_ok!(Operators::unbond(signed(2), MIN_INFERENCE));
			for who in [1, 2, 3, 5] {
				assert_ok!(Operators::set_capabilities(signed(who), caps(&[model(1)], 3)));
			}
			assert_ok!(Operators::set_capabilities(signed(4), caps(&[model(2)], 3)));
			assert_ok!(Operators::chill(signed(3)));

			assert_eq!(Operators::eligible_for_model(&model(1)), vec![(1, MIN_INFERENCE, 3)]);
			// The search looked through every operator listed for the model, eligible or not:
			// what it cost.
			let (eligible, listed) = Operators::eligible_for_model_counted(&model(1));
			assert_eq!(eligible, vec![(1, MIN_INFERENCE, 3)]);
			assert_eq!(listed, ModelOperators::<Test>::iter_key_prefix(model(1)).count() as u32);
			assert!(listed > 1, "{listed} listed");

			// A raised minimum makes 1 ineligible until it bonds more.
			assert_ok!(Operators::set_min_bond(RuntimeOrigin::root(), Role::Inference, 60));
			assert!(Operators::eligible_for_model(&model(1)).is_empty());
			assert_ok!(Operators::bond(signed(1), 10));
			assert_eq!(Operators::eligible_for_model(&model(1)), vec![(1, 60, 3)]);
		});
	}

	#[test]
	fn verifiers_of_a_model_are_indexed_apart_from_its_inference_operators() {
		ExtBuilder::default().build_and_execute(|| {
			// 1: verifier. 2: both roles. 3: inference only. 4: chilled verifier.
			register(1, &[Role::Verifier]);
			register(2, &[Role::Inference, Role::Verifier]);
			register(3, &[Role::Inference]);
			register(4, &[Role::Verifier]);
			for who in 1..=4 {
				assert_ok!(Operators::set_capabilities(signed(who), caps(&[model(1)], 3)));
			}
			assert_ok!(Operators::chill(signed(4)));
			let accounts = |role| {
				let (eligible, listed) = Operators::serving_model(&model(1), role);
				(eligible.into_iter().map(|(who, ..)| who).collect::<Vec<_>>(), listed)
			};
			let (mut verifiers, listed) = accounts(Role::Verifier);
			verifiers.sort();
			assert_eq!((verifiers, listed), (vec![1, 2], 3));
			let (mut inference, listed) = accounts(Role::Inference);
			inference.sort();
			assert_eq!((inference, listed), (vec![2, 3], 2));
			assert_eq!(accounts(Role::Oracle), (vec![], 0));
			// Declaring other models moves the entries; leaving the role or the chain removes them.
			assert_ok!(Operators::set_capabilities(signed(1), caps(&[model(2)], 3)));
			assert!(!crate::ModelVerifiers::<Test>::contains_key(model(1), 1));
			assert!(crate::ModelVerifiers::<Test>::contains_key(model(2), 1));
			assert_ok!(Operators::force_deregister(RuntimeOrigin::root(), 2));
			assert!(!crate::ModelVerifiers::<Test>::contains_key(model(1), 2));
			assert!(!ModelOperators::<Test>::contains_key(model(1), 2));
		});
	}
}

mod chill {
	use super::*;

	#[test]
	fn chill_and_unchill_toggle_activity() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			assert_ok!(Operators::chill(signed(1)));
			assert_eq!(last_event(), Event::Chilled { who: 1 }.into());
			assert!(!Operators::is_active(&1, Role::Inference));
			assert_ok!(Operators::unchill(signed(1)));
			assert_eq!(last_event(), Event::Unchilled { who: 1 }.into());
			assert!(Operators::is_active(&1, Role::Inference));
		});
	}

	#[test]
	fn refuses_strangers_and_repeats() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Operators::chill(signed(1)), Error::<Test>::NotOperator);
			assert_noop!(Operators::unchill(signed(1)), Error::<Test>::NotOperator);
			register(1, &[Role::Inference]);
			assert_noop!(Operators::unchill(signed(1)), Error::<Test>::NotChilled);
			assert_ok!(Operators::chill(signed(1)));
			assert_noop!(Operators::chill(signed(1)), Error::<Test>::AlreadyChilled);
		});
	}
}

mod deregister {
	use super::*;

	#[test]
	fn removes_the_operator_and_its_indexes() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference, Role::Verifier]);
			assert_ok!(Operators::set_capabilities(signed(1), caps(&[model(1)], 1)));
			assert_ok!(Operators::unbond(signed(1), MIN_INFERENCE));
			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::withdraw_unbonded(signed(1)));
			assert_ok!(Operators::deregister(signed(1)));
			assert!(OperatorsStorage::<Test>::get(1).is_none());
			assert!(!RoleMembers::<Test>::contains_key(Role::Inference, 1));
			assert_eq!(RoleCounts::<Test>::get(Role::Verifier), 0);
			assert!(!ModelOperators::<Test>::contains_key(model(1), 1));
			assert_eq!(last_event(), Event::Deregistered { who: 1 }.into());
		});
	}

	#[test]
	fn refuses_while_bonded_or_unbonding() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Operators::deregister(signed(1)), Error::<Test>::NotOperator);
			register(1, &[Role::Inference]);
			assert_noop!(Operators::deregister(signed(1)), Error::<Test>::StillBonded);
			assert_ok!(Operators::unbond(signed(1), MIN_INFERENCE));
			assert_noop!(Operators::deregister(signed(1)), Error::<Test>::StillBonded);
			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::withdraw_unbonded(signed(1)));
			assert_ok!(Operators::deregister(signed(1)));
			assert_eq!(free(1), ENDOWMENT);
		});
	}
}

mod force_deregister {
	use super::*;

	#[test]
	fn takes_every_role_and_starts_unbonding_the_bond() {
		ExtBuilder::default().build_and_execute(|| {
			register_with(1, &[Role::Validator, Role::Inference], 200);
			assert_ok!(Operators::set_capabilities(signed(1), caps(&[model(1)], 1)));
			assert_ok!(Operators::force_deregister(RuntimeOrigin::root(), 1));
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert!(operator.roles.is_empty());
			assert_eq!(operator.bonded, 0);
			assert_eq!(operator.unlocking[0].value, 200);
			// Still held, so still slashable for what it did before.
			assert_eq!(held(1), 200);
			assert_eq!(Operators::slash(&1, 20, SlashReason::Governance), 20);
			assert!(!RoleMembers::<Test>::contains_key(Role::Validator, 1));
			assert_eq!(RoleCounts::<Test>::get(Role::Inference), 0);
			assert!(!ModelOperators::<Test>::contains_key(model(1), 1));
			assert!(Operators::eligible_for_model(&model(1)).is_empty());
			System::assert_has_event(Event::ForceDeregistered { who: 1 }.into());
			System::assert_has_event(
				Event::Unbonded { who: 1, amount: 200, unlock_at: 1 + UNBONDING }.into(),
			);
			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::withdraw_unbonded(signed(1)));
			assert_ok!(Operators::deregister(signed(1)));
			assert_eq!(free(1), ENDOWMENT - 20);
		});
	}

	#[test]
	fn a_full_set_of_chunks_takes_the_bond_into_the_latest() {
		ExtBuilder::default().build_and_execute(|| {
			register_with(1, &[Role::Inference], 500);
			for block in 1..=3 {
				System::set_block_number(block);
				assert_ok!(Operators::unbond(signed(1), 10));
			}
			System::set_block_number(4);
			assert_ok!(Operators::force_deregister(RuntimeOrigin::root(), 1));
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert_eq!(operator.unlocking.len(), 3);
			assert_eq!(operator.unlocking[2].value, 10 + 470);
			assert_eq!(operator.unlocking[2].unlock_at, 4 + UNBONDING);
		});
	}

	#[test]
	fn only_governance_and_only_operators_with_roles() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			assert_noop!(Operators::force_deregister(signed(2), 1), DispatchError::BadOrigin);
			assert_noop!(
				Operators::force_deregister(RuntimeOrigin::root(), 2),
				Error::<Test>::NotOperator
			);
			assert_ok!(Operators::force_deregister(RuntimeOrigin::root(), 1));
			assert_noop!(
				Operators::force_deregister(RuntimeOrigin::root(), 1),
				Error::<Test>::NotOperator
			);
		});
	}
}

mod punish_validator {
	use super::*;

	#[test]
	fn slashes_the_fraction_and_chills_the_validator_for_an_unbonding_period() {
		ExtBuilder::default().build_and_execute(|| {
			register_with(1, &[Role::Validator], 400);
			assert_eq!(Operators::punish_validator(&1, Perbill::from_percent(25), 3), 100);
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert_eq!(operator.bonded, 300);
			assert!(operator.chilled);
			assert!(!Operators::is_active(&1, Role::Validator));
			System::assert_has_event(
				Event::Slashed { who: 1, amount: 100, reason: SlashReason::Equivocation }.into(),
			);
			assert_eq!(last_event(), Event::Chilled { who: 1 }.into());
			// It cannot unchill its way back before its punishment ends.
			assert_noop!(Operators::unchill(signed(1)), Error::<Test>::Punished);
			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::unchill(signed(1)));
			assert!(Operators::is_active(&1, Role::Validator));
			// A stranger has nothing to take.
			assert_eq!(Operators::punish_validator(&42, Perbill::one(), 3), 0);
		});
	}

	#[test]
	fn a_session_costs_its_worst_offence_not_their_sum() {
		ExtBuilder::default().build_and_execute(|| {
			register_with(1, &[Role::Validator], 1_000);
			assert_eq!(Operators::punish_validator(&1, Perbill::from_percent(10), 3), 100);
			// Reported again (another offender joined the time slot): the same share is not
			// taken twice, a larger one only for its difference.
			assert_eq!(Operators::punish_validator(&1, Perbill::from_percent(10), 3), 0);
			assert_eq!(Operators::punish_validator(&1, Perbill::from_percent(5), 3), 0);
			assert_eq!(Operators::punish_validator(&1, Perbill::from_percent(20), 3), 90);
			assert_eq!(held(1), 810);
			// Another session's offence costs anew.
			assert_eq!(Operators::punish_validator(&1, Perbill::from_percent(10), 4), 81);
		});
	}
}

mod worker {
	use super::*;

	/// `who` proposes `worker`, which accepts.
	fn name(who: u64, worker: u64) {
		assert_ok!(Operators::set_worker(signed(who), Some(worker)));
		assert_ok!(Operators::accept_worker(signed(worker), who));
	}

	#[test]
	fn a_proposed_worker_acts_once_it_accepts() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			assert_ok!(Operators::set_worker(signed(1), Some(7)));
			assert_eq!(last_event(), Event::WorkerProposed { who: 1, worker: 7 }.into());
			assert_eq!(ProposedWorkers::<Test>::get(1), Some(7));
			// Proposed is not yet named.
			assert_eq!(Operators::operator_of_worker(&7), None);
			assert_eq!(Operators::operator_for_key(7), None);
			assert_ok!(Operators::accept_worker(signed(7), 1));
			assert_eq!(last_event(), Event::WorkerSet { who: 1, worker: Some(7) }.into());
			assert_eq!(Workers::<Test>::get(1), Some(7));
			assert!(ProposedWorkers::<Test>::get(1).is_none());
			// What a node asks of each key in its keystore.
			assert_eq!(Operators::operator_of_worker(&7), Some(1));
			assert_eq!(Operators::operator_for_key(7), Some(1));
			assert_eq!(Operators::operator_for_key(1), Some(1));
			assert_eq!(Operators::operator_for_key(9), None);
		});
	}

	#[test]
	fn a_new_worker_replaces_the_old_when_it_accepts_and_none_removes_it() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			name(1, 7);
			assert_ok!(Operators::set_worker(signed(1), Some(8)));
			// The old worker acts until the new one accepts.
			assert_eq!(Operators::operator_of_worker(&7), Some(1));
			assert_ok!(Operators::accept_worker(signed(8), 1));
			assert_eq!(Operators::operator_of_worker(&7), None);
			assert_eq!(Operators::operator_of_worker(&8), Some(1));
			// A proposal is dropped with the worker by `None`.
			assert_ok!(Operators::set_worker(signed(1), Some(9)));
			assert_ok!(Operators::set_worker(signed(1), None));
			assert_eq!(last_event(), Event::WorkerSet { who: 1, worker: None }.into());
			assert_eq!(Operators::operator_of_worker(&8), None);
			assert!(Workers::<Test>::get(1).is_none());
			assert_noop!(Operators::accept_worker(signed(9), 1), Error::<Test>::NotProposed);
		});
	}

	#[test]
	fn nobody_makes_another_account_its_worker() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Operators::set_worker(signed(1), Some(7)), Error::<Test>::NotOperator);
			register(1, &[Role::Inference]);
			register(2, &[Role::Inference]);
			// An operator cannot be another's worker, nor its own.
			assert_noop!(
				Operators::set_worker(signed(1), Some(2)),
				Error::<Test>::WorkerIsOperator
			);
			assert_noop!(
				Operators::set_worker(signed(1), Some(1)),
				Error::<Test>::WorkerIsOperator
			);
			// Operator 2 proposes 7, which only works for 1: 7 accepts 1 alone.
			name(1, 7);
			assert_noop!(Operators::set_worker(signed(2), Some(7)), Error::<Test>::WorkerInUse);
			assert_noop!(Operators::accept_worker(signed(7), 2), Error::<Test>::NotProposed);
			// A proposal to a free account does not bind it: it may still register, after which
			// it cannot accept.
			assert_ok!(Operators::set_worker(signed(2), Some(8)));
			register(8, &[Role::Inference]);
			assert_noop!(Operators::accept_worker(signed(8), 2), Error::<Test>::WorkerIsOperator);
			// A named worker cannot become an operator while it acts for one.
			assert_noop!(
				Operators::register(
					signed(7),
					RoleSet::of(&[Role::Inference]),
					metadata(b"w", b""),
					MIN_INFERENCE
				),
				Error::<Test>::AccountIsWorker
			);
		});
	}

	#[test]
	fn the_worker_cannot_move_the_operators_funds() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			name(1, 7);
			assert_noop!(Operators::unbond(signed(7), 1), Error::<Test>::NotOperator);
			assert_noop!(Operators::withdraw_unbonded(signed(7)), Error::<Test>::NotOperator);
			assert_noop!(Operators::set_worker(signed(7), Some(9)), Error::<Test>::NotOperator);
			assert_noop!(Operators::chill(signed(7)), Error::<Test>::NotOperator);
			assert_eq!(held(1), MIN_INFERENCE);
		});
	}

	#[test]
	fn leaving_frees_the_worker_and_drops_the_proposal() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Inference]);
			name(1, 7);
			assert_ok!(Operators::set_worker(signed(1), Some(8)));
			assert_ok!(Operators::unbond(signed(1), MIN_INFERENCE));
			System::set_block_number(1 + UNBONDING);
			assert_ok!(Operators::withdraw_unbonded(signed(1)));
			assert_ok!(Operators::deregister(signed(1)));
			assert_eq!(Operators::operator_of_worker(&7), None);
			assert!(ProposedWorkers::<Test>::get(1).is_none());
			// The former worker may now register on its own.
			register(7, &[Role::Inference]);
		});
	}

	#[test]
	fn try_state_catches_a_worker_index_out_of_step() {
		ExtBuilder::default().build_ext().execute_with(|| {
			register(1, &[Role::Inference]);
			name(1, 7);
			WorkerOf::<Test>::insert(8, 1);
			assert_eq!(Operators::do_try_state(), Err("worker index has strangers".into()));
			WorkerOf::<Test>::remove(8);
			WorkerOf::<Test>::insert(7, 2);
			assert_eq!(Operators::do_try_state(), Err("worker index out of step".into()));
			WorkerOf::<Test>::insert(7, 1);
			ProposedWorkers::<Test>::insert(5, 9);
			assert_eq!(Operators::do_try_state(), Err("a worker proposed by no operator".into()));
		});
	}
}

mod min_bond {
	use super::*;

	#[test]
	fn only_the_governance_origin_sets_it() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Operators::set_min_bond(signed(1), Role::Oracle, 5),
				DispatchError::BadOrigin
			);
			assert_ok!(Operators::set_min_bond(RuntimeOrigin::root(), Role::Oracle, 5));
			assert_eq!(MinBond::<Test>::get(Role::Oracle), 5);
			assert_eq!(last_event(), Event::MinBondSet { role: Role::Oracle, amount: 5 }.into());
		});
	}
}

mod slash {
	use super::*;

	#[test]
	fn takes_the_bond_first_then_unbonding_funds_to_the_treasury() {
		ExtBuilder::default().build_and_execute(|| {
			register_with(1, &[Role::Inference], 300);
			assert_ok!(Operators::unbond(signed(1), 100));
			let issuance = Balances::total_issuance();

			assert_eq!(Operators::slash(&1, 250, SlashReason::MissedDeadline), 250);
			let operator = OperatorsStorage::<Test>::get(1).unwrap();
			assert_eq!(operator.bonded, 0);
			assert_eq!(operator.unlocking[0].value, 50);
			assert_eq!(held(1), 50);
			assert_eq!(free(TREASURY), 1 + 250);
			assert_eq!(free(1), ENDOWMENT - 300);
			assert_eq!(Balances::total_issuance(), issuance);
			assert_eq!(
				last_event(),
				Event::Slashed { who: 1, amount: 250, reason: SlashReason::MissedDeadline }.into()
			);
		});
	}

	#[test]
	fn never_takes_more_than_is_held_nor_free_balance() {
		ExtBuilder::default().build_and_execute(|| {
			register_with(1, &[Role::Inference], 100);
			assert_eq!(Operators::slash(&1, 5_000, SlashReason::BadResult), 100);
			assert_eq!(held(1), 0);
			assert_eq!(free(1), ENDOWMENT - 100);
			assert!(OperatorsStorage::<Test>::get(1).unwrap().unlocking.is_empty());
			// Nothing left: nothing taken, no event.
			let events = System::events().len();
			assert_eq!(Operators::slash(&1, 10, SlashReason::BadResult), 0);
			assert_eq!(System::events().len(), events);
			// A stranger has nothing to take.
			assert_eq!(Operators::slash(&2, 10, SlashReason::BadResult), 0);
			assert_eq!(free(2), ENDOWMENT);
		});
	}

	#[test]
	fn a_fraction_counts_unbonding_funds() {
		ExtBuilder::default().build_and_execute(|| {
			register_with(1, &[Role::Inference], 300);
			assert_ok!(Operators::unbond(signed(1), 100));
			assert_eq!(
				Operators::slash_fraction(&1, Perbill::from_percent(10), SlashReason::Governance),
				30
			);
			assert_eq!(held(1), 270);
		});
	}
}

mod validators {
	use super::*;
	use pallet_session::SessionManager;

	fn validator(who: u64, bond: u64) {
		register_with(who, &[Role::Validator], bond);
	}

	#[test]
	fn picks_the_largest_bonds_with_keys() {
		ExtBuilder::default().build_and_execute(|| {
			validator(1, 100);
			validator(2, 400);
			validator(3, 300);
			validator(4, 300);
			// The largest bond, but no session keys.
			validator(FIRST_KEYLESS, 1_000);
			// Chilled.
			validator(5, 900);
			assert_ok!(Operators::chill(signed(5)));

			// Top three by bond; ties by account.
			assert_eq!(Operators::new_session(1), Some(vec![2, 3, 4]));
			assert_eq!(last_event(), Event::ValidatorsChosen { session: 1, count: 3 }.into());
		});
	}

	#[test]
	fn keeps_the_set_with_too_few_candidates() {
		ExtBuilder::default().build_and_execute(|| {
			validator(1, 100);
			// An inference operator is no validator candidate.
			register_with(2, &[Role::Inference], 500);
			assert_eq!(Operators::new_session(1), None);
			validator(3, 100);
			assert_eq!(Operators::new_session(2), Some(vec![1, 3]));
		});
	}
}

mod genesis {
	use super::*;

	#[test]
	fn genesis_operators_are_bonded_and_active() {
		ExtBuilder::default()
			.operator(1, &[Role::Validator, Role::Inference], 500)
			.operator(2, &[Role::Validator], 100)
			.build_and_execute(|| {
				assert_eq!(held(1), 500);
				assert!(Operators::is_active(&1, Role::Validator));
				assert!(Operators::is_active(&1, Role::Inference));
				assert_eq!(Operators::select_validators(), Some(vec![1, 2]));
				let view = Operators::operator_view(&1).unwrap();
				assert_eq!(view.active_roles, RoleSet::of(&[Role::Validator, Role::Inference]));
				assert_eq!(view.name, b"genesis".to_vec());
			});
	}

	#[test]
	fn genesis_capabilities_index_inference_operators() {
		let caps = |models: Vec<ModelId>| CapabilitiesView {
			models,
			max_concurrent_jobs: 3,
			accelerator: true,
		};
		ExtBuilder::default()
			.operator(1, &[Role::Inference], 500)
			.operator(2, &[Role::Validator], 100)
			.capabilities(1, caps(vec![model(1), model(2)]))
			.capabilities(2, caps(vec![model(1)]))
			.build_and_execute(|| {
				assert_eq!(
					Operators::operator_view(&1).unwrap().capabilities,
					caps(vec![model(1), model(2)])
				);
				// Only the inference operator serves jobs of the model.
				assert_eq!(Operators::eligible_for_model(&model(1)), vec![(1, 500, 3)]);
				assert_eq!(Operators::eligible_for_model(&model(2)), vec![(1, 500, 3)]);
			});
	}
}

/// The oracle's members: one key for each active `Oracle` operator.
mod active_keys {
	use super::*;
	use frame_support::{parameter_types, traits::SortedMembers};

	parameter_types! {
		pub const OracleRole: Role = Role::Oracle;
	}

	type Oracles = crate::ActiveKeys<Test, OracleRole>;

	#[test]
	fn active_operators_count_and_the_others_do_not() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Oracle]);
			register(2, &[Role::Oracle, Role::Inference]);
			register(3, &[Role::Inference]);
			register(4, &[Role::Oracle]);
			assert_eq!(Oracles::sorted_members(), vec![1, 2, 4]);
			assert!(Oracles::contains(&1) && !Oracles::contains(&3) && !Oracles::contains(&9));
			register(5, &[Role::Oracle]);
			assert_ok!(Operators::chill(signed(1)));
			// Unbonding all of it leaves 4 registered but inactive; 5 is deregistered by force.
			assert_ok!(Operators::unbond(signed(4), minimum(&[Role::Oracle])));
			assert_ok!(Operators::force_deregister(RuntimeOrigin::root(), 5));
			assert_eq!(Oracles::sorted_members(), vec![2]);
			assert!(!Oracles::contains(&1) && !Oracles::contains(&4) && !Oracles::contains(&5));
			assert_ok!(Operators::unchill(signed(1)));
			assert_eq!(Oracles::sorted_members(), vec![1, 2]);
			assert_eq!(Oracles::count(), 2);
		});
	}

	#[test]
	fn an_operator_with_a_worker_key_counts_once_through_it() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Oracle]);
			register(2, &[Role::Oracle]);
			assert_ok!(Operators::set_worker(signed(1), Some(7)));
			// Proposed is not named: the operator still reports itself.
			assert_eq!(Oracles::sorted_members(), vec![1, 2]);
			assert_ok!(Operators::accept_worker(signed(7), 1));
			assert_eq!(Oracles::sorted_members(), vec![2, 7]);
			assert!(Oracles::contains(&7) && !Oracles::contains(&1));
			// A replaced key stops counting.
			assert_ok!(Operators::set_worker(signed(1), Some(8)));
			assert_ok!(Operators::accept_worker(signed(8), 1));
			assert!(!Oracles::contains(&7) && Oracles::contains(&8));
			assert_ok!(Operators::chill(signed(1)));
			assert!(!Oracles::contains(&8));
		});
	}

	#[test]
	fn an_operator_below_the_minimum_bond_stops_counting() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, &[Role::Oracle]);
			let minimum = MinBond::<Test>::get(Role::Oracle);
			assert_ok!(Operators::set_min_bond(RuntimeOrigin::root(), Role::Oracle, minimum + 1));
			assert!(!Oracles::contains(&1));
			assert!(Oracles::sorted_members().is_empty());
		});
	}
}
