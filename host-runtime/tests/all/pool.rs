//! The instance pool: runs beyond its slots wait instead of failing, limits it cannot hold
//! are refused before the run, and a runtime without a pool runs the same gatherer alike.

use std::path::Path;

use wagather_host::{Limits, Outcome, PoolOptions, Record, RunReport, Runtime, RuntimeOptions};

use crate::guests::{client, start_sample_server};

/// Runs cluster-operators three times at once in `runtime` against the bundled sample.
async fn run_three_at_once(runtime: &Runtime, limits: &Limits) -> Vec<(RunReport, Vec<Record>)> {
    let server = start_sample_server().await;
    let api = client(&server.url()).await;
    let gatherer = runtime
        .load(Path::new(wagather_guests::CLUSTER_OPERATORS))
        .expect("load");
    let policy = wagather_host::HostPolicy::default();
    let spec = wagather_host::RunSpec {
        name: "cluster-operators",
        gatherer: &gatherer,
        api: &api,
        limits,
        policy: &policy,
        config: &[],
    };
    let (a, b, c) = tokio::join!(
        runtime.run_collecting(&spec),
        runtime.run_collecting(&spec),
        runtime.run_collecting(&spec)
    );
    server.shutdown().await;
    vec![a, b, c]
}

fn assert_complete(runs: &[(RunReport, Vec<Record>)]) {
    for (report, records) in runs {
        assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
        assert!(report.events.is_empty(), "{:#?}", report.events);
        assert_eq!(records.len(), 31);
        assert_eq!(report.metrics.records, 31);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_beyond_the_pool_wait_for_a_slot() {
    let runtime = Runtime::new(RuntimeOptions {
        pool: Some(PoolOptions {
            max_instances: 1,
            ..PoolOptions::default()
        }),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    assert_complete(&run_three_at_once(&runtime, &Limits::default()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_the_pool_cannot_hold_are_refused_before_the_run() {
    let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let limits = Limits {
        max_tables: PoolOptions::default().max_tables as usize + 1,
        ..Limits::default()
    };
    for (report, records) in run_three_at_once(&runtime, &limits).await {
        assert!(records.is_empty());
        assert_eq!(report.metrics.api_calls, 0);
        let Outcome::NotRun { reason } = &report.outcome else {
            panic!("ran: {report:#?}");
        };
        let expected = format!("limit max_tables = {}", limits.max_tables);
        assert!(
            reason.contains(&expected) && reason.contains("exceeds the runtime's instance pool"),
            "{reason}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_without_a_pool_runs_the_same_gatherer() {
    let runtime = Runtime::new(RuntimeOptions {
        pool: None,
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    assert_complete(&run_three_at_once(&runtime, &Limits::default()).await);
}
