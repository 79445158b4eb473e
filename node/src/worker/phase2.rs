//! A verifier's part in the setup ceremony (`--worker-ceremony`, off by default): when a model
//! its operator serves enters phase 2, the node contributes to its δ by itself, once for each
//! of its `Verifier` keys.
//!
//! The node needs the sealed phase-1 transcript, which the operator checked and put in
//! `<zk keys>/ceremony/0x<its hash>.ptau` (`zk verify-transcript` checks it; the node checks it
//! whole again and its hash against the chain's seal before it uses it). For each model in
//! phase 2 that an operator of the node's serves and for which a verifier key of the node has
//! not contributed, the node:
//!
//! 1. derives the model's key from the transcript and the model's IR, and refuses to contribute
//!    unless the chain's starting transcript hash and input bases are the derived key's (bases
//!    of the owner's choosing could let it forge);
//! 2. extends the deepest contribution it can check, whoever made it, so that independent
//!    verifiers' contributions chain into one path (a key is sound if one contributor on its
//!    path was honest): it fetches the contribution's transcript from its peers by its hash and
//!    checks it is the derived key with only δ re-randomized, to the δ the chain checked
//!    ([`Contributor::extendable`]); it fetches at most [`MAX_FETCHES`] of others' transcripts
//!    a contribution, then tries only its own, then the derived key. A transcript it could not
//!    fetch is tried again [`RETRY_AFTER`] blocks later; one that fails the check is never
//!    extended in that phase 2, and removed;
//! 3. re-randomizes δ with a secret from the operating system, which is dropped when the
//!    contribution is made, and submits `settlement.contributePhase2` signed by the key;
//! 4. keeps the new transcript, `0x<model>-0x<its hash>.pk`, in the same directory: the next
//!    contribution of the node extends it, and if the owner seals it, the worker proves the
//!    model's `Zk` jobs with it ([`super::zk::ZkKeys::get`] looks there).
//!
//! One contribution of the node is in flight at a time per model (until it is on chain, or
//! [`WAIT_FOR_INCLUSION`] blocks), so its keys extend each other rather than branch. A
//! contribution that fails on the node (a transcript it cannot fetch, a model it cannot read) is
//! tried again [`RETRY_AFTER`] blocks later; one the node refuses is never tried again.
//!
//! **Transcripts are blobs.** A transcript is named on chain by its hash, BLAKE2b-256 of its
//! bytes, which is how the model store addresses blobs: a worker node serves every transcript in
//! its ceremony directory to its peers as `blob:0x<hash>` ([`share`], whether it contributes or
//! not), and fetches the ones it lacks from them like model bytes (each checked against its hash
//! on the way): the sealed phase-1 transcript before it contributes, and a model's sealed phase-2
//! transcript, its proving key, before it proves the model's first `Zk` job
//! ([`super::Worker`]'s `prove`).
//!
//! **Pruning.** The transcripts the finalized chain no longer names (a phase 2 that ended or
//! expired, a key replaced, a model reaped) leave the directory and the store once they were
//! written an hour before the finalized block was made ([`prune_unnamed`]).

use std::{
	collections::{BTreeSet, HashMap, HashSet},
	path::{Path, PathBuf},
	sync::Arc,
	time::SystemTime,
};

use codec::{Decode, Encode};
use parking_lot::Mutex;
use sc_client_api::StorageProvider;
use sp_core::{sr25519, H256};
use verity_primitives::ModelId;
use verity_runtime::{AccountId, BlockNumber, Runtime, RuntimeCall};
use verity_zkml::{
	ceremony::{self, phase2, Accumulator},
	prover::ProvingKey,
};

use super::store::ModelStore;
use crate::service::FullClient;

type Phase1Info = pallet_settlement::ceremony::Phase1Info;
type Phase2Info = pallet_settlement::ceremony::Phase2Info<Runtime>;
type Phase1Step = pallet_settlement::ceremony::Phase1StepOf<Runtime>;
type Phase2Step = pallet_settlement::ceremony::Phase2StepOf<Runtime>;

/// The directory of the ceremony's files under the worker's key directory.
pub fn dir(zk_keys: &Path) -> PathBuf {
	zk_keys.join("ceremony")
}

/// Where the node keeps the phase-2 transcript hashed `hash` of `model`.
pub fn transcript_file(dir: &Path, model: &ModelId, hash: &[u8; 32]) -> PathBuf {
	dir.join(format!("0x{}-0x{}.pk", hex::encode(model.0), hex::encode(hash)))
}

/// The address of the blob whose hash is `hash` (a transcript), as the model store fetches it.
pub fn blob_uri(hash: &H256) -> String {
	format!("blob:{hash:?}")
}

/// Writes a transcript (fetched, or made by `verity-node zk`) to `path` through a rename of a
/// file of its own, so a reader never sees half of it and two writers of the same transcript
/// (two jobs, or the node and the command) do not trip over each other.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), String> {
	static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
	if let Some(parent) = path.parent() {
		std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
	}
	let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
	let partial = path.with_extension(format!("partial-{}-{n}", std::process::id()));
	std::fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
	std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The files of `dir` whose names `keep` takes (none if it cannot be read).
fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
	std::fs::read_dir(dir)
		.map(|entries| {
			entries
				.filter_map(|entry| entry.ok().map(|entry| entry.path()))
				.filter(|path| path.file_name().and_then(|name| name.to_str()).is_some_and(&keep))
				.collect()
		})
		.unwrap_or_default()
}

/// A file's size, modification time and inode: a file seen again with the same is taken as
/// unchanged (a file put in place by a rename, as fetched transcripts are, is a new inode).
pub type Stamp = (u64, SystemTime, u64);

fn stamp(path: &Path) -> Option<Stamp> {
	let meta = std::fs::metadata(path).ok()?;
	#[cfg(unix)]
	let inode = std::os::unix::fs::MetadataExt::ino(&meta);
	#[cfg(not(unix))]
	let inode = 0;
	Some((meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), inode))
}

/// What [`share`] has put into the store: each file's path and stamp.
pub type Shared = Mutex<HashSet<(PathBuf, Stamp)>>;

/// The transcript files [`holds`] hashed: each file's stamp then, and its hash.
pub type Checked = Mutex<HashMap<PathBuf, (Stamp, ModelId)>>;

/// Whether the file at `path` is the blob `id` (hashes to it). A file `checked` before and
/// unchanged since is not read again. Blocking: hashes a new or changed file whole.
pub fn holds(path: &Path, id: &ModelId, checked: &Checked) -> bool {
	let Some(now) = stamp(path) else { return false };
	if let Some((seen, hash)) = checked.lock().get(path) {
		if *seen == now {
			return hash == id;
		}
	}
	let Ok(bytes) = std::fs::read(path) else { return false };
	let hash = super::store::model_id(&bytes);
	checked.lock().insert(path.to_path_buf(), (now, hash));
	hash == *id
}

/// Writes the blob `id` (a transcript, checked against `id`) to `path` as [`write_bytes`] does,
/// and remembers it as checked.
pub fn put_checked(
	path: &Path,
	id: &ModelId,
	bytes: &[u8],
	checked: &Checked,
) -> Result<(), String> {
	write_bytes(path, bytes)?;
	if let Some(now) = stamp(path) {
		checked.lock().insert(path.to_path_buf(), (now, *id));
	}
	Ok(())
}

/// Puts the transcripts in `dir` that `shared` has not seen (or that changed since) into
/// `store`, where the node's peers fetch them by hash; returns how many it put. A file the store
/// already holds is not written again; one it cannot take (over its size limit, say) is
/// reported once, not at every pass. Blocking: reads each new file whole (at most the store's
/// limit).
pub fn share(dir: &Path, store: &ModelStore, shared: &Shared) -> usize {
	let mut put: usize = 0;
	// Phase-1 (`.ptau`) and phase-2 (`.pk`) transcripts.
	for path in files(dir, |name| name.ends_with(".ptau") || name.ends_with(".pk")) {
		let Some(now) = stamp(&path) else { continue };
		let seen = (path.clone(), now);
		if shared.lock().contains(&seen) {
			continue;
		}
		let outcome = if now.0 > store.max_size() {
			Err(format!("{} bytes, over the store's {}", now.0, store.max_size()))
		} else {
			std::fs::read(&path).map_err(|e| e.to_string()).and_then(|bytes| {
				let held = matches!(store.stat(&super::store::model_id(&bytes)), Ok(Some(_)));
				if held {
					return Ok(0);
				}
				store.put(&bytes).map(|_| 1).map_err(|e| e.to_string())
			})
		};
		match outcome {
			Ok(new) => put = put.saturating_add(new),
			Err(e) => log::warn!(
				target: super::LOG_TARGET,
				"cannot share the transcript {}: {e}",
				path.display()
			),
		}
		shared.lock().insert(seen);
	}
	put
}

/// Removes `candidate`'s transcript, whose bytes are not a key to extend, from the ceremony
/// directory, and from `store` as [`unstore`] does.
pub fn discard(
	dir: &Path,
	store: &ModelStore,
	candidate: &Candidate,
	in_use: &dyn Fn(&[u8; 32]) -> bool,
) {
	if let Err(e) = std::fs::remove_file(&candidate.file) {
		log::warn!(target: super::LOG_TARGET, "cannot remove {}: {e}", candidate.file.display());
	}
	unstore(dir, store, &candidate.transcript.0, in_use);
}

/// The phase-2 transcripts of `model` the node holds.
pub fn transcripts_of(dir: &Path, model: &ModelId) -> Vec<PathBuf> {
	let prefix = format!("0x{}-", hex::encode(model.0));
	files(dir, |name| name.starts_with(&prefix) && name.ends_with(".pk"))
}

/// How long before the finalized block a phase-2 transcript the chain does not name must have
/// been last written to be removed: a contribution written by hand into the directory
/// (`verity-node zk contribute --out`) is not on chain yet, and is not taken for one of a phase
/// that ended.
pub const KEEP_UNNAMED_FOR: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// The time before which a transcript the chain does not name at a block of time `block_ms`
/// (none: unknown) was written for [`prune`] to remove it: [`KEEP_UNNAMED_FOR`] before that
/// block, or before `now` if the block claims a later time. A block made long ago (a node
/// catching up, restored from an old database, or whose chain stopped finalizing) names
/// nothing written since, so nothing written since is removed.
pub fn cutoff(now: SystemTime, block_ms: Option<u64>) -> Option<SystemTime> {
	let block = SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::from_millis(block_ms?))?;
	block.min(now).checked_sub(KEEP_UNNAMED_FOR)
}

/// A phase-2 transcript file's model and hash, read from its name ([`transcript_file`]).
fn named(path: &Path) -> Option<(ModelId, [u8; 32])> {
	let name = path.file_name()?.to_str()?.strip_suffix(".pk")?;
	let (model, hash) = name.split_once('-')?;
	let bytes = |hex_digits: &str| -> Option<[u8; 32]> {
		hex::decode(hex_digits.strip_prefix("0x")?).ok()?.try_into().ok()
	};
	Some((ModelId(bytes(model)?), bytes(hash)?))
}

/// The models whose phase-2 transcripts are in `dir`.
pub fn models_in(dir: &Path) -> BTreeSet<ModelId> {
	files(dir, |name| name.ends_with(".pk"))
		.iter()
		.filter_map(|path| named(path))
		.map(|(model, _)| model)
		.collect()
}

/// The phase-2 transcripts of `model` the chain names at block `at`, number `number`: its
/// key's, if the ceremony sealed it, and while a phase 2 of the model runs and has not expired,
/// its start's and every contribution's. None if the state could not be read. A key replaced
/// is not named (the jobs pinned to it are refunded, not proved), nor is an expired phase 2
/// (the chain takes neither a contribution nor a seal of it).
pub fn named_on_chain(
	client: &FullClient,
	(at, number): (H256, BlockNumber),
	model: &ModelId,
) -> Option<HashSet<H256>> {
	use pallet_models_runtime_api::ModelsApi;
	use pallet_settlement::{Phase2, Phase2Steps};
	use sp_api::ProvideRuntimeApi;
	let mut named = HashSet::new();
	let entry = client.runtime_api().model(at, *model).ok()?;
	if let Some(verity_primitives::KeySetup::Ceremony { phase2, .. }) =
		entry.and_then(|entry| entry.key_setup)
	{
		named.insert(phase2);
	}
	let phase = get::<Phase2Info>(client, at, Phase2::<Runtime>::hashed_key_for(model))?;
	if let Some(info) = phase.filter(|info| number < info.expires) {
		named.insert(info.origin);
		for index in 0..info.contributions {
			let key = Phase2Steps::<Runtime>::hashed_key_for(model, index);
			if let Some(step) = get::<Phase2Step>(client, at, key)? {
				named.insert(step.transcript);
			}
		}
	}
	Some(named)
}

/// What the node has made of its ceremony directory's files.
pub struct Seen<'a> {
	/// The files [`share`] put into the store.
	pub shared: &'a Shared,
	/// The files [`holds`] hashed.
	pub checked: &'a Checked,
}

/// Removes from `dir` the phase-2 transcripts of the models `on_chain` lists that are not among
/// the hashes it gives them and were last written before `before`; from `store` too, as
/// [`unstore`] does; and from `seen`. The transcripts of a model `on_chain` does not list are
/// left alone. Removes as well the partial files of writes that never ended (the node stopped
/// during [`write_bytes`]) last written before `before`. Returns how many files it removed.
pub fn prune(
	dir: &Path,
	store: &ModelStore,
	seen: &Seen,
	on_chain: &HashMap<ModelId, HashSet<H256>>,
	before: SystemTime,
	in_use: &dyn Fn(&[u8; 32]) -> bool,
) -> usize {
	let mut removed: usize = 0;
	for path in files(dir, |name| name.ends_with(".pk")) {
		let Some((model, hash)) = named(&path) else { continue };
		if on_chain.get(&model).is_none_or(|hashes| hashes.contains(&H256(hash))) {
			continue;
		}
		if stamp(&path).is_none_or(|(_, modified, _)| modified >= before) {
			continue;
		}
		if let Err(e) = std::fs::remove_file(&path) {
			log::warn!(target: super::LOG_TARGET, "cannot remove {}: {e}", path.display());
			continue;
		}
		removed = removed.saturating_add(1);
		seen.shared.lock().retain(|(file, _)| *file != path);
		seen.checked.lock().remove(&path);
		unstore(dir, store, &hash, in_use);
	}
	for path in files(dir, |name| name.contains(".partial-")) {
		if stamp(&path).is_some_and(|(_, modified, _)| modified < before)
			&& std::fs::remove_file(&path).is_ok()
		{
			removed = removed.saturating_add(1);
		}
	}
	removed
}

/// Removes the blob hashed `hash`, a transcript no longer wanted, from `store` unless a file of
/// `dir` is named with that hash (a phase-2 transcript of another model, or the phase-1
/// transcript) or `in_use` says the store needs it otherwise. A transcript's hash is whatever
/// its contributor named, so it may be a model's id: `in_use` answers for those.
fn unstore(dir: &Path, store: &ModelStore, hash: &[u8; 32], in_use: &dyn Fn(&[u8; 32]) -> bool) {
	let phase2 = format!("-0x{}.pk", hex::encode(hash));
	let named = dir.join(format!("0x{}.ptau", hex::encode(hash))).exists()
		|| !files(dir, |name| name.ends_with(&phase2)).is_empty();
	if !named && !in_use(hash) {
		let _ = store.remove(&ModelId(*hash));
	}
}

/// Whether `id` is a model registered at `at` (its bytes stay in the store); true if the state
/// could not be read.
pub fn is_model(client: &FullClient, at: H256, id: &[u8; 32]) -> bool {
	exists(client, at, pallet_models::Models::<Runtime>::hashed_key_for(ModelId(*id)))
		!= Some(false)
}

/// Prunes the ceremony directory `dir` as [`prune`] does: of the models whose transcripts are
/// there, but `busy`'s (whose contributions may not be on chain yet), the transcripts the
/// `finalized` block (hash and number) does not name and that were written
/// [`KEEP_UNNAMED_FOR`] before it was made ([`cutoff`]); a blob that is a model's bytes at the
/// `best` block or the finalized one stays in the store. Blocking. Returns how many files it
/// removed.
pub fn prune_unnamed(
	client: &FullClient,
	finalized: (H256, BlockNumber),
	best: H256,
	dir: &Path,
	store: &ModelStore,
	seen: &Seen,
	busy: &HashSet<ModelId>,
) -> usize {
	let now_key = pallet_timestamp::Now::<Runtime>::hashed_key().to_vec();
	let made = get::<u64>(client, finalized.0, now_key).flatten();
	let Some(before) = cutoff(SystemTime::now(), made) else { return 0 };
	let on_chain: HashMap<ModelId, HashSet<H256>> = models_in(dir)
		.into_iter()
		.filter(|model| !busy.contains(model))
		.filter_map(|model| named_on_chain(client, finalized, &model).map(|named| (model, named)))
		.collect();
	let in_use =
		|hash: &[u8; 32]| is_model(client, best, hash) || is_model(client, finalized.0, hash);
	prune(dir, store, seen, &on_chain, before, &in_use)
}

/// One contribution to make: what it extends and who makes it.
#[derive(Clone)]
pub struct Task {
	/// The model.
	pub model: ModelId,
	/// The contributing key (a verifier's, or its worker key).
	pub key: sr25519::Public,
	/// The contributions it may extend, in the order to try them (none: the derived key).
	pub candidates: Vec<Candidate>,
	/// The chain's record of the model's phase 2 (starting hash and input bases).
	pub info: Phase2Info,
	/// The sealed phase-1 contribution's transcript hash and head (the point the chain checked).
	pub phase1: (H256, [u8; ceremony::HEAD_LEN]),
}

/// A contribution to a model's phase 2 that the node may extend.
#[derive(Clone, Debug)]
pub struct Candidate {
	/// Its number.
	pub index: u32,
	/// Its transcript's hash, as the contributor published it.
	pub transcript: H256,
	/// Where the node keeps that transcript (held already, or fetched there).
	pub file: PathBuf,
	/// `[δ]₁ ‖ [δ]₂` as the chain checked them.
	pub point: Vec<u8>,
	/// Made by one of the node's keys: its transcript is here, not fetched.
	pub ours: bool,
}

/// The most transcripts of others a contribution of the node fetches and checks before it
/// extends its own deepest contribution (or the derived key): each may cost a fetch and a check.
pub const MAX_FETCHES: usize = 4;

/// How long the node waits for a transcript it tries to extend: 30 s, and a second a MiB of it.
pub fn fetch_time(size: usize) -> std::time::Duration {
	std::time::Duration::from_secs(30_u64.saturating_add((size >> 20) as u64))
}

/// One phase 2 of a model: its starting hash and its expiry. Begun again on the same sealed
/// phase 1 it starts at the same hash, but expires later (its contributions are numbered anew).
pub type PhaseId = (H256, BlockNumber);

/// The phase 2 `info` records.
fn phase_of(info: &Phase2Info) -> PhaseId {
	(info.origin, info.expires)
}

/// `[δ]₁ ‖ [δ]₂` of `key`, as a phase-2 step records them.
pub fn delta_point(key: &ProvingKey) -> Vec<u8> {
	[ceremony::encode(&key.delta_g1), ceremony::encode(&key.vk.delta_g2)].concat()
}

/// Blocks the node waits for its submitted contribution to be on chain before its next key
/// contributes to the model anyway.
const WAIT_FOR_INCLUSION: BlockNumber = 20;

/// Blocks before a contribution that failed on this node (a missing transcript file, a model
/// that could not be fetched) is tried again.
pub const RETRY_AFTER: BlockNumber = 50;

/// What the node is doing for a model's phase 2.
enum Busy {
	/// Making a contribution (deriving, contributing): no timeout, one at a time in the node.
	Working,
	/// Submitted by `AccountId` at a block: waiting for it to be on chain.
	Submitted(AccountId, BlockNumber),
	/// Failed on this node at a block: tried again [`RETRY_AFTER`] blocks later.
	Failed(BlockNumber),
}

/// The node's side of phase 2: the transcript it loaded and the contributions under way.
pub struct Contributor {
	dir: PathBuf,
	/// The sealed phase-1 transcript, once loaded and checked, with its hash.
	phase1: Mutex<Option<(H256, Arc<Accumulator>)>>,
	/// The key last derived from it, for a model, phase 2's starting hash and the sealed
	/// phase-1 transcript's: the node's keys contribute one after another and derive once.
	derived: Mutex<Option<((ModelId, H256, H256), Arc<ProvingKey>)>>,
	/// `(model, phase 2, key)` of each contribution made and sent: each key contributes once
	/// to each phase 2 (a phase 2 begun again is a new one).
	made: Mutex<HashSet<(ModelId, PhaseId, AccountId)>>,
	/// Contributions (model, phase 2, number) the node does not extend: for good when their
	/// transcript is not the derived key re-randomized to their δ, until a block when it
	/// could not be fetched or read.
	set_aside: Mutex<HashMap<(ModelId, PhaseId, u32), Option<BlockNumber>>>,
	/// Phases 2 (model and starting hash) the node refuses to contribute to: their start is not
	/// the key derived from the sealed transcript.
	refused: Mutex<HashSet<(ModelId, H256)>>,
	/// What the node is doing for each model.
	busy: Mutex<HashMap<ModelId, Busy>>,
}

/// The value at `key`, absent or not; None if the state could not be read or the value not
/// decoded.
fn get<V: Decode>(client: &FullClient, at: H256, key: Vec<u8>) -> Option<Option<V>> {
	match client.storage(at, &sp_core::storage::StorageKey(key)).ok()? {
		Some(data) => V::decode(&mut &data.0[..]).ok().map(Some),
		None => Some(None),
	}
}

/// The value at `key`, if it can be read.
fn read<V: Decode>(client: &FullClient, at: H256, key: Vec<u8>) -> Option<V> {
	get(client, at, key).flatten()
}

/// Whether a value is at `key`; None if the state could not be read.
fn exists(client: &FullClient, at: H256, key: Vec<u8>) -> Option<bool> {
	client.storage(at, &sp_core::storage::StorageKey(key)).ok().map(|data| data.is_some())
}

fn has_contributed(client: &FullClient, at: H256, model: &ModelId, account: &AccountId) -> bool {
	let key = pallet_settlement::Phase2Contributors::<Runtime>::hashed_key_for(model, account);
	exists(client, at, key) == Some(true)
}

/// Whether `account` can hold a contribution's deposit and then still pay the transaction's
/// fee (a unit of the token, far above it) from what is neither frozen nor its existential
/// deposit: a contribution is minutes of work, refused on chain without it.
fn can_hold_deposit(client: &FullClient, at: H256, account: &AccountId) -> bool {
	type Info = frame_system::AccountInfo<
		<Runtime as frame_system::Config>::Nonce,
		<Runtime as frame_system::Config>::AccountData,
	>;
	let key = frame_system::Account::<Runtime>::hashed_key_for(account);
	let Some(data) = read::<Info>(client, at, key).map(|info| info.data) else { return false };
	pays_deposit(&data, <Runtime as pallet_settlement::Config>::ContributionDeposit::get())
}

/// Whether an account of balances `data` can hold `deposit` and then still pay a fee (see
/// [`can_hold_deposit`]).
fn pays_deposit(
	data: &<Runtime as frame_system::Config>::AccountData,
	deposit: verity_primitives::Balance,
) -> bool {
	use verity_primitives::currency::{EXISTENTIAL_DEPOSIT, UNIT};
	let Some(free) = data.free.checked_sub(deposit) else { return false };
	// As the balances pallet reckons what a fee may take: frozen funds beyond those on hold
	// (the deposit among them) stay, and so does the existential deposit.
	let untouchable =
		data.frozen.saturating_sub(data.reserved.saturating_add(deposit)).max(EXISTENTIAL_DEPOSIT);
	free.saturating_sub(untouchable) >= UNIT
}

/// Whether `model` is still the `Zk` model of `owner`, who began its phase 2 (the chain takes
/// contributions only then).
fn still_owned(client: &FullClient, at: H256, model: &ModelId, owner: &AccountId) -> bool {
	read::<pallet_models::ModelOf<Runtime>>(
		client,
		at,
		pallet_models::Models::<Runtime>::hashed_key_for(model),
	)
	.is_some_and(|entry| {
		!entry.retired
			&& entry.modes.supports(verity_primitives::VerificationMode::Zk)
			&& entry.owner == *owner
	})
}

/// Why a contribution was not made.
pub enum NotMade {
	/// Never contribute to this phase 2: it does not start at the key derived from the sealed
	/// transcript, or the model cannot have a key from it.
	Refused(String),
	/// Something on this node failed: try again later.
	Failed(String),
}

/// Why a contribution is not extended.
#[derive(Debug)]
pub enum NotExtended {
	/// Its transcript could not be fetched or read here: tried again later.
	Unreadable(String),
	/// It names a transcript of another δ: never extended.
	Named(String),
	/// Its transcript is not a key to extend (its bytes are bad for anyone who names them):
	/// never extended, and the file is removed.
	Bad(String),
}

impl std::fmt::Display for NotExtended {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			NotExtended::Unreadable(e) | NotExtended::Named(e) | NotExtended::Bad(e) => {
				f.write_str(e)
			},
		}
	}
}

impl std::fmt::Display for NotMade {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			NotMade::Refused(e) | NotMade::Failed(e) => f.write_str(e),
		}
	}
}

impl From<String> for NotMade {
	fn from(e: String) -> Self {
		NotMade::Failed(e)
	}
}

impl Contributor {
	/// A contributor keeping its files in `dir`.
	pub fn new(dir: PathBuf) -> Self {
		Contributor {
			dir,
			phase1: Default::default(),
			derived: Default::default(),
			made: Default::default(),
			set_aside: Default::default(),
			refused: Default::default(),
			busy: Default::default(),
		}
	}

	/// Where its files are.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// The sealed phase-1 transcript's file (the operator's, or fetched from a peer).
	pub fn phase1_file(&self, hash: &H256) -> PathBuf {
		self.dir.join(format!("{hash:?}.ptau"))
	}

	/// The contribution to make at block `at` (number `number`), if one is due: for the first
	/// model in phase 2 that one of `verifiers` (an active verifier's key and the models its
	/// operator serves) serves, the first of those keys that has not contributed to it. None
	/// while a contribution of the node's is being made, or while its last one to that model
	/// is not yet on chain (at most [`WAIT_FOR_INCLUSION`] blocks).
	pub fn task(
		&self,
		client: &FullClient,
		at: H256,
		number: BlockNumber,
		verifiers: &[(sr25519::Public, Vec<ModelId>)],
	) -> Option<Task> {
		use pallet_settlement::{Phase1, Phase1Steps, Phase2, Phase2Steps};
		if verifiers.is_empty() {
			return None;
		}
		{
			let mut busy = self.busy.lock();
			if busy.values().any(|state| matches!(state, Busy::Working)) {
				return None;
			}
			busy.retain(|model, state| match state {
				Busy::Submitted(account, since) => {
					number.saturating_sub(*since) <= WAIT_FOR_INCLUSION
						&& !has_contributed(client, at, model, account)
				},
				Busy::Failed(since) => number.saturating_sub(*since) <= RETRY_AFTER,
				Busy::Working => true,
			});
		}
		let sealed: Phase1Step =
			read::<Phase1Info>(client, at, Phase1::<Runtime>::hashed_key().to_vec())
				.and_then(|info| info.sealed)
				.and_then(|index| {
					read(client, at, Phase1Steps::<Runtime>::hashed_key_for(index))
				})?;
		let mut models: Vec<ModelId> =
			verifiers.iter().flat_map(|(_, served)| served.iter().copied()).collect();
		models.sort();
		models.dedup();
		let ours: Vec<AccountId> = verifiers.iter().map(|(key, _)| AccountId::from(*key)).collect();
		for model in models {
			if self.busy.lock().contains_key(&model) {
				continue;
			}
			let Some(info) =
				read::<Phase2Info>(client, at, Phase2::<Runtime>::hashed_key_for(model))
			else {
				continue;
			};
			if self.refused.lock().contains(&(model, info.origin)) {
				continue;
			}
			// Expired, or no longer its owner's `Zk` model: the chain takes no contribution
			// (anyone may end it).
			if number >= info.expires || !still_owned(client, at, &model, &info.owner) {
				continue;
			}
			let fresh: Vec<sr25519::Public> = verifiers
				.iter()
				.filter(|(key, served)| {
					let account = AccountId::from(*key);
					served.contains(&model)
						&& !self.made.lock().contains(&(model, phase_of(&info), account.clone()))
						&& !has_contributed(client, at, &model, &account)
				})
				.map(|(key, _)| *key)
				.collect();
			let funded =
				fresh.iter().find(|key| can_hold_deposit(client, at, &AccountId::from(**key)));
			let Some(key) = funded.copied() else {
				if !fresh.is_empty() {
					log::warn!(
						target: super::LOG_TARGET,
						"model {model:?}: no verifier key of this node that has yet to contribute \
						 can hold the ceremony's contribution deposit and a fee ({}); tried again \
						 in {RETRY_AFTER} blocks",
						fresh.iter().map(|key| AccountId::from(*key).to_string()).collect::<Vec<_>>().join(", ")
					);
					self.busy.lock().insert(model, Busy::Failed(number));
				}
				continue;
			};
			// The deepest contributions first; of equal depth, the node's own (their transcripts
			// are here), then the earliest.
			let phase = phase_of(&info);
			let mut steps: Vec<(u32, Phase2Step)> = (0..info.contributions)
				.filter(|index| match self.set_aside.lock().get(&(model, phase, *index)) {
					Some(until) => until.is_some_and(|until| number >= until),
					None => true,
				})
				.filter_map(|index| {
					read(client, at, Phase2Steps::<Runtime>::hashed_key_for(model, index))
						.map(|step| (index, step))
				})
				.collect();
			steps.sort_by_key(|(index, step)| {
				(std::cmp::Reverse(step.depth), !ours.contains(&step.contributor), *index)
			});
			let candidates = steps
				.into_iter()
				.map(|(index, step)| Candidate {
					index,
					transcript: step.transcript,
					file: transcript_file(&self.dir, &model, &step.transcript.0),
					point: step.point.to_vec(),
					ours: ours.contains(&step.contributor),
				})
				.collect();
			self.busy.lock().insert(model, Busy::Working);
			return Some(Task {
				model,
				key,
				candidates,
				info,
				phase1: (sealed.transcript, sealed.point),
			});
		}
		None
	}

	/// The models the node is making a contribution to, or waiting for its contribution to be
	/// on chain: their transcripts are not pruned meanwhile.
	pub fn busy(&self) -> HashSet<ModelId> {
		let busy = self.busy.lock();
		busy.iter()
			.filter(|(_, state)| !matches!(state, Busy::Failed(_)))
			.map(|(model, _)| *model)
			.collect()
	}

	/// `task`'s contribution was submitted at block `number`.
	pub fn submitted(&self, task: &Task, number: BlockNumber) {
		let account = AccountId::from(task.key);
		self.made.lock().insert((task.model, phase_of(&task.info), account.clone()));
		self.busy.lock().insert(task.model, Busy::Submitted(account, number));
	}

	/// `task`'s candidate `index` is not extended again by this node in this phase 2: for
	/// good, or before block `until`.
	pub fn set_aside(&self, task: &Task, index: u32, until: Option<BlockNumber>) {
		self.set_aside.lock().insert((task.model, phase_of(&task.info), index), until);
	}

	/// `task`'s contribution was not made, at block `number`.
	pub fn failed(&self, task: &Task, why: &NotMade, number: BlockNumber) {
		if matches!(why, NotMade::Refused(_)) {
			self.refused.lock().insert((task.model, task.info.origin));
			self.busy.lock().remove(&task.model);
		} else {
			self.busy.lock().insert(task.model, Busy::Failed(number));
		}
	}

	/// The sealed phase-1 transcript, loaded and checked whole once (blocking): its hash must
	/// be the sealed contribution's and its head the point the chain checked (a hash alone is
	/// only what the contributor published).
	fn phase1(
		&self,
		(hash, head): &(H256, [u8; ceremony::HEAD_LEN]),
	) -> Result<Arc<Accumulator>, String> {
		if let Some((loaded, transcript)) = self.phase1.lock().as_ref() {
			if loaded == hash {
				return Ok(transcript.clone());
			}
		}
		let path = self.phase1_file(hash);
		let transcript = Arc::new(crate::ceremony::read_transcript(&path)?);
		if transcript.hash() != hash.0 {
			return Err(format!("{} is not the sealed transcript {hash:?}", path.display()));
		}
		let its_head = transcript.head().map_err(|e| format!("{e:?}"))?;
		if ceremony::encode(&its_head) != head.to_vec() {
			return Err(format!(
				"{}'s head is not the sealed contribution's: it is not the transcript the chain \
				 checked",
				path.display()
			));
		}
		*self.phase1.lock() = Some((*hash, transcript.clone()));
		Ok(transcript)
	}

	/// The key derived from the sealed phase-1 transcript and `ir` for `task`'s phase 2: derived
	/// once for all the node's keys.
	fn derived(&self, task: &Task, ir: &verity_zkml::Model) -> Result<Arc<ProvingKey>, NotMade> {
		let of = (task.model, task.info.origin, task.phase1.0);
		if let Some((derived_for, key)) = self.derived.lock().as_ref() {
			if *derived_for == of {
				return Ok(key.clone());
			}
		}
		let key = phase2::derive_key(&*self.phase1(&task.phase1)?, ir)
			.map_err(|e| NotMade::Refused(format!("cannot derive the key: {e:?}")))?;
		let key = Arc::new(key);
		*self.derived.lock() = Some((of, key.clone()));
		Ok(key)
	}

	/// The key derived for `task` from the sealed phase-1 transcript and `ir` (blocking,
	/// CPU-heavy the first time), which must be where the chain's phase 2 starts.
	pub fn start(&self, task: &Task, ir: &verity_zkml::Model) -> Result<Arc<ProvingKey>, NotMade> {
		let derived = self.derived(task, ir)?;
		if phase2::key_hash(&derived) != task.info.origin.0
			|| crate::ceremony::input_bases(&derived) != task.info.inputs.to_vec()
		{
			return Err(NotMade::Refused(
				"the chain's phase 2 does not start at the key derived from the sealed \
				 transcript: the owner could forge proofs of it; not contributing"
					.into(),
			));
		}
		Ok(derived)
	}

	/// The transcript of `candidate`, if the node may extend it (blocking): its file hashes to
	/// the transcript the chain names, its δ is the one the chain checked, and it is `derived`
	/// with only δ re-randomized (every other element equal, the L and H queries divided by δ).
	/// Without the last check a contributor could publish a δ it proved and a transcript of
	/// other queries, and every key extending it would be useless.
	pub fn extendable(
		&self,
		derived: &ProvingKey,
		candidate: &Candidate,
	) -> Result<Arc<ProvingKey>, NotExtended> {
		use ark_serialize::CanonicalSerialize;
		let unreadable = |e: String| NotExtended::Unreadable(e);
		// A re-randomized key is exactly as long as the derived one: a longer file is not read.
		let size = std::fs::metadata(&candidate.file).map_err(|e| unreadable(e.to_string()))?.len();
		if size != derived.uncompressed_size() as u64 {
			return Err(NotExtended::Bad(format!(
				"{size} bytes, not the derived key's {}",
				derived.uncompressed_size()
			)));
		}
		let key = crate::ceremony::read_key(&candidate.file).map_err(NotExtended::Bad)?;
		if phase2::key_hash(&key) != candidate.transcript.0 {
			return Err(unreadable(format!("{} is not its transcript", candidate.file.display())));
		}
		if delta_point(&key) != candidate.point {
			// The transcript may well be sound (someone else's, named again): not deleted.
			return Err(NotExtended::Named("its δ is not the one the chain checked".into()));
		}
		phase2::verify_key(derived, &key, &mut ark_std::rand::rngs::OsRng).map_err(|e| {
			NotExtended::Bad(format!("it is not the derived key re-randomized: {e:?}"))
		})?;
		Ok(Arc::new(key))
	}

	/// Makes `task`'s contribution over `previous`, contribution `parent`'s transcript (none:
	/// the derived key), blocking and CPU-heavy: the call to submit and the new transcript's hash
	/// (its file already written).
	pub fn contribute(
		&self,
		task: &Task,
		previous: &ProvingKey,
		parent: Option<u32>,
	) -> Result<(RuntimeCall, H256), NotMade> {
		let parent_hash = phase2::key_hash(previous);
		let account = AccountId::from(task.key);
		let context = ceremony::context(&parent_hash, account.as_ref());
		let (next, contribution) =
			phase2::contribute_delta(previous, &context, &mut ark_std::rand::rngs::OsRng)
				.map_err(|e| format!("{e:?}"))?;
		let hash = phase2::key_hash(&next);
		// The worker shares it with its peers from there ([`share`]).
		crate::ceremony::write(&transcript_file(&self.dir, &task.model, &hash), &next)?;
		let contribution = ceremony::encode(&contribution)
			.try_into()
			.map_err(|_| "a contribution of the wrong length".to_string())?;
		let call = RuntimeCall::Settlement(pallet_settlement::Call::contribute_phase2 {
			model: task.model,
			parent,
			contribution: Box::new(contribution),
			transcript: H256(hash),
		});
		Ok((call, H256(hash)))
	}
}

/// The IR of a model's bytes, as `zk derive` and `zk setup` import it by default.
pub fn import(bytes: &[u8]) -> Result<verity_zkml::Model, String> {
	verity_zkml::onnx::import(bytes, Default::default()).map_err(|e| e.to_string())
}

/// Writes `ir` beside the transcripts, where [`super::zk::ZkKeys::get`] reads it with them.
pub fn write_ir(dir: &Path, model: &ModelId, ir: &verity_zkml::Model) -> Result<(), String> {
	write_bytes(&super::zk::file(dir, model, "ir"), &ir.encode())
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A directory of the test's own, its ceremony directory and a store beside it.
	fn ceremony_and_store(test: &str) -> (PathBuf, PathBuf, ModelStore) {
		let dir = std::env::temp_dir().join(format!("verity-{test}-{}", std::process::id()));
		let ceremony = dir.join("ceremony");
		std::fs::create_dir_all(&ceremony).unwrap();
		let store =
			ModelStore::open(&dir.join("store"), 1 << 20, std::time::Duration::from_secs(1), false)
				.unwrap();
		(dir, ceremony, store)
	}

	#[test]
	fn the_ceremony_directory_s_transcripts_go_into_the_store_once_each() {
		let (dir, ceremony, store) = ceremony_and_store("share");
		let id = |bytes: &[u8]| super::super::store::model_id(bytes);
		std::fs::write(ceremony.join("0x01.ptau"), b"phase one").unwrap();
		std::fs::write(ceremony.join("0x02-0x03.pk"), b"phase two").unwrap();
		std::fs::write(ceremony.join("0x02.ir"), b"an IR").unwrap();
		let shared = Shared::default();
		assert_eq!(share(&ceremony, &store, &shared), 2);
		assert_eq!(store.get(&id(b"phase one")).unwrap().unwrap(), b"phase one");
		assert_eq!(store.get(&id(b"phase two")).unwrap().unwrap(), b"phase two");
		// IRs are made from the model's bytes, not passed around.
		assert!(store.get(&id(b"an IR")).unwrap().is_none());
		// Nothing new: nothing read or written again.
		assert_eq!(share(&ceremony, &store, &shared), 0);
		// A file replaced is shared again; one the store holds already (after a restart) is not
		// written twice.
		std::fs::write(ceremony.join("0x01.ptau"), b"phase one, again").unwrap();
		assert_eq!(share(&ceremony, &store, &shared), 1);
		assert_eq!(share(&ceremony, &store, &Shared::default()), 0);
		assert!(store.get(&id(b"phase one, again")).unwrap().is_some());
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	#[allow(clippy::arithmetic_side_effects)]
	fn a_transcript_the_chain_no_longer_names_is_removed_once_it_is_an_hour_old() {
		let (dir, ceremony, store) = ceremony_and_store("prune");
		let id = |bytes: &[u8]| super::super::store::model_id(bytes);
		let hour = std::time::Duration::from_secs(60 * 60);
		let (now, two_hours_ago) = (SystemTime::now(), SystemTime::now() - 2 * hour);
		let (a, b, c) = (ModelId([0xa; 32]), ModelId([0xb; 32]), ModelId([0xc; 32]));
		// Writes a transcript of `model`, last written `at`.
		let put = |model: &ModelId, bytes: &[u8], at: SystemTime| {
			let path = transcript_file(&ceremony, model, &id(bytes).0);
			std::fs::write(&path, bytes).unwrap();
			std::fs::File::options().write(true).open(&path).unwrap().set_modified(at).unwrap();
			path
		};
		let sealed = put(&a, b"a's sealed key", two_hours_ago);
		let ended = put(&a, b"a contribution to an ended phase", two_hours_ago);
		let recent = put(&a, b"written by hand a minute ago", now);
		// Contributions that named a registered model's id and the phase-1 transcript's hash
		// (the node fetched their bytes from its own store).
		let model_bytes = b"a registered model's bytes";
		store.put(model_bytes).unwrap();
		let named_a_model = put(&a, model_bytes, two_hours_ago);
		let phase1 = ceremony.join(format!("{:?}.ptau", H256(id(b"phase one").0)));
		std::fs::write(&phase1, b"phase one").unwrap();
		let named_phase1 = put(&a, b"phase one", two_hours_ago);
		// The same bytes as a transcript of another model, which is not looked at.
		let same = put(&b, b"a contribution to an ended phase", two_hours_ago);
		let other = put(&b, b"b's contribution", two_hours_ago);
		let reaped = put(&c, b"a reaped model's key", two_hours_ago);
		std::fs::write(ceremony.join("0xaa.ir"), b"an IR").unwrap();
		std::fs::write(ceremony.join("notes.pk"), b"not a transcript's name").unwrap();
		// Writes the node never ended (it stopped): one old, one under way.
		let (stopped, writing) =
			(ceremony.join("0xaa-0xbb.partial-1-0"), ceremony.join("0xaa-0xbb.partial-2-0"));
		std::fs::write(&stopped, b"half a key").unwrap();
		let file = std::fs::File::options().write(true).open(&stopped).unwrap();
		file.set_modified(two_hours_ago).unwrap();
		std::fs::write(&writing, b"half a key").unwrap();
		let (shared, checked) = (Shared::default(), Checked::default());
		// Each file once but those whose bytes the store holds already (the model's, twins).
		assert_eq!(share(&ceremony, &store, &shared), 7);
		assert!(holds(&ended, &id(b"a contribution to an ended phase"), &checked));
		assert_eq!(models_in(&ceremony), BTreeSet::from([a, b, c]), "named by their files");

		let on_chain = HashMap::from([
			(a, HashSet::from([H256(id(b"a's sealed key").0)])),
			(c, HashSet::new()),
		]);
		let seen = Seen { shared: &shared, checked: &checked };
		let is_model = |hash: &[u8; 32]| *hash == id(model_bytes).0;
		assert_eq!(prune(&ceremony, &store, &seen, &on_chain, now - hour, &is_model), 5);
		for gone in [&ended, &reaped, &named_a_model, &named_phase1, &stopped] {
			assert!(!gone.exists(), "{} removed", gone.display());
		}
		for kept in [&sealed, &recent, &same, &other, &phase1, &writing] {
			assert!(kept.exists(), "{} kept", kept.display());
		}
		for kept in ["0xaa.ir", "notes.pk"] {
			assert!(ceremony.join(kept).exists(), "{kept} kept");
		}
		// Out of the store too, unless a file left has the same bytes, or they are a model's or
		// the phase-1 transcript of that hash.
		assert!(store.get(&id(b"a reaped model's key")).unwrap().is_none());
		assert!(store.get(&id(b"a contribution to an ended phase")).unwrap().is_some());
		assert!(store.get(&id(b"a's sealed key")).unwrap().is_some());
		assert!(store.get(&id(model_bytes)).unwrap().is_some());
		assert!(store.get(&id(b"phase one")).unwrap().is_some());
		// Forgotten as shared and as hashed: the same file put back is shared again.
		assert!(shared.lock().iter().all(|(path, _)| *path != ended && *path != reaped));
		assert!(!checked.lock().contains_key(&ended));
		assert_eq!(share(&ceremony, &store, &shared), 0);
		put(&c, b"a reaped model's key", two_hours_ago);
		assert_eq!(share(&ceremony, &store, &shared), 1);

		// Once the other model's phase ended as well: its last copy leaves the store.
		let on_chain = HashMap::from([(b, HashSet::new())]);
		assert_eq!(prune(&ceremony, &store, &seen, &on_chain, now - hour, &is_model), 2);
		assert!(!same.exists() && !other.exists());
		assert!(store.get(&id(b"a contribution to an ended phase")).unwrap().is_none());
		assert!(store.get(&id(b"b's contribution")).unwrap().is_none());
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	#[allow(clippy::arithmetic_side_effects)]
	fn what_is_pruned_is_judged_by_the_time_of_the_finalized_block() {
		let hour = std::time::Duration::from_secs(60 * 60);
		let now = SystemTime::UNIX_EPOCH + 1_000 * hour;
		let ms = |at: SystemTime| at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis();
		let block = |at: SystemTime| Some(u64::try_from(ms(at)).unwrap());
		// An hour before a block made now.
		assert_eq!(cutoff(now, block(now)), Some(now - hour));
		// A block made a day ago (a node catching up, or a chain that stopped finalizing):
		// nothing written in the last 25 hours is removed.
		assert_eq!(cutoff(now, block(now - 24 * hour)), Some(now - 25 * hour));
		// A block from the future is taken as made now; genesis (time 0) removes nothing.
		assert_eq!(cutoff(now, block(now + hour)), Some(now - hour));
		assert!(cutoff(now, Some(0)) < Some(SystemTime::UNIX_EPOCH));
		// No time could be read: nothing is removed.
		assert_eq!(cutoff(now, None), None);
	}

	#[test]
	fn a_file_checked_is_hashed_again_only_once_it_changed() {
		let dir = std::env::temp_dir().join(format!("verity-holds-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("0x01.pk");
		let id = |bytes: &[u8]| super::super::store::model_id(bytes);
		let checked = Checked::default();
		assert!(!holds(&path, &id(b"key one"), &checked), "no file");
		write_bytes(&path, b"key one").unwrap();
		assert!(holds(&path, &id(b"key one"), &checked));
		assert!(!holds(&path, &id(b"key two"), &checked));
		// Other bytes of the same length under the same time: taken as unchanged, not read.
		let time = std::fs::metadata(&path).unwrap().modified().unwrap();
		std::fs::write(&path, b"key two").unwrap();
		std::fs::File::options().write(true).open(&path).unwrap().set_modified(time).unwrap();
		assert!(holds(&path, &id(b"key one"), &checked));
		// Put in place by a rename (another inode), even of the same length and time: hashed
		// again.
		write_bytes(&path, b"key six").unwrap();
		std::fs::File::options().write(true).open(&path).unwrap().set_modified(time).unwrap();
		assert!(holds(&path, &id(b"key six"), &checked));
		// Another length: hashed again.
		std::fs::write(&path, b"the key two").unwrap();
		assert!(holds(&path, &id(b"the key two"), &checked));
		assert!(!holds(&path, &id(b"key one"), &checked));
		// Written as fetched: remembered without being read back.
		put_checked(&path, &id(b"key three"), b"key three", &checked).unwrap();
		assert_eq!(checked.lock().get(&path).map(|(_, hash)| *hash), Some(id(b"key three")));
		assert!(holds(&path, &id(b"key three"), &checked));
		assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no partial file left");
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	#[allow(clippy::arithmetic_side_effects)]
	fn a_key_contributes_only_if_it_can_hold_the_deposit_and_pay_a_fee_beside_it() {
		use verity_primitives::currency::{EXISTENTIAL_DEPOSIT as ED, UNIT};
		let deposit = 10 * UNIT;
		let data = |free, reserved, frozen| pallet_balances::AccountData {
			free,
			reserved,
			frozen,
			flags: Default::default(),
		};
		// The deposit, a unit for the fee, the existential deposit.
		assert!(pays_deposit(&data(deposit + UNIT + ED, 0, 0), deposit));
		assert!(!pays_deposit(&data(deposit + UNIT + ED - 1, 0, 0), deposit));
		assert!(!pays_deposit(&data(deposit - 1, 0, 0), deposit));
		// Frozen funds (a vote's lock) beyond what is on hold stay where they are: 15 frozen,
		// the deposit on hold covers 10 of them.
		assert!(pays_deposit(&data(deposit + 5 * UNIT + UNIT, 0, 15 * UNIT), deposit));
		assert!(!pays_deposit(&data(deposit + 5 * UNIT + UNIT - 1, 0, 15 * UNIT), deposit));
		// Funds on hold already (a bond) cover the frozen ones: only the existential deposit
		// stays.
		assert!(pays_deposit(&data(deposit + UNIT + ED, 20 * UNIT, 15 * UNIT), deposit));
	}

	#[test]
	fn only_a_contribution_that_re_randomizes_the_derived_key_to_the_chain_s_delta_is_extended() {
		use ark_std::rand::{rngs::StdRng, SeedableRng};
		let dir = std::env::temp_dir().join(format!("verity-extend-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let mut rng = StdRng::seed_from_u64(3);
		let model = |sizes: &[usize]| {
			verity_zkml::onnx::import(&verity_zkml::onnx::mlp(sizes, 3), Default::default())
				.unwrap()
		};
		let ir = model(&[4, 4, 2]);
		let start = Accumulator::new(phase2::setup_size(&ir).unwrap()).unwrap();
		let context = ceremony::context(&start.hash(), &[1; 32]);
		let (sealed, _) = start.contribute(&context, &mut rng).unwrap();
		let derived = phase2::derive_key(&sealed, &ir).unwrap();
		let contributor = Contributor::new(dir.clone());
		// Someone else's contribution, as the chain records it and its transcript as fetched.
		let candidate = |key: &ProvingKey, name: &str| {
			let file = dir.join(name);
			crate::ceremony::write(&file, key).unwrap();
			Candidate {
				index: 0,
				transcript: H256(phase2::key_hash(key)),
				file,
				point: delta_point(key),
				ours: false,
			}
		};
		let refused =
			|candidate: &Candidate| contributor.extendable(&derived, candidate).err().unwrap();
		let (next, _) = phase2::contribute_delta(&derived, &[2; 32], &mut rng).unwrap();
		let good = candidate(&next, "good.pk");
		let extended = contributor.extendable(&derived, &good).unwrap();
		assert_eq!(phase2::key_hash(&extended), good.transcript.0);
		// Two contributions deep is extendable too.
		let (deeper, _) = phase2::contribute_delta(&next, &[3; 32], &mut rng).unwrap();
		assert!(contributor.extendable(&derived, &candidate(&deeper, "deeper.pk")).is_ok());

		// A file that is not the transcript the chain names (read again once fetched anew).
		let wrong_hash = Candidate { transcript: H256([7; 32]), ..good.clone() };
		assert!(
			matches!(refused(&wrong_hash), NotExtended::Unreadable(e) if e.contains("is not its transcript"))
		);
		// No file at all.
		let missing = Candidate { file: dir.join("missing.pk"), ..good.clone() };
		assert!(matches!(refused(&missing), NotExtended::Unreadable(_)));
		// A sound transcript named with another δ than the one the chain checked.
		let other_delta = Candidate { point: delta_point(&deeper), ..good.clone() };
		assert!(
			matches!(refused(&other_delta), NotExtended::Named(e) if e.contains("not the one the chain checked"))
		);
		// δ re-randomized as proved, but the H query left as it was: a key of it proves nothing.
		let mut forged = next.clone();
		forged.h_query = derived.h_query.clone();
		let forged = candidate(&forged, "forged.pk");
		assert!(
			matches!(refused(&forged), NotExtended::Bad(e) if e.contains("not the derived key re-randomized"))
		);
		// Another model's key (another circuit from the same phase 1): another length.
		let other = phase2::derive_key(&sealed, &model(&[4, 3, 2])).unwrap();
		let (other, _) = phase2::contribute_delta(&other, &[2; 32], &mut rng).unwrap();
		assert!(
			matches!(refused(&candidate(&other, "other.pk")), NotExtended::Bad(e) if e.contains("bytes, not the derived key's"))
		);
		// Bytes past a key's length are not even read.
		let mut long = std::fs::read(&good.file).unwrap();
		long.push(0);
		std::fs::write(dir.join("long.pk"), &long).unwrap();
		let long = Candidate { file: dir.join("long.pk"), ..good.clone() };
		assert!(matches!(refused(&long), NotExtended::Bad(_)));

		// A bad transcript is removed from the directory and the store, unless another file
		// holds the same bytes.
		let store =
			ModelStore::open(&dir.join("store"), 1 << 24, std::time::Duration::from_secs(1), false)
				.unwrap();
		let id = ModelId(forged.transcript.0);
		store.put(&std::fs::read(&forged.file).unwrap()).unwrap();
		let twin = dir.join(format!("0x01-0x{}.pk", hex::encode(id.0)));
		std::fs::copy(&forged.file, &twin).unwrap();
		discard(&dir, &store, &forged, &|_| false);
		assert!(!forged.file.exists());
		assert!(store.get(&id).unwrap().is_some(), "another file holds the bytes");
		// Nor when the hash named is a registered model's id: the bytes are the model's.
		let twin = Candidate { file: twin.clone(), ..forged.clone() };
		let bytes = std::fs::read(&twin.file).unwrap();
		discard(&dir, &store, &twin, &|hash| *hash == id.0);
		assert!(!twin.file.exists());
		assert!(store.get(&id).unwrap().is_some(), "a model's bytes");
		std::fs::write(&twin.file, bytes).unwrap();
		discard(&dir, &store, &twin, &|_| false);
		assert!(!twin.file.exists());
		assert!(store.get(&id).unwrap().is_none());
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_phase_one_transcript_is_used_only_with_the_sealed_hash_and_head() {
		let dir = std::env::temp_dir().join(format!("verity-phase2-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let start = Accumulator::new(16).unwrap();
		let (sealed, _) = start
			.contribute(
				&ceremony::context(&start.hash(), &[1; 32]),
				&mut ark_std::rand::rngs::OsRng,
			)
			.unwrap();
		let hash = H256(sealed.hash());
		crate::ceremony::write(&Contributor::new(dir.clone()).phase1_file(&hash), &sealed).unwrap();
		let head = |transcript: &Accumulator| -> [u8; ceremony::HEAD_LEN] {
			ceremony::encode(&transcript.head().unwrap()).try_into().unwrap()
		};
		assert!(Contributor::new(dir.clone()).phase1(&(hash, head(&sealed))).is_ok());
		// The chain checked another head under the hash the contributor published.
		let error = Contributor::new(dir.clone()).phase1(&(hash, head(&start))).err().unwrap();
		assert!(error.contains("not the sealed contribution's"), "{error}");
		// A file whose hash is not the sealed one (here the starting transcript's, renamed).
		let other = H256([9; 32]);
		crate::ceremony::write(&Contributor::new(dir.clone()).phase1_file(&other), &start).unwrap();
		let error = Contributor::new(dir.clone()).phase1(&(other, head(&start))).err().unwrap();
		assert!(error.contains("is not the sealed transcript"), "{error}");
		let _ = std::fs::remove_dir_all(&dir);
	}
}
