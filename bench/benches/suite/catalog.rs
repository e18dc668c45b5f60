//! `catalog`: the gatherer catalog (`gatherers/`, the Insights Operator's cluster gatherers,
//! one component each), every gatherer in one period.
//!
//! - `catalog/bytes/total`, `catalog/bytes/largest`: the catalog's components as built.
//! - `catalog/compile_cold`: `load_all` of every component with no compiled-artifact cache;
//!   `catalog/cached`: `load_all` of every component from the cache (read, digest, manifest,
//!   cache lookup, world check, `InstancePre`), the host's cached start of the whole catalog.
//! - `catalog/<cluster>/{wasm,native,ratio}`: wall time of one whole-catalog period (every
//!   gatherer, at most `GatherOptions::parallel` at a time, the archive written), as
//!   components in the host (`run_period`, loaded beforehand) and as the same crates linked
//!   natively through `wagather-sdk-native`'s kube transport (`catalog-native`), their
//!   records written through the host's `ArchiveWriter`, in interleaved rounds.
//! - `catalog/<cluster>/memory/{wasm,native,ratio}`: peak resident memory (`VmHWM`) of a
//!   process (this binary again) that loads the catalog and runs one period;
//!   `catalog/<cluster>/memory/wasm/loaded`: its resident memory once the catalog is loaded,
//!   before gathering (what the host holds whatever the cluster), and `.../loaded/anonymous`
//!   its part that is not pages of mapped files (the binary, the mapped compiled code).
//!
//! `<cluster>` is `sample` (the bundled Insights sample) and `large`: the sample with
//! [`ClusterSize::LARGE`] generated over it (a tenth of it in a quick run). Both ways must
//! write the same archive entries, every gatherer must complete and no request may be
//! denied: a benchmark of gatherers that fail measures nothing.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use catalog_conformance::Files;
use catalog_native::{CATALOG, NativeTransport};
use serde_json::{Value, json};
use wagather_bench::data::{self, ClusterSize};
use wagather_figures::{Group, Reason, Unit};
use wagather_host::output::archive::Spool;
use wagather_host::{
    ArchiveWriter, GatherOptions, GathererSpec, Planned, Runtime, RuntimeOptions, load_all,
    run_period,
};

use crate::{Context, Server};

/// Largest acceptable wasm / native ratio of a period's time and of its peak memory.
const RATIO_BUDGET: f64 = 1.15;
/// Largest acceptable time to load the whole catalog from the compiled-artifact cache.
const CACHED_BUDGET_NS: f64 = 100e6;

/// The generated cluster of a run.
pub fn large(quick: bool) -> ClusterSize {
    if quick {
        ClusterSize::TENTH
    } else {
        ClusterSize::LARGE
    }
}

/// The catalog's components: the guests of packages `clusterconfig-*`, one per gatherer that
/// `catalog-native` links.
pub fn components() -> Vec<(&'static str, PathBuf)> {
    let found: Vec<(&str, PathBuf)> = wagather_guests::ALL
        .iter()
        .filter(|(package, _)| package.starts_with("clusterconfig-"))
        .map(|(package, path)| (*package, PathBuf::from(path)))
        .collect();
    assert_eq!(
        found.len(),
        CATALOG.len(),
        "wagather-guests built {} catalog components, catalog-native links {} gatherers",
        found.len(),
        CATALOG.len()
    );
    found
}

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let components = components();
    sizes(g, &components);
    let planned = loads(g, ctx, &components);

    let size = large(ctx.quick);
    let large_server = crate::serve(
        &ctx.tokio,
        &[
            "cluster",
            &size.nodes.to_string(),
            &size.pods.to_string(),
            &size.namespaces.to_string(),
            &size.events.to_string(),
            &size.config_maps.to_string(),
        ],
    );
    for (name, server, what) in [
        (
            "sample",
            ctx.sample(),
            "the bundled Insights sample".to_owned(),
        ),
        (
            "large",
            &large_server,
            format!("the Insights sample with {}", size.label()),
        ),
    ] {
        period(g, ctx, &planned, name, server, &what);
        memory(g, ctx, name, server, &what);
    }
    budgets(g);
}

fn budgets(g: &mut Group<'_>) {
    g.budget(
        "catalog/cached",
        CACHED_BUDGET_NS,
        Reason::new(
            "Loading one component from the cache is measured apart; the catalog's start is \
             about that times its components over the cores that load them.",
            &["load/cached", "catalog/bytes/total"],
        ),
    );
    for name in ["sample", "large"] {
        g.budget(
            &format!("catalog/{name}/ratio"),
            RATIO_BUDGET,
            Reason::new(
                "The catalog's gatherers are mostly a request or two and little work, so each \
                 one's instantiation and its request round trips weigh most; both are measured \
                 apart.",
                &[
                    "instantiate/host",
                    "roundtrip/ratio/100KiB",
                    "gather/cluster-operators/ratio",
                ],
            ),
        );
        g.budget(
            &format!("catalog/{name}/memory/ratio"),
            RATIO_BUDGET,
            Reason::new(
                "The host holds the runtime and every component's compiled code whatever the \
                 cluster (the catalog loaded, before any gather; most of it pages of the mapped \
                 cache entries, which the kernel shares and can drop, the rest anonymous), and \
                 each running guest's linear memory besides the data the native program holds.",
                &[
                    &format!("catalog/{name}/memory/wasm"),
                    &format!("catalog/{name}/memory/native"),
                    &format!("catalog/{name}/memory/wasm/loaded"),
                    &format!("catalog/{name}/memory/wasm/loaded/anonymous"),
                ],
            ),
        );
    }
}

fn sizes(g: &mut Group<'_>, components: &[(&str, PathBuf)]) {
    let mut total = 0u64;
    let mut largest = (0u64, "");
    for (package, path) in components {
        let bytes = std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .len();
        total += bytes;
        if bytes > largest.0 {
            largest = (bytes, package);
        }
    }
    g.value(
        "catalog/bytes/total",
        &format!(
            "bytes of the catalog's {} components (release, as wagather-guests builds them)",
            components.len()
        ),
        Unit::Bytes,
        total as f64,
    );
    g.value(
        "catalog/bytes/largest",
        &format!("bytes of the catalog's largest component, {}", largest.1),
        Unit::Bytes,
        largest.0 as f64,
    );
}

fn specs(components: &[(&str, PathBuf)]) -> Vec<GathererSpec> {
    components
        .iter()
        .map(|(_, path)| GathererSpec::file(path))
        .collect()
}

/// Loads the whole catalog, or panics naming what did not load.
fn load_catalog(ctx: &Context, runtime: &Runtime, specs: &[GathererSpec]) -> Vec<Planned> {
    let planned = ctx.tokio.block_on(load_all(runtime, specs));
    for plan in &planned {
        if let Err(e) = &plan.gatherer {
            panic!("{}: {e}", plan.name);
        }
    }
    planned
}

/// `catalog/compile_cold` and `catalog/cached`; returns the catalog loaded.
fn loads(g: &mut Group<'_>, ctx: &Context, components: &[(&str, PathBuf)]) -> Vec<Planned> {
    let specs = specs(components);
    let rounds = if ctx.quick { 1 } else { 3 };
    let cold: Vec<std::time::Duration> = (0..rounds)
        .map(|_| {
            let uncached = Runtime::new(RuntimeOptions::default()).expect("runtime");
            let started = Instant::now();
            load_catalog(ctx, &uncached, &specs);
            started.elapsed()
        })
        .collect();
    g.durations(
        "catalog/compile_cold",
        &format!(
            "`load_all` of the catalog's {} components with no compiled-artifact cache: every \
             one compiled",
            components.len()
        ),
        &cold,
    );
    // The first load fills the cache; every later one is a hit.
    let planned = load_catalog(ctx, &ctx.runtime, &specs);
    let hits = ctx.runtime.cache_stats().hits;
    g.time(
        "catalog/cached",
        &format!(
            "`load_all` of the catalog's {} components from the compiled-artifact cache, as \
             many at a time as there are cores: the cached start of the whole catalog",
            components.len()
        ),
        || load_catalog(ctx, &ctx.runtime, &specs),
    );
    assert!(
        ctx.runtime.cache_stats().hits >= hits + components.len() as u64,
        "the cached loads missed the cache"
    );
    planned
}

/// The options of both ways' periods. The native transport knows no deny list, so the host
/// lifts its Secrets rule for the catalog's gatherers (`clusterconfig/revisioned_objects`
/// counts Secrets) and both ways do the same work.
fn options() -> GatherOptions {
    let mut options = GatherOptions::default();
    for entry in CATALOG {
        options.host_policy = options.host_policy.allow_secrets_for(&entry.name());
    }
    options
}

/// One period each way, checked to write the same entries, then both timed.
fn period(
    g: &mut Group<'_>,
    ctx: &Context,
    planned: &[Planned],
    name: &str,
    server: &Server,
    what: &str,
) {
    let options = options();
    let out = tempfile::tempdir().expect("tempdir");
    let wasm = || {
        let dir = tempfile::tempdir_in(out.path()).expect("tempdir");
        let summary = ctx
            .tokio
            .block_on(run_period(
                &ctx.runtime,
                planned.to_vec(),
                &server.api,
                &options,
                dir.path(),
            ))
            .expect("the wasm period");
        (summary, dir)
    };
    let native = || {
        let dir = tempfile::tempdir_in(out.path()).expect("tempdir");
        let archive = native_period(
            &server.api,
            ctx.tokio.handle(),
            options.parallel,
            dir.path(),
        );
        (archive, dir)
    };

    let (summary, _wasm_dir) = wasm();
    let (native_archive, _native_dir) = native();
    // A gatherer may report errors of its own (both ways report the same) and lose a record
    // to one that wrote its path first, as in the Insights Operator; it must complete, and
    // every request must be allowed.
    for report in &summary.reports {
        assert!(
            report.outcome == wagather_host::Outcome::Completed
                && report.metrics.denied_requests == 0,
            "{name}: {} did not complete with every request allowed: {:?}, {:?}",
            report.name,
            report.outcome,
            report.errors()
        );
    }
    same_entries(name, &summary.archive, &native_archive);

    let prefix = format!("catalog/{name}");
    g.interleave()
        .op(
            &format!("{prefix}/wasm"),
            &format!(
                "one period of the {} catalog components in the host against {what} (up to {} \
                 at a time, the archive written), loaded beforehand",
                CATALOG.len(),
                options.parallel
            ),
            wasm,
        )
        .op(
            &format!("{prefix}/native"),
            "the same period with the same gatherers linked natively (catalog-native: the kube \
             transport of wagather-sdk-native on the host's client), written through the \
             host's ArchiveWriter",
            native,
        )
        .ratio(
            &format!("{prefix}/ratio"),
            "wasm / native time of one whole-catalog period, per round",
            &format!("{prefix}/wasm"),
            &format!("{prefix}/native"),
        )
        .run();
}

/// Panics unless the two archives hold the same entries (`gathers.json` aside: its timings
/// differ), and enough of them to mean the gatherers ran.
fn same_entries(name: &str, wasm: &Path, native: &Path) {
    let read = |path: &Path| {
        let mut files = Files::from_archive(path)
            .unwrap_or_else(|e| panic!("{name}: reading {}: {e}", path.display()));
        files.0.remove("insights-operator/gathers.json");
        files
    };
    let (wasm, native) = (read(wasm), read(native));
    let paths: BTreeSet<&String> = wasm.0.keys().chain(native.0.keys()).collect();
    let differing: Vec<&String> = paths
        .into_iter()
        .filter(|p| wasm.0.get(*p) != native.0.get(*p))
        .collect();
    assert!(
        differing.is_empty(),
        "{name}: the wasm and native periods wrote different entries: {differing:?}"
    );
    assert!(
        wasm.0.len() > CATALOG.len() / 2,
        "{name}: the period wrote only {} entries",
        wasm.0.len()
    );
}

/// One period of the catalog linked natively: `parallel` threads take the gatherers in
/// order, each run's records go into its spool of one archive in `dir`, which is then
/// assembled as the host assembles it. Every run sends its requests through `api`, made on
/// `runtime`, as the host's gatherers share its client. Returns the archive.
pub fn native_period(
    api: &kube::Client,
    runtime: &tokio::runtime::Handle,
    parallel: usize,
    dir: &Path,
) -> PathBuf {
    let archive = ArchiveWriter::create(dir, jiff::Timestamp::now()).expect("archive");
    let spools: Vec<Mutex<Option<Spool>>> = CATALOG
        .iter()
        .enumerate()
        .map(|(i, entry)| Mutex::new(Some(archive.spool(i, &entry.name()).expect("spool"))))
        .collect();
    let summaries: Vec<Mutex<Value>> = CATALOG.iter().map(|_| Mutex::new(Value::Null)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..parallel.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(entry) = CATALOG.get(i) else { break };
                    let transport = NativeTransport::with_client(api.clone(), runtime.clone());
                    let run = catalog_native::run_with(entry, transport, &[], true)
                        .unwrap_or_else(|e| panic!("{}: {e:#}", entry.name()));
                    let mut spool = spools[i].lock().expect("spool");
                    let spool = spool.as_mut().expect("spool");
                    for record in &run.output.records {
                        let path = record.archive_path();
                        if spool.claim(&path).is_ok() {
                            spool.write(&path, &record.data).expect("spool write");
                        }
                    }
                    *summaries[i].lock().expect("summary") = json!({
                        "name": run.name,
                        "records": run.output.records.len(),
                        "errors": run.output.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "duration_ms": run.elapsed.as_millis() as u64,
                    });
                }
            });
        }
    });
    let spools = spools
        .into_iter()
        .map(|s| s.into_inner().expect("spool"))
        .collect();
    let gathers = json!({"status_reports": summaries
        .into_iter()
        .map(|s| s.into_inner().expect("summary"))
        .collect::<Vec<_>>()});
    runtime.block_on(async {
        let (assembled, _) = archive.assemble(spools).await.expect("assemble");
        assembled
            .publish(serde_json::to_vec(&gathers).expect("json"))
            .await
            .expect("publish")
    })
}

fn memory(g: &mut Group<'_>, ctx: &Context, name: &str, server: &Server, what: &str) {
    let rounds = if ctx.quick { 1 } else { 3 };
    let prefix = format!("catalog/{name}/memory");
    for (way, how) in [
        (
            "wasm",
            "the catalog's components loaded from the compiled-artifact cache, one host period",
        ),
        (
            "native",
            "the catalog linked natively, one period written through the host's ArchiveWriter",
        ),
    ] {
        let (peaks, loaded): (Vec<f64>, Vec<Option<(f64, f64)>>) = (0..rounds)
            .map(|_| child_peak(way, &server.url, ctx.cache_dir.path()))
            .map(|m| (m.peak, m.loaded))
            .unzip();
        g.samples(
            &format!("{prefix}/{way}"),
            &format!("peak resident memory (VmHWM) of a process gathering from {what}: {how}"),
            Unit::Bytes,
            peaks,
        );
        if let Some(loaded) = loaded.into_iter().collect::<Option<Vec<(f64, f64)>>>() {
            let (all, anonymous): (Vec<f64>, Vec<f64>) = loaded.into_iter().unzip();
            g.samples(
                &format!("{prefix}/{way}/loaded"),
                "resident memory (VmRSS) of the same process with the catalog loaded, before \
                 the period: the runtime and every component's compiled code",
                Unit::Bytes,
                all,
            );
            g.samples(
                &format!("{prefix}/{way}/loaded/anonymous"),
                "the anonymous part (RssAnon) of that: what the host allocated, without the \
                 pages of mapped files (its binary, the cache entries of compiled code mapped \
                 by the loads), which the kernel shares and can drop",
                Unit::Bytes,
                anonymous,
            );
        }
    }
    g.ratio_of_medians(
        &format!("{prefix}/ratio"),
        "wasm / native peak memory of a whole-catalog period",
        &format!("{prefix}/wasm"),
        &format!("{prefix}/native"),
    );
}

/// What a child of [`memory`] measured.
struct ChildMemory {
    /// Peak resident memory.
    peak: f64,
    /// For `wasm`: resident memory once the catalog was loaded, and its anonymous part.
    loaded: Option<(f64, f64)>,
}

/// Runs the child of [`memory`].
fn child_peak(way: &str, url: &str, cache: &Path) -> ChildMemory {
    let stdout = crate::child_output([
        OsStr::new("--child-catalog"),
        OsStr::new(way),
        OsStr::new(url),
        cache.as_os_str(),
    ]);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|v| v as f64)
    };
    let peak =
        field("VmHWM").unwrap_or_else(|| panic!("the catalog process printed no VmHWM: {stdout}"));
    ChildMemory {
        peak,
        loaded: field("loaded").zip(field("loaded_anonymous")),
    }
}

/// The child of [`memory`]: one whole-catalog period (`wasm` or `native`) from `url` into a
/// temporary directory; prints its peak resident memory (`VmHWM <bytes>`).
pub fn child(args: &[String]) {
    let [way, url, cache] = args else {
        panic!("usage: --child-catalog wasm|native <url> <cache dir>");
    };
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let out = tempfile::tempdir().expect("tempdir");
    match way.as_str() {
        "wasm" => {
            let runtime = Runtime::new(RuntimeOptions {
                cache_dir: Some(PathBuf::from(cache)),
                ..RuntimeOptions::default()
            })
            .expect("runtime");
            let specs = specs(&components());
            tokio.block_on(async {
                let planned = load_all(&runtime, &specs).await;
                println!("loaded {}", wagather_bench::rss().expect("VmRSS"));
                println!(
                    "loaded_anonymous {}",
                    wagather_bench::rss_anon().expect("RssAnon")
                );
                let api = wagather_host::ApiEndpoint::Server(url.clone())
                    .client()
                    .await
                    .expect("client");
                run_period(&runtime, planned, &api, &options(), out.path())
                    .await
                    .expect("period")
            });
        }
        "native" => {
            let api = tokio
                .block_on(wagather_host::ApiEndpoint::Server(url.clone()).client())
                .expect("client");
            native_period(
                &api,
                tokio.handle(),
                GatherOptions::default().parallel,
                out.path(),
            );
        }
        _ => panic!("usage: --child-catalog wasm|native <url> <cache dir>"),
    }
    println!("VmHWM {}", wagather_bench::peak_rss().expect("VmHWM"));
}

/// The snapshot of `--child-serve cluster <nodes> <pods> <namespaces> <events> <config
/// maps>`: a copy of the bundled Insights sample in `root` with that cluster generated over it.
pub fn write_large(root: &Path, args: &[String]) {
    let [nodes, pods, namespaces, events, config_maps] = args else {
        panic!("usage: cluster <nodes> <pods> <namespaces> <events> <config maps>");
    };
    let n = |s: &String| s.parse::<usize>().expect("a count");
    let size = ClusterSize {
        nodes: n(nodes),
        pods: n(pods),
        namespaces: n(namespaces),
        events: n(events),
        config_maps: n(config_maps),
    };
    copy_dir(
        &wagather_bench::workspace().join("testdata/insights-archive-sample"),
        root,
    );
    data::write_cluster(root, size, jiff::Timestamp::now()).expect("writing the cluster");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
