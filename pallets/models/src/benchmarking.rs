//! Benchmarks (v2) of every call of the models pallet, each in its worst case: the longest URI,
//! the most tensor dimensions, the largest verifying key.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use frame_support::{traits::fungible::Mutate, BoundedVec};
use frame_system::RawOrigin;
use sp_runtime::traits::Saturating;

/// The id of the benchmarks' model.
const MODEL: ModelId = ModelId([1; 32]);

/// An account that can pay many deposits.
fn funded<T: Config>(name: &'static str) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	let amount = T::Currency::minimum_balance()
		.saturating_add(T::ModelDeposit::get())
		.saturating_mul(1_000u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

/// The longest URI the pallet accepts.
fn longest_uri<T: Config>() -> UriInput {
	let mut uri = b"https://".to_vec();
	uri.resize(T::MaxUriLen::get() as usize, b'x');
	BoundedVec::truncate_from(uri)
}

/// Input and output tensors with the most dimensions the pallet accepts.
fn largest_io<T: Config>() -> IoSpecOf<T> {
	let shape: BoundedVec<u32, T::MaxShapeDims> =
		BoundedVec::truncate_from(alloc::vec![1u32; T::MaxShapeDims::get() as usize]);
	let tensor = TensorSpec { dtype: DType::I8, shape };
	IoSpec { input: tensor.clone(), output: tensor }
}

/// Every mode.
fn all_modes() -> ModeSet {
	ModeSet { fast: true, zk: true, consensus: true }
}

/// A registered model, with its owner.
fn registered<T: Config>() -> Result<T::AccountId, BenchmarkError> {
	let owner = funded::<T>("owner");
	Pallet::<T>::do_register(
		MODEL,
		&owner,
		&longest_uri::<T>(),
		largest_io::<T>(),
		10u32.into(),
		Perbill::from_percent(5),
		all_modes(),
	)?;
	Ok(owner)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_model() {
		let owner = funded::<T>("owner");
		let uri = longest_uri::<T>();
		let io = largest_io::<T>();
		let price: BalanceOf<T> = 10u32.into();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			MODEL,
			uri,
			io,
			price,
			Perbill::from_percent(5),
			all_modes(),
		);
		assert!(Models::<T>::get(MODEL).is_some_and(|model| model.owner == owner));
	}

	#[benchmark]
	fn set_verifying_key(k: Linear<1, { T::MaxKeyLen::get() }>) -> Result<(), BenchmarkError> {
		let owner = registered::<T>()?;
		let vk: VerifyingKeyOf<T> = BoundedVec::try_from(T::KeyCheck::benchmark_key(k))
			.map_err(|_| BenchmarkError::Stop("the benchmark key is longer than MaxKeyLen"))?;
		OwnerKeys::<T>::put(true);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), MODEL, vk);
		assert!(VerifyingKeys::<T>::contains_key(MODEL));
		Ok(())
	}

	#[benchmark]
	fn retire_model() -> Result<(), BenchmarkError> {
		let owner = registered::<T>()?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), MODEL);
		assert!(Models::<T>::get(MODEL).is_some_and(|model| model.retired));
		Ok(())
	}

	#[benchmark]
	fn set_price() -> Result<(), BenchmarkError> {
		let owner = registered::<T>()?;
		let price: BalanceOf<T> = 42u32.into();
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), MODEL, price);
		assert_eq!(Models::<T>::get(MODEL).map(|model| model.price), Some(price));
		Ok(())
	}

	#[benchmark]
	fn set_tolerance() -> Result<(), BenchmarkError> {
		let owner = registered::<T>()?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), MODEL, 4);
		assert_eq!(Tolerances::<T>::get(MODEL), 4);
		Ok(())
	}

	#[benchmark]
	fn force_retire_model() -> Result<(), BenchmarkError> {
		registered::<T>()?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, MODEL);
		assert!(Models::<T>::get(MODEL).is_some_and(|model| model.retired));
		Ok(())
	}

	#[benchmark]
	fn reap_model() -> Result<(), BenchmarkError> {
		let owner = registered::<T>()?;
		let vk: VerifyingKeyOf<T> =
			BoundedVec::try_from(T::KeyCheck::benchmark_key(T::MaxKeyLen::get()))
				.map_err(|_| BenchmarkError::Stop("the benchmark key is too long"))?;
		Pallet::<T>::do_set_key(&owner, MODEL, vk)?;
		Pallet::<T>::do_retire(MODEL, None)?;
		let reaper = funded::<T>("reaper");
		#[extrinsic_call]
		_(RawOrigin::Signed(reaper), MODEL);
		assert!(!Models::<T>::contains_key(MODEL));
		assert!(!VerifyingKeys::<T>::contains_key(MODEL));
		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build_ext(),
		crate::mock::Test
	);
}
