//! Weights generated from the pallets' benchmarks by `scripts/bench-pallets.sh`.
//!
//! They were measured by a release build of `verity-node` (`PROFILE=release`) on the 2-core
//! development machine (see `docs/weights.md`): the runtime runs as optimised wasm in wasmtime,
//! as on a validator. Regenerate them on reference hardware before a production launch.

pub mod pallet_aura_equivocation;
pub mod pallet_conviction_voting;
pub mod pallet_feeds;
pub mod pallet_inference;
pub mod pallet_models;
pub mod pallet_operators;
pub mod pallet_oracle;
pub mod pallet_parameters;
pub mod pallet_preimage;
pub mod pallet_referenda;
pub mod pallet_scheduler;
pub mod pallet_settlement;
pub mod pallet_treasury;
