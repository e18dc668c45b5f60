//! One gather period: load the gatherers, run them concurrently (bounded),
//! and write one archive with everything they produced.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Semaphore;

use crate::archive::{self, ArchiveError, GATHERS_JSON, GathersJson, StatusReport};
use crate::host::error_chain;
use crate::limits::Limits;
use crate::manifest::CONTRACT;
use crate::policy::HostPolicy;
use crate::records::Record;
use crate::runtime::{LoadedGatherer, RunOutcome, Runtime};

/// Settings of one gather period.
#[derive(Clone, Debug)]
pub struct GatherOptions {
    /// Limits applied to every gatherer run.
    pub limits: Limits,
    /// The operator's policy (deny list, lifts).
    pub host_policy: HostPolicy,
    /// Configuration handed to every gatherer's `gather` export.
    pub config: Vec<(String, String)>,
    /// How many gatherers run at the same time (at least 1).
    pub parallel: usize,
}

impl Default for GatherOptions {
    fn default() -> Self {
        GatherOptions {
            limits: Limits::default(),
            host_policy: HostPolicy::default(),
            config: Vec::new(),
            parallel: 4,
        }
    }
}

/// How one gatherer fared in a period.
#[derive(Clone, Debug)]
pub struct GathererReport {
    /// Manifest name, or the file name when the component could not be loaded.
    pub name: String,
    /// Manifest version; empty when not loaded.
    pub version: String,
    /// `sha256:<hex>` of the component; empty when not loaded.
    pub digest: String,
    /// The component file.
    pub source: PathBuf,
    pub duration: Duration,
    /// Records written to the archive.
    pub records_count: usize,
    pub api_calls: u32,
    pub denied_requests: u32,
    pub response_bytes: u64,
    /// Everything that went wrong, the guest's own errors first.
    pub errors: Vec<String>,
    /// Set when the guest trapped for a reason other than a host limit.
    pub panic: Option<String>,
}

/// What a gather period produced.
#[derive(Clone, Debug)]
pub struct GatherSummary {
    /// The archive written.
    pub archive: PathBuf,
    /// When the period started (the archive's name and entries' mtime).
    pub started: Timestamp,
    /// One report per gatherer, in the order they were given.
    pub reports: Vec<GathererReport>,
}

impl GatherSummary {
    /// Whether any gatherer reported an error.
    pub fn has_errors(&self) -> bool {
        self.reports.iter().any(|r| !r.errors.is_empty())
    }
}

/// Loads every component in `sources`, runs the loadable ones against `api`
/// and writes the archive into `out_dir`.
///
/// A gatherer that fails to load, traps or breaks a limit is reported in
/// `gathers.json` and the summary; the others still run, and the archive is
/// written even when every gatherer failed. Only failing to write the
/// archive is an error.
pub async fn gather_to_archive(
    runtime: &Runtime,
    sources: &[PathBuf],
    api: &kube::Client,
    options: &GatherOptions,
    out_dir: &Path,
) -> Result<GatherSummary, ArchiveError> {
    let started = Timestamp::now();
    let mut loaded = Vec::with_capacity(sources.len());
    for source in sources {
        // Compiling is CPU-bound; keep it off the async worker threads.
        let (rt, path) = (runtime.clone(), source.clone());
        let result = tokio::task::spawn_blocking(move || rt.load(&path)).await;
        loaded.push(match result {
            Ok(Ok(gatherer)) => Ok(gatherer),
            Ok(Err(e)) => {
                tracing::error!("{}", error_chain(&e));
                Err(error_chain(&e))
            }
            Err(join) => Err(format!("cannot load gatherer {}: {join}", source.display())),
        });
    }
    let loaded_ok: Vec<LoadedGatherer> = loaded
        .iter()
        .filter_map(|l| l.as_ref().ok().cloned())
        .collect();
    let mut outcomes = run_all(runtime, &loaded_ok, api, options).await.into_iter();

    let mut reports = Vec::with_capacity(sources.len());
    let mut records: Vec<Record> = Vec::new();
    // Which gatherer wrote each archive path: a later gatherer may not
    // overwrite an earlier one's file.
    let mut owners: HashMap<String, String> = HashMap::new();
    owners.insert(GATHERS_JSON.to_owned(), "the host".to_owned());
    for (source, load) in sources.iter().zip(&loaded) {
        let report = match load {
            Err(error) => GathererReport {
                name: file_stem(source),
                version: String::new(),
                digest: String::new(),
                source: source.clone(),
                duration: Duration::ZERO,
                records_count: 0,
                api_calls: 0,
                denied_requests: 0,
                response_bytes: 0,
                errors: vec![error.clone()],
                panic: None,
            },
            Ok(gatherer) => {
                let Some(outcome) = outcomes.next() else {
                    // run_all returns one outcome per gatherer; this is unreachable
                    // but must not panic the host.
                    continue;
                };
                let RunOutcome {
                    records: produced,
                    mut errors,
                    panic,
                    duration,
                    api_calls,
                    denied_requests,
                    response_bytes,
                } = outcome;
                let mut count = 0;
                for record in produced {
                    let path = record.archive_path();
                    if let Some(owner) = owners.get(&path) {
                        errors.push(format!("record {path} dropped: already written by {owner}"));
                        continue;
                    }
                    owners.insert(path, gatherer.manifest.name.clone());
                    records.push(record);
                    count += 1;
                }
                GathererReport {
                    name: gatherer.manifest.name.clone(),
                    version: gatherer.manifest.version.clone(),
                    digest: gatherer.digest.clone(),
                    source: source.clone(),
                    duration,
                    records_count: count,
                    api_calls,
                    denied_requests,
                    response_bytes,
                    errors,
                    panic,
                }
            }
        };
        reports.push(report);
    }

    let gathers = GathersJson {
        status_reports: reports.iter().map(status_report).collect(),
        uptime_seconds: runtime.uptime().as_secs_f64(),
        wagather_version: env!("CARGO_PKG_VERSION").to_owned(),
        contract: CONTRACT.to_owned(),
    };
    let out = out_dir.to_owned();
    let archive = tokio::task::spawn_blocking(move || {
        archive::write_archive(&out, started, &records, &gathers)
    })
    .await
    .map_err(|join| ArchiveError::Write {
        path: out_dir.to_owned(),
        source: std::io::Error::other(join),
    })??;
    Ok(GatherSummary {
        archive,
        started,
        reports,
    })
}

/// Runs the gatherers with at most `options.parallel` at once; outcomes come
/// back in the order of `gatherers`.
pub async fn run_all(
    runtime: &Runtime,
    gatherers: &[LoadedGatherer],
    api: &kube::Client,
    options: &GatherOptions,
) -> Vec<RunOutcome> {
    let permits = Arc::new(Semaphore::new(options.parallel.max(1)));
    let options = Arc::new(options.clone());
    let mut tasks = Vec::with_capacity(gatherers.len());
    for gatherer in gatherers {
        let (runtime, gatherer, api, options, permits) = (
            runtime.clone(),
            gatherer.clone(),
            api.clone(),
            options.clone(),
            permits.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = permits.acquire_owned().await;
            runtime
                .run(
                    &gatherer,
                    &api,
                    &options.limits,
                    &options.host_policy,
                    &options.config,
                )
                .await
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(match task.await {
            Ok(outcome) => outcome,
            // A panic inside the host while running one gatherer is reported
            // as that gatherer's failure; the others are unaffected.
            Err(join) => RunOutcome {
                records: Vec::new(),
                errors: vec![format!("host failure while running the gatherer: {join}")],
                panic: None,
                duration: Duration::ZERO,
                api_calls: 0,
                denied_requests: 0,
                response_bytes: 0,
            },
        });
    }
    outcomes
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn status_report(report: &GathererReport) -> StatusReport {
    StatusReport {
        name: report.name.clone(),
        version: report.version.clone(),
        digest: report.digest.clone(),
        duration_in_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
        records_count: report.records_count,
        api_calls: report.api_calls,
        denied_requests: report.denied_requests,
        response_bytes: report.response_bytes,
        errors: (!report.errors.is_empty()).then(|| report.errors.clone()),
        warnings: None,
        panic: report.panic.clone(),
    }
}
