//! wagather's benchmark suite.
//!
//! The benchmarks themselves are `benches/micro.rs` (criterion: loading, instantiation, one
//! request round trip) and `benches/suite.rs` (a bench binary: component sizes, wasm vs native
//! gathers, decoding inside the guest, peak memory of a whole host process). `cargo xtask bench`
//! runs them with the other crates' benchmarks and writes `BENCHMARKS.md`.
//!
//! This library holds what they share: where the guests are and how they are built, the
//! generated snapshots, the native twins of the example gatherers (the same gatherers written
//! with `kube::Api` in the host process), and small statistics.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod data;
pub mod native;
pub mod stats;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a benchmark could not set itself up.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Building a guest with cargo failed.
    #[error("building guest {package} failed: {reason}")]
    Build {
        /// The guest's package.
        package: String,
        /// What cargo said or why it could not start.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The native twin's API call failed.
    #[error("native gatherer: API request failed")]
    Kube(#[from] kube::Error),
    /// The native twin could not produce its records.
    #[error("native gatherer: {0}")]
    Sdk(#[from] wagather_sdk::Error),
    /// JSON could not be encoded or decoded.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A raw HTTP request failed.
    #[error("request {path}: {reason}")]
    Http {
        /// The request path.
        path: String,
        /// Why.
        reason: String,
    },
}

/// The workspace root (the parent of this crate).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The cargo target directory benchmarks run in (`CARGO_TARGET_DIR`, else `target/`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace().join(dir),
        None => workspace().join("target"),
    }
}

/// The example gatherers whose sizes and runs are measured.
pub const EXAMPLE_GUESTS: [&str; 2] = ["cluster-operators", "pod-inventory"];

/// The guest that measures round trips and decoding from inside.
pub const ECHO_GUEST: &str = "test-guest-bench-echo";

/// Where cargo puts the release component of guest `package`.
pub fn guest_path(package: &str) -> PathBuf {
    guest_path_in(&target_dir(), package)
}

fn guest_path_in(target: &Path, package: &str) -> PathBuf {
    target
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", package.replace('-', "_")))
}

/// Builds the guests `packages` for `wasm32-wasip2` in release (the profile they ship with) and
/// returns their component paths, in order.
pub fn build_guests(packages: &[&str]) -> Result<Vec<PathBuf>, BenchError> {
    build_guests_in(&target_dir(), &[], packages)
}

/// Like [`build_guests`], into the target directory `target` and with extra cargo arguments
/// (e.g. `--config profile.release.opt-level=3` to try another profile).
pub fn build_guests_in(
    target: &Path,
    extra: &[&str],
    packages: &[&str],
) -> Result<Vec<PathBuf>, BenchError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2"])
        .args(extra)
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", target);
    for package in packages {
        command.args(["-p", package]);
    }
    let joined = packages.join(", ");
    let status = command.status().map_err(|e| BenchError::Build {
        package: joined.clone(),
        reason: format!("could not run cargo: {e}"),
    })?;
    if !status.success() {
        return Err(BenchError::Build {
            package: joined,
            reason: format!("cargo exited with {status}"),
        });
    }
    Ok(packages.iter().map(|p| guest_path_in(target, p)).collect())
}

/// Runs `gatherer` once under `limits` with `config`, collecting its records; panics with the
/// run's problems when it did not complete cleanly (a benchmark of a failing run measures
/// nothing).
pub async fn run(
    runtime: &wagather_host::Runtime,
    gatherer: &wagather_host::LoadedGatherer,
    api: &kube::Client,
    limits: &wagather_host::Limits,
    config: &[(String, String)],
) -> (wagather_host::RunReport, Vec<wagather_host::Record>) {
    let policy = wagather_host::HostPolicy::default();
    let spec = wagather_host::RunSpec {
        name: &gatherer.manifest.name,
        gatherer,
        api,
        limits,
        policy: &policy,
        config,
    };
    let (report, records) = runtime.run_collecting(&spec).await;
    assert!(
        !report.has_errors(),
        "{} failed: {:?}",
        report.name,
        report.errors()
    );
    (report, records)
}

/// Peak resident set size (`VmHWM`) of this process in bytes, from `/proc/self/status` (Linux).
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_paths_use_the_crate_name() {
        let path = guest_path("pod-inventory");
        assert!(
            path.ends_with("wasm32-wasip2/release/pod_inventory.wasm"),
            "{}",
            path.display()
        );
    }

    #[test]
    fn peak_rss_is_read() {
        let peak = peak_rss().expect("VmHWM in /proc/self/status");
        // A test binary is at least a few MiB resident.
        assert!(peak > 1 << 20, "{peak}");
    }
}
