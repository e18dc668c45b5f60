//! wagather's snapshot API server: serves a cluster snapshot (an Insights Operator archive, a
//! must-gather, or `kubectl get -o yaml|json` dumps) as a read-only Kubernetes API on loopback,
//! so that gatherers, the `kube` crate and `kubectl` run against it as against a real cluster.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use wagather_snapshot::{Snapshot, SnapshotServer, write_kubeconfig};
//! let snapshot = Snapshot::load(std::path::Path::new("testdata/insights-archive-sample"))?;
//! for w in snapshot.warnings() {
//!     eprintln!("warning: {w}");
//! }
//! let server = SnapshotServer::start(Arc::new(snapshot), "127.0.0.1:0".parse()?).await?;
//! write_kubeconfig(&server.url(), std::path::Path::new("/tmp/snapshot.kubeconfig"))?;
//! // ... kubectl --kubeconfig /tmp/snapshot.kubeconfig get clusteroperators
//! server.shutdown().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod catalog;
mod kubeconfig;
mod load;
mod selector;
mod server;
mod snapshot;
mod table;

pub use catalog::{Catalog, CatalogError, KindInfo, PrinterColumn};
pub use kubeconfig::write_kubeconfig;
pub use load::LoadError;
pub use selector::{FieldSelector, LabelSelector, SelectorError};
pub use server::{ServeError, SnapshotServer, router};
pub use snapshot::{LoadWarning, Snapshot, WarningKind};
