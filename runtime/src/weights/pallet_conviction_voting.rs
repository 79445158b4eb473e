//! Placeholder until generated.
pub type WeightInfo<T> = pallet_conviction_voting::weights::SubstrateWeight<T>;
