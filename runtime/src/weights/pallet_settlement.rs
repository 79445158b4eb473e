//! Weights of `pallet_settlement`.
//!
//! Not generated yet: these are the pallet's conservative defaults (5 ms and 0.1 ms a public
//! input, well above what the host-function verifier measures; see the README). Regenerate with
//! `scripts/bench-pallets.sh`.

use core::marker::PhantomData;
use frame_support::weights::Weight;

/// Weight functions for `pallet_settlement`.
pub struct WeightInfo<T>(PhantomData<T>);

impl<T: frame_system::Config> pallet_settlement::WeightInfo for WeightInfo<T> {
	fn verify_proof(n: u32) -> Weight {
		<() as pallet_settlement::WeightInfo>::verify_proof(n)
	}
	fn verify_batch(n: u32) -> Weight {
		<() as pallet_settlement::WeightInfo>::verify_batch(n)
	}
	fn commit_input(n: u32) -> Weight {
		<() as pallet_settlement::WeightInfo>::commit_input(n)
	}
}
