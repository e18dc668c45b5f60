//! Every guest component of the workspace, built once.
//!
//! Depending on this crate builds the guests (`examples/`, `gatherers/`, `test-guests/`) for
//! `wasm32-wasip2` in release, assembles the ones written in WAT (`test-guests/instantiate-trap`),
//! and gives their paths as constants, named after the package
//! (`wagather_guests::CLUSTER_OPERATORS`). Tests and benchmarks use them instead of building
//! guests themselves; `cargo xtask build-guests` calls [`build::build`], the same code.

#![forbid(unsafe_code)]

pub mod build;

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

/// The component of `package`, by name.
pub fn path(package: &str) -> Option<&'static str> {
    ALL.iter()
        .find(|(p, _)| *p == package)
        .map(|(_, path)| *path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_guest_was_built() {
        assert!(super::ALL.len() >= 4, "{:?}", super::ALL);
        for (package, path) in super::ALL {
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{package}: {path}: {e}"));
            assert_eq!(&bytes[..4], b"\0asm", "{package}");
        }
        assert_eq!(
            super::path("cluster-operators"),
            Some(super::CLUSTER_OPERATORS)
        );
    }
}
