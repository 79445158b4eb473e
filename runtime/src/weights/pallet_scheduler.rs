//! Placeholder until generated.
pub type WeightInfo<T> = pallet_scheduler::weights::SubstrateWeight<T>;
