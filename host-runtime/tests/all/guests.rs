//! What the tests share: the guests (built once by `wagather-guests`), one runtime, the
//! bundled snapshot, and readers for archives and `gathers.json`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use wagather_host::{
    ApiEndpoint, GatherOptions, GatherSummary, GathererSpec, Runtime, RuntimeOptions,
    gather_to_archive,
};
use wagather_snapshot::{Snapshot, SnapshotServer};

pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host-runtime has a parent")
        .to_owned()
}

/// One runtime for the whole test process, with a compile cache so each component is
/// compiled once however many tests load it.
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

pub async fn start_sample_server() -> SnapshotServer {
    let snapshot = Snapshot::load(&sample_snapshot()).expect("load the bundled snapshot");
    SnapshotServer::start(Arc::new(snapshot), ([127, 0, 0, 1], 0).into())
        .await
        .expect("start snapshot server")
}

/// A client of `url`.
pub async fn client(url: &str) -> kube::Client {
    ApiEndpoint::Server(url.to_owned())
        .client()
        .await
        .expect("client")
}

/// Runs one period of `gatherers` against `url` into a fresh directory, which is returned
/// with the summary (the archive lives as long as it does).
pub async fn gather(
    url: &str,
    gatherers: &[GathererSpec],
    options: &GatherOptions,
) -> (tempfile::TempDir, GatherSummary) {
    let api = client(url).await;
    let out = tempfile::tempdir().expect("tempdir");
    let summary = gather_to_archive(&runtime(), gatherers, &api, options, out.path())
        .await
        .expect("gather");
    (out, summary)
}

/// Options that give `name` the configuration `pairs`.
pub fn configured(mut options: GatherOptions, name: &str, pairs: &[(&str, &str)]) -> GatherOptions {
    options.config.insert(
        name.to_owned(),
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    options
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

/// The entry at `path` of an archive's entries.
pub fn entry<'a>(entries: &'a [(String, Vec<u8>)], path: &str) -> Option<&'a [u8]> {
    entries
        .iter()
        .find(|(name, _)| name == path)
        .map(|(_, data)| data.as_slice())
}

/// The `gathers.json` of an archive.
pub fn gathers_json(entries: &[(String, Vec<u8>)]) -> serde_json::Value {
    let data = entry(entries, "insights-operator/gathers.json").expect("gathers.json in archive");
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
