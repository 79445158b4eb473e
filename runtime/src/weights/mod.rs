//! Weights generated from the pallets' benchmarks by `scripts/bench-pallets.sh`.
//!
//! They were measured by a debug build of `verity-node` on the 2-core development machine (see
//! the README): the runtime itself runs as optimised wasm, but the node's host functions
//! (storage, hashing glue) are unoptimised, so these weights overstate execution time and err
//! on the side of fuller blocks. Regenerate them with `PROFILE=release` on reference hardware
//! before a production launch.

pub mod pallet_aura_equivocation;
pub mod pallet_inference;
pub mod pallet_models;
pub mod pallet_operators;
pub mod pallet_settlement;
