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

/// The cells of the summary table's row for gatherer `name`: outcome, gatherer, version,
/// records, API calls, denied, bytes, time (two cells: value and unit), errors.
fn row<'a>(stdout: &'a str, name: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.get(1) == Some(&name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{stdout}"))
}

/// The names of the status reports, in the order of the period.
fn names(gathers: &serde_json::Value) -> Vec<String> {
    gathers["status_reports"]
        .as_array()
        .expect("status_reports")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Puts a link to (or a copy of) `component` into `dir` as `file`.
fn place(component: &str, dir: &Path, file: &str) {
    let to = dir.join(file);
    if std::fs::hard_link(component, &to).is_err() {
        std::fs::copy(component, &to).expect("copy the component");
    }
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
    let cells = row(&stdout, "cluster-operators");
    assert_eq!((cells[0], cells[5]), ("FAILED", "1"), "{stdout}");
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
    assert_eq!(row(&stdout, "spinner")[0], "STOPPED", "{stdout}");
    assert_eq!(row(&stdout, "writer")[3], "4", "{stdout}");
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
fn a_catalog_runs_every_component_of_its_directory_after_the_gatherers_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).expect("mkdir");
    // File names, not manifest names, order a catalog: pod-inventory runs first here.
    place(wagather_guests::CLUSTER_OPERATORS, &catalog, "b.wasm");
    place(wagather_guests::POD_INVENTORY, &catalog, "a.wasm");
    std::fs::write(catalog.join("README.md"), "not a component").expect("write");
    let (stdout, gathers) = gather(
        &dir.path().join("out"),
        &[
            os("--gatherer"),
            os(&format!("first={}", wagather_guests::POD_INVENTORY)),
            os("--catalog"),
            catalog.as_os_str(),
        ],
    );
    assert_eq!(
        names(&gathers),
        ["first", "pod-inventory", "cluster-operators"]
    );
    let operators = status(&gathers, "cluster-operators");
    assert_eq!(operators["outcome"]["kind"], "completed", "{operators:#}");
    assert_eq!(operators["records_count"], 31, "{operators:#}");
    // The instance given first owns the paths both write; the catalog's copy is dropped and
    // says so.
    let first = status(&gathers, "first");
    let second = status(&gathers, "pod-inventory");
    assert!(first["records_count"].as_u64() > Some(0), "{first:#}");
    assert_eq!(second["records_count"], 0, "{second:#}");
    assert_eq!(second["events"][0]["kind"], "record-dropped", "{second:#}");
    assert_eq!(
        second["events"][0]["reason"]["owner"], "first",
        "{second:#}"
    );
    assert_eq!(row(&stdout, "cluster-operators")[3], "31", "{stdout}");
    assert_eq!(row(&stdout, "pod-inventory")[0], "ERRORS", "{stdout}");
}

#[test]
fn configuration_is_checked_against_the_catalog_s_manifest_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).expect("mkdir");
    place(wagather_guests::CLUSTER_OPERATORS, &catalog, "co.wasm");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let output = Command::new(env!("CARGO_BIN_EXE_wagather"))
        .args(["gather", "--no-cache", "--catalog"])
        .arg(&catalog)
        .args([
            "--config",
            "cluster-operator:k=v",
            "--server",
            "http://127.0.0.1:9",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("run wagather");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "configuration for cluster-operator, but no gatherer runs under that name (gatherers: cluster-operators)"
        ),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 0);
}

/// `wagather inspect x.wasm | head -1`: a reader that closes the pipe early ends the command
/// quietly, as it ends `cat`, rather than with a panic.
#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wagather"))
        .args(["inspect", wagather_guests::CLUSTER_OPERATORS])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run wagather");
    // Close the reading end before the command writes (it reads and parses the component
    // first): its write then fails with a broken pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait for wagather");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
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
