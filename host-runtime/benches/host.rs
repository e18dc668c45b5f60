//! Host benchmarks: component compile (cold), cached load, instantiation and
//! one whole gather of the cluster-operators example against the bundled
//! snapshot. Run with `cargo bench -p wagather-host --bench host`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use wagather_host::{ApiEndpoint, GatherOptions, Runtime, RuntimeOptions, gather_to_archive};
use wagather_snapshot::{Snapshot, SnapshotServer};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_owned()
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace().join(dir),
        None => workspace().join("target"),
    }
}

/// The release cluster-operators component, built if needed.
fn cluster_operators() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            "cluster-operators",
        ])
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", target_dir())
        .status()
        .expect("run cargo");
    assert!(status.success(), "building cluster-operators failed");
    target_dir().join("wasm32-wasip2/release/cluster_operators.wasm")
}

fn benches(c: &mut Criterion) {
    let component = cluster_operators();
    let bytes = std::fs::read(&component).expect("read component");
    println!(
        "cluster-operators component: {} bytes ({})",
        bytes.len(),
        component.display()
    );

    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let tokio = tokio::runtime::Runtime::new().expect("tokio");

    c.bench_function("compile_cold", |b| {
        b.iter(|| black_box(runtime.compile_uncached(&bytes).expect("compile")))
    });

    // Fills the cache; every later load deserializes.
    let gatherer = runtime.load(&component).expect("load");
    c.bench_function("load_cached", |b| {
        b.iter(|| black_box(runtime.load(&component).expect("load")))
    });

    let snapshot = Arc::new(
        Snapshot::load(&workspace().join("testdata/insights-archive-sample")).expect("snapshot"),
    );
    let (server, api) = tokio.block_on(async {
        let server = SnapshotServer::start(snapshot, ([127, 0, 0, 1], 0).into())
            .await
            .expect("server");
        let api = ApiEndpoint::Server(server.url())
            .client()
            .await
            .expect("client");
        (server, api)
    });

    c.bench_function("instantiate", |b| {
        b.iter(|| {
            tokio
                .block_on(runtime.instantiate(&gatherer, &api))
                .expect("instantiate")
        })
    });

    let out = tempfile::tempdir().expect("tempdir");
    let options = GatherOptions::default();
    let run = AtomicUsize::new(0);
    let sources = vec![component.clone()];
    c.bench_function("gather_cluster_operators", |b| {
        b.iter(|| {
            // Archives are named by the second; one directory per iteration
            // keeps them from colliding.
            let dir = out
                .path()
                .join(run.fetch_add(1, Ordering::Relaxed).to_string());
            let summary = tokio
                .block_on(gather_to_archive(&runtime, &sources, &api, &options, &dir))
                .expect("gather");
            assert_eq!(
                summary.reports[0].records_count, 31,
                "{:?}",
                summary.reports[0].errors
            );
        })
    });

    tokio.block_on(server.shutdown());
}

criterion_group! {
    name = host;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(host);
