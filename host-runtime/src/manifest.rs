//! The gatherer manifest: what a component says about itself in its
//! `wagather-manifest` custom section.
//!
//! The host reads the manifest before it compiles or instantiates anything, so
//! a component without a usable manifest never runs. The section may sit in
//! the component itself or in any core module nested in it (rustc's
//! `wasm32-wasip2` linker keeps a crate's custom sections in the embedded core
//! module), so the whole binary is searched.

use serde::{Deserialize, Serialize};
use wasmparser::{ComponentExternalKind, ComponentTypeRef, Parser, Payload};

use crate::policy::ReadRule;

/// Name of the custom section that carries the manifest.
pub const MANIFEST_SECTION: &str = "wagather-manifest";

/// The contract (WIT package and version) this host implements.
pub const CONTRACT: &str = "wagather:gatherer@0.1.0";

/// What a gatherer declares about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The contract the gatherer was built against, e.g. `wagather:gatherer@0.1.0`.
    pub contract: String,
    /// The gatherer's name, used in logs and in `gathers.json`.
    pub name: String,
    /// The gatherer's own version.
    pub version: String,
    /// The API reads the gatherer may make; everything else is denied.
    pub reads: Vec<ReadRule>,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The bytes are not a readable WebAssembly binary.
    #[error("not a readable WebAssembly binary")]
    Wasm(#[source] wasmparser::BinaryReaderError),
    /// No manifest section anywhere in the binary.
    #[error(
        "no `{MANIFEST_SECTION}` custom section: a gatherer must declare its name, version and reads \
         (the #[gatherer] attribute of wagather-sdk embeds it)"
    )]
    Missing,
    /// Two manifest sections: the host cannot know which one is meant.
    #[error("more than one `{MANIFEST_SECTION}` custom section")]
    Duplicate,
    /// The section is not a JSON manifest.
    #[error("the `{MANIFEST_SECTION}` section is not a valid manifest")]
    Invalid(#[source] serde_json::Error),
    /// Built against a contract this host does not implement.
    #[error("the gatherer was built for contract `{found}`, but this host implements `{CONTRACT}`")]
    Contract {
        /// The contract the manifest names.
        found: String,
    },
    /// A field is present but unusable.
    #[error("the manifest's `{field}` is empty")]
    Empty {
        /// The empty field.
        field: &'static str,
    },
}

/// Finds and checks the manifest of a component (or core module).
pub fn read_manifest(wasm: &[u8]) -> Result<Manifest, ManifestError> {
    let mut found: Option<&[u8]> = None;
    // `parse_all` descends into nested modules and components, so sections of
    // the embedded core module are seen as well as the component's own.
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(section) = payload.map_err(ManifestError::Wasm)?
            && section.name() == MANIFEST_SECTION
        {
            if found.is_some() {
                return Err(ManifestError::Duplicate);
            }
            found = Some(section.data());
        }
    }
    parse_manifest(found.ok_or(ManifestError::Missing)?)
}

/// Parses and checks the JSON payload of a manifest section.
pub fn parse_manifest(json: &[u8]) -> Result<Manifest, ManifestError> {
    let manifest: Manifest = serde_json::from_slice(json).map_err(ManifestError::Invalid)?;
    if manifest.contract != CONTRACT {
        return Err(ManifestError::Contract {
            found: manifest.contract,
        });
    }
    if manifest.name.trim().is_empty() {
        return Err(ManifestError::Empty { field: "name" });
    }
    if manifest.version.trim().is_empty() {
        return Err(ManifestError::Empty { field: "version" });
    }
    Ok(manifest)
}

/// The names of a component's top-level imports and exports, for `wagather inspect`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interface {
    /// Import names, e.g. `wagather:gatherer/kube@0.1.0`.
    pub imports: Vec<String>,
    /// Export names, e.g. `gather`.
    pub exports: Vec<String>,
}

/// Lists the top-level imports and exports of a component.
pub fn component_interface(wasm: &[u8]) -> Result<Interface, ManifestError> {
    let mut interface = Interface::default();
    // Every module or component starts with a `Version` payload and finishes
    // with `End`; depth 1 is the outermost component.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(ManifestError::Wasm)? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            // Type imports and exports (the world's records and enums) are
            // left out: only instances and functions are the interface.
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import.map_err(ManifestError::Wasm)?;
                    if !matches!(import.ty, ComponentTypeRef::Type(_)) {
                        interface.imports.push(import.name.name.to_owned());
                    }
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export = export.map_err(ManifestError::Wasm)?;
                    if export.kind != ComponentExternalKind::Type {
                        interface.exports.push(export.name.name.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(interface)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"contract":"wagather:gatherer@0.1.0","name":"cluster-operators","version":"0.1.0",
        "reads":[{"group":"config.openshift.io","version":"v1","resource":"clusteroperators"},
                 {"group":"","version":"v1","resource":"pods","subresource":"log","namespaces":["openshift-monitoring"]}]}"#;

    /// A core module with the given custom sections, built by hand so the test
    /// does not depend on any guest toolchain.
    fn module_with_sections(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (name, data) in sections {
            let mut body = Vec::new();
            leb(&mut body, name.len());
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(data);
            wasm.push(0); // custom section id
            leb(&mut wasm, body.len());
            wasm.extend_from_slice(&body);
        }
        wasm
    }

    /// A component that embeds `module` as a nested core module.
    fn component_with_module(module: &[u8]) -> Vec<u8> {
        let mut wasm = b"\0asm\x0d\0\x01\0".to_vec();
        wasm.push(1); // core module section id
        leb(&mut wasm, module.len());
        wasm.extend_from_slice(module);
        wasm
    }

    fn leb(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    #[test]
    fn reads_manifest_from_nested_core_module() {
        let module =
            module_with_sections(&[("producers", b"\0"), (MANIFEST_SECTION, GOOD.as_bytes())]);
        let manifest = read_manifest(&component_with_module(&module)).expect("manifest");
        assert_eq!(manifest.name, "cluster-operators");
        assert_eq!(manifest.version, "0.1.0");
        assert_eq!(manifest.reads.len(), 2);
        assert_eq!(manifest.reads[0].group, "config.openshift.io");
        assert_eq!(manifest.reads[0].subresource, None);
        assert_eq!(manifest.reads[1].group, "");
        assert_eq!(manifest.reads[1].subresource.as_deref(), Some("log"));
        assert_eq!(
            manifest.reads[1].namespaces,
            Some(vec!["openshift-monitoring".to_owned()])
        );
    }

    #[test]
    fn reads_manifest_from_top_level_module() {
        let module = module_with_sections(&[(MANIFEST_SECTION, GOOD.as_bytes())]);
        assert_eq!(
            read_manifest(&module).expect("manifest").name,
            "cluster-operators"
        );
    }

    #[test]
    fn missing_manifest_is_an_error() {
        let module = module_with_sections(&[("producers", b"\0")]);
        let err = read_manifest(&component_with_module(&module)).unwrap_err();
        assert!(matches!(err, ManifestError::Missing), "{err:?}");
        assert!(err.to_string().contains("wagather-manifest"));
    }

    #[test]
    fn two_manifests_are_an_error() {
        let module = module_with_sections(&[
            (MANIFEST_SECTION, GOOD.as_bytes()),
            (MANIFEST_SECTION, GOOD.as_bytes()),
        ]);
        assert!(matches!(
            read_manifest(&module),
            Err(ManifestError::Duplicate)
        ));
    }

    #[test]
    fn malformed_manifest_is_an_error() {
        for bad in [
            &b"{not json"[..],
            b"\xff\xfe",
            br#"{"contract":"wagather:gatherer@0.1.0","name":"x"}"#,
        ] {
            let module = module_with_sections(&[(MANIFEST_SECTION, bad)]);
            let err = read_manifest(&module).unwrap_err();
            assert!(matches!(err, ManifestError::Invalid(_)), "{bad:?}: {err:?}");
        }
        let no_resource = r#"{"contract":"wagather:gatherer@0.1.0","name":"x","version":"1",
            "reads":[{"group":"","version":"v1"}]}"#;
        assert!(matches!(
            parse_manifest(no_resource.as_bytes()),
            Err(ManifestError::Invalid(_))
        ));
    }

    #[test]
    fn empty_name_is_an_error() {
        let json = r#"{"contract":"wagather:gatherer@0.1.0","name":" ","version":"1","reads":[]}"#;
        assert!(matches!(
            parse_manifest(json.as_bytes()),
            Err(ManifestError::Empty { field: "name" })
        ));
    }

    #[test]
    fn wrong_contract_is_an_error() {
        let json = GOOD.replace("wagather:gatherer@0.1.0", "wagather:gatherer@0.2.0");
        let err = parse_manifest(json.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Contract { found } if found == "wagather:gatherer@0.2.0")
        );
        assert!(err.to_string().contains("wagather:gatherer@0.1.0"), "{err}");
    }

    #[test]
    fn not_wasm_is_an_error() {
        assert!(matches!(
            read_manifest(b"hello world"),
            Err(ManifestError::Wasm(_))
        ));
    }

    #[test]
    fn empty_reads_parse() {
        let json = r#"{"contract":"wagather:gatherer@0.1.0","name":"x","version":"1","reads":[]}"#;
        assert!(
            parse_manifest(json.as_bytes())
                .expect("manifest")
                .reads
                .is_empty()
        );
    }
}
