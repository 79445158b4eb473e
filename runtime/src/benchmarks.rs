//! The pallets whose benchmarks `verity-node benchmark pallet` runs.

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_utility, Utility]
	[pallet_operators, Operators]
	[pallet_models, Models]
	[pallet_inference, Inference]
	[pallet_settlement, Settlement]
	[pallet_oracle, Oracle]
	[pallet_feeds, Feeds]
	[pallet_aura_equivocation, AuraEquivocation]
	[pallet_scheduler, Scheduler]
	[pallet_preimage, Preimage]
	[pallet_treasury, Treasury]
	[pallet_conviction_voting, ConvictionVoting]
	[pallet_referenda, Referenda]
	[pallet_parameters, Parameters]
);
