//! `service`: the gathering service of `wagather run` over many periods, for what grows.
//!
//! A host process (this binary again, as a child) runs the service with five gatherers
//! (cluster-operators in Rust, JavaScript and Python, pod-inventory, and a gatherer whose
//! undeclared read is denied every period) from files against the bundled snapshot, 1,000
//! periods back to back (quick: 20), through `wagather_host::service::soak`: each period checks
//! every source (the files are re-hashed), gathers, writes the archive and `status.json`. The
//! child samples its resident memory and open file descriptors after the first period and every
//! 100th (quick: 5th). The figures show whether they stay flat; nothing here is a pass/fail
//! check.
//!
//! - `service/resident`, `service/fds`: the samples after the first period (its compiles
//!   included), so the spread is the growth;
//! - `service/resident/warm-up`: the sample halfway minus the first. The first periods grow
//!   the process and then it levels off: the pooling allocator's memory slots (each keeps what
//!   its runs touched resident, see `PoolOptions`) and the connection pool fill once, and what
//!   the allocator keeps between the service's trims after each period;
//! - `service/resident/growth`, `service/fds/growth`: the last sample minus the one halfway. A
//!   leak grows with the periods, in the second half as in the first; warming up does not;
//! - `service/period`: the time of one period, each sample the mean over the periods between
//!   two samples.

use std::time::{Duration, Instant};

use wagather_figures::{Group, Reason, Unit};
use wagather_host::ApiEndpoint;
use wagather_host::service::Service;
use wagather_host::service::config::ServiceConfig;
use wagather_host::service::soak::soak;

use crate::Context;

/// Most resident memory the second half of the periods may add: allocator noise, far below
/// what a leak of even a few hundred bytes a period adds over 500 periods of five gatherers.
const RESIDENT_GROWTH_BUDGET: f64 = 2.0 * 1024.0 * 1024.0;

/// Periods of a full run, and how often it samples.
const PERIODS: u64 = 1_000;
const EVERY: u64 = 100;
/// The same, quick.
const QUICK_PERIODS: u64 = 20;
const QUICK_EVERY: u64 = 5;

/// One line of the child: after `period` periods, `resident` bytes, `fds` descriptors, and the
/// time since the previous sample.
#[derive(Clone, Copy, Debug)]
struct Sample {
    period: u64,
    resident: u64,
    fds: u64,
    since_previous: Duration,
}

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let (periods, every) = if g.quick() {
        (QUICK_PERIODS, QUICK_EVERY)
    } else {
        (PERIODS, EVERY)
    };
    let samples = child_soak(&ctx.sample().url, periods, every);
    let series = |f: fn(&Sample) -> f64| samples.iter().map(f).collect::<Vec<f64>>();
    let mib = |bytes: f64| bytes / f64::from(1u32 << 20);
    let first = samples[0];
    let half = samples
        .iter()
        .find(|s| s.period >= periods / 2)
        .copied()
        .unwrap_or(first);
    let last = *samples.last().expect("samples");
    g.note(format!(
        "service: resident MiB after periods {}: {}; open descriptors: {}",
        join(samples.iter().map(|s| s.period.to_string())),
        join(
            samples
                .iter()
                .map(|s| format!("{:.1}", mib(s.resident as f64)))
        ),
        join(samples.iter().map(|s| s.fds.to_string())),
    ));
    let what = format!(
        "{periods} periods back to back, five gatherers (Rust, JavaScript, Python) against the \
         bundled snapshot, sampled after the first and every {every}"
    );
    g.samples(
        "service/resident",
        &format!("resident memory (VmRSS) of the service process: {what}"),
        Unit::Bytes,
        series(|s| s.resident as f64),
    );
    g.value(
        "service/resident/warm-up",
        &format!(
            "resident memory after period {} minus after period {}",
            half.period, first.period
        ),
        Unit::Bytes,
        half.resident as f64 - first.resident as f64,
    );
    g.value(
        "service/resident/growth",
        &format!(
            "resident memory after period {} minus after period {} (0: flat)",
            last.period, half.period
        ),
        Unit::Bytes,
        last.resident as f64 - half.resident as f64,
    )
    .budget(
        RESIDENT_GROWTH_BUDGET,
        Reason::new(
            "Memory the service keeps for good grows with the periods; what it grows by while \
             warming up is measured apart.",
            &["service/resident/warm-up", "service/resident"],
        ),
    );
    g.samples(
        "service/fds",
        &format!("open file descriptors of the service process: {what}"),
        Unit::Count,
        series(|s| s.fds as f64),
    );
    g.value(
        "service/fds/growth",
        &format!(
            "open descriptors after period {} minus after period {} (0: flat)",
            last.period, half.period
        ),
        Unit::Count,
        last.fds as f64 - half.fds as f64,
    )
    .budget(
        0.0,
        Reason::new(
            "A descriptor the service opens each period and never closes (a file, a socket of \
             a connection pool that is not reused).",
            &["service/fds"],
        ),
    );
    let per_period: Vec<Duration> = samples
        .windows(2)
        .map(|w| w[1].since_previous / u32::try_from(w[1].period - w[0].period).unwrap_or(1))
        .collect();
    g.durations(
        "service/period",
        "one period of the five (update checks with the files re-hashed, the gathers, the \
         archive, status.json), the mean between two samples",
        &per_period,
    );
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// Runs the soak in a child process and reads its samples.
fn child_soak(url: &str, periods: u64, every: u64) -> Vec<Sample> {
    let stdout = crate::child_output([
        "--child-service".to_owned(),
        url.to_owned(),
        periods.to_string(),
        every.to_string(),
    ]);
    let samples: Vec<Sample> = stdout
        .lines()
        .filter_map(|line| {
            let mut fields = line.strip_prefix("sample ")?.split(' ');
            let mut next = || fields.next()?.parse::<u64>().ok();
            Some(Sample {
                period: next()?,
                resident: next()?,
                fds: next()?,
                since_previous: Duration::from_nanos(next()?),
            })
        })
        .collect();
    assert!(samples.len() >= 2, "the service process printed {stdout}");
    samples
}

/// The child: the service with the five gatherers against the snapshot API at `url`, `periods`
/// periods, printing `sample <period> <resident bytes> <fds> <ns since the previous sample>`.
pub fn child(args: &[String]) {
    let [url, periods, every] = args else {
        panic!("usage: --child-service <api url> <periods> <every>");
    };
    let periods: u64 = periods.parse().expect("periods");
    let every: u64 = every.parse().expect("every");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = format!(
        "period = \"1h\"\n[api]\nserver = \"{url}\"\n[output]\ndir = \"out\"\n\
         [state]\ndir = \"state\"\n[updates]\nmax_bytes = \"64MiB\"\n"
    );
    let guest = |package: &str| {
        wagather_guests::path(package)
            .unwrap_or_else(|| panic!("wagather-guests built no {package}"))
    };
    for (name, component) in [
        ("cluster-operators", guest("cluster-operators")),
        ("pod-inventory", guest("pod-inventory")),
        (
            "cluster-operators-js",
            wagather_guests::polyglot("cluster_operators_js"),
        ),
        (
            "cluster-operators-py",
            wagather_guests::polyglot("cluster_operators_py"),
        ),
        (
            "test-guest-undeclared-read",
            guest("test-guest-undeclared-read"),
        ),
    ] {
        text.push_str(&format!(
            "[[gatherer]]\nname = \"{name}\"\nsource = \"{component}\"\nsignatures = \"off\"\n"
        ));
    }
    let config = ServiceConfig::parse(&text, &dir.path().join("host.toml")).expect("config");
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    tokio.block_on(async {
        let api = ApiEndpoint::Server(url.clone())
            .client()
            .await
            .expect("client");
        let mut service = Service::new(config, api).await.expect("service");
        let mut previous = Instant::now();
        soak(&mut service, periods, every, |s| {
            let now = Instant::now();
            println!(
                "sample {} {} {} {}",
                s.period,
                s.resident_bytes,
                s.open_fds,
                now.duration_since(previous).as_nanos()
            );
            previous = now;
        })
        .await
        .expect("soak");
    });
}
