//! Placeholder until generated.
pub type WeightInfo<T> = pallet_treasury::weights::SubstrateWeight<T>;
