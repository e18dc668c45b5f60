//! Running one gatherer once: a fresh store under the run's limits, the `gather` export
//! called on a fiber that yields at every epoch tick, and a [`RunReport`] of how it went.
//!
//! A run never fails: whatever the guest does (returns an error, traps, loops, allocates
//! without end, floods the host) ends up in its report, and the records it wrote before are
//! kept. The host and the other gatherers go on.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;

use crate::engine::Runtime;
use crate::limits::{Limit, LimitExceeded, Limits};
use crate::load::LoadedGatherer;
use crate::logs::GuestOutput;
use crate::output::archive::Spool;
use crate::output::records::{Claims, Record};
use crate::policy::{GatherPolicy, HostPolicy};
use crate::report::{GathererInfo, Outcome, RunMetrics, RunReport};
use crate::state::{HostState, Sink};

/// Time the epoch trap gets to fire before the run is abandoned from outside. The outer
/// timeout catches guests blocked in a host call that does not return (e.g. a WASI sleep),
/// where epoch checks cannot run.
const DEADLINE_GRACE: Duration = Duration::from_millis(250);

/// One run: which gatherer, under which name, against which API, with which limits, policy
/// and configuration.
#[derive(Clone, Copy)]
pub struct RunSpec<'a> {
    /// The name the run is reported and configured under.
    pub name: &'a str,
    pub gatherer: &'a LoadedGatherer,
    pub api: &'a kube::Client,
    pub limits: &'a Limits,
    pub policy: &'a HostPolicy,
    /// The gatherer's configuration, handed to `gather`.
    pub config: &'a [(String, String)],
}

impl std::fmt::Debug for RunSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunSpec")
            .field("name", &self.name)
            .field("gatherer", &self.gatherer)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl GathererInfo {
    /// What a report says about a loaded component.
    pub fn of(gatherer: &LoadedGatherer) -> Self {
        GathererInfo {
            manifest_name: gatherer.manifest.name.clone(),
            version: gatherer.manifest.version.clone(),
            digest: gatherer.digest.clone(),
            source: gatherer.source.clone(),
        }
    }
}

impl Runtime {
    /// Runs a gatherer once, its records going into `spool` (a spool of the period's archive)
    /// as it writes them; returns the spool with the report.
    pub async fn run(&self, spec: &RunSpec<'_>, spool: Spool) -> (RunReport, Spool) {
        let (report, sink) = self.run_with(spec, Sink::Archive(spool)).await;
        match sink {
            Sink::Archive(spool) => (report, spool),
            Sink::Collect { .. } => unreachable!("a run keeps its sink"),
        }
    }

    /// Runs a gatherer once and returns its records with the report, for callers without an
    /// archive (tools, benchmarks). The records pass the same checks.
    pub async fn run_collecting(&self, spec: &RunSpec<'_>) -> (RunReport, Vec<Record>) {
        let sink = Sink::Collect {
            claims: Claims::with_reserved(wagather_contract::record::RESERVED_PATHS, "the host"),
            records: Vec::new(),
        };
        let (report, sink) = self.run_with(spec, sink).await;
        let records = match sink {
            Sink::Collect { records, .. } => records,
            Sink::Archive(_) => Vec::new(),
        };
        (report, records)
    }

    async fn run_with(&self, spec: &RunSpec<'_>, sink: Sink) -> (RunReport, Sink) {
        let info = GathererInfo::of(spec.gatherer);
        let _slot = match self.pool_slot(spec.limits).await {
            Ok(slot) => slot,
            Err(reason) => {
                tracing::warn!(gatherer = spec.name, "gatherer not run: {reason}");
                return (RunReport::not_run(spec.name, Some(info), reason), sink);
            }
        };
        let started_at = Timestamp::now();
        let started = Instant::now();
        let mut store = self.store(spec, sink, started + spec.limits.deadline);

        let call = async {
            let instance = spec.gatherer.pre.instantiate_async(&mut store).await?;
            instance.call_gather(&mut store, spec.config).await
        };
        let result = tokio::time::timeout(spec.limits.deadline + DEADLINE_GRACE, call).await;

        let deadline = || {
            LimitExceeded::new(
                Limit::Deadline,
                format!(
                    "deadline of {} exceeded",
                    humantime::format_duration(spec.limits.deadline)
                ),
            )
        };
        let limit_hit = store.data().limiter.hit();
        let state = store.data_mut();
        let outcome = match result {
            Ok(Ok(Ok(()))) => Outcome::Completed,
            Ok(Ok(Err(error))) => {
                state
                    .events
                    .guest_error(crate::output::guest_error(error), true);
                Outcome::Failed
            }
            Ok(Err(error)) => {
                // A memory or table limit makes the guest's allocation fail, which a Rust
                // guest turns into an abort trap: the limiter knows the real cause.
                let stopped = match limit_hit {
                    Some(hit) => Some(hit),
                    None if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => {
                        Some(deadline())
                    }
                    None => None,
                };
                match stopped {
                    Some(hit) => {
                        tracing::warn!(gatherer = spec.name, "gatherer stopped: {hit}");
                        let limit = hit.limit;
                        state.events.limit(&hit);
                        Outcome::Stopped { limit }
                    }
                    None => {
                        let message = format!("{error:#}").replace('\n', " ");
                        tracing::warn!(gatherer = spec.name, "gatherer trapped: {message}");
                        state.events.trap(message.clone());
                        Outcome::Trapped { message }
                    }
                }
            }
            Err(_elapsed) => {
                let hit = deadline();
                tracing::warn!(gatherer = spec.name, "gatherer stopped: {hit}");
                state.events.limit(&hit);
                Outcome::Stopped {
                    limit: Limit::Deadline,
                }
            }
        };
        let metrics = RunMetrics {
            records: state.records.records(),
            record_bytes: state.records.bytes(),
            api_calls: state.api_calls,
            denied_requests: state.denied,
            response_bytes: state.meter.response_bytes(),
            peak_memory_bytes: state.limiter.memory_peak() as u64,
        };
        let events = std::mem::take(&mut state.events).finish();
        let sink = std::mem::replace(
            &mut state.sink,
            Sink::Collect {
                claims: Claims::default(),
                records: Vec::new(),
            },
        );
        let report = RunReport {
            name: spec.name.to_owned(),
            gatherer: Some(info),
            started: started_at,
            duration: started.elapsed(),
            outcome,
            metrics,
            events,
            update: None,
        };
        (report, sink)
    }

    /// Instantiates a gatherer without calling it: a new version is test-instantiated before
    /// it replaces the old one, and benchmarks measure it.
    pub async fn instantiate(
        &self,
        gatherer: &LoadedGatherer,
        api: &kube::Client,
    ) -> wasmtime::Result<()> {
        let limits = Limits::default();
        let _slot = self
            .pool_slot(&limits)
            .await
            .map_err(wasmtime::Error::msg)?;
        let spec = RunSpec {
            name: &gatherer.manifest.name,
            gatherer,
            api,
            limits: &limits,
            policy: &HostPolicy::default(),
            config: &[],
        };
        let sink = Sink::Collect {
            claims: Claims::default(),
            records: Vec::new(),
        };
        let mut store = self.store(&spec, sink, Instant::now() + limits.deadline);
        gatherer.pre.instantiate_async(&mut store).await?;
        Ok(())
    }

    /// A fresh store for one run: WASI with nothing granted and the guest's output captured,
    /// the host state with its policy, sink and deadline, the limiter and the epoch
    /// checkpoints.
    fn store(&self, spec: &RunSpec<'_>, sink: Sink, deadline: Instant) -> Store<HostState> {
        let (stdout, stderr) = GuestOutput::pair(spec.name, spec.limits.max_log_bytes);
        // Nothing is granted: no preopened directories, no environment, no arguments, no
        // sockets or name lookups. Clocks and random stay.
        let wasi = WasiCtxBuilder::new()
            .stdout(stdout)
            .stderr(stderr)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let state = HostState::new(
            spec.name,
            wasi,
            spec.limits,
            spec.api.clone(),
            GatherPolicy::new(spec.name, &spec.gatherer.manifest.reads, spec.policy),
            sink,
            deadline,
        );
        let mut store = Store::new(&self.inner.engine, state);
        store.limiter(|state| &mut state.limiter);
        arm_deadline(&mut store);
        store
    }
}

/// Makes every epoch tick a checkpoint of the running guest: past the run's deadline it traps,
/// otherwise it yields to the tokio scheduler and carries on at the next tick.
///
/// Yielding is what keeps a spinning guest from holding its worker thread for the whole
/// deadline: wasm runs on the worker that polls the run, so without it a few spinners would
/// stall every other task of the process (other gatherers' HTTP, an in-process snapshot
/// server). The deadline is the wall clock against `HostState::deadline`, not a count of
/// ticks, so a ticker thread that falls behind on a loaded machine cannot stretch it.
fn arm_deadline(store: &mut Store<HostState>) {
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|context| {
        if Instant::now() >= context.data().deadline {
            return Ok(UpdateDeadline::Interrupt);
        }
        Ok(UpdateDeadline::YieldCustom(
            1,
            Box::pin(tokio::task::yield_now()),
        ))
    });
}
