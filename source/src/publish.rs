//! Publishing a component to an OCI registry in the CNCF wasm artifact layout.
//!
//! The artifact is one manifest (`application/vnd.oci.image.manifest.v1+json`) whose config
//! (`application/vnd.wasm.config.v0+json`) describes the component and whose single layer
//! (`application/wasm`) is the component's bytes, as the CNCF TAG Runtime's wasm OCI artifact
//! layout specifies; `wkg`, `wasm-pkg-tools` and `oci-wasm` produce and read the same shape.
//!
//! A minisign signature over the component bytes, when given, rides in the manifest annotation
//! [`SIGNATURE_ANNOTATION`]. It is inside the manifest the host pulls by digest, so the bytes and
//! their signature always arrive together, from one immutable object: no second artifact or tag
//! to keep in step, and no OCI 1.1 referrers API needed (distribution 2.8 has none).

use std::collections::BTreeMap;

use oci_client::client::{Config, ImageLayer};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciImageManifest};
use wasmparser::{Parser, Payload};

use crate::digest::Digest;
use crate::error::{Cause, SourceError, Stage};
use crate::fetch::{FetchOptions, RegistryAuth, chain, oci_client};
use crate::spec::OciSpec;

/// The layer media type of the CNCF wasm layout.
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The config media type of the CNCF wasm layout.
pub const CNCF_WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The older wasm-to-oci layer type (Kubewarden, early Spin); accepted when pulling.
pub const LEGACY_WASM_LAYER_MEDIA_TYPE: &str = "application/vnd.wasm.content.layer.v1+wasm";
/// The older wasm-to-oci config type that goes with it; accepted when pulling.
pub const LEGACY_WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v1+json";
/// The manifest annotation holding the component's minisign signature (the `.minisig` text).
pub const SIGNATURE_ANNOTATION: &str = "io.github.wagather.signature.minisign";

/// The top-level imports and exports of a component, by name, as the CNCF config lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComponentInfo {
    /// Names of the component's imports (`wagather:gatherer/kube@0.1.0`, `wasi:io/streams@0.2.0`, ...).
    pub imports: Vec<String>,
    /// Names of its exports.
    pub exports: Vec<String>,
}

/// Validates `bytes` as a WebAssembly component and lists its top-level imports and exports
/// (those of nested components and core modules are internal and left out).
pub fn component_info(bytes: &[u8]) -> Result<ComponentInfo, String> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator
        .validate_all(bytes)
        .map_err(|e| format!("not valid WebAssembly: {e}"))?;
    let mut info = ComponentInfo::default();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| format!("not valid WebAssembly: {e}"))? {
            Payload::Version { encoding, .. }
                if depth == 0 && encoding != wasmparser::Encoding::Component =>
            {
                return Err("a core WebAssembly module, not a component: build for wasm32-wasip2 (or run `wasm-tools component new`)".into());
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| e.to_string())?;
                    info.imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    info.exports.push(export.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

/// What to push besides the bytes, and how to reach the registry.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Roots, timeouts and insecure (plain HTTP) registries, as for fetching.
    pub registry: FetchOptions,
    /// Registry credentials.
    pub auth: RegistryAuth,
    /// The `.minisig` text to attach as [`SIGNATURE_ANNOTATION`].
    pub signature: Option<String>,
    /// The config's `component.target`: the WIT world the component targets
    /// (e.g. `wagather:gatherer/gatherer@0.2.0`).
    pub target: Option<String>,
    /// The config's `author`.
    pub author: Option<String>,
    /// The config's `created` (now when unset); set it for reproducible config digests.
    pub created: Option<jiff::Timestamp>,
    /// More manifest annotations (`org.opencontainers.image.source`, ...).
    pub annotations: BTreeMap<String, String>,
}

/// A completed push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The manifest digest, which the tag now points to.
    pub manifest_digest: String,
    /// The sha256 of the component bytes (the layer).
    pub component_digest: Digest,
    /// The reference pinned by digest, ready for a config: `oci://host/repo:tag@sha256:...`.
    pub pinned: String,
    /// The registry's URL of the manifest.
    pub manifest_url: String,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct WasmConfig<'a> {
    created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    architecture: &'static str,
    os: &'static str,
    layer_digests: Vec<String>,
    component: ComponentConfig<'a>,
}

#[derive(serde::Serialize)]
struct ComponentConfig<'a> {
    exports: &'a [String],
    imports: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
}

/// Pushes `component` to `reference` (which must name a tag) in the CNCF wasm layout, with the
/// config's imports and exports read from the component, `architecture: wasm`, `os: wasip2`.
/// Errors are [`SourceError`]s with the reference as origin and stage `fetch` for the registry
/// conversation.
pub async fn push(
    component: &[u8],
    reference: &OciSpec,
    options: &PushOptions,
) -> Result<Pushed, SourceError> {
    crate::install_crypto_provider();
    let origin = format!("push {reference}");
    let fail = |stage, cause| SourceError::new(&origin, stage, cause);
    let Some(tag) = reference.tag() else {
        return Err(fail(
            Stage::Fetch,
            Cause::Config("push to a tag (`:v1`), not to a digest".into()),
        ));
    };
    if reference.digest().is_some() {
        return Err(fail(
            Stage::Fetch,
            Cause::Config("push to a tag alone: the digest is what the push produces".into()),
        ));
    }
    let info = component_info(component).map_err(|why| fail(Stage::Compile, Cause::Layout(why)))?;
    if let Some(sig) = &options.signature {
        minisign_verify::Signature::decode(sig).map_err(|e| {
            fail(
                Stage::Signature,
                Cause::Signature(crate::SignatureError::Malformed(e.to_string())),
            )
        })?;
    }

    let component_digest = Digest::of(component);
    let created = options
        .created
        .unwrap_or_else(jiff::Timestamp::now)
        .to_string();
    let config_json = serde_json::to_vec(&WasmConfig {
        created: created.clone(),
        author: options.author.as_deref(),
        architecture: "wasm",
        os: "wasip2",
        layer_digests: vec![component_digest.to_string()],
        component: ComponentConfig {
            exports: &info.exports,
            imports: &info.imports,
            target: options.target.as_deref(),
        },
    })
    .map_err(|e| fail(Stage::Fetch, Cause::Config(e.to_string())))?;
    let layer = ImageLayer::new(component.to_vec(), WASM_LAYER_MEDIA_TYPE.to_string(), None);
    let config = Config::new(config_json, CNCF_WASM_CONFIG_MEDIA_TYPE.to_string(), None);

    let mut annotations = options.annotations.clone();
    annotations.insert("org.opencontainers.image.created".into(), created);
    if let Some(sig) = &options.signature {
        annotations.insert(SIGNATURE_ANNOTATION.into(), sig.clone());
    }
    let mut manifest =
        OciImageManifest::build(std::slice::from_ref(&layer), &config, Some(annotations));
    manifest.media_type = Some(OCI_IMAGE_MEDIA_TYPE.to_string());
    let manifest_bytes = serde_json::to_vec(&manifest)
        .map_err(|e| fail(Stage::Fetch, Cause::Config(e.to_string())))?;
    let manifest_digest = Digest::of(&manifest_bytes).to_string();

    let client = oci_client(&options.registry).map_err(|e| fail(Stage::Fetch, Cause::Config(e)))?;
    let auth = options.auth.resolve_for(&origin)?;
    let image = reference.reference();
    let registry_err = |e: oci_client::errors::OciDistributionError| {
        fail(Stage::Fetch, Cause::Registry(chain(&e)))
    };
    client
        .store_auth_if_needed(reference.registry(), &auth)
        .await;
    client
        .push_blob(image, layer.data.clone(), &component_digest.to_string())
        .await
        .map_err(registry_err)?;
    client
        .push_blob(image, config.data.clone(), &manifest.config.digest)
        .await
        .map_err(registry_err)?;
    let manifest_url = client
        .push_manifest_raw(
            image,
            manifest_bytes,
            reqwest::header::HeaderValue::from_static(OCI_IMAGE_MEDIA_TYPE),
        )
        .await
        .map_err(registry_err)?;
    Ok(Pushed {
        pinned: format!(
            "oci://{}/{}:{tag}@{manifest_digest}",
            reference.registry(),
            reference.repository()
        ),
        manifest_digest,
        component_digest,
        manifest_url,
    })
}
