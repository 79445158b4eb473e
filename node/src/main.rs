//! `verity-node`: the Verity chain's node.

#![allow(clippy::result_large_err)]

fn main() -> sc_cli::Result<()> {
	verity_node::command::run()
}
