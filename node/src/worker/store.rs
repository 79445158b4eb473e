//! The model store: ONNX bytes on disk, addressed by their blake2-256 hash (the `ModelId`).
//!
//! Files live in one directory under the node's chain data path, named by the hex of their id.
//! Bytes are checked against their id when they enter the store and every time they are read, so
//! a corrupt or tampered file is refused (and removed) rather than run. Models are fetched by the
//! URI registered on chain: `http://` and `https://`, or `blob:<id>` for bytes that were put into
//! a node's store (`blobs_put`): this node's, or else a peer's, fetched over the node's
//! peer-to-peer network ([`super::p2p`]) and checked against the id like any download.
//!
//! A URI is chosen by whoever registers a model, so a download is treated as hostile: at most
//! [`MAX_REDIRECTS`] redirects, each followed by hand; every address a host name resolves to must
//! be public (no loopback, private, link-local, shared or unspecified address) unless the
//! operator allows private fetches (`--worker-allow-private-fetch`), and the connection goes to
//! the address that was checked, so the name cannot be re-resolved elsewhere in between; the
//! body streams to a partial file, hashed on the way and at most the size limit, and becomes the
//! model's file only if it hashes to the model id; the whole download, redirects included, ends
//! by its timeout (the store's, or less when the caller has a job's deadline to meet).

use std::{
	net::{IpAddr, SocketAddr},
	path::{Path, PathBuf},
	time::{Duration, Instant, SystemTime},
};

use sp_io::hashing::blake2_256;
use verity_primitives::ModelId;

/// Why a model's bytes are not available.
#[derive(Debug)]
pub enum StoreError {
	/// The bytes do not hash to the model id.
	HashMismatch { expected: ModelId, found: ModelId },
	/// A `blob:` model is not in this node's store (and, when the node asks its peers, no peer
	/// served it).
	NotStored(ModelId),
	/// The URI's scheme is neither `http(s)://` nor `blob:`.
	UnsupportedUri(String),
	/// The download is larger than the limit.
	TooLarge { limit: u64 },
	/// The download failed.
	Fetch(String),
	/// The URI's host is (or resolves to) an address the worker does not fetch from.
	PrivateAddress(String),
	/// Reading or writing the store failed.
	Io(std::io::Error),
}

impl std::fmt::Display for StoreError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			StoreError::HashMismatch { expected, found } => write!(
				f,
				"the bytes hash to 0x{}, not to the model id 0x{}",
				hex::encode(found.0),
				hex::encode(expected.0)
			),
			StoreError::NotStored(id) => {
				write!(
					f,
					"blob 0x{} is not in this node's store and no peer served it",
					hex::encode(id.0)
				)
			},
			StoreError::UnsupportedUri(uri) => write!(f, "unsupported model URI {uri:?}"),
			StoreError::TooLarge { limit } => write!(f, "the model is larger than {limit} bytes"),
			StoreError::Fetch(e) => write!(f, "the download failed: {e}"),
			StoreError::PrivateAddress(host) => write!(
				f,
				"{host} is a loopback, private or link-local address; \
				 --worker-allow-private-fetch allows it"
			),
			StoreError::Io(e) => write!(f, "the model store failed: {e}"),
		}
	}
}

impl std::error::Error for StoreError {}

impl From<std::io::Error> for StoreError {
	fn from(e: std::io::Error) -> Self {
		StoreError::Io(e)
	}
}

/// The id of `bytes`.
pub fn model_id(bytes: &[u8]) -> ModelId {
	ModelId(blake2_256(bytes))
}

/// The most redirects a download follows.
pub const MAX_REDIRECTS: usize = 3;

/// Whether a download may connect to `ip`: not loopback, private, link-local, shared (CGNAT),
/// unspecified, broadcast or documentation space, for IPv4 and IPv6 (and IPv4 mapped in IPv6).
pub fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => {
			let [a, b, ..] = v4.octets();
			!(v4.is_loopback()
				|| v4.is_private()
				|| v4.is_link_local()
				|| v4.is_unspecified()
				|| v4.is_broadcast()
				|| v4.is_documentation()
				|| a == 0 || (a == 100 && (64..128).contains(&b)))
		},
		IpAddr::V6(v6) => {
			if let Some(v4) = v6.to_ipv4_mapped() {
				return is_public(IpAddr::V4(v4));
			}
			let first = v6.segments()[0];
			!(v6.is_loopback()
				|| v6.is_unspecified()
				|| (first & 0xfe00) == 0xfc00
				|| (first & 0xffc0) == 0xfe80)
		},
	}
}

/// Removes a stored file that hashes to `found`, not to the id it is stored as.
fn remove_corrupt(path: &Path, found: &ModelId) {
	log::warn!(
		target: crate::worker::LOG_TARGET,
		"model store: {} is corrupt (hashes to 0x{}); removed",
		path.display(),
		hex::encode(found.0)
	);
	let _ = std::fs::remove_file(path);
}

/// Where a store gets `blob:` models it does not hold: the node's peers ([`super::p2p::Peers`]).
pub trait BlobSource: Send + Sync {
	/// Puts blob `id` into `store` from elsewhere, by `by` at the latest.
	fn fetch<'a>(
		&'a self,
		store: &'a ModelStore,
		id: ModelId,
		by: Instant,
	) -> futures::future::BoxFuture<'a, Result<(), StoreError>>;
}

/// Content-addressed model bytes in a directory.
#[derive(Clone)]
pub struct ModelStore {
	dir: PathBuf,
	max_size: u64,
	timeout: Duration,
	allow_private: bool,
	peers: Option<std::sync::Arc<dyn BlobSource>>,
}

impl std::fmt::Debug for ModelStore {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("ModelStore").field("dir", &self.dir).finish_non_exhaustive()
	}
}

impl ModelStore {
	/// A store in `dir` (created if missing) that downloads at most `max_size` bytes a model, each
	/// download within `timeout`, from public addresses only unless `allow_private`. Partial
	/// files a previous run left behind (a crash mid-download) are removed.
	pub fn open(
		dir: &Path,
		max_size: u64,
		timeout: Duration,
		allow_private: bool,
	) -> Result<Self, StoreError> {
		std::fs::create_dir_all(dir)?;
		for entry in std::fs::read_dir(dir)?.filter_map(Result::ok) {
			let path = entry.path();
			let partial = path
				.extension()
				.and_then(|x| x.to_str())
				.is_some_and(|x| x.starts_with("download-") || x.starts_with("partial-"));
			if partial {
				let _ = std::fs::remove_file(&path);
			}
		}
		Ok(ModelStore { dir: dir.to_path_buf(), max_size, timeout, allow_private, peers: None })
	}

	/// The same store, asking `peers` for the `blob:` models it does not hold.
	pub fn with_peers(mut self, peers: std::sync::Arc<dyn BlobSource>) -> Self {
		self.peers = Some(peers);
		self
	}

	/// The largest model this store takes.
	pub fn max_size(&self) -> u64 {
		self.max_size
	}

	fn path(&self, id: &ModelId) -> PathBuf {
		self.dir.join(format!("{}.onnx", hex::encode(id.0)))
	}

	/// Puts `bytes` into the store; returns their id.
	pub fn put(&self, bytes: &[u8]) -> Result<ModelId, StoreError> {
		if bytes.len() as u64 > self.max_size {
			return Err(StoreError::TooLarge { limit: self.max_size });
		}
		let id = model_id(bytes);
		let path = self.path(&id);
		// Written under a temporary name of its own and renamed, so a reader never sees half a
		// file and two jobs fetching the same model at once do not trip over each other.
		static PUTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
		let n = PUTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
		let partial = path.with_extension(format!("partial-{}-{n}", std::process::id()));
		std::fs::write(&partial, bytes)?;
		std::fs::rename(&partial, &path)?;
		Ok(id)
	}

	/// The bytes of `id` if the store has them. Bytes that no longer hash to `id` are removed
	/// and reported as [`StoreError::HashMismatch`].
	pub fn get(&self, id: &ModelId) -> Result<Option<Vec<u8>>, StoreError> {
		let path = self.path(id);
		let bytes = match std::fs::read(&path) {
			Ok(bytes) => bytes,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
			Err(e) => return Err(e.into()),
		};
		let found = model_id(&bytes);
		if found != *id {
			remove_corrupt(&path, &found);
			return Err(StoreError::HashMismatch { expected: *id, found });
		}
		Ok(Some(bytes))
	}

	/// Whether the store holds `id` intact: the file is streamed through the hash (never
	/// loaded whole) and removed if it does not hash to `id`. Returns the file's size and
	/// modification time, which change if the file is replaced.
	pub fn verify(&self, id: &ModelId) -> Result<Option<(u64, SystemTime)>, StoreError> {
		use std::io::Read;
		let path = self.path(id);
		let mut file = match std::fs::File::open(&path) {
			Ok(file) => file,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
			Err(e) => return Err(e.into()),
		};
		let metadata = file.metadata()?;
		let mut hash = blake2b_simd::Params::new().hash_length(32).to_state();
		let mut buffer = vec![0u8; 1 << 20];
		loop {
			let read = file.read(&mut buffer)?;
			if read == 0 {
				break;
			}
			hash.update(buffer.get(..read).unwrap_or_default());
		}
		let found = ModelId(hash.finalize().as_bytes().try_into().unwrap_or_default());
		if found != *id {
			remove_corrupt(&path, &found);
			return Ok(None);
		}
		Ok(Some((metadata.len(), metadata.modified()?)))
	}

	/// Removes `id` from the store, if it holds it.
	pub fn remove(&self, id: &ModelId) -> Result<(), StoreError> {
		match std::fs::remove_file(self.path(id)) {
			Ok(()) => Ok(()),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
			Err(e) => Err(e.into()),
		}
	}

	/// The size and modification time of `id`'s file, if the store has it.
	pub fn stat(&self, id: &ModelId) -> Result<Option<(u64, SystemTime)>, StoreError> {
		match std::fs::metadata(self.path(id)) {
			Ok(metadata) => Ok(Some((metadata.len(), metadata.modified()?))),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e.into()),
		}
	}

	/// Up to `most` bytes of model `id` from `offset` on, and its whole size, without checking
	/// them against the id (see [`Self::verify`]); `None` if the store does not have it or
	/// `offset` is past its end.
	pub fn read_chunk(
		&self,
		id: &ModelId,
		offset: u64,
		most: u64,
	) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
		use std::io::{Read, Seek};
		let mut file = match std::fs::File::open(self.path(id)) {
			Ok(file) => file,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
			Err(e) => return Err(e.into()),
		};
		let total = file.metadata()?.len();
		if offset > total {
			return Ok(None);
		}
		file.seek(std::io::SeekFrom::Start(offset))?;
		let mut chunk = Vec::new();
		file.take(most.min(total.saturating_sub(offset))).read_to_end(&mut chunk)?;
		Ok(Some((total, chunk)))
	}

	/// How many models the store holds.
	pub fn len(&self) -> usize {
		std::fs::read_dir(&self.dir)
			.map(|entries| {
				entries
					.filter_map(Result::ok)
					.filter(|e| e.path().extension().is_some_and(|x| x == "onnx"))
					.count()
			})
			.unwrap_or(0)
	}

	/// Whether the store is empty.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}

	/// The bytes of model `id`: from the store, or else downloaded from `uri`, checked against
	/// `id` and stored; a download ends by the store's timeout or by `by`, whichever comes first
	/// (a job's deadline: a model that arrives after it is of no use to the job).
	pub async fn fetch(
		&self,
		id: &ModelId,
		uri: &str,
		by: Option<Instant>,
	) -> Result<Vec<u8>, StoreError> {
		match self.get(id) {
			Ok(Some(bytes)) => return Ok(bytes),
			Ok(None) => {},
			// A corrupt copy was removed; fetch it again.
			Err(StoreError::HashMismatch { .. }) => {},
			Err(e) => return Err(e),
		}
		let limit = by
			.map(|by| by.saturating_duration_since(Instant::now()))
			.map_or(self.timeout, |left| left.min(self.timeout));
		if uri.starts_with("blob:") {
			let peers = self.peers.as_ref().ok_or(StoreError::NotStored(*id))?;
			let by = Instant::now().checked_add(limit).unwrap_or_else(Instant::now);
			peers.fetch(self, *id, by).await?;
			return self.get(id)?.ok_or(StoreError::NotStored(*id));
		}
		if !(uri.starts_with("http://") || uri.starts_with("https://")) {
			return Err(StoreError::UnsupportedUri(uri.to_string()));
		}
		match tokio::time::timeout(limit, self.download(id, uri)).await {
			Ok(downloaded) => downloaded?,
			Err(_) => {
				return Err(StoreError::Fetch(format!("timed out after {} s", limit.as_secs_f64())))
			},
		}
		// Read back as any stored model is: checked against its id once more.
		self.get(id)?.ok_or(StoreError::NotStored(*id))
	}

	/// Downloads `uri` into the store as `id`, following redirects by hand (see the module docs).
	async fn download(&self, id: &ModelId, uri: &str) -> Result<(), StoreError> {
		let unsupported = || StoreError::UnsupportedUri(uri.to_string());
		let mut url = reqwest::Url::parse(uri).map_err(|_| unsupported())?;
		for _ in 0..=MAX_REDIRECTS {
			let response = self.request(&url).await?;
			if !response.status().is_redirection() {
				let response =
					response.error_for_status().map_err(|e| StoreError::Fetch(e.to_string()))?;
				return self.save(id, response).await;
			}
			let location = response
				.headers()
				.get(reqwest::header::LOCATION)
				.and_then(|value| value.to_str().ok())
				.ok_or_else(|| StoreError::Fetch("a redirect without a location".into()))?;
			url = url.join(location).map_err(|_| unsupported())?;
			if !matches!(url.scheme(), "http" | "https") {
				return Err(StoreError::UnsupportedUri(url.to_string()));
			}
		}
		Err(StoreError::Fetch(format!("more than {MAX_REDIRECTS} redirects")))
	}

	/// One request, without following redirects, to an address of `url`'s host that was checked.
	async fn request(&self, url: &reqwest::Url) -> Result<reqwest::Response, StoreError> {
		let fetch = |e: reqwest::Error| StoreError::Fetch(e.to_string());
		let port = url.port_or_known_default().unwrap_or(80);
		let (name, addresses): (Option<&str>, Vec<SocketAddr>) = match url.host() {
			Some(url::Host::Domain(name)) => {
				let found = tokio::net::lookup_host((name, port))
					.await
					.map_err(|e| StoreError::Fetch(format!("cannot resolve {name}: {e}")))?;
				(Some(name), found.collect())
			},
			Some(url::Host::Ipv4(ip)) => (None, vec![SocketAddr::new(ip.into(), port)]),
			Some(url::Host::Ipv6(ip)) => (None, vec![SocketAddr::new(ip.into(), port)]),
			None => return Err(StoreError::UnsupportedUri(url.to_string())),
		};
		// Every address must do: a name that resolves to a public and a private one is refused.
		if !self.allow_private && addresses.iter().any(|address| !is_public(address.ip())) {
			return Err(StoreError::PrivateAddress(url.host_str().unwrap_or_default().into()));
		}
		let address = *addresses.first().ok_or_else(|| StoreError::Fetch("no address".into()))?;
		let mut client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
		if let Some(name) = name {
			// Connect to the address checked above, not to whatever the name resolves to next.
			client = client.resolve(name, address);
		}
		client.build().map_err(fetch)?.get(url.clone()).send().await.map_err(fetch)
	}

	/// Streams `response`'s body into the store as `id` (see [`Incoming`]).
	async fn save(&self, id: &ModelId, mut response: reqwest::Response) -> Result<(), StoreError> {
		if response.content_length().is_some_and(|len| len > self.max_size) {
			return Err(StoreError::TooLarge { limit: self.max_size });
		}
		let mut incoming = self.incoming(id)?;
		while let Some(chunk) =
			response.chunk().await.map_err(|e| StoreError::Fetch(e.to_string()))?
		{
			incoming.write(&chunk)?;
		}
		incoming.complete().await
	}

	/// Model `id` arriving a piece at a time (see [`Incoming`]).
	pub fn incoming(&self, id: &ModelId) -> Result<Incoming, StoreError> {
		static DOWNLOADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
		let n = DOWNLOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
		let partial =
			Partial(self.path(id).with_extension(format!("download-{}-{n}", std::process::id())));
		let file = std::fs::File::create(&partial.0)?;
		Ok(Incoming {
			id: *id,
			path: self.path(id),
			max_size: self.max_size,
			file,
			partial,
			hash: blake2b_simd::Params::new().hash_length(32).to_state(),
			size: 0,
		})
	}
}

/// A model arriving a piece at a time: written to a partial file and hashed on the way, at most
/// the store's size limit; it becomes the model's file only if the whole hashes to its id, and
/// is removed if dropped before.
pub struct Incoming {
	id: ModelId,
	path: PathBuf,
	max_size: u64,
	file: std::fs::File,
	partial: Partial,
	hash: blake2b_simd::State,
	size: u64,
}

impl Incoming {
	/// Appends `chunk`. Plain file writes of a chunk at a time: short enough for an async task.
	pub fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
		use std::io::Write;
		self.size = self.size.saturating_add(chunk.len() as u64);
		if self.size > self.max_size {
			return Err(StoreError::TooLarge { limit: self.max_size });
		}
		self.hash.update(chunk);
		self.file.write_all(chunk)?;
		Ok(())
	}

	/// The bytes written so far.
	pub fn size(&self) -> u64 {
		self.size
	}

	/// [`Self::finish`] on a blocking thread: it syncs up to the size limit to disk.
	pub async fn complete(self) -> Result<(), StoreError> {
		tokio::task::spawn_blocking(move || self.finish())
			.await
			.map_err(|e| StoreError::Fetch(e.to_string()))?
	}

	/// Stores the model if it hashes to its id.
	pub fn finish(self) -> Result<(), StoreError> {
		self.file.sync_all()?;
		let found = ModelId(self.hash.finalize().as_bytes().try_into().unwrap_or_default());
		if found != self.id {
			return Err(StoreError::HashMismatch { expected: self.id, found });
		}
		std::fs::rename(&self.partial.0, &self.path)?;
		Ok(())
	}
}

/// A download's partial file: removed when dropped (an error, a timeout that drops the download
/// midway); once renamed into the store there is nothing left to remove.
struct Partial(PathBuf);

impl Drop for Partial {
	fn drop(&mut self) {
		let _ = std::fs::remove_file(&self.0);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A store that may fetch from this machine's test servers.
	fn store(dir: &Path) -> ModelStore {
		ModelStore::open(dir, 1024, Duration::from_secs(5), true).unwrap()
	}

	fn temp_dir(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("verity-store-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		dir
	}

	#[test]
	fn puts_and_gets_by_hash() {
		let dir = temp_dir("put");
		let store = store(&dir);
		assert!(store.is_empty());
		let id = store.put(b"model bytes").unwrap();
		assert_eq!(id, model_id(b"model bytes"));
		assert_eq!(store.get(&id).unwrap(), Some(b"model bytes".to_vec()));
		assert_eq!(store.get(&model_id(b"other")).unwrap(), None);
		assert_eq!(store.len(), 1);
		assert!(matches!(store.put(&[0; 1025]), Err(StoreError::TooLarge { limit: 1024 })));
	}

	#[test]
	fn concurrent_puts_of_the_same_model_all_succeed() {
		let dir = temp_dir("concurrent");
		let store = store(&dir);
		let threads: Vec<_> = (0..8)
			.map(|_| {
				let store = store.clone();
				std::thread::spawn(move || store.put(b"same model"))
			})
			.collect();
		for thread in threads {
			assert_eq!(thread.join().unwrap().unwrap(), model_id(b"same model"));
		}
		assert_eq!(store.len(), 1);
	}

	#[test]
	fn opening_removes_what_a_crash_left_half_written() {
		let dir = temp_dir("crash");
		let id = store(&dir).put(b"kept").unwrap();
		let model = dir.join(format!("{}.onnx", hex::encode(id.0)));
		let half = [model.with_extension("download-1-7"), model.with_extension("partial-1-8")];
		for path in &half {
			std::fs::write(path, b"half").unwrap();
		}
		let store = store(&dir);
		assert!(half.iter().all(|path| !path.exists()));
		assert_eq!(store.get(&id).unwrap(), Some(b"kept".to_vec()));
	}

	#[test]
	fn refuses_and_removes_corrupt_bytes() {
		let dir = temp_dir("corrupt");
		let store = store(&dir);
		let id = store.put(b"model bytes").unwrap();
		std::fs::write(store.path(&id), b"tampered").unwrap();
		assert!(matches!(store.get(&id), Err(StoreError::HashMismatch { .. })));
		assert_eq!(store.get(&id).unwrap(), None);
	}

	#[tokio::test]
	async fn fetches_blobs_only_from_the_store() {
		let dir = temp_dir("blob");
		let store = store(&dir);
		let missing = model_id(b"missing");
		assert!(matches!(
			store.fetch(&missing, "blob:", None).await,
			Err(StoreError::NotStored(_))
		));
		assert!(matches!(
			store.fetch(&missing, "ftp://example.invalid/m.onnx", None).await,
			Err(StoreError::UnsupportedUri(_))
		));
		let id = store.put(b"model bytes").unwrap();
		assert_eq!(store.fetch(&id, "blob:", None).await.unwrap(), b"model bytes".to_vec());
	}

	/// Serves `body` once per connection over plain HTTP on a local port.
	async fn serve(body: Vec<u8>) -> String {
		let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
		respond([head.into_bytes(), body].concat(), Duration::ZERO).await
	}

	/// Answers every connection with `response` after `delay`; returns the server's URL.
	async fn respond(response: Vec<u8>, delay: Duration) -> String {
		use tokio::io::{AsyncReadExt, AsyncWriteExt};
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let address = listener.local_addr().unwrap();
		tokio::spawn(async move {
			while let Ok((mut socket, _)) = listener.accept().await {
				let response = response.clone();
				tokio::spawn(async move {
					let mut request = [0u8; 1024];
					let _ = socket.read(&mut request).await;
					tokio::time::sleep(delay).await;
					let _ = socket.write_all(&response).await;
				});
			}
		});
		format!("http://{address}/model.onnx")
	}

	/// Redirects every request to `to`.
	async fn redirect(to: &str) -> String {
		let head = format!("HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\n\r\n");
		respond(head.into_bytes(), Duration::ZERO).await
	}

	#[test]
	fn only_public_addresses_are_public() {
		for private in [
			"127.0.0.1",
			"10.1.2.3",
			"172.16.0.1",
			"192.168.1.1",
			"169.254.169.254",
			"0.0.0.0",
			"100.64.0.1",
			"255.255.255.255",
			"::1",
			"::",
			"fd00::1",
			"fe80::1",
			"::ffff:127.0.0.1",
			"::ffff:10.0.0.1",
		] {
			assert!(!is_public(private.parse().unwrap()), "{private}");
		}
		for public in ["1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111"] {
			assert!(is_public(public.parse().unwrap()), "{public}");
		}
	}

	#[tokio::test]
	async fn refuses_private_addresses_unless_allowed() {
		let dir = temp_dir("private");
		let strict = ModelStore::open(&dir, 1024, Duration::from_secs(5), false).unwrap();
		let uri = serve(b"served model".to_vec()).await;
		let id = model_id(b"served model");
		assert!(matches!(strict.fetch(&id, &uri, None).await, Err(StoreError::PrivateAddress(_))));
		// By name too: localhost resolves to loopback.
		let by_name = uri.replace("127.0.0.1", "localhost");
		assert!(matches!(
			strict.fetch(&id, &by_name, None).await,
			Err(StoreError::PrivateAddress(_))
		));
		assert_eq!(strict.get(&id).unwrap(), None);
		assert_eq!(store(&dir).fetch(&id, &uri, None).await.unwrap(), b"served model".to_vec());
	}

	#[tokio::test]
	async fn follows_a_few_redirects_and_no_more() {
		let dir = temp_dir("redirects");
		let store = store(&dir);
		let id = model_id(b"served model");
		let target = serve(b"served model".to_vec()).await;
		let mut uri = target.clone();
		for _ in 0..MAX_REDIRECTS {
			uri = redirect(&uri).await;
		}
		assert_eq!(store.fetch(&id, &uri, None).await.unwrap(), b"served model".to_vec());
		std::fs::remove_file(store.path(&id)).unwrap();
		let too_far = redirect(&uri).await;
		let error = store.fetch(&id, &too_far, None).await.unwrap_err().to_string();
		assert!(error.contains("redirects"), "{error}");
		// A redirect elsewhere than http(s) is refused.
		let ftp = redirect("ftp://example.invalid/m.onnx").await;
		assert!(matches!(store.fetch(&id, &ftp, None).await, Err(StoreError::UnsupportedUri(_))));
	}

	#[tokio::test]
	async fn a_download_ends_by_the_deadline_and_leaves_nothing_behind() {
		let dir = temp_dir("slow");
		let store = store(&dir);
		let body = b"served model".to_vec();
		let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
		let slow = respond([head.into_bytes(), body].concat(), Duration::from_secs(3)).await;
		let id = model_id(b"served model");
		let started = Instant::now();
		let by = Some(started + Duration::from_millis(300));
		let error = store.fetch(&id, &slow, by).await.unwrap_err().to_string();
		assert!(error.contains("timed out"), "{error}");
		assert!(started.elapsed() < Duration::from_secs(2));
		assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
	}

	#[tokio::test]
	async fn downloads_checks_and_stores() {
		let dir = temp_dir("http");
		let store = store(&dir);
		let uri = serve(b"served model".to_vec()).await;
		let id = model_id(b"served model");
		assert_eq!(store.fetch(&id, &uri, None).await.unwrap(), b"served model".to_vec());
		assert_eq!(store.get(&id).unwrap(), Some(b"served model".to_vec()));

		// Bytes that do not hash to the registered id are refused and not stored.
		let wrong = model_id(b"another model");
		assert!(matches!(
			store.fetch(&wrong, &uri, None).await,
			Err(StoreError::HashMismatch { .. })
		));
		assert_eq!(store.get(&wrong).unwrap(), None);

		// Too large.
		let big = serve(vec![7; 2048]).await;
		assert!(matches!(
			store.fetch(&model_id(&[7; 2048]), &big, None).await,
			Err(StoreError::TooLarge { limit: 1024 })
		));
		// Nothing partial is left behind.
		assert!(std::fs::read_dir(&dir).unwrap().all(|entry| entry
			.unwrap()
			.path()
			.extension()
			.is_some_and(|e| e == "onnx")));
	}
}
