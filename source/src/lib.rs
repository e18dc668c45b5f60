//! Where wagather's gatherer components come from, and how the host learns that a new version exists.
//!
//! A gatherer's source is a local file, an `https://` URL (optionally pinned by sha256) or an OCI
//! reference (`oci://registry/repo:tag`, `@sha256:...`, see [`SourceSpec`]). The host asks the
//! [`Fetcher`] once per period whether the source changed since the version it runs
//! ([`Fetcher::check`]); the answer is either [`Update::Unchanged`] (a 304, the same manifest digest,
//! the same file content) or [`Update::New`] with the component bytes, their sha256 and the
//! minisign signature that travels with them. The host then checks the signature against its
//! trusted keys and the component's own manifest ([`TrustedKeys::verify`]), compiles and
//! test-instantiates it, and only then records it in the [`Store`] as the gatherer's last good
//! version, so that a restart runs it again without the network.
//!
//! This crate knows nothing of wasmtime or of the contract: it moves and checks bytes. Every
//! failure is a [`SourceError`] that names the source, the [`Stage`] (fetch, digest, signature)
//! and the cause, so the host can keep the last good version running and report why.
//!
//! TLS is rustls on the `ring` provider, the one kube uses in the host; [`install_crypto_provider`]
//! makes it the process default (the [`Fetcher`] and [`push`] call it themselves).
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![forbid(unsafe_code)]

mod digest;
mod error;
mod fetch;
mod publish;
mod signature;
mod spec;
mod store;

pub use digest::{Digest, DigestParseError};
pub use error::{Cause, SourceError, Stage};
pub use fetch::{
    Credentials, FetchOptions, Fetched, Fetcher, RegistryAuth, Revision, Source, Update,
};
pub use publish::{
    CNCF_WASM_CONFIG_MEDIA_TYPE, ComponentInfo, LEGACY_WASM_CONFIG_MEDIA_TYPE,
    LEGACY_WASM_LAYER_MEDIA_TYPE, PushOptions, Pushed, SIGNATURE_ANNOTATION, WASM_LAYER_MEDIA_TYPE,
    component_info, push,
};
pub use signature::{
    ExpectedSigner, SignatureError, SignatureMode, TrustedKeys, VerifiedSignature,
    sign_with_key_file, trusted_comment,
};
pub use spec::{OciSpec, SourceSpec, SpecError};
pub use store::{LastGood, Store, StoreError};

/// Makes rustls' `ring` provider the process-wide default, once.
///
/// reqwest and oci-client are built without a provider of their own (so the host links one TLS
/// crypto library, the one kube already uses) and would panic on the first TLS connection without
/// a default. Installing is idempotent: a provider installed earlier, by this function or by the
/// embedding program, stays.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race against another installer is fine: some provider is then in place.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}
