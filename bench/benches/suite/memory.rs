//! `memory`: what a gather costs in memory.
//!
//! - `memory/<gatherer>`: peak resident memory (`VmHWM`) of a host process (this binary again,
//!   as a child: runtime, kube client, one `gather_to_archive` with the component loaded from
//!   the compiled-artifact cache) gathering from the loopback servers of `gather`;
//!   `memory/<gatherer>/guest`: the most linear memory its guest held, from the run's report.
//! - `memory/records/*`: the most linear memory the bench-echo guest holds while it writes
//!   records, for two totals written from one buffer. Records leave the guest as they are
//!   written (`output.write-record`), so what it holds need not grow with what it writes.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use wagather_figures::{Group, Unit};
use wagather_host::{
    ApiEndpoint, GatherOptions, Limits, Runtime, RuntimeOptions, gather_to_archive,
};

use crate::Context;

/// Bytes of each record of `memory/records/*`.
const RECORD_BYTES: u64 = 64 << 10;

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let rounds = g.settings().samples.min(3);
    for (name, component, url, what) in [
        (
            "cluster-operators",
            &ctx.guests.cluster_operators,
            &ctx.sample().url,
            "31 ClusterOperators".to_owned(),
        ),
        (
            "pod-inventory",
            &ctx.guests.pod_inventory,
            &ctx.pod_server().url,
            format!("{} pods", ctx.pods),
        ),
    ] {
        // The first child fills the cache the measured ones load from.
        child_peak(component, url, ctx.cache_dir.path());
        let (process, guest): (Vec<f64>, Vec<f64>) = (0..rounds)
            .map(|_| child_peak(component, url, ctx.cache_dir.path()))
            .unzip();
        g.samples(
            &format!("memory/{name}"),
            &format!(
                "peak resident memory (VmHWM) of a host process gathering {what}: runtime, kube \
                 client, one `gather_to_archive`, the component from the compiled-artifact cache"
            ),
            Unit::Bytes,
            process,
        );
        g.samples(
            &format!("memory/{name}/guest"),
            &format!(
                "the most linear memory the {name} guest held in that gather (its run report)"
            ),
            Unit::Bytes,
            guest,
        );
    }

    let echo = crate::load(&ctx.runtime, &ctx.guests.echo);
    let limits = Limits {
        max_records: u32::MAX,
        max_total_record_bytes: u64::MAX,
        ..Limits::default()
    };
    let api = &ctx.sample().api;
    let mut ids = Vec::new();
    for (label, count) in [("1MiB", 16u64), ("32MiB", 512)] {
        let config = vec![
            ("mode".to_owned(), "records".to_owned()),
            ("count".to_owned(), count.to_string()),
            ("size".to_owned(), RECORD_BYTES.to_string()),
        ];
        let (report, records) = ctx.tokio.block_on(wagather_bench::run(
            &ctx.runtime,
            &echo,
            api,
            &limits,
            &config,
        ));
        assert_eq!(records.len() as u64, count);
        assert_eq!(report.metrics.record_bytes, count * RECORD_BYTES);
        let id = format!("memory/records/{label}/guest");
        g.value(
            &id,
            &format!(
                "the most linear memory the bench-echo guest held while writing {count} records \
                 of {} KiB ({label} in all)",
                RECORD_BYTES >> 10
            ),
            Unit::Bytes,
            report.metrics.peak_memory_bytes as f64,
        );
        ids.push(id);
    }
    g.ratio_of_medians(
        "memory/records/ratio",
        "what the guest held writing 32 MiB of records over what it held writing 1 MiB",
        &ids[1],
        &ids[0],
    );
}

/// Runs one gather in a child host process; returns its peak RSS and its guest's peak linear
/// memory, in bytes.
fn child_peak(component: &Path, url: &str, cache: &Path) -> (f64, f64) {
    let stdout = crate::child_output([
        OsStr::new("--child-gather"),
        component.as_os_str(),
        OsStr::new(url),
        cache.as_os_str(),
    ]);
    let field = |key: &str| -> f64 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("the child printed no {key}: {stdout}")) as f64
    };
    (field("VmHWM "), field("guest "))
}

/// The child: a host that gathers once from `url` into a temp dir and prints its peak RSS
/// (`VmHWM <bytes>`) and its guest's peak linear memory (`guest <bytes>`).
pub fn child_gather(args: &[String]) {
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
    println!("VmHWM {}", wagather_bench::peak_rss().expect("VmHWM"));
    println!("guest {}", summary.reports[0].metrics.peak_memory_bytes);
}
