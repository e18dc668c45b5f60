//! Records are streamed to the host as they are written: a run that ends badly keeps what it
//! wrote before, as the Insights Operator keeps a failing gatherer's partial results.

use std::time::Duration;

use wagather_host::{GatherOptions, GathererSpec, Limit, Limits, Outcome};

use crate::guests::{
    configured, entry, gather, gathers_json, read_archive, start_sample_server, status,
};

fn before(entries: &[(String, Vec<u8>)], i: usize) -> String {
    let data = entry(entries, &format!("hostile/before/{i}"))
        .unwrap_or_else(|| panic!("hostile/before/{i} is missing"));
    String::from_utf8_lossy(data).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_that_traps_after_three_records_keeps_them() {
    let server = start_sample_server().await;
    let options = configured(
        GatherOptions::default(),
        "trapper",
        &[("records-before", "3"), ("attack", "panic")],
    );
    let (_out, summary) = gather(
        &server.url(),
        &[
            GathererSpec::named("trapper", wagather_guests::TEST_GUEST_HOSTILE),
            GathererSpec::file(wagather_guests::CLUSTER_OPERATORS),
        ],
        &options,
    )
    .await;
    server.shutdown().await;

    let entries = read_archive(&summary.archive);
    for i in 0..3 {
        assert_eq!(
            before(&entries, i),
            format!("record {i} written before the attack")
        );
    }
    assert!(entry(&entries, "hostile/before/3").is_none());
    let gathers = gathers_json(&entries);
    let report = status(&gathers, "trapper");
    assert_eq!(report["records_count"], 3, "{report:#}");
    assert_eq!(report["outcome"]["kind"], "trapped", "{report:#}");
    assert!(
        report["panic"]
            .as_str()
            .is_some_and(|p| p.contains("unreachable")),
        "{report:#}"
    );
    // The other gatherer of the period is untouched.
    assert_eq!(status(&gathers, "cluster-operators")["records_count"], 31);
    assert_eq!(summary.reports[0].metrics.records, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_stopped_by_its_deadline_keeps_its_earlier_records() {
    let server = start_sample_server().await;
    let mut options = configured(
        GatherOptions::default(),
        "slow",
        &[("records-before", "2"), ("attack", "spin")],
    );
    options.limits_for.insert(
        "slow".into(),
        Limits {
            deadline: Duration::from_millis(300),
            ..Limits::default()
        },
    );
    let (_out, summary) = gather(
        &server.url(),
        &[GathererSpec::named(
            "slow",
            wagather_guests::TEST_GUEST_HOSTILE,
        )],
        &options,
    )
    .await;
    server.shutdown().await;

    let entries = read_archive(&summary.archive);
    assert_eq!(before(&entries, 0), "record 0 written before the attack");
    assert_eq!(before(&entries, 1), "record 1 written before the attack");
    let report = &summary.reports[0];
    assert_eq!(
        report.outcome,
        Outcome::Stopped {
            limit: Limit::Deadline
        }
    );
    assert_eq!(report.metrics.records, 2);
    let gathers = gathers_json(&entries);
    assert!(
        crate::guests::errors_text(status(&gathers, "slow")).contains("deadline of 300ms exceeded"),
        "{gathers:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_stopped_by_its_memory_cap_keeps_its_earlier_records() {
    let server = start_sample_server().await;
    let mut options = configured(
        GatherOptions::default(),
        "hungry",
        &[("records-before", "1"), ("attack", "memory")],
    );
    options.limits_for.insert(
        "hungry".into(),
        Limits {
            memory_bytes: 32 << 20,
            ..Limits::default()
        },
    );
    let (_out, summary) = gather(
        &server.url(),
        &[GathererSpec::named(
            "hungry",
            wagather_guests::TEST_GUEST_HOSTILE,
        )],
        &options,
    )
    .await;
    server.shutdown().await;
    let entries = read_archive(&summary.archive);
    assert_eq!(before(&entries, 0), "record 0 written before the attack");
    assert_eq!(
        summary.reports[0].outcome,
        Outcome::Stopped {
            limit: Limit::MemoryBytes
        }
    );
}
