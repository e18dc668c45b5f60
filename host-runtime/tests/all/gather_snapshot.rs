//! Honest and undeclared reads against the bundled snapshot, served by the
//! real snapshot server and read with the real kube client.

use std::collections::BTreeMap;

use wagather_host::{GatherOptions, GathererSpec, Outcome};

use crate::guests::{
    errors_text, gather, gathers_json, read_archive, sample_snapshot, start_sample_server, status,
};

/// The sample's ClusterOperators by name, as the gatherer should write them:
/// unchanged except for `metadata.managedFields`.
pub fn expected_cluster_operators() -> BTreeMap<String, serde_json::Value> {
    let dir = sample_snapshot().join("config/clusteroperator");
    let mut expected = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("read sample dir") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let mut object: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read sample"))
                .expect("sample is JSON");
        if let Some(metadata) = object.get_mut("metadata").and_then(|m| m.as_object_mut()) {
            metadata.remove("managedFields");
        }
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        expected.insert(name, object);
    }
    expected
}

/// `config/clusteroperator/<name>.json` entries of an archive (not the
/// operator-specific subdirectories), parsed.
pub fn archived_cluster_operators(
    entries: &[(String, Vec<u8>)],
) -> BTreeMap<String, serde_json::Value> {
    entries
        .iter()
        .filter_map(|(path, data)| {
            let name = path
                .strip_prefix("config/clusteroperator/")?
                .strip_suffix(".json")?;
            if name.contains('/') {
                return None;
            }
            let value =
                serde_json::from_slice(data).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
            Some((name.to_owned(), value))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_operators_from_the_snapshot() {
    let server = start_sample_server().await;
    let (_out, summary) = gather(
        &server.url(),
        &[GathererSpec::file(wagather_guests::CLUSTER_OPERATORS)],
        &GatherOptions::default(),
    )
    .await;
    server.shutdown().await;

    let entries = read_archive(&summary.archive);
    let expected = expected_cluster_operators();
    assert_eq!(
        expected.len(),
        31,
        "the bundled sample has 31 ClusterOperators"
    );
    let archived = archived_cluster_operators(&entries);
    assert_eq!(
        archived.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, object) in &expected {
        assert_eq!(
            &archived[name], object,
            "config/clusteroperator/{name}.json differs from the sample"
        );
    }

    let gathers = gathers_json(&entries);
    let report = status(&gathers, "cluster-operators");
    assert_eq!(report["records_count"], 31, "{report:#}");
    assert!(
        report["api_calls"].as_u64().expect("api_calls") >= 1,
        "{report:#}"
    );
    assert_eq!(report["denied_requests"], 0, "{report:#}");
    assert!(
        report["response_bytes"].as_u64().expect("response_bytes") > 0,
        "{report:#}"
    );
    assert!(report["errors"].is_null(), "{report:#}");
    assert!(
        report["digest"]
            .as_str()
            .expect("digest")
            .starts_with("sha256:"),
        "{report:#}"
    );

    assert_eq!(report["outcome"]["kind"], "completed", "{report:#}");
    assert_eq!(summary.reports.len(), 1);
    assert_eq!(summary.reports[0].metrics.records, 31);
    assert_eq!(summary.reports[0].outcome, Outcome::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_read_is_denied_and_still_archived() {
    let server = start_sample_server().await;
    let (_out, summary) = gather(
        &server.url(),
        &[GathererSpec::file(
            wagather_guests::TEST_GUEST_UNDECLARED_READ,
        )],
        &GatherOptions::default(),
    )
    .await;
    server.shutdown().await;

    assert!(summary.archive.is_file());
    let entries = read_archive(&summary.archive);
    let gathers = gathers_json(&entries);
    let report = status(&gathers, "test-guest-undeclared-read");
    assert!(
        report["denied_requests"].as_u64().expect("denied_requests") >= 1,
        "{report:#}"
    );
    assert_eq!(
        report["api_calls"], 0,
        "a denied request must not reach the API: {report:#}"
    );
    // The guest asks twice and passes the second denial on with `?`: the report lists the
    // host's denial once, with the count, and not the guest's restatement of the same denial
    // (recognised by its type, not its wording).
    assert_eq!(report["denied_requests"], 2, "{report:#}");
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e.as_str().expect("error text"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let note = errors[0];
    assert!(
        note.starts_with("request denied: GET /apis/config.openshift.io/v1/clusteroperators: ")
            && note.ends_with(" (2 times)"),
        "{note}"
    );
    assert!(
        note.contains("clusteroperators is not in"),
        "the note does not give the reason: {note}"
    );
    assert_eq!(
        errors_text(report).matches("not in").count(),
        1,
        "the denial is listed more than once: {errors:#?}"
    );
    assert_eq!(report["outcome"]["kind"], "failed", "{report:#}");
    assert_eq!(
        report["events"].as_array().map(Vec::len),
        Some(1),
        "{report:#}"
    );
    assert_eq!(report["events"][0]["kind"], "denied");
    assert_eq!(report["events"][0]["count"], 2);
    assert!(
        archived_cluster_operators(&entries).is_empty(),
        "nothing may be gathered from the undeclared read"
    );
}
