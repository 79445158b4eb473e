//! What counts as an Aura equivocation, and the report call's refusals.

use frame_support::{assert_noop, assert_ok, dispatch::Pays};
use sp_consensus_aura::sr25519::AuthorityPair;
use sp_core::Pair;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic,
	traits::{BlakeTwo256, Header as _},
};

use crate::{mock::*, *};

type H = generic::Header<u32, BlakeTwo256>;

fn pair(who: Sr25519Keyring) -> AuthorityPair {
	AuthorityPair::from_string(&who.to_seed(), None).unwrap()
}

/// Block `number` (the variant `number` of block 1) in `slot`, sealed by `signer`.
fn header(number: u8, slot: u64, signer: &AuthorityPair) -> H {
	sealed_header((1, Default::default()), [number; 32].into(), Slot::from(slot), |message| {
		signer.sign(message)
	})
}

fn proof(
	offender: &AuthorityPair,
	first: H,
	second: H,
) -> sp_consensus_slots::EquivocationProof<H, AuthorityId> {
	sp_consensus_slots::EquivocationProof {
		offender: offender.public(),
		slot: Slot::from(7),
		first_header: first,
		second_header: second,
	}
}

#[test]
fn two_headers_of_one_slot_sealed_by_the_offender_are_an_equivocation() {
	let dave = pair(Sr25519Keyring::Dave);
	assert!(check_equivocation_proof(proof(&dave, header(1, 7, &dave), header(2, 7, &dave))));
}

mod reject {
	use super::*;

	#[test]
	fn the_same_header_twice() {
		let dave = pair(Sr25519Keyring::Dave);
		assert!(!check_equivocation_proof(proof(&dave, header(1, 7, &dave), header(1, 7, &dave))));
	}

	#[test]
	fn headers_of_other_slots() {
		let dave = pair(Sr25519Keyring::Dave);
		assert!(!check_equivocation_proof(proof(&dave, header(1, 7, &dave), header(2, 8, &dave))));
		assert!(!check_equivocation_proof(proof(&dave, header(1, 6, &dave), header(2, 6, &dave))));
	}

	#[test]
	fn a_header_sealed_by_someone_else() {
		let (dave, eve) = (pair(Sr25519Keyring::Dave), pair(Sr25519Keyring::Eve));
		assert!(!check_equivocation_proof(proof(&dave, header(1, 7, &dave), header(2, 7, &eve))));
		// Blaming another for one's own blocks does not work either.
		assert!(!check_equivocation_proof(proof(&eve, header(1, 7, &dave), header(2, 7, &dave))));
	}

	#[test]
	fn a_header_without_its_seal_or_pre_digest() {
		let dave = pair(Sr25519Keyring::Dave);
		let mut unsealed = header(2, 7, &dave);
		unsealed.digest_mut().pop();
		assert!(!check_equivocation_proof(proof(&dave, header(1, 7, &dave), unsealed)));
		let no_slot: H = H::new(
			2,
			Default::default(),
			Default::default(),
			Default::default(),
			Default::default(),
		);
		assert!(!check_equivocation_proof(proof(&dave, header(1, 7, &dave), no_slot)));
	}

	#[test]
	fn a_signed_report() {
		new_test_ext().execute_with(|| {
			let dave = pair(Sr25519Keyring::Dave);
			let header = |n: u8| {
				sealed_header((1, Default::default()), [n; 32].into(), Slot::from(7), |m| {
					dave.sign(m)
				})
			};
			let report = |origin| {
				AuraEquivocation::report_equivocation_unsigned(
					origin,
					Box::new(sp_consensus_slots::EquivocationProof {
						offender: dave.public(),
						slot: Slot::from(7),
						first_header: header(1),
						second_header: header(2),
					}),
					Default::default(),
				)
			};
			assert_noop!(report(RuntimeOrigin::signed(1)), sp_runtime::DispatchError::BadOrigin);
			// Unsigned, it goes to the report system (here one that takes everything), free.
			let info = report(RuntimeOrigin::none());
			assert_ok!(info);
			assert_eq!(info.map(|i| i.pays_fee), Ok(Pays::No));
		});
	}
}
