//! Benchmarks (v2) of every call of the operators pallet.

// A benchmark's setup failing is a broken benchmark: it may panic.
#![allow(clippy::expect_used)]

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use frame_support::{traits::fungible::Mutate, BoundedVec};
use frame_system::RawOrigin;
use sp_runtime::traits::{Bounded, One};

/// An old worker that acts for `who` and a new account, not yet proposed.
fn workers<T: Config>(who: &T::AccountId) -> (T::AccountId, T::AccountId) {
	let old: T::AccountId = account("old-worker", 0, 0);
	let new: T::AccountId = account("new-worker", 0, 0);
	Pallet::<T>::set_worker(RawOrigin::Signed(who.clone()).into(), Some(old.clone()))
		.expect("proposes");
	Pallet::<T>::accept_worker(RawOrigin::Signed(old.clone()).into(), who.clone())
		.expect("accepts");
	(old, new)
}

/// An account endowed with plenty of balance.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let amount = BalanceOf::<T>::max_value() / 4u32.into();
	T::Currency::set_balance(&who, amount);
	who
}

/// The largest bond any role requires, plus one unit.
fn bond_amount<T: Config>() -> BalanceOf<T> {
	Pallet::<T>::required_bond(RoleSet::of(&Role::ALL)).saturating_add(One::one())
}

fn short_metadata<T: Config>() -> OperatorMetadataInput {
	OperatorMetadataInput {
		name: BoundedVec::try_from(alloc::vec![b'n'; T::MaxNameLen::get() as usize])
			.unwrap_or_default(),
		endpoint: BoundedVec::try_from(alloc::vec![b'e'; T::MaxEndpointLen::get() as usize])
			.unwrap_or_default(),
	}
}

/// A registered operator of every role with a bond.
fn bonded_operator<T: Config>() -> T::AccountId {
	let who = funded::<T>("operator", 0);
	let bond = bond_amount::<T>().saturating_mul(4u32.into());
	Pallet::<T>::do_register(&who, RoleSet::of(&Role::ALL), short_metadata::<T>(), bond)
		.expect("registers");
	who
}

/// Fills `role` with [`Config::MaxOperatorsPerRole`] operators, each with the role's least bond
/// (and, for `Inference`, serving the most models), so a newcomer with more pushes one out and
/// clears its index.
fn fill_role<T: Config>(role: Role, seed: u32) {
	let count = T::MaxOperatorsPerRole::get().saturating_sub(RoleCounts::<T>::get(role));
	let bond = Pallet::<T>::required_bond(RoleSet::of(&[role])).max(One::one());
	for i in 0..count {
		let who: T::AccountId = account("member", seed.saturating_mul(1_000).saturating_add(i), 0);
		let balance =
			bond.saturating_mul(2u32.into()).saturating_add(T::Currency::minimum_balance());
		T::Currency::set_balance(&who, balance);
		Pallet::<T>::do_register(&who, RoleSet::of(&[role]), short_metadata::<T>(), bond)
			.expect("a member registers");
		if role == Role::Inference {
			Pallet::<T>::do_set_capabilities(who, capabilities::<T>(T::MaxModelsServed::get(), 3))
				.expect("a member declares its models");
		}
	}
}

fn capabilities<T: Config>(n: u32, seed: u8) -> Capabilities<T> {
	let models: alloc::vec::Vec<ModelId> = (0..n)
		.map(|i| {
			let mut id = [seed; 32];
			id[..4].copy_from_slice(&i.to_le_bytes());
			ModelId(id)
		})
		.collect();
	Capabilities {
		models: BoundedVec::try_from(models).unwrap_or_default(),
		max_concurrent_jobs: 8,
		accelerator: true,
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register(r: Linear<0, 4>) {
		// `r` roles are full: the newcomer looks through them and pushes an operator out of each.
		for (index, role) in Role::ALL.into_iter().take(r as usize).enumerate() {
			fill_role::<T>(role, index as u32);
		}
		let who = funded::<T>("operator", 0);
		// The longest metadata the pallet accepts.
		let metadata = short_metadata::<T>();
		let amount = bond_amount::<T>().saturating_mul(4u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), RoleSet::of(&Role::ALL), metadata, amount);
		assert!(Operators::<T>::contains_key(&who));
		for role in Role::ALL {
			assert!(RoleCounts::<T>::get(role) <= T::MaxOperatorsPerRole::get());
		}
	}

	#[benchmark]
	fn bond() {
		let who = bonded_operator::<T>();
		let amount = bond_amount::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);
		assert!(Operators::<T>::get(&who).is_some_and(|o| o.bonded > amount));
	}

	#[benchmark]
	fn unbond() {
		let who = bonded_operator::<T>();
		// Fill all chunks but one, each in its own block, so the call searches them all.
		for block in 1..T::MaxUnlockingChunks::get() {
			frame_system::Pallet::<T>::set_block_number(block.into());
			Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), One::one())
				.expect("unbonds");
		}
		frame_system::Pallet::<T>::set_block_number(T::MaxUnlockingChunks::get().into());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), One::one());
		assert_eq!(
			Operators::<T>::get(&who).map(|o| o.unlocking.len() as u32),
			Some(T::MaxUnlockingChunks::get())
		);
	}

	#[benchmark]
	fn withdraw_unbonded() {
		let who = bonded_operator::<T>();
		for block in 1..=T::MaxUnlockingChunks::get() {
			frame_system::Pallet::<T>::set_block_number(block.into());
			Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), One::one())
				.expect("unbonds");
		}
		let later =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		frame_system::Pallet::<T>::set_block_number(later);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert_eq!(Operators::<T>::get(&who).map(|o| o.unlocking.len()), Some(0));
	}

	#[benchmark]
	fn set_capabilities(
		o: Linear<0, { T::MaxModelsServed::get() }>,
		n: Linear<0, { T::MaxModelsServed::get() }>,
	) {
		let who = bonded_operator::<T>();
		Pallet::<T>::set_capabilities(
			RawOrigin::Signed(who.clone()).into(),
			capabilities::<T>(o, 1),
		)
		.expect("sets");
		let caps = capabilities::<T>(n, 2);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), caps);
		assert_eq!(
			Operators::<T>::get(&who).map(|op| op.capabilities.models.len() as u32),
			Some(n)
		);
	}

	#[benchmark]
	fn chill() {
		let who = bonded_operator::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Operators::<T>::get(&who).is_some_and(|o| o.chilled));
	}

	#[benchmark]
	fn unchill() {
		let who = bonded_operator::<T>();
		Pallet::<T>::chill(RawOrigin::Signed(who.clone()).into()).expect("chills");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Operators::<T>::get(&who).is_some_and(|o| !o.chilled));
	}

	#[benchmark]
	fn deregister(m: Linear<0, { T::MaxModelsServed::get() }>) {
		let who = bonded_operator::<T>();
		Pallet::<T>::set_capabilities(
			RawOrigin::Signed(who.clone()).into(),
			capabilities::<T>(m, 1),
		)
		.expect("sets");
		let bonded = Operators::<T>::get(&who).map(|o| o.bonded).unwrap_or_default();
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), bonded).expect("unbonds");
		let later =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		frame_system::Pallet::<T>::set_block_number(later);
		Pallet::<T>::withdraw_unbonded(RawOrigin::Signed(who.clone()).into()).expect("withdraws");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Operators::<T>::contains_key(&who));
	}

	#[benchmark]
	fn force_deregister(m: Linear<0, { T::MaxModelsServed::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::ForceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who = bonded_operator::<T>();
		Pallet::<T>::set_capabilities(
			RawOrigin::Signed(who.clone()).into(),
			capabilities::<T>(m, 1),
		)
		.expect("sets");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(Operators::<T>::get(&who).is_some_and(|o| o.roles.is_empty() && o.bonded.is_zero()));
		Ok(())
	}

	/// A proposal while another worker acts.
	#[benchmark]
	fn set_worker() {
		let who = bonded_operator::<T>();
		let (old, new) = workers::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Some(new.clone()));
		assert_eq!(ProposedWorkers::<T>::get(&who), Some(new));
		assert_eq!(WorkerOf::<T>::get(&old), Some(who));
	}

	/// The worst case replaces a worker that acted before.
	#[benchmark]
	fn accept_worker() {
		let who = bonded_operator::<T>();
		let (old, new) = workers::<T>(&who);
		Pallet::<T>::set_worker(RawOrigin::Signed(who.clone()).into(), Some(new.clone()))
			.expect("proposes");
		#[extrinsic_call]
		_(RawOrigin::Signed(new.clone()), who.clone());
		assert_eq!(Workers::<T>::get(&who), Some(new.clone()));
		assert_eq!(WorkerOf::<T>::get(&new), Some(who));
		assert!(!WorkerOf::<T>::contains_key(&old));
	}

	#[benchmark]
	fn set_min_bond() -> Result<(), BenchmarkError> {
		let origin =
			T::MinBondOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Role::Validator, One::one());
		assert_eq!(MinBond::<T>::get(Role::Validator), One::one());
		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build_ext(),
		crate::mock::Test
	);
}
