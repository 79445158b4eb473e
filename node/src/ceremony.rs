//! `verity-node zk start-transcript | contribute | derive | verify-transcript`: a participant's
//! side of the setup ceremony (the chain's side is `pallet-settlement`).
//!
//! Transcripts are files: a phase-1 transcript is `verity_zkml::ceremony::Accumulator`, a
//! phase-2 one the model's proving key, both uncompressed arkworks encodings, hashed with
//! BLAKE2b-256 (the hash the chain records). Every file read is decoded with its points checked
//! on the curve and in the subgroup, and a transcript is checked whole before it is extended.

use std::path::Path;

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sp_core::crypto::{AccountId32, Ss58Codec};
use verity_zkml::ceremony::{self, phase2, Accumulator};

use crate::cli::{Phase, ZkContributeCmd, ZkDeriveCmd, ZkStartCmd, ZkVerifyCmd};

type Result<T> = std::result::Result<T, String>;

fn hex(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// Reads an uncompressed arkworks value from `path`, every point checked; at most `limit` bytes.
fn read<T: CanonicalDeserialize>(path: &Path, what: &str, limit: u64) -> Result<T> {
	let size = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len();
	if size > limit {
		return Err(format!("{}: {size} bytes, over the {limit} of a {what}", path.display()));
	}
	let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
	T::deserialize_with_mode(bytes.as_slice(), Compress::No, Validate::Yes)
		.map_err(|e| format!("{} is not a {what}: {e}", path.display()))
}

/// Writes `value` uncompressed to `path` through a rename, so a reader never sees half of it.
pub(crate) fn write<T: CanonicalSerialize>(path: &Path, value: &T) -> Result<()> {
	let mut bytes = Vec::with_capacity(value.uncompressed_size());
	value.serialize_uncompressed(&mut bytes).map_err(|e| e.to_string())?;
	crate::worker::phase2::write_bytes(path, &bytes)
}

/// The largest phase-1 transcript a file may hold: the chain's size, with room (2n − 1 G1
/// powers, n G2 powers, 2n G1 for α and β, a G2 point, length prefixes).
const TRANSCRIPT_LIMIT: u64 = {
	let n = ceremony::PHASE1_SIZE as u64;
	4 * n * ceremony::G1_LEN as u64 + (n + 1) * ceremony::G2_LEN as u64 + 64
};

/// A proving key's limit: keys of circuits within the chain's phase 1 are far below 1 GiB.
const KEY_LIMIT: u64 = 1 << 30;

/// Reads a phase-1 transcript and checks it whole.
pub(crate) fn read_transcript(path: &Path) -> Result<Accumulator> {
	let transcript: Accumulator = read(path, "phase-1 transcript", TRANSCRIPT_LIMIT)?;
	transcript
		.verify(&mut ark_std::rand::rngs::OsRng)
		.map_err(|e| format!("{} is not a consistent transcript: {e:?}", path.display()))?;
	Ok(transcript)
}

/// Reads a proving key (a phase-2 transcript), every point checked.
pub(crate) fn read_key(path: &Path) -> Result<verity_zkml::prover::ProvingKey> {
	read(path, "proving key", KEY_LIMIT)
}

/// `zk start-transcript`.
pub fn start(cmd: &ZkStartCmd) -> Result<()> {
	let start = Accumulator::new(cmd.size as usize).map_err(|e| format!("{e:?}"))?;
	write(&cmd.out, &start)?;
	println!("transcript hash  {}", hex(&start.hash()));
	println!("size             {}", cmd.size);
	Ok(())
}

/// `zk contribute`.
pub fn contribute(cmd: &ZkContributeCmd) -> Result<()> {
	let account = AccountId32::from_ss58check(&cmd.account)
		.map_err(|e| format!("--account {}: {e:?}", cmd.account))?;
	let who: &[u8] = account.as_ref();
	let mut rng = ark_std::rand::rngs::OsRng;
	let started = std::time::Instant::now();
	match cmd.phase {
		Phase::One => {
			let previous = read_transcript(&cmd.transcript)?;
			let parent = previous.hash();
			let (next, contribution) = previous
				.contribute(&ceremony::context(&parent, who), &mut rng)
				.map_err(|e| format!("{e:?}"))?;
			write(&cmd.out, &next)?;
			println!("extends          {}", hex(&parent));
			println!("contribution     {}", hex(&ceremony::encode(&contribution)));
			println!("transcript hash  {}", hex(&next.hash()));
		},
		Phase::Two => {
			let (Some(phase1), Some(model), Some(bases)) = (&cmd.phase1, &cmd.model, &cmd.bases)
			else {
				return Err("phase 2 needs --phase1, --model and --bases".into());
			};
			let (_, ir) = import(model, cmd.input_frac)?;
			let derived = phase2::derive_key(&read_transcript(phase1)?, &ir)
				.map_err(|e| format!("cannot derive the model's key: {e:?}"))?;
			if hex_decode(bases, "--bases")? != input_bases(&derived) {
				return Err("the chain's input bases are not the key's derived from the sealed \
				            transcript: the model's owner could forge proofs of this key. Do not \
				            contribute."
					.into());
			}
			let previous = read_key(&cmd.transcript)?;
			phase2::verify_key(&derived, &previous, &mut rng).map_err(|e| {
				format!(
					"{} is not the derived key with δ re-randomized: {e:?}",
					cmd.transcript.display()
				)
			})?;
			println!("derived hash     {}", hex(&phase2::key_hash(&derived)));
			let parent = phase2::key_hash(&previous);
			let (next, contribution) =
				phase2::contribute_delta(&previous, &ceremony::context(&parent, who), &mut rng)
					.map_err(|e| format!("{e:?}"))?;
			write(&cmd.out, &next)?;
			println!("extends          {}", hex(&parent));
			println!("contribution     {}", hex(&ceremony::encode(&contribution)));
			println!("transcript hash  {}", hex(&phase2::key_hash(&next)));
		},
	}
	println!("for              {}", account.to_ss58check());
	println!("took             {:.2} s", started.elapsed().as_secs_f64());
	eprintln!(
		"Submit it with settlement.contributePhase{} from {} (naming the contribution whose \
		 transcript hash is the one it extends), and serve {}: the next contributor needs it. \
		 Your secrets were drawn from the operating system and wiped.",
		if cmd.phase == Phase::One { 1 } else { 2 },
		account.to_ss58check(),
		cmd.out.display()
	);
	Ok(())
}

fn hex_decode(value: &str, what: &str) -> Result<Vec<u8>> {
	hex::decode(value.trim().trim_start_matches("0x")).map_err(|e| format!("{what}: {e}"))
}

/// A key's public-input bases, uncompressed, as `settlement.beginPhase2` takes them.
pub(crate) fn input_bases(key: &verity_zkml::prover::ProvingKey) -> Vec<u8> {
	key.vk.gamma_abc_g1.iter().flat_map(ceremony::encode).collect()
}

fn import(
	model: &Path,
	input_frac: u8,
) -> Result<(verity_primitives::ModelId, verity_zkml::Model)> {
	let bytes = std::fs::read(model).map_err(|e| format!("{}: {e}", model.display()))?;
	let id = crate::worker::store::model_id(&bytes);
	let options = verity_zkml::onnx::ImportOptions { input_frac };
	let ir = verity_zkml::onnx::import(&bytes, options)
		.map_err(|e| format!("cannot import the model: {e}"))?;
	Ok((id, ir))
}

/// `zk derive`.
pub fn derive(cmd: &ZkDeriveCmd) -> Result<()> {
	let (id, ir) = import(&cmd.model, cmd.input_frac)?;
	let transcript = read_transcript(&cmd.transcript)?;
	let started = std::time::Instant::now();
	let key = phase2::derive_key(&transcript, &ir).map_err(|e| format!("{e:?}"))?;
	crate::worker::zk::write_keys(&cmd.out, &id, &ir, &key).map_err(|e| e.to_string())?;
	let bases = input_bases(&key);
	println!("model id         {}", hex(&id.0));
	println!("phase 1          {}", hex(&transcript.hash()));
	println!("input bases      {}", hex(&bases));
	println!("transcript hash  {}", hex(&phase2::key_hash(&key)));
	println!("took             {:.2} s", started.elapsed().as_secs_f64());
	eprintln!(
		"The key's δ is 1: it proves nothing until phase 2's contributions re-randomize it. Begin \
		 phase 2 with settlement.beginPhase2(model, input bases, transcript hash)."
	);
	Ok(())
}

/// `zk verify-transcript`.
pub fn verify(cmd: &ZkVerifyCmd) -> Result<()> {
	let started = std::time::Instant::now();
	let transcript = read_transcript(&cmd.transcript)?;
	let head = transcript.head().map_err(|e| format!("{e:?}"))?;
	println!("phase 1          consistent, size {}", transcript.size());
	println!("transcript hash  {}", hex(&transcript.hash()));
	println!("head             {}", hex(&ceremony::encode(&head)));
	if let (Some(model), Some(key)) = (&cmd.model, &cmd.key) {
		let (id, ir) = import(model, cmd.input_frac)?;
		let derived = phase2::derive_key(&transcript, &ir).map_err(|e| format!("{e:?}"))?;
		let key = read_key(key)?;
		phase2::verify_key(&derived, &key, &mut ark_std::rand::rngs::OsRng)
			.map_err(|e| format!("the key is not derived from this transcript: {e:?}"))?;
		println!("model id         {}", hex(&id.0));
		println!("phase 2          derived from this transcript, δ re-randomized");
		println!("derived hash     {}", hex(&phase2::key_hash(&derived)));
		println!("key hash         {}", hex(&phase2::key_hash(&key)));
		if let Some(chain_key) = &cmd.chain_key {
			if hex_decode(chain_key, "--chain-key")?
				!= verity_zkml::prover::verifying_key_bytes(&key.vk)
			{
				return Err("the chain's verifying key is not this key's".into());
			}
			println!("chain key        this key's");
		}
	}
	println!("took             {:.2} s", started.elapsed().as_secs_f64());
	eprintln!(
		"Compare the hashes with the chain's (settlement.phase1Steps, the model's keySetup), and \
		 the head with the contribution's."
	);
	Ok(())
}
