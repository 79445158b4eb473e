//! The prover's side of `Zk` jobs: the keys the operator installed, the cross-check of tract
//! against the reference interpreter, and proving.
//!
//! Keys live in one directory (`--worker-zk-keys`, by default `zk` in the chain's data
//! directory) as `verity-node zk setup` writes them, by model id: `0x<id>.pk` (the proving key,
//! which holds the verifying key) and `0x<id>.ir` (the model's IR, SCALE-encoded). The model
//! owner hands these files over, so the worker trusts none of it: the proving key's points are
//! validated when it is loaded; before proving, the key's verifying key must be the one on
//! chain and the IR's input and output sizes those the chain registered; after proving, the
//! proof is verified natively under the chain's key. A job that fails any of these is declined
//! (no slash) rather than answered with a proof the chain would reject (a slash).

use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::Arc,
};

use codec::{Decode, Encode};
use parking_lot::Mutex;
use verity_primitives::ModelId;
use verity_zkml::{interpreter, onnx, prover, public, verifier, Model};

/// How far (in steps of the output's last bit) tract's output, quantized, may be from the
/// interpreter's before the worker refuses to prove. Both run the same model, tract in `f32`
/// and the interpreter in integers with the weights quantized to 8 bits, so they differ by
/// rounding; a larger gap means the IR is not the model (a bad import or a wrong key file).
pub const CROSS_CHECK_TOLERANCE: i16 = 8;

/// A model's keys and IR.
pub struct ZkModel {
	/// The IR the key was made for.
	pub ir: Model,
	/// The proving key.
	pub key: prover::ProvingKey,
	/// The verifying key, as the chain stores it.
	pub vk_bytes: Vec<u8>,
}

/// The files `ZkKeys::get` would read for a model, each with its size and modification time:
/// what a miss is remembered against.
type Candidates = Vec<(PathBuf, u64, std::time::SystemTime)>;

/// How long a miss is answered from memory (a file that could not be read may be readable
/// later without changing).
const MISS_MEMORY: std::time::Duration = std::time::Duration::from_secs(60);

/// Why no key of a model served the chain's key, and until when that answer holds.
struct Miss {
	chain_key: Vec<u8>,
	files: Candidates,
	why: String,
	/// `None`: until the files change (a key whose proofs do not verify).
	until: Option<std::time::Instant>,
}

/// The key directory and the keys loaded from it.
pub struct ZkKeys {
	dir: PathBuf,
	loaded: Mutex<HashMap<ModelId, Arc<ZkModel>>>,
	/// The last miss of each model. While the chain's key and the files stay as they were,
	/// `get` answers the same without reading megabytes of keys again.
	missed: Mutex<HashMap<ModelId, Miss>>,
}

/// The file of `model`'s keys or IR in `dir`: `0x<id>.<extension>`.
pub fn file(dir: &Path, model: &ModelId, extension: &str) -> PathBuf {
	dir.join(format!("0x{}.{extension}", hex::encode(model.0)))
}

/// Writes a model's keys and IR into `dir` (what `zk setup` and the dev chain do); returns the
/// verifying key's bytes.
pub fn write_keys(
	dir: &Path,
	model: &ModelId,
	ir: &Model,
	key: &prover::ProvingKey,
) -> std::io::Result<Vec<u8>> {
	std::fs::create_dir_all(dir)?;
	let vk = prover::verifying_key_bytes(&key.vk);
	std::fs::write(file(dir, model, "ir"), ir.encode())?;
	std::fs::write(file(dir, model, "vk"), &vk)?;
	// The proving key last, through a rename: a reader never sees half of it.
	let partial = file(dir, model, "pk.partial");
	std::fs::write(&partial, prover::encode_proving_key(key))?;
	std::fs::rename(&partial, file(dir, model, "pk"))?;
	Ok(vk)
}

impl ZkKeys {
	/// Keys in `dir`.
	pub fn new(dir: PathBuf) -> Self {
		ZkKeys { dir, loaded: Default::default(), missed: Default::default() }
	}

	/// The directory.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// Whether the keys of `model` are installed.
	pub fn has(&self, model: &ModelId) -> bool {
		file(&self.dir, model, "pk").exists() && file(&self.dir, model, "ir").exists()
	}

	/// The keys of `model` whose verifying key is `chain_key`, the chain's (blocking: call off
	/// the async executor): the key `zk setup` installed, or else a phase-2 transcript of the
	/// ceremony this node contributed (`ceremony/`, see [`super::phase2`]), which is the
	/// model's key once its owner sealed it. Loaded once while the chain's key stays the same.
	pub fn get(&self, model: &ModelId, chain_key: &[u8]) -> Result<Arc<ZkModel>, String> {
		if let Some(loaded) = self.loaded.lock().get(model) {
			if loaded.vk_bytes == chain_key {
				return Ok(loaded.clone());
			}
		}
		let (candidates, stamp) = self.candidates(model);
		if let Some(miss) = self.missed.lock().get(model) {
			let current = miss.until.is_none_or(|until| std::time::Instant::now() < until);
			if miss.chain_key == chain_key && miss.files == stamp && current {
				return Err(miss.why.clone());
			}
		}
		let mut why = format!("no key file {}", file(&self.dir, model, "pk").display());
		for (pk, ir) in candidates {
			if !pk.exists() {
				continue;
			}
			match load(&pk, &ir) {
				Ok(loaded) if loaded.vk_bytes == chain_key => {
					let loaded = Arc::new(loaded);
					self.loaded.lock().insert(*model, loaded.clone());
					self.missed.lock().remove(model);
					return Ok(loaded);
				},
				Ok(_) => {
					why = "the installed proving key is not the one whose verifying key is on chain"
						.into()
				},
				Err(e) => why = e,
			}
		}
		let until = std::time::Instant::now().checked_add(MISS_MEMORY);
		let miss = Miss { chain_key: chain_key.to_vec(), files: stamp, why: why.clone(), until };
		self.missed.lock().insert(*model, miss);
		Err(why)
	}

	/// The key and IR files `get` reads for `model`, and each file's size and modification time.
	fn candidates(&self, model: &ModelId) -> (Vec<(PathBuf, PathBuf)>, Candidates) {
		let ceremony = super::phase2::dir(&self.dir);
		let candidates: Vec<(PathBuf, PathBuf)> =
			std::iter::once((file(&self.dir, model, "pk"), file(&self.dir, model, "ir")))
				.chain(
					super::phase2::transcripts_of(&ceremony, model)
						.into_iter()
						.map(|pk| (pk, file(&ceremony, model, "ir"))),
				)
				.collect();
		let stamp = candidates
			.iter()
			.flat_map(|(pk, ir)| [pk, ir])
			.filter_map(|path| {
				let meta = std::fs::metadata(path).ok()?;
				Some((path.clone(), meta.len(), meta.modified().ok()?))
			})
			.collect();
		(candidates, stamp)
	}

	/// The loaded key of `model` made a proof that does not verify under its own verifying key:
	/// its files are not used again until one of them changes.
	pub fn reject(&self, model: &ModelId, why: String) {
		let Some(rejected) = self.loaded.lock().remove(model) else { return };
		let (_, files) = self.candidates(model);
		let miss = Miss { chain_key: rejected.vk_bytes.clone(), files, why, until: None };
		self.missed.lock().insert(*model, miss);
	}
}

/// Reads a proving key and its IR, every point checked.
fn load(pk: &Path, ir: &Path) -> Result<ZkModel, String> {
	let read = |path: &Path| {
		std::fs::read(path).map_err(|e| format!("no key file {}: {e}", path.display()))
	};
	let ir = Model::decode(&mut &read(ir)?[..]).map_err(|e| format!("bad IR file: {e}"))?;
	ir.validate().map_err(|e| format!("bad IR file: {e}"))?;
	let key = prover::decode_proving_key_checked(&read(pk)?)
		.map_err(|e| format!("bad proving key: {e}"))?;
	let vk_bytes = prover::verifying_key_bytes(&key.vk);
	Ok(ZkModel { ir, key, vk_bytes })
}

/// Why a `Zk` job cannot be proved.
#[derive(Debug)]
pub enum ProveError {
	/// The input is not one `i8` for each of the IR's inputs.
	Input(String),
	/// The IR's output is not the size the chain registered for the model.
	Size { ir: u32, chain: u32 },
	/// The proof does not verify under the chain's key (the proving key is not what it claims).
	SelfCheck(String),
	/// tract and the interpreter disagree beyond [`CROSS_CHECK_TOLERANCE`].
	Mismatch { gap: i16 },
	/// tract failed.
	Run(String),
	/// The prover failed.
	Prove(String),
}

impl std::fmt::Display for ProveError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Input(e) => write!(f, "bad input: {e}"),
			Self::Size { ir, chain } => {
				write!(f, "the IR has {ir} outputs, the model on chain {chain}")
			},
			Self::SelfCheck(e) => {
				write!(f, "the proof does not verify under the chain's key ({e}): bad proving key")
			},
			Self::Mismatch { gap } => write!(
				f,
				"tract and the reference interpreter disagree by {gap} steps (at most \
				 {CROSS_CHECK_TOLERANCE}): the IR is not this model"
			),
			Self::Run(e) => write!(f, "tract: {e}"),
			Self::Prove(e) => write!(f, "prover: {e}"),
		}
	}
}

/// The largest gap between tract's output (`f32`, quantized at the IR's scale) and the
/// interpreter's.
pub fn cross_check_gap(ir: &Model, tract_output: &[f32], reference: &[i8]) -> i16 {
	let quantized = onnx::quantize_input(tract_output, ir.input_frac);
	if quantized.len() != reference.len() {
		return i16::MAX;
	}
	quantized
		.iter()
		.zip(reference)
		.map(|(a, b)| i16::from(*a).abs_diff(i16::from(*b)) as i16)
		.max()
		.unwrap_or(0)
}

/// Proves a job: checks the IR's output size against the chain's (`chain_outputs`), runs the
/// interpreter, cross-checks tract (`run_tract` takes and returns little-endian `f32` bytes),
/// makes the proof bound to `binding_digest` and verifies it under the verifying key. Returns
/// the `i8` output bytes and the (uncompressed) proof. Blocking and CPU-heavy.
pub fn prove_job(
	model: &ZkModel,
	input: &[u8],
	chain_outputs: u32,
	binding_digest: &[u8; 32],
	run_tract: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<(Vec<u8>, Vec<u8>), ProveError> {
	let ir = &model.ir;
	if ir.output_len() != chain_outputs {
		return Err(ProveError::Size { ir: ir.output_len(), chain: chain_outputs });
	}
	if input.len() != ir.input_len as usize {
		return Err(ProveError::Input(format!(
			"{} bytes for {} inputs",
			input.len(),
			ir.input_len
		)));
	}
	let x = public::as_i8(input);
	let reference = interpreter::run(ir, &x).map_err(|e| ProveError::Input(format!("{e:?}")))?;
	let real: Vec<u8> =
		onnx::dequantize(&x, ir.input_frac).iter().flat_map(|v| v.to_le_bytes()).collect();
	let tract: Vec<f32> = run_tract(&real)
		.map_err(ProveError::Run)?
		.chunks_exact(4)
		.map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
		.collect();
	let gap = cross_check_gap(ir, &tract, &reference);
	if gap > CROSS_CHECK_TOLERANCE {
		return Err(ProveError::Mismatch { gap });
	}
	let binding = public::binding(binding_digest);
	let mut rng = ark_std::rand::rngs::OsRng;
	let (output, proof) = prover::prove(&model.key, ir, &x, binding, &mut rng)
		.map_err(|e| ProveError::Prove(e.to_string()))?;
	prover::check_proof(&model.vk_bytes, binding, &x, &output, &proof)
		.map_err(|e| ProveError::SelfCheck(format!("{e:?}")))?;
	Ok((output.iter().map(|v| *v as u8).collect(), verifier::encode_proof(&proof)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;

	fn ir() -> Model {
		onnx::import(&onnx::mlp(&[16, 16, 4], 1), onnx::ImportOptions::default()).unwrap()
	}

	fn zk_model(ir: Model, key: prover::ProvingKey, vk_of: &prover::ProvingKey) -> ZkModel {
		ZkModel { ir, key, vk_bytes: prover::verifying_key_bytes(&vk_of.vk) }
	}

	/// Proves on input 0..16 with a stand-in for tract that answers what the interpreter does.
	fn prove(model: &ZkModel, chain_outputs: u32) -> Result<(Vec<u8>, Vec<u8>), ProveError> {
		let input: Vec<u8> = (0..16u8).collect();
		let reference = interpreter::run(&model.ir, &public::as_i8(&input)).unwrap();
		let frac = model.ir.input_frac;
		let tract: Vec<u8> =
			onnx::dequantize(&reference, frac).iter().flat_map(|v| v.to_le_bytes()).collect();
		prove_job(model, &input, chain_outputs, &[7; 32], |_| Ok(tract))
	}

	#[test]
	fn a_good_key_proves_and_its_proof_checks_out() {
		let ir = ir();
		let key = prover::setup_seeded(&ir, 1).unwrap();
		let vk = key.clone();
		let (output, proof) = prove(&zk_model(ir, key, &vk), 4).unwrap();
		assert_eq!(output.len(), 4);
		assert_eq!(proof.len(), verifier::PROOF_LEN);
	}

	#[test]
	fn a_poisoned_proving_key_is_caught_before_the_proof_is_sent() {
		// The owner hands over a proving key whose verifying key is the chain's but whose other
		// points come from another setup: every proof it makes fails on chain.
		let ir = ir();
		let honest = prover::setup_seeded(&ir, 1).unwrap();
		let other = prover::setup_seeded(&ir, 2).unwrap();
		let poisoned = prover::ProvingKey { vk: honest.vk.clone(), ..other };
		let model = zk_model(ir, poisoned, &honest);
		assert!(matches!(prove(&model, 4), Err(ProveError::SelfCheck(_))));
	}

	#[test]
	fn a_key_whose_proofs_do_not_verify_is_set_aside_until_its_files_change() {
		let dir = std::env::temp_dir().join(format!("verity-zk-reject-{}", std::process::id()));
		let (ir, model) = (ir(), ModelId([5; 32]));
		let honest = prover::setup_seeded(&ir, 1).unwrap();
		let other = prover::setup_seeded(&ir, 2).unwrap();
		let poisoned = prover::ProvingKey { vk: honest.vk.clone(), ..other };
		let vk = write_keys(&dir, &model, &ir, &poisoned).unwrap();
		let keys = ZkKeys::new(dir.clone());
		let loaded = keys.get(&model, &vk).unwrap();
		assert!(matches!(prove(&loaded, 4), Err(ProveError::SelfCheck(_))));
		keys.reject(&model, "its proofs do not verify".into());
		assert_eq!(keys.get(&model, &vk).err().unwrap(), "its proofs do not verify");
		// The operator installs a good key: it is used.
		write_keys(&dir, &model, &ir, &honest).unwrap();
		assert!(prove(&keys.get(&model, &vk).unwrap(), 4).is_ok());
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn an_ir_of_another_output_size_is_not_proved() {
		let ir = ir();
		let key = prover::setup_seeded(&ir, 1).unwrap();
		let vk = key.clone();
		let model = zk_model(ir, key, &vk);
		assert!(matches!(prove(&model, 3), Err(ProveError::Size { ir: 4, chain: 3 })));
	}

	#[test]
	fn a_corrupt_proving_key_file_does_not_load() {
		let dir = std::env::temp_dir().join(format!("verity-zk-keys-{}", std::process::id()));
		let ir = ir();
		let key = prover::setup_seeded(&ir, 1).unwrap();
		let model = ModelId([3; 32]);
		let vk = write_keys(&dir, &model, &ir, &key).unwrap();
		assert!(ZkKeys::new(dir.clone()).get(&model, &vk).is_ok());
		// A flipped bit in a point: off the curve or out of the subgroup.
		let pk = file(&dir, &model, "pk");
		let mut bytes = std::fs::read(&pk).unwrap();
		let middle = bytes.len() / 2;
		bytes[middle] ^= 0x10;
		std::fs::write(&pk, bytes).unwrap();
		let error = ZkKeys::new(dir.clone()).get(&model, &vk).err().unwrap();
		assert!(error.contains("bad proving key"), "{error}");
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn the_key_whose_verifying_key_is_on_chain_is_used_the_owners_or_the_ceremonys() {
		let dir = std::env::temp_dir().join(format!("verity-zk-sealed-{}", std::process::id()));
		let ir = ir();
		let model = ModelId([4; 32]);
		let owners = prover::setup_seeded(&ir, 1).unwrap();
		let owners_vk = write_keys(&dir, &model, &ir, &owners).unwrap();
		// A transcript the node contributed, which the owner then sealed.
		let sealed = prover::setup_seeded(&ir, 2).unwrap();
		let ceremony = super::super::phase2::dir(&dir);
		super::super::phase2::write_ir(&ceremony, &model, &ir).unwrap();
		let file = super::super::phase2::transcript_file(&ceremony, &model, &[7; 32]);
		std::fs::write(&file, prover::encode_proving_key(&sealed)).unwrap();
		let sealed_vk = prover::verifying_key_bytes(&sealed.vk);

		let keys = ZkKeys::new(dir.clone());
		assert_eq!(keys.get(&model, &owners_vk).unwrap().vk_bytes, owners_vk);
		// The chain's key changes when phase 2 is sealed: the ceremony's transcript is used.
		assert_eq!(keys.get(&model, &sealed_vk).unwrap().vk_bytes, sealed_vk);
		// A key the node holds no proving key of: refused, and refused again from memory while
		// the files stay as they are.
		let third = prover::setup_seeded(&ir, 3).unwrap();
		let other = prover::verifying_key_bytes(&third.vk);
		let error = keys.get(&model, &other).err().unwrap();
		assert!(error.contains("not the one whose verifying key is on chain"), "{error}");
		assert_eq!(keys.get(&model, &other).err().unwrap(), error);
		// A transcript arrives (fetched, say): the miss is forgotten and the key found.
		let file = super::super::phase2::transcript_file(&ceremony, &model, &[8; 32]);
		std::fs::write(&file, prover::encode_proving_key(&third)).unwrap();
		assert_eq!(keys.get(&model, &other).unwrap().vk_bytes, other);
		let _ = std::fs::remove_dir_all(&dir);
	}
}
