//! `wagather run` as a process: a real OCI registry (Debian's `docker-registry`, plain HTTP on
//! 127.0.0.1, config written here), components published with `wagather push` and signed with
//! the real `minisign` keys, the bundled snapshot as the API, the endpoints, `wagather status`,
//! and the signals. Waits poll the output directory and the log with generous bounds; nothing
//! asserts how long anything took.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a wait may take before the test gives up (a bound, not a measurement).
const PATIENCE: Duration = Duration::from_secs(180);

/// The bound for waits that include compiling the JavaScript and Python components (12 and
/// 18 MB, each carrying its language's runtime) on a loaded machine.
const COMPILING: Duration = Duration::from_secs(600);

fn wagather() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wagather"))
}

fn sample_snapshot() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/insights-archive-sample")
}

fn run_ok(cmd: &mut Command) -> String {
    let out: Output = cmd.stdin(Stdio::null()).output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A free port on 127.0.0.1 (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Debian's docker-registry (distribution 2.8) on 127.0.0.1 with a config file of its own.
struct Registry {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        const BIN: &str = "/usr/bin/docker-registry";
        assert!(
            Path::new(BIN).is_file(),
            "{BIN} is missing: run source/scripts/install-docker-registry.sh"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let addr = format!("127.0.0.1:{}", free_port());
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\nhttp: {{addr: '{addr}', secret: wagather-test}}\n",
                dir.path().join("data").display()
            ),
        )
        .expect("write registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log");
        let child = Command::new(BIN)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let registry = Registry {
            child,
            addr,
            _dir: dir,
        };
        wait_for("the registry to answer /v2/", || {
            http_get(&registry.addr, "/v2/").is_some_and(|(code, _, _)| code == 200)
        });
        registry
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.0 GET; (status, headers, body), or None when nothing answers.
fn http_get(addr: &str, path: &str) -> Option<(u16, String, String)> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, head.to_owned(), body.to_owned()))
}

fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_for_within(what, PATIENCE, done);
}

fn wait_for_within(what: &str, patience: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < patience, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A minisign key pair made by the real CLI (unencrypted, `-W`).
fn minisign_keys(dir: &Path) -> (PathBuf, PathBuf) {
    let (public, secret) = (dir.join("release.pub"), dir.join("release.key"));
    run_ok(
        Command::new("minisign")
            .args(["-G", "-W", "-f", "-p"])
            .arg(&public)
            .arg("-s")
            .arg(&secret),
    );
    (public, secret)
}

/// `wagather run` in the background, its log in a file.
struct Service {
    child: Child,
    log: PathBuf,
}

impl Service {
    fn start(config: &Path) -> Service {
        let log = config.with_extension("log");
        let file = std::fs::File::create(&log).expect("log file");
        let child = wagather()
            .arg("run")
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start wagather run");
        Service { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal(&self, name: &str) {
        run_ok(Command::new("kill").args(["-s", name, &self.child.id().to_string()]));
    }

    /// Waits for the process to exit (within [`PATIENCE`]).
    fn wait(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "wagather run did not exit: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Published archives, oldest first.
fn archives(out: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").path())
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    name.starts_with("insights-") && name.ends_with(".tar.gz")
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Hidden staging folders of archives being written.
fn staging(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".insights-"))
                .collect()
        })
        .unwrap_or_default()
}

/// An archive's `gathers.json` (the archive must be complete: every entry readable).
fn gathers(archive: &Path) -> serde_json::Value {
    let file = std::fs::File::open(archive).expect("open archive");
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut gathers = None;
    for entry in tar.entries().expect("entries") {
        let mut entry = entry.expect("a complete archive");
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("a complete entry");
        if entry.path().expect("path").to_string_lossy() == "insights-operator/gathers.json" {
            gathers = Some(serde_json::from_slice(&data).expect("gathers.json"));
        }
    }
    gathers.unwrap_or_else(|| panic!("no gathers.json in {}", archive.display()))
}

fn report<'a>(gathers: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    gathers["status_reports"]
        .as_array()
        .expect("status_reports")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no report for {name}: {gathers:#}"))
}

/// `wagather push` and the manifest digest it printed.
fn push(file: &Path, reference: &str, key: Option<&Path>) -> (String, String) {
    let mut cmd = wagather();
    cmd.arg("push").arg(file).arg(reference).arg("--insecure");
    if let Some(key) = key {
        cmd.arg("--sign").arg(key);
    }
    let out = run_ok(&mut cmd);
    let line = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no `{prefix}` in {out}"))
    };
    (line("manifest:"), out)
}

#[test]
fn gatherers_are_replaced_from_a_registry_without_a_restart() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let (public, secret) = minisign_keys(dir.path());
    let v1 = dir.path().join("cluster-operators-0.1.0.wasm");
    std::fs::copy(wagather_guests::CLUSTER_OPERATORS, &v1).expect("copy");
    // v2: the same code declaring version 0.2.0, as a release would.
    let v2 = dir.path().join("cluster-operators-0.2.0.wasm");
    run_ok(
        wagather()
            .args(["manifest", "set"])
            .arg(&v1)
            .args(["--name", "cluster-operators", "--version", "0.2.0"])
            .args(["--reads", "config.openshift.io/v1/clusteroperators", "-o"])
            .arg(&v2),
    );
    let repo = format!("oci://{}/gatherers/cluster-operators", registry.addr);
    let (v1_manifest, printed) = push(&v1, &format!("{repo}:stable"), Some(&secret));
    assert!(
        printed.contains("cluster-operators 0.1.0") && printed.contains(", signed"),
        "{printed}"
    );
    // Published without a signature, under another tag: refused at stage signature.
    push(&v1, &format!("{repo}:unsigned"), None);

    let port = free_port();
    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        format!(
            r#"period = "1s"
listen = "127.0.0.1:{port}"
[api]
snapshot = "{snapshot}"
[output]
dir = "out"
retain = 1000
[state]
dir = "state"
[updates]
insecure_registries = ["{registry}"]
trusted_keys = ["{public}"]
signatures = "required"
[[gatherer]]
name = "cluster-operators"
source = "{repo}:stable"
[[gatherer]]
name = "pinned"
gatherer = "cluster-operators"
source = "{repo}@{v1_manifest}"
[[gatherer]]
name = "unsigned"
gatherer = "cluster-operators"
source = "{repo}:unsigned"
"#,
            snapshot = sample_snapshot().display(),
            registry = registry.addr,
            public = public.display(),
        ),
    )
    .expect("write host.toml");
    let out = dir.path().join("out");
    let mut service = Service::start(&config);
    let digest_of = |archive: &Path, name: &str| {
        report(&gathers(archive), name)["digest"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let v1_digest = format!(
        "sha256:{}",
        sha256_hex(&std::fs::read(&v1).expect("read v1"))
    );
    let v2_digest = format!(
        "sha256:{}",
        sha256_hex(&std::fs::read(&v2).expect("read v2"))
    );
    wait_for("an archive with v1", || {
        archives(&out)
            .last()
            .is_some_and(|a| digest_of(a, "cluster-operators") == v1_digest)
    });
    let first = gathers(archives(&out).last().expect("archive"));
    assert_eq!(report(&first, "pinned")["digest"], v1_digest.as_str());
    let unsigned = report(&first, "unsigned");
    assert_eq!(unsigned["outcome"]["kind"], "not-run", "{unsigned:#}");
    assert_eq!(unsigned["update"]["stage"], "signature", "{unsigned:#}");
    // The log line names the gatherer, the source, the stage and the cause.
    let log = service.log();
    assert!(
        log.lines()
            .any(|l| l.contains("update failed: a signature is required")
                && l.contains("gatherer=unsigned")
                && l.contains(&format!("source={repo}:unsigned"))
                && l.contains("stage=signature")),
        "{log}"
    );

    // The endpoints.
    let addr = format!("127.0.0.1:{port}");
    let (code, _, _) = http_get(&addr, "/readyz").expect("readyz");
    assert_eq!(code, 200);
    let (code, _, _) = http_get(&addr, "/healthz").expect("healthz");
    assert_eq!(code, 200);
    let (code, head, metrics) = http_get(&addr, "/metrics").expect("metrics");
    assert_eq!(code, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text; version=1.0.0; charset=utf-8"),
        "{head}"
    );
    assert!(
        metrics.contains(&format!(
            "wagather_gatherer_info{{gatherer=\"cluster-operators\",version=\"0.1.0\",digest=\"{v1_digest}\""
        )),
        "{metrics}"
    );
    assert!(
        metrics
            .contains("wagather_update_failures_total{gatherer=\"unsigned\",stage=\"signature\"}"),
        "{metrics}"
    );
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");

    // Move the tag to v2: the next period runs it, without a restart.
    push(&v2, &format!("{repo}:stable"), Some(&secret));
    wait_for("an archive with v2", || {
        archives(&out)
            .last()
            .is_some_and(|a| digest_of(a, "cluster-operators") == v2_digest)
    });
    let all = archives(&out);
    let periods: Vec<u64> = all
        .iter()
        .map(|a| gathers(a)["period"].as_u64().expect("period"))
        .collect();
    let expected: Vec<u64> = (1..=periods.len() as u64).collect();
    assert_eq!(periods, expected, "one archive per period, none missed");
    let switched = all
        .iter()
        .position(|a| digest_of(a, "cluster-operators") == v2_digest)
        .expect("v2 ran");
    let json = gathers(&all[switched]);
    let update = &report(&json, "cluster-operators")["update"];
    assert_eq!(update["result"], "updated", "{update:#}");
    assert_eq!(update["from"], v1_digest.as_str(), "{update:#}");
    assert_eq!(update["to"], v2_digest.as_str(), "{update:#}");
    assert_eq!(report(&json, "cluster-operators")["version"], "0.2.0");
    assert!(
        all[..switched]
            .iter()
            .all(|a| digest_of(a, "cluster-operators") == v1_digest),
        "v1 ran in every period before"
    );
    // The reference by digest does not move with the tag.
    assert_eq!(report(&json, "pinned")["digest"], v1_digest.as_str());

    // `wagather status`, from the state directory and from the endpoint.
    let table = run_ok(wagather().arg("status").arg("--config").arg(&config));
    let short = &v2_digest[..7 + 12];
    assert!(
        table.lines().any(|l| l.starts_with("cluster-operators ")
            && l.contains("0.2.0")
            && l.contains(short)),
        "{table}"
    );
    assert!(
        table.contains("unsigned") && table.contains("FAILED (signature)"),
        "{table}"
    );
    let remote = run_ok(
        wagather()
            .arg("status")
            .arg("--url")
            .arg(format!("http://{addr}")),
    );
    assert!(remote.contains(short), "{remote}");

    service.signal("TERM");
    let status = service.wait();
    assert_eq!(status.code(), Some(0), "{}", service.log());
}

fn sha256_hex(bytes: &[u8]) -> String {
    wagather_source::Digest::of(bytes).hex()
}

/// A config running the hostile gatherer's `spin` attack for `deadline`, stopping with `grace`.
fn spinning(dir: &Path, deadline: &str, grace: &str) -> PathBuf {
    let component = dir.join("hostile.wasm");
    std::fs::copy(wagather_guests::TEST_GUEST_HOSTILE, &component).expect("copy");
    let config = dir.join("host.toml");
    std::fs::write(
        &config,
        format!(
            r#"period = "1h"
shutdown_grace = "{grace}"
[api]
snapshot = "{snapshot}"
[output]
dir = "out"
[state]
dir = "state"
[[gatherer]]
name = "hostile"
source = "hostile.wasm"
limits = {{ deadline = "{deadline}" }}
config = {{ attack = "spin" }}
"#,
            snapshot = sample_snapshot().display(),
        ),
    )
    .expect("write host.toml");
    config
}

#[test]
fn sigterm_cancels_a_period_that_outlasts_the_grace_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = spinning(dir.path(), "10m", "1s");
    let out = dir.path().join("out");
    let mut service = Service::start(&config);
    wait_for("the period to be writing its archive", || {
        !staging(&out).is_empty()
    });
    service.signal("TERM");
    let status = service.wait();
    let log = service.log();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("cancelled, its archive discarded"), "{log}");
    assert_eq!(archives(&out), Vec::<PathBuf>::new(), "no archive: {log}");
    assert_eq!(
        staging(&out),
        Vec::<String>::new(),
        "nothing half-written: {log}"
    );
}

#[test]
fn sigterm_lets_a_period_finish_within_the_grace_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = spinning(dir.path(), "3s", "2m");
    let out = dir.path().join("out");
    let mut service = Service::start(&config);
    wait_for("the period to be writing its archive", || {
        !staging(&out).is_empty()
    });
    service.signal("TERM");
    let status = service.wait();
    let log = service.log();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        log.contains("stopped after the running period finished"),
        "{log}"
    );
    let published = archives(&out);
    assert_eq!(published.len(), 1, "{log}");
    let json = gathers(&published[0]);
    assert_eq!(json["period"], 1);
    let hostile = report(&json, "hostile");
    assert_eq!(hostile["outcome"]["kind"], "stopped", "{hostile:#}");
    assert_eq!(hostile["outcome"]["limit"], "deadline", "{hostile:#}");
    assert_eq!(staging(&out), Vec::<String>::new());
}

#[test]
fn a_second_signal_exits_at_once_and_the_next_start_cleans_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = spinning(dir.path(), "10m", "10m");
    let out = dir.path().join("out");
    let mut service = Service::start(&config);
    wait_for("the period to be writing its archive", || {
        !staging(&out).is_empty()
    });
    service.signal("TERM");
    wait_for("the first signal to be taken", || {
        service.log().contains("SIGTERM: stopping")
    });
    service.signal("TERM");
    let status = service.wait();
    assert_eq!(status.code(), Some(130), "{}", service.log());
    assert!(archives(&out).is_empty(), "no archive appeared");

    // The unfinished archive stays hidden; the next start removes it.
    assert_eq!(staging(&out).len(), 1);
    let config = config.to_str().expect("utf-8").to_owned();
    let text = std::fs::read_to_string(&config)
        .expect("read")
        .replace("attack = \"spin\"", "attack = \"none\"");
    std::fs::write(&config, text).expect("write");
    let mut again = Service::start(Path::new(&config));
    wait_for("an archive", || archives(&out).len() == 1);
    assert!(
        again.log().contains("removed the unfinished archive"),
        "{}",
        again.log()
    );
    assert!(staging(&out).is_empty());
    again.signal("INT");
    let status = again.wait();
    assert_eq!(status.code(), Some(0), "{}", again.log());
    assert!(
        again.log().contains("stopped between periods"),
        "{}",
        again.log()
    );
}

#[test]
fn a_config_error_names_the_file_the_key_and_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        "period = \"1h\"\n[output]\ndir = \"out\"\n[state]\ndir = \"state\"\n[[gatherer]]\nname = \"g\"\nsource = \"http://example.com/g.wasm\"\n",
    )
    .expect("write");
    let out = wagather()
        .arg("run")
        .arg("--config")
        .arg(&config)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&config.display().to_string())
            && stderr.contains("gatherer[0].source")
            && stderr.contains("plain http is refused"),
        "{stderr}"
    );
    assert!(!dir.path().join("state").exists(), "nothing started");
}

/// The JavaScript and Python cluster-operators go through the live-update path as the Rust one
/// does: published signed with `wagather push`, run by `wagather run` from the registry, and
/// replaced when their tag moves to a new version.
#[test]
fn javascript_and_python_gatherers_are_published_and_replaced_like_rust_ones() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let (public, secret) = minisign_keys(dir.path());
    // (instance and manifest name, component as built)
    let guests = [
        (
            "cluster-operators-js",
            wagather_guests::polyglot("cluster_operators_js"),
        ),
        (
            "cluster-operators-py",
            wagather_guests::polyglot("cluster_operators_py"),
        ),
    ];
    let mut gatherers = String::new();
    // (name, v1 digest, v2 file, v2 digest, tag)
    let mut versions = Vec::new();
    for (name, built) in guests {
        let v1 = dir.path().join(format!("{name}-0.1.0.wasm"));
        std::fs::copy(built, &v1).expect("copy");
        let v2 = dir.path().join(format!("{name}-0.2.0.wasm"));
        run_ok(
            wagather()
                .args(["manifest", "set"])
                .arg(&v1)
                .args(["--name", name, "--version", "0.2.0"])
                .args(["--reads", "config.openshift.io/v1/clusteroperators", "-o"])
                .arg(&v2),
        );
        let tag = format!("oci://{}/gatherers/{name}:stable", registry.addr);
        let (_, printed) = push(&v1, &tag, Some(&secret));
        assert!(
            printed.contains(&format!("pushed {name} 0.1.0")),
            "{printed}"
        );
        gatherers.push_str(&format!(
            "[[gatherer]]\nname = \"{name}\"\nsource = \"{tag}\"\n"
        ));
        let digest = |file: &Path| {
            format!(
                "sha256:{}",
                sha256_hex(&std::fs::read(file).expect("read component"))
            )
        };
        versions.push((name, digest(&v1), v2.clone(), digest(&v2), tag));
    }

    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        format!(
            r#"period = "1s"
[api]
snapshot = "{snapshot}"
[output]
dir = "out"
retain = 1000
[state]
dir = "state"
[updates]
# The components carry their language's runtime: 12 MB (JavaScript), 18 MB (Python).
max_bytes = "64MiB"
insecure_registries = ["{registry}"]
trusted_keys = ["{public}"]
signatures = "required"
{gatherers}"#,
            snapshot = sample_snapshot().display(),
            registry = registry.addr,
            public = public.display(),
        ),
    )
    .expect("write host.toml");
    let out = dir.path().join("out");
    let mut service = Service::start(&config);
    let runs_with = |archive: &Path, digests: &[&str]| {
        let json = gathers(archive);
        versions
            .iter()
            .zip(digests)
            .all(|((name, ..), digest)| report(&json, name)["digest"] == *digest)
    };
    let v1: Vec<&str> = versions.iter().map(|v| v.1.as_str()).collect();
    wait_for_within("an archive with both v1", COMPILING, || {
        archives(&out).last().is_some_and(|a| runs_with(a, &v1))
    });
    let json = gathers(archives(&out).last().expect("archive"));
    for (name, ..) in &versions {
        let run = report(&json, name);
        assert_eq!(run["outcome"]["kind"], "completed", "{run:#}");
        assert_eq!(run["version"], "0.1.0", "{run:#}");
        assert_eq!(
            run["source"].as_str().map(|s| s.starts_with("oci://")),
            Some(true),
            "{run:#}"
        );
    }
    // Both wrote the 31 ClusterOperators; the archive keeps the first gatherer's and the
    // second's report names every path it lost.
    assert_eq!(
        report(&json, "cluster-operators-js")["records_count"],
        31,
        "{json:#}"
    );
    let py = report(&json, "cluster-operators-py");
    let dropped = py["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter(|e| e["reason"]["owner"] == "cluster-operators-js")
                .count()
        })
        .unwrap_or_default();
    assert!(dropped > 0, "{py:#}");

    // Both tags move to 0.2.0: the next periods run them, without a restart.
    for (_, _, v2, _, tag) in &versions {
        push(v2, tag, Some(&secret));
    }
    let v2: Vec<&str> = versions.iter().map(|v| v.3.as_str()).collect();
    wait_for_within("an archive with both v2", COMPILING, || {
        archives(&out).last().is_some_and(|a| runs_with(a, &v2))
    });
    let all = archives(&out);
    let periods: Vec<u64> = all
        .iter()
        .map(|a| gathers(a)["period"].as_u64().expect("period"))
        .collect();
    let expected: Vec<u64> = (1..=periods.len() as u64).collect();
    assert_eq!(periods, expected, "one archive per period, none missed");
    for (name, v1, _, v2, _) in &versions {
        let switched = all
            .iter()
            .find_map(|a| {
                let json = gathers(a);
                let run = report(&json, name).clone();
                (run["digest"] == v2.as_str()).then_some(run)
            })
            .expect("v2 ran");
        assert_eq!(switched["outcome"]["kind"], "completed", "{switched:#}");
        assert_eq!(switched["version"], "0.2.0", "{switched:#}");
        assert_eq!(switched["update"]["result"], "updated", "{switched:#}");
        assert_eq!(switched["update"]["from"], v1.as_str(), "{switched:#}");
        assert_eq!(switched["update"]["to"], v2.as_str(), "{switched:#}");
    }
    let table = run_ok(wagather().arg("status").arg("--config").arg(&config));
    for (name, _, _, v2, _) in &versions {
        assert!(
            table.lines().any(|l| l.starts_with(&format!("{name} "))
                && l.contains("0.2.0")
                && l.contains(&v2[..7 + 12])),
            "{table}"
        );
    }

    service.signal("TERM");
    let status = service.wait();
    assert_eq!(status.code(), Some(0), "{}", service.log());
}
