//! The benchmark suite compares wasm guests with native twins and reads numbers the bench
//! guest reports; these tests check that what is compared is the same work: the real guests,
//! built by cargo, run in the real host against the real snapshot server on loopback.

use std::path::Path;
use std::sync::Arc;

use wagather_bench::{ECHO_GUEST, data, native, workspace};
use wagather_host::{ApiEndpoint, Limits, LoadedGatherer, Record, Runtime, RuntimeOptions};
use wagather_snapshot::{Snapshot, SnapshotServer};

async fn serve(root: &Path) -> (SnapshotServer, kube::Client) {
    let snapshot = Arc::new(Snapshot::load(root).unwrap());
    let server = SnapshotServer::start(snapshot, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let api = ApiEndpoint::Server(server.url()).client().await.unwrap();
    (server, api)
}

fn load(runtime: &Runtime, package: &str) -> LoadedGatherer {
    let path = wagather_guests::path(package).unwrap();
    runtime.load(Path::new(path)).unwrap()
}

async fn run(
    runtime: &Runtime,
    gatherer: &LoadedGatherer,
    api: &kube::Client,
    config: &[(&str, &str)],
) -> (wagather_host::RunReport, Vec<Record>) {
    let config: Vec<(String, String)> = config
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    wagather_bench::run(runtime, gatherer, api, &Limits::default(), &config).await
}

fn same_records(wasm: &[Record], native: &[wagather_sdk::Record]) {
    let wasm: Vec<(&str, &[u8])> = wasm
        .iter()
        .map(|r| (r.name.as_str(), r.data.as_slice()))
        .collect();
    let native: Vec<(&str, &[u8])> = native
        .iter()
        .map(|r| (r.name.as_str(), r.data.as_slice()))
        .collect();
    assert_eq!(wasm.len(), native.len(), "record counts differ");
    for ((wn, wd), (nn, nd)) in wasm.iter().zip(&native) {
        assert_eq!(wn, nn);
        assert!(
            wd == nd,
            "record {wn} differs:\nwasm:   {}\nnative: {}",
            String::from_utf8_lossy(wd),
            String::from_utf8_lossy(nd)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_operators_wasm_and_native_write_the_same_records() {
    let runtime = Runtime::new(RuntimeOptions::default()).unwrap();
    let gatherer = load(&runtime, "cluster-operators");
    let (server, api) = serve(&workspace().join("testdata/insights-archive-sample")).await;

    let (_, wasm) = run(&runtime, &gatherer, &api, &[]).await;
    let native = native::cluster_operators(&api).await.unwrap();

    assert_eq!(native.len(), 31);
    assert!(native[0].name.starts_with("config/clusteroperator/"));
    same_records(&wasm, &native);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pod_inventory_wasm_and_native_write_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    // 1,200 pods: three pages of 500, so both sides follow `continue`.
    data::write_pods(dir.path(), 1_200, 7).unwrap();
    let runtime = Runtime::new(RuntimeOptions::default()).unwrap();
    let gatherer = load(&runtime, "pod-inventory");
    let (server, api) = serve(dir.path()).await;

    let (report, wasm) = run(&runtime, &gatherer, &api, &[]).await;
    let native = native::pod_inventory(&api).await.unwrap();

    assert_eq!(report.metrics.api_calls, 3);
    assert_eq!(native.len(), 7);
    let first: serde_json::Value = serde_json::from_slice(&native[0].data).unwrap();
    assert_eq!(first["namespace"], "tenant-000");
    // 1,200 pods over 7 namespaces: 172 in the first (i = 0, 7, ..., 1197).
    assert_eq!(first["pod_count"], 172);
    same_records(&wasm, &native);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bench_echo_receives_every_body_byte_and_decodes_every_pod() {
    let dir = tempfile::tempdir().unwrap();
    data::write_echo_bodies(dir.path()).unwrap();
    data::write_pods(dir.path(), 600, 3).unwrap();
    let runtime = Runtime::new(RuntimeOptions::default()).unwrap();
    let echo = load(&runtime, ECHO_GUEST);
    let (server, api) = serve(dir.path()).await;

    let path = data::echo_path("100KiB");
    let body = native::fetch(&api, &path).await.unwrap();
    assert!(body.len() > 100 << 10, "{}", body.len());
    let (report, outcome) = run(
        &runtime,
        &echo,
        &api,
        &[("mode", "echo"), ("path", &path), ("count", "3")],
    )
    .await;
    assert_eq!(report.metrics.api_calls, 3);
    assert_eq!(outcome[0].data, (3 * body.len()).to_string().into_bytes());

    let (_, outcome) = run(&runtime, &echo, &api, &[("mode", "decode")]).await;
    let timings: test_guest_bench_echo::DecodeTimings =
        serde_json::from_slice(&outcome[0].data).unwrap();
    let pages = native::pod_pages(&api).await.unwrap();
    assert_eq!(timings.pods, 600);
    assert_eq!(timings.pages as usize, pages.len());
    assert_eq!(
        timings.bytes,
        pages.iter().map(|p| p.len() as u64).sum::<u64>()
    );
    assert!(timings.typed_ns > 0 && timings.slim_ns > 0 && timings.request_ns > 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn records_leave_the_guest_as_it_writes_them() {
    let runtime = Runtime::new(RuntimeOptions::default()).unwrap();
    let echo = load(&runtime, ECHO_GUEST);
    let (server, api) = serve(&workspace().join("testdata/insights-archive-sample")).await;
    let limits = Limits {
        max_records: u32::MAX,
        max_total_record_bytes: u64::MAX,
        ..Limits::default()
    };
    let mut peaks = Vec::new();
    for count in [16u64, 512] {
        let config = [
            ("mode".to_owned(), "records".to_owned()),
            ("count".to_owned(), count.to_string()),
            ("size".to_owned(), (64 << 10).to_string()),
        ];
        let (report, records) = wagather_bench::run(&runtime, &echo, &api, &limits, &config).await;
        assert_eq!(records.len() as u64, count);
        assert_eq!(records[1].name, "records/1");
        assert_eq!(records[1].data.len(), 64 << 10);
        peaks.push(report.metrics.peak_memory_bytes);
    }
    // 32 MiB written: had the guest kept its records until the end, it would hold them all.
    assert!(peaks[0] > 0);
    assert!(
        peaks[1] < peaks[0] + (4 << 20),
        "writing 1 MiB of records the guest held {} bytes, writing 32 MiB {}",
        peaks[0],
        peaks[1]
    );
    server.shutdown().await;
}
