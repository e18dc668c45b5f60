//! The cluster-operators gatherer in Rust, JavaScript and Python, side by side in one run:
//! component size, cold compile, load from the compiled-artifact cache, instantiation, and a
//! whole run (instantiate, list the 31 ClusterOperators of the Insights sample from a loopback
//! snapshot server, write 31 records).
//!
//! `cargo bench -p wagather-bench --bench polyglot` writes
//! `$CARGO_TARGET_DIR/wagather-bench/polyglot.json`; without `--bench` (as under
//! `cargo test --benches`) it runs in quick mode: one round each, same checks.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wagather_host::limits::Limits;
use wagather_host::policy::HostPolicy;
use wagather_host::{ApiEndpoint, Outcome, RunSpec, Runtime, RuntimeOptions};
use wagather_snapshot::{Snapshot, SnapshotServer};

/// One measured quantity: median, min and max of its samples.
#[derive(serde::Serialize)]
struct Figure {
    id: String,
    what: String,
    unit: &'static str,
    median: f64,
    min: f64,
    max: f64,
    samples: usize,
}

fn figure(id: String, what: String, unit: &'static str, mut samples: Vec<f64>) -> Figure {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    let median = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    };
    Figure {
        id,
        what,
        unit,
        median,
        min: samples[0],
        max: samples[n - 1],
        samples: n,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let (compiles, rounds) = if quick { (1, 1) } else { (3, 30) };
    let guests = [
        ("rust", wagather_guests::CLUSTER_OPERATORS),
        (
            "javascript",
            wagather_guests::polyglot("cluster_operators_js"),
        ),
        ("python", wagather_guests::polyglot("cluster_operators_py")),
    ];
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/insights-archive-sample");
    let snapshot = Arc::new(Snapshot::load(&sample).expect("the bundled snapshot loads"));
    let server = tokio
        .block_on(SnapshotServer::start(snapshot, ([127, 0, 0, 1], 0).into()))
        .expect("snapshot server");
    let api = tokio
        .block_on(ApiEndpoint::Server(server.url()).client())
        .expect("client");
    let mut figures = Vec::new();
    for (language, path) in guests {
        let bytes = std::fs::read(path).expect("component");
        figures.push(figure(
            format!("polyglot/size/{language}"),
            format!("cluster-operators component in {language}"),
            "MB",
            vec![bytes.len() as f64 / 1e6],
        ));

        // Cold compile: a runtime without a cache compiles every load.
        let cold = Runtime::new(RuntimeOptions {
            cache_dir: None,
            ..RuntimeOptions::default()
        })
        .expect("runtime");
        let samples = (0..compiles)
            .map(|_| {
                let started = Instant::now();
                cold.load_bytes(language, &bytes).expect("loads");
                ms(started.elapsed())
            })
            .collect();
        figures.push(figure(
            format!("polyglot/compile/{language}"),
            format!(
                "load of the {language} component without a cache (manifest, compile, world check)"
            ),
            "ms",
            samples,
        ));

        // Cached load: the compiled artifact comes from the cache directory.
        let cache = tempfile::tempdir().expect("tempdir");
        let cached = Runtime::new(RuntimeOptions {
            cache_dir: Some(cache.path().to_owned()),
            ..RuntimeOptions::default()
        })
        .expect("runtime");
        let loaded = cached.load_bytes(language, &bytes).expect("loads");
        let samples = (0..rounds.min(10))
            .map(|_| {
                let started = Instant::now();
                cached.load_bytes(language, &bytes).expect("loads");
                ms(started.elapsed())
            })
            .collect();
        figures.push(figure(
            format!("polyglot/load-cached/{language}"),
            format!("load of the {language} component from the compiled-artifact cache"),
            "ms",
            samples,
        ));

        let samples = (0..rounds)
            .map(|_| {
                let started = Instant::now();
                tokio
                    .block_on(cached.instantiate(&loaded, &api))
                    .expect("instantiates");
                ms(started.elapsed())
            })
            .collect();
        figures.push(figure(
            format!("polyglot/instantiate/{language}"),
            format!("instantiation of the {language} component (pooled instance)"),
            "ms",
            samples,
        ));

        let limits = Limits::default();
        let policy = HostPolicy::default();
        let spec = RunSpec {
            name: language,
            gatherer: &loaded,
            api: &api,
            limits: &limits,
            policy: &policy,
            config: &[],
        };
        let mut peak = Vec::new();
        let samples = (0..rounds)
            .map(|_| {
                let (report, records) = tokio.block_on(cached.run_collecting(&spec));
                assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
                assert_eq!(records.len(), 31, "{language}");
                peak.push(report.metrics.peak_memory_bytes as f64 / (1024.0 * 1024.0));
                ms(report.duration)
            })
            .collect();
        figures.push(figure(
            format!("polyglot/gather/{language}"),
            format!(
                "a whole {language} run: instantiate, list 31 ClusterOperators, write 31 records"
            ),
            "ms",
            samples,
        ));
        figures.push(figure(
            format!("polyglot/peak-memory/{language}"),
            format!("the most linear memory the {language} guest held during that run"),
            "MiB",
            peak,
        ));
    }
    tokio.block_on(server.shutdown());

    for f in &figures {
        println!(
            "{:<36} {:>12.3} {:<3} [{:.3} .. {:.3}, n={}]",
            f.id, f.median, f.unit, f.min, f.max, f.samples
        );
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let file = target.join(if quick {
        "wagather-bench/polyglot-quick.json"
    } else {
        "wagather-bench/polyglot.json"
    });
    std::fs::create_dir_all(file.parent().expect("parent")).expect("results dir");
    std::fs::write(&file, serde_json::to_vec_pretty(&figures).expect("json")).expect("write");
    println!("results written to {}", file.display());
}
