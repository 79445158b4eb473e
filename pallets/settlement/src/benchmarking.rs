//! Benchmarks (v2) of verification, in its worst case for each number of public inputs: a
//! well-formed proof that runs the whole check (a pairing costs the same whether the check
//! passes).

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::Get;

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

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
