//! One gather period: load the gatherers, run them concurrently (bounded), each into its
//! spool of the period's archive, then assemble the archive in the gatherers' order and
//! publish it with its `gathers.json`.
//!
//! A gatherer that fails to load, traps or breaks a limit is reported and the others run; the
//! archive is published even when every gatherer failed. Only failing to write the archive is
//! an error, and then nothing is left in the output directory. Dropping the period's future
//! (a service shutting down) discards its archive the same way.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::Semaphore;

use crate::engine::Runtime;
use crate::limits::Limits;
use crate::load::LoadedGatherer;
use crate::output::archive::{ArchiveError, ArchiveWriter, Spool};
use crate::output::gathers::GathersJson;
use crate::policy::HostPolicy;
use crate::report::{GathererInfo, RunReport, UpdateReport};
use crate::run::RunSpec;

/// A gatherer of a period, as the operator names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GathererSpec {
    /// The name to run it under; `None` takes the manifest's. Two instances of one component
    /// need names of their own.
    pub name: Option<String>,
    /// The component file.
    pub path: PathBuf,
}

impl GathererSpec {
    /// A component run under its manifest's name.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            name: None,
            path: path.into(),
        }
    }

    /// A component run under `name`.
    pub fn named(name: &str, path: impl Into<PathBuf>) -> Self {
        Self {
            name: Some(name.to_owned()),
            path: path.into(),
        }
    }
}

/// Settings of one gather period.
#[derive(Clone, Debug)]
pub struct GatherOptions {
    /// Limits of every gatherer run, unless `limits_for` names the gatherer.
    pub limits: Limits,
    /// Limits of particular gatherers, by name.
    pub limits_for: BTreeMap<String, Limits>,
    /// The operator's policy (deny list, restrictions, lifts).
    pub host_policy: HostPolicy,
    /// Each gatherer's configuration, by name; a gatherer not named gets none.
    pub config: BTreeMap<String, Vec<(String, String)>>,
    /// How many gatherers run at the same time (at least 1).
    pub parallel: usize,
    /// The service's number of this period, written into `gathers.json`; `None` for a
    /// one-off gather.
    pub period: Option<u64>,
}

impl Default for GatherOptions {
    fn default() -> Self {
        GatherOptions {
            limits: Limits::default(),
            limits_for: BTreeMap::new(),
            host_policy: HostPolicy::default(),
            config: BTreeMap::new(),
            parallel: 4,
            period: None,
        }
    }
}

impl GatherOptions {
    /// The limits of the gatherer named `name`.
    pub fn limits_of(&self, name: &str) -> &Limits {
        self.limits_for.get(name).unwrap_or(&self.limits)
    }

    /// The configuration of the gatherer named `name`.
    pub fn config_of(&self, name: &str) -> &[(String, String)] {
        self.config.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A gatherer ready for a period: loaded, or the reason it is not.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The name it runs and is reported under.
    pub name: String,
    pub gatherer: Result<LoadedGatherer, String>,
    /// What the service's update check found, carried into the run's report.
    pub update: Option<UpdateReport>,
}

/// What a gather period produced.
#[derive(Clone, Debug)]
pub struct GatherSummary {
    /// The archive written.
    pub archive: PathBuf,
    /// When the period started (the archive's name and entries' mtime).
    pub started: Timestamp,
    /// One report per gatherer, in the order they were given.
    pub reports: Vec<RunReport>,
}

impl GatherSummary {
    /// Whether any gatherer reported a problem.
    pub fn has_errors(&self) -> bool {
        self.reports.iter().any(RunReport::has_errors)
    }
}

/// Loads every component of `gatherers`, runs the loadable ones against `api` and writes the
/// archive into `out_dir`.
pub async fn gather_to_archive(
    runtime: &Runtime,
    gatherers: &[GathererSpec],
    api: &kube::Client,
    options: &GatherOptions,
    out_dir: &Path,
) -> Result<GatherSummary, ArchiveError> {
    let planned = load_all(runtime, gatherers).await;
    run_period(runtime, planned, api, options, out_dir).await
}

/// Loads components off the async workers (compiling and reading the compiled-artifact cache
/// are CPU-bound), as many at a time as the machine has cores, and names them: the name the
/// operator gave, else the manifest's, else (when loading failed) the file's stem. The result
/// is in the order of `gatherers`.
///
/// Loading in parallel is what keeps a catalog's start short: each load from the cache
/// maps and deserializes its own artifact, independently of the others (the `catalog`
/// benchmark group measures the whole catalog's start).
pub async fn load_all(runtime: &Runtime, gatherers: &[GathererSpec]) -> Vec<Planned> {
    on_every_core(gatherers, |spec| load_one(runtime, spec)).await
}

/// Runs `load` for each of `items`, as many at a time as the machine has cores, and returns
/// the results in the order of `items`. For loads, which do their CPU-bound part off the async
/// workers: [`load_all`] and the service's restore of its last good versions.
pub(crate) async fn on_every_core<I, F, Fut>(items: I, load: F) -> Vec<Fut::Output>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    use futures_util::StreamExt as _;
    let at_once = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    futures_util::stream::iter(items)
        .map(load)
        .buffered(at_once)
        .collect()
        .await
}

async fn load_one(runtime: &Runtime, spec: &GathererSpec) -> Planned {
    let (rt, path) = (runtime.clone(), spec.path.clone());
    let loaded = match tokio::task::spawn_blocking(move || rt.load(&path)).await {
        Ok(Ok(gatherer)) => Ok(gatherer),
        Ok(Err(e)) => {
            tracing::error!("{e}");
            Err(e.to_string())
        }
        Err(join) => Err(format!(
            "cannot load gatherer {}: {join}",
            spec.path.display()
        )),
    };
    let name = match (&spec.name, &loaded) {
        (Some(name), _) => name.clone(),
        (None, Ok(gatherer)) => gatherer.manifest.name.clone(),
        (None, Err(_)) => file_stem(&spec.path),
    };
    Planned {
        name,
        gatherer: loaded,
        update: None,
    }
}

/// Runs a period of loaded gatherers into a new archive in `out_dir`.
pub async fn run_period(
    runtime: &Runtime,
    planned: Vec<Planned>,
    api: &kube::Client,
    options: &GatherOptions,
    out_dir: &Path,
) -> Result<GatherSummary, ArchiveError> {
    let started = Timestamp::now();
    let archive = ArchiveWriter::create(out_dir, started)?;
    let mut spools = Vec::with_capacity(planned.len());
    for (index, plan) in planned.iter().enumerate() {
        spools.push(archive.spool(index, &plan.name)?);
    }
    let updates: Vec<Option<UpdateReport>> = planned.iter().map(|p| p.update.clone()).collect();
    let (mut reports, spools) = run_all(runtime, planned, spools, api, options).await;
    for (report, update) in reports.iter_mut().zip(updates) {
        report.update = update;
    }
    let (assembled, overwritten) = archive.assemble(spools).await?;
    for (report, dropped) in reports.iter_mut().zip(overwritten) {
        for record in dropped {
            report.record_overwritten(record);
        }
    }
    let mut gathers = GathersJson::new(&reports, runtime.uptime().as_secs_f64());
    gathers.period = options.period;
    let path = assembled.publish(gathers.to_vec()).await?;
    Ok(GatherSummary {
        archive: path,
        started,
        reports,
    })
}

/// Runs the gatherers, each into its spool, with at most `options.parallel` at once; reports
/// and spools come back in the order of `planned` (no spool where the host failed a run).
pub async fn run_all(
    runtime: &Runtime,
    planned: Vec<Planned>,
    spools: Vec<Spool>,
    api: &kube::Client,
    options: &GatherOptions,
) -> (Vec<RunReport>, Vec<Option<Spool>>) {
    let permits = Arc::new(Semaphore::new(options.parallel.max(1)));
    let options = Arc::new(options.clone());
    let mut seen = HashSet::new();
    let mut tasks = Vec::with_capacity(planned.len());
    for (Planned { name, gatherer, .. }, spool) in planned.into_iter().zip(spools) {
        let gatherer = match gatherer {
            Err(reason) => {
                tasks.push(Task::Done(RunReport::not_run(&name, None, reason), spool));
                continue;
            }
            Ok(gatherer) => gatherer,
        };
        if !seen.insert(name.clone()) {
            let reason = format!(
                "another gatherer of this period is named {name}; give each instance a name of its own (NAME=FILE.wasm)"
            );
            let info = Some(GathererInfo::of(&gatherer));
            tasks.push(Task::Done(RunReport::not_run(&name, info, reason), spool));
            continue;
        }
        let (runtime, api, options, permits) = (
            runtime.clone(),
            api.clone(),
            options.clone(),
            permits.clone(),
        );
        let task_name = name.clone();
        tasks.push(Task::Running(
            name,
            tokio::spawn(async move {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = permits.acquire_owned().await;
                let spec = RunSpec {
                    name: &task_name,
                    gatherer: &gatherer,
                    api: &api,
                    limits: options.limits_of(&task_name),
                    policy: &options.host_policy,
                    config: options.config_of(&task_name),
                };
                runtime.run(&spec, spool).await
            }),
        ));
    }
    let mut reports = Vec::with_capacity(tasks.len());
    let mut spools = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task {
            Task::Done(report, spool) => {
                reports.push(report);
                spools.push(Some(spool));
            }
            Task::Running(name, handle) => match handle.await {
                Ok((report, spool)) => {
                    reports.push(report);
                    spools.push(Some(spool));
                }
                // A panic inside the host while running one gatherer is reported as that
                // gatherer's failure; the others are unaffected. Its spool is lost with it.
                Err(join) => {
                    reports.push(RunReport::not_run(
                        &name,
                        None,
                        format!("host failure while running the gatherer: {join}"),
                    ));
                    spools.push(None);
                }
            },
        }
    }
    (reports, spools)
}

enum Task {
    Done(RunReport, Spool),
    Running(String, tokio::task::JoinHandle<(RunReport, Spool)>),
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
