//! The host survives any guest, and a guest reads only what it declared.
//!
//! The hostile gatherer (`test-guests/hostile`) runs once per attack, each instance under a
//! name of its own and configured with its attack, all in ONE gather, concurrently, next to
//! the honest `examples/cluster-operators` gatherer, against the bundled snapshot served over
//! real HTTP. Each outcome is asserted on its `gathers.json` entry in the written archive, and
//! the honest gatherer must still deliver its 31 ClusterOperators untouched.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use wagather_host::{
    ApiEndpoint, Event, GatherOptions, GathererSpec, GathersJson, Limit, Limits, Outcome, RunSpec,
    Runtime, RuntimeOptions, StatusReport, gather_to_archive,
};
use wagather_snapshot::{Snapshot, SnapshotServer};

use crate::guests::workspace_dir;

/// The attacks, each run as an instance named `hostile-<attack>`.
const ATTACKS: &[&str] = &[
    "spin",
    "host-loop",
    "memory",
    "stack",
    "panic",
    "unreachable",
    "requests",
    "response",
    "records",
    "stdout",
];

/// ClusterOperators in the bundled snapshot.
const CLUSTER_OPERATORS: u32 = 31;

/// Forbidden requests the `requests` attack tries before its flood, each denied by the policy.
const FORBIDDEN: u32 = 12;
/// Requests of its flood (its default).
const FLOOD: u32 = 10_000;

const DEADLINE: Duration = Duration::from_secs(5);
/// Small enough that the `requests` attack gets through its share of the budget well within
/// the deadline while the spinning guests take their CPU time slices on the same two workers.
const MAX_REQUESTS: u32 = 100;
const MAX_RECORDS: u32 = 1000;
const MEMORY: usize = 128 << 20;
/// Tiny records the `records` attack writes in the shared gather; the million of its default
/// runs in a gather of its own.
const TINY_RECORDS: u32 = 20_000;

/// The honest gatherer, then one hostile instance per attack.
fn gatherers() -> Vec<GathererSpec> {
    std::iter::once(GathererSpec::file(wagather_guests::CLUSTER_OPERATORS))
        .chain(ATTACKS.iter().map(|attack| {
            GathererSpec::named(
                &format!("hostile-{attack}"),
                wagather_guests::TEST_GUEST_HOSTILE,
            )
        }))
        .collect()
}

/// Options that configure each hostile instance with its attack.
fn attack_options(limits: Limits) -> GatherOptions {
    let mut options = GatherOptions {
        limits,
        // Everything at once: isolation is what is under test.
        parallel: ATTACKS.len() + 1,
        ..GatherOptions::default()
    };
    // Only the attacks that are stopped by the deadline run under it; the others get room to
    // finish on a loaded machine, since what they report at the end is what is under test.
    for attack in ATTACKS {
        if !["spin", "host-loop", "stdout"].contains(attack) {
            options.limits_for.insert(
                format!("hostile-{attack}"),
                Limits {
                    deadline: Duration::from_secs(120),
                    ..options.limits.clone()
                },
            );
        }
        let mut pairs = vec![("attack".to_owned(), (*attack).to_owned())];
        if *attack == "records" {
            pairs.push(("tiny-records".to_owned(), TINY_RECORDS.to_string()));
        }
        options.config.insert(format!("hostile-{attack}"), pairs);
    }
    options
}

/// A small runtime, far fewer workers than gatherers: a guest's code runs on
/// the worker that polls it, so the honest gatherer, the HTTP client and the
/// snapshot server only get their turn because spinning guests yield their
/// worker at every epoch tick.
fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn snapshot_server() -> SnapshotServer {
    let snapshot = Snapshot::load(&workspace_dir().join("testdata/insights-archive-sample"))
        .expect("the bundled snapshot loads");
    SnapshotServer::start(Arc::new(snapshot), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("snapshot server starts")
}

/// Every entry of a `.tar.gz`, by path.
fn read_archive(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let file = std::fs::File::open(path).expect("archive opens");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut entries = BTreeMap::new();
    for entry in archive.entries().expect("tar entries") {
        let mut entry = entry.expect("tar entry");
        let name = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("entry data");
        assert!(
            entries.insert(name.clone(), data).is_none(),
            "{name} is twice in the archive"
        );
    }
    entries
}

fn report<'a>(gathers: &'a GathersJson, name: &str) -> &'a StatusReport {
    let mut found = gathers.status_reports.iter().filter(|r| r.name == name);
    let report = found
        .next()
        .unwrap_or_else(|| panic!("no gathers.json entry for {name}"));
    assert!(
        found.next().is_none(),
        "two gathers.json entries for {name}"
    );
    report
}

fn errors(report: &StatusReport) -> &[String] {
    report.errors.as_deref().unwrap_or_default()
}

#[track_caller]
fn assert_error(report: &StatusReport, expected: &str) {
    assert!(
        errors(report).iter().any(|e| e == expected),
        "{}: expected error {expected:?} in {:#?}",
        report.name,
        report.errors
    );
}

#[track_caller]
fn assert_error_containing(report: &StatusReport, part: &str) {
    assert!(
        errors(report).iter().any(|e| e.contains(part)),
        "{}: expected an error containing {part:?} in {:#?}",
        report.name,
        report.errors
    );
}

/// Size of the ClusterOperator list the honest gatherer fetches, measured
/// against the server so the response budget can sit between one list and
/// a handful.
async fn cluster_operator_list_bytes(api: &kube::Client) -> u64 {
    let request = http::Request::get("/apis/config.openshift.io/v1/clusteroperators")
        .body(Vec::new())
        .expect("request");
    let body = api.request_text(request).await.expect("list served");
    body.len() as u64
}

#[test]
fn hostile_guests_fail_alone_and_the_honest_gatherer_is_untouched() {
    let rt = tokio_runtime();
    rt.block_on(async {
        let server = snapshot_server().await;
        let api = ApiEndpoint::Server(server.url())
            .client()
            .await
            .expect("client for the snapshot server");
        let list_bytes = cluster_operator_list_bytes(&api).await;
        let limits = Limits {
            deadline: DEADLINE,
            memory_bytes: MEMORY,
            max_requests: MAX_REQUESTS,
            max_records: MAX_RECORDS,
            // Room for the honest list a few times over, not for ten.
            max_total_response_bytes: list_bytes * 3 + list_bytes / 2,
            ..Limits::default()
        };
        let options = attack_options(limits.clone());
        let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
        let out = tempfile::tempdir().expect("tempdir");
        let summary = gather_to_archive(&runtime, &gatherers(), &api, &options, out.path())
            .await
            .expect("the archive is written whatever the guests did");

        let archive = read_archive(&summary.archive);
        let gathers: GathersJson = serde_json::from_slice(
            archive
                .get("insights-operator/gathers.json")
                .expect("gathers.json in the archive"),
        )
        .expect("gathers.json parses");
        assert_eq!(gathers.status_reports.len(), ATTACKS.len() + 1);

        // The honest gatherer: all 31 ClusterOperators, no error, and the record a hostile guest
        // forged (and wrote first) is the real one: the gatherer given first owns a path.
        let honest = report(&gathers, "cluster-operators");
        assert_eq!(honest.records_count, CLUSTER_OPERATORS, "{honest:#?}");
        assert_eq!(honest.errors, None, "{honest:#?}");
        let records = report(&gathers, "hostile-records");
        assert_error(
            records,
            "record config/clusteroperator/authentication.json dropped: config/clusteroperator/authentication.json is already written by cluster-operators",
        );
        let authentication: serde_json::Value =
            serde_json::from_slice(&archive["config/clusteroperator/authentication.json"])
                .expect("authentication record is JSON");
        assert_eq!(authentication["kind"], "ClusterOperator");
        assert_eq!(authentication["metadata"]["name"], "authentication");
        assert_eq!(authentication.get("forged"), None);
        assert_eq!(honest.panic, None);
        assert_eq!(honest.api_calls, 1);
        let operators = archive
            .keys()
            .filter(|k| k.starts_with("config/clusteroperator/"))
            .count();
        assert_eq!(operators, CLUSTER_OPERATORS as usize);

        // Deadline: pure spinning, spinning around host calls, endless output.
        let deadline = "deadline of 5s exceeded";
        for name in ["hostile-spin", "hostile-host-loop", "hostile-stdout"] {
            let r = report(&gathers, name);
            assert_error(r, deadline);
            assert_eq!(r.records_count, 0, "{name}");
            assert_eq!(r.outcome, Outcome::Stopped { limit: Limit::Deadline }, "{name}");
            assert_eq!(r.panic, None, "{name}: a host limit is not the guest's panic");
        }
        // Denied requests count towards the request limit: the first MAX_REQUESTS are denied
        // (one event, counted), every later one is refused for the limit without reaching the
        // policy.
        let host_loop = report(&gathers, "hostile-host-loop");
        assert_eq!(host_loop.denied_requests, MAX_REQUESTS, "{host_loop:#?}");
        assert_eq!(host_loop.api_calls, 0, "{host_loop:#?}");
        assert_error(
            host_loop,
            &format!(
                "request denied: DELETE /api/v1/nodes: method DELETE is not allowed: gatherers are read-only (only GET) ({MAX_REQUESTS} times)"
            ),
        );
        assert!(
            host_loop.events.iter().any(|e| matches!(
                e,
                Event::LimitExceeded { limit: Limit::MaxRequests, count, .. } if *count > 1
            )),
            "{host_loop:#?}"
        );

        // Memory: the limiter refuses the growth and names the limit.
        let memory = report(&gathers, "hostile-memory");
        assert_error_containing(memory, "memory limit of 128 MiB reached");
        assert_eq!(memory.outcome, Outcome::Stopped { limit: Limit::MemoryBytes });
        assert_eq!(memory.panic, None);
        assert_eq!(memory.records_count, 0);

        // Traps of the guest's own making are reported as its panic.
        let stack = report(&gathers, "hostile-stack");
        let panic = stack.panic.as_deref().expect("stack overflow is a trap");
        assert!(panic.contains("call stack exhausted"), "{panic}");
        for name in ["hostile-panic", "hostile-unreachable"] {
            let r = report(&gathers, name);
            let panic = r.panic.as_deref().unwrap_or_else(|| panic!("{name} trapped: {r:#?}"));
            assert!(panic.contains("unreachable"), "{name}: {panic}");
            assert_eq!(r.records_count, 0);
        }

        // Requests: each forbidden one is refused with its rule, though the manifest declares
        // secrets and pods/exec; then the budget runs out. The guest reports what it saw.
        let requests = report(&gathers, "hostile-requests");
        for expected in [
            "post: denied(method POST is not allowed: gatherers are read-only (only GET))",
            "delete: denied(method DELETE is not allowed: gatherers are read-only (only GET))",
            "watch-query: denied(watch=true is not allowed: a gather is a snapshot, watches never end)",
            "watch-path: denied(/watch/ paths are not allowed: a gather is a snapshot, watches never end)",
            "exec: denied(subresource exec (core/v1 pods/exec) is never allowed: it reaches into running workloads)",
            "secrets: denied(core/v1 secrets is on the host's deny list)",
            "dotdot: denied(a .. segment in the path is not allowed (raw or percent-encoded))",
            "encoded-slash: denied(an encoded slash (%2F) in the path is not allowed)",
            "absolute-url: denied(http://169.254.169.254/latest/meta-data names a scheme: only a path such as /api/v1/nodes is allowed; the host chooses the server)",
            "authority: denied(a path starting with // names another server; only a path such as /api/v1/nodes is allowed)",
            "authorization: denied(header Authorization is set by the host only: credentials, identity and framing belong to the host)",
            "undeclared: denied(core/v1 nodes is not in this gatherer's reads)",
        ] {
            assert_error(requests, expected);
        }
        assert_eq!(requests.denied_requests, FORBIDDEN, "{requests:#?}");
        let denials = requests
            .events
            .iter()
            .filter(|e| matches!(e, Event::Denied { .. }))
            .count();
        assert_eq!(denials, FORBIDDEN as usize, "{requests:#?}");
        // The denied requests used up part of the budget: the flood gets what is left of it,
        // and only those reach the API server.
        let answered = MAX_REQUESTS - FORBIDDEN;
        assert_error(
            requests,
            &format!(
                "flood: {answered} answered, {} refused, first refusal: limit-exceeded(request limit of {MAX_REQUESTS} per run reached)",
                FLOOD - answered
            ),
        );
        assert_eq!(requests.api_calls, answered);
        assert_error(
            requests,
            &format!(
                "request limit of {MAX_REQUESTS} per run reached ({} times)",
                FLOOD - answered
            ),
        );

        // Responses: three lists fit in the run's budget, the fourth does not.
        let response = report(&gathers, "hostile-response");
        assert_error_containing(
            response,
            &format!("response: 3 answered ({} bytes), then limit-exceeded(", list_bytes * 3),
        );
        assert_eq!(response.response_bytes, list_bytes * 3);

        // Records: bad names, duplicates, the reserved metadata path, then a flood past the
        // count. Each is refused as it arrives; the guest sees every refusal.
        for expected in [
            "record ../escape dropped: the record name \"../escape\" has a .. segment: names cannot leave or repeat a folder",
            "record /etc/passwd dropped: the record name \"/etc/passwd\" is absolute: it must be relative to the archive",
            "record hostile/a/../../../escape dropped: the record name \"hostile/a/../../../escape\" has a .. segment: names cannot leave or repeat a folder",
            "record insights-operator/gathers dropped: the archive path \"insights-operator/gathers.json\" is reserved for the host's own metadata",
            "record hostile/dup dropped: hostile/dup.json is already written by hostile-records",
        ] {
            assert_error(records, expected);
        }
        // hostile/kept, hostile/dup and the forged record were written before the flood; the
        // forged one was dropped when the archive was assembled.
        let kept_tiny = MAX_RECORDS - 3;
        assert_eq!(records.records_count, MAX_RECORDS - 1);
        assert_error(
            records,
            &format!(
                "tiny records: {kept_tiny} written, {} refused, first refusal: RecordError::LimitExceeded(\"the limit of {MAX_RECORDS} records per run is reached\")",
                TINY_RECORDS - kept_tiny
            ),
        );
        assert!(
            errors(records)
                .iter()
                .any(|e| e.ends_with("more records dropped for record limits not listed")),
            "{records:#?}"
        );
        assert_eq!(archive["hostile/kept"], b"kept");
        assert_eq!(archive["hostile/dup.json"], b"{\"first\":true}");
        assert!(archive.contains_key(&format!("hostile/tiny/{}", kept_tiny - 1)));
        assert!(!archive.contains_key(&format!("hostile/tiny/{kept_tiny}")));
        assert!(
            archive
                .keys()
                .all(|k| !k.starts_with('/') && !k.split('/').any(|s| s == "..")),
            "an archive path escapes"
        );

        // The host is still healthy: the same runtime runs the honest gatherer again, against
        // the same server, with the same result.
        let honest = runtime
            .load(Path::new(wagather_guests::CLUSTER_OPERATORS))
            .expect("load honest gatherer");
        let policy = wagather_host::HostPolicy::default();
        let (again, records) = runtime
            .run_collecting(&RunSpec {
                name: "cluster-operators",
                gatherer: &honest,
                api: &api,
                limits: &limits,
                policy: &policy,
                config: &[],
            })
            .await;
        assert_eq!(again.outcome, Outcome::Completed, "{again:#?}");
        assert!(again.events.is_empty(), "{again:#?}");
        assert_eq!(records.len(), CLUSTER_OPERATORS as usize);

        server.shutdown().await;
    });
}

/// A hostile instance alone, with `attack` and `limits`.
async fn run_alone(
    api: &kube::Client,
    attack: &[(&str, &str)],
    limits: Limits,
) -> (tempfile::TempDir, wagather_host::GatherSummary) {
    let mut options = GatherOptions {
        limits,
        ..GatherOptions::default()
    };
    options.config.insert(
        "hostile".into(),
        attack
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
    let out = tempfile::tempdir().expect("tempdir");
    let summary = gather_to_archive(
        &runtime,
        &[GathererSpec::file(wagather_guests::TEST_GUEST_HOSTILE)],
        api,
        &options,
        out.path(),
    )
    .await
    .expect("archive");
    (out, summary)
}

#[test]
fn a_response_over_the_per_response_limit_is_refused() {
    let rt = tokio_runtime();
    rt.block_on(async {
        let server = snapshot_server().await;
        let api = ApiEndpoint::Server(server.url())
            .client()
            .await
            .expect("client for the snapshot server");
        let list_bytes = cluster_operator_list_bytes(&api).await;
        let limits = Limits {
            deadline: DEADLINE,
            max_response_bytes: list_bytes - 1,
            ..Limits::default()
        };
        let (_out, summary) = run_alone(&api, &[("attack", "response")], limits).await;
        let report = &summary.reports[0];
        let refusal = "response: 0 answered (0 bytes), then limit-exceeded(response to /apis/config.openshift.io/v1/clusteroperators exceeds";
        assert!(
            report.errors().iter().any(|e| e.starts_with(refusal)),
            "{:#?}",
            report.errors()
        );
        assert!(
            report.events.iter().any(|e| matches!(
                e,
                Event::LimitExceeded { limit: Limit::MaxResponseBytes, .. }
            )),
            "{report:#?}"
        );
        assert_eq!(report.metrics.response_bytes, 0);
        server.shutdown().await;
    });
}

#[test]
fn a_million_tiny_records_are_cut_to_the_record_limit() {
    let rt = tokio_runtime();
    rt.block_on(async {
        let server = snapshot_server().await;
        let api = ApiEndpoint::Server(server.url())
            .client()
            .await
            .expect("client for the snapshot server");
        let limits = Limits {
            // A bound for a slow debug build, not a timing expectation.
            deadline: Duration::from_secs(120),
            max_records: MAX_RECORDS,
            ..Limits::default()
        };
        let (_out, summary) = run_alone(&api, &[("attack", "records")], limits).await;
        let report = &summary.reports[0];
        // hostile/kept, hostile/dup and the forged authentication record (no honest gatherer
        // here to own it), then tiny ones up to the limit.
        let kept_tiny = MAX_RECORDS - 3;
        let observed = format!(
            "tiny records: {kept_tiny} written, {} refused, first refusal: RecordError::LimitExceeded(\"the limit of {MAX_RECORDS} records per run is reached\")",
            1_000_000 - kept_tiny
        );
        assert!(report.errors().contains(&observed), "{:#?}", report.errors());
        assert_eq!(report.metrics.records, MAX_RECORDS);
        assert_eq!(report.outcome, Outcome::Completed);
        let archive = read_archive(&summary.archive);
        assert_eq!(
            archive.len(),
            MAX_RECORDS as usize + 1,
            "records and gathers.json"
        );
        server.shutdown().await;
    });
}
