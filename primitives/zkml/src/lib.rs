//! # verity-zkml
//!
//! The canonical integer form of a model, shared by the worker that runs it, the prover that
//! proves it ran, and the chain that checks the proof:
//!
//! - [`ir`]: the IR — dense layers with `i8` weights, `i32` bias, a power-of-two rescale with
//!   rounding, ReLU and a clamp to `i8` — and its validation;
//! - [`interpreter`]: the reference interpreter (no_std, integer only). Its output *is* the
//!   model's output for `Zk` and `Consensus` jobs: bit-exact on every machine;
//! - [`onnx`] (std): the deterministic importer from ONNX `Gemm` / `MatMul` + `Add` / `Relu`
//!   graphs (float weights quantized at import to power-of-two scales), and a writer of MLPs in
//!   ONNX for tests, benchmarks and the dev chain's demo model.
//!
//! The R1CS circuit, the Groth16 prover and the verifier build on this format (issue #6).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod interpreter;
pub mod ir;
#[cfg(feature = "std")]
pub mod onnx;

pub use interpreter::run;
pub use ir::{Dense, IrError, Model};
