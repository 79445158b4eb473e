//! Placeholder until generated.
pub type WeightInfo<T> = pallet_preimage::weights::SubstrateWeight<T>;
