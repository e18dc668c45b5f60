//! The gathering service behind `wagather run`: gathers every period, writes each archive,
//! and replaces gatherers from their sources between periods, without a restart.
//!
//! A period is:
//!
//! 1. **Update phase.** Each gatherer's source is asked whether it has something other than
//!    what runs ([`wagather_source::Fetcher::check`]: a conditional GET, an OCI HEAD, a file
//!    re-hash). Something new goes through the swap protocol, every stage of which can refuse
//!    it: *fetch* (and the size cap, timeouts), *digest* (the pin, the registry's layer
//!    digest), *manifest* (present, this contract, the name the config expects, no downgrade),
//!    *signature* (minisign by a trusted key, its trusted comment naming the manifest's
//!    gatherer and version), *compile*, the world check (reported as *manifest*: the contract's
//!    interface), and *instantiate* (a test instantiation). Only a component that passes them
//!    all is stored ([`wagather_source::Store`], by digest) and replaces the running one. On
//!    any failure the last good version keeps running, and the failure is logged (gatherer,
//!    source, stage, cause), counted (`wagather_update_failures_total{stage}`), shown in
//!    `status.json` and written into the period's `gathers.json` (`update` and `warnings`).
//!    A gatherer whose first version never loaded is reported as not run; the others run.
//! 2. **Gather.** [`crate::run_period`] with what runs now; the archive appears whole or not
//!    at all. Old archives beyond `retain` are deleted.
//!
//! What survives a restart: the verified bytes of each gatherer's last good version (the
//! store, re-hashed on load) and the compiled code (the compiled-artifact cache in `<state>/compiled`,
//! 0700). [`Service::new`] loads the last good versions from there without the network and
//! without compiling; the first update phase then only asks the sources whether they moved.
//!
//! [`Service::run`] is the scheduler; [`ServiceHandle`] is what `/metrics`, `/healthz`,
//! `/readyz` and `/status` read.

pub mod config;
pub mod metrics;
pub mod soak;
pub mod status;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use wagather_contract::Manifest;
use wagather_source::{
    Cause, ExpectedSigner, Fetcher, LastGood, Revision, Source, SourceError, Stage, Store, Update,
};

use crate::engine::{Runtime, RuntimeError, RuntimeOptions};
use crate::load::{LoadStage, LoadedGatherer, read_manifest};
use crate::output::archive::archive_file_name;
use crate::period::{GatherOptions, Planned, run_period};
use crate::report::{RunReport, UpdateReport, UpdateResult};
use config::{GathererEntry, ServiceConfig};
use metrics::{InfoRow, Metrics};
use status::{GathererStatus, LastRun, PeriodStatus, RunningVersion, ServiceStatus};

/// How often the scheduler records that it is alive while it waits for the next period.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A directory of the service could not be prepared.
    #[error("could not prepare the directory {}", path.display())]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The runtime (engine, cache) could not start.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The component store could not be opened.
    #[error("could not open the component store")]
    Store(#[source] wagather_source::StoreError),
    /// The fetcher could not be built.
    #[error("could not set up the sources")]
    Fetcher(#[source] SourceError),
}

/// How [`Service::run`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// Asked to stop between periods.
    Idle,
    /// Asked to stop during a period, which finished within the grace time.
    AfterPeriod,
    /// Asked to stop during a period that did not finish within the grace time: it was
    /// cancelled and its archive discarded.
    Cancelled,
}

/// What one period did.
#[derive(Clone, Debug)]
pub struct PeriodSummary {
    /// Its number since the start (1 for the first).
    pub number: u64,
    /// The update phase's reports, one per gatherer in the configured order.
    pub updates: Vec<UpdateReport>,
    /// The archive and the run reports; an error when the archive could not be written.
    pub result: Result<crate::GatherSummary, String>,
}

/// The component a gatherer runs.
#[derive(Clone, Debug)]
struct Current {
    loaded: LoadedGatherer,
    revision: Revision,
    signature: Option<String>,
    signed_by: Option<String>,
    since: Timestamp,
}

impl Current {
    fn info(&self, name: &str) -> InfoRow {
        InfoRow {
            gatherer: name.to_owned(),
            version: self.loaded.manifest.version.clone(),
            digest: self.loaded.digest.clone(),
            source: self.loaded.source.clone(),
        }
    }
}

/// One configured gatherer and what runs for it.
#[derive(Debug)]
struct Slot {
    entry: GathererEntry,
    source: Source,
    current: Option<Current>,
    update: Option<UpdateReport>,
    last_run: Option<LastRun>,
}

/// The result of one update check, before it is applied.
enum Checked {
    Unchanged(Revision),
    /// A new version passed every stage; its bytes go into the store.
    Swapped(Box<Current>, Arc<[u8]>),
    Failed(SourceError),
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("config", &self.config.file)
            .field("periods", &self.periods)
            .finish_non_exhaustive()
    }
}

/// The state the endpoints read, shared with the scheduler.
#[derive(Debug)]
struct Shared {
    metrics: Metrics,
    status: Mutex<ServiceStatus>,
    heartbeat: Mutex<Instant>,
    liveness: Duration,
    ready: AtomicBool,
}

/// A cheap, cloneable view of a running service for its HTTP endpoints.
#[derive(Clone, Debug)]
pub struct ServiceHandle {
    shared: Arc<Shared>,
}

impl ServiceHandle {
    /// The metrics as OpenMetrics text ([`metrics::CONTENT_TYPE`]).
    pub fn metrics(&self) -> String {
        self.shared.metrics.render()
    }

    /// The service's state, as `status.json` has it.
    pub fn status(&self) -> ServiceStatus {
        lock(&self.shared.status).clone()
    }

    /// Whether the initial set of gatherers has been loaded (each has a version, or its first
    /// load failed and was reported).
    pub fn ready(&self) -> bool {
        self.shared.ready.load(Ordering::Relaxed)
    }

    /// Whether the scheduler ticked within the longest time a period can take; the error
    /// says how long ago it last did.
    pub fn healthy(&self) -> Result<(), String> {
        let since = lock(&self.shared.heartbeat).elapsed();
        if since <= self.shared.liveness {
            Ok(())
        } else {
            Err(format!(
                "the scheduler last ticked {} ago (allowed: {})",
                humantime::format_duration(Duration::from_secs(since.as_secs())),
                humantime::format_duration(self.shared.liveness)
            ))
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind; keep using it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The gathering service.
pub struct Service {
    config: ServiceConfig,
    runtime: Runtime,
    fetcher: Fetcher,
    store: Store,
    api: kube::Client,
    slots: Vec<Slot>,
    shared: Arc<Shared>,
    periods: u64,
    started: Timestamp,
}

impl Service {
    /// Prepares the state directory (`components/`, `compiled/`, both 0700), starts the
    /// runtime with its compilation cache, removes archives a killed process left unfinished,
    /// and loads each gatherer's last good version from the store: no network, and no
    /// compiling when the cache has it.
    pub async fn new(config: ServiceConfig, api: kube::Client) -> Result<Service, ServiceError> {
        prepare_private_dir(&config.state_dir)?;
        let store =
            Store::open(config.state_dir.join("components")).map_err(ServiceError::Store)?;
        let runtime = Runtime::new(RuntimeOptions {
            cache_dir: Some(config.state_dir.join("compiled")),
            ..RuntimeOptions::default()
        })?;
        let fetcher = Fetcher::new(config.fetch.clone()).map_err(ServiceError::Fetcher)?;
        std::fs::create_dir_all(&config.output_dir).map_err(|source| ServiceError::Directory {
            path: config.output_dir.clone(),
            source,
        })?;
        remove_unfinished_archives(&config.output_dir);
        let slots = config
            .gatherers
            .iter()
            .map(|entry| Slot {
                source: Source {
                    spec: entry.source.clone(),
                    auth: entry.auth.clone(),
                    signatures: entry.signatures,
                },
                entry: entry.clone(),
                current: None,
                update: None,
                last_run: None,
            })
            .collect();
        let started = Timestamp::now();
        let status = ServiceStatus {
            wagather_version: env!("CARGO_PKG_VERSION").to_owned(),
            started,
            pid: std::process::id(),
            period: config.period,
            ready: false,
            periods: 0,
            last_period: None,
            next_period: None,
            cache_hits: 0,
            cache_misses: 0,
            gatherers: Vec::new(),
        };
        let shared = Arc::new(Shared {
            metrics: Metrics::new(&runtime),
            status: Mutex::new(status),
            heartbeat: Mutex::new(Instant::now()),
            liveness: liveness(&config),
            ready: AtomicBool::new(false),
        });
        let mut service = Service {
            config,
            runtime,
            fetcher,
            store,
            api,
            slots,
            shared,
            periods: 0,
            started,
        };
        service.restore().await;
        if service.slots.iter().all(|s| s.current.is_some()) {
            service.set_ready();
        }
        service.publish_status(None);
        Ok(service)
    }

    /// The handle the endpoints read.
    pub fn handle(&self) -> ServiceHandle {
        ServiceHandle {
            shared: self.shared.clone(),
        }
    }

    /// The runtime (for its cache counters).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The configuration it runs.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Gathers now and then every period until `stop` turns true. A stop between periods
    /// returns at once; during a period, the period may finish within the configured grace
    /// time and is cancelled (its archive discarded, never half-written) after it.
    pub async fn run(&mut self, mut stop: tokio::sync::watch::Receiver<bool>) -> Stopped {
        let mut next = tokio::time::Instant::now();
        loop {
            // Wait for the next period, ticking the heartbeat.
            loop {
                self.beat();
                let now = tokio::time::Instant::now();
                if now >= next {
                    break;
                }
                let wake = next.min(now + HEARTBEAT);
                tokio::select! {
                    () = tokio::time::sleep_until(wake) => {}
                    () = stop_requested(&mut stop) => return Stopped::Idle,
                }
            }
            if *stop.borrow() {
                return Stopped::Idle;
            }
            next += self.config.period;
            let grace = self.config.shutdown_grace;
            let number = self.periods + 1;
            let started = Timestamp::now();
            let stopped = {
                let period = self.period();
                tokio::pin!(period);
                tokio::select! {
                    _ = &mut period => None,
                    () = stop_requested(&mut stop) => {
                        tracing::info!(
                            "stop requested during period {number}: waiting up to {} for it to finish",
                            humantime::format_duration(grace)
                        );
                        match tokio::time::timeout(grace, &mut period).await {
                            Ok(_) => Some(Stopped::AfterPeriod),
                            Err(_) => Some(Stopped::Cancelled),
                        }
                    }
                }
            };
            match stopped {
                None => {}
                Some(Stopped::Cancelled) => {
                    // The period's future is dropped: its archive was never published.
                    tracing::warn!(
                        "period {number} did not finish within {}: cancelled, its archive discarded",
                        humantime::format_duration(grace)
                    );
                    self.periods = number;
                    self.period_ended(number, started, "cancelled", None, None);
                    return Stopped::Cancelled;
                }
                Some(other) => return other,
            }
            let now = tokio::time::Instant::now();
            if next < now {
                // The period took longer than the period: the next starts now, none is
                // skipped and none runs twice.
                next = now;
            }
            let next_at = Timestamp::now()
                .checked_add(next.saturating_duration_since(now))
                .ok();
            lock(&self.shared.status).next_period = next_at;
            self.write_status();
        }
    }

    /// One period: the update phase, then the gather. See the module documentation.
    pub async fn period(&mut self) -> PeriodSummary {
        self.beat();
        let number = self.periods + 1;
        let started_at = Timestamp::now();
        let started = Instant::now();
        tracing::info!("period {number} started");
        let updates = self.update_phase().await;
        self.set_ready();
        self.publish_status(None);

        wait_for_free_archive_name(&self.config.output_dir).await;
        let planned: Vec<Planned> = self
            .slots
            .iter()
            .map(|slot| Planned {
                name: slot.entry.name.clone(),
                gatherer: match &slot.current {
                    Some(current) => Ok(current.loaded.clone()),
                    None => Err(
                        match slot.update.as_ref().and_then(UpdateReport::failure_line) {
                            Some(line) => line,
                            None => "no version of it has loaded".to_owned(),
                        },
                    ),
                },
                update: slot.update.clone(),
            })
            .collect();
        let options = self.gather_options(number);
        let result = run_period(
            &self.runtime,
            planned,
            &self.api,
            &options,
            &self.config.output_dir,
        )
        .await;
        self.periods = number;
        let result = match result {
            Ok(summary) => {
                for report in &summary.reports {
                    self.shared.metrics.run(report);
                    if let Some(slot) = self.slots.iter_mut().find(|s| s.entry.name == report.name)
                    {
                        slot.last_run = Some(last_run(number, report));
                    }
                }
                tracing::info!(
                    "period {number} published {} in {:.1?}",
                    summary.archive.display(),
                    started.elapsed()
                );
                self.retain();
                self.period_ended(
                    number,
                    started_at,
                    "published",
                    Some(summary.archive.display().to_string()),
                    None,
                );
                Ok(summary)
            }
            Err(e) => {
                let message = crate::error_chain(&e);
                tracing::error!("period {number} wrote no archive: {message}");
                self.period_ended(number, started_at, "failed", None, Some(message.clone()));
                Err(message)
            }
        };
        release_freed_memory();
        self.beat();
        PeriodSummary {
            number,
            updates,
            result,
        }
    }

    fn gather_options(&self, number: u64) -> GatherOptions {
        GatherOptions {
            limits: self.config.limits.clone(),
            limits_for: self
                .slots
                .iter()
                .map(|s| (s.entry.name.clone(), s.entry.limits.clone()))
                .collect(),
            host_policy: self.config.policy.clone(),
            config: self
                .slots
                .iter()
                .map(|s| (s.entry.name.clone(), s.entry.config.clone()))
                .collect(),
            parallel: self.config.parallel,
            period: Some(number),
        }
    }

    /// Asks every source for news at once and applies what passed.
    async fn update_phase(&mut self) -> Vec<UpdateReport> {
        let this = &*self;
        let checks = futures_util::future::join_all(this.slots.iter().map(|slot| async move {
            let started = Instant::now();
            let checked = this.check(slot).await;
            (checked, started.elapsed())
        }))
        .await;
        let mut reports = Vec::with_capacity(checks.len());
        for (index, (checked, took)) in checks.into_iter().enumerate() {
            let report = self.apply(index, checked, took);
            reports.push(report);
        }
        reports
    }

    /// One update check, and the swap protocol for what it brings.
    async fn check(&self, slot: &Slot) -> Checked {
        let current = slot.current.as_ref();
        let update = self
            .fetcher
            .check(&slot.source, current.map(|c| &c.revision))
            .await;
        let fetched = match update {
            Ok(Update::Unchanged(revision)) => return Checked::Unchanged(revision),
            Ok(Update::New(fetched)) => fetched,
            Err(e) => return Checked::Failed(e),
        };
        let bytes: Arc<[u8]> = fetched.bytes.into();
        let admitted = self
            .admit(
                &slot.entry,
                bytes.clone(),
                fetched.signature.as_deref(),
                &fetched.signature_location,
                current.map(|c| c.loaded.manifest.version.as_str()),
            )
            .await;
        match admitted {
            Ok((loaded, signed_by)) => Checked::Swapped(
                Box::new(Current {
                    loaded,
                    revision: fetched.revision,
                    signature: fetched.signature,
                    signed_by,
                    since: Timestamp::now(),
                }),
                bytes,
            ),
            Err(e) => Checked::Failed(e),
        }
    }

    /// The stages after the bytes arrived: manifest, signature, compile, world, test
    /// instantiation. `running` is the version that runs now, for the downgrade check.
    async fn admit(
        &self,
        entry: &GathererEntry,
        bytes: Arc<[u8]>,
        signature: Option<&str>,
        signature_location: &str,
        running: Option<&str>,
    ) -> Result<(LoadedGatherer, Option<String>), SourceError> {
        let origin = entry.source.to_string();
        let fail = |stage, cause: String| SourceError::new(&origin, stage, Cause::Host(cause));
        let manifest = read_manifest(&bytes).map_err(|e| fail(Stage::Manifest, e.to_string()))?;
        check_manifest(entry, &manifest, running).map_err(|cause| fail(Stage::Manifest, cause))?;
        let verified = self
            .config
            .trusted_keys
            .check(
                entry.signatures,
                &bytes,
                signature,
                signature_location,
                ExpectedSigner {
                    gatherer: &manifest.name,
                    version: &manifest.version,
                },
            )
            .map_err(|e| SourceError::new(&origin, Stage::Signature, Cause::Signature(e)))?;
        // Compiling is CPU-bound: off the async workers.
        let runtime = self.runtime.clone();
        let source = origin.clone();
        let loaded = tokio::task::spawn_blocking(move || runtime.load_bytes(&source, &bytes))
            .await
            .map_err(|join| fail(Stage::Compile, format!("the compiler task failed: {join}")))?
            .map_err(|e| {
                let stage = match e.stage {
                    LoadStage::Read | LoadStage::Manifest | LoadStage::World => Stage::Manifest,
                    LoadStage::Compile => Stage::Compile,
                };
                fail(stage, e.cause)
            })?;
        self.runtime
            .instantiate(&loaded, &self.api)
            .await
            .map_err(|e| {
                fail(
                    Stage::Instantiate,
                    format!(
                        "the component failed its test instantiation: {}",
                        format!("{e:#}").replace('\n', " ")
                    ),
                )
            })?;
        Ok((loaded, verified.map(|v| v.key_id)))
    }

    /// Records the outcome of gatherer `index`'s check: swaps, persists, reports.
    fn apply(&mut self, index: usize, checked: Checked, took: Duration) -> UpdateReport {
        let slot = &mut self.slots[index];
        let source = slot.entry.source.to_string();
        let mut downloaded = false;
        let result = match checked {
            Checked::Unchanged(revision) => {
                let digest = revision.digest.to_string();
                if let Some(current) = &mut slot.current
                    && current.revision != revision
                {
                    // A refreshed ETag, or a tag moved to a manifest with the same bytes.
                    current.revision = revision;
                    persist(&self.store, &slot.entry, current, None);
                }
                UpdateResult::Unchanged { digest }
            }
            Checked::Swapped(new, bytes) => {
                downloaded = true;
                let from = slot.current.as_ref().map(|c| c.loaded.digest.clone());
                let to = new.loaded.digest.clone();
                let version = new.loaded.manifest.version.clone();
                persist(&self.store, &slot.entry, &new, Some(&bytes));
                self.shared.metrics.swap_info(
                    slot.current
                        .as_ref()
                        .map(|c| c.info(&slot.entry.name))
                        .as_ref(),
                    Some(&new.info(&slot.entry.name)),
                );
                match &from {
                    Some(from) => tracing::info!(
                        gatherer = %slot.entry.name, source = %source,
                        "updated from {from} to {to} (version {version}); it runs from this period on"
                    ),
                    None => tracing::info!(
                        gatherer = %slot.entry.name, source = %source,
                        "loaded {to} (version {version})"
                    ),
                }
                slot.current = Some(*new);
                UpdateResult::Updated { from, to, version }
            }
            Checked::Failed(error) => {
                let running = slot.current.as_ref().map(|c| c.loaded.digest.clone());
                if error.stage != Stage::Fetch && error.stage != Stage::Digest {
                    downloaded = true;
                }
                let cause = error.cause.to_string();
                tracing::warn!(
                    gatherer = %slot.entry.name, source = %source, stage = %error.stage,
                    "update failed: {cause}; {}",
                    match &running {
                        Some(d) => format!("still running {d}"),
                        None => "no version of it has loaded, so it does not run".to_owned(),
                    }
                );
                UpdateResult::Failed {
                    stage: error.stage,
                    cause,
                    running,
                }
            }
        };
        let report = UpdateReport {
            checked: Timestamp::now(),
            source,
            result,
        };
        self.shared
            .metrics
            .update(&slot.entry.name, &report, took.as_secs_f64(), downloaded);
        slot.update = Some(report.clone());
        report
    }

    /// Loads each gatherer's last good version from the store, checking it again as the
    /// config wants it now (the expected name, the signature against today's keys). The
    /// gatherers are loaded as many at a time as there are cores, as `load_all` loads them:
    /// with a catalog of them, one after the other would be most of the start.
    async fn restore(&mut self) {
        let this = &*self;
        let restored =
            crate::period::on_every_core(0..this.slots.len(), |index| this.restore_one(index))
                .await;
        for (index, restored) in restored.into_iter().enumerate() {
            let Some((state, loaded, signed_by, started)) = restored else {
                continue;
            };
            let entry = self.slots[index].entry.clone();
            // A revision from another source (the config changed) is known by content only.
            let revision = if state.source == entry.source.to_string() {
                state.revision()
            } else {
                Revision::of_digest(state.digest)
            };
            let current = Current {
                loaded,
                revision,
                signature: state.signature.clone(),
                signed_by,
                since: Timestamp::now(),
            };
            tracing::info!(
                gatherer = %entry.name,
                "restored {} (version {}) from the store",
                current.loaded.digest, current.loaded.manifest.version
            );
            let report = UpdateReport {
                checked: Timestamp::now(),
                source: entry.source.to_string(),
                result: UpdateResult::Restored {
                    digest: current.loaded.digest.clone(),
                    version: current.loaded.manifest.version.clone(),
                },
            };
            self.shared.metrics.update(
                &entry.name,
                &report,
                started.elapsed().as_secs_f64(),
                false,
            );
            self.shared
                .metrics
                .swap_info(None, Some(&current.info(&entry.name)));
            let slot = &mut self.slots[index];
            slot.current = Some(current);
            slot.update = Some(report);
        }
    }

    /// Gatherer `index`'s last good version from the store, admitted again (see
    /// [`Service::restore`]), and when its restore started; `None` when there is none or it is
    /// refused (it will be fetched).
    async fn restore_one(
        &self,
        index: usize,
    ) -> Option<(LastGood, LoadedGatherer, Option<String>, Instant)> {
        let started = Instant::now();
        let entry = &self.slots[index].entry;
        let (state, bytes) = match self.store.load_last_good(&entry.name) {
            Ok(stored) => stored?,
            Err(e) => {
                tracing::warn!(
                    gatherer = %entry.name,
                    "the stored last good version cannot be used: {e}; it will be fetched"
                );
                return None;
            }
        };
        let location = format!("the store's state of {}", entry.name);
        let admitted = self
            .admit(
                entry,
                bytes.into(),
                state.signature.as_deref(),
                &location,
                None,
            )
            .await;
        match admitted {
            Ok((loaded, signed_by)) => Some((state, loaded, signed_by, started)),
            Err(e) => {
                tracing::warn!(
                    gatherer = %entry.name, stage = %e.stage,
                    "the stored last good version {} is refused: {}; it will be fetched",
                    state.digest, e.cause
                );
                None
            }
        }
    }

    fn set_ready(&self) {
        if !self.shared.ready.swap(true, Ordering::Relaxed) {
            self.shared.metrics.set_ready(true);
            tracing::info!("ready: the initial set of gatherers is loaded");
        }
    }

    fn beat(&self) {
        *lock(&self.shared.heartbeat) = Instant::now();
    }

    fn period_ended(
        &mut self,
        number: u64,
        started: Timestamp,
        result: &str,
        archive: Option<String>,
        error: Option<String>,
    ) {
        let ended = Timestamp::now();
        let seconds = ended.duration_since(started).as_secs_f64();
        self.shared.metrics.period(
            result,
            seconds.max(0.0),
            ended.as_millisecond() as f64 / 1000.0,
        );
        self.publish_status(Some(PeriodStatus {
            number,
            started,
            ended,
            result: result.to_owned(),
            archive,
            error,
        }));
    }

    /// Refreshes the shared status (and `status.json`).
    fn publish_status(&self, last_period: Option<PeriodStatus>) {
        let stats = self.runtime.cache_stats();
        {
            let mut status = lock(&self.shared.status);
            status.ready = self.shared.ready.load(Ordering::Relaxed);
            status.periods = self.periods;
            status.started = self.started;
            if last_period.is_some() {
                status.last_period = last_period;
            }
            status.cache_hits = stats.hits;
            status.cache_misses = stats.misses;
            status.gatherers = self
                .slots
                .iter()
                .map(|slot| GathererStatus {
                    name: slot.entry.name.clone(),
                    source: slot.entry.source.to_string(),
                    running: slot.current.as_ref().map(|c| RunningVersion {
                        gatherer: c.loaded.manifest.name.clone(),
                        version: c.loaded.manifest.version.clone(),
                        digest: c.loaded.digest.clone(),
                        manifest_digest: c.revision.manifest_digest.clone(),
                        signed_by: c.signed_by.clone(),
                        since: c.since,
                    }),
                    update: slot.update.clone(),
                    last_run: slot.last_run.clone(),
                })
                .collect();
        }
        self.write_status();
    }

    /// Writes `status.json` (temporary file, then rename).
    fn write_status(&self) {
        let json = lock(&self.shared.status).to_json();
        let path = self.config.state_dir.join("status.json");
        let tmp = self.config.state_dir.join(".status.json.tmp");
        let written = std::fs::write(&tmp, json).and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            tracing::warn!("could not write {}: {e}", path.display());
        }
    }

    /// Deletes the oldest archives beyond `retain`.
    fn retain(&self) {
        let mut archives: Vec<PathBuf> = match std::fs::read_dir(&self.config.output_dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(is_archive_name)
                })
                .collect(),
            Err(e) => {
                tracing::warn!("could not list {}: {e}", self.config.output_dir.display());
                return;
            }
        };
        // The names sort by time.
        archives.sort();
        let excess = archives.len().saturating_sub(self.config.retain);
        for old in &archives[..excess] {
            match std::fs::remove_file(old) {
                Ok(()) => tracing::info!(
                    "removed {} (retain = {})",
                    old.display(),
                    self.config.retain
                ),
                Err(e) => tracing::warn!("could not remove {}: {e}", old.display()),
            }
        }
    }
}

/// The manifest of each configured gatherer's component as its source delivers it now,
/// checked as the swap protocol checks it up to the signature (fetch, digest, manifest, the
/// expected name, the signature), without compiling: what `wagather rbac --config` needs.
/// `overrides` replaces the source of the named gatherers with local files.
pub async fn fetch_manifests(
    config: &ServiceConfig,
    overrides: &[(String, PathBuf)],
) -> Result<Vec<crate::rbac::GathererReads>, SourceError> {
    let fetcher = Fetcher::new(config.fetch.clone())?;
    let mut out = Vec::with_capacity(config.gatherers.len());
    for entry in &config.gatherers {
        let spec = match overrides.iter().find(|(name, _)| *name == entry.name) {
            Some((_, path)) => wagather_source::SourceSpec::File(path.clone()),
            None => entry.source.clone(),
        };
        let origin = spec.to_string();
        let source = Source {
            spec,
            auth: entry.auth.clone(),
            signatures: entry.signatures,
        };
        let fetched = match fetcher.check(&source, None).await? {
            Update::New(fetched) => fetched,
            Update::Unchanged(_) => {
                return Err(SourceError::new(
                    &origin,
                    Stage::Fetch,
                    Cause::Host("the source answered `unchanged` to a first request".into()),
                ));
            }
        };
        let fail = |stage, cause: String| SourceError::new(&origin, stage, Cause::Host(cause));
        let manifest =
            read_manifest(&fetched.bytes).map_err(|e| fail(Stage::Manifest, e.to_string()))?;
        check_manifest(entry, &manifest, None).map_err(|cause| fail(Stage::Manifest, cause))?;
        config
            .trusted_keys
            .check(
                entry.signatures,
                &fetched.bytes,
                fetched.signature.as_deref(),
                &fetched.signature_location,
                ExpectedSigner {
                    gatherer: &manifest.name,
                    version: &manifest.version,
                },
            )
            .map_err(|e| SourceError::new(&origin, Stage::Signature, Cause::Signature(e)))?;
        out.push(crate::rbac::GathererReads {
            name: entry.name.clone(),
            manifest,
        });
    }
    Ok(out)
}

/// What the config requires of a component's manifest beyond the contract: the expected
/// gatherer name, and no lower version than the running one unless allowed.
fn check_manifest(
    entry: &GathererEntry,
    manifest: &Manifest,
    running: Option<&str>,
) -> Result<(), String> {
    if manifest.name != entry.gatherer {
        return Err(format!(
            "the component is gatherer `{}`, but this instance runs `{}` (`gatherer` in the config)",
            manifest.name, entry.gatherer
        ));
    }
    if let Some(running) = running
        && !entry.allow_downgrade
        && let (Ok(new), Ok(old)) = (
            semver::Version::parse(&manifest.version),
            semver::Version::parse(running),
        )
        && new < old
    {
        return Err(format!(
            "version {new} is older than the running {old}; set allow_downgrade = true for this gatherer to roll back"
        ));
    }
    Ok(())
}

/// Stores a version that passed every stage (its `bytes`, unless the store has them) as its
/// gatherer's last good one. A failure is logged: the version runs all the same, only a
/// restart would not find it.
fn persist(store: &Store, entry: &GathererEntry, current: &Current, bytes: Option<&[u8]>) {
    let result = (|| {
        if let Some(bytes) = bytes {
            store.put(bytes)?;
        }
        store.set_last_good(&LastGood {
            gatherer: entry.name.clone(),
            version: current.loaded.manifest.version.clone(),
            digest: current.revision.digest,
            source: entry.source.to_string(),
            stored_at: Timestamp::now(),
            etag: current.revision.etag.clone(),
            manifest_digest: current.revision.manifest_digest.clone(),
            signature: current.signature.clone(),
        })
    })();
    if let Err(e) = result {
        tracing::error!(
            gatherer = %entry.name,
            "could not store the last good version {}: {e}; it runs, but a restart would fetch it again",
            current.loaded.digest
        );
    }
}

fn last_run(period: u64, report: &RunReport) -> LastRun {
    LastRun {
        period,
        outcome: report.outcome.clone(),
        records: report.metrics.records,
        duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
        errors: report.errors().len(),
    }
}

/// The longest the scheduler may go without a tick: a period's worst case (update checks
/// up to the fetch timeouts, then every run up to its deadline, `parallel` at a time) and a
/// minute for the archive, or the wait between periods (with a tick every [`HEARTBEAT`]).
fn liveness(config: &ServiceConfig) -> Duration {
    let deadlines: Duration = config.gatherers.iter().map(|g| g.limits.deadline).sum();
    let runs = deadlines / u32::try_from(config.parallel.max(1)).unwrap_or(1);
    let checks = config.fetch.connect_timeout + config.fetch.total_timeout;
    (checks + runs + Duration::from_secs(60)).max(HEARTBEAT * 3)
}

async fn stop_requested(stop: &mut tokio::sync::watch::Receiver<bool>) {
    // A dropped sender means nobody can ask to stop any more: wait forever.
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Hands the memory a period freed back to the kernel. glibc's malloc keeps what a thread frees
/// in that thread's arena (64 MiB regions, up to eight arenas per core) and returns little of
/// it on its own: the tokio workers and wasmtime's compile threads left a service of five
/// gatherers holding about 0.9 GB, most of it ten nearly full arenas of freed memory, where
/// with the free pages returned after each period it holds about 0.47 GB (`service/resident`
/// in BENCHMARKS.md, bench/NOTES.md). The price is the trim and faulting those pages in again
/// in the next period: about 17 ms a period in the soak (`service/period`), for periods of
/// minutes to hours.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_freed_memory() {
    #[allow(
        unsafe_code,
        reason = "malloc_trim takes no pointer and only walks glibc's own arenas, under their locks"
    )]
    // SAFETY: see the reason above; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own, or cannot be asked to.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_freed_memory() {}

/// Archives are named by the second they start in: waits until the current second's name is
/// free (two periods within one second, or a restart within the second of the last archive).
async fn wait_for_free_archive_name(dir: &Path) {
    loop {
        let now = Timestamp::now();
        if !dir.join(archive_file_name(now)).exists() {
            return;
        }
        let into_second = u64::try_from(now.subsec_nanosecond()).unwrap_or(0);
        tokio::time::sleep(Duration::from_nanos(
            1_000_000_000 - into_second.min(999_999_999),
        ))
        .await;
    }
}

/// `insights-YYYY-MM-DD-HHMMSS.tar.gz`.
fn is_archive_name(name: &str) -> bool {
    name.strip_prefix("insights-")
        .and_then(|rest| rest.strip_suffix(".tar.gz"))
        .is_some_and(|stamp| {
            stamp.len() == 17 && stamp.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        })
}

/// Removes the hidden staging folders of archives a killed process never finished.
fn remove_unfinished_archives(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(archive) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".d"))
            && is_archive_name(archive)
        {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => {
                    tracing::info!("removed the unfinished archive {}", entry.path().display())
                }
                Err(e) => tracing::warn!("could not remove {}: {e}", entry.path().display()),
            }
        }
    }
}

/// Creates `dir` (0700) or tightens it to 0700: it holds code the host runs. (The
/// compiled-artifact cache inside it refuses a directory others can write instead: that one
/// is native code already.)
fn prepare_private_dir(dir: &Path) -> Result<(), ServiceError> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |source| ServiceError::Directory {
        path: dir.to_owned(),
        source,
    };
    if crate::cache::create_private_dir(dir).map_err(fail)? != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names() {
        assert!(is_archive_name("insights-2024-03-05-070809.tar.gz"));
        assert!(!is_archive_name("insights-2024-03-05-070809.tar.gz.d"));
        assert!(!is_archive_name("insights-latest.tar.gz"));
        assert!(!is_archive_name("other.tar.gz"));
    }
}
