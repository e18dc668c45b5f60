//! The `wagather` binary end to end: the real guests, the bundled snapshot served in-process,
//! the policy, limits and configuration read from files and flags.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sample_snapshot() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/insights-archive-sample")
}

/// Runs `wagather gather` against the bundled snapshot with `args`; returns stdout and the
/// archive's `gathers.json`.
fn gather(out: &Path, args: &[&OsStr]) -> (String, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_wagather"))
        .arg("gather")
        .arg("--snapshot")
        .arg(sample_snapshot())
        .arg("--out")
        .arg(out)
        .arg("--no-cache")
        .args(args)
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
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&archive).expect("open archive"),
    ));
    for entry in tar.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        if entry.path().expect("path").to_string_lossy() == "insights-operator/gathers.json" {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read");
            return (stdout, serde_json::from_slice(&data).expect("gathers.json"));
        }
    }
    panic!("no gathers.json in {}", archive.display());
}

fn status<'a>(gathers: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    gathers["status_reports"]
        .as_array()
        .expect("status_reports")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no status report for {name}: {gathers:#}"))
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
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
    let (stdout, gathers) = gather(
        &dir.path().join("out"),
        &[
            os("--gatherer"),
            os(wagather_guests::CLUSTER_OPERATORS),
            os("--policy"),
            policy.as_os_str(),
        ],
    );
    assert!(
        stdout.contains("FAILED  cluster-operators") && stdout.contains("denied=1"),
        "{stdout}"
    );
    let report = status(&gathers, "cluster-operators");
    assert_eq!(report["denied_requests"], 1, "{report:#}");
    assert_eq!(report["api_calls"], 0, "{report:#}");
    assert_eq!(report["records_count"], 0, "{report:#}");
    assert!(
        report["errors"].to_string().contains("deny list"),
        "{report:#}"
    );
}

#[test]
fn gather_applies_a_limits_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = dir.path().join("limits.json");
    std::fs::write(&limits, r#"{"max_records": 5, "deadline": "1m"}"#).expect("write limits");
    let (_, gathers) = gather(
        &dir.path().join("out"),
        &[
            os("--gatherer"),
            os(wagather_guests::CLUSTER_OPERATORS),
            os("--limits"),
            limits.as_os_str(),
            os("--memory"),
            os("128MiB"),
        ],
    );
    // 31 ClusterOperators in the snapshot; the sixth is refused and the gatherer stops there.
    let report = status(&gathers, "cluster-operators");
    assert_eq!(report["records_count"], 5, "{report:#}");
    assert_eq!(report["events"][0]["kind"], "record-dropped", "{report:#}");
    assert_eq!(
        report["events"][0]["reason"]["limit"], "max_records",
        "{report:#}"
    );
    assert!(
        report["errors"]
            .to_string()
            .contains("the limit of 5 records per run is reached"),
        "{report:#}"
    );
}

#[test]
fn each_gatherer_gets_its_own_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, "writer:\n  records-before: 2\n  attack: none\n").expect("write");
    let (stdout, gathers) = gather(
        &dir.path().join("out"),
        &[
            os("--gatherer"),
            os(&format!("writer={}", wagather_guests::TEST_GUEST_HOSTILE)),
            os("--gatherer"),
            os(&format!("spinner={}", wagather_guests::TEST_GUEST_HOSTILE)),
            os("--config-file"),
            config.as_os_str(),
            os("--config"),
            os("spinner:attack=spin"),
            os("--config"),
            os("writer:records-before=4"),
            os("--deadline"),
            os("1s"),
        ],
    );
    // The flag wins over the file for the key it names; each instance got its own settings.
    let writer = status(&gathers, "writer");
    assert_eq!(writer["records_count"], 4, "{writer:#}");
    assert_eq!(writer["outcome"]["kind"], "completed", "{writer:#}");
    let spinner = status(&gathers, "spinner");
    assert_eq!(spinner["outcome"]["kind"], "stopped", "{spinner:#}");
    assert_eq!(spinner["records_count"], 0, "{spinner:#}");
    assert!(stdout.contains("STOPPED spinner"), "{stdout}");
}

#[test]
fn configuration_for_a_gatherer_not_in_the_period_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_wagather"))
        .args(["gather", "--gatherer"])
        .arg(format!("writer={}", wagather_guests::TEST_GUEST_HOSTILE))
        .args([
            "--config",
            "typo:attack=spin",
            "--server",
            "http://127.0.0.1:9",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .expect("run wagather");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("configuration for typo, but no gatherer runs under that name"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn inspect_shows_the_manifest_and_the_contract_interfaces() {
    let output = Command::new(env!("CARGO_BIN_EXE_wagather"))
        .args(["inspect", wagather_guests::CLUSTER_OPERATORS])
        .output()
        .expect("run wagather");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("\"name\": \"cluster-operators\""),
        "{stdout}"
    );
    assert!(stdout.contains("wagather:gatherer/kube@0.2.0"), "{stdout}");
    assert!(
        stdout.contains("wagather:gatherer/output@0.2.0"),
        "{stdout}"
    );
    assert!(stdout.contains("gather"), "{stdout}");
}
