//! End to end: the real `verity-node --dev` produces and finalizes blocks, and a signed balance
//! transfer sent over JSON-RPC is included and moves the funds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

mod common;

use std::time::Duration;

use common::Node;
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use verity_node::tx;
use verity_primitives::currency::UNIT;
use verity_runtime::{Address, RuntimeCall};

/// A transfer of `amount` from Alice to a fresh account; returns (extrinsic hex, recipient).
async fn transfer_from_alice(node: &Node, amount: u128) -> (String, verity_runtime::AccountId) {
	let (recipient, _) = sr25519::Pair::generate();
	let recipient = verity_runtime::AccountId::from(recipient.public());
	let alice = Sr25519Keyring::Alice.pair();
	let nonce = node.next_nonce(&Sr25519Keyring::Alice.to_account_id()).await;
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
		dest: Address::Id(recipient.clone()),
		value: amount,
	});
	let xt = tx::signed(call, &alice, nonce, 0, node.chain_context().await);
	(tx::to_hex(&xt), recipient)
}

#[tokio::test]
async fn aura_dev_chain_produces_finalizes_and_includes_a_transfer() {
	let node = Node::start_dev("aura", &[]).await;

	node.wait_until("block 2 is produced", Duration::from_secs(120), |n| async move {
		n.best_number().await.filter(|&b| b >= 2)
	})
	.await;
	node.wait_until("block 1 is finalized", Duration::from_secs(120), |n| async move {
		n.finalized_number().await.filter(|&f| f >= 1)
	})
	.await;

	let alice = Sr25519Keyring::Alice.to_account_id();
	let alice_before = node.free_balance(&alice).await;
	let from = node.best_number().await.unwrap();
	let amount = 10 * UNIT;
	let (xt, recipient) = transfer_from_alice(&node, amount).await;
	node.submit(&xt).await;

	let included = node
		.wait_until("the transfer is included", Duration::from_secs(60), |n| {
			let xt = xt.clone();
			async move { n.find_inclusion(from, &xt).await }
		})
		.await;
	assert!(included > from.saturating_sub(1));
	assert_eq!(node.free_balance(&recipient).await, amount);
	// Alice paid the amount and a fee; as the only validator she got the author's share back, so
	// she lost more than the amount but less than amount + a whole VRT.
	let alice_after = node.free_balance(&alice).await;
	assert!(alice_after < alice_before - amount, "a fee was paid");
	assert!(alice_after > alice_before - amount - UNIT, "the fee is small");

	node.wait_until(
		"the transfer's block is finalized",
		Duration::from_secs(120),
		|n| async move { n.finalized_number().await.filter(|&f| f >= included) },
	)
	.await;
}

#[tokio::test]
async fn instant_sealing_includes_a_transfer_at_once() {
	let node = Node::start_dev("instant", &["--sealing", "instant"]).await;

	// No transaction, no block.
	assert_eq!(node.best_number().await, Some(0));

	let amount = 3 * UNIT;
	let (xt, recipient) = transfer_from_alice(&node, amount).await;
	node.submit(&xt).await;
	let included = node
		.wait_until("the transfer is sealed", Duration::from_secs(20), |n| {
			let xt = xt.clone();
			async move { n.find_inclusion(1, &xt).await }
		})
		.await;
	assert_eq!(included, 1);
	assert_eq!(node.free_balance(&recipient).await, amount);
	node.wait_until("block 1 is finalized", Duration::from_secs(20), |n| async move {
		n.finalized_number().await.filter(|&f| f >= 1)
	})
	.await;

	// A second transfer gets the next block, although it comes within the same Aura slot.
	let (xt2, recipient2) = transfer_from_alice(&node, amount).await;
	node.submit(&xt2).await;
	node.wait_until("the second transfer is sealed", Duration::from_secs(20), |n| {
		let xt2 = xt2.clone();
		async move { n.find_inclusion(2, &xt2).await }
	})
	.await;
	assert_eq!(node.free_balance(&recipient2).await, amount);
}

#[tokio::test]
async fn a_transfer_with_a_bad_signature_is_refused_over_rpc() {
	let node = Node::start_dev("refuse", &["--sealing", "instant"]).await;
	let alice = Sr25519Keyring::Alice.pair();
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
		dest: Address::Id(Sr25519Keyring::Bob.to_account_id()),
		value: UNIT,
	});
	// Signed for another chain (wrong genesis hash): the signature does not verify here.
	let mut context = node.chain_context().await;
	context.genesis_hash = sp_core::H256::repeat_byte(7);
	let xt = tx::signed(call, &alice, 0, 0, context);
	let outcome: Result<String, _> =
		node.call("author_submitExtrinsic", jsonrpsee::rpc_params![tx::to_hex(&xt)]).await;
	let error = outcome.expect_err("a bad signature is refused").to_string();
	assert!(error.contains("Invalid Transaction") || error.contains("bad signature"), "{error}");
	assert_eq!(node.best_number().await, Some(0), "nothing was sealed");
}

/// Block 100 is a session change, which `pallet-session` charges a whole block: it takes no
/// transaction. Instant sealing seals it empty and goes on (it used to stop there for good).
#[tokio::test]
async fn instant_sealing_goes_past_the_session_change() {
	let node = Node::start_dev("instant-session", &["--sealing", "instant"]).await;
	let alice = Sr25519Keyring::Alice.pair();
	let context = node.chain_context().await;
	let nonce = node.next_nonce(&Sr25519Keyring::Alice.to_account_id()).await;
	// One transfer a block, each after the one before is sealed, up to past block 100.
	let mut last = String::new();
	for i in 0..110u32 {
		let call =
			RuntimeCall::System(frame_system::Call::remark { remark: i.to_le_bytes().to_vec() });
		last = tx::to_hex(&tx::signed(call, &alice, nonce + i, 0, context));
		node.submit(&last).await;
		let at = node
			.wait_until("the remark is sealed", Duration::from_secs(20), |n| async move {
				n.best_number().await.filter(|&b| b > u64::from(i) && b >= 1)
			})
			.await;
		assert!(at > u64::from(i));
	}
	let included = node
		.wait_until("the last remark is sealed", Duration::from_secs(20), |n| {
			let last = last.clone();
			async move { n.find_inclusion(100, &last).await }
		})
		.await;
	assert!(included > 100, "sealed at {included}");
	// The session change's block carries no transaction of ours: it is the empty one.
	assert_eq!(node.next_nonce(&Sr25519Keyring::Alice.to_account_id()).await, nonce + 110);
}

/// The chain specs the node builds: only `--dev` names a sudo key and runs referenda at the
/// development pace; `local` and `staging` leave both to governance.
#[test]
fn only_the_dev_chain_has_sudo_and_fast_referenda() {
	for (chain, sudo, pace) in
		[("dev", true, "Development"), ("local", false, "Standard"), ("staging", false, "Standard")]
	{
		let output = std::process::Command::new(env!("CARGO_BIN_EXE_verity-node"))
			.args(["build-spec", "--chain", chain])
			.output()
			.expect("verity-node runs");
		assert!(output.status.success(), "{chain}: {}", String::from_utf8_lossy(&output.stderr));
		let spec: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON spec");
		let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(patch["sudo"]["key"].is_string(), sudo, "{chain}: {}", patch["sudo"]);
		assert_eq!(patch["origins"]["pace"], pace, "{chain}");
	}
}
