//! Criterion benchmarks of the host's fixed costs, with the real host library and real
//! components built by cargo:
//!
//! - `load/*`: compiling the cluster-operators component cold, and loading it from the host's
//!   compiled-artifact cache (`Runtime::load`: read, sha256, manifest, deserialize, InstancePre);
//! - `instantiate/*`: one instantiation through the host's `InstancePre`
//!   (`Runtime::instantiate`), and through engines configured with the on-demand or the pooling
//!   instance allocator, with and without copy-on-write memory images (imports stubbed, the
//!   component deserialized from a file as the host's cache does);
//! - `roundtrip/*`: one `kube.http-request` guest -> host -> guest with a 1 KiB, 100 KiB and
//!   10 MiB body from the snapshot server on loopback (`wasm`), and the same request made by the
//!   host natively with the same `kube::Client` (`native`).
//! - `work/*`: the cluster-operators gather's own work, its list response served from memory
//!   (no network, no policy): as a guest in an engine like the host's, with epoch interruption,
//!   the deadline's mechanism (`wasm`); in one without it (`wasm_no_epoch`, where a guest that
//!   loops could not be stopped: what the deadline costs); and natively, the same decoding and
//!   records in the host process (`native`).
//!
//! `cargo bench -p wagather-bench --bench micro`; `cargo test -p wagather-bench --benches` runs
//! each once (quick mode).

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use wagather_bench::{ECHO_GUEST, build_guests, data, native};
use wagather_host::limits::Limits;
use wagather_host::{ApiEndpoint, LoadedGatherer, Runtime, RuntimeOptions};
use wagather_snapshot::{Snapshot, SnapshotServer};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

/// An engine like the host's (component model, epoch interruption) with the allocator and
/// memory-image settings under test.
fn engine(pooling: bool, cow: bool) -> Engine {
    engine_with(pooling, cow, true)
}

fn engine_with(pooling: bool, cow: bool, epoch: bool) -> Engine {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(epoch);
    config.memory_init_cow(cow);
    if pooling {
        // Sized for a host running a handful of gatherers at once, with the host's default
        // memory limit per gatherer (256 MiB).
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(16)
            .total_core_instances(16 * 8)
            .total_memories(16 * 4)
            .total_tables(16 * 8)
            .total_stacks(16)
            .max_memory_size(256 << 20);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).expect("engine")
}

/// Instantiation through an InstancePre of `engine`, the component loaded from a serialized
/// file (so memory images can be mapped copy-on-write).
fn bench_instantiate_with(
    c: &mut Criterion,
    name: &str,
    engine: &Engine,
    bytes: &[u8],
    dir: &Path,
) {
    let compiled = Component::new(engine, bytes).expect("compile");
    let file = dir.join(format!("{name}.cwasm"));
    std::fs::write(&file, compiled.serialize().expect("serialize")).expect("write cwasm");
    #[allow(
        unsafe_code,
        reason = "the file was serialized by this engine a moment ago, in a private temp dir"
    )]
    // SAFETY: see the reason above.
    let component = unsafe { Component::deserialize_file(engine, &file) }.expect("deserialize");
    let mut linker: Linker<()> = Linker::new(engine);
    linker
        .define_unknown_imports_as_traps(&component)
        .expect("stub imports");
    let pre = linker.instantiate_pre(&component).expect("instantiate_pre");
    c.bench_function(&format!("instantiate/{name}"), |b| {
        b.iter(|| {
            let mut store = Store::new(engine, ());
            store.set_epoch_deadline(u64::MAX / 2);
            black_box(pre.instantiate(&mut store).expect("instantiate"));
        })
    });
}

/// The gatherer world, for running a guest without the host: `work/*` serves its requests from
/// memory.
mod world {
    wasmtime::component::bindgen!({ path: "../wit", world: "gatherer" });
}

/// A store's state for `work/*`: WASI with nothing granted, one response body, and the
/// records the guest wrote (counted and dropped).
struct Served {
    wasi: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
    body: Arc<Vec<u8>>,
    records: usize,
}

impl wasmtime_wasi::WasiView for Served {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl world::wagather::gatherer::kube::Host for Served {
    fn http_request(
        &mut self,
        _: world::wagather::gatherer::kube::Request,
    ) -> Result<world::wagather::gatherer::kube::Response, world::wagather::gatherer::kube::Error>
    {
        Ok(world::wagather::gatherer::kube::Response {
            status: 200,
            headers: Vec::new(),
            body: self.body.to_vec(),
        })
    }
}

impl world::wagather::gatherer::output::Host for Served {
    fn write_record(
        &mut self,
        _: String,
        _: world::wagather::gatherer::output::RecordFormat,
        data: Vec<u8>,
    ) -> Result<(), world::wagather::gatherer::output::RecordError> {
        black_box(data);
        self.records += 1;
        Ok(())
    }

    fn report_error(&mut self, error: world::wagather::gatherer::output::GatherError) {
        panic!("the gatherer reported {error:?}");
    }
}

/// The list response cluster-operators gets in the suite: the 31 ClusterOperators of the
/// bundled Insights sample, as the snapshot server serves them.
fn cluster_operator_list(tokio: &tokio::runtime::Runtime) -> Vec<u8> {
    let sample = wagather_bench::workspace().join("testdata/insights-archive-sample");
    let snapshot = Arc::new(Snapshot::load(&sample).expect("loading the sample"));
    tokio.block_on(async {
        let server = SnapshotServer::start(snapshot, ([127, 0, 0, 1], 0).into())
            .await
            .expect("sample server");
        let api = ApiEndpoint::Server(server.url())
            .client()
            .await
            .expect("client");
        let path = "/apis/config.openshift.io/v1/clusteroperators?limit=500";
        let body = native::fetch(&api, path).await.expect("list");
        server.shutdown().await;
        body
    })
}

/// `work/<name>`: one run of `component` (instantiation and the `gather` call) in `engine`, its
/// requests answered with `body`.
fn bench_gather_in(
    c: &mut Criterion,
    name: &str,
    engine: &Engine,
    bytes: &[u8],
    body: &Arc<Vec<u8>>,
) {
    let component = Component::new(engine, bytes).expect("compile");
    let mut linker: Linker<Served> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("link WASI");
    world::Gatherer::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut linker, |s| s)
        .expect("link kube");
    let pre = world::GathererPre::new(linker.instantiate_pre(&component).expect("pre"))
        .expect("gatherer pre");
    c.bench_function(&format!("work/{name}"), |b| {
        b.iter(|| {
            let mut store = Store::new(
                engine,
                Served {
                    wasi: wasmtime_wasi::WasiCtx::builder().build(),
                    table: wasmtime::component::ResourceTable::new(),
                    body: body.clone(),
                    records: 0,
                },
            );
            store.set_epoch_deadline(u64::MAX / 2);
            let gatherer = pre.instantiate(&mut store).expect("instantiate");
            let output = gatherer.call_gather(&mut store, &[]).expect("gather");
            assert!(output.is_ok(), "{output:?}");
            assert_eq!(store.data().records, 31);
            black_box(output)
        })
    });
}

struct Loopback {
    tokio: tokio::runtime::Runtime,
    server: SnapshotServer,
    api: kube::Client,
    _dir: tempfile::TempDir,
}

fn loopback() -> Loopback {
    let dir = tempfile::tempdir().expect("tempdir");
    data::write_echo_bodies(dir.path()).expect("write bodies");
    let snapshot = Arc::new(Snapshot::load(dir.path()).expect("snapshot"));
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
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
    Loopback {
        tokio,
        server,
        api,
        _dir: dir,
    }
}

/// Limits that never stop a benchmark run; criterion decides how many requests one run makes.
fn unlimited() -> Limits {
    Limits {
        deadline: Duration::from_secs(600),
        max_requests: u32::MAX,
        max_total_response_bytes: u64::MAX,
        ..Limits::default()
    }
}

fn run_echo(
    net: &Loopback,
    runtime: &Runtime,
    echo: &LoadedGatherer,
    path: &str,
    count: u64,
) -> Duration {
    let config = vec![
        ("mode".to_owned(), "echo".to_owned()),
        ("path".to_owned(), path.to_owned()),
        ("count".to_owned(), count.to_string()),
    ];
    let started = Instant::now();
    let (report, _) = net.tokio.block_on(wagather_bench::run(
        runtime,
        echo,
        &net.api,
        &unlimited(),
        &config,
    ));
    let elapsed = started.elapsed();
    assert_eq!(u64::from(report.metrics.api_calls), count);
    elapsed
}

fn benches(c: &mut Criterion) {
    let guests = build_guests(&["cluster-operators", ECHO_GUEST]).expect("build guests");
    let (operators, echo_path) = (&guests[0], &guests[1]);
    let bytes = std::fs::read(operators).expect("read component");

    // Loading.
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let uncached = Runtime::new(RuntimeOptions {
        cache_dir: None,
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    c.bench_function("load/compile_cold", |b| {
        b.iter(|| black_box(uncached.compile(&bytes).expect("compile")))
    });
    // The first load fills the cache; every later one deserializes.
    let gatherer = runtime.load(operators).expect("load");
    c.bench_function("load/cached", |b| {
        b.iter(|| black_box(runtime.load(operators).expect("load")))
    });

    // Instantiation.
    let net = loopback();
    c.bench_function("instantiate/host", |b| {
        b.iter(|| {
            net.tokio
                .block_on(runtime.instantiate(&gatherer, &net.api))
                .expect("instantiate")
        })
    });
    let cwasm = tempfile::tempdir().expect("tempdir");
    for (name, pooling, cow) in [
        ("ondemand_cow", false, true),
        ("ondemand_nocow", false, false),
        ("pooling_cow", true, true),
        ("pooling_nocow", true, false),
    ] {
        bench_instantiate_with(c, name, &engine(pooling, cow), &bytes, cwasm.path());
    }

    // Round trips.
    let echo = runtime.load(echo_path).expect("load bench-echo");
    for (size, _) in data::ECHO_SIZES {
        let path = data::echo_path(size);
        c.bench_function(&format!("roundtrip/wasm/{size}"), |b| {
            b.iter_custom(|iters| {
                // A run with no requests first: instantiation and the call itself are not part
                // of a round trip.
                let fixed = run_echo(&net, &runtime, &echo, &path, 0);
                let total = run_echo(&net, &runtime, &echo, &path, iters);
                total.saturating_sub(fixed)
            })
        });
        c.bench_function(&format!("roundtrip/native/{size}"), |b| {
            b.iter_custom(|iters| {
                net.tokio.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iters {
                        black_box(native::fetch(&net.api, &path).await.expect("fetch"));
                    }
                    started.elapsed()
                })
            })
        });
    }

    // The gather's own work: in the guest with and without epoch checks, and natively.
    let list = Arc::new(cluster_operator_list(&net.tokio));
    for (name, epoch) in [("wasm", true), ("wasm_no_epoch", false)] {
        bench_gather_in(c, name, &engine_with(true, true, epoch), &bytes, &list);
    }
    c.bench_function("work/native", |b| {
        b.iter(|| {
            let records = native::cluster_operators_from(&list).expect("native records");
            assert_eq!(records.len(), 31);
            black_box(records)
        })
    });

    let Loopback { tokio, server, .. } = net;
    tokio.block_on(server.shutdown());
}

criterion_group! {
    name = micro;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(micro);
