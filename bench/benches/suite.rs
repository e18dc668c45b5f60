//! The whole-gather part of the benchmark suite (a bench binary, not criterion: it compares two
//! implementations in the same run, reads numbers the guest measured itself, and measures whole
//! host processes).
//!
//! 1. Component size of each example gatherer (release), and after `wasm-opt -Oz` when
//!    binaryen is installed and can read it.
//! 2. End to end against the same loopback snapshot server: `cluster-operators` (31 objects of
//!    the bundled Insights sample) and `pod-inventory` (a generated snapshot of 10,000 pods) as
//!    wasm guests in the host, against their native twins (`wagather_bench::native`) in the
//!    same process, rounds interleaved. The records of both must be identical.
//! 3. Decoding the 10,000-pod list inside the guest (timed by the guest) against the same
//!    decoding natively, typed (`k8s_openapi` `Pod`) and slim (only what a summary reads).
//! 4. Peak resident memory (`VmHWM`) of a host process (this binary again, as a child) that
//!    runs one gather of each size against the same snapshot server.
//!
//! The snapshot servers run in child processes (this binary again), apart from the gathers.
//!
//! `cargo bench -p wagather-bench --bench suite` writes
//! `$CARGO_TARGET_DIR/wagather-bench/suite.json`; without `--bench` (as under
//! `cargo test --benches`) it runs in quick mode: 500 pods, one round, same checks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wagather_bench::stats::{Budget, Figure, SuiteResults, Summary};
use wagather_bench::{
    ECHO_GUEST, build_guests, build_guests_in, data, native, peak_rss, target_dir, workspace,
};
use wagather_host::Record;
use wagather_host::limits::Limits;
use wagather_host::{
    ApiEndpoint, GatherOptions, LoadedGatherer, Runtime, RuntimeOptions, gather_to_archive,
};
use wagather_snapshot::{Snapshot, SnapshotServer};

/// What cluster-operators gathers in the suite.
const SAMPLE_INPUT: &str = "31 ClusterOperators of the Insights sample";

/// Largest acceptable wasm / native time of the same gather.
const RATIO_BUDGET: f64 = 1.15;
/// Largest acceptable release component of `cluster-operators`, in KB (1000 bytes).
const SIZE_BUDGET_KB: f64 = 150.0;

struct Settings {
    quick: bool,
    pods: usize,
    rounds: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--child-gather") => return child_gather(&args[2..]),
        Some("--child-serve") => return child_serve(&args[2..]),
        _ => {}
    }
    let quick = !args.iter().any(|a| a == "--bench");
    let settings = Settings {
        quick,
        pods: if quick { 500 } else { 10_000 },
        rounds: if quick { 1 } else { 15 },
    };
    let mut results = SuiteResults {
        quick,
        ..SuiteResults::default()
    };
    let guests = build_guests(&["cluster-operators", "pod-inventory", ECHO_GUEST])
        .expect("building the guests");
    sizes(&guests[..2], &mut results);
    gathers(&settings, &guests, &mut results);

    print(&results);
    let file = target_dir().join(if quick {
        "wagather-bench/suite-quick.json"
    } else {
        "wagather-bench/suite.json"
    });
    results.write(&file).expect("writing the results");
    println!("results written to {}", file.display());
}

fn print(results: &SuiteResults) {
    for figure in &results.figures {
        let verdict = match figure.met() {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        };
        println!(
            "{:<40} {:>12.3} {:<4} [{:.3} .. {:.3}, n={}] {}",
            figure.id,
            figure.value.median,
            figure.unit,
            figure.value.min,
            figure.value.max,
            figure.value.samples,
            verdict
        );
    }
    for note in &results.notes {
        println!("note: {note}");
    }
}

fn figure(id: &str, what: &str, unit: &str, value: Summary) -> Figure {
    Figure {
        id: id.to_owned(),
        what: what.to_owned(),
        unit: unit.to_owned(),
        value,
        budget: None,
        note: None,
    }
}

/// 1. Component sizes.
fn sizes(guests: &[PathBuf], results: &mut SuiteResults) {
    let wasm_opt = which("wasm-opt");
    for (package, path) in ["cluster-operators", "pod-inventory"].iter().zip(guests) {
        let bytes = std::fs::metadata(path).expect("component").len();
        let mut size = figure(
            &format!("size/{package}"),
            &format!("{package} component, release (opt-level 3, LTO, strip)"),
            "KB",
            Summary::exact(bytes as f64 / 1000.0),
        );
        if *package == "cluster-operators" {
            size.budget = Some(Budget {
                at_most: SIZE_BUDGET_KB,
            });
        }
        results.figures.push(size);
        // binaryen cannot read components (see the note below), so the largest core module
        // (the gatherer's own code; the rest are WASI adapter shims) is measured on its own.
        let component = std::fs::read(path).expect("component");
        let core = largest_core_module(&component);
        results.figures.push(figure(
            &format!("size/{package}/core-module"),
            &format!("{package}: its largest core module, as embedded in the component"),
            "KB",
            Summary::exact(core.len() as f64 / 1000.0),
        ));
        let Some(wasm_opt) = &wasm_opt else {
            results
                .notes
                .push(format!("{package}: wasm-opt not installed; no -Oz size"));
            continue;
        };
        let out = tempfile::NamedTempFile::new().expect("temp file");
        let run = Command::new(wasm_opt)
            .args(["-Oz", "--all-features"])
            .arg(path)
            .arg("-o")
            .arg(out.path())
            .output()
            .expect("running wasm-opt");
        if !run.status.success() {
            let stderr = String::from_utf8_lossy(&run.stderr);
            let first = stderr.lines().next().unwrap_or("no message");
            results.notes.push(format!(
                "{package}: wasm-opt -Oz refused the component ({first}); binaryen's wasm-opt reads \
                 core modules, not components, so only the core module is optimized below"
            ));
        }
        let module = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(module.path(), &core).expect("writing the core module");
        let run = Command::new(wasm_opt)
            .args(["-Oz", "--all-features"])
            .arg(module.path())
            .arg("-o")
            .arg(out.path())
            .output()
            .expect("running wasm-opt");
        if run.status.success() {
            let optimized = std::fs::metadata(out.path())
                .expect("wasm-opt output")
                .len();
            results.figures.push(figure(
                &format!("size/{package}/core-module/wasm-opt"),
                &format!("{package}: that core module after wasm-opt -Oz"),
                "KB",
                Summary::exact(optimized as f64 / 1000.0),
            ));
        } else {
            let stderr = String::from_utf8_lossy(&run.stderr);
            let first = stderr.lines().next().unwrap_or("no message");
            results.notes.push(format!(
                "{package}: wasm-opt -Oz failed on the core module too ({first})"
            ));
        }
    }
}

/// The largest core module nested in `component`.
fn largest_core_module(component: &[u8]) -> Vec<u8> {
    let mut largest: &[u8] = &[];
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        if let wasmparser::Payload::ModuleSection {
            unchecked_range, ..
        } = payload.expect("valid component")
            && unchecked_range.len() > largest.len()
        {
            largest = &component[unchecked_range];
        }
    }
    largest.to_vec()
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// A snapshot server in a child process (this binary again), and a client of it.
///
/// The server runs apart from the measured gathers, as a cluster's API server does: sharing the
/// process (and its allocator) with a server holding 10,000 pods slowed the native twins by more
/// than half, and not the guests, which have a heap of their own.
struct Server {
    child: std::process::Child,
    url: String,
    api: kube::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        // A benchmark's server has nothing to flush; a child whose parent dies without this sees
        // its stdin close and stops too.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a child serving `what` (`sample`, or `pods <count>`) and connects to it.
fn serve(tokio: &tokio::runtime::Runtime, what: &[&str]) -> Server {
    use std::io::BufRead as _;
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .arg("--child-serve")
        .args(what)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starting the snapshot server process");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("child stdout"))
        .read_line(&mut line)
        .expect("reading the server's URL");
    let url = line
        .trim()
        .strip_prefix("serving ")
        .unwrap_or_else(|| panic!("the snapshot server process said {line:?}"))
        .to_owned();
    let api = tokio
        .block_on(ApiEndpoint::Server(url.clone()).client())
        .expect("client");
    Server { child, url, api }
}

/// The child side of [`serve`]: serves the snapshot, prints `serving <url>`, and stops when its
/// stdin closes.
fn child_serve(args: &[String]) {
    let pods_dir = tempfile::tempdir().expect("tempdir");
    let root = match args {
        [what] if what == "sample" => workspace().join("testdata/insights-archive-sample"),
        [what, count] if what == "pods" => {
            let count = count.parse().expect("pod count");
            data::write_pods(pods_dir.path(), count, 100).expect("writing pods");
            pods_dir.path().to_owned()
        }
        _ => panic!("usage: --child-serve sample | pods <count>"),
    };
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let snapshot = Arc::new(Snapshot::load(&root).expect("loading the snapshot"));
    let server = tokio
        .block_on(SnapshotServer::start(snapshot, ([127, 0, 0, 1], 0).into()))
        .expect("starting the snapshot server");
    println!("serving {}", server.url());
    // Serve until the parent closes stdin (or exits).
    std::io::copy(&mut std::io::stdin(), &mut std::io::sink()).expect("stdin");
    tokio.block_on(server.shutdown());
}

/// Names and bytes, the part of a record both sides must agree on.
fn comparable(records: &[Record]) -> Vec<(String, Vec<u8>)> {
    records
        .iter()
        .map(|r| (r.name.clone(), r.data.clone()))
        .collect()
}

fn sdk_comparable(records: &[wagather_sdk::Record]) -> Vec<(String, Vec<u8>)> {
    records
        .iter()
        .map(|r| (r.name.clone(), r.data.clone()))
        .collect()
}

fn gathers(settings: &Settings, guests: &[PathBuf], results: &mut SuiteResults) {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let sample = serve(&tokio, &["sample"]);
    let pods = serve(&tokio, &["pods", &settings.pods.to_string()]);
    let label = format!("{} pods in 100 namespaces", settings.pods);

    // 2a. cluster-operators against the bundled Insights sample, 2b. pod-inventory against
    // generated pods, 3. decoding inside the guest; for `guests` (cluster-operators,
    // pod-inventory, bench-echo) built one way, `suffix` naming the build in figure ids.
    let measure = |guests: &[PathBuf], suffix: &str, results: &mut SuiteResults| {
        let load = |path: &PathBuf| {
            runtime
                .load(path)
                .unwrap_or_else(|e| panic!("loading {}: {e}", path.display()))
        };
        compare(
            settings,
            &tokio,
            &runtime,
            &load(&guests[0]),
            &sample.api,
            &format!("cluster-operators{suffix}"),
            SAMPLE_INPUT,
            |api| Box::pin(native::cluster_operators(api)),
            results,
        );
        compare(
            settings,
            &tokio,
            &runtime,
            &load(&guests[1]),
            &pods.api,
            &format!("pod-inventory{suffix}"),
            &label,
            |api| Box::pin(native::pod_inventory(api)),
            results,
        );
        decoding(
            settings,
            &tokio,
            &runtime,
            &load(&guests[2]),
            &pods.api,
            suffix,
            results,
        );
    };
    measure(guests, "", results);

    // 3b. The trade-off behind the release profile's opt-level 3: the same guests built for
    // size (opt-level "s"), their sizes and speed (full runs only: a second build of the guests).
    if !settings.quick {
        let small = build_guests_in(
            &target_dir().join("wagather-bench/opt-level-s"),
            &["--config", "profile.release.opt-level=\"s\""],
            &["cluster-operators", "pod-inventory", ECHO_GUEST],
        )
        .expect("building the opt-level s guests");
        for (package, path) in ["cluster-operators", "pod-inventory"].iter().zip(&small) {
            let bytes = std::fs::metadata(path).expect("component").len();
            results.figures.push(figure(
                &format!("size/{package}/opt-level-s"),
                &format!("{package} component built with opt-level \"s\" (LTO, strip)"),
                "KB",
                Summary::exact(bytes as f64 / 1000.0),
            ));
        }
        measure(&small, "-opt-level-s", results);
    }

    // 4. Peak memory of a host process.
    for (id, component, server, what) in [
        (
            "memory/cluster-operators",
            &guests[0],
            &sample,
            "31 ClusterOperators".to_owned(),
        ),
        (
            "memory/pod-inventory",
            &guests[1],
            &pods,
            format!("{} pods", settings.pods),
        ),
    ] {
        let samples: Vec<f64> = (0..settings.rounds.min(3))
            .map(|_| child_peak(component, &server.url, cache.path()))
            .collect();
        let mut f = figure(
            id,
            &format!("peak RSS of a host process gathering {what} (VmHWM)"),
            "MiB",
            Summary::of(&samples).expect("memory samples"),
        );
        f.note = Some(
            "whole `wagather`-like process: runtime, kube client, one gather_to_archive, \
             component loaded from the compiled-artifact cache"
                .to_owned(),
        );
        results.figures.push(f);
    }
}

type NativeFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<Vec<wagather_sdk::Record>, wagather_bench::BenchError>,
            > + 'a,
    >,
>;

#[allow(
    clippy::too_many_arguments,
    reason = "one call site per measured gatherer"
)]
fn compare(
    settings: &Settings,
    tokio: &tokio::runtime::Runtime,
    runtime: &Runtime,
    gatherer: &LoadedGatherer,
    api: &kube::Client,
    name: &str,
    input: &str,
    native_twin: impl for<'a> Fn(&'a kube::Client) -> NativeFuture<'a>,
    results: &mut SuiteResults,
) {
    let limits = Limits::default();
    let wasm_run = || {
        let started = Instant::now();
        let (_, records) =
            tokio.block_on(wagather_bench::run(runtime, gatherer, api, &limits, &[]));
        (started.elapsed(), records)
    };
    let native_run = || {
        let started = Instant::now();
        let records = tokio
            .block_on(native_twin(api))
            .unwrap_or_else(|e| panic!("{name} (native) failed: {e}"));
        (started.elapsed(), records)
    };
    // Warm up both (connections, caches) and check that they agree.
    let (_, wasm_records) = wasm_run();
    let (_, native_records) = native_run();
    assert!(!wasm_records.is_empty(), "{name} wrote no records");
    assert!(
        comparable(&wasm_records) == sdk_comparable(&native_records),
        "{name}: the wasm and native gatherers wrote different records"
    );

    let (mut wasm, mut native, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..settings.rounds {
        let (w, _) = wasm_run();
        let (n, _) = native_run();
        ratios.push(w.as_secs_f64() / n.as_secs_f64());
        wasm.push(w);
        native.push(n);
    }
    results.figures.push(figure(
        &format!("gather/{name}/wasm"),
        &format!(
            "{name} as a wasm guest in the host, {input} (instantiate + gather + record checks)"
        ),
        "ms",
        Summary::millis(&wasm).expect("samples"),
    ));
    results.figures.push(figure(
        &format!("gather/{name}/native"),
        &format!("{name}'s native twin with kube::Api in the same process, same records"),
        "ms",
        Summary::millis(&native).expect("samples"),
    ));
    let mut ratio = figure(
        &format!("gather/{name}/ratio"),
        &format!("{name}: wasm / native time, per interleaved round"),
        "x",
        Summary::of(&ratios).expect("samples"),
    );
    ratio.budget = Some(Budget {
        at_most: RATIO_BUDGET,
    });
    results.figures.push(ratio);
}

fn decoding(
    settings: &Settings,
    tokio: &tokio::runtime::Runtime,
    runtime: &Runtime,
    echo: &LoadedGatherer,
    api: &kube::Client,
    suffix: &str,
    results: &mut SuiteResults,
) {
    let config = vec![
        ("mode".to_owned(), "decode".to_owned()),
        ("path".to_owned(), "/api/v1/pods".to_owned()),
    ];
    let rounds = settings.rounds.clamp(1, 5);
    let mut guest = Vec::new();
    for _ in 0..rounds {
        let (_, records) = tokio.block_on(wagather_bench::run(
            runtime,
            echo,
            api,
            &Limits::default(),
            &config,
        ));
        let record = records
            .iter()
            .find(|r| r.name == "decode")
            .expect("decode record");
        let timings: test_guest_bench_echo::DecodeTimings =
            serde_json::from_slice(&record.data).expect("decode timings");
        assert_eq!(timings.pods as usize, settings.pods);
        guest.push(timings);
    }
    let pages = tokio.block_on(native::pod_pages(api)).expect("pod pages");
    let (mut typed, mut slim) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        // Page by page, as the guest does: each page's objects are dropped after its timing
        // (the guest drops them after its clock stops too), so freeing is outside both figures.
        let (mut typed_time, mut slim_time, mut count) = (Duration::ZERO, Duration::ZERO, 0);
        for page in &pages {
            let started = Instant::now();
            let decoded = test_guest_bench_echo::decode_typed(page).expect("typed");
            typed_time += started.elapsed();
            let started = Instant::now();
            let decoded_slim = test_guest_bench_echo::decode_slim(page).expect("slim");
            slim_time += started.elapsed();
            count += decoded.items.len();
            drop(std::hint::black_box((decoded, decoded_slim)));
        }
        assert_eq!(count, settings.pods);
        typed.push(typed_time);
        slim.push(slim_time);
    }
    let ms = |f: fn(&test_guest_bench_echo::DecodeTimings) -> u64| -> Summary {
        let v: Vec<Duration> = guest.iter().map(|t| Duration::from_nanos(f(t))).collect();
        Summary::millis(&v).expect("samples")
    };
    let pods = settings.pods;
    let guest_typed = ms(|t| t.typed_ns);
    let guest_slim = ms(|t| t.slim_ns);
    let native_typed = Summary::millis(&typed).expect("samples");
    let native_slim = Summary::millis(&slim).expect("samples");
    results.figures.push(figure(
        &format!("decode/request/wasm{suffix}"),
        &format!("{pods} pods: kube.http-request calls as seen by the guest (20 pages of 500)"),
        "ms",
        ms(|t| t.request_ns),
    ));
    let ratio = |a: &Summary, b: &Summary| Summary::exact(a.median / b.median);
    for (id, what, wasm, native) in [
        ("typed", "into k8s-openapi Pod", &guest_typed, &native_typed),
        (
            "slim",
            "into the fields a summary reads",
            &guest_slim,
            &native_slim,
        ),
    ] {
        results.figures.push(figure(
            &format!("decode/{id}/wasm{suffix}"),
            &format!("{pods} pods: JSON decoding {what}, inside the guest"),
            "ms",
            wasm.clone(),
        ));
        results.figures.push(figure(
            &format!("decode/{id}/native{suffix}"),
            &format!("{pods} pods: the same decoding natively"),
            "ms",
            native.clone(),
        ));
        results.figures.push(figure(
            &format!("decode/{id}/ratio{suffix}"),
            &format!("decoding {what}: wasm / native (ratio of medians)"),
            "x",
            ratio(wasm, native),
        ));
    }
}

/// Runs one gather in a child host process and returns its peak RSS in MiB.
fn child_peak(component: &Path, url: &str, cache: &Path) -> f64 {
    let exe = std::env::current_exe().expect("current exe");
    let output = Command::new(exe)
        .arg("--child-gather")
        .arg(component)
        .arg(url)
        .arg(cache)
        .output()
        .expect("starting the child host");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child host failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("child printed no VmHWM: {stdout}"));
    peak as f64 / (1024.0 * 1024.0)
}

/// The child: a host that gathers once from `url` into a temp dir and prints its peak RSS.
fn child_gather(args: &[String]) {
    let [component, url, cache] = args else {
        panic!("usage: --child-gather <component> <url> <cache dir>");
    };
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(PathBuf::from(cache)),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let out = tempfile::tempdir().expect("tempdir");
    let summary = tokio.block_on(async {
        let api = ApiEndpoint::Server(url.clone())
            .client()
            .await
            .expect("client");
        gather_to_archive(
            &runtime,
            &[wagather_host::GathererSpec::file(component)],
            &api,
            &GatherOptions::default(),
            out.path(),
        )
        .await
        .expect("gather")
    });
    assert!(!summary.has_errors(), "{:?}", summary.reports);
    println!("VmHWM {}", peak_rss().expect("VmHWM"));
}
