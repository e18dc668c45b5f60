//! Builds the guest components once per test process and finds them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use wagather_host::{Runtime, RuntimeOptions};

/// Every guest the tests run: the SDK's (the example and undeclared-read) and the ones written
/// with plain wit-bindgen (post and the hostile corpus, see `hostile.rs`).
const GUESTS: &[&str] = &[
    "cluster-operators",
    "test-guest-undeclared-read",
    "test-guest-post",
    "test-guest-hostile-spin",
    "test-guest-hostile-host-loop",
    "test-guest-hostile-memory",
    "test-guest-hostile-stack",
    "test-guest-hostile-panic",
    "test-guest-hostile-unreachable",
    "test-guest-hostile-requests",
    "test-guest-hostile-response",
    "test-guest-hostile-records",
    "test-guest-hostile-stdout",
];

pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host-runtime has a parent")
        .to_owned()
}

/// The target directory this test binary was built into (where the guests go too).
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            workspace_dir().join(dir)
        };
    }
    // <target>/<profile>/deps/all-<hash>
    let exe = std::env::current_exe().expect("current exe");
    exe.ancestors()
        .nth(3)
        .expect("test binary is in <target>/<profile>/deps")
        .to_owned()
}

fn build(crates: &[&str]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--release")
        .args(["--target", "wasm32-wasip2"])
        .arg("--manifest-path")
        .arg(workspace_dir().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir());
    for name in crates {
        command.args(["-p", name]);
    }
    let output = command
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "building {crates:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Path of a guest component, building every test guest first (once per test process: one
/// cargo invocation, a no-op when they are fresh).
pub fn guest(crate_name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    assert!(GUESTS.contains(&crate_name), "unknown guest {crate_name}");
    if let Err(e) = BUILT.get_or_init(|| build(GUESTS)) {
        panic!("{e}");
    }
    let path = target_dir()
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", crate_name.replace('-', "_")));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// One runtime for the whole test process, with a compile cache so each
/// component is compiled once however many tests load it.
pub fn runtime() -> Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wagather-test-cache");
            Runtime::new(RuntimeOptions {
                cache_dir: Some(cache),
                ..RuntimeOptions::default()
            })
            .expect("runtime")
        })
        .clone()
}

/// The bundled demo snapshot.
pub fn sample_snapshot() -> PathBuf {
    workspace_dir().join("testdata/insights-archive-sample")
}

/// Reads every entry of an archive as (path, bytes), in archive order.
pub fn read_archive(path: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let file = std::fs::File::open(path).expect("open archive");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut entries = Vec::new();
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read entry");
        entries.push((name, data));
    }
    entries
}

/// The `gathers.json` of an archive.
pub fn gathers_json(entries: &[(String, Vec<u8>)]) -> serde_json::Value {
    let (_, data) = entries
        .iter()
        .find(|(name, _)| name == "insights-operator/gathers.json")
        .expect("gathers.json in archive");
    serde_json::from_slice(data).expect("gathers.json is JSON")
}

/// The status report of the gatherer named `name`.
pub fn status<'a>(gathers: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    gathers["status_reports"]
        .as_array()
        .expect("status_reports")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no status report for {name} in {gathers:#}"))
}

/// A status report's errors joined into one string ("" when null).
pub fn errors_text(report: &serde_json::Value) -> String {
    match report["errors"].as_array() {
        Some(errors) => errors
            .iter()
            .filter_map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        None => String::new(),
    }
}
