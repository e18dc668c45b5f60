//! Update checks against a real https server on loopback with a self-signed certificate that the
//! fetcher trusts through its configuration.

mod common;

use std::time::Duration;

use common::{HttpsServer, Reply};
use wagather_source::{
    Cause, Digest, FetchOptions, Fetcher, Revision, SignatureMode, Source, SourceSpec, Stage,
    Update,
};

/// Options trusting `server_pem` (none when empty: the listener under test never gets as far
/// as showing a certificate).
fn options(server_pem: &[u8]) -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_secs(10),
        max_bytes: 1 << 20,
        extra_roots_pem: if server_pem.is_empty() {
            Vec::new()
        } else {
            vec![server_pem.to_vec()]
        },
        ..FetchOptions::default()
    }
}

fn source(url: &str) -> Source {
    Source::new(url.parse::<SourceSpec>().expect("source spec"))
}

fn new(update: Update) -> wagather_source::Fetched {
    match update {
        Update::New(f) => f,
        Update::Unchanged(r) => panic!("expected new bytes, got unchanged {r:?}"),
    }
}

#[tokio::test]
async fn v1_then_unchanged_by_etag_then_v2() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(options(&server.cert_pem)).unwrap();
    let src = source(&server.url("/g.wasm"));
    server.set(
        "/g.wasm",
        Reply::Body {
            body: b"version 1".to_vec(),
            etag: Some("\"v1\"".into()),
        },
    );

    let v1 = new(fetcher.check(&src, None).await.unwrap());
    assert_eq!(v1.bytes, b"version 1");
    assert_eq!(v1.revision.digest, Digest::of(b"version 1"));
    assert_eq!(v1.revision.etag.as_deref(), Some("\"v1\""));
    assert_eq!(v1.signature, None, "signatures were not asked for");

    server.clear_seen();
    let again = fetcher.check(&src, Some(&v1.revision)).await.unwrap();
    let Update::Unchanged(rev) = again else {
        panic!("expected unchanged, got {again:?}")
    };
    assert_eq!(rev, v1.revision);
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].if_none_match.as_deref(),
        Some("\"v1\""),
        "conditional request"
    );
    assert_eq!(seen[0].status, 304);

    server.set(
        "/g.wasm",
        Reply::Body {
            body: b"version 2".to_vec(),
            etag: Some("\"v2\"".into()),
        },
    );
    let v2 = new(fetcher.check(&src, Some(&v1.revision)).await.unwrap());
    assert_eq!(v2.bytes, b"version 2");
    assert_eq!(v2.revision.etag.as_deref(), Some("\"v2\""));
}

#[tokio::test]
async fn without_etag_same_bytes_are_unchanged() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(options(&server.cert_pem)).unwrap();
    let src = source(&server.url("/plain.wasm"));
    server.set(
        "/plain.wasm",
        Reply::Body {
            body: b"same".to_vec(),
            etag: None,
        },
    );
    let first = new(fetcher.check(&src, None).await.unwrap());
    server.clear_seen();
    let again = fetcher.check(&src, Some(&first.revision)).await.unwrap();
    assert!(
        matches!(again, Update::Unchanged(ref r) if r.digest == Digest::of(b"same")),
        "{again:?}"
    );
    assert_eq!(server.seen()[0].if_none_match, None);
}

#[tokio::test]
async fn pinned_url_accepts_only_its_bytes_and_skips_the_network_once_running() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(options(&server.cert_pem)).unwrap();
    server.set(
        "/g.wasm",
        Reply::Body {
            body: b"pinned".to_vec(),
            etag: None,
        },
    );
    let pin = Digest::of(b"pinned");
    let src = source(&format!("{}#{pin}", server.url("/g.wasm")));
    let got = new(fetcher.check(&src, None).await.unwrap());
    assert_eq!(got.revision.digest, pin);

    server.clear_seen();
    let again = fetcher.check(&src, Some(&got.revision)).await.unwrap();
    assert!(matches!(again, Update::Unchanged(_)));
    assert!(
        server.seen().is_empty(),
        "a running pinned version needs no request"
    );

    let wrong = source(&format!(
        "{}#{}",
        server.url("/g.wasm"),
        Digest::of(b"other")
    ));
    let err = fetcher.check(&wrong, None).await.unwrap_err();
    eprintln!("{err}");
    assert_eq!(err.stage, Stage::Digest, "{err}");
    assert!(
        matches!(err.cause, Cause::PinMismatch { actual, .. } if actual == pin),
        "{err}"
    );
    assert!(err.to_string().contains("pinned to sha256:"), "{err}");
}

#[tokio::test]
async fn truncated_download_is_a_fetch_error() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(options(&server.cert_pem)).unwrap();
    server.set(
        "/g.wasm",
        Reply::Truncated {
            declared: 1000,
            body: vec![7; 400],
        },
    );
    let err = fetcher
        .check(&source(&server.url("/g.wasm")), None)
        .await
        .unwrap_err();
    eprintln!("{err}");
    assert_eq!(err.stage, Stage::Fetch, "{err}");
    assert!(
        matches!(err.cause, Cause::Truncated { expected: 1000, received } if received <= 400),
        "{err}"
    );
}

#[tokio::test]
async fn server_error_is_a_fetch_error_naming_the_status() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(options(&server.cert_pem)).unwrap();
    server.set("/g.wasm", Reply::Status(500));
    let url = server.url("/g.wasm");
    let err = fetcher.check(&source(&url), None).await.unwrap_err();
    eprintln!("{err}");
    assert_eq!(err.stage, Stage::Fetch);
    assert!(
        matches!(err.cause, Cause::Status { status: 500, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("{url}: fetch: {url} answered HTTP 500")
    );
}

#[tokio::test]
async fn server_that_never_answers_times_out() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(options(&server.cert_pem)).unwrap();
    server.set("/g.wasm", Reply::Hang);
    let err = fetcher
        .check(&source(&server.url("/g.wasm")), None)
        .await
        .unwrap_err();
    eprintln!("{err}");
    assert_eq!(err.stage, Stage::Fetch);
    assert!(matches!(err.cause, Cause::Timeout(_)), "{err}");
}

#[tokio::test]
async fn listener_that_never_handshakes_times_out() {
    let addr = common::silent_listener().await;
    let fetcher = Fetcher::new(options(&[])).unwrap();
    let err = fetcher
        .check(
            &source(&format!("https://127.0.0.1:{}/g.wasm", addr.port())),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.stage, Stage::Fetch);
    assert!(matches!(err.cause, Cause::Timeout(_)), "{err}");
}

#[tokio::test]
async fn announced_size_over_the_cap_is_refused_before_reading() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(FetchOptions {
        max_bytes: 1000,
        ..options(&server.cert_pem)
    })
    .unwrap();
    server.set(
        "/g.wasm",
        Reply::Body {
            body: vec![1; 1001],
            etag: None,
        },
    );
    let url = server.url("/g.wasm");
    let err = fetcher.check(&source(&url), None).await.unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(
            err.cause,
            Cause::TooLarge {
                cap: 1000,
                announced: Some(1001)
            }
        ),
        "{err}"
    );
    assert_eq!(err.stage, Stage::Fetch);
}

#[tokio::test]
async fn endless_body_is_refused_while_streaming() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(FetchOptions {
        max_bytes: 1 << 20,
        ..options(&server.cert_pem)
    })
    .unwrap();
    server.set("/g.wasm", Reply::Endless);
    let url = server.url("/g.wasm");
    let err = fetcher.check(&source(&url), None).await.unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(err.cause, Cause::TooLarge { cap, announced: None } if cap == 1 << 20),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("{url}: fetch: the response is larger than the 1 MiB cap")
    );
    // The server's writer stops because the client hung up, not because it ran out: the client
    // read about a megabyte of an endless body and dropped the connection.
    for _ in 0..200 {
        if server.endless_client_hung_up() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the client kept the endless response open");
}

#[tokio::test]
async fn untrusted_certificate_is_refused() {
    let server = HttpsServer::start().await;
    server.set(
        "/g.wasm",
        Reply::Body {
            body: b"x".to_vec(),
            etag: None,
        },
    );
    let fetcher = Fetcher::new(FetchOptions {
        extra_roots_pem: vec![],
        ..options(&[])
    })
    .unwrap();
    let err = fetcher
        .check(&source(&server.url("/g.wasm")), None)
        .await
        .unwrap_err();
    eprintln!("{err}");
    assert_eq!(err.stage, Stage::Fetch);
    assert!(matches!(err.cause, Cause::Transport(_)), "{err}");
    assert!(
        server.seen().is_empty(),
        "no request may reach an unverified server"
    );
}

#[tokio::test]
async fn signature_travels_as_url_dot_minisig() {
    let server = HttpsServer::start().await;
    let fetcher = Fetcher::new(options(&server.cert_pem)).unwrap();
    server.set(
        "/g.wasm",
        Reply::Body {
            body: b"signed".to_vec(),
            etag: None,
        },
    );
    let mut src = source(&server.url("/g.wasm"));
    src.signatures = SignatureMode::IfPresent;
    let got = new(fetcher.check(&src, None).await.unwrap());
    assert_eq!(got.signature, None, "404 on the signature means unsigned");
    assert_eq!(got.signature_location, server.url("/g.wasm.minisig"));

    server.set(
        "/g.wasm.minisig",
        Reply::Body {
            body: b"untrusted comment: x\n".to_vec(),
            etag: None,
        },
    );
    let got = new(fetcher.check(&src, None).await.unwrap());
    assert_eq!(got.signature.as_deref(), Some("untrusted comment: x\n"));

    server.set("/g.wasm.minisig", Reply::Status(503));
    let err = fetcher.check(&src, None).await.unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(err.cause, Cause::Status { status: 503, .. }),
        "an outage is not 'unsigned': {err}"
    );
}

#[tokio::test]
async fn file_source_is_compared_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.wasm");
    std::fs::write(&path, b"one").unwrap();
    let fetcher = Fetcher::new(FetchOptions::default()).unwrap();
    let mut src = source(path.to_str().unwrap());
    src.signatures = SignatureMode::Required;
    let one = new(fetcher.check(&src, None).await.unwrap());
    assert_eq!(one.signature, None);
    assert!(matches!(
        fetcher.check(&src, Some(&one.revision)).await.unwrap(),
        Update::Unchanged(_)
    ));
    std::fs::write(&path, b"two").unwrap();
    std::fs::write(dir.path().join("g.wasm.minisig"), b"sig").unwrap();
    let two = new(fetcher.check(&src, Some(&one.revision)).await.unwrap());
    assert_eq!(two.bytes, b"two");
    assert_eq!(two.signature.as_deref(), Some("sig"));

    let small = Fetcher::new(FetchOptions {
        max_bytes: 2,
        ..FetchOptions::default()
    })
    .unwrap();
    let err = small.check(&src, None).await.unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err.cause, Cause::TooLarge { cap: 2, .. }), "{err}");
    let missing = source(dir.path().join("nope.wasm").to_str().unwrap());
    let err = fetcher.check(&missing, None).await.unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(err.cause, Cause::Io { .. }) && err.to_string().contains("nope.wasm"),
        "{err}"
    );
    let _ = Revision::of_digest(Digest::of(b""));
}
