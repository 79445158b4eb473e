//! `verity-node`: the Verity chain's node.

fn main() -> sc_cli::Result<()> {
	verity_node::command::run()
}
