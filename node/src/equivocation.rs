//! Aura equivocations: the node watches every block it imports for two blocks of one slot
//! sealed by the same validator, and reports them on chain.
//!
//! A block's Aura slot is in its pre-runtime digest and its author is the slot's authority
//! (`slot % authorities`, by `AuraApi_authorities` at the parent). Headers are kept for the last
//! [`SLOTS_KEPT`] slots; a second header of a slot by the same author makes the proof. The node
//! then asks `AuraEquivocationApi_generate_key_ownership_proof` (at the blocks' parent: the set
//! the author was in) for the author's key and puts `auraEquivocation.report_equivocation_unsigned`
//! into its own pool. The runtime takes such reports only from the local node or in a block, and
//! they are not gossiped: a validator includes its own watcher's reports when it authors, so
//! every validator that saw both blocks reports them. GRANDPA's equivocations are reported by
//! the GRANDPA voter itself.

use std::{
	collections::{BTreeMap, HashSet},
	sync::Arc,
};

use codec::Decode;
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::{TransactionPool as _, TransactionSource};
use sp_api::ProvideRuntimeApi;
use sp_consensus_aura::{
	digests::CompatibleDigestItem,
	sr25519::{AuthorityId, AuthoritySignature},
	AuraApi, Slot,
};
use sp_runtime::traits::Header as _;
use verity_runtime::{opaque::Header, RuntimeCall, UncheckedExtrinsic};

use pallet_aura_equivocation::AuraEquivocationApi;

use crate::service::{FullClient, TransactionPool};

const LOG_TARGET: &str = "verity::equivocation";

/// Slots whose headers are kept: an hour of six-second slots.
pub const SLOTS_KEPT: u64 = 600;

/// The proof of an Aura equivocation.
pub type Proof = sp_consensus_slots::EquivocationProof<Header, AuthorityId>;

/// The headers seen lately, by slot, with their authors.
#[derive(Default)]
pub struct Seen {
	slots: BTreeMap<Slot, Vec<(AuthorityId, Header)>>,
	reported: HashSet<(Slot, AuthorityId)>,
}

impl Seen {
	/// Notes `header` of `slot` by `author`; returns the proof of an equivocation if the author
	/// sealed another header of the slot before (once per author and slot).
	pub fn note(&mut self, slot: Slot, author: AuthorityId, header: Header) -> Option<Proof> {
		let newest = self.slots.keys().next_back().copied().unwrap_or(slot).max(slot);
		let oldest = Slot::from(u64::from(newest).saturating_sub(SLOTS_KEPT));
		if slot < oldest {
			return None;
		}
		self.slots = self.slots.split_off(&oldest);
		self.reported.retain(|(reported, _)| *reported >= oldest);
		let headers = self.slots.entry(slot).or_default();
		let hash = header.hash();
		let earlier = headers
			.iter()
			.find(|(by, seen)| *by == author && seen.hash() != hash)
			.map(|(_, seen)| seen.clone());
		if !headers.iter().any(|(_, seen)| seen.hash() == hash) {
			headers.push((author.clone(), header.clone()));
		}
		let first_header = earlier?;
		self.reported.insert((slot, author.clone())).then_some(Proof {
			offender: author,
			slot,
			first_header,
			second_header: header,
		})
	}
}

/// The Aura slot of `header`, from its pre-runtime digest.
pub fn slot_of(header: &Header) -> Option<Slot> {
	header
		.digest()
		.logs()
		.iter()
		.find_map(CompatibleDigestItem::<AuthoritySignature>::as_aura_pre_digest)
}

/// Starts the watcher.
pub fn spawn(
	task_manager: &sc_service::TaskManager,
	client: Arc<FullClient>,
	pool: Arc<TransactionPool>,
) {
	task_manager.spawn_handle().spawn("verity-equivocation", None, async move {
		let mut imports = client.import_notification_stream();
		let mut seen = Seen::default();
		while let Some(block) = imports.next().await {
			let header = block.header;
			let Some(slot) = slot_of(&header) else { continue };
			let authorities = match client.runtime_api().authorities(*header.parent_hash()) {
				Ok(authorities) => authorities,
				Err(e) => {
					log::debug!(target: LOG_TARGET, "no authorities for {}: {e}", block.hash);
					continue;
				},
			};
			let Some(author) = usize::try_from(u64::from(slot))
				.ok()
				.and_then(|slot| authorities.get(slot.checked_rem(authorities.len())?))
				.cloned()
			else {
				continue;
			};
			if let Some(proof) = seen.note(slot, author, header) {
				report(&client, &pool, proof).await;
			}
		}
	});
}

/// Puts the report of `proof` into the pool.
async fn report(client: &FullClient, pool: &TransactionPool, proof: Proof) {
	use sc_client_api::HeaderBackend;
	let best = client.info().best_hash;
	log::warn!(
		target: LOG_TARGET,
		"validator {} sealed two blocks in slot {}: {} and {}; reporting it",
		proof.offender,
		proof.slot,
		proof.first_header.hash(),
		proof.second_header.hash()
	);
	// The proof of the set the offender was in when it sealed the blocks: at their parent.
	let at = *proof.first_header.parent_hash();
	let key_owner_proof =
		match client.runtime_api().generate_key_ownership_proof(at, proof.offender.clone()) {
			Ok(Some(bytes)) => match sp_session::MembershipProof::decode(&mut &bytes[..]) {
				Ok(proof) => proof,
				Err(e) => {
					log::warn!(target: LOG_TARGET, "cannot decode the key-ownership proof: {e}");
					return;
				},
			},
			Ok(None) => {
				log::warn!(target: LOG_TARGET, "{} is no validator's key now", proof.offender);
				return;
			},
			Err(e) => {
				log::warn!(target: LOG_TARGET, "cannot prove the key's owner: {e}");
				return;
			},
		};
	let call = RuntimeCall::AuraEquivocation(
		pallet_aura_equivocation::Call::report_equivocation_unsigned {
			equivocation_proof: Box::new(proof),
			key_owner_proof,
		},
	);
	let extrinsic = UncheckedExtrinsic::new_bare(call);
	if let Err(e) = pool.submit_one(best, TransactionSource::Local, extrinsic.into()).await {
		log::warn!(target: LOG_TARGET, "the pool refused the report: {e}");
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::crypto::UncheckedFrom;

	fn header(number: u32, slot: u64) -> Header {
		let digest = sp_runtime::Digest {
			logs: vec![<sp_runtime::DigestItem as CompatibleDigestItem<AuthoritySignature>>::aura_pre_digest(Slot::from(slot))],
		};
		Header::new(number, Default::default(), Default::default(), Default::default(), digest)
	}

	fn authority(n: u8) -> AuthorityId {
		AuthorityId::unchecked_from([n; 32])
	}

	#[test]
	fn a_second_block_of_a_slot_by_its_author_is_an_equivocation_reported_once() {
		let mut seen = Seen::default();
		let (first, second) = (header(1, 5), header(2, 5));
		assert_eq!(slot_of(&first), Some(Slot::from(5)));
		assert!(seen.note(Slot::from(5), authority(1), first.clone()).is_none());
		// The same block again (imported twice, say) is nothing.
		assert!(seen.note(Slot::from(5), authority(1), first.clone()).is_none());
		let proof = seen.note(Slot::from(5), authority(1), second.clone()).expect("a proof");
		assert_eq!(proof.offender, authority(1));
		assert_eq!(proof.slot, Slot::from(5));
		assert_eq!((proof.first_header, proof.second_header), (first, second));
		// Reported once, however many more blocks it seals in the slot.
		assert!(seen.note(Slot::from(5), authority(1), header(3, 5)).is_none());
	}

	#[test]
	fn blocks_of_other_slots_or_authors_are_no_equivocation() {
		let mut seen = Seen::default();
		assert!(seen.note(Slot::from(5), authority(1), header(1, 5)).is_none());
		assert!(seen.note(Slot::from(6), authority(1), header(2, 6)).is_none());
		assert!(seen.note(Slot::from(5), authority(2), header(3, 5)).is_none());
	}

	#[test]
	fn old_slots_are_forgotten() {
		let mut seen = Seen::default();
		assert!(seen.note(Slot::from(5), authority(1), header(1, 5)).is_none());
		assert!(seen.note(Slot::from(5 + SLOTS_KEPT + 1), authority(2), header(2, 700)).is_none());
		assert_eq!(seen.slots.len(), 1);
		// A late block of the forgotten slot is not compared any more.
		assert!(seen.note(Slot::from(5), authority(1), header(3, 5)).is_none());
	}
}
