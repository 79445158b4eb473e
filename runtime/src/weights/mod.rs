//! Weights generated from the pallets' benchmarks by `scripts/bench-pallets.sh`.
//!
//! They were measured by a release build of `verity-node` (`PROFILE=release`) on the 2-core
//! development machine (see `docs/weights.md`): the runtime runs as optimised wasm in wasmtime,
//! as on a validator. Regenerate them on reference hardware before a production launch.

pub mod pallet_aura_equivocation;
pub mod pallet_feeds;
pub mod pallet_inference;
pub mod pallet_models;
pub mod pallet_operators;
pub mod pallet_oracle;
pub mod pallet_settlement;
