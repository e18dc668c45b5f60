//! `wagather gather`: one period, one archive.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Args};
use wagather_host::config::{self, GathererConfig};
use wagather_host::{
    GatherOptions, GathererSpec, HostPolicy, Limits, Outcome, RunReport, Runtime, RuntimeOptions,
    load_all, run_period,
};

use crate::args::{Target, default_cache_dir, parse_bytes, parse_duration};

#[derive(Debug, Args)]
#[command(group = ArgGroup::new("components").args(["gatherers", "catalogs"]).required(true).multiple(true))]
pub struct GatherArgs {
    /// A gatherer component, optionally with the name to run it under (default: its
    /// manifest's name); repeat for several.
    #[arg(long = "gatherer", value_name = "[NAME=]FILE.wasm", value_parser = parse_gatherer)]
    pub gatherers: Vec<GathererSpec>,
    /// A directory of gatherer components: every `*.wasm` file in it, in file-name order,
    /// each under its manifest's name; repeat for several directories. They run after the
    /// `--gatherer`s, directories in the order given; a component also given with
    /// `--gatherer` (without a name) runs once.
    #[arg(long = "catalog", value_name = "DIR")]
    pub catalogs: Vec<PathBuf>,
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

/// The components of the period, in order: the `--gatherer`s as given, then each
/// `--catalog` directory's `*.wasm` files in file-name order. A catalog component that is
/// also given with `--gatherer` without a name is not run twice.
pub fn components(args: &GatherArgs) -> Result<Vec<GathererSpec>> {
    let mut specs = args.gatherers.clone();
    let given: Vec<PathBuf> = args
        .gatherers
        .iter()
        .filter(|g| g.name.is_none())
        .filter_map(|g| std::fs::canonicalize(&g.path).ok())
        .collect();
    for dir in &args.catalogs {
        let found = catalog(dir)?;
        if found.is_empty() {
            bail!(
                "catalog {}: no gatherer components (*.wasm) in it",
                dir.display()
            );
        }
        for path in found {
            let canonical = std::fs::canonicalize(&path)
                .with_context(|| format!("catalog {}: {}", dir.display(), path.display()))?;
            if !given.contains(&canonical) {
                specs.push(GathererSpec::file(path));
            }
        }
    }
    Ok(specs)
}

/// The `*.wasm` files of `dir` (not its subdirectories), sorted by file name.
pub fn catalog(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read catalog {}", dir.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read catalog {}", dir.display()))?;
        let path = entry.path();
        // Follows symbolic links, so a catalog can link to components kept elsewhere.
        if path.extension().is_some_and(|e| e == "wasm") && path.is_file() {
            found.push(path);
        }
    }
    found.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(found)
}

pub async fn run(args: GatherArgs) -> Result<()> {
    let options = options(&args)?;
    let specs = components(&args)?;
    let cache_dir = if args.no_cache {
        None
    } else {
        args.cache_dir.clone().or_else(default_cache_dir)
    };
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir,
        ..RuntimeOptions::default()
    })?;
    let started = std::time::Instant::now();
    let planned = load_all(&runtime, &specs).await;
    let loaded = started.elapsed();
    // Names come from the manifests now: a setting for a name no gatherer runs under is a
    // typo that would silently do nothing.
    let names: Vec<&str> = planned.iter().map(|p| p.name.as_str()).collect();
    for name in options.config.keys() {
        if !names.contains(&name.as_str()) {
            bail!(
                "configuration for {name}, but no gatherer runs under that name (gatherers: {})",
                names.join(", ")
            );
        }
    }
    let connected = args.target.connect().await?;
    let api = connected.endpoint.client().await?;
    let summary = run_period(&runtime, planned, &api, &options, &args.out).await;
    if let Some(server) = connected.snapshot {
        server.shutdown().await;
    }
    let summary = summary?;
    crate::print_out(&format!(
        "{}{} gatherers loaded in {:.2} s, period {:.2} s\narchive: {}\n",
        table(&summary.reports),
        summary.reports.len(),
        loaded.as_secs_f64(),
        (started.elapsed() - loaded).as_secs_f64(),
        summary.archive.display()
    ))
}

/// The reports as a table, one row per gatherer in the period's order, then every error under
/// its gatherer's name.
pub fn table(reports: &[RunReport]) -> String {
    use std::fmt::Write as _;
    let header = [
        "outcome",
        "gatherer",
        "version",
        "records",
        "api calls",
        "denied",
        "bytes",
        "time",
        "errors",
    ];
    let rows: Vec<[String; 9]> = reports
        .iter()
        .map(|report| {
            let m = &report.metrics;
            [
                outcome(report).to_owned(),
                report.name.clone(),
                report
                    .gatherer
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |g| g.version.clone()),
                m.records.to_string(),
                m.api_calls.to_string(),
                m.denied_requests.to_string(),
                m.response_bytes.to_string(),
                format!("{} ms", report.duration.as_millis()),
                report.errors().len().to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Names left, numbers right.
            if i < 3 {
                let _ = write!(text, "{cell:<width$}  ");
            } else {
                let _ = write!(text, "{cell:>width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    let total = |f: fn(&RunReport) -> u64| reports.iter().map(f).sum::<u64>();
    let _ = writeln!(
        out,
        "total: {} records, {} API calls, {} denied, {} response bytes, {} with errors",
        total(|r| u64::from(r.metrics.records)),
        total(|r| u64::from(r.metrics.api_calls)),
        total(|r| u64::from(r.metrics.denied_requests)),
        total(|r| r.metrics.response_bytes),
        reports.iter().filter(|r| r.has_errors()).count(),
    );
    for report in reports {
        for error in report.errors() {
            let _ = writeln!(out, "  {}: {error}", report.name);
        }
    }
    out
}

fn outcome(report: &RunReport) -> &'static str {
    match report.outcome {
        Outcome::Completed if report.events.is_empty() => "ok",
        // Completed with problems on the way (denials, dropped records, reported errors).
        Outcome::Completed => "ERRORS",
        Outcome::Failed => "FAILED",
        Outcome::Trapped { .. } => "TRAPPED",
        Outcome::Stopped { .. } => "STOPPED",
        Outcome::NotRun { .. } => "NOT-RUN",
    }
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
    if args.catalogs.is_empty() && args.gatherers.iter().all(|g| g.name.is_some()) {
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
    fn catalogs_follow_the_gatherers_in_file_name_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (one, two) = (dir.path().join("one"), dir.path().join("two"));
        for (folder, files) in [
            (&one, &["b.wasm", "a.wasm", "notes.txt", "c.wasm"][..]),
            (&two, &["0.wasm"]),
        ] {
            std::fs::create_dir(folder).expect("mkdir");
            for file in files {
                std::fs::write(folder.join(file), b"\0asm").expect("write");
            }
        }
        std::fs::create_dir(one.join("sub.wasm")).expect("a directory is not a component");
        let text = |p: &Path| p.to_str().expect("utf-8").to_owned();
        let (a, c) = (text(&one.join("a.wasm")), text(&one.join("c.wasm")));
        let named = format!("again={c}");
        let args = gather_args(&[
            "--catalog",
            &text(&one),
            "--gatherer",
            &a,
            "--gatherer",
            &named,
            "--catalog",
            &text(&two),
            "--out",
            "o",
        ])
        .expect("parse");
        let specs = components(&args).expect("components");
        let files: Vec<(Option<&str>, String)> = specs
            .iter()
            .map(|s| {
                let file = s.path.strip_prefix(dir.path()).expect("in the dir");
                (s.name.as_deref(), text(file))
            })
            .collect();
        assert_eq!(
            files,
            [
                // The --gatherer flags first, as given.
                (None, "one/a.wasm".to_owned()),
                (Some("again"), "one/c.wasm".to_owned()),
                // Then each catalog: a.wasm was given already; c.wasm runs a second time,
                // under its manifest's name, since the operator named the other instance.
                (None, "one/b.wasm".to_owned()),
                (None, "one/c.wasm".to_owned()),
                (None, "two/0.wasm".to_owned()),
            ]
        );
    }

    #[test]
    fn a_catalog_without_components_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("README"), "x").expect("write");
        let path = dir.path().to_str().expect("utf-8");
        let args = gather_args(&["--catalog", path, "--out", "o"]).expect("parse");
        let err = components(&args).unwrap_err().to_string();
        assert!(err.contains("no gatherer components"), "{err}");
        let args = gather_args(&["--catalog", "/nonexistent/dir", "--out", "o"]).expect("parse");
        let err = format!("{:#}", components(&args).unwrap_err());
        assert!(
            err.contains("cannot read catalog /nonexistent/dir"),
            "{err}"
        );
        // A catalog alone is enough; configuration is checked against manifest names later.
        let args =
            gather_args(&["--catalog", path, "--out", "o", "--config", "x:k=v"]).expect("parse");
        assert!(options(&args).is_ok());
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
        let err = gather_args(&["--out", "o"]).expect_err("no gatherer accepted");
        assert_eq!(
            err.kind(),
            clap::error::ErrorKind::MissingRequiredArgument,
            "{err}"
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
