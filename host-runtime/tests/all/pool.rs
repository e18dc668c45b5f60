//! The instance pool: runs beyond its slots wait instead of failing, limits it
//! cannot hold are refused before the run, and a runtime without a pool runs
//! the same gatherer alike.

use wagather_host::limits::Limits;
use wagather_host::policy::HostPolicy;
use wagather_host::{ApiEndpoint, PoolOptions, RunOutcome, Runtime, RuntimeOptions};

use crate::gather_snapshot::start_sample_server;
use crate::guests::guest;

/// Runs cluster-operators three times at once in `runtime` against the
/// bundled sample, with `limits`.
async fn run_three_at_once(runtime: &Runtime, limits: &Limits) -> [RunOutcome; 3] {
    let server = start_sample_server().await;
    let api = ApiEndpoint::Server(server.url())
        .client()
        .await
        .expect("client");
    let gatherer = runtime.load(&guest("cluster-operators")).expect("load");
    let policy = HostPolicy::default();
    let run = || runtime.run(&gatherer, &api, limits, &policy, &[]);
    let (a, b, c) = tokio::join!(run(), run(), run());
    server.shutdown().await;
    [a, b, c]
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
    let outcomes = run_three_at_once(&runtime, &Limits::default()).await;
    for outcome in &outcomes {
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        assert_eq!(outcome.records.len(), 31);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_the_pool_cannot_hold_are_refused_before_the_run() {
    let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let limits = Limits {
        max_tables: PoolOptions::default().max_tables as usize + 1,
        ..Limits::default()
    };
    for outcome in run_three_at_once(&runtime, &limits).await {
        assert_refused(&outcome, &limits);
    }
}

fn assert_refused(outcome: &RunOutcome, limits: &Limits) {
    assert!(outcome.records.is_empty());
    assert_eq!(outcome.api_calls, 0);
    assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
    let expected = format!("limit max_tables = {}", limits.max_tables);
    assert!(
        outcome.errors[0].contains(&expected)
            && outcome.errors[0].contains("exceeds the runtime's instance pool"),
        "{}",
        outcome.errors[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_without_a_pool_runs_the_same_gatherer() {
    let runtime = Runtime::new(RuntimeOptions {
        pool: None,
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let outcomes = run_three_at_once(&runtime, &Limits::default()).await;
    for outcome in &outcomes {
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        assert_eq!(outcome.records.len(), 31);
    }
}
