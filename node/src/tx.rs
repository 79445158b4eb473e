//! Signed extrinsics for the Verity runtime, built outside the runtime (no externalities): the
//! chain's genesis hash and runtime version are passed in instead of read from state.

use codec::Encode;
use sp_core::{sr25519, Pair, H256};
use verity_runtime::{
	tx_extension, Address, Balance, Nonce, RuntimeCall, SignedPayload, UncheckedExtrinsic,
};

/// What a signature commits to besides the call and the nonce: the chain and runtime version.
#[derive(Debug, Clone, Copy)]
pub struct ChainContext {
	/// The hash of block 0.
	pub genesis_hash: H256,
	/// `spec_version` of the runtime the transaction is for.
	pub spec_version: u32,
	/// `transaction_version` of that runtime.
	pub transaction_version: u32,
}

/// An immortal transaction of `call` by `signer` at `nonce`, with `tip`.
pub fn signed(
	call: RuntimeCall,
	signer: &sr25519::Pair,
	nonce: Nonce,
	tip: Balance,
	chain: ChainContext,
) -> UncheckedExtrinsic {
	let sign = |payload: &[u8]| Ok::<_, std::convert::Infallible>(signer.sign(payload));
	match signed_with(call, signer.public(), sign, nonce, tip, chain) {
		Ok(extrinsic) => extrinsic,
		Err(never) => match never {},
	}
}

/// An immortal transaction of `call` by `signer`, signed by `sign` (a keystore, say).
pub fn signed_with<E>(
	call: RuntimeCall,
	signer: sr25519::Public,
	sign: impl FnOnce(&[u8]) -> Result<sr25519::Signature, E>,
	nonce: Nonce,
	tip: Balance,
	chain: ChainContext,
) -> Result<UncheckedExtrinsic, E> {
	let extension = tx_extension(nonce, tip);
	// The implicit data of each extension, in the order of `TxExtension`.
	let implicit = (
		(),
		chain.spec_version,
		chain.transaction_version,
		chain.genesis_hash,
		// `CheckEra`: an immortal era's checkpoint is the genesis block.
		chain.genesis_hash,
		(),
		(),
		(),
		None,
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(sign)?;
	Ok(UncheckedExtrinsic::new_signed(
		call,
		Address::Id(signer.into()),
		signature.into(),
		extension,
	))
}

/// The hex form `author_submitExtrinsic` takes.
pub fn to_hex(extrinsic: &UncheckedExtrinsic) -> String {
	format!("0x{}", hex::encode(extrinsic.encode()))
}
