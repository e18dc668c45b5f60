//! What a config names as a gatherer's source, parsed once so that every later error can name it.
//!
//! The syntax is one string, told apart by its prefix so that no text can mean two things:
//!
//! | text | source |
//! | --- | --- |
//! | `oci://127.0.0.1:5055/gatherers/ops:v1` | an OCI artifact by tag (the registry host is always explicit) |
//! | `oci://registry.example.com/gatherers/ops@sha256:<hex>` | an OCI artifact by manifest digest (never moves) |
//! | `oci://registry.example.com/gatherers/ops:v1@sha256:<hex>` | by digest; the tag is only a label |
//! | `https://example.com/g.wasm` | a URL |
//! | `https://example.com/g.wasm#sha256:<hex>` | a URL pinned to the sha256 of the component bytes |
//! | `file:///abs/g.wasm`, `/abs/g.wasm`, `rel/g.wasm` | a local file |
//!
//! The pin rides in the URL fragment because a fragment is never sent to the server, so the URL the
//! server sees is exactly the URL without it. `http://` is refused: a component is code the host
//! runs, and a private server is served over https with its CA added to the fetcher's trusted roots.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::digest::Digest;

/// Where one gatherer's component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A file on the host's disk, re-read and compared by content digest at every check.
    File(PathBuf),
    /// An https URL; `pin`, when given, is the only content accepted.
    Https {
        /// The URL the request goes to (without the pin fragment).
        url: reqwest::Url,
        /// The sha256 the content must have.
        pin: Option<Digest>,
    },
    /// An OCI artifact in a registry.
    Oci(OciSpec),
}

/// An OCI reference with an explicit registry host and a tag or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciSpec {
    reference: oci_client::Reference,
}

impl OciSpec {
    /// The parsed reference, as oci-client takes it.
    pub fn reference(&self) -> &oci_client::Reference {
        &self.reference
    }
    /// `host:port` of the registry, as the insecure-registry list names it.
    pub fn registry(&self) -> &str {
        self.reference.resolve_registry()
    }
    /// The repository path inside the registry.
    pub fn repository(&self) -> &str {
        self.reference.repository()
    }
    /// The tag, if the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.reference.tag()
    }
    /// The manifest digest, if the reference is pinned to one.
    pub fn digest(&self) -> Option<&str> {
        self.reference.digest()
    }
}

impl fmt::Display for OciSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}/{}", self.registry(), self.repository())?;
        if let Some(tag) = self.tag() {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = self.digest() {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for OciSpec {
    type Err = SpecError;

    /// Parses `registry/repo:tag`, `registry/repo@sha256:..` or both, with or without `oci://`.
    fn from_str(text: &str) -> Result<Self, SpecError> {
        let rest = text.strip_prefix("oci://").unwrap_or(text);
        let bad = |why: &str| SpecError::Oci {
            text: text.to_string(),
            why: why.to_string(),
        };
        let Some((host, path)) = rest.split_once('/') else {
            return Err(bad(
                "expected registry/repository:tag or registry/repository@sha256:<hex>",
            ));
        };
        // Without this rule `gatherers/ops:v1` would silently mean Docker Hub.
        if !(host.contains('.') || host.contains(':') || host == "localhost") {
            return Err(bad(&format!(
                "`{host}` is not a registry host: name it explicitly (a DNS name with a dot, host:port, or localhost)"
            )));
        }
        let name_end = path.rfind('/').map_or(0, |i| i + 1);
        let last = &path[name_end..];
        if !last.contains(':') && !last.contains('@') {
            return Err(bad("name a tag (`:v1`) or a digest (`@sha256:<hex>`)"));
        }
        let reference = oci_client::Reference::try_from(rest).map_err(|e| bad(&e.to_string()))?;
        if reference.resolve_registry() != host {
            return Err(bad(&format!(
                "the registry host `{host}` did not survive parsing"
            )));
        }
        if let Some(d) = reference.digest() {
            d.parse::<Digest>().map_err(|e| bad(&e.to_string()))?;
        }
        Ok(Self { reference })
    }
}

/// Why a source text is not usable; every variant names the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Nothing was given.
    #[error("empty source: expected a file path, an https:// URL or an oci:// reference")]
    Empty,
    /// A scheme this crate does not fetch from.
    #[error("`{text}`: unknown scheme `{scheme}`: expected a file path, https:// or oci://")]
    Scheme {
        /// The source text.
        text: String,
        /// The scheme found.
        scheme: String,
    },
    /// Plain http.
    #[error(
        "`{0}`: plain http is refused for components: use https (a private CA goes in the fetcher's extra root certificates)"
    )]
    PlainHttp(String),
    /// The https URL is malformed or has parts a source must not have.
    #[error("`{text}`: {why}")]
    Url {
        /// The source text.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// The OCI reference is malformed.
    #[error("`{text}`: not an OCI reference: {why}")]
    Oci {
        /// The source text.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// A `file://` URL that is not an absolute local path.
    #[error("`{0}`: a file:// source must be an absolute path (file:///path/to/g.wasm)")]
    FileUrl(String),
}

impl FromStr for SourceSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SpecError::Empty);
        }
        if text.starts_with("oci://") {
            return Ok(SourceSpec::Oci(text.parse()?));
        }
        if text.starts_with("https://") {
            return parse_https(text);
        }
        if text.starts_with("http://") {
            return Err(SpecError::PlainHttp(text.to_string()));
        }
        if let Some(path) = text.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(SpecError::FileUrl(text.to_string()));
            }
            return Ok(SourceSpec::File(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(SpecError::Scheme {
                text: text.to_string(),
                scheme: scheme.to_string(),
            });
        }
        Ok(SourceSpec::File(PathBuf::from(text)))
    }
}

fn parse_https(text: &str) -> Result<SourceSpec, SpecError> {
    let bad = |why: String| SpecError::Url {
        text: text.to_string(),
        why,
    };
    let mut url = reqwest::Url::parse(text).map_err(|e| bad(format!("not a URL: {e}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("the URL has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "credentials do not belong in a source URL (it is logged and reported)".into(),
        ));
    }
    let pin = match url.fragment() {
        None => None,
        Some(fragment) => Some(fragment.parse::<Digest>().map_err(|e| {
            bad(format!(
                "the fragment pins the content and must be `#sha256:<64 hex>`: {e}"
            ))
        })?),
    };
    url.set_fragment(None);
    Ok(SourceSpec::Https { url, pin })
}

impl fmt::Display for SourceSpec {
    /// The canonical text: it parses back to the same spec.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::File(path) => write!(f, "{}", path.display()),
            SourceSpec::Https { url, pin: None } => write!(f, "{url}"),
            SourceSpec::Https {
                url,
                pin: Some(pin),
            } => write!(f, "{url}#{pin}"),
            SourceSpec::Oci(oci) => write!(f, "{oci}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn files() {
        assert_eq!(
            "g.wasm".parse::<SourceSpec>().unwrap(),
            SourceSpec::File("g.wasm".into())
        );
        assert_eq!(
            "file:///srv/g.wasm".parse::<SourceSpec>().unwrap(),
            SourceSpec::File("/srv/g.wasm".into())
        );
        assert!(matches!(
            "file://srv/g.wasm".parse::<SourceSpec>(),
            Err(SpecError::FileUrl(_))
        ));
        assert_eq!("".parse::<SourceSpec>(), Err(SpecError::Empty));
        let e = "ftp://x/g.wasm".parse::<SourceSpec>().unwrap_err();
        assert!(e.to_string().contains("unknown scheme `ftp`"), "{e}");
    }

    #[test]
    fn https_with_and_without_pin() {
        let s: SourceSpec = format!("https://example.com/g.wasm?v=1#sha256:{HEX}")
            .parse()
            .unwrap();
        let SourceSpec::Https { url, pin } = &s else {
            panic!("{s:?}")
        };
        assert_eq!(url.as_str(), "https://example.com/g.wasm?v=1");
        assert_eq!(pin.unwrap().hex(), HEX);
        assert_eq!(s.to_string().parse::<SourceSpec>().unwrap(), s);

        let e = "https://example.com/g.wasm#v2"
            .parse::<SourceSpec>()
            .unwrap_err();
        assert!(e.to_string().contains("#sha256:<64 hex>"), "{e}");
        let e = "https://u:p@example.com/g.wasm"
            .parse::<SourceSpec>()
            .unwrap_err();
        assert!(e.to_string().contains("credentials"), "{e}");
        assert!(matches!(
            "http://127.0.0.1/g.wasm".parse::<SourceSpec>(),
            Err(SpecError::PlainHttp(_))
        ));
    }

    #[test]
    fn oci_references() {
        let s: SourceSpec = "oci://127.0.0.1:5055/gatherers/ops:v1".parse().unwrap();
        let SourceSpec::Oci(oci) = &s else { panic!() };
        assert_eq!(oci.registry(), "127.0.0.1:5055");
        assert_eq!(oci.repository(), "gatherers/ops");
        assert_eq!(oci.tag(), Some("v1"));
        assert_eq!(oci.digest(), None);
        assert_eq!(s.to_string(), "oci://127.0.0.1:5055/gatherers/ops:v1");

        let s: SourceSpec = format!("oci://registry.example.com/ops@sha256:{HEX}")
            .parse()
            .unwrap();
        let SourceSpec::Oci(oci) = &s else { panic!() };
        assert_eq!(oci.digest(), Some(format!("sha256:{HEX}").as_str()));
        assert_eq!(s.to_string().parse::<SourceSpec>().unwrap(), s);

        let s: SourceSpec = format!("oci://localhost:5000/a/b:v1@sha256:{HEX}")
            .parse()
            .unwrap();
        assert_eq!(
            s.to_string(),
            format!("oci://localhost:5000/a/b:v1@sha256:{HEX}")
        );

        for (text, needle) in [
            ("oci://gatherers/ops:v1", "not a registry host"),
            ("oci://127.0.0.1:5055/gatherers/ops", "name a tag"),
            ("oci://127.0.0.1:5055", "expected registry/repository"),
            ("oci://127.0.0.1:5055/Ops:v1", "not an OCI reference"),
            (
                "oci://127.0.0.1:5055/ops@sha256:abc",
                "not an OCI reference",
            ),
        ] {
            let e = text.parse::<SourceSpec>().unwrap_err().to_string();
            assert!(e.contains(needle) && e.contains(text), "{text}: {e}");
        }
    }
}
