//! A gatherer that breaks a limit fails alone: the host returns normally, says why in
//! gathers.json, and the honest gatherer's records are written.

use std::time::Duration;

use wagather_host::{GatherOptions, GathererSpec, Limit, Limits, Outcome};

use crate::gather_snapshot::archived_cluster_operators;
use crate::guests::{errors_text, gather, gathers_json, read_archive, start_sample_server, status};

fn hostile(name: &str) -> GathererSpec {
    GathererSpec::named(name, wagather_guests::TEST_GUEST_HOSTILE)
}

fn attack(options: &mut GatherOptions, name: &str, attack: &str) {
    options
        .config
        .insert(name.into(), vec![("attack".into(), attack.into())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_and_memory_bomb_are_stopped() {
    let server = start_sample_server().await;
    let mut options = GatherOptions {
        limits: Limits {
            deadline: Duration::from_secs(1),
            memory_bytes: 64 << 20,
            ..Limits::default()
        },
        ..GatherOptions::default()
    };
    attack(&mut options, "hostile-spin", "spin");
    attack(&mut options, "hostile-memory", "memory");
    let (_out, summary) = gather(
        &server.url(),
        &[
            hostile("hostile-spin"),
            hostile("hostile-memory"),
            GathererSpec::file(wagather_guests::CLUSTER_OPERATORS),
        ],
        &options,
    )
    .await;
    server.shutdown().await;

    // Reports come back in the order the gatherers were given.
    let names: Vec<&str> = summary.reports.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["hostile-spin", "hostile-memory", "cluster-operators"]
    );

    let entries = read_archive(&summary.archive);
    let gathers = gathers_json(&entries);

    let spin = status(&gathers, "hostile-spin");
    assert!(
        errors_text(spin).contains("deadline of 1s exceeded"),
        "{spin:#}"
    );
    assert_eq!(spin["records_count"], 0);
    assert_eq!(spin["outcome"]["limit"], "deadline");
    // Stopped at its deadline, not long after it.
    assert!(
        summary.reports[0].duration < Duration::from_secs(10),
        "{:?}",
        summary.reports[0].duration
    );

    let bomb = status(&gathers, "hostile-memory");
    assert!(
        errors_text(bomb).contains("memory limit of 64 MiB reached"),
        "{bomb:#}"
    );
    assert_eq!(bomb["records_count"], 0);
    assert_eq!(bomb["events"][0]["limit"], "memory_bytes");
    assert!(
        bomb["peak_memory_bytes"].as_u64().expect("peak") <= 64 << 20,
        "{bomb:#}"
    );

    let honest = status(&gathers, "cluster-operators");
    assert!(honest["errors"].is_null(), "{honest:#}");
    assert_eq!(honest["records_count"], 31, "{honest:#}");
    assert_eq!(archived_cluster_operators(&entries).len(), 31);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_is_written_when_every_gatherer_fails() {
    let mut options = GatherOptions {
        limits: Limits {
            deadline: Duration::from_millis(300),
            ..Limits::default()
        },
        ..GatherOptions::default()
    };
    attack(&mut options, "hostile-spin", "spin");
    // Nothing listens here: no request is made anyway.
    let (_out, summary) = gather(
        "http://127.0.0.1:9",
        &[
            hostile("hostile-spin"),
            GathererSpec::file("/nonexistent/gatherer.wasm"),
        ],
        &options,
    )
    .await;
    assert!(summary.has_errors());
    let entries = read_archive(&summary.archive);
    assert_eq!(
        entries.len(),
        1,
        "only gathers.json: {:?}",
        entries.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    let gathers = gathers_json(&entries);
    assert!(errors_text(status(&gathers, "hostile-spin")).contains("deadline of 300ms exceeded"));
    let missing = status(&gathers, "gatherer");
    assert!(
        errors_text(missing).contains("/nonexistent/gatherer.wasm: read:"),
        "{missing:#}"
    );
    assert_eq!(missing["outcome"]["kind"], "not-run");
}

/// More spinning guests than tokio workers: a guest's code runs on the worker polling it, so
/// unless a spinner yields its worker between time slices, the spinners hold both workers
/// until their deadline and the honest gatherer's request, and the snapshot server answering
/// it, never get to run in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spinners_outnumbering_the_workers_do_not_stall_the_others() {
    const SPINNERS: usize = 4;
    let mut gatherers = vec![GathererSpec::file(wagather_guests::CLUSTER_OPERATORS)];
    let mut options = GatherOptions {
        limits: Limits {
            deadline: Duration::from_secs(2),
            ..Limits::default()
        },
        // All at once, so the spinners really compete with the honest run.
        parallel: SPINNERS + 1,
        ..GatherOptions::default()
    };
    for i in 0..SPINNERS {
        let name = format!("spinner-{i}");
        gatherers.push(hostile(&name));
        attack(&mut options, &name, "spin");
    }
    let server = start_sample_server().await;
    let (_out, summary) = gather(&server.url(), &gatherers, &options).await;
    server.shutdown().await;

    let honest = &summary.reports[0];
    assert_eq!(honest.name, "cluster-operators");
    assert_eq!(honest.outcome, Outcome::Completed, "{honest:#?}");
    assert!(honest.events.is_empty(), "{honest:#?}");
    assert_eq!(honest.metrics.records, 31, "{honest:#?}");
    let entries = read_archive(&summary.archive);
    assert_eq!(archived_cluster_operators(&entries).len(), 31);

    assert_eq!(summary.reports.len(), SPINNERS + 1);
    for spinner in &summary.reports[1..] {
        assert!(spinner.name.starts_with("spinner-"));
        assert_eq!(
            spinner.errors(),
            ["deadline of 2s exceeded"],
            "{spinner:#?}"
        );
        assert_eq!(
            spinner.outcome,
            Outcome::Stopped {
                limit: Limit::Deadline
            }
        );
        assert_eq!(spinner.metrics.records, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_under_one_name_are_refused() {
    let server = start_sample_server().await;
    let (_out, summary) = gather(
        &server.url(),
        &[
            GathererSpec::file(wagather_guests::CLUSTER_OPERATORS),
            GathererSpec::file(wagather_guests::CLUSTER_OPERATORS),
        ],
        &GatherOptions::default(),
    )
    .await;
    server.shutdown().await;
    assert_eq!(summary.reports[0].outcome, Outcome::Completed);
    let Outcome::NotRun { reason } = &summary.reports[1].outcome else {
        panic!("ran twice: {:#?}", summary.reports[1]);
    };
    assert!(
        reason.contains("another gatherer of this period is named cluster-operators"),
        "{reason}"
    );
}
