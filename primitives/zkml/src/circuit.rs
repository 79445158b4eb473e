//! The R1CS circuit of a model (std; BLS12-381 scalar field).
//!
//! Weights are circuit constants, so a layer's accumulators are linear combinations of its
//! inputs and cost no constraints; the verifying key identifies the model. What costs
//! constraints is the non-linear part of every neuron, proved with n-bit range checks — never a
//! full-width decomposition:
//!
//! - **rescale** — `acc + 2^(s-1) = q · 2^s + r` with `r ∈ [0, 2^s)` ([`range_check`], `s` bits);
//! - **clamp** (ReLU is a clamp to `[0, 127]`, otherwise `[-128, 127]`) — two flags `a` (`q < lo`)
//!   and `b` (`q > hi`), products `p1 = a · (lo - q)`, `p2 = b · (hi - q)`, and the range checks
//!   `q - lo + 2·p1 - a ∈ [0, 2^K)` and `hi - q - 2·p2 - b ∈ [0, 2^K)` with `K = 33 - s`: each
//!   says, on its branch, `q ≥ lo` or `q < lo`, `q ≤ hi` or `q > hi`. The output is
//!   `y = q + p1 + p2`.
//!
//! Because every value is bounded (inputs are range-checked `i8`s, accumulators stay within 2^31,
//! `q` and `r` are range-bounded), each field equation is also an integer equation, so the only
//! satisfying witness is the [interpreter](crate::interpreter)'s.
//!
//! Public inputs, in order: the job binding (`binding · binding = sq` ties it into the proof, so
//! a proof for one job does not verify for another), the input packed 31 bytes a field element
//! (`x + 128` as base-256 digits), and the output packed the same way.

// Field and linear-combination arithmetic is modular and cannot overflow; the integer arithmetic
// is on values a valid model bounds by 2^31 (see `ir`).
#![allow(clippy::arithmetic_side_effects)]

use ark_bls12_381::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_relations::gr1cs::{
	ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};

use crate::{
	interpreter::activation,
	ir::Model,
	public::{input_public, input_public_len, pack, packed_len, COMMIT_ABOVE, PACK_BYTES},
};

/// A linear combination over the scalar field.
pub type Lc = LinearCombination<Fr>;

/// `v` as a field element (negative values wrap to `p - |v|`).
pub fn fr(v: i64) -> Fr {
	let magnitude = Fr::from(v.unsigned_abs());
	if v < 0 {
		-magnitude
	} else {
		magnitude
	}
}

fn one() -> Lc {
	Lc::from(Variable::One)
}

fn constant(v: i64) -> Lc {
	Lc::from((fr(v), Variable::One))
}

fn witness(cs: &ConstraintSystemRef<Fr>, value: Option<Fr>) -> Result<Variable, SynthesisError> {
	cs.new_witness_variable(|| value.ok_or(SynthesisError::AssignmentMissing))
}

/// Enforces `lc = Σ 2^i · bits[i]` with every bit boolean: `lc ∈ [0, 2^bits.len())`.
/// `bits` is the prover's claim (`None` while setting up).
pub fn range_check_bits(
	cs: &ConstraintSystemRef<Fr>,
	lc: Lc,
	bits: &[Option<bool>],
) -> Result<(), SynthesisError> {
	let mut sum = Lc::new();
	let mut power = Fr::ONE;
	for bit in bits {
		let b = witness(cs, bit.map(Fr::from))?;
		// b · (1 - b) = 0
		cs.enforce_r1cs_constraint(|| Lc::from(b), || one() - b, Lc::new)?;
		sum += (power, b);
		power.double_in_place();
	}
	cs.enforce_r1cs_constraint(|| lc - &sum, one, Lc::new)
}

/// Enforces `lc ∈ [0, 2^n)` given its value (`None` while setting up).
pub fn range_check(
	cs: &ConstraintSystemRef<Fr>,
	lc: Lc,
	value: Option<u64>,
	n: u32,
) -> Result<(), SynthesisError> {
	let bits: Vec<Option<bool>> = (0..n)
		.map(|i| value.map(|v| v.checked_shr(i).is_some_and(|shifted| shifted & 1 == 1)))
		.collect();
	range_check_bits(cs, lc, &bits)
}

/// What the prover claims about one neuron: the interpreter's values by [`NeuronWitness::of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeuronWitness {
	/// `(acc + 2^(s-1)) >> s`.
	pub q: i64,
	/// `acc + 2^(s-1) - q · 2^s`.
	pub r: i64,
	/// `q < lo`.
	pub below: bool,
	/// `q > hi`.
	pub above: bool,
}

/// The clamp bounds of a neuron: `[0, 127]` with ReLU, `[-128, 127]` without.
pub fn bounds(relu: bool) -> (i64, i64) {
	(if relu { 0 } else { i64::from(i8::MIN) }, i64::from(i8::MAX))
}

impl NeuronWitness {
	/// The honest witness of a neuron whose accumulator is `acc`.
	pub fn of(acc: i64, shift: u8, relu: bool) -> Self {
		let half = if shift == 0 { 0 } else { 1i64.checked_shl(u32::from(shift) - 1).unwrap_or(0) };
		let shifted = acc.saturating_add(half);
		let q = shifted.checked_shr(u32::from(shift)).unwrap_or(0);
		let r = shifted.saturating_sub(q.checked_shl(u32::from(shift)).unwrap_or(0));
		let (lo, hi) = bounds(relu);
		NeuronWitness { q, r, below: q < lo, above: q > hi }
	}

	/// The output these values give.
	pub fn output(&self, relu: bool) -> i64 {
		let (lo, hi) = bounds(relu);
		self.q.clamp(lo, hi)
	}
}

/// One neuron: rescale by `shift`, clamp (`relu` or not). Returns the output `y` as a linear
/// combination. `w` is `None` while setting up.
pub fn neuron(
	cs: &ConstraintSystemRef<Fr>,
	acc: Lc,
	shift: u8,
	relu: bool,
	w: Option<NeuronWitness>,
) -> Result<Lc, SynthesisError> {
	let (lo, hi) = bounds(relu);
	let half = if shift == 0 { 0 } else { 1i64 << (shift - 1) };
	let k = 33 - u32::from(shift);

	// Rescale: acc + half - r - 2^s · q = 0, r ∈ [0, 2^s).
	let q = witness(cs, w.map(|w| fr(w.q)))?;
	let scale = fr(1i64 << shift);
	let mut rescaled = acc + &constant(half) - (scale, q);
	if shift > 0 {
		let r = witness(cs, w.map(|w| fr(w.r)))?;
		range_check(cs, Lc::from(r), w.map(|w| w.r as u64), u32::from(shift))?;
		rescaled = rescaled - r;
	}
	cs.enforce_r1cs_constraint(|| rescaled, one, Lc::new)?;

	// Clamp to [lo, hi].
	let a = witness(cs, w.map(|w| Fr::from(w.below)))?;
	let b = witness(cs, w.map(|w| Fr::from(w.above)))?;
	let p1 = witness(cs, w.map(|w| if w.below { fr(lo - w.q) } else { Fr::ZERO }))?;
	let p2 = witness(cs, w.map(|w| if w.above { fr(hi - w.q) } else { Fr::ZERO }))?;
	cs.enforce_r1cs_constraint(|| Lc::from(a), || constant(lo) - q, || Lc::from(p1))?;
	cs.enforce_r1cs_constraint(|| Lc::from(b), || constant(hi) - q, || Lc::from(p2))?;
	cs.enforce_r1cs_constraint(|| Lc::from(a), || one() - a, Lc::new)?;
	cs.enforce_r1cs_constraint(|| Lc::from(b), || one() - b, Lc::new)?;
	let two = Fr::from(2u64);
	let t1 = Lc::from(q) - &constant(lo) + (two, p1) - a;
	let t1_value = w.map(|w| if w.below { lo - w.q - 1 } else { w.q - lo } as u64);
	range_check(cs, t1, t1_value, k)?;
	let t2 = constant(hi) - q - (two, p2) - b;
	let t2_value = w.map(|w| if w.above { w.q - hi - 1 } else { hi - w.q } as u64);
	range_check(cs, t2, t2_value, k)?;
	Ok(Lc::from(q) + p1 + p2)
}

/// The Poseidon permutation (see [`crate::poseidon`]) on `state`, in constraints: three per
/// S-box (`x², x⁴, x⁵`), so 3 · (8 · 3 + 57) = 243 a permutation; round constants and the MDS
/// matrix are linear and free. `values` carries the prover's state (`None` while setting up).
// Indices are below the fixed width 3.
#[allow(clippy::indexing_slicing)]
pub fn poseidon_permutation(
	cs: &ConstraintSystemRef<Fr>,
	params: &crate::poseidon::Params,
	state: &mut [Lc; 3],
	values: &mut Option<[Fr; 3]>,
) -> Result<(), SynthesisError> {
	use crate::poseidon::{sbox, Params};
	for (round, ark) in params.ark.iter().enumerate() {
		let full = Params::is_full(round);
		for (k, (lc, c)) in state.iter_mut().zip(ark).enumerate() {
			*lc = lc.clone() + (*c, Variable::One);
			if let Some(v) = values.as_mut() {
				v[k] += c;
			}
			if !full && k > 0 {
				continue;
			}
			let x = values.map(|v| v[k]);
			let x2 = witness(cs, x.map(|x| x.square()))?;
			let x4 = witness(cs, x.map(|x| x.square().square()))?;
			let x5 = witness(cs, x.map(sbox))?;
			let input = lc.clone();
			cs.enforce_r1cs_constraint(|| input.clone(), || input.clone(), || Lc::from(x2))?;
			cs.enforce_r1cs_constraint(|| Lc::from(x2), || Lc::from(x2), || Lc::from(x4))?;
			cs.enforce_r1cs_constraint(|| Lc::from(x4), || input, || Lc::from(x5))?;
			*lc = Lc::from(x5);
			if let Some(v) = values.as_mut() {
				v[k] = sbox(v[k]);
			}
		}
		let old = state.clone();
		for (lc, row) in state.iter_mut().zip(&params.mds) {
			let mut mixed = Lc::new();
			for (m, y) in row.iter().zip(&old) {
				mixed = mixed + (*m, y);
			}
			*lc = mixed;
		}
		if let Some(v) = values.as_mut() {
			let old = *v;
			for (x, row) in v.iter_mut().zip(&params.mds) {
				*x = row.iter().zip(&old).map(|(m, y)| *m * y).sum();
			}
		}
	}
	Ok(())
}

/// The Poseidon hash (see [`crate::poseidon::Params::hash`]) of the linear combinations
/// `elements` (whose values are `values`, as many), in constraints; returns the hash and its
/// value.
// Indices are below the width 3 and, for `values`, below `elements.len()`, which the caller
// makes equal.
#[allow(clippy::indexing_slicing)]
pub fn poseidon_hash(
	cs: &ConstraintSystemRef<Fr>,
	elements: &[Lc],
	values: Option<Vec<Fr>>,
) -> Result<(Lc, Option<Fr>), SynthesisError> {
	let params = crate::poseidon::Params::get();
	let len = Fr::from(elements.len() as u64);
	let mut state = [Lc::from((len, Variable::One)), Lc::new(), Lc::new()];
	let mut state_values = values.as_ref().map(|_| [len, Fr::ZERO, Fr::ZERO]);
	for (k, pair) in elements.chunks(2).enumerate() {
		for (j, e) in pair.iter().enumerate() {
			state[j + 1] = state[j + 1].clone() + e;
			if let (Some(s), Some(v)) = (state_values.as_mut(), values.as_ref()) {
				s[j + 1] += v[2 * k + j];
			}
		}
		poseidon_permutation(cs, &params, &mut state, &mut state_values)?;
	}
	if elements.is_empty() {
		poseidon_permutation(cs, &params, &mut state, &mut state_values)?;
	}
	let [_, out, _] = state;
	Ok((out, state_values.map(|[_, out, _]| out)))
}

/// The values `lcs` (each known to be in `[-128, 127]`) packed as [`pack`] packs them: linear,
/// no constraints.
fn packed_lcs(lcs: &[Lc]) -> Vec<Lc> {
	lcs.chunks(PACK_BYTES)
		.map(|chunk| {
			let mut sum = Lc::new();
			let mut power = Fr::ONE;
			for lc in chunk {
				sum = sum + (power, &(lc.clone() + &constant(128)));
				power *= Fr::from(256u64);
			}
			sum
		})
		.collect()
}

/// Enforces that the public inputs `packed` pack the values `lcs`.
fn enforce_packed(
	cs: &ConstraintSystemRef<Fr>,
	packed: &[Variable],
	lcs: &[Lc],
) -> Result<(), SynthesisError> {
	for (public, sum) in packed.iter().zip(packed_lcs(lcs)) {
		cs.enforce_r1cs_constraint(|| sum - *public, one, Lc::new)?;
	}
	Ok(())
}

/// Enforces that the public input `commitment` is the Poseidon hash of the packed `lcs`, whose
/// values are `values`.
fn enforce_committed(
	cs: &ConstraintSystemRef<Fr>,
	commitment: &[Variable],
	lcs: &[Lc],
	values: Option<&[i8]>,
) -> Result<(), SynthesisError> {
	let [commitment] = commitment else { return Err(SynthesisError::Unsatisfiable) };
	let (hash, _) = poseidon_hash(cs, &packed_lcs(lcs), values.map(pack))?;
	cs.enforce_r1cs_constraint(|| hash - *commitment, one, Lc::new)
}

/// The circuit of `model` on `input` (`None` while setting up), bound to `binding`.
pub struct ModelCircuit<'a> {
	/// The model (its weights become constants).
	pub model: &'a Model,
	/// The input, or `None` for key generation.
	pub input: Option<Vec<i8>>,
	/// The job binding (public), e.g. a hash of the job id and the worker.
	pub binding: Option<Fr>,
	/// What the public input and output claim, if not the honest input and the interpreter's
	/// output. An honest prover leaves it `None`; tests set it to check that a false claim does
	/// not satisfy the circuit.
	pub claim: Option<(Vec<i8>, Vec<i8>)>,
}

impl ConstraintSynthesizer<Fr> for ModelCircuit<'_> {
	fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
		let model = self.model;
		model.validate().map_err(|_| SynthesisError::Unsatisfiable)?;
		let input_len = model.input_len as usize;
		let input = self.input.filter(|input| input.len() == input_len);
		let output = input
			.as_ref()
			.map(|input| crate::interpreter::run(model, input))
			.transpose()
			.map_err(|_| SynthesisError::Unsatisfiable)?;
		let (packed_in, packed_out) = match &self.claim {
			Some((input, output)) => (Some(input_public(input)), Some(pack(output))),
			None => (input.as_ref().map(|i| input_public(i)), output.as_ref().map(|o| pack(o))),
		};

		// Public inputs first: binding, input (packed, or its commitment), packed output.
		let binding =
			cs.new_input_variable(|| self.binding.ok_or(SynthesisError::AssignmentMissing))?;
		let public = |count: usize, packed: &Option<Vec<Fr>>| {
			(0..count)
				.map(|i| {
					cs.new_input_variable(|| {
						packed
							.as_ref()
							.and_then(|p| p.get(i).copied())
							.ok_or(SynthesisError::AssignmentMissing)
					})
				})
				.collect::<Result<Vec<_>, _>>()
		};
		let public_in = public(input_public_len(input_len), &packed_in)?;
		let public_out = public(packed_len(model.output_len() as usize), &packed_out)?;
		let square = witness(&cs, self.binding.map(|b| b.square()))?;
		cs.enforce_r1cs_constraint(
			|| Lc::from(binding),
			|| Lc::from(binding),
			|| Lc::from(square),
		)?;

		// The input: i8 witnesses, range-checked, packed into the public input or committed.
		let mut x: Vec<Lc> = Vec::with_capacity(input_len);
		let mut values: Option<Vec<i64>> =
			input.as_ref().map(|i| i.iter().map(|v| i64::from(*v)).collect());
		for k in 0..input_len {
			let value = values.as_ref().and_then(|v| v.get(k).copied());
			let var = witness(&cs, value.map(fr))?;
			range_check(&cs, Lc::from(var) + &constant(128), value.map(|v| (v + 128) as u64), 8)?;
			x.push(Lc::from(var));
		}
		if input_len > COMMIT_ABOVE {
			enforce_committed(&cs, &public_in, &x, input.as_deref())?;
		} else {
			enforce_packed(&cs, &public_in, &x)?;
		}

		// The layers.
		for layer in &model.layers {
			let inputs = layer.inputs as usize;
			let mut next = Vec::with_capacity(layer.outputs as usize);
			let mut next_values = Vec::with_capacity(layer.outputs as usize);
			for (row, bias) in layer.weights.chunks_exact(inputs).zip(&layer.bias) {
				let mut acc = constant(i64::from(*bias));
				for (w, xk) in row.iter().zip(&x) {
					if *w != 0 {
						acc = acc + (fr(i64::from(*w)), xk);
					}
				}
				let acc_value = values.as_ref().map(|v| {
					row.iter().zip(v).fold(i64::from(*bias), |a, (w, xv)| a + i64::from(*w) * xv)
				});
				let w = acc_value.map(|acc| NeuronWitness::of(acc, layer.shift, layer.relu));
				next.push(neuron(&cs, acc, layer.shift, layer.relu, w)?);
				next_values
					.push(acc_value.map(|acc| i64::from(activation(acc, layer.shift, layer.relu))));
			}
			x = next;
			values = next_values.into_iter().collect();
		}
		enforce_packed(&cs, &public_out, &x)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use crate::ir::Dense;
	use ark_relations::gr1cs::ConstraintSystem;

	fn cs() -> ConstraintSystemRef<Fr> {
		ConstraintSystem::<Fr>::new_ref()
	}

	fn constant_lc(v: i64) -> Lc {
		constant(v)
	}

	mod range {
		use super::*;

		#[test]
		fn accepts_values_in_range() {
			for v in [0u64, 1, 77, 255] {
				let cs = cs();
				range_check(&cs, constant_lc(v as i64), Some(v), 8).unwrap();
				assert!(cs.is_satisfied().unwrap(), "{v}");
			}
		}

		#[test]
		fn a_flipped_bit_fails() {
			let cs = cs();
			let mut bits: Vec<Option<bool>> = (0..8).map(|i| Some((77u64 >> i) & 1 == 1)).collect();
			bits[3] = bits[3].map(|b| !b);
			range_check_bits(&cs, constant_lc(77), &bits).unwrap();
			assert!(!cs.is_satisfied().unwrap());
		}

		#[test]
		fn values_out_of_range_fail() {
			for v in [256i64, -1, 1 << 40] {
				let cs = cs();
				range_check(&cs, constant_lc(v), Some(v as u64), 8).unwrap();
				assert!(!cs.is_satisfied().unwrap(), "{v}");
			}
		}
	}

	mod neuron {
		use super::*;

		/// A neuron on a constant accumulator with witness `w`; returns (satisfied, y).
		fn check(acc: i64, shift: u8, relu: bool, w: NeuronWitness) -> (bool, Fr) {
			let cs = cs();
			let y = neuron(&cs, constant_lc(acc), shift, relu, Some(w)).unwrap();
			let y_var = cs.new_witness_variable(|| Ok(fr(w.output(relu)))).unwrap();
			cs.enforce_r1cs_constraint(|| y - y_var, one, Lc::new).unwrap();
			(cs.is_satisfied().unwrap(), fr(w.output(relu)))
		}

		#[test]
		fn the_honest_witness_satisfies_and_matches_the_interpreter() {
			let accs =
				[0, 1, -1, 5, -5, 127, 128, -128, -129, 1000, -1000, (1 << 30) - 1, -(1 << 30)];
			for acc in accs {
				for shift in [0u8, 1, 3, 8, 24] {
					for relu in [false, true] {
						let w = NeuronWitness::of(acc, shift, relu);
						assert_eq!(w.output(relu), i64::from(activation(acc, shift, relu)));
						assert!(
							check(acc, shift, relu, w).0,
							"acc {acc} shift {shift} relu {relu}"
						);
					}
				}
			}
		}

		#[test]
		fn a_wrong_remainder_fails() {
			let w = NeuronWitness::of(1000, 3, false);
			assert!(!check(1000, 3, false, NeuronWitness { r: w.r + 1, ..w }).0);
			// A remainder out of range with a compensating quotient.
			assert!(!check(1000, 3, false, NeuronWitness { q: w.q - 1, r: w.r + 8, ..w }).0);
		}

		#[test]
		fn a_wrong_relu_or_clamp_branch_fails() {
			// q = -3: ReLU must clamp to 0.
			let w = NeuronWitness::of(-24, 3, true);
			assert!(w.below);
			assert!(!check(-24, 3, true, NeuronWitness { below: false, ..w }).0);
			// q = 3: claiming it is below zero fails.
			let w = NeuronWitness::of(24, 3, true);
			assert!(!check(24, 3, true, NeuronWitness { below: true, ..w }).0);
			// q = 125 (1000 / 8): claiming it is above 127 fails; q = 200 must clamp.
			let w = NeuronWitness::of(1000, 3, false);
			assert!(!check(1000, 3, false, NeuronWitness { above: true, ..w }).0);
			let w = NeuronWitness::of(1600, 3, false);
			assert!(w.above);
			assert!(!check(1600, 3, false, NeuronWitness { above: false, ..w }).0);
		}

		#[test]
		fn a_changed_output_fails() {
			let cs = cs();
			let w = NeuronWitness::of(100, 2, false);
			let y = neuron(&cs, constant_lc(100), 2, false, Some(w)).unwrap();
			let claimed = cs.new_witness_variable(|| Ok(fr(w.output(false) + 1))).unwrap();
			cs.enforce_r1cs_constraint(|| y - claimed, one, Lc::new).unwrap();
			assert!(!cs.is_satisfied().unwrap());
		}
	}

	mod poseidon {
		use super::*;
		use crate::poseidon;

		fn elements(n: u64) -> Vec<Fr> {
			(0..n).map(|i| Fr::from(i * 1_000_003 + 5)).collect()
		}

		/// Hashes `values` in a circuit and enforces the result equals `claimed`.
		fn check(values: &[Fr], claimed: Fr) -> (bool, usize) {
			let cs = cs();
			let vars: Vec<Lc> =
				values.iter().map(|v| Lc::from(witness(&cs, Some(*v)).unwrap())).collect();
			let (out, value) = poseidon_hash(&cs, &vars, Some(values.to_vec())).unwrap();
			assert_eq!(value, Some(poseidon::hash(values)));
			let public = cs.new_input_variable(|| Ok(claimed)).unwrap();
			cs.enforce_r1cs_constraint(|| out - public, one, Lc::new).unwrap();
			(cs.is_satisfied().unwrap(), cs.num_constraints())
		}

		#[test]
		fn the_gadget_computes_the_native_hash() {
			for n in [1, 2, 5, 26] {
				let values = elements(n);
				let (ok, constraints) = check(&values, poseidon::hash(&values));
				assert!(ok, "{n} elements");
				// 243 a permutation, one permutation a pair, one for the final equality.
				assert_eq!(constraints, 243 * n.div_ceil(2) as usize + 1);
			}
		}

		#[test]
		fn a_wrong_hash_or_a_changed_element_fails() {
			let values = elements(4);
			let hash = poseidon::hash(&values);
			assert!(!check(&values, hash + Fr::ONE).0);
			let mut changed = values.clone();
			changed[3] += Fr::ONE;
			assert!(!check(&changed, hash).0);
		}

		#[test]
		fn a_wrong_sbox_witness_fails() {
			// The state is the constants (2, 0, 0); a prover whose witnesses start from
			// (3, 0, 0) puts x² = 9 where 2·2 = 4 is enforced.
			let params = poseidon::Params::get();
			for (claimed, ok) in [(2u64, true), (3, false)] {
				let cs = cs();
				let mut state = [constant(2), constant(0), constant(0)];
				let mut values = Some([Fr::from(claimed), Fr::ZERO, Fr::ZERO]);
				poseidon_permutation(&cs, &params, &mut state, &mut values).unwrap();
				assert_eq!(cs.is_satisfied().unwrap(), ok);
			}
		}
	}

	mod model {
		use super::*;
		use crate::interpreter::run;

		fn two_layers() -> Model {
			Model {
				input_len: 2,
				input_frac: 0,
				layers: vec![
					Dense {
						inputs: 2,
						outputs: 2,
						weights: vec![3, -2, -1, 1],
						bias: vec![1, 0],
						shift: 1,
						relu: true,
					},
					Dense {
						inputs: 2,
						outputs: 1,
						weights: vec![1, 2],
						bias: vec![-4],
						shift: 0,
						relu: false,
					},
				],
			}
		}

		/// Whether the circuit of `model` on `input`, claiming `claim`, is satisfied.
		fn satisfied(model: &Model, input: &[i8], claim: Option<(Vec<i8>, Vec<i8>)>) -> bool {
			let cs = cs();
			let circuit = ModelCircuit {
				model,
				input: Some(input.to_vec()),
				binding: Some(Fr::from(42u64)),
				claim,
			};
			circuit.generate_constraints(cs.clone()).unwrap();
			cs.is_satisfied().unwrap()
		}

		#[test]
		fn the_circuit_is_satisfied_by_the_interpreters_run() {
			let model = two_layers();
			for input in [[5i8, 1], [1, 5], [127, -128], [-128, 127], [0, 0]] {
				assert!(satisfied(&model, &input, None), "{input:?}");
				let output = run(&model, &input).unwrap();
				assert!(satisfied(&model, &input, Some((input.to_vec(), output))));
			}
		}

		#[test]
		fn a_changed_output_or_input_fails() {
			let model = two_layers();
			let input = [5i8, 1];
			let output = run(&model, &input).unwrap();
			assert!(satisfied(&model, &input, Some((input.to_vec(), output.clone()))));
			assert!(!satisfied(&model, &input, Some((input.to_vec(), vec![output[0] + 1]))));
			assert!(!satisfied(&model, &input, Some((vec![5, 2], output))));
		}

		#[test]
		fn imported_mlps_are_satisfied_and_their_size_is_reported() {
			for sizes in [vec![16, 16, 4], vec![784, 128, 10]] {
				let bytes = crate::onnx::mlp(&sizes, 3);
				let model = crate::onnx::import(&bytes, Default::default()).unwrap();
				let input: Vec<i8> = (0..sizes[0]).map(|k| (k * 9 % 31) as i8 - 15).collect();
				let cs = cs();
				ModelCircuit {
					model: &model,
					input: Some(input),
					binding: Some(Fr::ONE),
					claim: None,
				}
				.generate_constraints(cs.clone())
				.unwrap();
				assert!(cs.is_satisfied().unwrap());
				// `cargo test -p verity-zkml -- --nocapture imported_mlps` prints the sizes.
				println!(
					"MLP {sizes:?}: {} constraints, {} public inputs (with the constant one)",
					cs.num_constraints(),
					cs.num_instance_variables()
				);
			}
		}
	}
}
