//! The `wagather` binary applies an operator policy and limits read from files.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::guests::{gathers_json, guest, read_archive, sample_snapshot, status};

/// Runs `wagather gather` with the cluster-operators gatherer against the
/// bundled snapshot plus `extra` flags; returns stdout and the
/// cluster-operators entry of the archive's gathers.json.
fn gather(out: &Path, extra: &[&std::ffi::OsStr]) -> (String, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_wagather"))
        .arg("gather")
        .arg("--gatherer")
        .arg(guest("cluster-operators"))
        .arg("--snapshot")
        .arg(sample_snapshot())
        .arg("--out")
        .arg(out)
        .arg("--no-cache")
        .args(extra)
        .output()
        .expect("run wagather");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let archive: PathBuf = std::fs::read_dir(out)
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("an archive");
    let entries = read_archive(&archive);
    let report = status(&gathers_json(&entries), "cluster-operators").clone();
    (stdout, report)
}

#[test]
fn gather_applies_a_policy_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.yaml");
    // Deny what the gatherer declares: only the operator's policy can.
    std::fs::write(
        &policy,
        "deny:\n  - {group: config.openshift.io, version: \"*\", resource: clusteroperators}\n",
    )
    .expect("write policy");
    let (stdout, report) = gather(
        &dir.path().join("out"),
        &["--policy".as_ref(), policy.as_os_str()],
    );
    assert!(
        stdout.contains("FAILED cluster-operators") && stdout.contains("denied=1"),
        "{stdout}"
    );
    assert_eq!(report["denied_requests"], 1, "{report:#}");
    assert_eq!(report["api_calls"], 0, "{report:#}");
    assert_eq!(report["records_count"], 0, "{report:#}");
    let errors = report["errors"].to_string();
    assert!(errors.contains("deny list"), "{errors}");
}

#[test]
fn gather_applies_a_limits_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = dir.path().join("limits.json");
    std::fs::write(&limits, r#"{"max_records": 5, "deadline": "1m"}"#).expect("write limits");
    let (_, report) = gather(
        &dir.path().join("out"),
        &[
            "--limits".as_ref(),
            limits.as_os_str(),
            "--memory".as_ref(),
            "128MiB".as_ref(),
        ],
    );
    // 31 ClusterOperators in the snapshot, 5 kept.
    assert_eq!(report["records_count"], 5, "{report:#}");
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("26 records dropped: the limit is 5 records per run"),
        "{errors}"
    );
}
