//! wagather's benchmark suite.
//!
//! The benchmarks are one bench binary, `benches/suite/main.rs`, measuring with
//! `wagather-figures` (why one binary and not criterion: that crate's documentation). It writes
//! its figures as data; `cargo xtask bench` renders them into `BENCHMARKS.md`.
//!
//! This library holds what the benchmarks share and what their tests check: the example
//! gatherers, the generated snapshots, the native twins of the example gatherers (the same
//! gatherers written with `kube::Api` in the host process), and reading a process's memory.
//! The guests come from `wagather-guests`, built once for the whole workspace.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod data;
pub mod native;

use std::path::{Path, PathBuf};

/// Why a benchmark could not set itself up.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
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
    /// A component is not a readable WebAssembly binary.
    #[error("not a readable component: {0}")]
    Wasm(#[from] wasmparser::BinaryReaderError),
}

/// The workspace root (the parent of this crate).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The example gatherers (the guests under `examples/`): package name and component, sorted
/// by name.
pub fn examples() -> Vec<(&'static str, &'static str)> {
    let root = workspace().join("examples");
    wagather_guests::ALL
        .iter()
        .copied()
        .filter(|(package, _)| root.join(package).join("Cargo.toml").is_file())
        .collect()
}

/// The guest that measures round trips, decoding and record streaming from inside.
pub const ECHO_GUEST: &str = "test-guest-bench-echo";

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

fn status_field(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// Peak resident set size (`VmHWM`) of this process in bytes, from `/proc/self/status` (Linux).
pub fn peak_rss() -> Option<u64> {
    status_field("VmHWM:")
}

/// Resident set size (`VmRSS`) of this process in bytes (Linux).
pub fn rss() -> Option<u64> {
    status_field("VmRSS:")
}

/// The anonymous part of [`rss`] (`RssAnon`): what the process allocated, without the pages of
/// mapped files (its binary, mapped compiled code), which the kernel can share and drop.
pub fn rss_anon() -> Option<u64> {
    status_field("RssAnon:")
}

/// The largest core module nested in `component` (the gatherer's own code; the others are
/// WASI adapter shims).
pub fn largest_core_module(component: &[u8]) -> Result<&[u8], BenchError> {
    let mut largest: &[u8] = &[];
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        if let wasmparser::Payload::ModuleSection {
            unchecked_range, ..
        } = payload?
            && unchecked_range.len() > largest.len()
        {
            largest = &component[unchecked_range];
        }
    }
    Ok(largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_are_the_guests_under_examples() {
        let names: Vec<&str> = examples().iter().map(|(name, _)| *name).collect();
        assert!(names.contains(&"cluster-operators"), "{names:?}");
        assert!(names.contains(&"pod-inventory"), "{names:?}");
        assert!(!names.contains(&ECHO_GUEST), "{names:?}");
        assert!(wagather_guests::path(ECHO_GUEST).is_some());
    }

    #[test]
    fn memory_is_read() {
        // Resident memory first: other test threads may allocate between the two reads, and
        // the peak read after it can only have grown since.
        let now = rss().expect("VmRSS in /proc/self/status");
        let peak = peak_rss().expect("VmHWM in /proc/self/status");
        // A test binary is at least a few MiB resident, and never above its peak.
        assert!(now > 1 << 20, "{now}");
        assert!(peak >= now, "{peak} < {now}");
    }

    #[test]
    fn the_largest_core_module_is_the_gatherer() {
        let component = std::fs::read(wagather_guests::CLUSTER_OPERATORS).unwrap();
        let core = largest_core_module(&component).unwrap();
        assert_eq!(&core[..4], b"\0asm");
        // Most of the component is the gatherer's module; the shims are small.
        assert!(
            core.len() * 2 > component.len(),
            "{} of {}",
            core.len(),
            component.len()
        );
        assert!(largest_core_module(b"not wasm").is_err());
    }
}
