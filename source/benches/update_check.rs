//! The cost of one update check when nothing changed, against loopback servers:
//! an https conditional GET answered 304 (TLS with a self-signed certificate, a new connection per
//! check as the test server closes each one), an OCI HEAD of an unchanged tag on Debian's
//! docker-registry (plain HTTP), and a local file re-hashed. Run with
//! `cargo bench -p wagather-source --bench update_check`; it writes its figures as data
//! (`wagather-figures`), which `cargo xtask bench` renders into BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use wagather_figures::Harness;
use wagather_source::{FetchOptions, Fetcher, PushOptions, Source, Update, push};

fn unchanged(update: Update) {
    assert!(
        matches!(update, Update::Unchanged(_)),
        "the bench measures unchanged checks"
    );
}

fn main() {
    let mut harness = Harness::from_args(env!("CARGO_PKG_NAME"), "update_check");
    harness.group("update_check", bench);
    harness.finish();
}

fn bench(group: &mut wagather_figures::Group<'_>) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    // https: 304 to If-None-Match.
    let server = rt.block_on(common::HttpsServer::start());
    let body = common::component(1);
    server.set(
        "/g.wasm",
        common::Reply::Body {
            body,
            etag: Some("\"v1\"".into()),
        },
    );
    let fetcher = Fetcher::new(FetchOptions {
        extra_roots_pem: vec![server.cert_pem.clone()],
        ..FetchOptions::default()
    })
    .expect("fetcher");
    let src = Source::new(server.url("/g.wasm").parse().expect("spec"));
    let current = match rt.block_on(fetcher.check(&src, None)).expect("first fetch") {
        Update::New(f) => f.revision,
        Update::Unchanged(_) => unreachable!(),
    };
    group.time(
        "update_check/https_conditional_get_304",
        "an https update check answered 304 Not Modified (a new TLS connection per check)",
        || {
            unchanged(
                rt.block_on(fetcher.check(&src, Some(&current)))
                    .expect("check"),
            )
        },
    );

    // OCI: HEAD of a tag that did not move.
    let reg = common::Registry::start();
    let options = FetchOptions {
        insecure_registries: vec![reg.addr.clone()],
        ..FetchOptions::default()
    };
    let tag = format!("oci://{}/gatherers/bench:v1", reg.addr);
    rt.block_on(push(
        &common::component(2),
        &tag.parse().expect("ref"),
        &PushOptions {
            registry: options.clone(),
            ..PushOptions::default()
        },
    ))
    .expect("push");
    let fetcher = Fetcher::new(options).expect("fetcher");
    let src = Source::new(tag.parse().expect("spec"));
    let current = match rt.block_on(fetcher.check(&src, None)).expect("first pull") {
        Update::New(f) => f.revision,
        Update::Unchanged(_) => unreachable!(),
    };
    group.time(
        "update_check/oci_head_unchanged_tag",
        "an OCI update check: HEAD of a tag that did not move, on a registry over plain HTTP",
        || {
            unchanged(
                rt.block_on(fetcher.check(&src, Some(&current)))
                    .expect("check"),
            )
        },
    );

    // File: read and re-hash.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.wasm");
    std::fs::write(&path, common::component(3)).expect("write");
    let src = Source::new(path.to_str().expect("utf-8 path").parse().expect("spec"));
    let current = match rt.block_on(fetcher.check(&src, None)).expect("first read") {
        Update::New(f) => f.revision,
        Update::Unchanged(_) => unreachable!(),
    };
    group.time(
        "update_check/file_rehash_unchanged",
        "a file update check: the component read and hashed again, unchanged",
        || {
            unchanged(
                rt.block_on(fetcher.check(&src, Some(&current)))
                    .expect("check"),
            )
        },
    );
}
