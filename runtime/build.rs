//! Builds the wasm runtime (skipped with `SKIP_WASM_BUILD=1`).

/// The build cache lives outside the work tree (`CARGO_TARGET_DIR`), where the wasm builder
/// cannot find the workspace's `Cargo.lock` by itself; without it the wasm runtime would be built
/// with freshly resolved, unlocked dependencies. Pointing it at the workspace here, rather than
/// in the environment, keeps the hint away from the wasm builds of other crates (such as
/// frame-benchmarking-cli's test runtime), which are not in this workspace.
#[cfg(feature = "std")]
fn point_at_workspace() {
	let manifest_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
	if let Some(workspace) = manifest_dir.parent() {
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
	}
}

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn main() {
	point_at_workspace();
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash("VRT", 12)
		.build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn main() {
	point_at_workspace();
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
