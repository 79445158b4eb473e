// Placeholder until scripts/bench-pallets.sh generates this file.
#![allow(missing_docs)]
use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};
pub struct WeightInfo<T>(PhantomData<T>);
impl<T: frame_system::Config> pallet_oracle::WeightInfo for WeightInfo<T> {
	fn feed_values(x: u32) -> Weight {
		Weight::from_parts(50_000_000, 5000)
			.saturating_add(Weight::from_parts(20_000_000, 2600).saturating_mul(x.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 1))
			.saturating_add(T::DbWeight::get().reads_writes(2, 1).saturating_mul(x.into()))
	}
	fn on_finalize() -> Weight {
		Weight::from_parts(5_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
}
