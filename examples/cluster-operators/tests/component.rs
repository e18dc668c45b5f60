//! Builds the real component (`cargo build --release --target wasm32-wasip2`) and checks what
//! the host relies on: the manifest custom section survives linking, LTO, stripping and
//! componentization, and the component exports `gather` and imports only `kube` and WASI.

use std::path::{Path, PathBuf};
use std::process::Command;
use wasmparser::{Parser, Payload};

/// Builds this crate for wasm32-wasip2 into a target directory of its own (the outer cargo
/// holds the lock of the test's) and returns the component's path.
fn build_component() -> PathBuf {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-operators-component");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            env!("CARGO_PKG_NAME"),
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the component failed: {status}");
    target_dir.join("wasm32-wasip2/release/cluster_operators.wasm")
}

/// Custom sections named `name`, at any nesting depth (the component embeds core modules).
fn custom_sections(bytes: &[u8], name: &str) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CustomSection(section) = payload.expect("valid wasm")
            && section.name() == name
        {
            found.push(section.data().to_vec());
        }
    }
    found
}

#[test]
fn component_carries_the_manifest_and_the_contract() {
    let path = build_component();
    let bytes = std::fs::read(&path).expect("component was built");
    assert!(
        wasmparser::Parser::is_component(&bytes),
        "{} is not a component",
        path.display()
    );

    let sections = custom_sections(&bytes, "wagather-manifest");
    assert_eq!(sections.len(), 1, "exactly one manifest section");
    let manifest: serde_json::Value =
        serde_json::from_slice(&sections[0]).expect("manifest is JSON");
    let expected: serde_json::Value =
        serde_json::from_str(cluster_operators::__WAGATHER_MANIFEST).expect("manifest is JSON");
    assert_eq!(manifest, expected);
    assert_eq!(
        manifest["reads"],
        serde_json::json!([{"group": "config.openshift.io", "version": "v1", "resource": "clusteroperators"}])
    );

    // The component's own imports and exports (top level, not the nested modules').
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.expect("valid wasm") {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    imports.push(import.expect("valid import").name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    exports.push(export.expect("valid export").name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    assert!(
        exports.iter().any(|e| e == "gather"),
        "exports: {exports:?}"
    );
    assert!(
        imports.iter().any(|i| i == "wagather:gatherer/kube@0.1.0"),
        "imports: {imports:?}"
    );
    // Interface imports (`ns:pkg/iface`) are the contract's and WASI's only; plain names are
    // the world's own types (`gather-record`, ...), which a component imports too.
    for import in imports.iter().filter(|i| i.contains(':')) {
        assert!(
            import == "wagather:gatherer/kube@0.1.0" || import.starts_with("wasi:"),
            "unexpected import {import}"
        );
    }
}
