//! Placeholder until generated.
pub type WeightInfo<T> = pallet_referenda::weights::SubstrateWeight<T>;
