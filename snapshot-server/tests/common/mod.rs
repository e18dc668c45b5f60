//! Helpers shared by the integration tests. Expected values are computed here from the files
//! themselves (plain serde_json over the directory tree), never by the server's loader.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use wagather_snapshot::{Snapshot, SnapshotServer};

/// The bundled demo snapshot, a real Insights Operator archive.
pub fn archive_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/insights-archive-sample")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Loads `path` and serves it on a free loopback port.
pub async fn serve(path: &Path) -> (SnapshotServer, Arc<Snapshot>) {
    let snapshot = Arc::new(Snapshot::load(path).expect("snapshot loads"));
    let server = SnapshotServer::start(snapshot.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("server starts");
    (server, snapshot)
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// All files under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `metadata.name` of every `*.json` directly in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            read_json(&p)["metadata"]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    names.sort();
    names
}

/// Pods of the archive: every JSON document shaped like a pod (namespace, name and
/// `spec.containers`), as (namespace, name, labels), sorted.
pub fn archive_pods() -> Vec<(String, String, Value)> {
    let mut pods = Vec::new();
    for f in files(&archive_dir()) {
        if f.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v = read_json(&f);
        let (Some(ns), Some(name)) = (
            v["metadata"]["namespace"].as_str(),
            v["metadata"]["name"].as_str(),
        ) else {
            continue;
        };
        if v["spec"]["containers"].is_array() {
            pods.push((
                ns.to_string(),
                name.to_string(),
                v["metadata"]["labels"].clone(),
            ));
        }
    }
    pods.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    pods
}

/// The kubectl binary on PATH, if any.
pub fn kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}
