//! The model store: ONNX bytes on disk, addressed by their blake2-256 hash (the `ModelId`).
//!
//! Files live in one directory under the node's chain data path, named by the hex of their id.
//! Bytes are checked against their id when they enter the store and every time they are read, so
//! a corrupt or tampered file is refused (and removed) rather than run. Models are fetched by the
//! URI registered on chain: `http://` and `https://` with a size limit and a timeout, or
//! `blob:<id>` for bytes that were put into this node's store (`blobs_put`).

use std::{
	path::{Path, PathBuf},
	time::Duration,
};

use sp_io::hashing::blake2_256;
use verity_primitives::ModelId;

/// Why a model's bytes are not available.
#[derive(Debug)]
pub enum StoreError {
	/// The bytes do not hash to the model id.
	HashMismatch { expected: ModelId, found: ModelId },
	/// A `blob:` model is not in this node's store.
	NotStored(ModelId),
	/// The URI's scheme is neither `http(s)://` nor `blob:`.
	UnsupportedUri(String),
	/// The download is larger than the limit.
	TooLarge { limit: u64 },
	/// The download failed.
	Fetch(String),
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
				write!(f, "blob model 0x{} is not in this node's store", hex::encode(id.0))
			},
			StoreError::UnsupportedUri(uri) => write!(f, "unsupported model URI {uri:?}"),
			StoreError::TooLarge { limit } => write!(f, "the model is larger than {limit} bytes"),
			StoreError::Fetch(e) => write!(f, "the download failed: {e}"),
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

/// Content-addressed model bytes in a directory.
#[derive(Debug, Clone)]
pub struct ModelStore {
	dir: PathBuf,
	max_size: u64,
	http: reqwest::Client,
}

impl ModelStore {
	/// A store in `dir` (created if missing) that downloads at most `max_size` bytes a model, each
	/// download within `timeout`.
	pub fn open(dir: &Path, max_size: u64, timeout: Duration) -> Result<Self, StoreError> {
		std::fs::create_dir_all(dir)?;
		let http = reqwest::Client::builder()
			.timeout(timeout)
			.build()
			.map_err(|e| StoreError::Fetch(e.to_string()))?;
		Ok(ModelStore { dir: dir.to_path_buf(), max_size, http })
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
			log::warn!(
				target: crate::worker::LOG_TARGET,
				"model store: {} is corrupt (hashes to 0x{}); removed",
				path.display(),
				hex::encode(found.0)
			);
			let _ = std::fs::remove_file(&path);
			return Err(StoreError::HashMismatch { expected: *id, found });
		}
		Ok(Some(bytes))
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
	/// `id` and stored.
	pub async fn fetch(&self, id: &ModelId, uri: &str) -> Result<Vec<u8>, StoreError> {
		match self.get(id) {
			Ok(Some(bytes)) => return Ok(bytes),
			Ok(None) => {},
			// A corrupt copy was removed; a `blob:` model has no other source.
			Err(StoreError::HashMismatch { .. }) if !uri.starts_with("blob:") => {},
			Err(e) => return Err(e),
		}
		if uri.starts_with("blob:") {
			return Err(StoreError::NotStored(*id));
		}
		if !(uri.starts_with("http://") || uri.starts_with("https://")) {
			return Err(StoreError::UnsupportedUri(uri.to_string()));
		}
		let bytes = self.download(uri).await?;
		let found = model_id(&bytes);
		if found != *id {
			return Err(StoreError::HashMismatch { expected: *id, found });
		}
		self.put(&bytes)?;
		Ok(bytes)
	}

	async fn download(&self, uri: &str) -> Result<Vec<u8>, StoreError> {
		let fetch = |e: reqwest::Error| StoreError::Fetch(e.to_string());
		let mut response =
			self.http.get(uri).send().await.and_then(|r| r.error_for_status()).map_err(fetch)?;
		if response.content_length().is_some_and(|len| len > self.max_size) {
			return Err(StoreError::TooLarge { limit: self.max_size });
		}
		// The client's timeout covers the whole download, body included.
		let mut bytes = Vec::new();
		while let Some(chunk) = response.chunk().await.map_err(fetch)? {
			if (bytes.len() as u64).saturating_add(chunk.len() as u64) > self.max_size {
				return Err(StoreError::TooLarge { limit: self.max_size });
			}
			bytes.extend_from_slice(&chunk);
		}
		Ok(bytes)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn store(dir: &Path) -> ModelStore {
		ModelStore::open(dir, 1024, Duration::from_secs(5)).unwrap()
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
		assert!(matches!(store.fetch(&missing, "blob:").await, Err(StoreError::NotStored(_))));
		assert!(matches!(
			store.fetch(&missing, "ftp://example.invalid/m.onnx").await,
			Err(StoreError::UnsupportedUri(_))
		));
		let id = store.put(b"model bytes").unwrap();
		assert_eq!(store.fetch(&id, "blob:").await.unwrap(), b"model bytes".to_vec());
	}

	/// Serves `body` once per connection over plain HTTP on a local port.
	async fn serve(body: Vec<u8>) -> String {
		use tokio::io::{AsyncReadExt, AsyncWriteExt};
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let address = listener.local_addr().unwrap();
		tokio::spawn(async move {
			while let Ok((mut socket, _)) = listener.accept().await {
				let mut request = [0u8; 1024];
				let _ = socket.read(&mut request).await;
				let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
				let _ = socket.write_all(head.as_bytes()).await;
				let _ = socket.write_all(&body).await;
			}
		});
		format!("http://{address}/model.onnx")
	}

	#[tokio::test]
	async fn downloads_checks_and_stores() {
		let dir = temp_dir("http");
		let store = store(&dir);
		let uri = serve(b"served model".to_vec()).await;
		let id = model_id(b"served model");
		assert_eq!(store.fetch(&id, &uri).await.unwrap(), b"served model".to_vec());
		assert_eq!(store.get(&id).unwrap(), Some(b"served model".to_vec()));

		// Bytes that do not hash to the registered id are refused and not stored.
		let wrong = model_id(b"another model");
		assert!(matches!(store.fetch(&wrong, &uri).await, Err(StoreError::HashMismatch { .. })));
		assert_eq!(store.get(&wrong).unwrap(), None);

		// Too large.
		let big = serve(vec![7; 2048]).await;
		assert!(matches!(
			store.fetch(&model_id(&[7; 2048]), &big).await,
			Err(StoreError::TooLarge { limit: 1024 })
		));
	}
}
