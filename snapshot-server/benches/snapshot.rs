//! Snapshot server benchmark (a bench binary, not criterion: it also measures resident memory,
//! which criterion cannot).
//!
//! `cargo bench -p wagather-snapshot --bench snapshot`
//!
//! 1. Load time and resident memory of the bundled Insights archive and of a generated snapshot of
//!    10,000 pods and 1,000 nodes (written in the Insights layout into a temp dir).
//! 2. List throughput: paging through the 10,000 pods with limit=500 over HTTP with the `kube`
//!    client (typed `Pod`s, as the host does), versus reading and parsing the same files directly,
//!    in the same run, as a ratio. Also the raw HTTP pages without typed decoding.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde_json::json;
use wagather_snapshot::{Snapshot, SnapshotServer, write_kubeconfig};

const PODS: usize = 10_000;
const NODES: usize = 1_000;
const NAMESPACES: usize = 100;
const PAGE: u32 = 500;
const ROUNDS: usize = 5;

/// Resident set size of this process, in bytes (Linux).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A pod shaped like the ones the Insights Operator writes (no kind/apiVersion).
fn pod(ns: &str, i: usize) -> serde_json::Value {
    let name = format!("app-{i:05}-7d9f8b6c5-x{:04}", i % 9973);
    json!({
        "metadata": {
            "name": name, "generateName": format!("app-{i:05}-7d9f8b6c5-"), "namespace": ns,
            "uid": format!("6f1c2a3e-0000-4000-8000-{i:012}"), "resourceVersion": format!("{}", 100_000 + i),
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": {"app": format!("app-{}", i % 50), "pod-template-hash": "7d9f8b6c5", "tier": if i.is_multiple_of(3) { "frontend" } else { "backend" }},
            "annotations": {"openshift.io/scc": "restricted-v2", "k8s.v1.cni.cncf.io/network-status": "[{\"name\":\"ovn-kubernetes\",\"interface\":\"eth0\",\"ips\":[\"10.128.2.15\"],\"default\":true}]"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("app-{i:05}-7d9f8b6c5"), "uid": "1b2c3d4e-0000-4000-8000-000000000001", "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {
            "nodeName": format!("worker-{:04}.example.internal", i % NODES),
            "serviceAccountName": "default", "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "containers": [
                {"name": "app", "image": "quay.io/example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                 "env": [{"name": "MODE", "value": "production"}, {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                 "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]},
                {"name": "proxy", "image": "quay.io/example/proxy:1.2.3", "args": ["--upstream=http://localhost:8080"]}
            ],
            "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]
        },
        "status": {
            "phase": "Running", "podIP": "10.128.2.15", "hostIP": "10.0.1.20", "startTime": "2024-05-01T10:00:01Z", "qosClass": "Burstable",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": "2024-05-01T10:00:01Z"},
                {"type": "Ready", "status": "True", "lastTransitionTime": "2024-05-01T10:00:09Z"},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2024-05-01T10:00:09Z"},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00Z"}
            ],
            "containerStatuses": [
                {"name": "app", "ready": true, "restartCount": 0, "image": "quay.io/example/app:latest", "imageID": "quay.io/example/app@sha256:0123", "containerID": "cri-o://abc", "started": true, "state": {"running": {"startedAt": "2024-05-01T10:00:05Z"}}},
                {"name": "proxy", "ready": true, "restartCount": 1, "image": "quay.io/example/proxy:1.2.3", "imageID": "quay.io/example/proxy@sha256:4567", "containerID": "cri-o://def", "started": true, "state": {"running": {"startedAt": "2024-05-01T10:00:06Z"}}}
            ]
        }
    })
}

fn node(i: usize) -> serde_json::Value {
    json!({
        "metadata": {"name": format!("worker-{i:04}.example.internal"), "uid": format!("9a8b7c6d-0000-4000-8000-{i:012}"),
                     "creationTimestamp": "2024-04-01T00:00:00Z",
                     "labels": {"kubernetes.io/hostname": format!("worker-{i:04}"), "node-role.kubernetes.io/worker": "", "topology.kubernetes.io/zone": format!("zone-{}", i % 3)}},
        "spec": {"providerID": format!("aws:///us-east-2a/i-{i:017}")},
        "status": {
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "250"},
            "allocatable": {"cpu": "7500m", "memory": "30Gi", "pods": "250"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastTransitionTime": "2024-04-01T00:05:00Z"}],
            "nodeInfo": {"kubeletVersion": "v1.29.6+aba1e8d", "osImage": "Red Hat Enterprise Linux CoreOS", "containerRuntimeVersion": "cri-o://1.29.6", "architecture": "amd64"}
        }
    })
}

/// Writes the generated snapshot in the Insights layout; returns the pod file paths.
fn generate(root: &Path) -> Vec<std::path::PathBuf> {
    let mut pod_files = Vec::with_capacity(PODS);
    for i in 0..PODS {
        let ns = format!("tenant-{:03}", i % NAMESPACES);
        let dir = root.join("config/pod").join(&ns);
        std::fs::create_dir_all(&dir).unwrap();
        let p = pod(&ns, i);
        let path = dir.join(format!("{}.json", p["metadata"]["name"].as_str().unwrap()));
        std::fs::write(&path, serde_json::to_vec(&p).unwrap()).unwrap();
        pod_files.push(path);
    }
    let dir = root.join("config/node");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..NODES {
        std::fs::write(
            dir.join(format!("worker-{i:04}.example.internal.json")),
            serde_json::to_vec(&node(i)).unwrap(),
        )
        .unwrap();
    }
    pod_files
}

/// Median load time over `rounds` loads.
fn measure_load(path: &Path, rounds: usize) -> (Duration, Snapshot) {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let s = Snapshot::load(path).unwrap();
        times.push(t.elapsed());
        drop(s);
    }
    let s = Snapshot::load(path).unwrap();
    (median(times), s)
}

/// Resident memory of a loaded snapshot, measured in a fresh child process (this binary again,
/// with LOAD_ONLY set) so that memory freed by earlier work in this process does not hide it.
/// Returns (RSS growth during the load, RSS with the snapshot loaded).
fn measure_memory(path: &Path) -> (u64, u64) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(LOAD_ONLY, path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut nums = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
    (nums.next().unwrap(), nums.next().unwrap())
}

const LOAD_ONLY: &str = "WAGATHER_SNAPSHOT_BENCH_LOAD_ONLY";

#[tokio::main]
async fn main() {
    if let Some(path) = std::env::var_os(LOAD_ONLY) {
        let before = rss();
        let s = Snapshot::load(Path::new(&path)).unwrap();
        let after = rss();
        println!("{} {}", after.saturating_sub(before), after);
        drop(s);
        return;
    }
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) only checks it runs.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = if quick { 1 } else { ROUNDS };
    println!("wagather-snapshot benchmark (rounds = {rounds})\n");

    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/insights-archive-sample");
    let (t, s) = measure_load(&bundled, rounds);
    let (mem, total) = measure_memory(&bundled);
    println!(
        "load bundled Insights archive: {} objects, {:.1} ms, +{:.1} MiB resident ({:.1} MiB process RSS)",
        s.object_count(),
        t.as_secs_f64() * 1e3,
        mib(mem),
        mib(total)
    );
    drop(s);

    let tmp = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let pod_files = generate(tmp.path());
    let disk: u64 = pod_files
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    println!(
        "generated {PODS} pods ({:.1} MiB of JSON) + {NODES} nodes in {:.1} s",
        mib(disk),
        t.elapsed().as_secs_f64()
    );
    let (t, s) = measure_load(tmp.path(), rounds);
    let (mem, total) = measure_memory(tmp.path());
    println!(
        "load generated snapshot: {} objects, {:.1} ms ({:.0} objects/s), +{:.1} MiB resident ({:.1} MiB process RSS)",
        s.object_count(),
        t.as_secs_f64() * 1e3,
        s.object_count() as f64 / t.as_secs_f64(),
        mib(mem),
        mib(total)
    );

    let server = SnapshotServer::start(Arc::new(s), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let kc = tmp.path().join("kubeconfig");
    write_kubeconfig(&server.url(), &kc).unwrap();
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kc).unwrap(),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let pods: Api<Pod> = Api::all(client.clone());

    // Over HTTP, typed.
    let mut http_times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let mut n = 0;
        let mut lp = ListParams::default().limit(PAGE);
        loop {
            let page = pods.list(&lp).await.unwrap();
            n += page.items.len();
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(c) => lp = lp.continue_token(&c),
                None => break,
            }
        }
        assert_eq!(n, PODS);
        http_times.push(t.elapsed());
    }
    // Over HTTP, raw JSON text only (server + transport cost).
    let mut raw_times = Vec::new();
    let mut raw_bytes = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut cont = String::new();
        raw_bytes = 0;
        loop {
            let uri = if cont.is_empty() {
                format!("/api/v1/pods?limit={PAGE}")
            } else {
                format!("/api/v1/pods?limit={PAGE}&continue={cont}")
            };
            let req = http::Request::get(uri).body(Vec::new()).unwrap();
            let text = client.request_text(req).await.unwrap();
            raw_bytes += text.len();
            // Only the continue token is needed; the page is not decoded. The server writes
            // the list metadata before the items.
            let head = &text[..text.find("\"items\"").unwrap()];
            match head.split_once("\"continue\":\"") {
                Some((_, rest)) => cont = rest[..rest.find('"').unwrap()].to_string(),
                None => break,
            }
        }
        raw_times.push(t.elapsed());
    }
    // Directly from the files, same typed decoding.
    let mut file_times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let mut n = 0;
        for p in &pod_files {
            let pod: Pod = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            n += usize::from(pod.metadata.name.is_some());
        }
        assert_eq!(n, PODS);
        file_times.push(t.elapsed());
    }
    server.shutdown().await;

    let (h, r, f) = (median(http_times), median(raw_times), median(file_times));
    let rate = |d: Duration| PODS as f64 / d.as_secs_f64();
    println!(
        "\nlist {PODS} pods, limit={PAGE} ({} pages):",
        PODS.div_ceil(PAGE as usize)
    );
    println!(
        "  kube Api<Pod> over HTTP:     {:8.1} ms  {:9.0} pods/s",
        h.as_secs_f64() * 1e3,
        rate(h)
    );
    println!(
        "  raw HTTP pages (no decode):  {:8.1} ms  {:9.0} pods/s  ({:.1} MiB)",
        r.as_secs_f64() * 1e3,
        rate(r),
        mib(raw_bytes as u64)
    );
    println!(
        "  read + decode files:         {:8.1} ms  {:9.0} pods/s",
        f.as_secs_f64() * 1e3,
        rate(f)
    );
    println!(
        "  ratio HTTP / files (typed):  {:.2}x the time of reading the files",
        h.as_secs_f64() / f.as_secs_f64()
    );
}
