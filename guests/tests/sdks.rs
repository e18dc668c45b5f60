//! The JavaScript and Python SDKs' own unit tests, and those of the examples written with them:
//! node's test runner and Python's unittest, run from `cargo test`. Both are required: a
//! missing node or python3 fails these tests rather than skipping them.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("guests/ lives in the workspace root")
        .to_owned()
}

/// Runs `cmd` in the workspace and fails the test with its output unless it succeeds.
fn check(what: &str, cmd: &mut Command) {
    let output = cmd
        .current_dir(workspace())
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start {:?}: {e}", cmd.get_program()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{what} failed:\n{text}");
    // Each runner prints how many tests ran: none would be a silent pass.
    assert!(
        !text.contains("# tests 0") && !text.contains("Ran 0 tests"),
        "{what} ran no test:\n{text}"
    );
}

fn node(dir: &str) {
    let register = workspace().join("sdk-js/testing/register.js");
    check(
        &format!("node --test {dir}"),
        Command::new("node")
            .arg("--import")
            .arg(register)
            .arg("--test")
            .arg(dir),
    );
}

fn python(dir: &str, path: &str) {
    check(
        &format!("python3 -m unittest {dir}"),
        Command::new("python3")
            .env("PYTHONPATH", path)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args(["-m", "unittest", "discover", "-s", dir, "-t", dir]),
    );
}

#[test]
fn javascript_sdk() {
    node("sdk-js/test");
}

#[test]
fn javascript_cluster_operators() {
    node("examples/cluster-operators-js");
}

#[test]
fn python_sdk() {
    python("sdk-py/tests", "sdk-py");
}

#[test]
fn python_cluster_operators() {
    python(
        "examples/cluster-operators-py",
        "sdk-py:examples/cluster-operators-py",
    );
}
