//! The service over many periods, for what grows: five gatherers (cluster-operators in Rust,
//! JavaScript and Python, pod-inventory, and one whose undeclared read is denied every period)
//! from files against the bundled snapshot, periods back to back
//! ([`wagather_host::service::soak`]), printing resident memory and open descriptors after the
//! first period and every `EVERY` periods.
//!
//! ```sh
//! cargo run --profile bench -p wagather-host --example soak -- [PERIODS=1000] [EVERY=100]
//! ```

use std::sync::Arc;
use std::time::Instant;

use wagather_host::ApiEndpoint;
use wagather_host::service::Service;
use wagather_host::service::config::ServiceConfig;
use wagather_host::service::soak::soak;
use wagather_snapshot::{Snapshot, SnapshotServer};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let periods: u64 = args.next().map_or(1000, |a| a.parse().expect("PERIODS"));
    let every: u64 = args.next().map_or(100, |a| a.parse().expect("EVERY"));
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/insights-archive-sample");
    let snapshot = Snapshot::load(&sample).expect("the bundled snapshot");
    let server = SnapshotServer::start(Arc::new(snapshot), ([127, 0, 0, 1], 0).into())
        .await
        .expect("snapshot server");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = format!(
        "period = \"1h\"\n[api]\nserver = \"{}\"\n[output]\ndir = \"out\"\n[state]\ndir = \"state\"\n[updates]\nmax_bytes = \"64MiB\"\n",
        server.url()
    );
    for (name, component) in [
        ("cluster-operators", wagather_guests::CLUSTER_OPERATORS),
        ("pod-inventory", wagather_guests::POD_INVENTORY),
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
            wagather_guests::TEST_GUEST_UNDECLARED_READ,
        ),
    ] {
        text.push_str(&format!(
            "[[gatherer]]\nname = \"{name}\"\nsource = \"{component}\"\nsignatures = \"off\"\n"
        ));
    }
    let config = ServiceConfig::parse(&text, &dir.path().join("host.toml")).expect("config");
    let api = ApiEndpoint::Server(server.url())
        .client()
        .await
        .expect("client");
    let mut service = Service::new(config, api).await.expect("service");
    println!(
        "{:>7} {:>12} {:>5} {:>14}",
        "period", "resident MiB", "fds", "ms per period"
    );
    let mut previous = (0u64, Instant::now());
    soak(&mut service, periods, every, |s| {
        let now = Instant::now();
        let per = now.duration_since(previous.1).as_secs_f64() * 1e3
            / (s.period - previous.0).max(1) as f64;
        println!(
            "{:>7} {:>12.1} {:>5} {:>14.1}",
            s.period,
            s.resident_bytes as f64 / f64::from(1u32 << 20),
            s.open_fds,
            per
        );
        previous = (s.period, now);
    })
    .await
    .expect("soak");
    server.shutdown().await;
}
