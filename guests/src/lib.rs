//! Every guest component of the workspace, built once.
//!
//! Depending on this crate builds the guests (`examples/`, `gatherers/`, `test-guests/`) for
//! `wasm32-wasip2` in release, assembles the ones written in WAT (`test-guests/instantiate-trap`),
//! and gives their paths as constants, named after the package
//! (`wagather_guests::CLUSTER_OPERATORS`), and the JavaScript and Python guests
//! ([`polyglot()`], built by [`polyglot::build`] when node and python are on the machine). Tests and benchmarks use them instead of building
//! guests themselves; `cargo xtask build-guests` calls [`build::build`], the same code.

#![forbid(unsafe_code)]

pub mod build;
pub mod polyglot;

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

/// The JavaScript or Python guest `name` (`cluster_operators_js`): its component, or a panic
/// saying why it was not built (node, npm or python3 missing), so that a test needing it fails
/// rather than passing without it.
pub fn polyglot(name: &str) -> &'static str {
    match POLYGLOT.iter().find(|(n, _)| *n == name) {
        Some((_, Ok(path))) => path,
        Some((_, Err(why))) => panic!("the {name} component was not built: {why}"),
        None => panic!("no polyglot guest {name}; there are {POLYGLOT:?}"),
    }
}

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
