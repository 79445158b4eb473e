//! The setup ceremony: its records and the checks of each call (the calls are in `lib.rs`).
//!
//! Contributions form a tree: each names the contribution it extends (its *parent*, none for the
//! starting transcript), so a contributor who never serves its transcript holds nobody up: the
//! next one extends an earlier contribution. An account contributes at most once to each phase
//! (once per model in phase 2), so the contributions on any path are from distinct accounts and
//! a path's length is its number of contributors.
//!
//! Each contribution holds a deposit from its contributor until its phase ends (see
//! [`Deposits`]): the slots are bounded, so filling them costs what they hold.

use alloc::vec::Vec;
use ark_bls12_381::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	traits::{fungible::MutateHold, tokens::Precision, Get, SortedMembers},
};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::{Saturating, Zero};
use verity_primitives::{KeySetup, ModelId};
use verity_zkml::ceremony::{
	self, Contribution, DeltaContribution, Head, CONTRIBUTION_LEN, DELTA_CONTRIBUTION_LEN, G1_LEN,
	G2_LEN, HEAD_LEN,
};

use crate::{pallet::*, Engine};
use pallet_models::CeremonyKeys;
pub use verity_zkml::ceremony::{DEV_PHASE1_ORIGIN, DEV_PHASE1_SIZE, PHASE1_ORIGIN, PHASE1_SIZE};

/// A contribution as the call takes it: [`CONTRIBUTION_LEN`] bytes, uncompressed.
pub type ContributionBytes = [u8; CONTRIBUTION_LEN];
/// A phase-2 contribution as the call takes it: [`DELTA_CONTRIBUTION_LEN`] bytes.
pub type DeltaContributionBytes = [u8; DELTA_CONTRIBUTION_LEN];
/// A phase-2 contribution's new `[δ]₁` and `[δ]₂`, uncompressed.
pub type DeltaBytes = [u8; G1_LEN + G2_LEN];

/// A phase of the ceremony: what a deposit is held for.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum Phase {
	/// Phase 1, chain-wide.
	One,
	/// A model's phase 2.
	Two(ModelId),
}

/// Phase 1 (powers of tau, chain-wide).
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Phase1Info {
	/// The largest circuit (constraints and public inputs) its transcript serves.
	pub size: u32,
	/// The hash of the starting transcript (every element a generator).
	pub origin: H256,
	/// How many contributions it has.
	pub contributions: u32,
	/// The contribution governance sealed, if it did: no more contributions, and models' phase 2
	/// may begin on its transcript.
	pub sealed: Option<u32>,
}

/// Phase 2 of one model (δ, per model), from its beginning to its seal.
#[derive(
	frame_support::CloneNoBound,
	frame_support::PartialEqNoBound,
	frame_support::EqNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	frame_support::DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Phase2Info<T: Config> {
	/// The hash of the key derived from the sealed phase-1 transcript (δ = 1): the starting
	/// transcript.
	pub origin: H256,
	/// The derived key's public-input bases (uncompressed G1 points): the sealed key takes them
	/// as they are, so a contributor checks them against its own derivation before it
	/// contributes.
	pub inputs: InputBasesOf<T>,
	/// How many contributions it has.
	pub contributions: u32,
	/// The model's owner who began it: if the model changes hands (reaped and registered again),
	/// the phase is over and only ends.
	pub owner: T::AccountId,
	/// From this block anyone may end it (and release its deposits): the owner cannot keep
	/// contributors' deposits held for longer than [`Config::Phase2Lifetime`].
	pub expires: frame_system::pallet_prelude::BlockNumberFor<T>,
}

/// One contribution: who made it, what it extends, how deep it is, the point(s) it published
/// and the hash of its transcript.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Step<AccountId, Point> {
	/// Who contributed (the proofs are bound to this account).
	pub contributor: AccountId,
	/// The contribution it extends; `None`: the starting transcript.
	pub parent: Option<u32>,
	/// How many contributions its path holds, itself included: its distinct contributors.
	pub depth: u32,
	/// The new head (phase 1) or `[δ]₁ ‖ [δ]₂` (phase 2), uncompressed.
	pub point: Point,
	/// The hash of the transcript it produced, as the contributor published it. The chain
	/// cannot see the transcript: a node checks the blob it fetches against this hash and its
	/// head against `point`.
	pub transcript: H256,
}

/// A phase-1 contribution of the runtime.
pub type Phase1StepOf<T> = Step<<T as frame_system::Config>::AccountId, [u8; HEAD_LEN]>;
/// A phase-2 contribution of the runtime.
pub type Phase2StepOf<T> = Step<<T as frame_system::Config>::AccountId, DeltaBytes>;
/// A model's public-input bases: at most `MaxPublicInputs + 1` points.
pub type InputBasesOf<T> = frame_support::BoundedVec<u8, MaxInputBytes<T>>;

/// Bytes of `MaxPublicInputs + 1` uncompressed G1 points.
pub struct MaxInputBytes<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u32> for MaxInputBytes<T> {
	fn get() -> u32 {
		T::MaxPublicInputs::get().saturating_add(1).saturating_mul(G1_LEN as u32)
	}
}

impl<T: Config> Pallet<T> {
	/// Holds [`Config::ContributionDeposit`] from `who` for its contribution to `phase`.
	fn hold_deposit(phase: Phase, who: &T::AccountId) -> DispatchResult {
		let deposit = T::ContributionDeposit::get();
		if !deposit.is_zero() {
			T::Currency::hold(&HoldReason::CeremonyContribution.into(), who, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Deposits::<T>::insert(phase, who, deposit);
		}
		Ok(())
	}

	/// Releases every deposit held for `phase` (at most `MaxContributions`: one a
	/// contribution).
	fn release_deposits(phase: Phase) {
		let reason = HoldReason::CeremonyContribution.into();
		for (who, deposit) in Deposits::<T>::drain_prefix(phase) {
			// Nothing else touches these holds; best effort keeps the phase able to end should
			// one ever be short.
			let released = T::Currency::release(&reason, &who, deposit, Precision::BestEffort)
				.unwrap_or_default();
			if released != deposit {
				frame_support::defensive!("a contribution deposit was not all held");
			}
		}
	}

	/// The proof context of `who`'s contribution over the transcript hashed `previous`.
	fn context(previous: &H256, who: &T::AccountId) -> Vec<u8> {
		ceremony::context(&previous.0, &who.encode())
	}

	/// The head, transcript hash and depth of what a phase-1 contribution extending `parent`
	/// extends.
	fn phase1_parent(
		info: &Phase1Info,
		parent: Option<u32>,
	) -> Result<(Head, H256, u32), Error<T>> {
		match parent {
			None => Ok((Head::initial(), info.origin, 0)),
			Some(index) => {
				let step = Phase1Steps::<T>::get(index).ok_or(Error::<T>::UnknownContribution)?;
				let head = ceremony::decode_unchecked::<Head>(&step.point)
					.map_err(|_| Error::<T>::UnknownContribution)?;
				Ok((head, step.transcript, step.depth))
			},
		}
	}

	pub(crate) fn do_contribute_phase1(
		who: T::AccountId,
		parent: Option<u32>,
		contribution: &ContributionBytes,
		transcript: H256,
	) -> DispatchResult {
		let mut info = Phase1::<T>::get().ok_or(Error::<T>::NoCeremony)?;
		ensure!(info.sealed.is_none(), Error::<T>::Sealed);
		ensure!(!Phase1Contributors::<T>::contains_key(&who), Error::<T>::AlreadyContributed);
		ensure!(info.contributions < T::MaxContributions::get(), Error::<T>::TooManyContributions);
		let (previous, previous_hash, parent_depth) = Self::phase1_parent(&info, parent)?;
		let depth = parent_depth.checked_add(1).ok_or(Error::<T>::TooManyContributions)?;
		let decoded: Contribution =
			ceremony::decode(contribution).map_err(|_| Error::<T>::MalformedContribution)?;
		ceremony::verify_step(&previous, &decoded, &Self::context(&previous_hash, &who))
			.map_err(|_| Error::<T>::BadContribution)?;
		Self::hold_deposit(Phase::One, &who)?;

		let index = info.contributions;
		let mut point = [0u8; HEAD_LEN];
		point.copy_from_slice(&ceremony::encode(&decoded.head));
		info.contributions = index.saturating_add(1);
		Phase1::<T>::put(info);
		Phase1Contributors::<T>::insert(&who, index);
		Phase1Steps::<T>::insert(
			index,
			Step { contributor: who.clone(), parent, depth, point, transcript },
		);
		Self::deposit_event(Event::Phase1Contributed {
			index,
			contributor: who,
			parent,
			transcript,
		});
		Ok(())
	}

	pub(crate) fn do_seal_phase1(index: u32) -> DispatchResult {
		let mut info = Phase1::<T>::get().ok_or(Error::<T>::NoCeremony)?;
		ensure!(info.sealed.is_none(), Error::<T>::Sealed);
		let step = Phase1Steps::<T>::get(index).ok_or(Error::<T>::UnknownContribution)?;
		info.sealed = Some(index);
		Phase1::<T>::put(info);
		Self::release_deposits(Phase::One);
		Self::deposit_event(Event::Phase1Sealed {
			index,
			transcript: step.transcript,
			contributors: step.depth,
		});
		Ok(())
	}

	pub(crate) fn do_reset_phase1() -> DispatchResult {
		let mut info = Phase1::<T>::get().ok_or(Error::<T>::NoCeremony)?;
		ensure!(info.sealed.is_none(), Error::<T>::Sealed);
		let limit = T::MaxContributions::get();
		let _ = Phase1Steps::<T>::clear(limit, None);
		let _ = Phase1Contributors::<T>::clear(limit, None);
		Self::release_deposits(Phase::One);
		let contributions = core::mem::take(&mut info.contributions);
		Phase1::<T>::put(info);
		Self::deposit_event(Event::Phase1Reset { contributions });
		Ok(())
	}

	/// The sealed phase-1 contribution.
	pub fn sealed_phase1() -> Option<Phase1StepOf<T>> {
		Phase1::<T>::get()?.sealed.and_then(Phase1Steps::<T>::get)
	}

	pub(crate) fn do_begin_phase2(
		who: T::AccountId,
		model: ModelId,
		inputs: InputBasesOf<T>,
		origin: H256,
	) -> DispatchResult {
		ensure!(Self::sealed_phase1().is_some(), Error::<T>::NotSealed);
		let owner = T::Models::zk_owner(&model).ok_or(Error::<T>::NotZkModel)?;
		ensure!(owner == who, Error::<T>::NotOwner);
		ensure!(
			!inputs.is_empty() && inputs.len().is_multiple_of(G1_LEN),
			Error::<T>::MalformedInputBases
		);
		for point in inputs.chunks(G1_LEN) {
			let point: G1Affine =
				ceremony::decode(point).map_err(|_| Error::<T>::MalformedInputBases)?;
			// A base at infinity would drop its public input from the check.
			ensure!(!point.is_zero(), Error::<T>::MalformedInputBases);
		}
		Self::clear_phase2(&model);
		let now = frame_system::Pallet::<T>::block_number();
		let expires = now.saturating_add(T::Phase2Lifetime::get());
		let info = Phase2Info { origin, inputs, contributions: 0, owner: who, expires };
		Phase2::<T>::insert(model, info);
		Self::deposit_event(Event::Phase2Begun { model, transcript: origin });
		Ok(())
	}

	/// Forgets every contribution to `model`'s phase 2 (at most `MaxContributions` of each)
	/// and releases their deposits.
	fn clear_phase2(model: &ModelId) {
		let limit = T::MaxContributions::get();
		let _ = Phase2Steps::<T>::clear_prefix(model, limit, None);
		let _ = Phase2Contributors::<T>::clear_prefix(model, limit, None);
		Self::release_deposits(Phase::Two(*model));
		Phase2::<T>::remove(model);
	}

	/// Whether `info`'s model still takes `Zk` jobs under the owner who began it.
	fn in_hands_of_beginner(model: &ModelId, info: &Phase2Info<T>) -> bool {
		T::Models::zk_owner(model).is_some_and(|owner| owner == info.owner)
	}

	pub(crate) fn do_end_phase2(who: T::AccountId, model: ModelId) -> DispatchResult {
		let info = Phase2::<T>::get(model).ok_or(Error::<T>::NotBegun)?;
		let expired = frame_system::Pallet::<T>::block_number() >= info.expires;
		if Self::in_hands_of_beginner(&model, &info) && !expired {
			ensure!(who == info.owner, Error::<T>::NotOwner);
		}
		Self::clear_phase2(&model);
		Self::deposit_event(Event::Phase2Ended { model });
		Ok(())
	}

	/// The `[δ]₁`, `[δ]₂` and transcript hash a phase-2 contribution extending `parent` extends.
	fn phase2_parent(
		model: &ModelId,
		info: &Phase2Info<T>,
		parent: Option<u32>,
	) -> Result<(G1Affine, G2Affine, H256, u32), Error<T>> {
		match parent {
			None => Ok((G1Affine::generator(), G2Affine::generator(), info.origin, 0)),
			Some(index) => {
				let step =
					Phase2Steps::<T>::get(model, index).ok_or(Error::<T>::UnknownContribution)?;
				let (g1, g2) = step.point.split_at(G1_LEN);
				let g1 = ceremony::decode_unchecked::<G1Affine>(g1);
				let g2 = ceremony::decode_unchecked::<G2Affine>(g2);
				match (g1, g2) {
					(Ok(g1), Ok(g2)) => Ok((g1, g2, step.transcript, step.depth)),
					_ => Err(Error::<T>::UnknownContribution),
				}
			},
		}
	}

	pub(crate) fn do_contribute_phase2(
		who: T::AccountId,
		model: ModelId,
		parent: Option<u32>,
		contribution: &DeltaContributionBytes,
		transcript: H256,
	) -> DispatchResult {
		let mut info = Phase2::<T>::get(model).ok_or(Error::<T>::NotBegun)?;
		// A model retired (or reaped, maybe registered again by another) mid-ceremony takes no
		// more contributions, nor does an expired phase.
		ensure!(Self::in_hands_of_beginner(&model, &info), Error::<T>::NotZkModel);
		ensure!(frame_system::Pallet::<T>::block_number() < info.expires, Error::<T>::Expired);
		ensure!(
			!Phase2Contributors::<T>::contains_key(model, &who),
			Error::<T>::AlreadyContributed
		);
		ensure!(info.contributions < T::MaxContributions::get(), Error::<T>::TooManyContributions);
		let (delta_g1, _, previous_hash, parent_depth) =
			Self::phase2_parent(&model, &info, parent)?;
		let depth = parent_depth.checked_add(1).ok_or(Error::<T>::TooManyContributions)?;
		let decoded: DeltaContribution =
			ceremony::decode(contribution).map_err(|_| Error::<T>::MalformedContribution)?;
		ceremony::verify_delta_step(&delta_g1, &decoded, &Self::context(&previous_hash, &who))
			.map_err(|_| Error::<T>::BadContribution)?;
		Self::hold_deposit(Phase::Two(model), &who)?;

		let index = info.contributions;
		let mut point = [0u8; G1_LEN + G2_LEN];
		let (g1, g2) = point.split_at_mut(G1_LEN);
		g1.copy_from_slice(&ceremony::encode(&decoded.delta_g1));
		g2.copy_from_slice(&ceremony::encode(&decoded.delta_g2));
		info.contributions = index.saturating_add(1);
		Phase2::<T>::insert(model, info);
		Phase2Contributors::<T>::insert(model, &who, index);
		Phase2Steps::<T>::insert(
			model,
			index,
			Step { contributor: who.clone(), parent, depth, point, transcript },
		);
		Self::deposit_event(Event::Phase2Contributed {
			model,
			index,
			contributor: who,
			parent,
			transcript,
		});
		Ok(())
	}

	pub(crate) fn do_seal_phase2(who: T::AccountId, model: ModelId, index: u32) -> DispatchResult {
		let owner = T::Models::zk_owner(&model).ok_or(Error::<T>::NotZkModel)?;
		ensure!(owner == who, Error::<T>::NotOwner);
		let info = Phase2::<T>::get(model).ok_or(Error::<T>::NotBegun)?;
		// Begun by an earlier owner of the id: only ends.
		ensure!(info.owner == who, Error::<T>::NotOwner);
		ensure!(frame_system::Pallet::<T>::block_number() < info.expires, Error::<T>::Expired);
		let step = Phase2Steps::<T>::get(model, index).ok_or(Error::<T>::UnknownContribution)?;
		ensure!(step.depth >= MinContributors::<T>::get(), Error::<T>::TooFewContributors);
		let phase1 = Self::sealed_phase1().ok_or(Error::<T>::NotSealed)?;

		// The path's contributors, from the sealed contribution back to the start; one must
		// vouch.
		let mut contributors = Vec::with_capacity(step.depth as usize);
		let mut vouched = false;
		let mut cursor = Some(index);
		while let Some(at) = cursor {
			let node = Phase2Steps::<T>::get(model, at).ok_or(Error::<T>::UnknownContribution)?;
			vouched = vouched || T::Vouchers::contains(&node.contributor);
			contributors.push(node.contributor);
			cursor = node.parent;
		}
		ensure!(vouched, Error::<T>::NoVoucher);
		let contributors =
			frame_support::BoundedVec::<_, T::MaxContributions>::try_from(contributors)
				.map_err(|_| Error::<T>::TooManyContributions)?;

		let key = Self::ceremony_key(&phase1.point, &step.point, &info.inputs)?;
		let setup = KeySetup::Ceremony {
			phase1: phase1.transcript,
			phase2: step.transcript,
			contributors: step.depth,
		};
		T::Models::install(model, key, setup)?;
		Self::clear_phase2(&model);
		SealedContributors::<T>::insert(model, contributors);
		Self::deposit_event(Event::Phase2Sealed {
			model,
			index,
			transcript: step.transcript,
			contributors: step.depth,
		});
		Ok(())
	}

	/// The verifying key of a sealed ceremony, encoded as the models pallet stores keys (with
	/// `e(α, β)`, paired on the host functions' curve).
	fn ceremony_key(
		head: &[u8; HEAD_LEN],
		delta: &DeltaBytes,
		inputs: &[u8],
	) -> Result<Vec<u8>, Error<T>> {
		let malformed = |_| Error::<T>::MalformedInputBases;
		let head = ceremony::decode_unchecked::<Head>(head).map_err(malformed)?;
		let delta_g2 = ceremony::decode_unchecked::<G2Affine>(delta.get(G1_LEN..).unwrap_or(&[]))
			.map_err(malformed)?;
		let bases = inputs
			.chunks(G1_LEN)
			.map(ceremony::decode_unchecked::<G1Affine>)
			.collect::<Result<Vec<_>, _>>()
			.map_err(malformed)?;
		let vk = ceremony::ceremony_key(&head, delta_g2, bases);
		// The same bytes decode as a key of the host functions' curve.
		let bytes = ceremony::encode(&vk);
		let vk = <ark_groth16::VerifyingKey<Engine> as ark_serialize::CanonicalDeserialize>::deserialize_with_mode(
			bytes.as_slice(),
			ark_serialize::Compress::No,
			ark_serialize::Validate::No,
		)
		.map_err(|_| Error::<T>::MalformedInputBases)?;
		Ok(verity_zkml::verifier::encode_key(&vk))
	}

	pub(crate) fn do_set_min_contributors(min: u32) -> DispatchResult {
		ensure!(min >= 1 && min <= T::MaxContributions::get(), Error::<T>::InvalidMinimum);
		MinContributors::<T>::put(min);
		Self::deposit_event(Event::MinContributorsSet { min });
		Ok(())
	}

	/// Checks the ceremony's invariants:
	/// - phase 1's contributions are numbered `0..contributions`, each extending an earlier one
	///   one deeper, each contributor recorded once and pointing at its contribution, and its
	///   seal names one of them;
	/// - the same for each model's phase 2 under way (at most `MaxContributions`), which began
	///   on a sealed phase 1;
	/// - the minimum number of contributors is from one to `MaxContributions`;
	/// - deposits are held only for phases under way (phase 1 unsealed, a model's phase 2
	///   begun), each by one of its contributors, and each account's contribution hold is the
	///   sum of its deposits.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::try_deposits()?;
		let min = MinContributors::<T>::get();
		ensure!(min >= 1 && min <= T::MaxContributions::get(), "a minimum out of range");
		if let Some(info) = Phase1::<T>::get() {
			let steps: Vec<_> = Phase1Steps::<T>::iter().collect();
			ensure!(steps.len() as u32 == info.contributions, "phase-1 count out of step");
			for (index, step) in &steps {
				ensure!(*index < info.contributions, "phase-1 contribution out of range");
				check_parent(*index, step.parent, step.depth, |p| {
					Phase1Steps::<T>::get(p).map(|s| s.depth)
				})?;
				ensure!(
					Phase1Contributors::<T>::get(&step.contributor) == Some(*index),
					"phase-1 contributor not recorded"
				);
			}
			ensure!(
				Phase1Contributors::<T>::iter().count() as u32 == info.contributions,
				"phase-1 contributors out of step"
			);
			if let Some(sealed) = info.sealed {
				ensure!(sealed < info.contributions, "phase 1 sealed on no contribution");
			}
		} else {
			ensure!(Phase1Steps::<T>::iter().next().is_none(), "phase-1 steps without a phase 1");
		}
		for (model, info) in Phase2::<T>::iter() {
			ensure!(Self::sealed_phase1().is_some(), "phase 2 before phase 1 is sealed");
			ensure!(info.contributions <= T::MaxContributions::get(), "too many contributions");
			let steps: Vec<_> = Phase2Steps::<T>::iter_prefix(model).collect();
			ensure!(steps.len() as u32 == info.contributions, "phase-2 count out of step");
			for (index, step) in &steps {
				ensure!(*index < info.contributions, "phase-2 contribution out of range");
				check_parent(*index, step.parent, step.depth, |p| {
					Phase2Steps::<T>::get(model, p).map(|s| s.depth)
				})?;
				ensure!(
					Phase2Contributors::<T>::get(model, &step.contributor) == Some(*index),
					"phase-2 contributor not recorded"
				);
			}
		}
		for (model, _, _) in Phase2Contributors::<T>::iter() {
			ensure!(Phase2::<T>::contains_key(model), "phase-2 contributor without a phase 2");
		}
		Ok(())
	}

	#[cfg(any(feature = "std", feature = "try-runtime"))]
	fn try_deposits() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let mut held = alloc::collections::BTreeMap::<T::AccountId, crate::BalanceOf<T>>::new();
		for (phase, who, deposit) in Deposits::<T>::iter() {
			let contributed = match phase {
				Phase::One => {
					ensure!(
						Phase1::<T>::get().is_some_and(|info| info.sealed.is_none()),
						"a phase-1 deposit after the seal"
					);
					Phase1Contributors::<T>::contains_key(&who)
				},
				Phase::Two(model) => Phase2Contributors::<T>::contains_key(model, &who),
			};
			ensure!(contributed, "a deposit without its contribution");
			let total = held.entry(who).or_default();
			*total = total.saturating_add(deposit);
		}
		// Every account's hold, those with no deposit left too (a release that was short or
		// forgotten, of a phase long ended).
		for who in frame_system::Account::<T>::iter_keys() {
			held.entry(who).or_default();
		}
		for (who, total) in held {
			let on_hold =
				T::Currency::balance_on_hold(&HoldReason::CeremonyContribution.into(), &who);
			ensure!(on_hold == total, "a contributor's hold is not the sum of its deposits");
		}
		Ok(())
	}
}

/// A contribution at `index` extends an earlier one (`parent`) and is one deeper.
#[cfg(any(feature = "std", feature = "try-runtime"))]
fn check_parent(
	index: u32,
	parent: Option<u32>,
	depth: u32,
	depth_of: impl Fn(u32) -> Option<u32>,
) -> Result<(), sp_runtime::TryRuntimeError> {
	let expected = match parent {
		None => 1,
		Some(p) => {
			ensure!(p < index, "a contribution extends a later one");
			depth_of(p).ok_or("a contribution extends an unknown one")?.saturating_add(1)
		},
	};
	ensure!(depth == expected, "a contribution's depth is not its parent's plus one");
	Ok(())
}
