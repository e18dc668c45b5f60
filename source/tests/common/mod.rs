//! Real parts on loopback for the source tests: an https server with a self-signed certificate
//! whose answers each test scripts (including broken ones), the `minisign` CLI, Debian's
//! `docker-registry`, and small real components.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// How the test server answers one path.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with the body; with an ETag, a matching If-None-Match gets 304.
    Body { body: Vec<u8>, etag: Option<String> },
    /// An empty answer with this status.
    Status(u16),
    /// Announces `declared` bytes, sends `body` (shorter) and closes.
    Truncated { declared: usize, body: Vec<u8> },
    /// Reads the request and never answers.
    Hang,
    /// A chunked body that never ends (bounded at 1 GiB), to see the client stop reading.
    Endless,
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub status: u16,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Reply>,
    seen: Vec<Seen>,
    endless_client_hung_up: bool,
}

/// An https server on 127.0.0.1 with a fresh self-signed certificate.
pub struct HttpsServer {
    pub addr: SocketAddr,
    pub cert_pem: Vec<u8>,
    state: Arc<Mutex<State>>,
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
        tokio::spawn(async move {
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
            .insert(path.to_string(), reply);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn clear_seen(&self) {
        self.state.lock().unwrap().seen.clear();
    }

    pub fn endless_client_hung_up(&self) -> bool {
        self.state.lock().unwrap().endless_client_hung_up
    }
}

async fn serve(mut tls: tokio_rustls::server::TlsStream<TcpStream>, st: Arc<Mutex<State>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 16 << 10 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let inm = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("if-none-match")
            .then(|| v.trim().to_string())
    });
    let reply = st.lock().unwrap().routes.get(&path).cloned();
    let record = |status: u16| {
        st.lock().unwrap().seen.push(Seen {
            path: path.clone(),
            if_none_match: inm.clone(),
            status,
        })
    };
    match reply {
        None => {
            record(404);
            let _ = tls
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        }
        Some(Reply::Body { body, etag }) => {
            if let (Some(e), Some(i)) = (&etag, &inm)
                && e == i
            {
                record(304);
                let _ = tls
                    .write_all(
                        format!(
                            "HTTP/1.1 304 Not Modified\r\netag: {e}\r\nconnection: close\r\n\r\n"
                        )
                        .as_bytes(),
                    )
                    .await;
            } else {
                record(200);
                let etag = etag.map(|e| format!("etag: {e}\r\n")).unwrap_or_default();
                let _ = tls
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n{etag}connection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
                let _ = tls.write_all(&body).await;
            }
        }
        Some(Reply::Status(code)) => {
            record(code);
            let _ = tls
                .write_all(
                    format!(
                        "HTTP/1.1 {code} Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                )
                .await;
        }
        Some(Reply::Truncated { declared, body }) => {
            record(200);
            let _ = tls
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {declared}\r\nconnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                )
                .await;
            let _ = tls.write_all(&body).await;
        }
        Some(Reply::Hang) => {
            record(0);
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
        Some(Reply::Endless) => {
            record(200);
            let _ = tls
                .write_all(
                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
                )
                .await;
            let chunk = vec![b'x'; 64 << 10];
            let framed = [
                format!("{:x}\r\n", chunk.len()).into_bytes(),
                chunk,
                b"\r\n".to_vec(),
            ]
            .concat();
            let mut hung_up = false;
            for _ in 0..(1 << 14) {
                if tls.write_all(&framed).await.is_err() || tls.flush().await.is_err() {
                    hung_up = true;
                    break;
                }
            }
            st.lock().unwrap().endless_client_hung_up = hung_up;
        }
    }
    let _ = tls.shutdown().await;
}

/// A TCP listener that accepts connections and never says a word (not even a TLS handshake).
pub async fn silent_listener() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    addr
}

/// The `minisign` CLI; the tests fail without it, on purpose: CI installs it first.
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
}

impl Keys {
    pub fn generate(dir: &Path, name: &str) -> Keys {
        let keys = Keys {
            public: dir.join(format!("{name}.pub")),
            secret: dir.join(format!("{name}.key")),
        };
        run(Command::new(minisign())
            .args(["-G", "-W", "-f", "-p"])
            .arg(&keys.public)
            .arg("-s")
            .arg(&keys.secret));
        keys
    }

    /// Signs `file` with the CLI, with this trusted comment; returns the .minisig text.
    pub fn sign(&self, file: &Path, trusted_comment: &str) -> String {
        let sig = file.with_extension("cli.minisig");
        run(Command::new(minisign())
            .args(["-S", "-s"])
            .arg(&self.secret)
            .arg("-m")
            .arg(file)
            .arg("-x")
            .arg(&sig)
            .args(["-t", trusted_comment]));
        std::fs::read_to_string(&sig).expect("signature file")
    }

    /// Signs `bytes` (written to a temp file in `dir`).
    pub fn sign_bytes(&self, dir: &Path, bytes: &[u8], trusted_comment: &str) -> String {
        let file = dir.join(format!(
            "tosign-{}.wasm",
            wagather_source::Digest::of(bytes).hex()
        ));
        std::fs::write(&file, bytes).unwrap();
        self.sign(&file, trusted_comment)
    }

    pub fn public_text(&self) -> String {
        std::fs::read_to_string(&self.public).unwrap()
    }
}

pub fn run(cmd: &mut Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A small real component: imports the gatherer contract's kube interface, exports `gather`;
/// `n` changes the code so every version has other bytes.
pub fn component(n: i32) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(component
            (import "wagather:gatherer/kube@0.1.0" (instance))
            (core module $m (func (export "f") (result i32) i32.const {n}))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (export "gather" (func $f))
        )"#
    ))
    .expect("component text")
}

/// Debian's docker-registry (distribution 2.8) on 127.0.0.1, plain HTTP, storage in a temp dir.
pub struct Registry {
    child: Child,
    pub addr: String,
    _dir: tempfile::TempDir,
}

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

impl Registry {
    pub fn start() -> Registry {
        assert!(
            Path::new(REGISTRY_BIN).is_file(),
            "{REGISTRY_BIN} is missing: run source/scripts/install-docker-registry.sh"
        );
        let mut last = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let addr = format!("127.0.0.1:{port}");
            let cfg = dir.path().join("config.yml");
            std::fs::write(
                &cfg,
                format!(
                    "version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp: {{addr: '{addr}', secret: wagather-test}}\n",
                    dir.path().join("data").display()
                ),
            )
            .unwrap();
            let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
            let child = Command::new(REGISTRY_BIN)
                .arg("serve")
                .arg(&cfg)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start docker-registry");
            let mut reg = Registry {
                child,
                addr,
                _dir: dir,
            };
            if reg.wait_ready() {
                return reg;
            }
            last =
                std::fs::read_to_string(reg._dir.path().join("registry.log")).unwrap_or_default();
        }
        panic!("docker-registry did not come up: {last}");
    }

    fn wait_ready(&mut self) -> bool {
        use std::io::{Read as _, Write as _};
        for _ in 0..200 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut s) = std::net::TcpStream::connect(&self.addr) {
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                if out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200") {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
