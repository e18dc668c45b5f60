//! Real parts on loopback for the service's tests: an https server with a fresh self-signed
//! certificate whose answers each test scripts (broken ones included), minisign keys and
//! signatures made by the real `minisign` CLI, and components with a manifest of the test's
//! choosing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wagather_contract::Manifest;

/// How the server answers one path.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with the body and an ETag (its digest); a matching If-None-Match gets 304.
    Body(Vec<u8>),
    /// An empty answer with this status.
    Status(u16),
    /// Announces the body's length, sends half of it and closes.
    Truncated(Vec<u8>),
    /// Reads the request and never answers.
    Hang,
}

/// What the server saw of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub path: String,
    pub status: u16,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Reply>,
    seen: Vec<Seen>,
}

/// An https server on 127.0.0.1 with a self-signed certificate (`cert_pem`).
pub struct HttpsServer {
    pub addr: SocketAddr,
    pub cert_pem: Vec<u8>,
    state: Arc<Mutex<State>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl HttpsServer {
    pub async fn start() -> Self {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("self-signed certificate");
        let cert_pem = ck.cert.pem().into_bytes();
        let key = rustls_pki_types::PrivateKeyDer::Pkcs8(
            rustls_pki_types::PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()),
        );
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .expect("server certificate");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let st = st.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        serve(tls, st).await;
                    }
                });
            }
        });
        Self {
            addr,
            cert_pem,
            state,
            accept,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.addr.port())
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_owned(), reply);
    }

    pub fn remove(&self, path: &str) {
        self.state.lock().unwrap().routes.remove(path);
    }

    /// The requests since the last call.
    pub fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut self.state.lock().unwrap().seen)
    }
}

fn etag(body: &[u8]) -> String {
    format!("\"{}\"", wagather_source::Digest::of(body).hex())
}

async fn serve(mut tls: tokio_rustls::server::TlsStream<TcpStream>, st: Arc<Mutex<State>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    let if_none_match = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("if-none-match")
            .then(|| v.trim().to_owned())
    });
    let reply = st.lock().unwrap().routes.get(&path).cloned();
    let record = |status: u16| {
        st.lock().unwrap().seen.push(Seen {
            path: path.clone(),
            status,
        });
    };
    let answer = match reply {
        None => {
            record(404);
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec()
        }
        Some(Reply::Body(body)) => {
            let tag = etag(&body);
            if if_none_match.as_deref() == Some(tag.as_str()) {
                record(304);
                format!("HTTP/1.1 304 Not Modified\r\netag: {tag}\r\nconnection: close\r\n\r\n")
                    .into_bytes()
            } else {
                record(200);
                let mut out = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\netag: {tag}\r\nconnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                out.extend_from_slice(&body);
                out
            }
        }
        Some(Reply::Status(code)) => {
            record(code);
            format!("HTTP/1.1 {code} Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .into_bytes()
        }
        Some(Reply::Truncated(body)) => {
            record(200);
            let mut out = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            out.extend_from_slice(&body[..body.len() / 2]);
            out
        }
        Some(Reply::Hang) => {
            record(0);
            tokio::time::sleep(Duration::from_secs(600)).await;
            return;
        }
    };
    let _ = tls.write_all(&answer).await;
    let _ = tls.shutdown().await;
}

/// The `minisign` CLI; the tests fail without it, on purpose: CI installs it first
/// (`source/scripts/install-minisign.sh`).
pub fn minisign() -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = Path::new(dir).join("minisign");
        if p.is_file() {
            return p;
        }
    }
    panic!("the minisign CLI is missing: run source/scripts/install-minisign.sh");
}

/// A minisign key pair made by the real CLI (unencrypted, `-W`).
pub struct Keys {
    pub public: PathBuf,
    pub secret: PathBuf,
    dir: PathBuf,
}

impl Keys {
    pub fn generate(dir: &Path, name: &str) -> Keys {
        let keys = Keys {
            public: dir.join(format!("{name}.pub")),
            secret: dir.join(format!("{name}.key")),
            dir: dir.to_owned(),
        };
        run(Command::new(minisign())
            .args(["-G", "-W", "-f", "-p"])
            .arg(&keys.public)
            .arg("-s")
            .arg(&keys.secret));
        keys
    }

    /// Signs `bytes` with the CLI under this trusted comment; returns the `.minisig` text.
    pub fn sign(&self, bytes: &[u8], trusted_comment: &str) -> String {
        let file = self
            .dir
            .join(format!("{}.wasm", wagather_source::Digest::of(bytes).hex()));
        std::fs::write(&file, bytes).expect("write the file to sign");
        let sig = file.with_extension("minisig");
        run(Command::new(minisign())
            .args(["-S", "-s"])
            .arg(&self.secret)
            .arg("-m")
            .arg(&file)
            .arg("-x")
            .arg(&sig)
            .args(["-t", trusted_comment]));
        std::fs::read_to_string(&sig).expect("signature file")
    }

    /// Signs `bytes` naming the gatherer and version of their own manifest.
    pub fn sign_component(&self, bytes: &[u8]) -> String {
        let manifest = wagather_host::read_manifest(bytes).expect("a manifest to sign for");
        self.sign(
            bytes,
            &format!("gatherer={} version={}", manifest.name, manifest.version),
        )
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.stdin(Stdio::null()).output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `wasm` with `manifest` as its only manifest (the contract's `embed`, what `wagather
/// manifest set` does): the same code declaring another name or version.
pub fn with_manifest(wasm: &[u8], manifest: &Manifest) -> Vec<u8> {
    wagather_contract::embed::set_manifest(wasm, manifest.to_json().as_bytes())
        .expect("set the manifest")
}

/// A listener on 127.0.0.1 that accepts nothing: the port is bound, then closed, so
/// connecting is refused (a source that is down).
pub fn refused_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}
