//! # Blobs between nodes
//!
//! A model registered as `blob:<id>` lives in the stores of the nodes that hold it (put there
//! with `blobs_put`), not at a URL. Nodes pass such blobs to each other over a request-response
//! protocol on their own peer-to-peer network, `/<genesis hash>/verity/blobs/1`, which every
//! node speaks (worker or not):
//!
//! - **A request** asks for up to [`CHUNK`] bytes of blob `id` from `offset` on (SCALE
//!   [`Request`]); **the answer** ([`Response`]) is the chunk with the blob's whole size, or
//!   `NotHeld`, or `Busy`. A blob of any size (up to the store's limit) travels a chunk at a time,
//!   so no single message is large and a download streams to disk.
//! - **The server** ([`serve`]) answers from the node's own store and nothing else, and only
//!   from files checked against their id: the first chunk of a download checks a file not
//!   checked before or changed since (a corrupt copy is removed, never served), and later
//!   chunks are served only while the file is the one checked. Each peer may make [`BURST`]
//!   requests at once and [`PER_SECOND`] a second after that, all peers together
//!   [`TOTAL_BURST`] and [`TOTAL_PER_SECOND`]; beyond, the answer is `Busy`, and a peer over
//!   its own rate loses reputation (enough of it gets the peer banned by the peer set). The
//!   server handles one request at a time from a bounded queue ([`QUEUE`]): what does not fit
//!   is refused by the network layer.
//! - **The client** ([`Peers`], the model store's [`BlobSource`]) asks the connected peers one
//!   after another, in an order that differs per download, each download bounded by the job's
//!   deadline or the store's timeout and each peer by its share of the time left; a `Busy`
//!   peer is asked again after a pause. Bytes stream into the store through
//!   [`super::store::Incoming`]: hashed on the way, at most the size limit, kept only if they hash to
//!   the id. A peer whose bytes do not hash to the id, or whose answers do not fit (sizes that
//!   change, chunks that are not whole), is **not asked for that blob again** while the node
//!   runs, and loses reputation; the next peer is asked.
//!
//! `--worker-serve-corrupt-blobs` (hidden, for tests, refused on a live chain) makes a node
//! serve every blob with its bytes flipped: the faulty peer of the network's fault tests.

use std::{
	collections::{HashMap, HashSet},
	sync::Arc,
	time::{Duration, Instant},
};

use codec::{Decode, Encode};
use parking_lot::Mutex;
use sc_network::{
	config::{IncomingRequest, OutgoingResponse},
	service::traits::NetworkService,
	IfDisconnected, NetworkBackend, PeerId, ProtocolName, ReputationChange,
};
use substrate_prometheus_endpoint::{
	register, Counter, CounterVec, Opts, PrometheusError, Registry, U64,
};
use verity_primitives::ModelId;
use verity_runtime::opaque::Block;

use super::{
	store::{BlobSource, ModelStore, StoreError},
	LOG_TARGET,
};

/// The most bytes one answer carries.
pub const CHUNK: u64 = 1024 * 1024;
/// Requests a peer may make at once.
pub const BURST: f64 = 64.0;
/// Requests a peer may make a second, after its burst.
pub const PER_SECOND: f64 = 32.0;
/// Requests all peers together may make at once.
pub const TOTAL_BURST: f64 = 256.0;
/// Requests all peers together may make a second, after their burst.
pub const TOTAL_PER_SECOND: f64 = 128.0;
/// Requests waiting for the server; more are refused by the network layer.
pub const QUEUE: usize = 64;
/// How long a client waits before asking again a peer that answered `Busy`.
const BUSY_PAUSE: Duration = Duration::from_millis(250);
/// How many `Busy` answers in a row a client takes from one peer before it asks another.
const MOST_BUSY: u32 = 40;
/// The least time a client gives one peer to deliver a blob, whatever the peers still to ask.
const LEAST_PER_PEER: Duration = Duration::from_secs(10);
/// Verified blobs the server remembers (so it does not hash them again for every download).
const VERIFIED_KEPT: usize = 4096;
/// How long a peer has to answer one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// The most bytes a request takes (a `Request` is 40).
const MAX_REQUEST: u64 = 64;
/// Room for the answer's encoding around a chunk.
const ANSWER_OVERHEAD: u64 = 64;
/// Peers the rate limiter remembers; beyond it, those that are back to a full burst are forgotten.
const RATE_PEERS: usize = 1024;

/// The reputation a peer loses for a request over its rate: about 1 500 of them in a short while
/// get it banned by the peer set; an honest client, which waits when it is told `Busy`, gets a
/// handful.
const OVER_RATE: ReputationChange =
	ReputationChange::new(-(1 << 20), "verity blobs: over the rate");
/// The reputation a peer loses for a request that does not decode.
const BAD_REQUEST: ReputationChange =
	ReputationChange::new(-(1 << 16), "verity blobs: bad request");
/// The reputation a peer loses for bytes that are not the blob it claims to serve.
const CORRUPT_BLOB: ReputationChange =
	ReputationChange::new(-(1 << 20), "verity blobs: corrupt blob");

/// The protocol's Prometheus metrics (`verity_blobs_*`), on every node.
#[derive(Clone)]
pub struct BlobMetrics {
	/// Chunks this node served to its peers.
	pub chunks_served: Counter<U64>,
	/// Bytes this node served to its peers.
	pub bytes_served: Counter<U64>,
	/// This node's attempts to fetch a blob from one peer, by outcome (`fetched`, `not_held`,
	/// `corrupt`, `failed`).
	pub fetches: CounterVec<U64>,
}

impl BlobMetrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(BlobMetrics {
			chunks_served: register(
				Counter::new("verity_blobs_chunks_served_total", "Blob chunks served to peers")?,
				registry,
			)?,
			bytes_served: register(
				Counter::new("verity_blobs_bytes_served_total", "Blob bytes served to peers")?,
				registry,
			)?,
			fetches: register(
				CounterVec::new(
					Opts::new(
						"verity_blobs_fetches_total",
						"Blob fetches from one peer, by outcome",
					),
					&["outcome"],
				)?,
				registry,
			)?,
		})
	}
}

/// Up to [`CHUNK`] bytes of blob `id` from `offset` on.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Request {
	/// The blob (a model id).
	pub id: [u8; 32],
	/// Where the chunk starts.
	pub offset: u64,
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum Response {
	/// The blob's bytes from the requested offset on (at most [`CHUNK`]), and its whole size.
	Chunk { total: u64, bytes: Vec<u8> },
	/// The node does not hold the blob (or the offset is past its end).
	NotHeld,
	/// The peer asked too often; ask again later or ask another node.
	Busy,
}

/// The protocol's name on the chain whose genesis hash is `genesis`.
pub fn protocol_name(genesis: &[u8]) -> ProtocolName {
	format!("/{}/verity/blobs/1", hex::encode(genesis)).into()
}

/// The protocol's configuration for the network, and the queue its requests arrive on.
pub fn protocol_config<N: NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>>(
	name: ProtocolName,
) -> (N::RequestResponseProtocolConfig, async_channel::Receiver<IncomingRequest>) {
	let (sender, requests) = async_channel::bounded(QUEUE);
	let config = N::request_response_config(
		name,
		Vec::new(),
		MAX_REQUEST,
		CHUNK + ANSWER_OVERHEAD,
		REQUEST_TIMEOUT,
		Some(sender),
	);
	(config, requests)
}

/// A token bucket: `burst` requests at once, refilled at `rate` a second.
#[derive(Clone, Copy)]
struct Bucket {
	tokens: f64,
	at: Instant,
}

impl Bucket {
	fn full(burst: f64, now: Instant) -> Self {
		Bucket { tokens: burst, at: now }
	}

	/// The tokens at `now`.
	fn level(&self, now: Instant, burst: f64, rate: f64) -> f64 {
		(self.tokens + now.saturating_duration_since(self.at).as_secs_f64() * rate).min(burst)
	}

	/// Takes a token at `now` if there is one.
	fn take(&mut self, now: Instant, burst: f64, rate: f64) -> bool {
		self.tokens = self.level(now, burst, rate);
		self.at = now;
		if self.tokens < 1.0 {
			return false;
		}
		self.tokens -= 1.0;
		true
	}
}

/// Why a request is not answered now.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
	/// The peer is over its own rate.
	Peer,
	/// All peers together are over the server's rate.
	Total,
}

/// A token bucket per peer ([`BURST`], [`PER_SECOND`]) and one for all ([`TOTAL_BURST`],
/// [`TOTAL_PER_SECOND`]): no peer takes more than its share, and many peer ids together no
/// more than the server's.
struct RateLimit {
	peers: HashMap<PeerId, Bucket>,
	total: Bucket,
}

impl RateLimit {
	fn new(now: Instant) -> Self {
		RateLimit { peers: HashMap::new(), total: Bucket::full(TOTAL_BURST, now) }
	}

	/// Whether `peer` may make a request at `now` (taking its tokens if so).
	fn allow(&mut self, peer: PeerId, now: Instant) -> Result<(), Refusal> {
		if self.peers.len() >= RATE_PEERS {
			// Those back to a full burst are as good as new.
			self.peers.retain(|_, bucket| bucket.level(now, BURST, PER_SECOND) < BURST);
		}
		let bucket = self.peers.entry(peer).or_insert(Bucket::full(BURST, now));
		if !bucket.take(now, BURST, PER_SECOND) {
			return Err(Refusal::Peer);
		}
		if !self.total.take(now, TOTAL_BURST, TOTAL_PER_SECOND) {
			return Err(Refusal::Total);
		}
		Ok(())
	}
}

/// The blobs the server checked against their id, with the size and modification time their
/// files had then: a chunk is served only from a file that is still the one checked.
#[derive(Default)]
struct Verified(HashMap<ModelId, (u64, std::time::SystemTime)>);

/// Serves the requests of peers from `store` until the network stops. With `corrupt`, every
/// byte served is flipped (tests only).
pub async fn serve(
	requests: async_channel::Receiver<IncomingRequest>,
	store: ModelStore,
	corrupt: bool,
	metrics: Option<BlobMetrics>,
) {
	let mut limit = RateLimit::new(Instant::now());
	let verified = Arc::new(Mutex::new(Verified::default()));
	while let Ok(IncomingRequest { peer, payload, pending_response }) = requests.recv().await {
		let allowed = limit.allow(peer, Instant::now());
		let (result, reputation_changes) = if let Err(refusal) = allowed {
			let cost = if refusal == Refusal::Peer { vec![OVER_RATE] } else { Vec::new() };
			(Ok(Response::Busy.encode()), cost)
		} else {
			match Request::decode(&mut &payload[..]) {
				Ok(request) => {
					let (store, verified) = (store.clone(), verified.clone());
					let answer = tokio::task::spawn_blocking(move || {
						answer(&store, &mut verified.lock(), &request)
					})
					.await
					.unwrap_or(Response::Busy);
					let answer = match answer {
						Response::Chunk { total, bytes } if corrupt => Response::Chunk {
							total,
							bytes: bytes.into_iter().map(|byte| !byte).collect(),
						},
						answer => answer,
					};
					if let (Some(metrics), Response::Chunk { bytes, .. }) = (&metrics, &answer) {
						metrics.chunks_served.inc();
						metrics.bytes_served.inc_by(bytes.len() as u64);
					}
					(Ok(answer.encode()), Vec::new())
				},
				Err(_) => (Err(()), vec![BAD_REQUEST]),
			}
		};
		let _ = pending_response.send(OutgoingResponse {
			result,
			reputation_changes,
			sent_feedback: None,
		});
	}
}

/// The answer to `request` from `store`. A chunk comes only from a file checked against its
/// id: the first request of a download checks a file not checked before (or changed since; a
/// corrupt copy is removed), and later requests are answered only while the file is the one
/// checked.
fn answer(store: &ModelStore, verified: &mut Verified, request: &Request) -> Response {
	let id = ModelId(request.id);
	let mut read = || -> Result<Option<(u64, Vec<u8>)>, StoreError> {
		let Some(stat) = store.stat(&id)? else { return Ok(None) };
		if verified.0.get(&id) != Some(&stat) {
			if request.offset != 0 {
				return Ok(None);
			}
			verified.0.remove(&id);
			let Some(checked) = store.verify(&id)? else { return Ok(None) };
			if verified.0.len() >= VERIFIED_KEPT {
				verified.0.clear();
			}
			verified.0.insert(id, checked);
		}
		store.read_chunk(&id, request.offset, CHUNK)
	};
	match read() {
		Ok(Some((total, bytes))) => Response::Chunk { total, bytes },
		Ok(None) => Response::NotHeld,
		Err(e) => {
			log::warn!(target: LOG_TARGET, "blobs: cannot read 0x{}: {e}", hex::encode(id.0));
			Response::NotHeld
		},
	}
}

/// Why one peer did not deliver a blob.
enum PeerFailure {
	/// It does not hold the blob.
	NotHeld,
	/// It sent bytes that are not the blob, or answers that contradict themselves.
	Corrupt(String),
	/// Anything else: busy, gone, too slow, the blob over our limit.
	Failed(String),
}

/// The client: asks the node's connected peers for blobs.
pub struct Peers {
	network: Arc<dyn NetworkService>,
	sync: Arc<sc_network_sync::SyncingService<Block>>,
	protocol: ProtocolName,
	/// The peers that served corrupt bytes, per blob: never asked for it again.
	distrusted: Mutex<HashMap<ModelId, HashSet<PeerId>>>,
	metrics: Option<BlobMetrics>,
}

impl Peers {
	/// A client over `network`, asking the peers `sync` is connected to.
	pub fn new(
		network: Arc<dyn NetworkService>,
		sync: Arc<sc_network_sync::SyncingService<Block>>,
		protocol: ProtocolName,
		metrics: Option<BlobMetrics>,
	) -> Self {
		Peers { network, sync, protocol, distrusted: Default::default(), metrics }
	}

	/// The peers that served corrupt bytes of `id`.
	pub fn distrusted(&self, id: &ModelId) -> Vec<PeerId> {
		self.distrusted
			.lock()
			.get(id)
			.map(|peers| peers.iter().copied().collect())
			.unwrap_or_default()
	}

	fn count(&self, outcome: &str) {
		if let Some(metrics) = &self.metrics {
			metrics.fetches.with_label_values(&[outcome]).inc();
		}
	}

	/// Asks the connected peers, one after another, for blob `id` until one serves it.
	async fn fetch_blob(
		&self,
		store: &ModelStore,
		id: ModelId,
		by: Instant,
	) -> Result<(), StoreError> {
		let connected = self.sync.peers_info().await.map_err(|_| StoreError::NotStored(id))?;
		let mut peers: Vec<PeerId> = {
			let distrusted = self.distrusted.lock();
			let skip = distrusted.get(&id);
			connected
				.into_iter()
				.map(|(peer, _)| peer)
				.filter(|peer| !skip.is_some_and(|skip| skip.contains(peer)))
				.collect()
		};
		// An order that differs per download, so no peer is everyone's first choice.
		let salt = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|since| since.as_nanos())
			.unwrap_or_default()
			.to_le_bytes();
		peers.sort_by_key(|peer| {
			sp_io::hashing::blake2_128(&[&peer.to_bytes()[..], &salt].concat())
		});
		let mut tried = Vec::new();
		let count = peers.len();
		for (index, peer) in peers.into_iter().enumerate() {
			let now = Instant::now();
			if now >= by {
				tried.push("out of time".to_string());
				break;
			}
			// Each peer gets its share of the time left (at least LEAST_PER_PEER), so a slow
			// one cannot spend it all.
			let share = by
				.saturating_duration_since(now)
				.checked_div(count.saturating_sub(index) as u32)
				.unwrap_or_default();
			let peer_by = now.checked_add(share.max(LEAST_PER_PEER)).map_or(by, |at| at.min(by));
			match self.download(store, id, peer, peer_by).await {
				Ok(()) => {
					log::info!(
						target: LOG_TARGET,
						"blob 0x{} fetched from peer {peer}",
						hex::encode(id.0)
					);
					self.count("fetched");
					return Ok(());
				},
				Err(PeerFailure::NotHeld) => {
					self.count("not_held");
					tried.push(format!("{peer}: not held"));
				},
				Err(PeerFailure::Corrupt(why)) => {
					log::warn!(
						target: LOG_TARGET,
						"blob 0x{}: peer {peer} {why}; not asking it for this blob again",
						hex::encode(id.0)
					);
					self.count("corrupt");
					self.distrusted.lock().entry(id).or_default().insert(peer);
					self.network.report_peer(peer, CORRUPT_BLOB);
					tried.push(format!("{peer}: {why}"));
				},
				Err(PeerFailure::Failed(why)) => {
					self.count("failed");
					tried.push(format!("{peer}: {why}"));
				},
			}
		}
		log::debug!(
			target: LOG_TARGET,
			"blob 0x{}: no peer served it ({})",
			hex::encode(id.0),
			tried.join("; ")
		);
		Err(StoreError::NotStored(id))
	}

	/// Downloads blob `id` from `peer` into `store`, a chunk at a time.
	async fn download(
		&self,
		store: &ModelStore,
		id: ModelId,
		peer: PeerId,
		by: Instant,
	) -> Result<(), PeerFailure> {
		let failed = |e: StoreError| PeerFailure::Failed(e.to_string());
		let mut incoming = store.incoming(&id).map_err(failed)?;
		let mut total = None;
		let mut busy = 0;
		loop {
			let offset = incoming.size();
			let request = Request { id: id.0, offset }.encode();
			let left = by.saturating_duration_since(Instant::now());
			let asked = self.network.request(
				peer,
				self.protocol.clone(),
				request,
				None,
				IfDisconnected::ImmediateError,
			);
			let (answer, _) = tokio::time::timeout(left, asked)
				.await
				.map_err(|_| PeerFailure::Failed("out of time".into()))?
				.map_err(|e| PeerFailure::Failed(e.to_string()))?;
			let (size, bytes) = match Response::decode(&mut &answer[..]) {
				Ok(Response::Chunk { total, bytes }) => (total, bytes),
				Ok(Response::NotHeld) if offset == 0 => return Err(PeerFailure::NotHeld),
				Ok(Response::NotHeld) => {
					return Err(PeerFailure::Failed("stopped holding it".into()))
				},
				// A peer that asks too fast is told so: wait, ask again.
				Ok(Response::Busy) if busy < MOST_BUSY => {
					busy = busy.saturating_add(1);
					tokio::time::sleep(
						BUSY_PAUSE.min(by.saturating_duration_since(Instant::now())),
					)
					.await;
					continue;
				},
				Ok(Response::Busy) => return Err(PeerFailure::Failed("busy".into())),
				Err(_) => return Err(PeerFailure::Corrupt("answered what does not decode".into())),
			};
			if *total.get_or_insert(size) != size {
				return Err(PeerFailure::Corrupt("changed the blob's size midway".into()));
			}
			if size > store.max_size() {
				return Err(PeerFailure::Failed(format!(
					"the blob's {size} bytes are over this node's limit of {}",
					store.max_size()
				)));
			}
			busy = 0;
			// A server sends whole chunks: anything shorter only spends the job's time.
			if bytes.len() as u64 != CHUNK.min(size.saturating_sub(offset)) {
				return Err(PeerFailure::Corrupt("sent a chunk that does not fit the blob".into()));
			}
			let end = offset.saturating_add(bytes.len() as u64);
			incoming.write(&bytes).map_err(failed)?;
			if end == size {
				return incoming.complete().await.map_err(|e| match e {
					StoreError::HashMismatch { .. } => PeerFailure::Corrupt(e.to_string()),
					e => failed(e),
				});
			}
		}
	}
}

impl BlobSource for Peers {
	fn fetch<'a>(
		&'a self,
		store: &'a ModelStore,
		id: ModelId,
		by: Instant,
	) -> futures::future::BoxFuture<'a, Result<(), StoreError>> {
		Box::pin(self.fetch_blob(store, id, by))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::worker::store;

	#[test]
	fn requests_and_answers_fit_the_protocol_limits() {
		let request = Request { id: [0xff; 32], offset: u64::MAX };
		assert!(request.encode().len() as u64 <= MAX_REQUEST);
		let answer = Response::Chunk { total: u64::MAX, bytes: vec![0; CHUNK as usize] };
		assert!(answer.encode().len() as u64 <= CHUNK + ANSWER_OVERHEAD);
	}

	#[test]
	fn a_peer_gets_its_burst_then_its_rate() {
		let start = Instant::now();
		let mut limit = RateLimit::new(start);
		let (peer, other) = (PeerId::random(), PeerId::random());
		for _ in 0..BURST as usize {
			assert_eq!(limit.allow(peer, start), Ok(()));
		}
		assert_eq!(limit.allow(peer, start), Err(Refusal::Peer), "the burst is spent");
		assert_eq!(limit.allow(other, start), Ok(()), "another peer has its own bucket");
		// A second later, PER_SECOND more.
		let later = start + Duration::from_secs(1);
		for _ in 0..PER_SECOND as usize {
			assert_eq!(limit.allow(peer, later), Ok(()));
		}
		assert_eq!(limit.allow(peer, later), Err(Refusal::Peer));
		// Refused requests do not earn tokens: after a long rest the bucket is full, no more.
		let rested = later + Duration::from_secs(3600);
		for _ in 0..BURST as usize {
			assert_eq!(limit.allow(peer, rested), Ok(()));
		}
		assert_eq!(limit.allow(peer, rested), Err(Refusal::Peer));
	}

	#[test]
	fn many_peer_ids_together_get_the_servers_rate() {
		let start = Instant::now();
		let mut limit = RateLimit::new(start);
		// Each new id has its own burst, but all of them together only the server's.
		for _ in 0..TOTAL_BURST as usize {
			assert_eq!(limit.allow(PeerId::random(), start), Ok(()));
		}
		assert_eq!(limit.allow(PeerId::random(), start), Err(Refusal::Total));
		let later = start + Duration::from_secs(1);
		for _ in 0..TOTAL_PER_SECOND as usize {
			assert_eq!(limit.allow(PeerId::random(), later), Ok(()));
		}
		assert_eq!(limit.allow(PeerId::random(), later), Err(Refusal::Total));
	}

	#[test]
	fn the_server_answers_only_for_blobs_it_holds_intact() {
		let dir = std::env::temp_dir().join(format!("verity-p2p-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let store = ModelStore::open(&dir, 10 * CHUNK, Duration::from_secs(5), false).unwrap();
		let bytes: Vec<u8> = (0..(CHUNK + 10)).map(|i| (i % 251) as u8).collect();
		let id = store.put(&bytes).unwrap();
		let mut verified = Verified::default();
		let mut ask = |offset| answer(&store, &mut verified, &Request { id: id.0, offset });
		let total = bytes.len() as u64;
		// A download must start at the beginning, where the file is checked.
		assert_eq!(ask(CHUNK), Response::NotHeld);
		assert_eq!(ask(0), Response::Chunk { total, bytes: bytes[..CHUNK as usize].to_vec() });
		assert_eq!(ask(CHUNK), Response::Chunk { total, bytes: bytes[CHUNK as usize..].to_vec() });
		assert_eq!(ask(total), Response::Chunk { total, bytes: Vec::new() });
		assert_eq!(ask(total + 1), Response::NotHeld);
		let mut verified = Verified::default();
		assert_eq!(
			answer(&store, &mut verified, &Request { id: [7; 32], offset: 0 }),
			Response::NotHeld
		);
		// The copy on disk changes after it was checked: no more chunks of it; the next
		// download checks it, finds it corrupt and removes it.
		let file = dir.join(format!("{}.onnx", hex::encode(id.0)));
		let mut verified = Verified::default();
		let mut ask = |offset| answer(&store, &mut verified, &Request { id: id.0, offset });
		assert!(matches!(ask(0), Response::Chunk { .. }));
		std::thread::sleep(Duration::from_millis(20));
		std::fs::write(&file, b"rotten").unwrap();
		assert_eq!(ask(CHUNK), Response::NotHeld);
		assert_eq!(ask(0), Response::NotHeld);
		assert!(!file.exists());
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn incoming_bytes_are_kept_only_if_they_hash_to_the_id() {
		let dir = std::env::temp_dir().join(format!("verity-p2p-in-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let store = ModelStore::open(&dir, 16, Duration::from_secs(5), false).unwrap();
		let id = store::model_id(b"the blob");
		let mut incoming = store.incoming(&id).unwrap();
		incoming.write(b"the ").unwrap();
		incoming.write(b"blob").unwrap();
		incoming.finish().unwrap();
		assert_eq!(store.get(&id).unwrap().unwrap(), b"the blob".to_vec());

		let other = store::model_id(b"another blob");
		let mut incoming = store.incoming(&other).unwrap();
		incoming.write(b"not it").unwrap();
		assert!(matches!(incoming.finish(), Err(StoreError::HashMismatch { .. })));
		let mut incoming = store.incoming(&other).unwrap();
		assert!(matches!(incoming.write(&[0; 17]), Err(StoreError::TooLarge { limit: 16 })));
		drop(incoming);
		assert_eq!(store.get(&other).unwrap(), None);
		// Nothing partial is left behind.
		assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
		let _ = std::fs::remove_dir_all(&dir);
	}
}
