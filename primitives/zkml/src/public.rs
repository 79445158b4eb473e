//! The public inputs of a proof (no_std): what the chain computes from a job to check a proof
//! of it, and the prover computes to make one.
//!
//! In order: the job binding, the input packed [`PACK_BYTES`] bytes a field element — or, for
//! an input of more than [`COMMIT_ABOVE`] bytes, the [Poseidon](crate::poseidon) hash of its
//! packing — and the output packed the same way. Packing writes `v + 128` as little-endian
//! base-256 digits, so the packing of a given length is injective; the lengths themselves are
//! fixed by the model (the chain checks them before it packs).
//!
//! Packing costs the chain one multi-scalar-multiplication base per 31 bytes, which its host
//! functions do quickly, and the key a point per 31 bytes; hashing costs it a Poseidon
//! permutation per 62 bytes in wasm. So inputs are packed up to [`COMMIT_ABOVE`] bytes (128
//! public inputs) and committed above, which keeps keys small for any input size.

use alloc::vec::Vec;
use ark_bls12_381::Fr;
use ark_ff::PrimeField;

/// Bytes packed into one public field element (248 bits, below the 255-bit modulus).
pub const PACK_BYTES: usize = 31;

/// Packs `i8` values into field elements, [`PACK_BYTES`] a field element.
pub fn pack(values: &[i8]) -> Vec<Fr> {
	values
		.chunks(PACK_BYTES)
		.map(|chunk| {
			let bytes: Vec<u8> = chunk.iter().map(|v| (*v as u8) ^ 0x80).collect();
			Fr::from_le_bytes_mod_order(&bytes)
		})
		.collect()
}

/// Inputs longer than this are committed by hash rather than packed.
pub const COMMIT_ABOVE: usize = 128 * PACK_BYTES;

/// The public inputs that stand for `input`: its packing, or the hash of its packing.
pub fn input_public(input: &[i8]) -> Vec<Fr> {
	let packed = pack(input);
	if input.len() > COMMIT_ABOVE {
		alloc::vec![crate::poseidon::hash(&packed)]
	} else {
		packed
	}
}

/// How many public inputs stand for an input of `len` values.
pub const fn input_public_len(len: usize) -> usize {
	if len > COMMIT_ABOVE {
		1
	} else {
		packed_len(len)
	}
}

/// How many field elements [`pack`] makes of `len` values.
pub const fn packed_len(len: usize) -> usize {
	len.div_ceil(PACK_BYTES)
}

/// The binding of a proof to one job and one worker, from a 32-byte digest of both (see
/// `verity_primitives::zk_binding`), reduced into the field.
pub fn binding(digest: &[u8; 32]) -> Fr {
	Fr::from_le_bytes_mod_order(digest)
}

/// The public inputs of a proof that a model gives `output` on `input` for the job `binding`
/// stands for.
pub fn public_inputs(binding: Fr, input: &[i8], output: &[i8]) -> Vec<Fr> {
	let mut public = Vec::with_capacity(public_input_count(input.len(), output.len()));
	public.push(binding);
	public.extend(input_public(input));
	public.extend(pack(output));
	public
}

/// How many public inputs a model of `input_len` inputs and `output_len` outputs has.
pub const fn public_input_count(input_len: usize, output_len: usize) -> usize {
	input_public_len(input_len).saturating_add(packed_len(output_len)).saturating_add(1)
}

/// `bytes` read as `i8` values (the wire form of a `Zk` job's input and output).
pub fn as_i8(bytes: &[u8]) -> Vec<i8> {
	bytes.iter().map(|b| *b as i8).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use ark_ff::{BigInteger, PrimeField};

	#[test]
	fn packing_writes_offset_digits_little_endian() {
		let packed = pack(&[-128, 0, 127]);
		assert_eq!(packed.len(), 1);
		let bytes = packed[0].into_bigint().to_bytes_le();
		assert_eq!(&bytes[..4], &[0, 128, 255, 0]);
		assert_eq!(pack(&[5; 62]).len(), 2);
		assert_eq!(pack(&[5; 63]).len(), 3);
		assert_eq!(packed_len(63), 3);
	}

	#[test]
	fn packing_of_one_length_is_injective_but_lengths_must_be_fixed() {
		assert_ne!(pack(&[1, 2, 3]), pack(&[1, 2, 4]));
		// A trailing -128 is a zero digit: the chain fixes the length before it packs.
		assert_eq!(pack(&[1, 2, 3]), pack(&[1, 2, 3, -128]));
	}

	#[test]
	fn public_inputs_are_binding_input_output() {
		let b = binding(&[7; 32]);
		let public = public_inputs(b, &[1; 40], &[2; 4]);
		assert_eq!(public.len(), public_input_count(40, 4));
		assert_eq!(public[0], b);
		assert_eq!(&public[1..3], pack(&[1; 40]).as_slice());
		assert_eq!(public[3], pack(&[2; 4])[0]);
		assert_ne!(binding(&[7; 32]), binding(&[8; 32]));
	}

	#[test]
	fn large_inputs_are_committed_by_hash() {
		let small = vec![3i8; COMMIT_ABOVE];
		assert_eq!(input_public(&small), pack(&small));
		assert_eq!(input_public_len(COMMIT_ABOVE), 128);
		let large = vec![3i8; COMMIT_ABOVE + 1];
		assert_eq!(input_public(&large), vec![crate::poseidon::hash(&pack(&large))]);
		assert_eq!(input_public_len(COMMIT_ABOVE + 1), 1);
		assert_eq!(public_input_count(5000, 10), 3);
		let mut other = large.clone();
		other[3900] = 4;
		assert_ne!(input_public(&large), input_public(&other));
	}
}
