//! Poseidon over BLS12-381's scalar field (no_std): the hash that commits a large input into
//! one public input.
//!
//! Parameters: width 3 (rate 2, capacity 1), S-box `x^5`, 8 full and 57 partial rounds — the
//! Poseidon paper's choice for a 255-bit field at width 3 and 128-bit security. The round
//! constants and the MDS matrix come from the paper's Grain LFSR, as arkworks'
//! `find_poseidon_ark_and_mds` computes them; they are pinned in [`constants`] (a test checks
//! them against that generator) and test vectors pin the hash itself.
//!
//! Hashing `m` elements: the capacity element starts as `m` (so inputs of different lengths
//! never collide through padding), each pair of elements is added into the rate and permuted
//! (a last odd element is paired with zero; no element is one permutation of the initial
//! state), and the first rate element is the hash.

// Field arithmetic is modular and cannot overflow; the hex digits are bytes below 16.
#![allow(clippy::arithmetic_side_effects)]

use alloc::vec::Vec;
use ark_bls12_381::Fr;
use ark_ff::{AdditiveGroup, Field, PrimeField};

mod constants;

/// The state width.
pub const WIDTH: usize = 3;
/// Full rounds (half before the partial rounds, half after).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds.
pub const PARTIAL_ROUNDS: usize = 57;
/// Rounds in all.
pub const ROUNDS: usize = FULL_ROUNDS + PARTIAL_ROUNDS;

/// The parsed constants: round constants, `ROUNDS × WIDTH`, and the MDS matrix.
pub struct Params {
	/// Added to the state at the start of each round.
	pub ark: Vec<[Fr; WIDTH]>,
	/// The mixing matrix.
	pub mds: [[Fr; WIDTH]; WIDTH],
}

fn parse(hex: &str) -> Fr {
	// The constants are 64 hex digits, big-endian, below the modulus.
	let mut bytes = [0u8; 32];
	for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
		let digit = |c: u8| match c {
			b'0'..=b'9' => c - b'0',
			b'a'..=b'f' => c - b'a' + 10,
			_ => 0,
		};
		let (hi, lo) = match pair {
			[hi, lo] => (digit(*hi), digit(*lo)),
			_ => (0, 0),
		};
		*byte = (hi << 4) | lo;
	}
	Fr::from_be_bytes_mod_order(&bytes)
}

impl Params {
	/// The pinned parameters.
	pub fn get() -> Self {
		let row = |r: &[&str; WIDTH]| [parse(r[0]), parse(r[1]), parse(r[2])];
		Params {
			ark: constants::ARK.iter().map(row).collect(),
			mds: [row(&constants::MDS[0]), row(&constants::MDS[1]), row(&constants::MDS[2])],
		}
	}

	/// Whether round `round` is a full round.
	pub fn is_full(round: usize) -> bool {
		!(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&round)
	}

	/// The permutation.
	pub fn permute(&self, state: &mut [Fr; WIDTH]) {
		for (round, ark) in self.ark.iter().enumerate() {
			for (x, c) in state.iter_mut().zip(ark) {
				*x += c;
			}
			if Self::is_full(round) {
				for x in state.iter_mut() {
					*x = sbox(*x);
				}
			} else if let Some(first) = state.first_mut() {
				*first = sbox(*first);
			}
			let old = *state;
			for (x, row) in state.iter_mut().zip(&self.mds) {
				*x = row.iter().zip(&old).map(|(m, y)| *m * y).sum();
			}
		}
	}

	/// The hash of `elements`.
	pub fn hash(&self, elements: &[Fr]) -> Fr {
		let mut state = [Fr::from(elements.len() as u64), Fr::ZERO, Fr::ZERO];
		for pair in elements.chunks(2) {
			for (x, e) in state.iter_mut().skip(1).zip(pair) {
				*x += e;
			}
			self.permute(&mut state);
		}
		if elements.is_empty() {
			self.permute(&mut state);
		}
		let [_, out, _] = state;
		out
	}
}

/// `x^5`.
pub fn sbox(x: Fr) -> Fr {
	let x2 = x.square();
	x2.square() * x
}

/// The hash of `elements` with the pinned parameters.
pub fn hash(elements: &[Fr]) -> Fr {
	Params::get().hash(elements)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use ark_crypto_primitives::sponge::{
		poseidon::{find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge},
		CryptographicSponge,
	};
	use ark_ff::BigInteger;

	fn generated() -> (Vec<Vec<Fr>>, Vec<Vec<Fr>>) {
		find_poseidon_ark_and_mds::<Fr>(
			u64::from(Fr::MODULUS_BIT_SIZE),
			2,
			FULL_ROUNDS as u64,
			PARTIAL_ROUNDS as u64,
			0,
		)
	}

	fn hex(x: &Fr) -> String {
		x.into_bigint().to_bytes_be().iter().map(|b| format!("{b:02x}")).collect()
	}

	/// `cargo test -p verity-zkml -- --ignored --nocapture print_constants` writes the body of
	/// `constants.rs`.
	#[test]
	#[ignore]
	fn print_constants() {
		let (ark, mds) = generated();
		let row = |r: &Vec<Fr>| {
			format!(
				"\t[\n\t\t\"{}\",\n\t\t\"{}\",\n\t\t\"{}\",\n\t],",
				hex(&r[0]),
				hex(&r[1]),
				hex(&r[2])
			)
		};
		println!("pub const ARK: [[&str; 3]; {}] = [", ark.len());
		ark.iter().for_each(|r| println!("{}", row(r)));
		println!("];\n\npub const MDS: [[&str; 3]; 3] = [");
		mds.iter().for_each(|r| println!("{}", row(r)));
		println!("];");
		for v in [&[][..], &[1, 2], &[1, 2, 3]] {
			let e: Vec<Fr> = v.iter().map(|x| Fr::from(*x as u64)).collect();
			println!("vector {}", hex(&hash(&e)));
		}
	}

	#[test]
	fn the_pinned_constants_are_the_grain_lfsrs() {
		let (ark, mds) = generated();
		let params = Params::get();
		assert_eq!(params.ark.len(), ROUNDS);
		assert_eq!(params.ark.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), ark);
		assert_eq!(params.mds.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), mds);
	}

	#[test]
	fn the_hash_is_arkworks_sponge_with_the_length_in_the_capacity() {
		let (ark, mds) = generated();
		let config = PoseidonConfig::new(FULL_ROUNDS, PARTIAL_ROUNDS, 5, mds, ark, 2, 1);
		for len in [0usize, 1, 2, 3, 4, 7, 26] {
			let elements: Vec<Fr> = (0..len as u64).map(|i| Fr::from(i * 31 + 7)).collect();
			let mut sponge = PoseidonSponge::new(&config);
			sponge.state[0] = Fr::from(len as u64);
			sponge.absorb(&elements);
			let expected: Vec<Fr> = sponge.squeeze_field_elements(1);
			assert_eq!(hash(&elements), expected[0], "length {len}");
		}
	}

	#[test]
	fn test_vectors() {
		let vector = |elements: &[u64]| {
			hex(&hash(&elements.iter().map(|e| Fr::from(*e)).collect::<Vec<_>>()))
		};
		assert_eq!(vector(&[]), VECTORS[0]);
		assert_eq!(vector(&[1, 2]), VECTORS[1]);
		assert_eq!(vector(&[1, 2, 3]), VECTORS[2]);
		// Length is bound: a trailing zero changes the hash.
		assert_ne!(vector(&[1, 2, 3]), vector(&[1, 2, 3, 0]));
	}

	/// `hash([])`, `hash([1, 2])`, `hash([1, 2, 3])`, big-endian hex.
	const VECTORS: [&str; 3] = [
		"10a9e48afc92bd4669b3a8c08c8c99d4144632da67c6cb9bb19cc8facaf8ed3e",
		"261c25cf30c9266202d48adb9663a74b76592aa5a0d32fe88c57776958606dda",
		"3838a0c7f2129f7004dbb01109172bc1af03c0bf619ba6e545c041821025f129",
	];
}
