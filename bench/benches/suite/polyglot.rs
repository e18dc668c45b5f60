//! `polyglot`: the cluster-operators gatherer in Rust, JavaScript (componentize-js) and Python
//! (componentize-py), side by side against the bundled Insights sample: component size, cold
//! compile, `Runtime::load` from the compiled-artifact cache, instantiation, a whole run
//! (instantiate, list the 31 ClusterOperators, write 31 records) and the most linear memory the
//! guest held in it. Every timed figure is taken in rounds that take the three languages in
//! turn, and the JavaScript and Python figures get a ratio to Rust's per round.
//!
//! The JavaScript and Python components come from `wagather-guests`, which builds them when
//! node, npm and python are on the machine; without them this group fails with the reason, as
//! the host's tests across languages do.

use std::time::{Duration, Instant};

use wagather_figures::{Group, Unit};
use wagather_host::{Limits, LoadedGatherer, Runtime, RuntimeOptions};

use crate::Context;

/// The languages and their cluster-operators components; Rust first, the baseline of the
/// ratios.
fn components() -> [(&'static str, &'static str); 3] {
    [
        ("rust", wagather_guests::CLUSTER_OPERATORS),
        (
            "javascript",
            wagather_guests::polyglot("cluster_operators_js"),
        ),
        ("python", wagather_guests::polyglot("cluster_operators_py")),
    ]
}

/// Rounds of cold compiles in a full run: a JavaScript or Python component takes seconds.
const COMPILE_ROUNDS: usize = 2;

/// The records each language's gatherer writes: one per ClusterOperator of the sample.
const RECORDS: usize = 31;

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let languages = components();
    let bytes: Vec<Vec<u8>> = languages
        .iter()
        .map(|(_, path)| std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect();
    for ((language, _), bytes) in languages.iter().zip(&bytes) {
        g.value(
            &format!("polyglot/{language}/size"),
            &format!("the cluster-operators component in {language}"),
            Unit::Bytes,
            bytes.len() as f64,
        );
    }

    // Cold compiles: a few rounds, each compiling every language in turn (starting with a
    // different one each round) in a runtime without a cache.
    let uncached = Runtime::new(RuntimeOptions {
        cache_dir: None,
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let rounds = if g.quick() { 1 } else { COMPILE_ROUNDS };
    let mut compiles = vec![Vec::new(); languages.len()];
    for round in 0..rounds {
        for turn in 0..languages.len() {
            let i = (round + turn) % languages.len();
            let started = Instant::now();
            uncached.compile(&bytes[i]).expect("compile");
            compiles[i].push(started.elapsed());
        }
    }
    for ((language, _), samples) in languages.iter().zip(&compiles) {
        g.durations(
            &format!("polyglot/{language}/compile_cold"),
            &format!(
                "compiling the {language} component with Cranelift, no cache (rounds taking \
                 the languages in turn)"
            ),
            samples,
        );
    }

    // The rest from the cache: the first load of each fills it.
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let loaded: Vec<LoadedGatherer> = languages
        .iter()
        .zip(&bytes)
        .map(|((language, _), bytes)| {
            runtime
                .load_bytes(language, bytes)
                .unwrap_or_else(|e| panic!("loading the {language} component: {e}"))
        })
        .collect();
    let hits = runtime.cache_stats().hits;
    let mut cached = g.interleave();
    for ((language, _), bytes) in languages.iter().zip(&bytes) {
        let runtime = &runtime;
        cached = cached.op(
            &format!("polyglot/{language}/cached"),
            &format!(
                "`Runtime::load` of the {language} component from the compiled-artifact cache"
            ),
            move || runtime.load_bytes(language, bytes).expect("cached load"),
        );
    }
    with_ratios(cached, "cached", "cached load").run();
    assert!(
        runtime.cache_stats().hits > hits,
        "the cached loads missed the cache"
    );

    let api = &ctx.sample().api;
    let mut instantiate = g.interleave();
    for ((language, _), gatherer) in languages.iter().zip(&loaded) {
        let (runtime, tokio) = (&runtime, &ctx.tokio);
        instantiate = instantiate.op(
            &format!("polyglot/{language}/instantiate"),
            &format!(
                "`Runtime::instantiate` of the {language} component (pooling allocator, \
                 copy-on-write images)"
            ),
            move || {
                tokio
                    .block_on(runtime.instantiate(gatherer, api))
                    .expect("instantiate")
            },
        );
    }
    with_ratios(instantiate, "instantiate", "instantiation").run();

    // Whole runs; each keeps the most linear memory its guest held.
    let limits = Limits {
        deadline: Duration::from_secs(600),
        ..Limits::default()
    };
    let peaks = std::cell::RefCell::new(vec![0u64; languages.len()]);
    let mut gather = g.interleave();
    for (i, ((language, _), gatherer)) in languages.iter().zip(&loaded).enumerate() {
        let (runtime, tokio, limits, peaks) = (&runtime, &ctx.tokio, &limits, &peaks);
        gather = gather.op(
            &format!("polyglot/{language}/gather"),
            &format!(
                "a whole {language} run: instantiate, list 31 ClusterOperators from a loopback \
                 snapshot server, write 31 records"
            ),
            move || {
                let (report, records) =
                    tokio.block_on(wagather_bench::run(runtime, gatherer, api, limits, &[]));
                assert_eq!(records.len(), RECORDS, "{language}");
                let peak = &mut peaks.borrow_mut()[i];
                *peak = (*peak).max(report.metrics.peak_memory_bytes);
            },
        );
    }
    with_ratios(gather, "gather", "run").run();
    for ((language, _), peak) in languages.iter().zip(peaks.into_inner()) {
        g.value(
            &format!("polyglot/{language}/peak_memory"),
            &format!(
                "the most linear memory the {language} guest held in those runs (its run reports)"
            ),
            Unit::Bytes,
            peak as f64,
        );
    }
}

/// Adds `polyglot/<language>/<figure>_over_rust` for JavaScript and Python.
fn with_ratios<'g, 'h, 'op>(
    mut interleave: wagather_figures::Interleave<'g, 'h, 'op>,
    figure: &str,
    what: &str,
) -> wagather_figures::Interleave<'g, 'h, 'op> {
    for language in ["javascript", "python"] {
        interleave = interleave.ratio(
            &format!("polyglot/{language}/{figure}_over_rust"),
            &format!("{language}'s {what} time over Rust's, per round"),
            &format!("polyglot/{language}/{figure}"),
            &format!("polyglot/rust/{figure}"),
        );
    }
    interleave
}
