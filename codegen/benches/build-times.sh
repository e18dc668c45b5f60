#!/usr/bin/env bash
# Release build times for wasm32-wasip2, from scratch (each in its own empty target dir):
#   1. k8s-openapi alone (feature v1_35), the floor every Kubernetes client pays;
#   2. wagather-sdk without generated modules (its own dependencies: serde, wit-bindgen, ...);
#   3. wagather-sdk with only the config_v1 module;
#   4. wagather-sdk with every generated module (--all-features).
# Usage: codegen/benches/build-times.sh   (SDK_MANIFEST=path/to/Cargo.toml to measure another copy)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sdk_manifest=${SDK_MANIFEST:-$root/sdk/Cargo.toml}
out=${BENCH_DIR:-$root/target/bench-build-times}
rm -rf "$out"
mkdir -p "$out/k8s-openapi-only/src"

# A crate that only depends on k8s-openapi, built with the workspace's release profile.
cat > "$out/k8s-openapi-only/Cargo.toml" <<'TOML'
[package]
name = "k8s-openapi-only"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
k8s-openapi = { version = "0.29", default-features = false, features = ["v1_35"] }

[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
strip = true
panic = "abort"

[workspace]
TOML
echo 'pub use k8s_openapi;' > "$out/k8s-openapi-only/src/lib.rs"
cp "$root/Cargo.lock" "$out/k8s-openapi-only/Cargo.lock"

measure() {
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$out/target-$name" "$@" >"$out/$name.log" 2>&1 || { cat "$out/$name.log"; exit 1; }
  end=$(date +%s.%N)
  printf '%-22s %6.1f s\n' "$name" "$(echo "$end - $start" | bc)"
}

echo "wasm32-wasip2 release builds from scratch ($(nproc) cores, $(rustc --version))"
measure k8s-openapi-only cargo build --release --target wasm32-wasip2 --manifest-path "$out/k8s-openapi-only/Cargo.toml"
measure sdk-no-apis cargo build --release --target wasm32-wasip2 --manifest-path "$sdk_manifest" -p wagather-sdk
measure sdk-config_v1 cargo build --release --target wasm32-wasip2 --manifest-path "$sdk_manifest" -p wagather-sdk --features config_v1
measure sdk-all-features cargo build --release --target wasm32-wasip2 --manifest-path "$sdk_manifest" -p wagather-sdk --all-features

# The same crates rebuilt alone, their dependencies already built: the cost of each crate's
# own code, which is what the generated modules add.
echo "crate alone (dependencies built)"
remeasure() {
  local name=$1 dir=$2; shift 2
  local start end
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$out/target-$dir" "$@" >"$out/$name.log" 2>&1 || { cat "$out/$name.log"; exit 1; }
  end=$(date +%s.%N)
  printf '%-22s %6.1f s\n' "$name" "$(echo "$end - $start" | bc)"
}
CARGO_TARGET_DIR="$out/target-k8s-openapi-only" cargo clean -p k8s-openapi --release --target wasm32-wasip2 \
  --manifest-path "$out/k8s-openapi-only/Cargo.toml" >/dev/null 2>&1
remeasure k8s-openapi k8s-openapi-only cargo build --release --target wasm32-wasip2 --manifest-path "$out/k8s-openapi-only/Cargo.toml"
sdk_lib=$(dirname "$sdk_manifest")/src/lib.rs
touch "$sdk_lib"
remeasure wagather-sdk-no-apis sdk-no-apis cargo build --release --target wasm32-wasip2 --manifest-path "$sdk_manifest" -p wagather-sdk
touch "$sdk_lib"
remeasure wagather-sdk-config_v1 sdk-config_v1 cargo build --release --target wasm32-wasip2 --manifest-path "$sdk_manifest" -p wagather-sdk --features config_v1
touch "$sdk_lib"
remeasure wagather-sdk-all sdk-all-features cargo build --release --target wasm32-wasip2 --manifest-path "$sdk_manifest" -p wagather-sdk --all-features
