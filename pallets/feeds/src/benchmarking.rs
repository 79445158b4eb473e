//! Benchmarks (v2) of the pallet's calls, each at its worst case: a signed creator's deposit
//! held or released, the longest texts.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin, Get};
use frame_system::RawOrigin;
use sp_runtime::traits::Saturating;

fn text<T: Config>() -> TextOf<T> {
	BoundedVec::truncate_from(alloc::vec![b'x'; T::MaxTextLen::get() as usize])
}

fn funded<T: Config>() -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	let amount = T::FeedDeposit::get().saturating_mul(10u32.into());
	let _ = T::Currency::mint_into(&who, amount.saturating_add(T::Currency::minimum_balance()));
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_feed() {
		let creator = funded::<T>();
		let id = NextFeedId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(creator.clone()), text::<T>(), text::<T>(), MAX_FEED_DECIMALS);
		assert_eq!(Feeds::<T>::get(id).and_then(|feed| feed.creator), Some(creator));
	}

	#[benchmark]
	fn remove_feed() -> Result<(), BenchmarkError> {
		let creator = funded::<T>();
		let feed = Pallet::<T>::do_create(Some(creator.clone()), text::<T>(), text::<T>(), 2)
			.map_err(|_| BenchmarkError::Stop("feed"))?;
		Reported::<T>::insert(feed, frame_system::Pallet::<T>::block_number());
		#[extrinsic_call]
		_(RawOrigin::Signed(creator), feed);
		assert!(!Feeds::<T>::contains_key(feed));
		Ok(())
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 5, 60_000);
		assert_eq!(Params::<T>::get(), FeedParams { min_reports: 5, max_age: 60_000 });
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
