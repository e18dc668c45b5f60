//! `wagather`: run gatherer components against a cluster or a snapshot,
//! inspect a component, or serve a snapshot as a Kubernetes API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use wagather_host::limits::Limits;
use wagather_host::policy::HostPolicy;
use wagather_host::{ApiEndpoint, GatherOptions, Runtime, RuntimeOptions, gather_to_archive};

/// Runs cluster data gatherers as WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "wagather", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run gatherers once and write an Insights-style archive.
    Gather(GatherArgs),
    /// Print a component's manifest, imports and exports.
    Inspect {
        /// The gatherer component (.wasm).
        file: PathBuf,
    },
    /// Serve a snapshot directory as a read-only Kubernetes API until Ctrl-C.
    ServeSnapshot {
        /// An Insights archive (unpacked), a must-gather, or kubectl dumps.
        dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Where to write a kubeconfig pointing at the server
        /// (default: <system temp dir>/wagather-snapshot-<port>.kubeconfig).
        #[arg(long)]
        kubeconfig_out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct GatherArgs {
    /// A gatherer component; repeat for several.
    #[arg(long = "gatherer", value_name = "FILE.wasm", required = true)]
    gatherers: Vec<PathBuf>,
    #[command(flatten)]
    target: Target,
    /// Directory the archive is written to.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The operator's policy (deny list, per-gatherer restrictions, Secrets
    /// lifts), YAML or JSON (`.json`). Default: deny core Secrets only.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Limits of each gatherer run, YAML or JSON (`.json`); every field is
    /// optional and defaults as documented. `--deadline` and `--memory` win
    /// over the file.
    #[arg(long, value_name = "FILE")]
    limits: Option<PathBuf>,
    /// Wall-clock deadline of each gatherer run (e.g. 30s, 1m30s).
    #[arg(long, value_parser = parse_duration)]
    deadline: Option<Duration>,
    /// Memory cap of each gatherer (e.g. 256MiB).
    #[arg(long, value_parser = parse_bytes)]
    memory: Option<usize>,
    /// How many gatherers run at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    parallel: u16,
    /// Configuration passed to every gatherer; repeat for several.
    #[arg(long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    config: Vec<(String, String)>,
    /// Directory for compiled components (default: $XDG_CACHE_HOME/wagather or ~/.cache/wagather).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Compile every component afresh and cache nothing.
    #[arg(long)]
    no_cache: bool,
}

/// Which API to gather from; without any of these, the in-cluster
/// configuration or the default kubeconfig.
#[derive(Debug, Args)]
#[group(multiple = false)]
struct Target {
    /// Use this kubeconfig's current context.
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// Plain URL of an API server without credentials (e.g. a snapshot server).
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Serve this snapshot directory in-process on loopback and gather from it.
    #[arg(long, value_name = "DIR")]
    snapshot: Option<PathBuf>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
}

fn parse_bytes(text: &str) -> Result<usize, String> {
    let size: bytesize::ByteSize = text.parse()?;
    let bytes = usize::try_from(size.as_u64())
        .map_err(|_| format!("{text} is too large for this machine"))?;
    if bytes == 0 {
        return Err("must be larger than zero".into());
    }
    Ok(bytes)
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got `{text}`")),
    }
}

fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("wagather"))
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Gather(args) => gather(args).await,
        Command::Inspect { file } => inspect(&file),
        Command::ServeSnapshot {
            dir,
            listen,
            kubeconfig_out,
        } => serve_snapshot(&dir, listen, kubeconfig_out).await,
    }
}

async fn gather(args: GatherArgs) -> Result<()> {
    let cache_dir = if args.no_cache {
        None
    } else {
        args.cache_dir.clone().or_else(default_cache_dir)
    };
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir,
        ..RuntimeOptions::default()
    })?;

    let options = gather_options(&args)?;

    let mut snapshot_server = None;
    let endpoint = match (
        &args.target.kubeconfig,
        &args.target.server,
        &args.target.snapshot,
    ) {
        (Some(path), _, _) => ApiEndpoint::Kubeconfig(path.clone()),
        (_, Some(url), _) => ApiEndpoint::Server(url.clone()),
        (_, _, Some(dir)) => {
            let server = start_snapshot(dir, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            let url = server.url();
            snapshot_server = Some(server);
            ApiEndpoint::Server(url)
        }
        (None, None, None) => ApiEndpoint::Default,
    };
    let api = endpoint.client().await?;
    let summary = gather_to_archive(&runtime, &args.gatherers, &api, &options, &args.out).await;
    if let Some(server) = snapshot_server {
        server.shutdown().await;
    }
    let summary = summary?;

    for report in &summary.reports {
        let status = if report.errors.is_empty() {
            "ok"
        } else {
            "FAILED"
        };
        println!(
            "{status:6} {name} {version} records={records} api_calls={calls} denied={denied} bytes={bytes} {ms}ms",
            name = report.name,
            version = report.version,
            records = report.records_count,
            calls = report.api_calls,
            denied = report.denied_requests,
            bytes = report.response_bytes,
            ms = report.duration.as_millis(),
        );
        for error in &report.errors {
            println!("         error: {error}");
        }
    }
    println!("archive: {}", summary.archive.display());
    Ok(())
}

/// The options of a gather: the policy and limits files (when given), then
/// the flags, which win over the files.
fn gather_options(args: &GatherArgs) -> Result<GatherOptions> {
    let host_policy: HostPolicy = match &args.policy {
        Some(path) => read_config(path, "policy")?,
        None => HostPolicy::default(),
    };
    let mut limits: Limits = match &args.limits {
        Some(path) => read_config(path, "limits")?,
        None => Limits::default(),
    };
    if let Some(deadline) = args.deadline {
        limits.deadline = deadline;
    }
    if let Some(memory) = args.memory {
        limits.memory_bytes = memory;
    }
    // The same bounds as the flags: a zero deadline or memory cap would fail
    // every gatherer at once, which is a mistake in the file, not a policy.
    // (Only the file can get here with a zero: the flags refuse it.)
    let file = || {
        args.limits
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    if limits.deadline.is_zero() {
        bail!(
            "invalid limits file {}: deadline must be longer than zero",
            file()
        );
    }
    if limits.memory_bytes == 0 {
        bail!(
            "invalid limits file {}: memory_bytes must be larger than zero",
            file()
        );
    }
    Ok(GatherOptions {
        limits,
        host_policy,
        config: args.config.clone(),
        parallel: usize::from(args.parallel),
    })
}

/// Reads an operator config file: JSON when the name ends in `.json`, YAML
/// otherwise. `what` names the file in errors.
fn read_config<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read the {what} file {}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if is_json {
        serde_json::from_str(&text).map_err(anyhow::Error::from)
    } else {
        serde_saphyr::from_str(&text).map_err(anyhow::Error::from)
    };
    parsed.with_context(|| format!("invalid {what} file {}", path.display()))
}

async fn start_snapshot(dir: &Path, addr: SocketAddr) -> Result<wagather_snapshot::SnapshotServer> {
    let owned = dir.to_owned();
    let snapshot = tokio::task::spawn_blocking(move || wagather_snapshot::Snapshot::load(&owned))
        .await?
        .with_context(|| format!("could not load snapshot {}", dir.display()))?;
    tracing::info!(
        objects = snapshot.object_count(),
        "loaded snapshot {}",
        dir.display()
    );
    wagather_snapshot::SnapshotServer::start(Arc::new(snapshot), addr)
        .await
        .with_context(|| format!("could not serve snapshot on {addr}"))
}

fn inspect(file: &Path) -> Result<()> {
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let interface = wagather_host::manifest::component_interface(&bytes)
        .with_context(|| format!("could not inspect {}", file.display()))?;
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    println!("file:     {}", file.display());
    println!("size:     {} bytes", bytes.len());
    println!("digest:   sha256:{digest}");
    match wagather_host::read_manifest(&bytes) {
        Ok(manifest) => {
            println!("manifest:");
            println!("{}", serde_json::to_string_pretty(&manifest)?);
        }
        Err(e) => println!("manifest: INVALID: {}", wagather_host::error_chain(&e)),
    }
    println!("imports:");
    for import in &interface.imports {
        println!("  {import}");
    }
    println!("exports:");
    for export in &interface.exports {
        println!("  {export}");
    }
    if interface.imports.is_empty() && interface.exports.is_empty() {
        bail!(
            "{} has no component imports or exports: is it a core module rather than a component?",
            file.display()
        );
    }
    Ok(())
}

async fn serve_snapshot(
    dir: &Path,
    listen: SocketAddr,
    kubeconfig_out: Option<PathBuf>,
) -> Result<()> {
    let server = start_snapshot(dir, listen).await?;
    let url = server.url();
    let kubeconfig = kubeconfig_out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "wagather-snapshot-{}.kubeconfig",
            server.local_addr().port()
        ))
    });
    wagather_snapshot::write_kubeconfig(&url, &kubeconfig)
        .with_context(|| format!("could not write kubeconfig {}", kubeconfig.display()))?;
    println!("serving {} at {url}", dir.display());
    println!("kubeconfig: {}", kubeconfig.display());
    println!(
        "try: kubectl --kubeconfig {} get clusteroperators",
        kubeconfig.display()
    );
    tokio::signal::ctrl_c()
        .await
        .context("could not wait for Ctrl-C")?;
    server.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("wagather").chain(args.iter().copied()))
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_a_full_gather() {
        let cli = parse(&[
            "gather",
            "--gatherer",
            "a.wasm",
            "--gatherer",
            "b.wasm",
            "--server",
            "http://127.0.0.1:1",
            "--out",
            "out",
            "--deadline",
            "1m30s",
            "--memory",
            "64MiB",
            "--parallel",
            "2",
            "--config",
            "k=v=w",
            "--config",
            "x=",
        ])
        .expect("parse");
        let Command::Gather(args) = cli.command else {
            panic!("not gather: {cli:?}")
        };
        assert_eq!(
            args.gatherers,
            vec![PathBuf::from("a.wasm"), PathBuf::from("b.wasm")]
        );
        assert_eq!(args.target.server.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(args.out, PathBuf::from("out"));
        assert_eq!(args.deadline, Some(Duration::from_secs(90)));
        assert_eq!(args.memory, Some(64 << 20));
        assert_eq!(args.parallel, 2);
        assert_eq!(
            args.config,
            vec![("k".into(), "v=w".into()), ("x".into(), String::new())]
        );
    }

    #[test]
    fn defaults() {
        let cli = parse(&["gather", "--gatherer", "a.wasm", "--out", "o"]).expect("parse");
        let Command::Gather(args) = cli.command else {
            panic!("not gather")
        };
        assert_eq!(args.parallel, 4);
        assert_eq!(args.deadline, None);
        assert!(
            args.target.kubeconfig.is_none()
                && args.target.server.is_none()
                && args.target.snapshot.is_none()
        );
    }

    #[test]
    fn targets_are_exclusive() {
        let err = parse(&[
            "gather",
            "--gatherer",
            "a.wasm",
            "--out",
            "o",
            "--server",
            "http://x",
            "--snapshot",
            "d",
        ])
        .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn rejects_bad_values() {
        for bad in [
            &["--deadline", "soon"][..],
            &["--deadline", "0s"],
            &["--memory", "lots"],
            &["--memory", "0"],
            &["--parallel", "0"],
            &["--config", "novalue"],
            &["--config", "=v"],
        ] {
            let mut args = vec!["gather", "--gatherer", "a.wasm", "--out", "o"];
            args.extend_from_slice(bad);
            assert!(parse(&args).is_err(), "{bad:?} accepted");
        }
        assert!(
            parse(&["gather", "--out", "o"]).is_err(),
            "no gatherer accepted"
        );
    }

    /// Parses `wagather gather` with `extra` flags and builds its options.
    fn options_with(extra: &[&str]) -> Result<GatherOptions> {
        let mut args = vec!["gather", "--gatherer", "a.wasm", "--out", "o"];
        args.extend_from_slice(extra);
        let Command::Gather(args) = parse(&args)?.command else {
            panic!("not gather")
        };
        gather_options(&args)
    }

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write config file");
        path.to_str().expect("utf-8 temp path").to_owned()
    }

    #[test]
    fn without_files_the_defaults_apply() {
        let options = options_with(&[]).expect("options");
        assert_eq!(options.limits, Limits::default());
        assert_eq!(options.host_policy, HostPolicy::default());
    }

    #[test]
    fn policy_and_limits_files_are_read_and_flags_win() {
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = write(
            dir.path(),
            "policy.yaml",
            "deny:\n  - {group: \"\", version: \"*\", resource: configmaps, namespaces: [kube-system]}\n\
             restrict:\n  cluster-operators:\n    - {group: config.openshift.io, version: v1, resource: clusteroperators}\n\
             allow_secrets_for: [certificates]\n",
        );
        let limits = write(
            dir.path(),
            "limits.json",
            r#"{"deadline": "1m 30s", "max_requests": 7, "memory_bytes": 1048576}"#,
        );

        let options = options_with(&["--policy", &policy, "--limits", &limits]).expect("options");
        let expected_policy = HostPolicy::default()
            .deny(
                wagather_host::policy::ReadRule::new("", "*", "configmaps")
                    .in_namespaces(["kube-system"]),
            )
            .restrict(
                "cluster-operators",
                [wagather_host::policy::ReadRule::new(
                    "config.openshift.io",
                    "v1",
                    "clusteroperators",
                )],
            )
            .allow_secrets_for("certificates");
        assert_eq!(options.host_policy, expected_policy);
        assert_eq!(
            options.limits,
            Limits {
                deadline: Duration::from_secs(90),
                max_requests: 7,
                memory_bytes: 1 << 20,
                ..Limits::default()
            }
        );

        // The flags override the file's values, and only those.
        let options = options_with(&["--limits", &limits, "--deadline", "5s", "--memory", "2MiB"])
            .expect("options");
        assert_eq!(options.limits.deadline, Duration::from_secs(5));
        assert_eq!(options.limits.memory_bytes, 2 << 20);
        assert_eq!(options.limits.max_requests, 7);
    }

    #[test]
    fn limits_can_be_yaml_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let limits = write(dir.path(), "limits.yaml", "max_records: 5\ndeadline: 2s\n");
        let options = options_with(&["--limits", &limits]).expect("options");
        assert_eq!(options.limits.max_records, 5);
        assert_eq!(options.limits.deadline, Duration::from_secs(2));
        assert_eq!(options.limits.max_requests, Limits::default().max_requests);
    }

    #[test]
    fn bad_config_files_are_refused_with_the_file_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases = [
            (
                "--limits",
                write(dir.path(), "typo.json", r#"{"max_request": 5}"#),
                "max_request",
            ),
            (
                "--limits",
                write(dir.path(), "zero.yaml", "deadline: 0s\n"),
                "deadline must be longer than zero",
            ),
            (
                "--policy",
                write(dir.path(), "policy.yaml", "denied: []\n"),
                "denied",
            ),
            (
                "--policy",
                dir.path().join("missing.yaml").display().to_string(),
                "could not read",
            ),
        ];
        for (flag, path, expected) in cases {
            let err = options_with(&[flag, &path]).expect_err(&path);
            let text = format!("{err:#}");
            assert!(text.contains(&path), "{flag} {path}: {text}");
            assert!(text.contains(expected), "{flag} {path}: {text}");
        }
    }

    #[test]
    fn parses_inspect_and_serve() {
        let cli = parse(&["inspect", "g.wasm"]).expect("parse");
        assert!(matches!(cli.command, Command::Inspect { file } if file == Path::new("g.wasm")));
        let cli = parse(&["serve-snapshot", "snap", "--listen", "127.0.0.1:9000"]).expect("parse");
        let Command::ServeSnapshot { dir, listen, .. } = cli.command else {
            panic!("not serve-snapshot")
        };
        assert_eq!(dir, PathBuf::from("snap"));
        assert_eq!(listen.port(), 9000);
    }
}
