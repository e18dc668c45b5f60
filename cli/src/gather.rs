//! `wagather gather`: one period, one archive.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;
use wagather_host::config::{self, GathererConfig};
use wagather_host::{
    GatherOptions, GathererSpec, HostPolicy, Limits, Outcome, Runtime, RuntimeOptions,
    gather_to_archive,
};

use crate::args::{Target, default_cache_dir, parse_bytes, parse_duration};

#[derive(Debug, Args)]
pub struct GatherArgs {
    /// A gatherer component, optionally with the name to run it under (default: its
    /// manifest's name); repeat for several.
    #[arg(long = "gatherer", value_name = "[NAME=]FILE.wasm", required = true, value_parser = parse_gatherer)]
    pub gatherers: Vec<GathererSpec>,
    #[command(flatten)]
    pub target: Target,
    /// Directory the archive is written to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The operator's policy (deny list, per-gatherer restrictions, Secrets lifts), YAML or
    /// JSON (`.json`). Default: deny core Secrets only.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Limits of each gatherer run, YAML or JSON (`.json`); every field is optional and
    /// defaults as documented. `--deadline` and `--memory` win over the file.
    #[arg(long, value_name = "FILE")]
    pub limits: Option<PathBuf>,
    /// Wall-clock deadline of each gatherer run (e.g. 30s, 1m30s).
    #[arg(long, value_parser = parse_duration)]
    pub deadline: Option<Duration>,
    /// Memory cap of each gatherer (e.g. 256MiB).
    #[arg(long, value_parser = parse_bytes)]
    pub memory: Option<usize>,
    /// How many gatherers run at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: u16,
    /// One configuration pair of the gatherer running as NAME; repeat for more. Wins over
    /// `--config-file`.
    #[arg(long = "config", value_name = "NAME:KEY=VALUE", value_parser = parse_setting)]
    pub config: Vec<(String, String, String)>,
    /// The gatherers' configuration: `{NAME: {KEY: VALUE, ...}, ...}`, YAML or JSON.
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Directory for compiled components (default: $XDG_CACHE_HOME/wagather or
    /// ~/.cache/wagather).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Compile every component afresh and cache nothing.
    #[arg(long)]
    pub no_cache: bool,
}

/// `[NAME=]FILE.wasm`: an existing file is a file, whatever it is called; otherwise what
/// precedes the first `=` names the instance.
pub fn parse_gatherer(arg: &str) -> Result<GathererSpec, String> {
    if Path::new(arg).exists() {
        return Ok(GathererSpec::file(arg));
    }
    match arg.split_once('=') {
        Some((name, path)) => {
            wagather_contract::manifest::check_name(name).map_err(|e| e.to_string())?;
            if path.is_empty() {
                return Err(format!("{arg}: the component file is missing after `=`"));
            }
            Ok(GathererSpec::named(name, path))
        }
        None => Ok(GathererSpec::file(arg)),
    }
}

fn parse_setting(arg: &str) -> Result<(String, String, String), String> {
    config::parse_gatherer_setting(arg).map_err(|e| e.to_string())
}

pub async fn run(args: GatherArgs) -> Result<()> {
    let options = options(&args)?;
    let cache_dir = if args.no_cache {
        None
    } else {
        args.cache_dir.clone().or_else(default_cache_dir)
    };
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir,
        ..RuntimeOptions::default()
    })?;
    let connected = args.target.connect().await?;
    let api = connected.endpoint.client().await?;
    let summary = gather_to_archive(&runtime, &args.gatherers, &api, &options, &args.out).await;
    if let Some(server) = connected.snapshot {
        server.shutdown().await;
    }
    let summary = summary?;

    for report in &summary.reports {
        let status = match report.outcome {
            Outcome::Completed if report.events.is_empty() => "ok",
            Outcome::Completed | Outcome::Failed => "FAILED",
            Outcome::Trapped { .. } => "TRAPPED",
            Outcome::Stopped { .. } => "STOPPED",
            Outcome::NotRun { .. } => "NOT RUN",
        };
        let version = report
            .gatherer
            .as_ref()
            .map(|g| g.version.as_str())
            .unwrap_or("-");
        let m = &report.metrics;
        println!(
            "{status:7} {name} {version} records={records} api_calls={calls} denied={denied} bytes={bytes} {ms}ms",
            name = report.name,
            records = m.records,
            calls = m.api_calls,
            denied = m.denied_requests,
            bytes = m.response_bytes,
            ms = report.duration.as_millis(),
        );
        for error in report.errors() {
            println!("        error: {error}");
        }
    }
    println!("archive: {}", summary.archive.display());
    Ok(())
}

/// The options of a gather: the policy, limits and configuration files (when given), then the
/// flags, which win over the files.
pub fn options(args: &GatherArgs) -> Result<GatherOptions> {
    let host_policy = match &args.policy {
        Some(path) => config::read_policy(path)?,
        None => HostPolicy::default(),
    };
    let mut limits = match &args.limits {
        Some(path) => config::read_limits(path)?,
        None => Limits::default(),
    };
    if let Some(deadline) = args.deadline {
        limits.deadline = deadline;
    }
    if let Some(memory) = args.memory {
        limits.memory_bytes = memory;
    }
    let mut gatherer_config: GathererConfig = match &args.config_file {
        Some(path) => config::read_gatherer_config(path)?,
        None => GathererConfig::new(),
    };
    for (name, key, value) in &args.config {
        let pairs = gatherer_config.entry(name.clone()).or_default();
        pairs.retain(|(k, _)| k != key);
        pairs.push((key.clone(), value.clone()));
    }
    // A setting for a gatherer that is not in the period is a typo that would silently do
    // nothing; names given on the command line are checked here, manifest names only once
    // the components are loaded.
    let named: Vec<&str> = args
        .gatherers
        .iter()
        .filter_map(|g| g.name.as_deref())
        .collect();
    if args.gatherers.iter().all(|g| g.name.is_some()) {
        for name in gatherer_config.keys() {
            if !named.contains(&name.as_str()) {
                bail!(
                    "configuration for {name}, but no gatherer runs under that name (gatherers: {})",
                    named.join(", ")
                );
            }
        }
    }
    Ok(GatherOptions {
        limits,
        limits_for: Default::default(),
        host_policy,
        config: gatherer_config,
        parallel: usize::from(args.parallel),
        period: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;
    use crate::tests::parse;

    fn gather_args(args: &[&str]) -> Result<GatherArgs, clap::Error> {
        let mut all = vec!["gather"];
        all.extend_from_slice(args);
        match parse(&all)?.command {
            Command::Gather(args) => Ok(args),
            other => panic!("not gather: {other:?}"),
        }
    }

    #[test]
    fn parses_a_full_gather() {
        let args = gather_args(&[
            "--gatherer",
            "a.wasm",
            "--gatherer",
            "spin=hostile.wasm",
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
            "spin:attack=spin",
            "--config",
            "a:k=v=w",
        ])
        .expect("parse");
        assert_eq!(
            args.gatherers,
            vec![
                GathererSpec::file("a.wasm"),
                GathererSpec::named("spin", "hostile.wasm")
            ]
        );
        assert_eq!(args.target.server.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(args.deadline, Some(Duration::from_secs(90)));
        assert_eq!(args.memory, Some(64 << 20));
        assert_eq!(args.parallel, 2);
        let options = options(&args).expect("options");
        assert_eq!(
            options.config_of("spin"),
            [("attack".into(), "spin".into())]
        );
        assert_eq!(options.config_of("a"), [("k".into(), "v=w".into())]);
        assert!(options.config_of("other").is_empty());
    }

    #[test]
    fn defaults() {
        let args = gather_args(&["--gatherer", "a.wasm", "--out", "o"]).expect("parse");
        assert_eq!(args.parallel, 4);
        assert_eq!(args.deadline, None);
        let options = options(&args).expect("options");
        assert_eq!(options.limits, Limits::default());
        assert_eq!(options.host_policy, HostPolicy::default());
    }

    #[test]
    fn targets_are_exclusive() {
        let err = gather_args(&[
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
            &["--config", "k=v"],
            &["--config", "g:novalue"],
            &["--gatherer", "bad name=x.wasm"],
            &["--gatherer", "name="],
        ] {
            let mut args = vec!["--gatherer", "a.wasm", "--out", "o"];
            args.extend_from_slice(bad);
            assert!(gather_args(&args).is_err(), "{bad:?} accepted");
        }
        assert!(
            gather_args(&["--out", "o"]).is_err(),
            "no gatherer accepted"
        );
    }

    #[test]
    fn files_are_read_and_flags_win() {
        let dir = tempfile::tempdir().expect("tempdir");
        let limits = dir.path().join("limits.json");
        std::fs::write(&limits, r#"{"deadline": "1m 30s", "max_requests": 7}"#).expect("write");
        let config = dir.path().join("config.yaml");
        std::fs::write(&config, "g:\n  a: from-file\n  b: kept\n").expect("write");
        let args = gather_args(&[
            "--gatherer",
            "g=x.wasm",
            "--out",
            "o",
            "--limits",
            limits.to_str().expect("utf-8"),
            "--deadline",
            "5s",
            "--config-file",
            config.to_str().expect("utf-8"),
            "--config",
            "g:a=from-flag",
        ])
        .expect("parse");
        let options = options(&args).expect("options");
        assert_eq!(options.limits.deadline, Duration::from_secs(5));
        assert_eq!(options.limits.max_requests, 7);
        assert_eq!(
            options.config_of("g"),
            [
                ("b".into(), "kept".into()),
                ("a".into(), "from-flag".into())
            ]
        );
    }

    #[test]
    fn configuration_of_an_unknown_gatherer_is_refused() {
        let args = gather_args(&[
            "--gatherer",
            "g=x.wasm",
            "--out",
            "o",
            "--config",
            "typo:a=b",
        ])
        .expect("parse");
        let err = options(&args).unwrap_err();
        assert!(
            format!("{err:#}")
                .contains("configuration for typo, but no gatherer runs under that name"),
            "{err:#}"
        );
    }

    #[test]
    fn bad_files_name_themselves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let limits = dir.path().join("zero.yaml");
        std::fs::write(&limits, "deadline: 0s\n").expect("write");
        let args = gather_args(&[
            "--gatherer",
            "a.wasm",
            "--out",
            "o",
            "--limits",
            limits.to_str().expect("utf-8"),
        ])
        .expect("parse");
        let text = format!("{:#}", options(&args).unwrap_err());
        assert!(
            text.contains("zero.yaml") && text.contains("deadline must be longer than zero"),
            "{text}"
        );
    }
}
