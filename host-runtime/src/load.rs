//! Loading a gatherer: read its manifest, compile it (or load it from the cache), check that
//! it implements the world this host runs, and prepare it for instantiation.
//!
//! Each step can fail, and the failure names its [`LoadStage`], so that an operator (and the
//! update service, which must keep the last good version) knows whether the bytes, the
//! manifest, the code or the interface was wrong. The manifest comes first: a component
//! without a usable one is never compiled.

use std::path::Path;

use sha2::{Digest, Sha256};
use wagather_contract::{CONTRACT, MANIFEST_SECTION, Manifest, ManifestError};
use wasmparser::{ComponentExternalKind, ComponentTypeRef, Parser, Payload};

use crate::engine::Runtime;
use crate::state::{HostState, bindings::GathererPre};

/// A compiled gatherer, ready to be instantiated any number of times.
#[derive(Clone)]
pub struct LoadedGatherer {
    /// Where it came from: a path, or the source the operator configured.
    pub source: String,
    /// Its manifest.
    pub manifest: Manifest,
    /// `sha256:<hex>` of the component bytes.
    pub digest: String,
    /// Size of the component in bytes.
    pub size: usize,
    pub(crate) pre: GathererPre<HostState>,
}

impl std::fmt::Debug for LoadedGatherer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedGatherer")
            .field("source", &self.source)
            .field("manifest", &self.manifest)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

/// The steps of loading a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadStage {
    /// Reading the bytes.
    Read,
    /// Finding and checking the manifest (including its contract version).
    Manifest,
    /// Compiling (or loading the compiled artifact).
    Compile,
    /// Checking the imports and exports against the `gatherer` world.
    World,
}

impl std::fmt::Display for LoadStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoadStage::Read => "read",
            LoadStage::Manifest => "manifest",
            LoadStage::Compile => "compile",
            LoadStage::World => "world",
        })
    }
}

/// Why a gatherer component could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("cannot load gatherer {source_name}: {stage}: {cause}")]
pub struct LoadError {
    /// The component's source, as given.
    pub source_name: String,
    /// The step that failed.
    pub stage: LoadStage,
    /// What went wrong, with its causes.
    pub cause: String,
}

/// Why a component's manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestReadError {
    /// The bytes are not a readable WebAssembly binary.
    #[error("not a readable WebAssembly binary: {0}")]
    Wasm(#[source] wasmparser::BinaryReaderError),
    /// No manifest section anywhere in the binary.
    #[error(
        "no `{MANIFEST_SECTION}` custom section: a gatherer must declare its name, version and reads \
         (the #[gatherer] attribute of wagather-sdk embeds it; `wagather manifest set` adds one to any component)"
    )]
    Missing,
    /// Two manifest sections: the host cannot know which one is meant.
    #[error("more than one `{MANIFEST_SECTION}` custom section")]
    Duplicate,
    /// The section is not a usable manifest.
    #[error(transparent)]
    Invalid(#[from] ManifestError),
}

/// Finds and checks the manifest of a component (or core module). The section may sit in the
/// component itself or in any core module nested in it (rustc's `wasm32-wasip2` linker keeps
/// a crate's custom sections in the embedded core module), so the whole binary is searched.
pub fn read_manifest(wasm: &[u8]) -> Result<Manifest, ManifestReadError> {
    let mut found: Option<&[u8]> = None;
    // `parse_all` descends into nested modules and components.
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(section) = payload.map_err(ManifestReadError::Wasm)?
            && section.name() == MANIFEST_SECTION
        {
            if found.is_some() {
                return Err(ManifestReadError::Duplicate);
            }
            found = Some(section.data());
        }
    }
    Ok(Manifest::from_json(
        found.ok_or(ManifestReadError::Missing)?,
    )?)
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
pub fn component_interface(wasm: &[u8]) -> Result<Interface, ManifestReadError> {
    let mut interface = Interface::default();
    // Every module or component starts with a `Version` payload and finishes
    // with `End`; depth 1 is the outermost component.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(ManifestReadError::Wasm)? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            // Type imports and exports (the world's records and enums) are
            // left out: only instances and functions are the interface.
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import.map_err(ManifestReadError::Wasm)?;
                    if !matches!(import.ty, ComponentTypeRef::Type(_)) {
                        interface.imports.push(import.name.name.to_owned());
                    }
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export = export.map_err(ManifestReadError::Wasm)?;
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

/// The contract version a component's own `wagather:gatherer` imports name, if it names one
/// other than this host's: `wagather:gatherer/kube@0.1.0` means contract
/// `wagather:gatherer@0.1.0`.
fn other_contract(wasm: &[u8]) -> Option<String> {
    let interface = component_interface(wasm).ok()?;
    interface
        .imports
        .iter()
        .chain(&interface.exports)
        .filter_map(|name| {
            let rest = name.strip_prefix("wagather:gatherer/")?;
            let (_, version) = rest.split_once('@')?;
            Some(format!("wagather:gatherer@{version}"))
        })
        .find(|contract| contract != CONTRACT)
}

impl Runtime {
    /// Reads, checks and compiles (or loads from the cache) a gatherer component.
    pub fn load(&self, path: &Path) -> Result<LoadedGatherer, LoadError> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| LoadError {
            source_name: source.clone(),
            stage: LoadStage::Read,
            cause: e.to_string(),
        })?;
        self.load_bytes(&source, &bytes)
    }

    /// Like [`Runtime::load`] for bytes already in memory; `source` names them in errors and
    /// reports.
    pub fn load_bytes(&self, source: &str, bytes: &[u8]) -> Result<LoadedGatherer, LoadError> {
        let fail = |stage, cause: String| LoadError {
            source_name: source.to_owned(),
            stage,
            cause,
        };
        let manifest =
            read_manifest(bytes).map_err(|e| fail(LoadStage::Manifest, e.to_string()))?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let component = self.compile_named(&sha256, bytes).map_err(|e| {
            fail(
                LoadStage::Compile,
                format!("not a valid WebAssembly component: {e:#}"),
            )
        })?;
        let world_error = |e: wasmtime::Error| {
            let cause = match other_contract(bytes) {
                Some(found) => format!(
                    "the component implements contract `{found}`, but this host implements `{CONTRACT}`: {e:#}"
                ),
                None => format!(
                    "the component does not implement world `wagather:gatherer/gatherer` of `{CONTRACT}`: {e:#}"
                ),
            };
            fail(LoadStage::World, cause)
        };
        let instance_pre = self
            .inner
            .linker
            .instantiate_pre(&component)
            .map_err(world_error)?;
        let pre = GathererPre::new(instance_pre).map_err(world_error)?;
        Ok(LoadedGatherer {
            source: source.to_owned(),
            manifest,
            digest: format!("sha256:{sha256}"),
            size: bytes.len(),
            pre,
        })
    }
}

impl Runtime {
    /// Compiles a component with this runtime's engine, through its compilation cache when it
    /// has one (benchmarks compare a runtime without one).
    pub fn compile(&self, bytes: &[u8]) -> wasmtime::Result<wasmtime::component::Component> {
        self.compile_named(&hex::encode(Sha256::digest(bytes)), bytes)
    }

    /// [`Runtime::compile`] of bytes whose SHA-256 is `sha256_hex`, which names the cache entry.
    fn compile_named(
        &self,
        sha256_hex: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<wasmtime::component::Component> {
        match &self.inner.cache {
            Some(cache) => cache.component(&self.inner.engine, sha256_hex, bytes),
            None => wasmtime::component::Component::new(&self.inner.engine, bytes),
        }
    }
}

/// `sha256:<hex>` of some bytes: how the host names what runs.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"contract":"wagather:gatherer@0.2.0","name":"cluster-operators","version":"0.1.0",
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
        assert!(matches!(err, ManifestReadError::Missing), "{err:?}");
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
            Err(ManifestReadError::Duplicate)
        ));
    }

    #[test]
    fn malformed_manifest_is_an_error() {
        for bad in [
            &b"{not json"[..],
            b"\xff\xfe",
            br#"{"contract":"wagather:gatherer@0.2.0","name":"x"}"#,
            br#"{"contract":"wagather:gatherer@0.2.0","name":"x","version":"1",
                 "reads":[{"group":"","version":"v1"}]}"#,
            br#"{"contract":"wagather:gatherer@0.2.0","name":" ","version":"1","reads":[]}"#,
        ] {
            let module = module_with_sections(&[(MANIFEST_SECTION, bad)]);
            let err = read_manifest(&module).unwrap_err();
            assert!(
                matches!(err, ManifestReadError::Invalid(_)),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn another_contract_is_refused_naming_both() {
        let json = GOOD.replace("wagather:gatherer@0.2.0", "wagather:gatherer@0.1.0");
        let module = module_with_sections(&[(MANIFEST_SECTION, json.as_bytes())]);
        let err = read_manifest(&module).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("wagather:gatherer@0.1.0") && text.contains("wagather:gatherer@0.2.0"),
            "{text}"
        );
    }

    #[test]
    fn not_wasm_is_an_error() {
        assert!(matches!(
            read_manifest(b"hello world"),
            Err(ManifestReadError::Wasm(_))
        ));
    }
}
