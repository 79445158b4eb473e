//! Benchmarks (v2) of verification, in its worst case for each number of public inputs: a
//! well-formed proof that runs the whole check (a pairing costs the same whether the check
//! passes).

use super::*;
use crate::ceremony::{DeltaBytes, Phase1StepOf, Phase2StepOf};
use alloc::boxed::Box;
use ark_bls12_381::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate, MutateHold},
	EnsureOrigin, Get, SortedMembers,
};
use frame_system::RawOrigin;
use pallet_models::CeremonyKeys;
use sp_core::H256;
use sp_runtime::Saturating;
use verity_primitives::ModelId;
use verity_zkml::ceremony::{self as zk, Contribution, DeltaContribution, Head, HEAD_LEN};

/// Gives `who` enough to hold deposits.
fn fund<T: Config>(who: &T::AccountId) {
	let deposit = T::ContributionDeposit::get();
	let amount =
		T::Currency::minimum_balance().saturating_add(deposit).saturating_mul(10u32.into());
	T::Currency::set_balance(who, amount);
}

/// `who`'s deposit for its contribution to `phase`, held (as a contribution would).
fn hold_deposit<T: Config>(phase: Phase, who: &T::AccountId) -> Result<(), BenchmarkError> {
	fund::<T>(who);
	let deposit = T::ContributionDeposit::get();
	T::Currency::hold(&HoldReason::CeremonyContribution.into(), who, deposit)
		.map_err(|_| BenchmarkError::Stop("cannot hold a deposit"))?;
	Deposits::<T>::insert(phase, who, deposit);
	Ok(())
}

/// Phase 1 with `count` contributions (at least one) by other accounts, each over the
/// starting head, sealed on the first or not (then each holds its deposit); returns the first's
/// transcript hash.
fn phase1_with<T: Config>(count: u32, sealed: bool) -> Result<H256, BenchmarkError> {
	let transcript = H256([2; 32]);
	for index in 0..count.max(1) {
		let other: T::AccountId = account("other", index, 0);
		let head = Contribution::from_secrets(
			&Head::initial(),
			[Fr::from(3u64), Fr::from(5u64), Fr::from(7u64)],
			&zk::context(&[1; 32], &other.encode()),
		)
		.head;
		let mut point = [0u8; HEAD_LEN];
		point.copy_from_slice(&zk::encode(&head));
		let step = Phase1StepOf::<T> {
			contributor: other.clone(),
			parent: None,
			depth: 1,
			point,
			transcript,
		};
		Phase1Steps::<T>::insert(index, step);
		if !sealed {
			hold_deposit::<T>(Phase::One, &other)?;
		}
		Phase1Contributors::<T>::insert(other, index);
	}
	Phase1::<T>::put(Phase1Info {
		size: 8,
		origin: H256([1; 32]),
		contributions: count.max(1),
		sealed: sealed.then_some(0),
	});
	Ok(transcript)
}

/// `count` valid public-input bases.
fn bases<T: Config>(count: u32) -> crate::ceremony::InputBasesOf<T> {
	let bytes: Vec<u8> = (0..u64::from(count))
		.flat_map(|i| zk::encode(&(G1Affine::generator() * Fr::from(i + 3)).into_affine()))
		.collect();
	frame_support::BoundedVec::truncate_from(bytes)
}

/// `[δ]₁ ‖ [δ]₂` for δ = `d`.
fn delta_point(d: u64) -> DeltaBytes {
	let mut point = [0u8; 288];
	let (g1, g2) = point.split_at_mut(96);
	g1.copy_from_slice(&zk::encode(&(G1Affine::generator() * Fr::from(d)).into_affine()));
	g2.copy_from_slice(&zk::encode(&(G2Affine::generator() * Fr::from(d)).into_affine()));
	point
}

/// The owner's `Zk` model in phase 2 with `bases` input bases and a path of `depth`
/// contributions (0, 1, …, each extending the one before, by other accounts, each holding its
/// deposit).
fn phase2_with<T: Config>(
	bases_count: u32,
	depth: u32,
) -> Result<(T::AccountId, ModelId), BenchmarkError> {
	phase1_with::<T>(1, true)?;
	let owner: T::AccountId = account("owner", 0, 0);
	let model = T::Models::benchmark_model(&owner);
	for index in 0..depth {
		let contributor: T::AccountId = account("contributor", index, 0);
		Phase2Steps::<T>::insert(
			model,
			index,
			Phase2StepOf::<T> {
				contributor: contributor.clone(),
				parent: index.checked_sub(1),
				depth: index.saturating_add(1),
				point: delta_point(u64::from(index) + 2),
				transcript: H256([3; 32]),
			},
		);
		// The path's first contributor vouches: the whole path is walked to find it.
		if index == 0 {
			T::Vouchers::add(&contributor);
		}
		hold_deposit::<T>(Phase::Two(model), &contributor)?;
		Phase2Contributors::<T>::insert(model, contributor, index);
	}
	Phase2::<T>::insert(
		model,
		Phase2Info {
			origin: H256([9; 32]),
			inputs: bases::<T>(bases_count),
			contributions: depth,
			owner: owner.clone(),
			expires: frame_system::Pallet::<T>::block_number()
				.saturating_add(T::Phase2Lifetime::get()),
		},
	);
	Ok((owner, model))
}

/// Bytes of an uncompressed key: α (G1), β, γ, δ (G2), the length of the input bases (u64), the
/// bases (G1) and `e(α, β)` (576).
const KEY_FIXED: u32 = 96 + 3 * 192 + 8 + 576;
const G1_LEN: u32 = 96;

/// The longest valid key of at most `len` bytes and `max_inputs` public inputs (the shortest,
/// one base, if none fits).
pub fn key_of_len(len: u32, max_inputs: u32) -> Vec<u8> {
	let bases = len.saturating_sub(KEY_FIXED) / G1_LEN;
	synthetic_key(bases.saturating_sub(1).min(max_inputs))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn verify_proof(n: Linear<3, { T::MaxPublicInputs::get() }>) -> Result<(), BenchmarkError> {
		let key = synthetic_key(n);
		let proof = synthetic_proof();
		// The binding, then packed input chunks (at most 128: a longer input is hashed) and
		// output chunks: `n` public inputs.
		let chunks = (n as usize).saturating_sub(1);
		let input_chunks = chunks.saturating_sub(1).min(128);
		let input = alloc::vec![7u8; input_chunks.saturating_mul(31)];
		let output = alloc::vec![3u8; chunks.saturating_sub(input_chunks).saturating_mul(31)];
		let worker: T::AccountId = account("worker", 0, 0);
		let result;
		#[block]
		{
			result = Pallet::<T>::check(JobId(1), &worker, &key, &input, &output, &proof);
		}
		// The synthetic proof ran the whole check and failed it.
		assert_eq!(result, Err(ProofError::Invalid));
		Ok(())
	}

	#[benchmark]
	fn verify_batch(n: Linear<1, 64>) -> Result<(), BenchmarkError> {
		let key = synthetic_key(3);
		let proof = synthetic_proof();
		let worker: T::AccountId = account("worker", 0, 0);
		let (input, output) = (alloc::vec![7u8; 31], alloc::vec![3u8; 4]);
		let items: Vec<_> = (0..u64::from(n))
			.map(|j| (JobId(j), &worker, &input[..], &output[..], &proof[..]))
			.collect();
		let result;
		#[block]
		{
			result = <Pallet<T> as VerifyProof<T::AccountId>>::verify_batch(&key, &items);
		}
		assert_eq!(result, Err(ProofError::Invalid));
		Ok(())
	}

	#[benchmark]
	fn commit_input(n: Linear<1, 600>) -> Result<(), BenchmarkError> {
		let elements =
			verity_zkml::public::pack(&alloc::vec![9i8; (n as usize).saturating_mul(31)]);
		let hash;
		#[block]
		{
			hash = verity_zkml::poseidon::hash(&elements);
		}
		assert_ne!(hash, verity_zkml::poseidon::hash(&[]));
		Ok(())
	}

	#[benchmark]
	fn contribute_phase1() -> Result<(), BenchmarkError> {
		let parent = phase1_with::<T>(1, false)?;
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let previous = Contribution::from_secrets(
			&Head::initial(),
			[Fr::from(3u64), Fr::from(5u64), Fr::from(7u64)],
			&zk::context(&[1; 32], &account::<T::AccountId>("other", 0, 0).encode()),
		)
		.head;
		let contribution = Contribution::from_secrets(
			&previous,
			[Fr::from(11u64), Fr::from(13u64), Fr::from(17u64)],
			&zk::context(&parent.0, &caller.encode()),
		);
		let mut bytes = [0u8; zk::CONTRIBUTION_LEN];
		bytes.copy_from_slice(&zk::encode(&contribution));
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), Some(0), Box::new(bytes), H256([4; 32]));
		assert_eq!(Phase1::<T>::get().map(|info| info.contributions), Some(2));
		assert!(Deposits::<T>::contains_key(Phase::One, caller));
		Ok(())
	}

	#[benchmark]
	fn seal_phase1(c: Linear<1, { T::MaxContributions::get() }>) -> Result<(), BenchmarkError> {
		// `c` deposits to release.
		phase1_with::<T>(c, false)?;
		let origin =
			T::CeremonyOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);
		assert_eq!(Phase1::<T>::get().and_then(|info| info.sealed), Some(0));
		assert!(Deposits::<T>::iter().next().is_none());
		Ok(())
	}

	#[benchmark]
	fn reset_phase1(c: Linear<1, { T::MaxContributions::get() }>) -> Result<(), BenchmarkError> {
		// `c` contributions to forget, each with its deposit.
		phase1_with::<T>(c, false)?;
		let origin =
			T::CeremonyOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin);
		assert_eq!(Phase1::<T>::get().map(|info| info.contributions), Some(0));
		assert!(Phase1Steps::<T>::iter().next().is_none());
		assert!(Deposits::<T>::iter().next().is_none());
		Ok(())
	}

	#[benchmark]
	fn begin_phase2(
		n: Linear<1, { T::MaxPublicInputs::get().saturating_add(1) }>,
		c: Linear<0, { T::MaxContributions::get() }>,
	) -> Result<(), BenchmarkError> {
		// Beginning again, over `c` contributions to forget.
		let (owner, model) = phase2_with::<T>(1, c)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model, bases::<T>(n), H256([8; 32]));
		assert_eq!(Phase2::<T>::get(model).map(|info| info.contributions), Some(0));
		Ok(())
	}

	#[benchmark]
	fn contribute_phase2() -> Result<(), BenchmarkError> {
		let (_, model) = phase2_with::<T>(3, 1)?;
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let point = delta_point(2);
		let (g1, g2) = point.split_at(96);
		let g1: G1Affine = zk::decode(g1).map_err(|_| BenchmarkError::Weightless)?;
		let g2: G2Affine = zk::decode(g2).map_err(|_| BenchmarkError::Weightless)?;
		let contribution = DeltaContribution::from_secret(
			&g1,
			&g2,
			Fr::from(19u64),
			&zk::context(&[3; 32], &caller.encode()),
		);
		let mut bytes = [0u8; zk::DELTA_CONTRIBUTION_LEN];
		bytes.copy_from_slice(&zk::encode(&contribution));
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, Some(0), Box::new(bytes), H256([5; 32]));
		assert_eq!(Phase2::<T>::get(model).map(|info| info.contributions), Some(2));
		Ok(())
	}

	#[benchmark]
	fn seal_phase2(
		n: Linear<1, { T::MaxPublicInputs::get().saturating_add(1) }>,
		c: Linear<1, { T::MaxContributions::get() }>,
	) -> Result<(), BenchmarkError> {
		let (owner, model) = phase2_with::<T>(n, c)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model, c.saturating_sub(1));
		assert!(SealedContributors::<T>::get(model).is_some_and(|path| path.len() == c as usize));
		Ok(())
	}

	#[benchmark]
	fn end_phase2(c: Linear<0, { T::MaxContributions::get() }>) -> Result<(), BenchmarkError> {
		let (owner, model) = phase2_with::<T>(1, c)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model);
		assert!(Phase2::<T>::get(model).is_none());
		assert!(Deposits::<T>::iter().next().is_none());
		Ok(())
	}

	#[benchmark]
	fn set_min_contributors() -> Result<(), BenchmarkError> {
		let origin =
			T::CeremonyOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 2);
		assert_eq!(MinContributors::<T>::get(), 2);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
