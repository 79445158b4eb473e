//! Benchmarks: checking the two sealed headers of a report.

// A benchmark's setup failing is a broken benchmark: it may panic.
#![allow(clippy::expect_used)]

use super::*;
use frame_benchmarking::v2::*;

/// Variant `variant` of block 1, in `slot`, sealed by `sign`.
fn header<T: Config>(
	variant: u8,
	slot: Slot,
	sign: impl Fn(&[u8]) -> AuthoritySignature,
) -> HeaderFor<T> {
	use sp_runtime::traits::Hash;
	sealed_header::<HeaderFor<T>>(
		(One::one(), Default::default()),
		T::Hashing::hash(&[variant]),
		slot,
		sign,
	)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn check_equivocation_proof() {
		let offender = AuthorityId::generate_pair(None);
		let sign = |message: &[u8]| offender.sign(&message).expect("the key is in the keystore");
		let slot = Slot::from(42);
		let proof = sp_consensus_slots::EquivocationProof {
			offender: offender.clone(),
			slot,
			first_header: header::<T>(1, slot, sign),
			second_header: header::<T>(2, slot, sign),
		};
		let valid;
		#[block]
		{
			valid = crate::check_equivocation_proof(proof);
		}
		assert!(valid);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
