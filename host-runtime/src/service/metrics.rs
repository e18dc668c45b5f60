//! The service's metrics, kept with the official `prometheus-client` crate and rendered as
//! OpenMetrics text ([`Metrics::render`], served at `/metrics` by `wagather run`).
//!
//! | metric | labels | what |
//! | --- | --- | --- |
//! | `wagather_gatherer_runs_total` | gatherer, outcome | runs, by how they ended |
//! | `wagather_gatherer_run_duration_seconds` | gatherer | run time (histogram) |
//! | `wagather_gatherer_records_total` | gatherer | records written to archives |
//! | `wagather_gatherer_record_bytes_total` | gatherer | their bytes |
//! | `wagather_gatherer_response_bytes_total` | gatherer | API response bytes handed to the guest |
//! | `wagather_gatherer_api_calls_total` | gatherer | requests sent to the API |
//! | `wagather_gatherer_denied_requests_total` | gatherer | requests the policy refused |
//! | `wagather_gatherer_errors_total` | gatherer | problems reported by runs (`gathers.json` errors) |
//! | `wagather_gatherer_info` | gatherer, version, digest, source | 1 for the component that runs |
//! | `wagather_update_checks_total` | gatherer, result | update checks: unchanged, updated, failed, restored |
//! | `wagather_update_failures_total` | gatherer, stage | failed updates by stage (fetch, digest, signature, manifest, compile, instantiate) |
//! | `wagather_update_check_duration_seconds` | gatherer | one check, swap included (histogram) |
//! | `wagather_update_downloads_total` | gatherer | checks that brought new bytes |
//! | `wagather_periods_total` | result | periods: published, failed, cancelled |
//! | `wagather_period_duration_seconds` | | a whole period, update checks included (histogram) |
//! | `wagather_last_period_timestamp_seconds` | | when the last period ended |
//! | `wagather_ready` | | 1 once the initial set of gatherers is loaded |
//! | `wagather_compile_cache_hits_total`, `..._misses_total` | | the compilation cache (a miss is a compile) |

use std::sync::atomic::AtomicU64;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::engine::Runtime;
use crate::report::{Outcome, RunReport, UpdateReport, UpdateResult};

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GathererLabel {
    gatherer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    gatherer: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InfoLabels {
    gatherer: String,
    version: String,
    digest: String,
    source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    gatherer: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    gatherer: String,
    stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeriodLabels {
    result: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Everything the service counts, and the registry that renders it.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    runs: Family<OutcomeLabels, Counter>,
    run_duration: HistogramFamily<GathererLabel>,
    records: Family<GathererLabel, Counter>,
    record_bytes: Family<GathererLabel, Counter>,
    response_bytes: Family<GathererLabel, Counter>,
    api_calls: Family<GathererLabel, Counter>,
    denied: Family<GathererLabel, Counter>,
    errors: Family<GathererLabel, Counter>,
    info: Family<InfoLabels, Gauge>,
    update_checks: Family<ResultLabels, Counter>,
    update_failures: Family<StageLabels, Counter>,
    update_duration: HistogramFamily<GathererLabel>,
    downloads: Family<GathererLabel, Counter>,
    periods: Family<PeriodLabels, Counter>,
    period_duration: Histogram,
    last_period: Gauge<f64, AtomicU64>,
    ready: Gauge,
}

fn run_buckets() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

fn check_buckets() -> Histogram {
    // 1 ms to about 16 s: a 304 or a HEAD, up to a download, compile and instantiation.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    /// A registry with every metric, and a collector reading `runtime`'s cache counters.
    pub fn new(runtime: &Runtime) -> Metrics {
        let mut registry = Registry::with_prefix("wagather");
        let metrics = Metrics {
            runs: Family::default(),
            run_duration: Family::new_with_constructor(run_buckets),
            records: Family::default(),
            record_bytes: Family::default(),
            response_bytes: Family::default(),
            api_calls: Family::default(),
            denied: Family::default(),
            errors: Family::default(),
            info: Family::default(),
            update_checks: Family::default(),
            update_failures: Family::default(),
            update_duration: Family::new_with_constructor(check_buckets),
            downloads: Family::default(),
            periods: Family::default(),
            period_duration: Histogram::new(exponential_buckets(0.01, 2.0, 16)),
            last_period: Gauge::default(),
            ready: Gauge::default(),
            registry: Registry::default(),
        };
        let m = &metrics;
        registry.register("gatherer_runs", "Gatherer runs, by outcome", m.runs.clone());
        registry.register(
            "gatherer_run_duration_seconds",
            "Wall-clock time of a gatherer run, instantiation included",
            m.run_duration.clone(),
        );
        registry.register(
            "gatherer_records",
            "Records written to archives",
            m.records.clone(),
        );
        registry.register(
            "gatherer_record_bytes",
            "Bytes of the records written to archives",
            m.record_bytes.clone(),
        );
        registry.register(
            "gatherer_response_bytes",
            "API response bytes handed to the gatherer",
            m.response_bytes.clone(),
        );
        registry.register(
            "gatherer_api_calls",
            "Requests sent to the Kubernetes API",
            m.api_calls.clone(),
        );
        registry.register(
            "gatherer_denied_requests",
            "Requests the host's policy refused",
            m.denied.clone(),
        );
        registry.register(
            "gatherer_errors",
            "Problems reported by runs (the errors of gathers.json)",
            m.errors.clone(),
        );
        registry.register(
            "gatherer_info",
            "The component a gatherer runs (1), by version, digest and source",
            m.info.clone(),
        );
        registry.register(
            "update_checks",
            "Update checks, by result (unchanged, updated, failed, restored)",
            m.update_checks.clone(),
        );
        registry.register(
            "update_failures",
            "Failed updates, by stage (fetch, digest, signature, manifest, compile, instantiate)",
            m.update_failures.clone(),
        );
        registry.register(
            "update_check_duration_seconds",
            "One update check, with the swap when there is something new",
            m.update_duration.clone(),
        );
        registry.register(
            "update_downloads",
            "Update checks that brought new component bytes",
            m.downloads.clone(),
        );
        registry.register("periods", "Gather periods, by result", m.periods.clone());
        registry.register(
            "period_duration_seconds",
            "A whole period: update checks, runs and the archive",
            m.period_duration.clone(),
        );
        registry.register(
            "last_period_timestamp_seconds",
            "When the last period ended (Unix time)",
            m.last_period.clone(),
        );
        registry.register(
            "ready",
            "1 once the initial set of gatherers is loaded",
            m.ready.clone(),
        );
        registry.register_collector(Box::new(CacheCollector {
            runtime: runtime.clone(),
        }));
        Metrics {
            registry,
            ..metrics
        }
    }

    /// The metrics as OpenMetrics text ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Counts one run.
    pub(crate) fn run(&self, report: &RunReport) {
        let gatherer = GathererLabel {
            gatherer: report.name.clone(),
        };
        let outcome = match report.outcome {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::Trapped { .. } => "trapped",
            Outcome::Stopped { .. } => "stopped",
            Outcome::NotRun { .. } => "not-run",
        };
        self.runs
            .get_or_create(&OutcomeLabels {
                gatherer: report.name.clone(),
                outcome: outcome.to_owned(),
            })
            .inc();
        if matches!(report.outcome, Outcome::NotRun { .. }) {
            self.errors.get_or_create(&gatherer).inc();
            return;
        }
        let m = &report.metrics;
        self.run_duration
            .get_or_create(&gatherer)
            .observe(report.duration.as_secs_f64());
        self.records
            .get_or_create(&gatherer)
            .inc_by(u64::from(m.records));
        self.record_bytes
            .get_or_create(&gatherer)
            .inc_by(m.record_bytes);
        self.response_bytes
            .get_or_create(&gatherer)
            .inc_by(m.response_bytes);
        self.api_calls
            .get_or_create(&gatherer)
            .inc_by(u64::from(m.api_calls));
        self.denied
            .get_or_create(&gatherer)
            .inc_by(u64::from(m.denied_requests));
        self.errors
            .get_or_create(&gatherer)
            .inc_by(report.errors().len() as u64);
    }

    /// Counts one update check that took `seconds`; `downloaded` when it brought new bytes.
    pub(crate) fn update(
        &self,
        gatherer: &str,
        report: &UpdateReport,
        seconds: f64,
        downloaded: bool,
    ) {
        let result = match &report.result {
            UpdateResult::Unchanged { .. } => "unchanged",
            UpdateResult::Updated { .. } => "updated",
            UpdateResult::Restored { .. } => "restored",
            UpdateResult::Failed { stage, .. } => {
                self.update_failures
                    .get_or_create(&StageLabels {
                        gatherer: gatherer.to_owned(),
                        stage: stage.as_str().to_owned(),
                    })
                    .inc();
                "failed"
            }
        };
        self.update_checks
            .get_or_create(&ResultLabels {
                gatherer: gatherer.to_owned(),
                result: result.to_owned(),
            })
            .inc();
        let label = GathererLabel {
            gatherer: gatherer.to_owned(),
        };
        self.update_duration.get_or_create(&label).observe(seconds);
        if downloaded {
            self.downloads.get_or_create(&label).inc();
        }
    }

    /// Counts one period that took `seconds` and ended with `result` (published, failed,
    /// cancelled) at `ended` (Unix seconds).
    pub(crate) fn period(&self, result: &str, seconds: f64, ended: f64) {
        self.periods
            .get_or_create(&PeriodLabels {
                result: result.to_owned(),
            })
            .inc();
        self.period_duration.observe(seconds);
        self.last_period.set(ended);
    }

    /// Sets `wagather_ready`.
    pub(crate) fn set_ready(&self, ready: bool) {
        self.ready.set(i64::from(ready));
    }

    /// Replaces `old` by `new` as the info label set of a gatherer.
    pub(crate) fn swap_info(&self, old: Option<&InfoRow>, new: Option<&InfoRow>) {
        if let Some(old) = old {
            self.info.remove(&old.labels());
        }
        if let Some(new) = new {
            self.info.get_or_create(&new.labels()).set(1);
        }
    }
}

/// The labels of `wagather_gatherer_info` for one running component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InfoRow {
    pub(crate) gatherer: String,
    pub(crate) version: String,
    pub(crate) digest: String,
    pub(crate) source: String,
}

impl InfoRow {
    fn labels(&self) -> InfoLabels {
        InfoLabels {
            gatherer: self.gatherer.clone(),
            version: self.version.clone(),
            digest: self.digest.clone(),
            source: self.source.clone(),
        }
    }
}

/// Reads the compilation cache's counters at each scrape.
#[derive(Debug)]
struct CacheCollector {
    runtime: Runtime,
}

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let stats = self.runtime.cache_stats();
        for (name, help, value) in [
            (
                "compile_cache_hits",
                "Components loaded from the compilation cache",
                stats.hits,
            ),
            (
                "compile_cache_misses",
                "Components compiled (and stored in the cache)",
                stats.misses,
            ),
        ] {
            let counter = ConstCounter::new(value);
            let metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
            counter.encode(metric)?;
        }
        Ok(())
    }
}
