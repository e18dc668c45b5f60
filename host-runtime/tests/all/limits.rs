//! A gatherer that breaks a limit fails alone: the host returns normally,
//! says why in gathers.json, and the honest gatherer's records are written.

use std::time::Duration;

use wagather_host::limits::Limits;
use wagather_host::{ApiEndpoint, GatherOptions, gather_to_archive};

use crate::gather_snapshot::{archived_cluster_operators, start_sample_server};
use crate::guests::{errors_text, gathers_json, guest, read_archive, runtime, status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_and_memory_bomb_are_stopped() {
    let gatherers = vec![
        guest("test-guest-hostile-spin"),
        guest("test-guest-hostile-memory"),
        guest("cluster-operators"),
    ];
    let server = start_sample_server().await;
    let api = ApiEndpoint::Server(server.url())
        .client()
        .await
        .expect("client");
    let out = tempfile::tempdir().expect("tempdir");
    let options = GatherOptions {
        limits: Limits {
            deadline: Duration::from_secs(1),
            memory_bytes: 64 << 20,
            ..Limits::default()
        },
        ..GatherOptions::default()
    };

    let summary = gather_to_archive(&runtime(), &gatherers, &api, &options, out.path())
        .await
        .expect("gather");
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
    let spin_errors = errors_text(spin);
    assert!(spin_errors.contains("deadline of 1s exceeded"), "{spin:#}");
    assert_eq!(spin["records_count"], 0);
    // Stopped at its deadline, not long after it.
    assert!(
        summary.reports[0].duration < Duration::from_secs(10),
        "{:?}",
        summary.reports[0].duration
    );

    let bomb = status(&gathers, "hostile-memory");
    let bomb_errors = errors_text(bomb);
    assert!(bomb_errors.contains("memory"), "{bomb:#}");
    assert!(
        bomb_errors.contains("64 MiB") || bomb_errors.contains("67108864"),
        "{bomb:#}"
    );
    assert_eq!(bomb["records_count"], 0);

    let honest = status(&gathers, "cluster-operators");
    assert!(honest["errors"].is_null(), "{honest:#}");
    assert_eq!(honest["records_count"], 31, "{honest:#}");
    assert_eq!(archived_cluster_operators(&entries).len(), 31);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_is_written_when_every_gatherer_fails() {
    let gatherers = vec![
        guest("test-guest-hostile-spin"),
        "/nonexistent/gatherer.wasm".into(),
    ];
    // Nothing listens here: no request is made anyway.
    let api = ApiEndpoint::Server("http://127.0.0.1:9".into())
        .client()
        .await
        .expect("client");
    let out = tempfile::tempdir().expect("tempdir");
    let options = GatherOptions {
        limits: Limits {
            deadline: Duration::from_millis(300),
            ..Limits::default()
        },
        ..GatherOptions::default()
    };

    let summary = gather_to_archive(&runtime(), &gatherers, &api, &options, out.path())
        .await
        .expect("gather");
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
    let missing = errors_text(status(&gathers, "gatherer"));
    assert!(missing.contains("/nonexistent/gatherer.wasm"), "{missing}");
}

/// More spinning guests than tokio workers: a guest's code runs on the
/// worker polling it, so unless a spinner yields its worker between time
/// slices, the spinners hold both workers until their deadline and the
/// honest gatherer's request, and the snapshot server answering it, never
/// get to run in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spinners_outnumbering_the_workers_do_not_stall_the_others() {
    const SPINNERS: usize = 4;
    let mut gatherers = vec![guest("cluster-operators")];
    gatherers.extend(std::iter::repeat_n(
        guest("test-guest-hostile-spin"),
        SPINNERS,
    ));
    let server = start_sample_server().await;
    let api = ApiEndpoint::Server(server.url())
        .client()
        .await
        .expect("client");
    let out = tempfile::tempdir().expect("tempdir");
    let options = GatherOptions {
        limits: Limits {
            deadline: Duration::from_secs(2),
            ..Limits::default()
        },
        // All at once, so the spinners really compete with the honest run.
        parallel: gatherers.len(),
        ..GatherOptions::default()
    };

    let summary = gather_to_archive(&runtime(), &gatherers, &api, &options, out.path())
        .await
        .expect("gather");
    server.shutdown().await;

    let honest = &summary.reports[0];
    assert_eq!(honest.name, "cluster-operators");
    assert_eq!(honest.errors, Vec::<String>::new(), "{honest:#?}");
    assert_eq!(honest.records_count, 31, "{honest:#?}");
    let entries = read_archive(&summary.archive);
    assert_eq!(archived_cluster_operators(&entries).len(), 31);

    assert_eq!(summary.reports.len(), SPINNERS + 1);
    for spinner in &summary.reports[1..] {
        assert_eq!(spinner.name, "hostile-spin");
        assert_eq!(spinner.errors, ["deadline of 2s exceeded"], "{spinner:#?}");
        assert_eq!(spinner.panic, None, "{spinner:#?}");
        assert_eq!(spinner.records_count, 0);
    }
}
