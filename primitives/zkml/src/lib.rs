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
//! - [`circuit`] (std): the R1CS gadgets and the circuit of a model over BLS12-381's scalar
//!   field, with the job binding and packed input and output as public inputs.
//!
//! - [`public`]: the public inputs of a proof — job binding, packed input, packed output;
//! - [`verifier`]: the Groth16 verifier (no_std, generic over the pairing engine so the runtime
//!   runs it on host functions);
//! - [`prover`] (std): setup and proving;
//! - [`ceremony`]: phase 1 of a multi-party setup (powers of tau): a contribution's check
//!   (no_std) and the transcript, contributing and its full check (std).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod ceremony;
#[cfg(feature = "std")]
pub mod circuit;
pub mod interpreter;
pub mod ir;
#[cfg(feature = "std")]
pub mod onnx;
pub mod poseidon;
#[cfg(feature = "std")]
pub mod prover;
pub mod public;
pub mod verifier;

pub use interpreter::run;
pub use ir::{Dense, IrError, Model};
