//! A transport to a real cluster for gatherers compiled natively.
//!
//! A gatherer is a library: its `#[gatherer]` function runs the same inside a component and in
//! a native process. [`NativeTransport`] answers its requests with a `kube::Client` (kubeconfig,
//! in-cluster service account, or a plain URL such as the snapshot server on loopback), so an
//! author can run a gatherer as an ordinary binary while developing it, and a benchmark can
//! compare the same code as a component and natively.
//!
//! ```no_run
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use wagather_sdk_native::NativeTransport;
//! let transport = NativeTransport::infer()?; // in-cluster, $KUBECONFIG or ~/.kube/config
//! let _guard = transport.install();          // requests on this thread go to the cluster
//! // let output = my_gatherer::__wagather_run(Vec::new());
//! # Ok(()) }
//! ```
//!
//! With [`NativeTransport::enforce`] it refuses what the gatherer's manifest does not declare,
//! as the host does ([`Error::Denied`]); the host's other rules (Secrets, limits) are the
//! host's.
//!
//! It is a crate of its own rather than a feature of `wagather-sdk`: an HTTP client in the
//! SDK's dependencies would change what rustc prints for the SDK's compile-fail tests
//! (`wagather_sdk::Client<K>` instead of `Client<K>`, as `kube::Client` exists too) in every
//! build that turned the feature on, workspace builds included.

#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

use std::path::{Path, PathBuf};
use std::rc::Rc;

use http_body_util::BodyExt;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};

use wagather_sdk::Manifest;
use wagather_sdk::error::{Error, Result};
use wagather_sdk::request::{Request, Response};
use wagather_sdk::transport::{self, InstallGuard, Transport};

/// Why a [`NativeTransport`] could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    /// The async runtime the client runs on could not start.
    #[error("could not start the runtime of the Kubernetes client")]
    Runtime(#[source] std::io::Error),
    /// Neither in a cluster nor a kubeconfig to use.
    #[error("could not find a cluster configuration (in-cluster or kubeconfig)")]
    Infer(#[source] kube::config::InferConfigError),
    /// The kubeconfig file could not be used.
    #[error("could not use kubeconfig {path}")]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// The server URL does not parse.
    #[error("invalid server URL {url:?}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why it does not parse.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// The configuration was read but no client could be built from it.
    #[error("could not create the Kubernetes client")]
    Client(#[source] kube::Error),
}

/// Answers a gatherer's requests from a real API server through `kube::Client`.
pub struct NativeTransport {
    runtime: Exec,
    client: kube::Client,
    manifest: Option<Manifest>,
}

/// Where a transport's requests run: a runtime of its own, or one it shares with the client
/// it was given.
enum Exec {
    Owned(tokio::runtime::Runtime),
    Shared(tokio::runtime::Handle),
}

impl std::fmt::Debug for NativeTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeTransport")
            .field("cluster", &self.client.default_namespace())
            .field("enforces", &self.manifest.as_ref().map(|m| m.name.as_str()))
            .finish()
    }
}

impl NativeTransport {
    /// The in-cluster service account, else `$KUBECONFIG` or `~/.kube/config`, like `kubectl`.
    pub fn infer() -> std::result::Result<NativeTransport, NativeError> {
        let runtime = runtime()?;
        let config = runtime
            .block_on(Config::infer())
            .map_err(NativeError::Infer)?;
        NativeTransport::with_config(runtime, config)
    }

    /// The current context of the kubeconfig at `path`.
    pub fn from_kubeconfig(path: &Path) -> std::result::Result<NativeTransport, NativeError> {
        let runtime = runtime()?;
        let err = |source| NativeError::Kubeconfig {
            path: path.to_path_buf(),
            source,
        };
        let kubeconfig = Kubeconfig::read_from(path).map_err(err)?;
        let config = runtime
            .block_on(Config::from_custom_kubeconfig(
                kubeconfig,
                &KubeConfigOptions::default(),
            ))
            .map_err(err)?;
        NativeTransport::with_config(runtime, config)
    }

    /// A server at `url` without credentials, e.g. the snapshot server on loopback.
    pub fn from_url(url: &str) -> std::result::Result<NativeTransport, NativeError> {
        let uri = url
            .parse::<http::Uri>()
            .map_err(|source| NativeError::Url {
                url: url.to_owned(),
                source,
            })?;
        NativeTransport::with_config(runtime()?, Config::new(uri))
    }

    /// A client made elsewhere, on the multi-threaded runtime `runtime` (the one it was
    /// created in, which must keep running). Transports on several threads can share one
    /// client and its connections this way, as gatherers in one host share its client; the
    /// threads must not be the runtime's own.
    pub fn with_client(client: kube::Client, runtime: tokio::runtime::Handle) -> NativeTransport {
        NativeTransport {
            runtime: Exec::Shared(runtime),
            client,
            manifest: None,
        }
    }

    fn with_config(
        runtime: tokio::runtime::Runtime,
        config: Config,
    ) -> std::result::Result<NativeTransport, NativeError> {
        // The client starts its connection machinery on the runtime it is created in.
        let client = {
            let _entered = runtime.enter();
            kube::Client::try_from(config).map_err(NativeError::Client)?
        };
        Ok(NativeTransport {
            runtime: Exec::Owned(runtime),
            client,
            manifest: None,
        })
    }

    /// Refuses, as the host does, every request that `manifest`'s reads do not allow.
    #[must_use]
    pub fn enforce(mut self, manifest: Manifest) -> NativeTransport {
        self.manifest = Some(manifest);
        self
    }

    /// Makes this transport the one of the current thread until the guard is dropped.
    pub fn install(self) -> InstallGuard {
        transport::install(Rc::new(self))
    }

    async fn fetch(&self, request: &Request) -> std::result::Result<Response, String> {
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(request.path_and_query.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = match &request.body {
            Some(bytes) => kube::client::Body::from(bytes.clone()),
            None => kube::client::Body::empty(),
        };
        let http_request = builder
            .body(body)
            .map_err(|e| format!("invalid request: {e}"))?;
        let response = self
            .client
            .send(http_request)
            .await
            .map_err(|e| error_chain(&e))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| error_chain(&e))?
            .to_bytes()
            .to_vec();
        let headers = parts
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        Ok(Response {
            status: parts.status.as_u16(),
            headers,
            body,
        })
    }
}

impl Transport for NativeTransport {
    fn send(&self, request: &Request) -> Result<Response> {
        if let Some(manifest) = &self.manifest
            && (request.method != "GET"
                || !wagather_sdk::manifest::allows(manifest, &request.path_and_query))
        {
            return Err(Error::Denied {
                path: request.path_and_query.clone(),
                reason: format!(
                    "{} {} is not among the reads gatherer {:?} declares",
                    request.method, request.path_and_query, manifest.name
                ),
            });
        }
        let response = match &self.runtime {
            Exec::Owned(runtime) => runtime.block_on(self.fetch(request)),
            Exec::Shared(handle) => handle.block_on(self.fetch(request)),
        };
        response.map_err(|reason| Error::Transport {
            path: request.path_and_query.clone(),
            reason,
        })
    }
}

fn runtime() -> std::result::Result<tokio::runtime::Runtime, NativeError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(NativeError::Runtime)
}

/// An error and its causes on one line.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A one-request HTTP server on loopback that answers `body` and returns what it received.
    fn serve_once(
        status: &'static str,
        body: &'static str,
    ) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut received = Vec::new();
            let mut buf = [0u8; 1024];
            while !received.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
            }
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
            String::from_utf8_lossy(&received).into_owned()
        });
        (url, handle)
    }

    #[test]
    fn requests_reach_the_server_and_answers_come_back() {
        let (url, server) = serve_once("200 OK", r#"{"kind":"NodeList","items":[]}"#);
        let transport = NativeTransport::from_url(&url).unwrap();
        let response = transport
            .send(&Request::get("/api/v1/nodes?limit=500"))
            .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, br#"{"kind":"NodeList","items":[]}"#);
        let received = server.join().unwrap();
        assert!(
            received.starts_with("GET /api/v1/nodes?limit=500 HTTP/1.1\r\n"),
            "{received}"
        );
    }

    /// A transport with a client made on a runtime that it does not run on (the runtime's
    /// workers drive the connection, the calling thread waits).
    #[test]
    fn a_shared_client_answers_from_another_thread() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (url, server) = serve_once("200 OK", r#"{"kind":"NodeList","items":[]}"#);
        let client = {
            let _entered = runtime.enter();
            kube::Client::try_from(Config::new(url.parse().unwrap())).unwrap()
        };
        let handle = runtime.handle().clone();
        let response = std::thread::spawn(move || {
            NativeTransport::with_client(client, handle).send(&Request::get("/api/v1/nodes"))
        })
        .join()
        .unwrap()
        .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, br#"{"kind":"NodeList","items":[]}"#);
        assert!(
            server
                .join()
                .unwrap()
                .starts_with("GET /api/v1/nodes HTTP/1.1\r\n")
        );
    }

    #[test]
    fn error_statuses_are_responses() {
        let (url, server) = serve_once("404 Not Found", r#"{"kind":"Status","code":404}"#);
        let transport = NativeTransport::from_url(&url).unwrap();
        let response = transport.send(&Request::get("/api/v1/nodes/x")).unwrap();
        assert_eq!(response.status, 404);
        server.join().unwrap();
    }

    #[test]
    fn enforcing_refuses_undeclared_reads_before_sending() {
        let manifest = Manifest::new("g", "1.0.0", vec!["v1/nodes".parse().unwrap()]);
        // Nothing listens here: a request that got through would fail with a transport error.
        let transport = NativeTransport::from_url("http://127.0.0.1:9")
            .unwrap()
            .enforce(manifest);
        let err = transport.send(&Request::get("/api/v1/pods")).unwrap_err();
        assert!(matches!(err, Error::Denied { .. }), "{err}");
        let err = transport.send(&Request::get("/api/v1/nodes")).unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
    }

    #[test]
    fn a_missing_kubeconfig_is_named() {
        let err =
            NativeTransport::from_kubeconfig(Path::new("/nonexistent/kubeconfig")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/kubeconfig"), "{err}");
    }
}
