//! Typed failures: which source, at which stage, and why.

use std::fmt;

use crate::digest::Digest;
use crate::signature::SignatureError;

/// The step of bringing in a new version at which it failed.
///
/// The source crate reports `Fetch`, `Digest` and `Signature`; the host reports the later stages
/// with the same type so that logs, metrics (`..._failures_total{stage}`) and gathers.json use one
/// vocabulary.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Reaching the source and reading the bytes (network, registry, file, size cap, timeouts).
    Fetch,
    /// The bytes are not the ones the config pinned or the registry announced.
    Digest,
    /// The minisign signature is missing, invalid, from an untrusted key, or for another
    /// gatherer or version.
    Signature,
    /// The host could not compile the component.
    Compile,
    /// The component's manifest or contract version is missing or not acceptable.
    Manifest,
    /// The component trapped or failed while being test-instantiated.
    Instantiate,
}

impl Stage {
    /// The label used in logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Digest => "digest",
            Stage::Signature => "signature",
            Stage::Compile => "compile",
            Stage::Manifest => "manifest",
            Stage::Instantiate => "instantiate",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure to bring in a component, displayed as `<source>: <stage>: <cause>`, e.g.
/// `https://example.com/g.wasm: fetch: the response is larger than the 16 MiB cap`.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {stage}: {cause}")]
pub struct SourceError {
    /// The source as the config wrote it (secrets never appear in a source spec).
    pub origin: String,
    /// Where in the pipeline it failed.
    pub stage: Stage,
    /// What went wrong.
    pub cause: Cause,
}

impl SourceError {
    /// An error of `origin` at `stage`; the host makes its own (`Stage::Compile` with
    /// [`Cause::Host`], ...) so that every failure of a source reads alike.
    pub fn new(origin: impl fmt::Display, stage: Stage, cause: Cause) -> Self {
        Self {
            origin: origin.to_string(),
            stage,
            cause,
        }
    }

    pub(crate) fn fetch(origin: impl fmt::Display, cause: Cause) -> Self {
        Self::new(origin, Stage::Fetch, cause)
    }
}

/// Why a source could not deliver an acceptable component.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Cause {
    /// The body (or the size the server or registry announced) is over the configured cap.
    /// Reading stops at the cap: no more than `cap` bytes are ever held.
    #[error("the response is larger than the {} cap{}", human_bytes(*cap), announced.map(|n| format!(" (announced {})", human_bytes(n))).unwrap_or_default())]
    TooLarge {
        /// The configured cap in bytes.
        cap: u64,
        /// The size the server announced, when it did.
        announced: Option<u64>,
    },
    /// The connection ended before the announced length arrived.
    #[error("the download ended after {received} of the {expected} bytes announced")]
    Truncated {
        /// The announced length (Content-Length or the OCI descriptor's size).
        expected: u64,
        /// What arrived.
        received: u64,
    },
    /// Connecting or reading took longer than the configured timeout.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server answered with an unexpected HTTP status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL that was requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// Connection, TLS or protocol failure.
    #[error("{0}")]
    Transport(String),
    /// Reading a local file failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// A registry refused a request or answered something that is not a valid OCI response.
    #[error("registry: {0}")]
    Registry(String),
    /// The OCI artifact is not a single wasm component in the CNCF wasm layout.
    #[error("not a wasm component artifact: {0}")]
    Layout(String),
    /// The content's sha256 is not the one the config pinned.
    #[error("the content's digest is {actual}, but the source is pinned to {expected}")]
    PinMismatch {
        /// The pinned digest.
        expected: Digest,
        /// The digest of what arrived.
        actual: Digest,
    },
    /// A layer's bytes do not hash to the digest in the registry's manifest.
    #[error("the layer's bytes hash to {actual}, but the manifest says {expected}")]
    LayerDigestMismatch {
        /// The digest in the manifest's layer descriptor.
        expected: String,
        /// The digest of what arrived.
        actual: Digest,
    },
    /// Registry credentials could not be read.
    #[error("credentials: {0}")]
    Credentials(String),
    /// The configuration of the fetcher is unusable (for example an unreadable CA file).
    #[error("configuration: {0}")]
    Config(String),
    /// The signature check failed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A failure the host found at a later stage (compile, manifest, instantiate).
    #[error("{0}")]
    Host(String),
}

/// `16 MiB`, `1.5 KiB`, `512 bytes`: sizes as a person reads them in an error message.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size {
            return if n.is_multiple_of(size) {
                format!("{} {unit}", n / size)
            } else {
                format!("{:.1} {unit}", n as f64 / size as f64)
            };
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_source_stage_and_cause() {
        let e = SourceError::fetch(
            "https://example.com/g.wasm",
            Cause::TooLarge {
                cap: 16 << 20,
                announced: None,
            },
        );
        assert_eq!(
            e.to_string(),
            "https://example.com/g.wasm: fetch: the response is larger than the 16 MiB cap"
        );
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
