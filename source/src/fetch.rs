//! Update checks: has the source something other than what the host runs, and if so, its bytes.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt as _;
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth as OciAuth;

use crate::digest::{Digest, Hasher};
use crate::error::{Cause, SourceError, Stage, human_bytes};
use crate::publish::{
    CNCF_WASM_CONFIG_MEDIA_TYPE, LEGACY_WASM_CONFIG_MEDIA_TYPE, LEGACY_WASM_LAYER_MEDIA_TYPE,
    SIGNATURE_ANNOTATION, WASM_LAYER_MEDIA_TYPE,
};
pub use crate::signature::SignatureMode;
use crate::spec::{OciSpec, SourceSpec};

/// A `.minisig` file is about 300 bytes; anything past this is not one.
const SIGNATURE_CAP: u64 = 64 << 10;

/// How the fetcher reaches sources. One per host; the defaults suit a cluster.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Limit on opening a connection, TLS handshake included.
    pub connect_timeout: Duration,
    /// Limit on waiting for the next bytes of an answer (headers or body).
    pub read_timeout: Duration,
    /// Limit on one https request as a whole, so a server that trickles bytes cannot hold a
    /// check forever. (oci-client has no such knob; registries get the two above.)
    pub total_timeout: Duration,
    /// Largest component accepted, in bytes. Enforced on the announced size and while reading,
    /// so no more than this is ever held in memory for one download. The default, 64 MiB,
    /// leaves room for the components that carry a language runtime: a Python gatherer built
    /// with componentize-py is about 19 MB, a JavaScript one about 12 MB.
    pub max_bytes: u64,
    /// PEM certificates trusted as roots in addition to the system's, for https sources and
    /// registries (a private CA, or a test's self-signed certificate).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// Registries, as `host:port` exactly as the reference names them, that are reached over
    /// plain HTTP. Everything else is https only; there is no global switch.
    pub insecure_registries: Vec<String>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(300),
            max_bytes: 64 << 20,
            extra_roots_pem: Vec::new(),
            insecure_registries: Vec::new(),
        }
    }
}

impl FetchOptions {
    /// Adds the PEM certificates in `path` to the trusted roots.
    pub fn add_root_pem_file(&mut self, path: &Path) -> Result<&mut Self, SourceError> {
        let pem = std::fs::read(path).map_err(|error| {
            SourceError::fetch(
                "fetcher configuration",
                Cause::Io {
                    path: path.display().to_string(),
                    error,
                },
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            SourceError::fetch(
                "fetcher configuration",
                Cause::Config(format!(
                    "{}: not PEM certificates: {}",
                    path.display(),
                    chain(&e)
                )),
            )
        })?;
        if certs.is_empty() {
            return Err(SourceError::fetch(
                "fetcher configuration",
                Cause::Config(format!("{}: holds no PEM certificate", path.display())),
            ));
        }
        self.extra_roots_pem.push(pem);
        Ok(self)
    }
}

/// Where a secret comes from: never the guest, never the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A file (for example a mounted Kubernetes Secret), read at each use so rotation applies.
    File(PathBuf),
    /// An environment variable of the host process.
    Env(String),
}

impl Credentials {
    fn read(&self) -> Result<String, Cause> {
        let text = match self {
            Credentials::File(path) => std::fs::read_to_string(path).map_err(|e| {
                Cause::Credentials(format!("cannot read the file {}: {e}", path.display()))
            })?,
            Credentials::Env(name) => std::env::var(name)
                .map_err(|e| Cause::Credentials(format!("environment variable {name}: {e}")))?,
        };
        let text = text.trim_end_matches(['\r', '\n']).to_string();
        if text.is_empty() {
            return Err(Cause::Credentials(format!("{} is empty", self.describe())));
        }
        Ok(text)
    }

    fn describe(&self) -> String {
        match self {
            Credentials::File(path) => format!("the file {}", path.display()),
            Credentials::Env(name) => format!("environment variable {name}"),
        }
    }
}

/// How to authenticate to a registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RegistryAuth {
    /// No credentials (the registry's token service may still hand out an anonymous token).
    #[default]
    Anonymous,
    /// Basic auth; the credentials hold `username:password`.
    Basic(Credentials),
    /// A bearer token; the credentials hold the token.
    Bearer(Credentials),
}

impl RegistryAuth {
    fn resolve(&self) -> Result<OciAuth, Cause> {
        Ok(match self {
            RegistryAuth::Anonymous => OciAuth::Anonymous,
            RegistryAuth::Basic(creds) => {
                let text = creds.read()?;
                let Some((user, password)) = text.split_once(':') else {
                    return Err(Cause::Credentials(format!(
                        "{} must hold `username:password`",
                        creds.describe()
                    )));
                };
                OciAuth::Basic(user.to_string(), password.to_string())
            }
            RegistryAuth::Bearer(creds) => OciAuth::Bearer(creds.read()?),
        })
    }

    pub(crate) fn resolve_for(&self, origin: &str) -> Result<OciAuth, SourceError> {
        self.resolve().map_err(|c| SourceError::fetch(origin, c))
    }
}

/// One gatherer's source as the host configures it.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where the component is.
    pub spec: SourceSpec,
    /// Registry credentials (OCI sources only).
    pub auth: RegistryAuth,
    /// Whether to bring the signature along ([`SignatureMode::Off`] skips looking for it).
    pub signatures: SignatureMode,
}

impl Source {
    /// An anonymous source without signatures.
    pub fn new(spec: SourceSpec) -> Self {
        Self {
            spec,
            auth: RegistryAuth::Anonymous,
            signatures: SignatureMode::Off,
        }
    }
}

/// What identifies the version the host runs, as far as the source can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The sha256 of the component bytes.
    pub digest: Digest,
    /// The ETag the https server sent with them, for `If-None-Match`.
    pub etag: Option<String>,
    /// The OCI manifest digest they were pulled by.
    pub manifest_digest: Option<String>,
}

impl Revision {
    /// A revision known only by its content (a file, or bytes from the store without state).
    pub fn of_digest(digest: Digest) -> Self {
        Self {
            digest,
            etag: None,
            manifest_digest: None,
        }
    }
}

/// The answer to an update check.
#[derive(Debug)]
pub enum Update {
    /// The source has the same component. The revision is the current one, refreshed: a server
    /// may send a new ETag for the same bytes, or a tag may move to a new manifest holding the
    /// same layer; keep it for the next check.
    Unchanged(Revision),
    /// The source has other bytes.
    New(Fetched),
}

/// A component the source delivered, not yet verified beyond its digest.
#[derive(Debug)]
pub struct Fetched {
    /// The source as the config wrote it, for messages.
    pub origin: String,
    /// The component bytes.
    pub bytes: Vec<u8>,
    /// Their digest and the source's validators.
    pub revision: Revision,
    /// The minisign signature that came with them, if signatures were asked for and exist.
    pub signature: Option<String>,
    /// Where the signature was looked for, for messages (`<url>.minisig`, the manifest annotation).
    pub signature_location: String,
}

impl Fetched {
    /// Applies the gatherer's signature mode with the host's trusted keys, expecting the name and
    /// version the component's manifest declares; a refusal is a [`SourceError`] at stage
    /// `signature` naming this source.
    pub fn verify_signature(
        &self,
        keys: &crate::TrustedKeys,
        mode: SignatureMode,
        expected: crate::ExpectedSigner<'_>,
    ) -> Result<Option<crate::VerifiedSignature>, SourceError> {
        keys.check(
            mode,
            &self.bytes,
            self.signature.as_deref(),
            &self.signature_location,
            expected,
        )
        .map_err(|e| SourceError::new(&self.origin, Stage::Signature, Cause::Signature(e)))
    }
}

/// Checks sources for new versions. Holds the https client and the OCI client (and its token
/// cache); cheap to share by reference across gatherers.
pub struct Fetcher {
    options: FetchOptions,
    http: reqwest::Client,
    oci: oci_client::Client,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// Builds the clients. Fails when a configured root certificate is not PEM.
    pub fn new(options: FetchOptions) -> Result<Self, SourceError> {
        crate::install_crypto_provider();
        let config_err =
            |why: String| SourceError::fetch("fetcher configuration", Cause::Config(why));
        let mut roots = Vec::new();
        for (i, pem) in options.extra_roots_pem.iter().enumerate() {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                config_err(format!("extra root certificates #{}: {}", i + 1, chain(&e)))
            })?;
            if certs.is_empty() {
                return Err(config_err(format!(
                    "extra root certificates #{}: no PEM certificate in it",
                    i + 1
                )));
            }
            roots.extend(certs);
        }
        let http = reqwest::Client::builder()
            .https_only(true)
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.read_timeout)
            .timeout(options.total_timeout)
            .user_agent(concat!("wagather-source/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(roots)
            .build()
            .map_err(|e| config_err(format!("https client: {}", chain(&e))))?;
        let oci = oci_client(&options).map_err(|e| config_err(format!("OCI client: {e}")))?;
        Ok(Self { options, http, oci })
    }

    /// The options the fetcher was built with.
    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    /// Asks `source` whether it has something other than `current` (None: nothing runs yet) and
    /// returns the new bytes if so. The bytes' digest is checked against the pin or the registry's
    /// manifest here; the signature is only brought along: the host verifies it with
    /// [`crate::TrustedKeys::check`] once it has read the component's manifest.
    pub async fn check(
        &self,
        source: &Source,
        current: Option<&Revision>,
    ) -> Result<Update, SourceError> {
        match &source.spec {
            SourceSpec::File(path) => self.check_file(path, source.signatures, current).await,
            SourceSpec::Https { url, pin } => {
                self.check_https(&source.spec, url, pin.as_ref(), source.signatures, current)
                    .await
            }
            SourceSpec::Oci(oci) => self.check_oci(oci, source, current).await,
        }
    }

    async fn check_file(
        &self,
        path: &Path,
        signatures: SignatureMode,
        current: Option<&Revision>,
    ) -> Result<Update, SourceError> {
        let origin = path.display();
        let bytes = read_file_capped(path, self.options.max_bytes)
            .await
            .map_err(|c| SourceError::fetch(&origin, c))?;
        let digest = Digest::of(&bytes);
        if let Some(current) = current.filter(|c| c.digest == digest) {
            return Ok(Update::Unchanged(current.clone()));
        }
        let sig_path = PathBuf::from(format!("{}.minisig", path.display()));
        let signature = if signatures == SignatureMode::Off {
            None
        } else {
            match read_file_capped(&sig_path, SIGNATURE_CAP).await {
                Ok(bytes) => Some(
                    signature_text(bytes)
                        .map_err(|c| SourceError::new(&origin, Stage::Signature, c))?,
                ),
                Err(Cause::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
                    None
                }
                Err(c) => return Err(SourceError::fetch(&origin, c)),
            }
        };
        Ok(Update::New(Fetched {
            origin: origin.to_string(),
            bytes,
            revision: Revision::of_digest(digest),
            signature,
            signature_location: sig_path.display().to_string(),
        }))
    }

    async fn check_https(
        &self,
        spec: &SourceSpec,
        url: &reqwest::Url,
        pin: Option<&Digest>,
        signatures: SignatureMode,
        current: Option<&Revision>,
    ) -> Result<Update, SourceError> {
        // A pinned URL can only ever deliver the pinned bytes: if they run, nothing can be newer.
        if let (Some(pin), Some(current)) = (pin, current)
            && current.digest == *pin
        {
            return Ok(Update::Unchanged(current.clone()));
        }
        let mut request = self.http.get(url.clone());
        let conditional = current.and_then(|c| c.etag.as_deref());
        if let Some(etag) = conditional {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.http_error(spec, url, &e))?;
        let status = response.status();
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if status == reqwest::StatusCode::NOT_MODIFIED
            && let (Some(current), Some(_)) = (current, conditional)
        {
            let mut same = current.clone();
            if etag.is_some() {
                same.etag = etag;
            }
            return Ok(Update::Unchanged(same));
        }
        if !status.is_success() {
            return Err(SourceError::fetch(
                spec,
                Cause::Status {
                    url: url.to_string(),
                    status: status.as_u16(),
                },
            ));
        }
        let bytes = self
            .read_body(response, self.options.max_bytes)
            .await
            .map_err(|c| SourceError::fetch(spec, c))?;
        let digest = Digest::of(&bytes);
        if let Some(pin) = pin
            && digest != *pin
        {
            return Err(SourceError::new(
                spec,
                Stage::Digest,
                Cause::PinMismatch {
                    expected: *pin,
                    actual: digest,
                },
            ));
        }
        let revision = Revision {
            digest,
            etag,
            manifest_digest: None,
        };
        if current.is_some_and(|c| c.digest == digest) {
            return Ok(Update::Unchanged(revision));
        }
        let mut sig_url = url.clone();
        sig_url.set_path(&format!("{}.minisig", url.path()));
        let signature = if signatures == SignatureMode::Off {
            None
        } else {
            self.fetch_signature(spec, &sig_url).await?
        };
        Ok(Update::New(Fetched {
            origin: spec.to_string(),
            bytes,
            revision,
            signature,
            signature_location: sig_url.to_string(),
        }))
    }

    /// `<url>.minisig`: absent (404, 410) is `None`; any other failure is an error, so an outage
    /// of the signature never reads as "unsigned".
    async fn fetch_signature(
        &self,
        spec: &SourceSpec,
        sig_url: &reqwest::Url,
    ) -> Result<Option<String>, SourceError> {
        let response = self
            .http
            .get(sig_url.clone())
            .send()
            .await
            .map_err(|e| self.http_error(spec, sig_url, &e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(SourceError::fetch(
                spec,
                Cause::Status {
                    url: sig_url.to_string(),
                    status: status.as_u16(),
                },
            ));
        }
        let bytes = self
            .read_body(response, SIGNATURE_CAP)
            .await
            .map_err(|c| SourceError::fetch(spec, c))?;
        signature_text(bytes)
            .map(Some)
            .map_err(|c| SourceError::new(spec, Stage::Signature, c))
    }

    /// Reads a body up to `cap` bytes, refusing an announced length over the cap before reading
    /// and stopping (dropping the connection) as soon as the count passes it.
    async fn read_body(&self, response: reqwest::Response, cap: u64) -> Result<Vec<u8>, Cause> {
        let url = response.url().clone();
        let announced = response.content_length();
        if let Some(n) = announced
            && n > cap
        {
            return Err(Cause::TooLarge {
                cap,
                announced: Some(n),
            });
        }
        let mut out = Vec::with_capacity(announced.unwrap_or(0) as usize);
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    return Err(match announced {
                        Some(expected) if !e.is_timeout() && (out.len() as u64) < expected => {
                            Cause::Truncated {
                                expected,
                                received: out.len() as u64,
                            }
                        }
                        _ => self.http_cause(&url, &e),
                    });
                }
            };
            if out.len() as u64 + chunk.len() as u64 > cap {
                return Err(Cause::TooLarge {
                    cap,
                    announced: None,
                });
            }
            out.extend_from_slice(&chunk);
        }
        if let Some(expected) = announced
            && expected != out.len() as u64
        {
            return Err(Cause::Truncated {
                expected,
                received: out.len() as u64,
            });
        }
        Ok(out)
    }

    fn http_cause(&self, url: &reqwest::Url, e: &reqwest::Error) -> Cause {
        if e.is_timeout() {
            Cause::Timeout(format!(
                "{url} did not answer in time (connect timeout {:?}, read timeout {:?}, total {:?})",
                self.options.connect_timeout, self.options.read_timeout, self.options.total_timeout
            ))
        } else if let Some(status) = e.status() {
            Cause::Status {
                url: url.to_string(),
                status: status.as_u16(),
            }
        } else {
            Cause::Transport(format!("{url}: {}", chain(e)))
        }
    }

    fn http_error(&self, spec: &SourceSpec, url: &reqwest::Url, e: &reqwest::Error) -> SourceError {
        SourceError::fetch(spec, self.http_cause(url, e))
    }

    async fn check_oci(
        &self,
        oci: &OciSpec,
        source: &Source,
        current: Option<&Revision>,
    ) -> Result<Update, SourceError> {
        let origin = oci.to_string();
        let auth = source.auth.resolve_for(&origin)?;
        let current_manifest = current.and_then(|c| c.manifest_digest.as_deref());
        // 1. Which manifest does the reference name now? A digest reference names itself; a tag
        //    costs one HEAD.
        let manifest_digest = match oci.digest() {
            Some(d) => d.to_string(),
            None => self
                .oci
                .fetch_manifest_digest(oci.reference(), &auth)
                .await
                .map_err(|e| self.oci_error(&origin, e))?,
        };
        if let (Some(current), Some(known)) = (current, current_manifest)
            && known == manifest_digest
        {
            return Ok(Update::Unchanged(current.clone()));
        }
        // 2. Pull by that digest, so a tag that moves meanwhile cannot mix two versions.
        let pinned = oci.reference().clone_with_digest(manifest_digest.clone());
        let (manifest, _) = self
            .oci
            .pull_image_manifest(&pinned, &auth)
            .await
            .map_err(|e| self.oci_error(&origin, e))?;
        let layer = wasm_layer(&manifest).map_err(|c| SourceError::fetch(&origin, c))?;
        let expected: Digest = layer.digest.parse().map_err(|e| {
            SourceError::new(
                &origin,
                Stage::Digest,
                Cause::Layout(format!("the layer digest is not sha256: {e}")),
            )
        })?;
        let cap = self.options.max_bytes;
        let size = u64::try_from(layer.size).unwrap_or(u64::MAX);
        if size > cap {
            return Err(SourceError::fetch(
                &origin,
                Cause::TooLarge {
                    cap,
                    announced: Some(size),
                },
            ));
        }
        let (bytes, digest) = self
            .pull_layer(&pinned, layer, size)
            .await
            .map_err(|(stage, c)| SourceError::new(&origin, stage, c))?;
        if digest != expected {
            return Err(SourceError::new(
                &origin,
                Stage::Digest,
                Cause::LayerDigestMismatch {
                    expected: layer.digest.clone(),
                    actual: digest,
                },
            ));
        }
        let revision = Revision {
            digest,
            etag: None,
            manifest_digest: Some(manifest_digest.clone()),
        };
        if current.is_some_and(|c| c.digest == digest) {
            return Ok(Update::Unchanged(revision));
        }
        let signature = match source.signatures {
            SignatureMode::Off => None,
            _ => manifest
                .annotations
                .as_ref()
                .and_then(|a| a.get(SIGNATURE_ANNOTATION))
                .cloned(),
        };
        Ok(Update::New(Fetched {
            origin: origin.clone(),
            bytes,
            revision,
            signature,
            signature_location: format!(
                "the `{SIGNATURE_ANNOTATION}` annotation of manifest {manifest_digest}"
            ),
        }))
    }

    /// Streams the one layer, never holding more than the descriptor's size (itself under the
    /// cap), hashing as it goes.
    async fn pull_layer(
        &self,
        pinned: &oci_client::Reference,
        layer: &OciDescriptor,
        size: u64,
    ) -> Result<(Vec<u8>, Digest), (Stage, Cause)> {
        let mut stream = self
            .oci
            .pull_blob_stream(pinned, layer)
            .await
            .map_err(|e| self.oci_cause(e))?;
        let mut out = Vec::with_capacity(size as usize);
        let mut hasher = Hasher::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                // oci-client's verifying stream reports a digest mismatch as an io error.
                let text = chain(&e);
                if text.contains("igest") {
                    (Stage::Digest, Cause::Registry(text))
                } else if (out.len() as u64) < size {
                    (
                        Stage::Fetch,
                        Cause::Truncated {
                            expected: size,
                            received: out.len() as u64,
                        },
                    )
                } else {
                    (Stage::Fetch, Cause::Transport(text))
                }
            })?;
            if out.len() as u64 + chunk.len() as u64 > size {
                // More than the descriptor announced: the blob is not the one the manifest names.
                return Err((
                    Stage::Digest,
                    Cause::Layout(format!(
                        "the layer is longer than the {} its descriptor announces",
                        human_bytes(size)
                    )),
                ));
            }
            hasher.update(&chunk);
            out.extend_from_slice(&chunk);
        }
        if (out.len() as u64) < size {
            return Err((
                Stage::Fetch,
                Cause::Truncated {
                    expected: size,
                    received: out.len() as u64,
                },
            ));
        }
        Ok((out, hasher.finish()))
    }

    fn oci_cause(&self, e: oci_client::errors::OciDistributionError) -> (Stage, Cause) {
        use oci_client::errors::OciDistributionError as E;
        match e {
            E::RequestError(e) if e.is_timeout() => (
                Stage::Fetch,
                Cause::Timeout(format!(
                    "the registry did not answer in time (connect timeout {:?}, read timeout {:?})",
                    self.options.connect_timeout, self.options.read_timeout
                )),
            ),
            E::RequestError(e) => (Stage::Fetch, Cause::Transport(chain(&e))),
            E::DigestError(e) => (Stage::Digest, Cause::Registry(e.to_string())),
            E::ImageIndexParsingNoPlatformResolverError => (
                Stage::Fetch,
                Cause::Layout("the reference names an image index, not a single manifest".into()),
            ),
            e => (Stage::Fetch, Cause::Registry(chain(&e))),
        }
    }

    fn oci_error(&self, origin: &str, e: oci_client::errors::OciDistributionError) -> SourceError {
        let (stage, cause) = self.oci_cause(e);
        SourceError::new(origin, stage, cause)
    }
}

/// The OCI client for `options`: HTTPS except the listed registries, the same roots and timeouts,
/// and no platform resolver, so an image index is refused instead of resolved for this host's CPU.
pub(crate) fn oci_client(options: &FetchOptions) -> Result<oci_client::Client, String> {
    use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
    let config = ClientConfig {
        protocol: ClientProtocol::HttpsExcept(options.insecure_registries.clone()),
        extra_root_certificates: options
            .extra_roots_pem
            .iter()
            .map(|pem| Certificate {
                encoding: CertificateEncoding::Pem,
                data: pem.clone(),
            })
            .collect(),
        platform_resolver: None,
        read_timeout: Some(options.read_timeout),
        connect_timeout: Some(options.connect_timeout),
        user_agent: concat!("wagather-source/", env!("CARGO_PKG_VERSION")),
        ..Default::default()
    };
    oci_client::Client::try_from(config).map_err(|e| chain(&e))
}

/// The single wasm layer of a manifest in the CNCF wasm layout (or the older wasm-to-oci one).
fn wasm_layer(manifest: &OciImageManifest) -> Result<&OciDescriptor, Cause> {
    let config = manifest.config.media_type.as_str();
    if config != CNCF_WASM_CONFIG_MEDIA_TYPE && config != LEGACY_WASM_CONFIG_MEDIA_TYPE {
        return Err(Cause::Layout(format!(
            "config media type `{config}`, expected `{CNCF_WASM_CONFIG_MEDIA_TYPE}`"
        )));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(Cause::Layout(format!(
            "{} layers, expected exactly one `{WASM_LAYER_MEDIA_TYPE}` layer",
            manifest.layers.len()
        )));
    };
    let media = layer.media_type.as_str();
    if media != WASM_LAYER_MEDIA_TYPE && media != LEGACY_WASM_LAYER_MEDIA_TYPE {
        return Err(Cause::Layout(format!(
            "layer media type `{media}`, expected `{WASM_LAYER_MEDIA_TYPE}`"
        )));
    }
    Ok(layer)
}

fn signature_text(bytes: Vec<u8>) -> Result<String, Cause> {
    String::from_utf8(bytes).map_err(|_| {
        Cause::Signature(crate::SignatureError::Malformed(
            "the signature is not text".into(),
        ))
    })
}

async fn read_file_capped(path: &Path, cap: u64) -> Result<Vec<u8>, Cause> {
    use tokio::io::AsyncReadExt as _;
    let err = |error| Cause::Io {
        path: path.display().to_string(),
        error,
    };
    let file = tokio::fs::File::open(path).await.map_err(err)?;
    let len = file.metadata().await.map_err(err)?.len();
    if len > cap {
        return Err(Cause::TooLarge {
            cap,
            announced: Some(len),
        });
    }
    let mut out = Vec::with_capacity(len as usize);
    file.take(cap + 1)
        .read_to_end(&mut out)
        .await
        .map_err(err)?;
    if out.len() as u64 > cap {
        return Err(Cause::TooLarge {
            cap,
            announced: None,
        });
    }
    Ok(out)
}

/// An error and its sources, `: `-separated: reqwest's own message rarely says why.
pub(crate) fn chain(e: &dyn StdError) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_files_and_env_and_never_show_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("basic");
        std::fs::write(&file, "robot:s3cret\n").unwrap();
        let auth = RegistryAuth::Basic(Credentials::File(file.clone()));
        assert!(
            matches!(auth.resolve().unwrap(), OciAuth::Basic(u, p) if u == "robot" && p == "s3cret")
        );

        let token = dir.path().join("token");
        std::fs::write(&token, "tok\n").unwrap();
        assert!(matches!(
            RegistryAuth::Bearer(Credentials::File(token.clone())).resolve().unwrap(),
            OciAuth::Bearer(t) if t == "tok"
        ));
        // A token file is not `user:password`.
        let err = RegistryAuth::Basic(Credentials::File(token))
            .resolve()
            .unwrap_err();
        assert!(
            err.to_string().contains("must hold `username:password`"),
            "{err}"
        );
        assert!(!err.to_string().contains("tok\n"));

        let missing =
            RegistryAuth::Bearer(Credentials::Env("WAGATHER_SOURCE_TEST_UNSET_VAR".into()));
        let err = missing.resolve().unwrap_err();
        assert!(
            err.to_string().contains("WAGATHER_SOURCE_TEST_UNSET_VAR"),
            "{err}"
        );
        let err = RegistryAuth::Basic(Credentials::File(dir.path().join("nope")))
            .resolve()
            .unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        assert!(matches!(
            RegistryAuth::Anonymous.resolve().unwrap(),
            OciAuth::Anonymous
        ));
    }

    #[test]
    fn bad_root_certificates_are_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("ca.pem");
        std::fs::write(&pem, "not a certificate").unwrap();
        let err = FetchOptions::default().add_root_pem_file(&pem).unwrap_err();
        assert!(
            err.to_string().contains("holds no PEM certificate"),
            "{err}"
        );
        for broken in [
            b"no certificate here".to_vec(),
            b"-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n".to_vec(),
        ] {
            let options = FetchOptions {
                extra_roots_pem: vec![broken],
                ..FetchOptions::default()
            };
            let err = Fetcher::new(options).unwrap_err();
            assert!(matches!(err.cause, Cause::Config(_)), "{err}");
            assert!(err.to_string().contains("certificate"), "{err}");
        }
        let err = FetchOptions::default()
            .add_root_pem_file(&dir.path().join("absent.pem"))
            .unwrap_err();
        assert!(err.to_string().contains("absent.pem"), "{err}");
    }
}
