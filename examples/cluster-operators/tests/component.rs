//! The real component (built by `wagather-guests`, as the host's tests use it) carries what the
//! host relies on: the manifest custom section survives linking, LTO, stripping and
//! componentization, and the component exports `gather` and imports only the contract's
//! interfaces and WASI.

use std::path::Path;
use wasmparser::{Parser, Payload};

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
    let path = Path::new(wagather_guests::CLUSTER_OPERATORS);
    let bytes = std::fs::read(path).expect("component was built");
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
    let (package, version) = wagather_sdk::CONTRACT
        .split_once('@')
        .expect("the contract names a version");
    let contract_imports: Vec<String> = ["kube", "output"]
        .iter()
        .map(|iface| format!("{package}/{iface}@{version}"))
        .collect();
    for expected in &contract_imports {
        assert!(imports.contains(expected), "imports: {imports:?}");
    }
    // Interface imports (`ns:pkg/iface`) are the contract's and WASI's only; plain names are
    // the world's own types (`gather-error`), which a component imports too.
    for import in imports.iter().filter(|i| i.contains(':')) {
        assert!(
            contract_imports.contains(import) || import.starts_with("wasi:"),
            "unexpected import {import}"
        );
    }
}
