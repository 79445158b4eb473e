//! # verity-node
//!
//! The node of the Verity chain: Aura block production, GRANDPA finality, off-chain workers and
//! JSON-RPC, around the `verity-runtime` wasm.
//!
//! - [`cli`] / [`command`]: the command line and its subcommands; [`engine_bench`] times the
//!   inference engine (`bench-engine`).
//! - [`chain_spec`]: the `dev` and `local` chains.
//! - [`service`]: the full node, with Aura or instant/manual sealing.
//! - [`equivocation`]: reports of validators that seal two blocks in one Aura slot.
//! - [`rpc`]: the JSON-RPC methods beyond the standard ones.
//! - [`tx`]: building signed extrinsics for the runtime (benchmarks, tools, tests, the worker).
//! - [`worker`]: the inference worker (`--worker`): model store, tract engine, job submission.

// `sc_cli::Error` and `sc_service::Error`, the errors of Substrate's node API, are large; boxing
// them at every call would only hide that.
#![allow(clippy::result_large_err)]

// The node is std-only code outside consensus; panics here are bugs reported as such, but the
// workspace lints stay on for arithmetic and indexing.
pub mod ceremony;
pub mod chain_spec;
pub mod cli;
pub mod command;
pub mod engine_bench;
pub mod equivocation;
pub mod rpc;
pub mod service;
pub mod tx;
pub mod worker;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
