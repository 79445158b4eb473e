//! Every call, error and event of the models pallet; invariants checked after each test.

#![allow(clippy::arithmetic_side_effects)]

use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use sp_runtime::{DispatchError, Perbill};
use verity_primitives::{KeySetup, ModeSet, ModelId, ModelInspect, ModelTerms, VerificationMode};

use crate::{
	mock::*, CeremonyKeys, DType, Error, Event, HoldReason, IoSpec, IoSpecOf, KeySetups,
	KeyVersions, ModelCount, ModelView, Models as ModelsStorage, OwnerKeys, TensorSpec,
	TensorSpecOf, UriInput, VerifyingKeyCheck, VerifyingKeyOf, VerifyingKeys,
};

const URI: &[u8] = b"https://models.example/a.onnx";
const PRICE: u64 = 10;

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn zk() -> ModeSet {
	ModeSet { fast: true, zk: true, consensus: false }
}

fn uri(bytes: &[u8]) -> UriInput {
	bytes.to_vec().try_into().unwrap()
}

fn tensor(dtype: DType, shape: &[u32]) -> TensorSpecOf<Test> {
	TensorSpec { dtype, shape: BoundedVec::try_from(shape.to_vec()).unwrap() }
}

fn io(input: &[u32], output: &[u32]) -> IoSpecOf<Test> {
	IoSpec { input: tensor(DType::I8, input), output: tensor(DType::I32, output) }
}

fn key(bytes: &[u8]) -> VerifyingKeyOf<Test> {
	bytes.to_vec().try_into().unwrap()
}

fn register(who: u64, model: ModelId, modes: ModeSet) {
	assert_ok!(Models::register_model(
		signed(who),
		model,
		uri(URI),
		io(&[1, 4], &[1, 2]),
		PRICE,
		Perbill::from_percent(5),
		modes,
	));
}

fn register_with_uri(who: u64, model: ModelId, bytes: &[u8]) -> sp_runtime::DispatchResult {
	Models::register_model(
		signed(who),
		model,
		uri(bytes),
		io(&[1, 4], &[1, 2]),
		PRICE,
		Perbill::from_percent(5),
		ModeSet::FAST,
	)
}

fn register_with_io(who: u64, model: ModelId, spec: IoSpecOf<Test>) -> sp_runtime::DispatchResult {
	Models::register_model(
		signed(who),
		model,
		uri(URI),
		spec,
		PRICE,
		Perbill::from_percent(5),
		ModeSet::FAST,
	)
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::ModelDeposit.into(), &who)
}

fn free(who: u64) -> u64 {
	Balances::balance(&who)
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

mod register_model {
	use super::*;

	#[test]
	fn records_the_model_and_holds_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			System::set_block_number(7);
			register(1, model_id(1), zk());
			let model = ModelsStorage::<Test>::get(model_id(1)).unwrap();
			assert_eq!(model.owner, 1);
			assert_eq!(model.uri.to_vec(), URI.to_vec());
			assert_eq!(model.io, io(&[1, 4], &[1, 2]));
			assert_eq!(model.price, PRICE);
			assert_eq!(model.royalty, Perbill::from_percent(5));
			assert_eq!(model.modes, zk());
			assert_eq!(model.deposit, DEPOSIT);
			assert!(!model.retired);
			assert_eq!(model.registered_at, 7);
			assert_eq!(ModelCount::<Test>::get(), 1);
			assert_eq!(held(1), DEPOSIT);
			assert_eq!(free(1), ENDOWMENT - DEPOSIT);
			assert_eq!(
				last_event(),
				Event::ModelRegistered { model: model_id(1), owner: 1 }.into()
			);
		});
	}

	#[test]
	fn holds_a_deposit_per_model() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), ModeSet::FAST);
			register(1, model_id(2), ModeSet::FAST);
			assert_eq!(held(1), 2 * DEPOSIT);
			assert_eq!(free(1), ENDOWMENT - 2 * DEPOSIT);
			assert_eq!(ModelCount::<Test>::get(), 2);
		});
	}

	#[test]
	fn accepts_every_scheme_up_to_the_longest_uri() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(register_with_uri(1, model_id(1), b"http://a"));
			assert_ok!(register_with_uri(1, model_id(2), b"https://a"));
			assert_ok!(register_with_uri(1, model_id(3), b"blob:a"));
			let longest = [b"https://".as_slice(), &[b'x'; MAX_URI_LEN as usize - 8]].concat();
			assert_ok!(register_with_uri(1, model_id(4), &longest));
			assert_eq!(ModelsStorage::<Test>::get(model_id(4)).unwrap().uri.to_vec(), longest);
		});
	}

	#[test]
	fn refuses_invalid_uris() {
		ExtBuilder::default().build_and_execute(|| {
			for bad in [
				&b""[..],
				b"https://",
				b"http://",
				b"blob:",
				b"ftp://host/m.onnx",
				b"HTTPS://host",
				b"http:/host",
				b"models.example/a.onnx",
				b"https://host/a b",
				b"https://host/\n",
				b"https://host/\xff",
			] {
				assert_noop!(register_with_uri(1, model_id(1), bad), Error::<Test>::InvalidUri);
			}
		});
	}

	#[test]
	fn refuses_an_over_long_uri() {
		ExtBuilder::default().build_and_execute(|| {
			let long = [b"https://".as_slice(), &[b'x'; MAX_URI_LEN as usize - 7]].concat();
			assert_noop!(register_with_uri(1, model_id(1), &long), Error::<Test>::UriTooLong);
		});
	}

	#[test]
	fn refuses_no_modes() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Models::register_model(
					signed(1),
					model_id(1),
					uri(URI),
					io(&[1, 4], &[1, 2]),
					PRICE,
					Perbill::from_percent(0),
					ModeSet::default(),
				),
				Error::<Test>::NoModes
			);
		});
	}

	#[test]
	fn refuses_invalid_io_specs() {
		ExtBuilder::default().build_and_execute(|| {
			// No dimension.
			assert_noop!(
				register_with_io(1, model_id(1), io(&[], &[2])),
				Error::<Test>::InvalidIoSpec
			);
			assert_noop!(
				register_with_io(1, model_id(1), io(&[2], &[])),
				Error::<Test>::InvalidIoSpec
			);
			// A zero dimension.
			assert_noop!(
				register_with_io(1, model_id(1), io(&[1, 0], &[2])),
				Error::<Test>::InvalidIoSpec
			);
			assert_noop!(
				register_with_io(1, model_id(1), io(&[4], &[0])),
				Error::<Test>::InvalidIoSpec
			);
			// 2^16 * 2^16 elements do not fit in a u32.
			assert_noop!(
				register_with_io(1, model_id(1), io(&[65_536, 65_536], &[1])),
				Error::<Test>::InvalidIoSpec
			);
			// u32::MAX elements do, and the most dimensions are fine.
			assert_ok!(register_with_io(1, model_id(1), io(&[65_535, 65_537], &[1, 1, 1, 1])));
		});
	}

	#[test]
	fn refuses_a_taken_id_even_once_retired() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), ModeSet::FAST);
			assert_noop!(register_with_uri(2, model_id(1), URI), Error::<Test>::AlreadyRegistered);
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_noop!(register_with_uri(1, model_id(1), URI), Error::<Test>::AlreadyRegistered);
		});
	}

	#[test]
	fn refuses_a_full_registry_until_a_retired_model_is_reaped() {
		ExtBuilder::default().build_and_execute(|| {
			for n in 1..=MAX_MODELS as u8 {
				register(1, model_id(n), ModeSet::FAST);
			}
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_noop!(register_with_uri(2, model_id(100), URI), Error::<Test>::TooManyModels);
			assert_eq!(ModelCount::<Test>::get(), MAX_MODELS);
			assert_ok!(Models::reap_model(signed(2), model_id(1)));
			assert_ok!(register_with_uri(2, model_id(100), URI));
			assert_eq!(ModelCount::<Test>::get(), MAX_MODELS);
		});
	}

	#[test]
	fn register_and_retire_in_a_loop_never_closes_the_registry() {
		ExtBuilder::default().build_and_execute(|| {
			// Each round costs a deposit while the model is stored and frees its slot when it
			// is reaped: the attack of registering and retiring until the cap is reached holds
			// at most MAX_MODELS deposits and ends when they run out.
			for round in 0..(3 * MAX_MODELS) {
				let id = model_id((round % 200) as u8 + 1);
				register(1, id, ModeSet::FAST);
				assert_ok!(Models::retire_model(signed(1), id));
				assert_ok!(Models::reap_model(signed(1), id));
			}
			assert_eq!(ModelCount::<Test>::get(), 0);
			assert_eq!(held(1), 0);
			register(2, model_id(250), ModeSet::FAST);
		});
	}

	#[test]
	fn refuses_an_owner_who_cannot_pay_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				register_with_uri(PAUPER, model_id(1), URI),
				Error::<Test>::InsufficientBalance
			);
			// The existential deposit stays free: a balance of exactly the deposit is not enough.
			assert_ok!(Balances::transfer_allow_death(signed(2), PAUPER, DEPOSIT));
			assert_noop!(
				register_with_uri(PAUPER, model_id(1), URI),
				Error::<Test>::InsufficientBalance
			);
			assert_ok!(Balances::transfer_allow_death(signed(2), PAUPER, 1));
			assert_ok!(register_with_uri(PAUPER, model_id(1), URI));
			assert_eq!(held(PAUPER), DEPOSIT);
		});
	}

	#[test]
	fn refuses_unsigned_origins() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Models::register_model(
					RuntimeOrigin::root(),
					model_id(1),
					uri(URI),
					io(&[1], &[1]),
					PRICE,
					Perbill::from_percent(0),
					ModeSet::FAST,
				),
				DispatchError::BadOrigin
			);
		});
	}
}

mod set_verifying_key {
	use super::*;

	#[test]
	fn stores_the_key_and_replaces_it() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), zk());
			assert_eq!(Models::verifying_key(&model_id(1)), None);
			assert_ok!(Models::set_verifying_key(signed(1), model_id(1), key(b"vk-one")));
			assert_eq!(
				VerifyingKeys::<Test>::get(model_id(1)).unwrap().to_vec(),
				b"vk-one".to_vec()
			);
			assert_eq!(Models::verifying_key(&model_id(1)), Some(b"vk-one".to_vec()));
			assert!(Models::model_view(&model_id(1)).unwrap().has_key);
			assert_eq!(
				last_event(),
				Event::VerifyingKeySet { model: model_id(1), setup: KeySetup::Owner }.into()
			);
			assert_eq!(Models::key_setup(&model_id(1)), Some(KeySetup::Owner));
			assert_eq!(KeyVersions::<Test>::get(model_id(1)), 1);

			assert_ok!(Models::set_verifying_key(
				signed(1),
				model_id(1),
				key(&[7; MAX_KEY_LEN as usize])
			));
			assert_eq!(Models::verifying_key(&model_id(1)), Some(vec![7; MAX_KEY_LEN as usize]));
			// A replaced key has the next version: jobs pinned to the first can tell.
			assert_eq!(KeyVersions::<Test>::get(model_id(1)), 2);
			assert_eq!(Models::terms(&model_id(1)).unwrap().key_version, 2);
			// Setting the same key again would only move the version: refused.
			assert_noop!(
				Models::set_verifying_key(signed(1), model_id(1), key(&[7; MAX_KEY_LEN as usize])),
				Error::<Test>::KeyUnchanged
			);
		});
	}

	#[test]
	fn refuses_owner_keys_where_the_genesis_does_not_allow_them() {
		ExtBuilder::default().ceremony_only().build_and_execute(|| {
			register(1, model_id(1), zk());
			assert!(!OwnerKeys::<Test>::get());
			assert_noop!(
				Models::set_verifying_key(signed(1), model_id(1), key(b"vk")),
				Error::<Test>::OwnerKeysDisabled
			);
		});
	}

	#[test]
	fn refuses_unknown_models_and_strangers() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Models::set_verifying_key(signed(1), model_id(1), key(b"vk")),
				Error::<Test>::UnknownModel
			);
			register(1, model_id(1), zk());
			assert_noop!(
				Models::set_verifying_key(signed(2), model_id(1), key(b"vk")),
				Error::<Test>::NotOwner
			);
		});
	}

	#[test]
	fn refuses_retired_models() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), zk());
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_noop!(
				Models::set_verifying_key(signed(1), model_id(1), key(b"vk")),
				Error::<Test>::Retired
			);
		});
	}

	#[test]
	fn refuses_models_without_zk() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), ModeSet { fast: true, zk: false, consensus: true });
			assert_noop!(
				Models::set_verifying_key(signed(1), model_id(1), key(b"vk")),
				Error::<Test>::ZkNotSupported
			);
		});
	}

	#[test]
	fn refuses_empty_and_invalid_keys() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), zk());
			assert_noop!(
				Models::set_verifying_key(signed(1), model_id(1), key(b"")),
				Error::<Test>::EmptyKey
			);
			assert_noop!(
				Models::set_verifying_key(signed(1), model_id(1), key(&[BAD_KEY_BYTE, 1, 2])),
				Error::<Test>::InvalidKey
			);
		});
	}

	#[test]
	fn the_unit_check_accepts_any_non_empty_bytes() {
		assert!(!<() as VerifyingKeyCheck>::check(&[]));
		assert!(<() as VerifyingKeyCheck>::check(&[BAD_KEY_BYTE]));
		assert!(<() as VerifyingKeyCheck>::check(b"anything"));
	}
}

mod ceremony_keys {
	use super::*;

	fn sealed() -> KeySetup {
		KeySetup::Ceremony { phase1: [1; 32].into(), phase2: [2; 32].into(), contributors: 3 }
	}

	#[test]
	fn zk_owner_names_the_owner_of_an_active_zk_model_only() {
		ExtBuilder::default().ceremony_only().build_and_execute(|| {
			assert_eq!(<Models as CeremonyKeys<u64>>::zk_owner(&model_id(1)), None);
			register(1, model_id(1), zk());
			register(2, model_id(2), ModeSet::FAST);
			register(3, model_id(3), zk());
			assert_ok!(Models::retire_model(signed(3), model_id(3)));
			assert_eq!(<Models as CeremonyKeys<u64>>::zk_owner(&model_id(1)), Some(1));
			assert_eq!(<Models as CeremonyKeys<u64>>::zk_owner(&model_id(2)), None);
			assert_eq!(<Models as CeremonyKeys<u64>>::zk_owner(&model_id(3)), None);
		});
	}

	#[test]
	fn install_sets_the_next_key_and_records_its_setup_without_owner_keys() {
		ExtBuilder::default().ceremony_only().build_and_execute(|| {
			register(1, model_id(1), zk());
			assert_ok!(Models::install(model_id(1), b"vk".to_vec(), sealed()));
			assert_eq!(Models::verifying_key(&model_id(1)), Some(b"vk".to_vec()));
			assert_eq!(KeyVersions::<Test>::get(model_id(1)), 1);
			assert_eq!(Models::key_setup(&model_id(1)), Some(sealed()));
			assert_eq!(Models::model_view(&model_id(1)).unwrap().key_setup, Some(sealed()));
			assert_eq!(
				last_event(),
				Event::VerifyingKeySet { model: model_id(1), setup: sealed() }.into()
			);
		});
	}

	#[test]
	fn install_checks_the_key_as_the_owner_call_does() {
		ExtBuilder::default().ceremony_only().build_and_execute(|| {
			assert_noop!(
				Models::install(model_id(1), b"vk".to_vec(), sealed()),
				Error::<Test>::UnknownModel
			);
			register(1, model_id(1), zk());
			assert_noop!(
				Models::install(model_id(1), vec![BAD_KEY_BYTE], sealed()),
				Error::<Test>::InvalidKey
			);
			assert_noop!(
				Models::install(model_id(1), vec![1; MAX_KEY_LEN as usize + 1], sealed()),
				Error::<Test>::InvalidKey
			);
			assert_ok!(Models::install(model_id(1), b"vk".to_vec(), sealed()));
			assert_noop!(
				Models::install(model_id(1), b"vk".to_vec(), sealed()),
				Error::<Test>::KeyUnchanged
			);
		});
	}

	#[test]
	fn reaping_removes_the_setup_with_the_key() {
		ExtBuilder::default().ceremony_only().build_and_execute(|| {
			register(1, model_id(1), zk());
			assert_ok!(Models::install(model_id(1), b"vk".to_vec(), sealed()));
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_ok!(Models::reap_model(signed(2), model_id(1)));
			assert_eq!(KeySetups::<Test>::get(model_id(1)), None);
		});
	}
}

mod retire_model {
	use super::*;

	#[test]
	fn keeps_the_model_its_key_and_its_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), zk());
			assert_ok!(Models::set_verifying_key(signed(1), model_id(1), key(b"vk")));
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			let model = ModelsStorage::<Test>::get(model_id(1)).unwrap();
			assert!(model.retired);
			// Still counted, still keyed, still paid for: jobs in flight can settle.
			assert_eq!(model.deposit, DEPOSIT);
			assert_eq!(held(1), DEPOSIT);
			assert_eq!(ModelCount::<Test>::get(), 1);
			assert_eq!(Models::verifying_key(&model_id(1)), Some(b"vk".to_vec()));
			assert_eq!(last_event(), Event::ModelRetired { model: model_id(1) }.into());
		});
	}

	#[test]
	fn refuses_unknown_models_strangers_and_repeats() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Models::retire_model(signed(1), model_id(1)), Error::<Test>::UnknownModel);
			register(1, model_id(1), ModeSet::FAST);
			assert_noop!(Models::retire_model(signed(2), model_id(1)), Error::<Test>::NotOwner);
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_noop!(
				Models::retire_model(signed(1), model_id(1)),
				Error::<Test>::AlreadyRetired
			);
		});
	}
}

mod reap_model {
	use super::*;

	#[test]
	fn frees_the_slot_the_key_and_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), zk());
			register(1, model_id(2), ModeSet::FAST);
			assert_ok!(Models::set_verifying_key(signed(1), model_id(1), key(b"vk")));
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			// Anyone may reap; the owner gets the deposit.
			assert_ok!(Models::reap_model(signed(3), model_id(1)));
			assert!(ModelsStorage::<Test>::get(model_id(1)).is_none());
			assert_eq!(Models::verifying_key(&model_id(1)), None);
			assert_eq!(KeyVersions::<Test>::get(model_id(1)), 0);
			assert_eq!(ModelCount::<Test>::get(), 1);
			assert_eq!(held(1), DEPOSIT);
			assert_eq!(free(1), ENDOWMENT - DEPOSIT);
			assert_eq!(
				last_event(),
				Event::ModelReaped { model: model_id(1), owner: 1, deposit: DEPOSIT }.into()
			);
			// The id is free again, for anyone.
			register(2, model_id(1), ModeSet::FAST);
		});
	}

	#[test]
	fn refuses_unknown_active_and_busy_models() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Models::reap_model(signed(1), model_id(1)), Error::<Test>::UnknownModel);
			register(1, model_id(1), ModeSet::FAST);
			assert_noop!(Models::reap_model(signed(1), model_id(1)), Error::<Test>::NotRetired);
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			OpenJobs::set(1);
			assert_noop!(Models::reap_model(signed(1), model_id(1)), Error::<Test>::InUse);
			OpenJobs::set(0);
			assert_ok!(Models::reap_model(signed(1), model_id(1)));
			assert_noop!(Models::reap_model(signed(1), model_id(1)), Error::<Test>::UnknownModel);
		});
	}
}

mod force_retire_model {
	use super::*;

	#[test]
	fn the_admin_retires_any_model() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), ModeSet::FAST);
			assert_ok!(Models::force_retire_model(RuntimeOrigin::root(), model_id(1)));
			assert!(ModelsStorage::<Test>::get(model_id(1)).unwrap().retired);
			assert_eq!(held(1), DEPOSIT);
			assert_eq!(last_event(), Event::ModelRetired { model: model_id(1) }.into());
		});
	}

	#[test]
	fn refuses_other_origins_unknown_models_and_repeats() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), ModeSet::FAST);
			assert_noop!(
				Models::force_retire_model(signed(1), model_id(1)),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Models::force_retire_model(RuntimeOrigin::root(), model_id(2)),
				Error::<Test>::UnknownModel
			);
			assert_ok!(Models::force_retire_model(RuntimeOrigin::root(), model_id(1)));
			assert_noop!(
				Models::force_retire_model(RuntimeOrigin::root(), model_id(1)),
				Error::<Test>::AlreadyRetired
			);
		});
	}
}

mod set_price {
	use super::*;

	#[test]
	fn sets_the_price() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), ModeSet::FAST);
			assert_ok!(Models::set_price(signed(1), model_id(1), 42));
			assert_eq!(ModelsStorage::<Test>::get(model_id(1)).unwrap().price, 42);
			assert_eq!(last_event(), Event::PriceSet { model: model_id(1), price: 42 }.into());
			// The deposit does not move.
			assert_eq!(held(1), DEPOSIT);
		});
	}

	#[test]
	fn refuses_unknown_models_strangers_and_retired_models() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Models::set_price(signed(1), model_id(1), 42),
				Error::<Test>::UnknownModel
			);
			register(1, model_id(1), ModeSet::FAST);
			assert_noop!(Models::set_price(signed(2), model_id(1), 42), Error::<Test>::NotOwner);
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_noop!(Models::set_price(signed(1), model_id(1), 42), Error::<Test>::Retired);
		});
	}
}

mod set_tolerance {
	use super::*;

	#[test]
	fn sets_the_tolerance_of_the_terms() {
		ExtBuilder::default().build_and_execute(|| {
			register(1, model_id(1), ModeSet::FAST);
			assert_ok!(Models::set_tolerance(signed(1), model_id(1), 4));
			assert_eq!(crate::Tolerances::<Test>::get(model_id(1)), 4);
			assert_eq!(
				last_event(),
				Event::ToleranceSet { model: model_id(1), max_distance: 4 }.into()
			);
			let tolerance = Models::terms(&model_id(1)).unwrap().tolerance;
			assert_eq!(tolerance.max_distance, 4);
			assert_eq!(tolerance.element, verity_primitives::Element::I32);
			// Back to exact; reaping forgets it.
			assert_ok!(Models::set_tolerance(signed(1), model_id(1), 0));
			assert_ok!(Models::set_tolerance(signed(1), model_id(1), 2));
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_ok!(Models::reap_model(signed(1), model_id(1)));
			assert!(!crate::Tolerances::<Test>::contains_key(model_id(1)));
		});
	}

	#[test]
	fn refuses_unknown_models_strangers_retired_and_busy_models() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Models::set_tolerance(signed(1), model_id(1), 1),
				Error::<Test>::UnknownModel
			);
			register(1, model_id(1), ModeSet::FAST);
			assert_noop!(Models::set_tolerance(signed(2), model_id(1), 1), Error::<Test>::NotOwner);
			// A round judged under one tolerance must not end under another.
			OpenJobs::set(1);
			assert_noop!(Models::set_tolerance(signed(1), model_id(1), 1), Error::<Test>::InUse);
			OpenJobs::set(0);
			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_noop!(Models::set_tolerance(signed(1), model_id(1), 1), Error::<Test>::Retired);
		});
	}
}

mod inspect {
	use super::*;

	#[test]
	fn terms_follow_the_model() {
		ExtBuilder::default().build_and_execute(|| {
			assert_eq!(Models::terms(&model_id(1)), None);
			register(1, model_id(1), zk());
			let expected = ModelTerms {
				owner: 1,
				price: PRICE,
				royalty: Perbill::from_percent(5),
				modes: zk(),
				active: true,
				// `I8` elements, shape [1, 4].
				input_len: Some(4),
				input_elements: Some(4),
				input_element: verity_primitives::Element::I8,
				// `I32` elements, shape [1, 2].
				output_elements: Some(2),
				output_len: Some(8),
				has_key: false,
				key_version: 0,
				// Exact agreement on `I32` outputs until the owner sets a tolerance.
				tolerance: verity_primitives::Tolerance {
					element: verity_primitives::Element::I32,
					max_distance: 0,
				},
			};
			assert_eq!(Models::terms(&model_id(1)), Some(expected.clone()));
			assert!(expected.modes.supports(VerificationMode::Zk));
			assert_eq!(<Models as ModelInspect<_, _>>::verifying_key(&model_id(1)), None);

			assert_ok!(Models::set_verifying_key(signed(1), model_id(1), key(b"vk")));
			let expected = ModelTerms { has_key: true, key_version: 1, ..expected };
			assert_eq!(Models::terms(&model_id(1)), Some(expected.clone()));
			assert_eq!(
				<Models as ModelInspect<_, _>>::verifying_key(&model_id(1)),
				Some(b"vk".to_vec())
			);

			assert_ok!(Models::set_price(signed(1), model_id(1), 3));
			assert_eq!(Models::terms(&model_id(1)).unwrap().price, 3);

			assert_ok!(Models::retire_model(signed(1), model_id(1)));
			assert_eq!(
				Models::terms(&model_id(1)),
				Some(ModelTerms { price: 3, active: false, ..expected })
			);
		});
	}
}

mod views {
	use super::*;

	#[test]
	fn views_show_every_model_in_id_order() {
		ExtBuilder::default().build_and_execute(|| {
			assert_eq!(Models::model_view(&model_id(1)), None);
			assert!(Models::models().is_empty());
			register(2, model_id(9), ModeSet::FAST);
			register(1, model_id(3), zk());
			assert_ok!(Models::set_verifying_key(signed(1), model_id(3), key(b"vk")));

			let view = Models::model_view(&model_id(3)).unwrap();
			assert_eq!(
				view,
				ModelView {
					owner: 1,
					uri: URI.to_vec(),
					io: io_view(),
					price: PRICE,
					royalty: Perbill::from_percent(5),
					modes: zk(),
					deposit: DEPOSIT,
					retired: false,
					registered_at: 1,
					has_key: true,
					key_setup: Some(KeySetup::Owner),
				}
			);
			let ids: Vec<ModelId> = Models::models().into_iter().map(|(id, _)| id).collect();
			assert_eq!(ids, vec![model_id(3), model_id(9)]);
			assert!(!Models::models()[1].1.has_key);
			assert_eq!(Models::models()[1].1.key_setup, None);
		});
	}
}

mod genesis {
	use super::*;

	#[test]
	fn genesis_models_are_registered_with_their_deposit() {
		ExtBuilder::default()
			.model(model_id(1), 1, zk())
			.model(model_id(2), 1, ModeSet::FAST)
			.build_and_execute(|| {
				assert_eq!(ModelCount::<Test>::get(), 2);
				assert_eq!(held(1), 2 * DEPOSIT);
				let view = Models::model_view(&model_id(1)).unwrap();
				assert_eq!(view.io, io_view());
				assert_eq!(view.registered_at, 0);
				assert_eq!(Models::terms(&model_id(2)).unwrap().modes, ModeSet::FAST);
			});
	}

	#[test]
	fn genesis_keys_are_checked_and_set() {
		ExtBuilder::default()
			.model(model_id(1), 1, zk())
			.key(model_id(1), b"vk")
			.build_and_execute(|| {
				assert_eq!(Models::verifying_key(&model_id(1)), Some(b"vk".to_vec()))
			});
	}

	#[test]
	#[should_panic(expected = "a genesis key is valid")]
	fn a_genesis_key_that_fails_the_check_fails_the_build() {
		ExtBuilder::default()
			.model(model_id(1), 1, zk())
			.key(model_id(1), &[BAD_KEY_BYTE])
			.build_ext();
	}

	#[test]
	#[should_panic(expected = "a genesis key's model is registered at genesis")]
	fn a_genesis_key_without_its_model_fails_the_build() {
		ExtBuilder::default().key(model_id(1), b"vk").build_ext();
	}

	#[test]
	#[should_panic(expected = "genesis model registers")]
	fn a_genesis_model_whose_owner_cannot_pay_fails_the_build() {
		ExtBuilder::default().model(model_id(1), PAUPER, ModeSet::FAST).build_ext();
	}
}
