//! Storage migrations of the operators pallet.

/// Version 0 to 1: verifiers are indexed by the models they declare ([`crate::ModelVerifiers`]),
/// as inference operators are in [`crate::ModelOperators`], so a `Consensus` job can draw them.
pub mod v1 {
	use crate::{Config, ModelVerifiers, Operators, Pallet};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	use verity_primitives::Role;

	/// Indexes the models of every verifier operator.
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			for (who, operator) in Operators::<T>::iter() {
				reads = reads.saturating_add(1);
				if !operator.roles.contains(Role::Verifier) {
					continue;
				}
				for model in operator.capabilities.models.iter() {
					ModelVerifiers::<T>::insert(model, &who, ());
					writes = writes.saturating_add(1);
				}
			}
			T::DbWeight::get().reads_writes(reads, writes)
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
		#![allow(clippy::unwrap_used)]
		use super::*;
		use crate::mock::*;
		use frame_support::{
			assert_ok,
			traits::{OnRuntimeUpgrade, StorageVersion},
			BoundedVec,
		};
		use verity_primitives::{ModelId, RoleSet};

		#[test]
		fn verifiers_declared_before_the_index_are_indexed() {
			ExtBuilder::default().build_and_execute(|| {
				let model = ModelId([3; 32]);
				let bond = crate::Pallet::<Test>::required_bond(RoleSet::of(&[Role::Verifier]));
				assert_ok!(crate::Pallet::<Test>::register(
					RuntimeOrigin::signed(1),
					RoleSet::of(&[Role::Verifier]),
					Default::default(),
					bond.max(1),
				));
				assert_ok!(crate::Pallet::<Test>::set_capabilities(
					RuntimeOrigin::signed(1),
					crate::Capabilities {
						models: BoundedVec::try_from(vec![model]).unwrap(),
						max_concurrent_jobs: 2,
						accelerator: false,
					},
				));
				// As version 0 left it: capabilities declared, no index.
				ModelVerifiers::<Test>::remove(model, 1);
				StorageVersion::new(0).put::<Pallet<Test>>();
				assert!(crate::Pallet::<Test>::do_try_state().is_err());

				MigrateToV1::<Test>::on_runtime_upgrade();

				assert_eq!(StorageVersion::get::<Pallet<Test>>(), 1);
				assert!(ModelVerifiers::<Test>::contains_key(model, 1));
			});
		}
	}
}
