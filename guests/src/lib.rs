//! Every guest component of the workspace, built once.
//!
//! Depending on this crate builds the guests (`examples/`, `gatherers/`, `test-guests/`) for
//! `wasm32-wasip2` in release and gives their paths as constants, named after the package
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

    #[test]
    fn a_variant_builds_beside_the_shipped_guests() {
        let workspace = std::path::Path::new("/ws");
        let variant = super::build::Variant {
            name: "opt-level-s",
            cargo_args: &[],
        };
        let shipped = super::build::target_dir(workspace);
        let dir = variant.target_dir(workspace);
        assert!(dir.starts_with(&shipped), "{}", dir.display());
        assert!(dir.ends_with("variants/opt-level-s"), "{}", dir.display());
        // cargo writes `<dir>/wasm32-wasip2/release/*.wasm`; the shipped components are in
        // `<shipped>/wasm32-wasip2/release`, apart.
        assert!(!dir.starts_with(shipped.join(super::build::TARGET)));
    }
}
