//! Gatherers in JavaScript and Python are held to what Rust gatherers are: the same records
//! from the same cluster, the same denial of an undeclared read, the same deadline and memory
//! cap, with the host and the other gatherers unharmed.
//!
//! The components are built by `wagather-guests` with componentize-js and componentize-py;
//! without node or python3 their tests fail, saying so, rather than pass without them.

use std::collections::BTreeMap;
use std::time::Duration;

use wagather_host::policy::HostPolicy;
use wagather_host::{
    GatherOptions, GathererSpec, Limit, Limits, Outcome, Record, RunReport, RunSpec,
};

use crate::gather_snapshot::{archived_cluster_operators, expected_cluster_operators};
use crate::guests::{
    client, errors_text, gather, gathers_json, read_archive, runtime, start_sample_server, status,
};

/// A gatherer to run: its name, its component and its configuration.
type Gatherer<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Runs three gatherers (name, component, configuration) once against `url`, all at the same
/// time in one runtime, and returns each run's report and records. Each run keeps its own
/// records: in one period's archive the first gatherer to write a path owns it, and these
/// write the same paths.
async fn run_together(url: &str, gatherers: [Gatherer<'_>; 3]) -> Vec<(RunReport, Vec<Record>)> {
    let runtime = runtime();
    let api = client(url).await;
    let limits = Limits::default();
    let policy = HostPolicy::default();
    let loaded = gatherers.map(|(name, path, config)| {
        let gatherer = runtime
            .load(path.as_ref())
            .unwrap_or_else(|e| panic!("{name} does not load: {e}"));
        let config: Vec<(String, String)> = config
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        (name, gatherer, config)
    });
    let [a, b, c] = loaded.each_ref().map(|(name, gatherer, config)| RunSpec {
        name,
        gatherer,
        api: &api,
        limits: &limits,
        policy: &policy,
        config,
    });
    let (a, b, c) = tokio::join!(
        runtime.run_collecting(&a),
        runtime.run_collecting(&b),
        runtime.run_collecting(&c)
    );
    vec![a, b, c]
}

/// Records by archive path.
fn by_path(records: &[Record]) -> BTreeMap<String, &[u8]> {
    records
        .iter()
        .map(|r| (r.archive_path(), r.data.as_slice()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_operators_agree_in_rust_javascript_and_python() {
    let server = start_sample_server().await;
    let runs = run_together(
        &server.url(),
        [
            ("co-rust", wagather_guests::CLUSTER_OPERATORS, &[]),
            (
                "co-js",
                wagather_guests::polyglot("cluster_operators_js"),
                &[],
            ),
            (
                "co-py",
                wagather_guests::polyglot("cluster_operators_py"),
                &[],
            ),
        ],
    )
    .await;
    server.shutdown().await;

    let expected = expected_cluster_operators();
    assert_eq!(expected.len(), 31);
    let mut written = Vec::new();
    for (report, records) in &runs {
        assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
        assert!(report.events.is_empty(), "{report:#?}");
        assert_eq!(report.metrics.records, 31, "{report:#?}");
        assert_eq!(report.metrics.denied_requests, 0, "{report:#?}");
        // One page of up to 500 holds all 31.
        assert_eq!(report.metrics.api_calls, 1, "{report:#?}");
        let records = by_path(records);
        let paths: std::collections::BTreeSet<String> = expected
            .keys()
            .map(|name| format!("config/clusteroperator/{name}.json"))
            .collect();
        assert_eq!(
            records
                .keys()
                .cloned()
                .collect::<std::collections::BTreeSet<_>>(),
            paths,
            "{}: archive paths",
            report.name
        );
        for (name, object) in &expected {
            let data = records[&format!("config/clusteroperator/{name}.json")];
            let value: serde_json::Value = serde_json::from_slice(data)
                .unwrap_or_else(|e| panic!("{}: {name} is not JSON: {e}", report.name));
            assert_eq!(&value, object, "{}: the record of {name}", report.name);
        }
        written.push(records);
    }
    // JavaScript and Python keep the server's key order and escape alike: the same bytes.
    // (Rust writes its typed structs' field order, which is the same here only because the
    // snapshot server sorts keys; equality as parsed JSON is what holds in general.)
    assert_eq!(
        written[1], written[2],
        "JavaScript and Python records differ in bytes"
    );
    // Each language's record bytes, as the runs report them, agree with the records.
    for (report, records) in &runs {
        let bytes: u64 = records.iter().map(|r| r.data.len() as u64).sum();
        assert_eq!(report.metrics.record_bytes, bytes, "{}", report.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeclared_read_is_denied_in_every_language_alike() {
    let server = start_sample_server().await;
    let undeclared: &[(&str, &str)] = &[("attack", "undeclared")];
    let runs = run_together(
        &server.url(),
        [
            (
                "undeclared-rust",
                wagather_guests::TEST_GUEST_UNDECLARED_READ,
                &[],
            ),
            (
                "undeclared-js",
                wagather_guests::polyglot("hostile_js"),
                undeclared,
            ),
            (
                "undeclared-py",
                wagather_guests::polyglot("hostile_py"),
                undeclared,
            ),
        ],
    )
    .await;
    server.shutdown().await;

    let (rust, rust_records) = &runs[0];
    assert_eq!(rust.outcome, Outcome::Failed, "{rust:#?}");
    assert!(rust.metrics.denied_requests >= 1, "{rust:#?}");
    assert_eq!(
        rust.metrics.api_calls, 0,
        "a denied request never reaches the API: {rust:#?}"
    );
    let outcome: serde_json::Value =
        serde_json::from_slice(&rust_records[0].data).expect("the outcome is JSON");
    assert_eq!(outcome["denied"], true, "{outcome}");
    for (report, records) in &runs[1..] {
        // The same outcome, the same metrics, the same typed events (the policy's denial and
        // the guest's own error naming it), as the Rust gatherer's.
        assert_eq!(report.outcome, rust.outcome, "{}", report.name);
        assert_eq!(
            report.metrics.api_calls, rust.metrics.api_calls,
            "{}",
            report.name
        );
        assert_eq!(
            report.metrics.denied_requests, rust.metrics.denied_requests,
            "{}",
            report.name
        );
        assert_eq!(
            serde_json::to_value(&report.events).expect("events serialize"),
            serde_json::to_value(&rust.events).expect("events serialize"),
            "{}",
            report.name
        );
        assert_eq!(records.len(), 1, "{}", report.name);
        assert_eq!(records[0].archive_path(), rust_records[0].archive_path());
        let theirs: serde_json::Value =
            serde_json::from_slice(&records[0].data).expect("the outcome is JSON");
        assert_eq!(theirs, outcome, "{}: the recorded denial", report.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_and_memory_cap_stop_javascript_and_python() {
    const DEADLINE: Duration = Duration::from_secs(2);
    const MEMORY: usize = 96 << 20;
    let server = start_sample_server().await;
    let mut options = GatherOptions {
        limits: Limits {
            deadline: DEADLINE,
            memory_bytes: MEMORY,
            ..Limits::default()
        },
        // Everything at once: the honest gatherer runs while the others spin and allocate.
        parallel: 5,
        ..GatherOptions::default()
    };
    let mut gatherers = vec![GathererSpec::file(wagather_guests::CLUSTER_OPERATORS)];
    for language in ["js", "py"] {
        for attack in ["spin", "alloc"] {
            let name = format!("{attack}-{language}");
            gatherers.push(GathererSpec::named(
                &name,
                wagather_guests::polyglot(&format!("hostile_{language}")),
            ));
            options
                .config
                .insert(name, vec![("attack".into(), attack.into())]);
        }
    }
    let (_out, summary) = gather(&server.url(), &gatherers, &options).await;
    server.shutdown().await;

    let entries = read_archive(&summary.archive);
    let gathers = gathers_json(&entries);
    for language in ["js", "py"] {
        let spin = summary
            .reports
            .iter()
            .find(|r| r.name == format!("spin-{language}"))
            .expect("spin report");
        assert_eq!(
            spin.outcome,
            Outcome::Stopped {
                limit: Limit::Deadline
            },
            "{spin:#?}"
        );
        assert!(spin.duration < DEADLINE * 5, "{:?}", spin.duration);
        let report = status(&gathers, &spin.name);
        assert!(
            errors_text(report).contains("deadline of 2s exceeded"),
            "{report:#}"
        );
        // What it wrote before it was stopped is kept.
        assert_eq!(report["records_count"], 1, "{report:#}");
        let kept = format!("hostile-{language}/before-spin");
        assert!(
            entries.iter().any(|(path, _)| *path == kept),
            "{kept} is not in the archive"
        );

        let alloc = summary
            .reports
            .iter()
            .find(|r| r.name == format!("alloc-{language}"))
            .expect("alloc report");
        assert_eq!(
            alloc.outcome,
            Outcome::Stopped {
                limit: Limit::MemoryBytes
            },
            "{alloc:#?}"
        );
        assert!(
            alloc.metrics.peak_memory_bytes <= MEMORY as u64,
            "{alloc:#?}"
        );
        let report = status(&gathers, &alloc.name);
        assert!(
            errors_text(report).contains("memory limit of 96 MiB reached"),
            "{report:#}"
        );
        assert_eq!(report["records_count"], 1, "{report:#}");
    }

    // The host and the honest gatherer are unharmed.
    let honest = status(&gathers, "cluster-operators");
    assert!(honest["errors"].is_null(), "{honest:#}");
    assert_eq!(honest["records_count"], 31, "{honest:#}");
    assert_eq!(archived_cluster_operators(&entries).len(), 31);
}

/// In one period the three write the same 31 paths: the archive keeps the first gatherer's
/// (the operator's order decides, not speed), and the others' reports name every path they
/// lost to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_one_period_the_three_write_the_same_paths() {
    use wagather_host::Event;
    use wagather_host::report::DropReason;

    let server = start_sample_server().await;
    let gatherers = [
        GathererSpec::named("co-rust", wagather_guests::CLUSTER_OPERATORS),
        GathererSpec::named("co-js", wagather_guests::polyglot("cluster_operators_js")),
        GathererSpec::named("co-py", wagather_guests::polyglot("cluster_operators_py")),
    ];
    let options = GatherOptions {
        parallel: 3,
        ..GatherOptions::default()
    };
    let (_out, summary) = gather(&server.url(), &gatherers, &options).await;
    server.shutdown().await;

    let entries = read_archive(&summary.archive);
    let expected = expected_cluster_operators();
    assert_eq!(archived_cluster_operators(&entries), expected);
    let paths: std::collections::BTreeSet<String> = expected
        .keys()
        .map(|name| format!("config/clusteroperator/{name}.json"))
        .collect();

    let rust = &summary.reports[0];
    assert_eq!(rust.name, "co-rust");
    assert_eq!(rust.outcome, Outcome::Completed, "{rust:#?}");
    assert_eq!(rust.metrics.records, 31, "{rust:#?}");
    assert!(rust.events.is_empty(), "{rust:#?}");
    for report in &summary.reports[1..] {
        assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
        assert_eq!(report.metrics.records, 0, "{report:#?}");
        let mut listed = 0;
        let mut omitted = 0;
        for event in &report.events {
            match event {
                Event::RecordDropped {
                    reason: DropReason::Duplicate { path, owner },
                    ..
                } => {
                    assert_eq!(owner, "co-rust", "{report:#?}");
                    assert!(paths.contains(path), "{path} is not a ClusterOperator path");
                    listed += 1;
                }
                Event::Omitted { count, .. } => omitted += count,
                other => panic!("{}: unexpected event {other:?}", report.name),
            }
        }
        assert_eq!(listed + omitted, 31, "{report:#?}");
    }
}
