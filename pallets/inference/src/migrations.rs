//! Storage migrations of the job market.

/// Version 0 to 1: jobs gain the block their worker was assigned, the key version they are
/// verified against and their storage deposit; the parameters gain the concurrency ceiling.
pub mod v1 {
	use crate::{BalanceOf, Config, JobInputOf, JobOf, JobStatus, OutputOf, Pallet};
	use codec::{Decode, Encode};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use sp_runtime::{traits::Zero, Perbill};
	use verity_primitives::{ModelId, VerificationMode};

	/// A job as version 0 stored it.
	#[derive(Encode, Decode)]
	pub struct OldJob<T: Config> {
		pub requester: T::AccountId,
		pub model: ModelId,
		pub input: JobInputOf<T>,
		pub mode: VerificationMode,
		pub max_fee: BalanceOf<T>,
		pub fee: BalanceOf<T>,
		pub worker: T::AccountId,
		pub attempts: u8,
		pub submitted_at: BlockNumberFor<T>,
		pub deadline: BlockNumberFor<T>,
		pub status: JobStatus,
		pub output: Option<OutputOf<T>>,
		pub paid: BalanceOf<T>,
		pub finished_at: Option<BlockNumberFor<T>>,
	}

	/// The parameters as version 0 stored them.
	#[derive(Encode, Decode)]
	pub struct OldParams<BlockNumber> {
		pub execution_period: BlockNumber,
		pub retention_period: BlockNumber,
		pub treasury_share: Perbill,
		pub verifier_share: Perbill,
		pub missed_deadline_slash: Perbill,
		pub zk_price_factor: u32,
		pub bad_proof_slash: Perbill,
	}

	/// Rewrites every job and the parameters. An old job had no deposit taken and was verified
	/// against the model's current key, which has version 0 until the owner sets another; its
	/// worker counts as assigned one execution period before its deadline.
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			// Written in version 1's layout, which `v2` rewrites in turn.
			let key = crate::Params::<T>::hashed_key();
			let old_params =
				frame_support::storage::unhashed::get::<OldParams<BlockNumberFor<T>>>(&key);
			let period = match old_params {
				Some(old) => {
					frame_support::storage::unhashed::put(
						&key,
						&super::v2::OldParams {
							execution_period: old.execution_period,
							retention_period: old.retention_period,
							treasury_share: old.treasury_share,
							verifier_share: old.verifier_share,
							missed_deadline_slash: old.missed_deadline_slash,
							zk_price_factor: old.zk_price_factor,
							bad_proof_slash: old.bad_proof_slash,
							max_concurrent_jobs: crate::MarketParams::<BlockNumberFor<T>>::default(
							)
							.max_concurrent_jobs,
						},
					);
					old.execution_period
				},
				None => {
					if frame_support::storage::unhashed::exists(&key) {
						log::error!(target: crate::LOG_TARGET, "v1: the parameters did not decode");
					}
					crate::Params::<T>::get().execution_period
				},
			};
			let (mut jobs, mut open) = (0u64, 0u64);
			// The open jobs of each model, which version 0 did not count.
			let mut models = alloc::collections::btree_map::BTreeMap::<ModelId, u32>::new();
			crate::Jobs::<T>::translate::<OldJob<T>, _>(|_, old| {
				jobs = jobs.saturating_add(1);
				if old.status.is_open() {
					open = open.saturating_add(1);
					let count = models.entry(old.model).or_insert(0);
					*count = count.saturating_add(1);
				}
				Some(JobOf::<T> {
					assigned_at: sp_runtime::traits::Saturating::saturating_sub(
						old.deadline,
						period,
					),
					key_version: 0,
					deposit: Zero::zero(),
					requester: old.requester,
					model: old.model,
					input: old.input,
					mode: old.mode,
					max_fee: old.max_fee,
					fee: old.fee,
					worker: old.worker,
					attempts: old.attempts,
					submitted_at: old.submitted_at,
					deadline: old.deadline,
					status: old.status,
					output: old.output,
					paid: old.paid,
					finished_at: old.finished_at,
				})
			});
			let written = models.len() as u64;
			for (model, count) in models {
				crate::ModelJobs::<T>::insert(model, count);
			}
			log::info!(target: crate::LOG_TARGET, "v1: {jobs} jobs rewritten, {open} open");
			T::DbWeight::get().reads_writes(
				jobs.saturating_add(2),
				jobs.saturating_add(written).saturating_add(1),
			)
		}
	}

	/// [`InnerMigrateToV1`], run once: only when the stored version is 0, and it sets 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	#[cfg(test)]
	mod tests {
		use super::*;
		use crate::mock::*;
		use frame_support::traits::{OnRuntimeUpgrade, StorageVersion};
		use verity_primitives::JobId;

		#[test]
		fn old_jobs_and_params_are_rewritten() {
			new_test_ext().execute_with(|| {
				StorageVersion::new(0).put::<Pallet<Test>>();
				let old = OldJob::<Test> {
					requester: ALICE,
					model: model(),
					input: crate::JobInput::Inline(
						frame_support::BoundedVec::try_from(vec![0; 16]).unwrap(),
					),
					mode: VerificationMode::Fast,
					max_fee: PRICE,
					fee: PRICE,
					worker: WORKERS[0],
					attempts: 1,
					submitted_at: 1,
					deadline: 11,
					status: JobStatus::Settled,
					output: None,
					paid: PRICE,
					finished_at: Some(3),
				};
				frame_support::storage::unhashed::put_raw(
					&crate::Jobs::<Test>::hashed_key_for(JobId(0)),
					&old.encode(),
				);
				let params = OldParams::<u64> {
					execution_period: 7,
					retention_period: 30,
					treasury_share: Perbill::from_percent(10),
					verifier_share: Perbill::from_percent(20),
					missed_deadline_slash: Perbill::from_percent(1),
					zk_price_factor: 3,
					bad_proof_slash: Perbill::from_percent(10),
				};
				frame_support::storage::unhashed::put_raw(
					&crate::Params::<Test>::hashed_key(),
					&params.encode(),
				);

				// And an open job, which the model's count of open jobs must include.
				let open = OldJob::<Test> {
					status: JobStatus::Assigned,
					paid: 0,
					finished_at: None,
					..OldJob::<Test>::decode(&mut &old.encode()[..]).unwrap()
				};
				frame_support::storage::unhashed::put_raw(
					&crate::Jobs::<Test>::hashed_key_for(JobId(1)),
					&open.encode(),
				);

				MigrateToV1::<Test>::on_runtime_upgrade();

				assert_eq!(StorageVersion::get::<Pallet<Test>>(), 1);
				assert_eq!(crate::ModelJobs::<Test>::get(model()), 1);
				assert!(crate::Jobs::<Test>::get(JobId(1)).unwrap().status.is_open());
				let params: super::super::v2::OldParams<u64> =
					frame_support::storage::unhashed::get(&crate::Params::<Test>::hashed_key())
						.unwrap();
				assert_eq!((params.execution_period, params.zk_price_factor), (7, 3));
				assert_eq!(params.max_concurrent_jobs, 256);
				let job = crate::Jobs::<Test>::get(JobId(0)).unwrap();
				assert_eq!((job.assigned_at, job.deadline, job.key_version), (4, 11, 0));
				assert_eq!((job.deposit, job.paid, job.requester), (0, PRICE, ALICE));
				// Run again, it changes nothing.
				MigrateToV1::<Test>::on_runtime_upgrade();
				assert_eq!(crate::Jobs::<Test>::get(JobId(0)).unwrap(), job);
			});
		}
	}
}

/// Version 1 to 2: the parameters gain the challenge period, the challenge's verifiers and the
/// audit fraction, and lose `verifier_share`, which no payout read (a round's members share
/// its fee equally).
pub mod v2 {
	use crate::{Config, MarketParams, Pallet};
	use codec::{Decode, Encode};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use sp_runtime::{traits::Saturating, Perbill};

	/// The parameters as version 1 stored them.
	#[derive(Encode, Decode)]
	pub struct OldParams<BlockNumber> {
		pub execution_period: BlockNumber,
		pub retention_period: BlockNumber,
		pub treasury_share: Perbill,
		pub verifier_share: Perbill,
		pub missed_deadline_slash: Perbill,
		pub zk_price_factor: u32,
		pub bad_proof_slash: Perbill,
		pub max_concurrent_jobs: u32,
	}

	/// Rewrites the parameters; the new ones take their defaults (the challenge period longer
	/// if a long execution period asks for it), and the retention period grows if it would not
	/// outlast a challenge (see [`Pallet::params_valid`]).
	pub struct InnerMigrateToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let translated =
				crate::Params::<T>::translate::<OldParams<BlockNumberFor<T>>, _>(|old| {
					old.map(|old| {
						let mut params = MarketParams {
							execution_period: old.execution_period,
							retention_period: old.retention_period,
							treasury_share: old.treasury_share,
							missed_deadline_slash: old.missed_deadline_slash,
							zk_price_factor: old.zk_price_factor,
							bad_proof_slash: old.bad_proof_slash,
							max_concurrent_jobs: old.max_concurrent_jobs,
							..Default::default()
						};
						// Long enough for an audit (see `params_valid`), and a retention that
						// outlasts a challenge.
						let audit_room = params
							.execution_period
							.saturating_mul(2u32.into())
							.saturating_add(crate::SCHEDULE_SPREAD.into());
						params.challenge_period =
							params.challenge_period.max(audit_room.saturating_add(1u32.into()));
						params.retention_period =
							params.retention_period.max(Pallet::<T>::least_retention(&params));
						params
					})
				});
			if translated.is_err() {
				log::error!(target: crate::LOG_TARGET, "v2: the parameters did not decode");
			}
			T::DbWeight::get().reads_writes(1, 1)
		}
	}

	/// [`InnerMigrateToV2`], run once: only when the stored version is 1, and it sets 2.
	pub type MigrateToV2<T> = VersionedMigration<
		1,
		2,
		InnerMigrateToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	#[cfg(test)]
	mod tests {
		use super::*;
		use crate::mock::*;
		use frame_support::traits::{OnRuntimeUpgrade, StorageVersion};

		#[test]
		fn the_parameters_gain_challenges_and_audits() {
			new_test_ext().execute_with(|| {
				StorageVersion::new(1).put::<Pallet<Test>>();
				let old = OldParams::<u64> {
					execution_period: 7,
					retention_period: 30,
					treasury_share: Perbill::from_percent(10),
					verifier_share: Perbill::from_percent(20),
					missed_deadline_slash: Perbill::from_percent(1),
					zk_price_factor: 3,
					bad_proof_slash: Perbill::from_percent(10),
					max_concurrent_jobs: 9,
				};
				frame_support::storage::unhashed::put_raw(
					&crate::Params::<Test>::hashed_key(),
					&old.encode(),
				);

				MigrateToV2::<Test>::on_runtime_upgrade();

				assert_eq!(StorageVersion::get::<Pallet<Test>>(), 2);
				let params = crate::Params::<Test>::get();
				assert_eq!((params.execution_period, params.zk_price_factor), (7, 3));
				assert_eq!(params.max_concurrent_jobs, 9);
				let defaults = MarketParams::<u64>::default();
				assert_eq!(params.challenge_period, defaults.challenge_period);
				assert_eq!(params.audit_fraction, defaults.audit_fraction);
				// 30 blocks would end before a challenge does: the retention grew.
				assert_eq!(params.retention_period, Pallet::<Test>::least_retention(&params));
				assert!(Pallet::<Test>::params_valid(&params));
				// Run again, it changes nothing.
				MigrateToV2::<Test>::on_runtime_upgrade();
				assert_eq!(crate::Params::<Test>::get(), params);
			});
		}
	}
}
