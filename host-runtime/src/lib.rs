//! wagather host: runs gatherer components under wasmtime against a Kubernetes API and
//! writes Insights-style archives.
//!
//! The modules, in the order a period uses them:
//!
//! | module | concern |
//! | --- | --- |
//! | [`engine`] | [`Runtime`]: one wasmtime engine and linker per process, the instance pool, the epoch ticker |
//! | [`cache`] | the compiled-artifact cache (wasmtime's, in a directory only the host writes) |
//! | [`load`] | reading a component's manifest, compiling it, checking its world: [`LoadedGatherer`] |
//! | [`run`] | one run in its own store under its limits: [`RunSpec`] to [`RunReport`] |
//! | [`kube_import`] | the `kube.http-request` import: budget, policy, the `kube::Client` |
//! | [`policy`] | which requests a gatherer may make ([`policy::headers`]: which headers) |
//! | [`output`] | the `output` import, record checks, the archive, `gathers.json` |
//! | [`report`] | [`RunReport`]: metrics and typed events of one run |
//! | [`limits`] | per-run limits and the meters that enforce them |
//! | [`logs`] | the guest's stdout and stderr, into the host's log |
//! | [`period`] | one gather period: load, run in parallel, publish the archive |
//! | [`config`] | the operator's policy, limits and configuration files |
//! | [`cluster`] | the API endpoint: in-cluster, kubeconfig or a plain URL |
//! | [`service`] | `wagather run`: periods, updates from sources, the swap protocol, metrics, status |
//! | [`rbac`] | the least-privilege ClusterRole for a set of gatherers |
//!
//! One gather period:
//!
//! ```no_run
//! # async fn period() -> Result<(), Box<dyn std::error::Error>> {
//! use wagather_host::{ApiEndpoint, GatherOptions, GathererSpec, Runtime, RuntimeOptions};
//! let runtime = Runtime::new(RuntimeOptions::default())?;
//! let api = ApiEndpoint::Server("http://127.0.0.1:8080".into()).client().await?;
//! let summary = wagather_host::gather_to_archive(
//!     &runtime,
//!     &[GathererSpec::file("cluster_operators.wasm")],
//!     &api,
//!     &GatherOptions::default(),
//!     "out".as_ref(),
//! )
//! .await?;
//! println!("{}", summary.archive.display());
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod cache;
pub mod cluster;
pub mod config;
pub mod engine;
pub mod kube_import;
pub mod limits;
pub mod load;
pub mod logs;
pub mod output;
pub mod period;
pub mod policy;
pub mod rbac;
pub mod report;
pub mod run;
pub mod service;
mod state;

pub use cache::CacheStats;
pub use cluster::{ApiEndpoint, ClusterError};
pub use engine::{PoolOptions, Runtime, RuntimeError, RuntimeOptions};
pub use limits::{Limit, Limits};
pub use load::{LoadError, LoadStage, LoadedGatherer, read_manifest};
pub use output::archive::{ArchiveError, ArchiveWriter, archive_file_name};
pub use output::gathers::{GathersJson, StatusReport};
pub use output::records::Record;
pub use period::{
    GatherOptions, GatherSummary, GathererSpec, Planned, gather_to_archive, load_all, run_period,
};
pub use policy::HostPolicy;
pub use report::{Event, Outcome, RunMetrics, RunReport, UpdateReport, UpdateResult};
pub use run::RunSpec;
pub use wagather_contract::{CONTRACT, MANIFEST_SECTION, Manifest};

/// An error and its causes on one line (`outer: inner: innermost`), as the host writes them
/// into logs and reports.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their source in their own message.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
