//! wagather host: runs gatherer components under wasmtime against a
//! Kubernetes API and writes Insights-style archives.
//!
//! The usual flow for one gather period:
//!
//! ```no_run
//! # async fn period() -> anyhow::Result<()> {
//! use wagather_host::{ApiEndpoint, GatherOptions, Runtime, RuntimeOptions, gather_to_archive};
//! let runtime = Runtime::new(RuntimeOptions::default())?;
//! let api = ApiEndpoint::Server("http://127.0.0.1:8080".into()).client().await?;
//! let summary = gather_to_archive(
//!     &runtime,
//!     &["cluster_operators.wasm".into()],
//!     &api,
//!     &GatherOptions::default(),
//!     "out".as_ref(),
//! )
//! .await?;
//! println!("{}", summary.archive.display());
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod archive;
pub mod cluster;
pub mod gather;
mod host;
pub mod limits;
pub mod logs;
pub mod manifest;
pub mod policy;
pub mod records;
pub mod runtime;

pub use archive::{ArchiveError, GathersJson, StatusReport, archive_file_name};
pub use cluster::{ApiEndpoint, ClusterError};
pub use gather::{GatherOptions, GatherSummary, GathererReport, gather_to_archive, run_all};
pub use manifest::{CONTRACT, MANIFEST_SECTION, Manifest, ManifestError, read_manifest};
pub use runtime::{
    LoadError, LoadErrorKind, LoadedGatherer, PoolOptions, RunOutcome, Runtime, RuntimeError,
    RuntimeOptions,
};

/// An error and its causes on one line (`outer: inner: innermost`), as the
/// host writes them into `gathers.json`.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    host::error_chain(error)
}
