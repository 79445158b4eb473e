#!/usr/bin/env bash
# Installs what building Verity needs on a fresh Debian/Ubuntu machine, once:
# apt packages (protoc, clang, mold, lld, OpenSSL headers, and Node.js with npm for the
# polkadot.js client when no `node` is installed; python3 reads the network definition for
# run-network.sh), the wasm target and rust-src.
# Safe to run again: it only installs what is missing.
set -euo pipefail

packages=(protobuf-compiler clang libclang-dev lld mold pkg-config libssl-dev make git curl python3)
missing=()
for p in "${packages[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
	echo "setup: cargo not found; install Rust with rustup first" >&2
	exit 1
fi
rustup target list --installed | grep -qx wasm32-unknown-unknown ||
	rustup target add wasm32-unknown-unknown
rustup component list --installed | grep -q '^rust-src' ||
	rustup component add rust-src
