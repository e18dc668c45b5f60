//! The wagather gatherer contract, written once for every side of it.
//!
//! The WIT world (`wit/gatherer.wit`) says how a guest and the host call each other; this crate
//! holds the rest of the contract, the parts both sides must read the same way:
//!
//! - [`CONTRACT`] and [`MANIFEST_SECTION`]: the contract version a component is built for and
//!   the custom section its [`Manifest`] travels in;
//! - [`Manifest`] and [`ReadRule`]: what a gatherer says about itself and what it may read, with
//!   one parser for the `"[group/]version/resource[/subresource][ in ns1,ns2]"` form;
//! - [`record`]: the record-name rules and [`RecordFormat`], applied by the SDK before a record
//!   leaves the guest and by the host when it arrives;
//! - [`request`]: Kubernetes request paths parsed into a [`RequestInfo`], so the host's policy
//!   and the snapshot API server agree on what a path addresses.
//!
//! It builds for `wasm32-wasip2` (the SDK links it into every guest) and for the host, and
//! depends on nothing heavier than serde.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

#[cfg(feature = "embed")]
pub mod embed;
pub mod manifest;
pub mod read_rule;
pub mod record;
pub mod request;

pub use manifest::{Manifest, ManifestError};
pub use read_rule::{ReadRule, ReadRuleError};
pub use record::{Record, RecordFormat, RecordNameError, archive_path, check_record_name};
pub use request::{ApiPath, Discovery, PathError, RequestInfo, Verb, parse_path};

/// The WIT package and version of the `gatherer` world this crate describes.
pub const CONTRACT: &str = "wagather:gatherer@0.2.0";

/// The contract versions before [`CONTRACT`], named in refusals so that an operator sees which
/// side to update.
pub const PREVIOUS_CONTRACTS: &[&str] = &["wagather:gatherer@0.1.0"];

/// Name of the custom section that carries a component's [`Manifest`] as JSON.
pub const MANIFEST_SECTION: &str = "wagather-manifest";

#[cfg(test)]
mod tests {
    #[test]
    fn contract_is_the_wit_package() {
        let wit =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/gatherer.wit"))
                .unwrap();
        let package = wit
            .lines()
            .find_map(|l| l.trim().strip_prefix("package "))
            .unwrap();
        assert_eq!(package.trim_end_matches(';'), super::CONTRACT);
    }
}
