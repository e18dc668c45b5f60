//! The update service with real parts on loopback: an https source with a self-signed
//! certificate the config trusts, signatures made by the real `minisign`, the bundled snapshot
//! served as the API, real components. Periods are driven one by one (`Service::period`), so
//! nothing depends on timing; the scheduler itself is tested through `wagather run`
//! (cli/tests/run.rs).

use std::path::{Path, PathBuf};

use wagather_contract::Manifest;
use wagather_host::service::config::ServiceConfig;
use wagather_host::service::{PeriodSummary, Service};
use wagather_host::{UpdateResult, read_manifest};
use wagather_source::{Digest, Stage, Store};

use crate::guests::{client, gathers_json, read_archive, start_sample_server, status};
use crate::live::{HttpsServer, Keys, Reply, Seen, with_manifest};

const COMPONENT: &str = "/gatherers/cluster-operators.wasm";
const SIGNATURE: &str = "/gatherers/cluster-operators.wasm.minisig";

/// A directory with the config's files (CA, keys), the state and the archives.
struct Setup {
    dir: tempfile::TempDir,
    trusted: Keys,
    untrusted: Keys,
    snapshot: wagather_snapshot::SnapshotServer,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = dir.path().join("keys");
        std::fs::create_dir(&keys).expect("mkdir");
        Setup {
            trusted: Keys::generate(&keys, "trusted"),
            untrusted: Keys::generate(&keys, "untrusted"),
            snapshot: start_sample_server().await,
            dir,
        }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// A config with one gatherer, `cluster-operators`, from `source` (signatures required),
    /// trusting `server`'s certificate.
    fn config(&self, server: &HttpsServer, source: &str, extra: &str) -> ServiceConfig {
        std::fs::write(self.dir.path().join("ca.pem"), &server.cert_pem).expect("write CA");
        let text = format!(
            r#"
period = "1h"
[api]
server = "{api}"
[output]
dir = "out"
retain = 100
[state]
dir = "state"
[updates]
connect_timeout = "2s"
read_timeout = "1s"
total_timeout = "10s"
max_bytes = "2MiB"
ca_files = ["ca.pem"]
trusted_keys = ["{key}"]
[[gatherer]]
name = "cluster-operators"
source = "{source}"
signatures = "required"
{extra}"#,
            api = self.snapshot.url(),
            key = self.trusted.public.display(),
        );
        ServiceConfig::parse(&text, &self.dir.path().join("host.toml")).expect("config")
    }

    async fn service(&self, config: ServiceConfig) -> Service {
        let api = client(&self.snapshot.url()).await;
        Service::new(config, api).await.expect("service")
    }

    fn store(&self) -> Store {
        Store::open(self.dir.path().join("state/components")).expect("store")
    }
}

/// cluster-operators as built, and the same code declaring another version.
fn cluster_operators(version: &str) -> Vec<u8> {
    let built = std::fs::read(wagather_guests::CLUSTER_OPERATORS).expect("read guest");
    let mut manifest = read_manifest(&built).expect("manifest");
    if manifest.version == version {
        return built;
    }
    manifest.version = version.to_owned();
    with_manifest(&built, &manifest)
}

fn digest(bytes: &[u8]) -> String {
    Digest::of(bytes).to_string()
}

fn publish(server: &HttpsServer, bytes: &[u8], signature: Option<String>) {
    server.set(COMPONENT, Reply::Body(bytes.to_vec()));
    match signature {
        Some(sig) => server.set(SIGNATURE, Reply::Body(sig.into_bytes())),
        None => server.remove(SIGNATURE),
    }
}

/// The period's archive's `gathers.json`.
fn gathers(period: &PeriodSummary) -> serde_json::Value {
    let summary = period.result.as_ref().expect("the period wrote an archive");
    gathers_json(&read_archive(&summary.archive))
}

/// The metric line `name{labels} value`'s value, if the metric is there.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_version_runs_from_the_next_period_without_a_restart() {
    let setup = Setup::new().await;
    let server = HttpsServer::start().await;
    let (v1, v2) = (cluster_operators("0.1.0"), cluster_operators("0.2.0"));
    publish(&server, &v1, Some(setup.trusted.sign_component(&v1)));
    let config = setup.config(&server, &server.url(COMPONENT), "");
    let mut service = setup.service(config).await;
    let handle = service.handle();
    assert!(!handle.ready(), "nothing is loaded before the first period");

    let first = service.period().await;
    assert!(handle.ready());
    assert!(
        matches!(&first.updates[0].result, UpdateResult::Updated { from: None, to, version } if *to == digest(&v1) && version == "0.1.0"),
        "{:?}",
        first.updates
    );
    let json = gathers(&first);
    assert_eq!(json["period"], 1);
    let report = status(&json, "cluster-operators");
    assert_eq!(report["digest"], digest(&v1), "{report:#}");
    assert_eq!(report["outcome"]["kind"], "completed", "{report:#}");
    assert_eq!(report["records_count"], 31, "{report:#}");
    assert_eq!(report["update"]["result"], "updated", "{report:#}");

    // v2 is published; the service is not restarted.
    publish(&server, &v2, Some(setup.trusted.sign_component(&v2)));
    server.take_seen();
    let second = service.period().await;
    assert_eq!(
        second.updates[0].result,
        UpdateResult::Updated {
            from: Some(digest(&v1)),
            to: digest(&v2),
            version: "0.2.0".into()
        }
    );
    // The new bytes and their signature were fetched, nothing else.
    let paths: Vec<String> = server.take_seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, [COMPONENT, SIGNATURE]);
    let json = gathers(&second);
    assert_eq!(json["period"], 2);
    let report = status(&json, "cluster-operators");
    assert_eq!(report["digest"], digest(&v2), "{report:#}");
    assert_eq!(report["version"], "0.2.0", "{report:#}");
    assert_eq!(report["outcome"]["kind"], "completed", "{report:#}");
    assert_eq!(report["records_count"], 31, "{report:#}");

    // Nothing new: one conditional request, answered 304.
    let third = service.period().await;
    assert_eq!(
        third.updates[0].result,
        UpdateResult::Unchanged {
            digest: digest(&v2)
        }
    );
    assert_eq!(
        server.take_seen(),
        [Seen {
            path: COMPONENT.into(),
            status: 304
        }]
    );

    // One archive per period, none missed: periods 1, 2, 3 with v1, v2, v2.
    let mut archives: Vec<PathBuf> = std::fs::read_dir(setup.out())
        .expect("out")
        .map(|e| e.expect("entry").path())
        .collect();
    archives.sort();
    let seen: Vec<(u64, String)> = archives
        .iter()
        .map(|a| {
            let json = gathers_json(&read_archive(a));
            let digest = status(&json, "cluster-operators")["digest"]
                .as_str()
                .expect("digest")
                .to_owned();
            (json["period"].as_u64().expect("period"), digest)
        })
        .collect();
    assert_eq!(seen, [(1, digest(&v1)), (2, digest(&v2)), (3, digest(&v2))]);

    let metrics = handle.metrics();
    let info = format!(
        "wagather_gatherer_info{{gatherer=\"cluster-operators\",version=\"0.2.0\",digest=\"{}\",source=\"{}\"}}",
        digest(&v2),
        server.url(COMPONENT)
    );
    assert_eq!(metric(&metrics, &info), Some(1.0), "{metrics}");
    assert!(
        !metrics.contains(&digest(&v1)),
        "v1 is no longer listed: {metrics}"
    );
    assert_eq!(
        metric(
            &metrics,
            "wagather_update_checks_total{gatherer=\"cluster-operators\",result=\"updated\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &metrics,
            "wagather_update_checks_total{gatherer=\"cluster-operators\",result=\"unchanged\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        setup
            .store()
            .last_good("cluster-operators")
            .expect("store")
            .map(|s| s.digest.to_string()),
        Some(digest(&v2))
    );
}

/// A component that is no gatherer of this contract in one way or another.
fn invalid_code() -> Vec<u8> {
    // Well-formed enough for the manifest to be read; the function body does not type-check.
    let wasm = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) f32.const 1))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (export "gather" (func $f)))"#,
    )
    .expect("wat");
    with_manifest(
        &wasm,
        &Manifest::new("cluster-operators", "0.4.0", Vec::new()),
    )
}

fn without_manifest() -> Vec<u8> {
    wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 0))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (export "gather" (func $f)))"#,
    )
    .expect("wat")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_keeps_the_last_good_version_and_names_its_stage() {
    let setup = Setup::new().await;
    let server = HttpsServer::start().await;
    let v1 = cluster_operators("0.1.0");
    let v2 = cluster_operators("0.2.0");
    publish(&server, &v1, Some(setup.trusted.sign_component(&v1)));
    let config = setup.config(&server, &server.url(COMPONENT), "");
    let mut service = setup.service(config).await;
    let handle = service.handle();
    let first = service.period().await;
    assert!(
        matches!(first.updates[0].result, UpdateResult::Updated { .. }),
        "{:?}",
        first.updates
    );

    let trusted = &setup.trusted;
    let signed = |bytes: &[u8]| Some(trusted.sign_component(bytes));
    let trap = with_manifest(
        &std::fs::read(wagather_guests::TEST_GUEST_INSTANTIATE_TRAP).expect("trap guest"),
        &Manifest::new("cluster-operators", "0.3.0", Vec::new()),
    );
    let v0_1 = std::fs::read(wagather_guests::TEST_GUEST_CONTRACT_V0_1).expect("0.1.0 guest");
    // The 0.1.0 component claiming contract 0.2.0 in its manifest: its interface gives it away.
    let mut claims = read_manifest(&cluster_operators("0.1.0")).expect("manifest");
    claims.version = "0.5.0".into();
    let v0_1_claiming = with_manifest(&v0_1, &claims);
    let pods = std::fs::read(wagather_guests::POD_INVENTORY).expect("pod-inventory");
    let older = cluster_operators("0.0.9");
    let garbage = b"\0asm\x01\0\0\0 this is not a module".to_vec();
    let too_large = vec![7u8; 3 << 20];
    let invalid = invalid_code();
    let bare = without_manifest();

    // (what, the component's reply, its signature, the stage, a piece of the cause)
    let faults: Vec<(&str, Reply, Option<String>, Stage, &str)> = vec![
        (
            "truncated download",
            Reply::Truncated(v2.clone()),
            signed(&v2),
            Stage::Fetch,
            "the download ended after",
        ),
        (
            "server error",
            Reply::Status(500),
            None,
            Stage::Fetch,
            "answered HTTP 500",
        ),
        ("no answer", Reply::Hang, None, Stage::Fetch, "timed out"),
        (
            "over the size cap",
            Reply::Body(too_large),
            None,
            Stage::Fetch,
            "larger than the 2 MiB cap",
        ),
        (
            "no signature",
            Reply::Body(v2.clone()),
            None,
            Stage::Signature,
            "a signature is required",
        ),
        (
            "signature of other bytes",
            Reply::Body(v2.clone()),
            signed(&v1),
            Stage::Signature,
            "does not match the component's bytes",
        ),
        (
            "untrusted key",
            Reply::Body(v2.clone()),
            Some(setup.untrusted.sign_component(&v2)),
            Stage::Signature,
            "which is not among the trusted keys",
        ),
        (
            "signed for another gatherer",
            Reply::Body(v2.clone()),
            Some(trusted.sign(&v2, "gatherer=pod-inventory version=0.2.0")),
            Stage::Signature,
            "the signature is for gatherer `pod-inventory`",
        ),
        (
            "signed for another version",
            Reply::Body(v2.clone()),
            Some(trusted.sign(&v2, "gatherer=cluster-operators version=0.1.0")),
            Stage::Signature,
            "the signature is for version 0.1.0",
        ),
        (
            "invalid wasm",
            Reply::Body(garbage),
            None,
            Stage::Manifest,
            "not a readable WebAssembly binary",
        ),
        (
            "code that does not compile",
            Reply::Body(invalid.clone()),
            signed(&invalid),
            Stage::Compile,
            "not a valid WebAssembly component",
        ),
        (
            "another contract version",
            Reply::Body(v0_1.clone()),
            None,
            Stage::Manifest,
            "built for contract `wagather:gatherer@0.1.0`",
        ),
        (
            "another contract's interface",
            Reply::Body(v0_1_claiming.clone()),
            signed(&v0_1_claiming),
            Stage::Manifest,
            "does not implement world `wagather:gatherer/gatherer`",
        ),
        (
            "no manifest",
            Reply::Body(bare),
            None,
            Stage::Manifest,
            "no `wagather-manifest` custom section",
        ),
        (
            "another gatherer",
            Reply::Body(pods.clone()),
            signed(&pods),
            Stage::Manifest,
            "the component is gatherer `pod-inventory`",
        ),
        (
            "an older version",
            Reply::Body(older.clone()),
            signed(&older),
            Stage::Manifest,
            "version 0.0.9 is older than the running 0.1.0",
        ),
        (
            "traps on instantiation",
            Reply::Body(trap.clone()),
            signed(&trap),
            Stage::Instantiate,
            "failed its test instantiation",
        ),
    ];
    let mut failures_by_stage = std::collections::BTreeMap::<Stage, u32>::new();
    for (what, reply, signature, stage, cause) in faults {
        server.set(COMPONENT, reply);
        match signature {
            Some(sig) => server.set(SIGNATURE, Reply::Body(sig.into_bytes())),
            None => server.remove(SIGNATURE),
        }
        let period = service.period().await;
        let UpdateResult::Failed {
            stage: got,
            cause: text,
            running,
        } = &period.updates[0].result
        else {
            panic!("{what}: not a failure: {:?}", period.updates[0]);
        };
        assert_eq!(
            (*got, running.as_deref()),
            (stage, Some(digest(&v1).as_str())),
            "{what}: {text}"
        );
        assert!(text.contains(cause), "{what}: {text}");
        *failures_by_stage.entry(stage).or_default() += 1;

        // The period ran the last good version, and says why it is still that one.
        let json = gathers(&period);
        let report = status(&json, "cluster-operators");
        assert_eq!(report["digest"], digest(&v1), "{what}: {report:#}");
        assert_eq!(report["outcome"]["kind"], "completed", "{what}: {report:#}");
        assert_eq!(report["records_count"], 31, "{what}: {report:#}");
        assert_eq!(report["update"]["result"], "failed", "{what}: {report:#}");
        assert_eq!(
            report["update"]["stage"],
            stage.as_str(),
            "{what}: {report:#}"
        );
        let warning = report["warnings"][0].as_str().unwrap_or_default();
        assert!(
            warning.contains(&format!("failed at stage {stage}"))
                && warning.contains(&server.url(COMPONENT))
                && warning.contains(&format!("still running {}", digest(&v1))),
            "{what}: {report:#}"
        );
        assert_eq!(
            setup
                .store()
                .last_good("cluster-operators")
                .expect("store")
                .map(|s| s.digest.to_string()),
            Some(digest(&v1)),
            "{what}: the store's last good version"
        );
        let state = handle.status();
        assert_eq!(
            state.gatherers[0]
                .running
                .as_ref()
                .map(|r| r.digest.as_str()),
            Some(digest(&v1).as_str()),
            "{what}"
        );
    }
    let metrics = handle.metrics();
    for (stage, count) in failures_by_stage {
        let series = format!(
            "wagather_update_failures_total{{gatherer=\"cluster-operators\",stage=\"{stage}\"}}"
        );
        assert_eq!(
            metric(&metrics, &series),
            Some(f64::from(count)),
            "{metrics}"
        );
    }

    // A good v2 is taken up at once: the faults left nothing behind.
    publish(&server, &v2, signed(&v2));
    let recovered = service.period().await;
    assert!(
        matches!(&recovered.updates[0].result, UpdateResult::Updated { to, .. } if *to == digest(&v2)),
        "{:?}",
        recovered.updates
    );
    assert_eq!(
        status(&gathers(&recovered), "cluster-operators")["digest"],
        digest(&v2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_runs_the_last_good_version_without_download_or_compile() {
    let setup = Setup::new().await;
    let server = HttpsServer::start().await;
    let v1 = cluster_operators("0.1.0");
    publish(&server, &v1, Some(setup.trusted.sign_component(&v1)));
    let source = server.url(COMPONENT);
    {
        let mut service = setup.service(setup.config(&server, &source, "")).await;
        let period = service.period().await;
        assert!(matches!(
            period.updates[0].result,
            UpdateResult::Updated { .. }
        ));
        assert_eq!(
            service.runtime().cache_stats().misses,
            1,
            "v1 was compiled once"
        );
    }

    // A new process, the same state directory: v1 runs again from the store and the cache.
    server.take_seen();
    let restarted = |config| setup.service(config);
    let mut service = restarted(setup.config(&server, &source, "")).await;
    let handle = service.handle();
    assert!(
        handle.ready(),
        "ready as soon as the last good versions are loaded"
    );
    assert!(
        server.take_seen().is_empty(),
        "loading the last good version needs no network"
    );
    let state = handle.status();
    assert_eq!(
        state.gatherers[0]
            .running
            .as_ref()
            .map(|r| r.digest.clone()),
        Some(digest(&v1))
    );
    assert!(matches!(
        state.gatherers[0].update.as_ref().map(|u| &u.result),
        Some(UpdateResult::Restored { .. })
    ));
    let period = service.period().await;
    assert_eq!(
        period.updates[0].result,
        UpdateResult::Unchanged {
            digest: digest(&v1)
        }
    );
    assert_eq!(
        server.take_seen(),
        [Seen {
            path: COMPONENT.into(),
            status: 304
        }],
        "one conditional request, no download"
    );
    let json = gathers(&period);
    assert_eq!(status_digest(&json), digest(&v1));
    assert_no_compile_no_download(&handle.metrics());
    drop(service);

    // The source is down: the last good version runs all the same.
    drop(server);
    let down = HttpsServer::start().await;
    let unreachable = format!("https://{}{COMPONENT}", crate::live::refused_addr());
    let mut service = restarted(setup.config(&down, &unreachable, "")).await;
    let period = service.period().await;
    let UpdateResult::Failed { stage, running, .. } = &period.updates[0].result else {
        panic!("{:?}", period.updates)
    };
    assert_eq!((*stage, running.clone()), (Stage::Fetch, Some(digest(&v1))));
    let json = gathers(&period);
    assert_eq!(status_digest(&json), digest(&v1));
    assert_eq!(
        status(&json, "cluster-operators")["outcome"]["kind"],
        "completed"
    );
    assert_no_compile_no_download(&service.handle().metrics());
    drop(service);

    // The operator pins v2's digest, but the source serves other bytes: refused at the digest
    // stage, and the restored v1 keeps running.
    let v2 = cluster_operators("0.2.0");
    down.set(COMPONENT, Reply::Body(cluster_operators("0.2.1")));
    let pinned = format!("{}#{}", down.url(COMPONENT), digest(&v2));
    let mut service = restarted(setup.config(&down, &pinned, "")).await;
    let period = service.period().await;
    let UpdateResult::Failed {
        stage,
        running,
        cause,
    } = &period.updates[0].result
    else {
        panic!("{:?}", period.updates)
    };
    assert_eq!(
        (*stage, running.clone()),
        (Stage::Digest, Some(digest(&v1))),
        "{cause}"
    );
    assert!(cause.contains("pinned to"), "{cause}");
    // Reported like every other fault: gathers.json names the stage, the metric counts it.
    let json = gathers(&period);
    assert_eq!(status_digest(&json), digest(&v1));
    let report = status(&json, "cluster-operators");
    assert_eq!(report["outcome"]["kind"], "completed", "{report:#}");
    assert_eq!(report["update"]["stage"], "digest", "{report:#}");
    assert!(
        report["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("failed at stage digest") && w.contains(&pinned)),
        "{report:#}"
    );
    let metrics = service.handle().metrics();
    assert_eq!(
        metric(
            &metrics,
            "wagather_update_failures_total{gatherer=\"cluster-operators\",stage=\"digest\"}"
        ),
        Some(1.0),
        "{metrics}"
    );
}

fn status_digest(json: &serde_json::Value) -> String {
    status(json, "cluster-operators")["digest"]
        .as_str()
        .expect("digest")
        .to_owned()
}

fn assert_no_compile_no_download(metrics: &str) {
    assert_eq!(
        metric(metrics, "wagather_compile_cache_misses_total"),
        Some(0.0),
        "nothing compiled: {metrics}"
    );
    assert!(
        metric(metrics, "wagather_compile_cache_hits_total").is_some_and(|hits| hits >= 1.0),
        "{metrics}"
    );
    assert!(
        !metrics.contains("wagather_update_downloads_total{"),
        "nothing downloaded: {metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gatherer_that_never_loaded_is_reported_and_the_others_run() {
    let setup = Setup::new().await;
    let server = HttpsServer::start().await;
    server.set(COMPONENT, Reply::Status(500));
    let file = setup.dir.path().join("hostile.wasm");
    std::fs::copy(wagather_guests::TEST_GUEST_HOSTILE, &file).expect("copy");
    let extra = format!(
        "[[gatherer]]\nname = \"hostile\"\nsource = \"{}\"\nsignatures = \"off\"\nconfig = {{ attack = \"none\" }}\n",
        file.display()
    );
    let mut service = setup
        .service(setup.config(&server, &server.url(COMPONENT), &extra))
        .await;
    let period = service.period().await;
    assert!(service.handle().ready(), "the initial set was attempted");
    let json = gathers(&period);
    let broken = status(&json, "cluster-operators");
    assert_eq!(broken["outcome"]["kind"], "not-run", "{broken:#}");
    assert!(
        broken["outcome"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("failed at stage fetch") && r.contains("does not run")),
        "{broken:#}"
    );
    let other = status(&json, "hostile");
    assert_eq!(other["outcome"]["kind"], "completed", "{other:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_archives_beyond_retain_are_removed() {
    let setup = Setup::new().await;
    let server = HttpsServer::start().await;
    let file = setup.dir.path().join("co.wasm");
    std::fs::copy(wagather_guests::CLUSTER_OPERATORS, &file).expect("copy");
    let mut config = setup.config(&server, &file.display().to_string(), "");
    config.retain = 2;
    config.gatherers[0].signatures = wagather_source::SignatureMode::Off;
    let mut service = setup.service(config).await;
    let mut archives = Vec::new();
    for _ in 0..3 {
        let period = service.period().await;
        archives.push(period.result.expect("archive").archive);
    }
    let left: Vec<PathBuf> = std::fs::read_dir(setup.out())
        .expect("out")
        .map(|e| e.expect("entry").path())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, archives[1..]);
    assert!(!Path::new(&archives[0]).exists());
}

/// The soak the benchmark suite runs for 1,000 periods, in quick size: five gatherers (Rust,
/// JavaScript, Python, and one that fails on a denied read every period) from files, against
/// the bundled snapshot. It checks that the soak runs and samples; whether memory and
/// descriptors stay flat is a figure of the benchmark, not an assertion here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_samples_memory_and_descriptors() {
    use wagather_host::service::soak::soak;

    let setup = Setup::new().await;
    let gatherers = [
        ("cluster-operators", wagather_guests::CLUSTER_OPERATORS),
        ("pod-inventory", wagather_guests::POD_INVENTORY),
        (
            "cluster-operators-js",
            wagather_guests::polyglot("cluster_operators_js"),
        ),
        (
            "cluster-operators-py",
            wagather_guests::polyglot("cluster_operators_py"),
        ),
        (
            "test-guest-undeclared-read",
            wagather_guests::TEST_GUEST_UNDECLARED_READ,
        ),
    ];
    let mut service = setup.service(files_config(&setup, &gatherers)).await;
    let mut seen = Vec::new();
    let samples = soak(&mut service, 10, 5, |s| seen.push(*s))
        .await
        .expect("every period publishes and ends as the first");
    assert_eq!(samples, seen);
    let periods: Vec<u64> = samples.iter().map(|s| s.period).collect();
    assert_eq!(periods, [1, 5, 10]);
    for sample in &samples {
        assert!(sample.resident_bytes > 1 << 20, "{sample:?}");
        assert!(sample.open_fds >= 3, "{sample:?}");
    }
    // Each archive was taken away once published.
    assert_eq!(std::fs::read_dir(setup.out()).expect("out").count(), 0);
    let state = service.handle().status();
    assert_eq!(state.periods, 10);
    let undeclared = state
        .gatherers
        .iter()
        .find(|g| g.name == "test-guest-undeclared-read")
        .and_then(|g| g.last_run.as_ref())
        .expect("the undeclared read ran");
    assert_eq!(undeclared.outcome, wagather_host::Outcome::Failed);
}

/// A restart restores every gatherer's last good version, loaded several at a time, each into
/// its own slot: the status lists them in the config's order, each running its own component.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_restores_every_gatherer_into_its_own_slot() {
    let setup = Setup::new().await;
    let gatherers = [
        (
            "clusterconfig/version",
            wagather_guests::CLUSTERCONFIG_VERSION,
        ),
        ("cluster-operators", wagather_guests::CLUSTER_OPERATORS),
        ("clusterconfig/nodes", wagather_guests::CLUSTERCONFIG_NODES),
        ("pod-inventory", wagather_guests::POD_INVENTORY),
        (
            "clusterconfig/proxies",
            wagather_guests::CLUSTERCONFIG_PROXIES,
        ),
    ];
    {
        let mut service = setup.service(files_config(&setup, &gatherers)).await;
        service.period().await.result.expect("the first period");
    }

    let service = setup.service(files_config(&setup, &gatherers)).await;
    let handle = service.handle();
    assert!(handle.ready(), "every last good version was restored");
    let state = handle.status();
    let running: Vec<(String, Option<String>)> = state
        .gatherers
        .iter()
        .map(|g| (g.name.clone(), g.running.as_ref().map(|r| r.digest.clone())))
        .collect();
    let expected: Vec<(String, Option<String>)> = gatherers
        .iter()
        .map(|(name, component)| {
            let bytes = std::fs::read(component).expect("component");
            ((*name).to_owned(), Some(digest(&bytes)))
        })
        .collect();
    assert_eq!(running, expected);
    assert_eq!(
        service.runtime().cache_stats().misses,
        0,
        "restored from the compiled-artifact cache"
    );
}

/// A service config of `gatherers` (name, component file) from local files, unsigned, against
/// the setup's snapshot; the download cap fits the Python component.
fn files_config(setup: &Setup, gatherers: &[(&str, &str)]) -> ServiceConfig {
    let mut text = format!(
        "period = \"1h\"\n[api]\nserver = \"{}\"\n[output]\ndir = \"out\"\n[state]\ndir = \"state\"\n[updates]\nmax_bytes = \"64MiB\"\n",
        setup.snapshot.url()
    );
    for (name, component) in gatherers {
        text.push_str(&format!(
            "[[gatherer]]\nname = \"{name}\"\nsource = \"{component}\"\nsignatures = \"off\"\n"
        ));
    }
    ServiceConfig::parse(&text, &setup.dir.path().join("host.toml")).expect("config")
}
