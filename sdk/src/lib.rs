//! Guest SDK for wagather gatherers.
//!
//! A gatherer is a WebAssembly component that reads the Kubernetes API through the host's
//! `kube.http-request` import and returns named records. This crate gives it:
//!
//! - [`Client`]: one generic, typed client over any [`Resource`]; the resource's scope decides
//!   at compile time whether it is listed directly (cluster-scoped) or through
//!   [`Client::namespaced`] / [`Client::all_namespaces`] (namespaced).
//! - [`Gather`]: the run context; records go to the host as they are written.
//! - [`macro@gatherer`]: the attribute that exports a function as the component's entry point
//!   and embeds the manifest of what it reads.
//! - [`meta`]: the metadata of generated kinds, timestamps kept as the server's text.
//! - [`testing`] (host target only): an in-process fake API so a gatherer is unit-testable with
//!   plain `cargo test`.
//!
//! A gatherer (with the `config_v1` feature):
//!
//! ```
//! # #[cfg(feature = "config_v1")]
//! # mod example {
//! use wagather_sdk::prelude::*;
//! use wagather_sdk::apis::config_v1;
//!
//! #[gatherer(reads = ["config.openshift.io/v1/clusteroperators"])]
//! fn gather(ctx: &mut Gather) -> Result<()> {
//!     for op in config_v1::cluster_operators().list_all(&ListParams::default())? {
//!         ctx.record_json(format!("config/clusteroperator/{}", op.name()), &op)?;
//!     }
//!     Ok(())
//! }
//! # }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

// Lets paths generated for guests (`wagather_sdk::...`) also resolve inside this crate, which is
// where the wit-bindgen output that uses them lives.
#[cfg(target_arch = "wasm32")]
extern crate self as wagather_sdk;

pub mod apis;
pub mod client;
pub mod error;
pub mod gather;
mod json;
mod managed_fields;
pub mod meta;
pub mod params;
pub mod request;
pub mod resource;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
pub mod transport;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod bindings;

#[doc(hidden)]
pub mod __private;

pub use client::{AllNamespaces, Client, InNamespace, List, get_raw};
pub use error::{Error, RecordRefusal, Result, Status};
pub use gather::{Config, Gather, Output, Record, RecordFormat};
pub use params::{ListParams, VersionMatch};
pub use resource::{ObjectMetadata, Resource, ResourceExt, scope};
pub use wagather_sdk_macros::gatherer;

pub use k8s_openapi;
pub use serde_json;

/// The WIT contract this SDK implements; the `#[gatherer]` manifest names it too.
pub use wagather_contract::CONTRACT;
pub use wagather_contract::{Manifest, ReadRule};

/// Everything a gatherer usually needs: `use wagather_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::client::{Client, List};
    pub use crate::error::{Error, Result};
    pub use crate::gather::Gather;
    pub use crate::params::ListParams;
    pub use crate::resource::{ObjectMetadata, Resource, ResourceExt};
    pub use wagather_sdk_macros::gatherer;
}
