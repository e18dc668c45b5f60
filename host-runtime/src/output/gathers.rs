//! `insights-operator/gathers.json`: the period's run reports, in the Insights Operator's
//! shape (`status_reports` with `name`, `duration_in_ms`, `records_count`, `errors`,
//! `warnings`, `panic`) plus what wagather knows beyond it (version, digest, source, outcome,
//! metrics, typed events).
//!
//! It is a view of [`RunReport`]s, built by [`GathersJson::new`], never a second copy kept in
//! step by hand.

use serde::{Deserialize, Serialize};

use crate::report::{Event, Outcome, RunReport, UpdateReport};

/// The whole `gathers.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GathersJson {
    pub status_reports: Vec<StatusReport>,
    /// Seconds the host process had been running when the archive was written.
    pub uptime_seconds: f64,
    /// Version of the wagather host that wrote the archive.
    pub wagather_version: String,
    /// The gatherer contract the host implements.
    pub contract: String,
    /// The service's number of this period since it started (`wagather run`); absent for a
    /// one-off gather.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
}

/// One gatherer's line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub name: String,
    /// The manifest's version; empty when the component did not load.
    pub version: String,
    /// `sha256:<hex>` of the component that ran; empty when it did not load.
    pub digest: String,
    /// Where the component came from.
    pub source: String,
    pub duration_in_ms: u64,
    pub records_count: u32,
    pub record_bytes: u64,
    pub api_calls: u32,
    pub denied_requests: u32,
    pub response_bytes: u64,
    pub peak_memory_bytes: u64,
    pub outcome: Outcome,
    /// Every problem as a line; `null` when there are none, as the Insights Operator writes it.
    pub errors: Option<Vec<String>>,
    pub warnings: Option<Vec<String>>,
    /// Set when the guest trapped on its own.
    pub panic: Option<String>,
    /// The problems, typed.
    pub events: Vec<Event>,
    /// What the service's update check found before this period (`wagather run` only): the
    /// digest that runs stayed, was replaced, or an update failed at a stage (also listed in
    /// `warnings`, since the run itself is not affected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateReport>,
}

impl From<&RunReport> for StatusReport {
    fn from(report: &RunReport) -> Self {
        let (version, digest, source) = match &report.gatherer {
            Some(g) => (g.version.clone(), g.digest.clone(), g.source.clone()),
            None => (String::new(), String::new(), String::new()),
        };
        let errors = report.errors();
        let warnings: Vec<String> = report
            .update
            .as_ref()
            .and_then(UpdateReport::failure_line)
            .into_iter()
            .collect();
        StatusReport {
            name: report.name.clone(),
            version,
            digest,
            source,
            duration_in_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
            records_count: report.metrics.records,
            record_bytes: report.metrics.record_bytes,
            api_calls: report.metrics.api_calls,
            denied_requests: report.metrics.denied_requests,
            response_bytes: report.metrics.response_bytes,
            peak_memory_bytes: report.metrics.peak_memory_bytes,
            outcome: report.outcome.clone(),
            errors: (!errors.is_empty()).then_some(errors),
            warnings: (!warnings.is_empty()).then_some(warnings),
            panic: match &report.outcome {
                Outcome::Trapped { message } => Some(message.clone()),
                _ => None,
            },
            events: report.events.clone(),
            update: report.update.clone(),
        }
    }
}

impl GathersJson {
    /// The view of a period's reports.
    pub fn new(reports: &[RunReport], uptime_seconds: f64) -> Self {
        GathersJson {
            status_reports: reports.iter().map(StatusReport::from).collect(),
            uptime_seconds,
            wagather_version: env!("CARGO_PKG_VERSION").to_owned(),
            contract: wagather_contract::CONTRACT.to_owned(),
            period: None,
        }
    }

    /// Pretty JSON, as it goes into the archive.
    pub fn to_vec(&self) -> Vec<u8> {
        // Plain data with string keys: serialization cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::limits::Limit;
    use crate::report::{GathererInfo, RunMetrics};

    #[test]
    fn a_report_reads_like_the_insights_operator_s() {
        let report = RunReport {
            name: "cluster-operators".into(),
            gatherer: Some(GathererInfo {
                manifest_name: "cluster-operators".into(),
                version: "0.2.0".into(),
                digest: "sha256:00".into(),
                source: "co.wasm".into(),
            }),
            started: "2024-03-05T07:08:09Z".parse().unwrap(),
            duration: Duration::from_millis(1500),
            outcome: Outcome::Stopped {
                limit: Limit::Deadline,
            },
            metrics: RunMetrics {
                records: 3,
                ..RunMetrics::default()
            },
            events: vec![Event::LimitExceeded {
                limit: Limit::Deadline,
                message: "deadline of 1s exceeded".into(),
                count: 1,
            }],
            update: None,
        };
        let json = serde_json::to_value(GathersJson::new(&[report], 2.0)).unwrap();
        let line = &json["status_reports"][0];
        assert_eq!(line["name"], "cluster-operators");
        assert_eq!(line["duration_in_ms"], 1500);
        assert_eq!(line["records_count"], 3);
        assert_eq!(
            line["errors"],
            serde_json::json!(["deadline of 1s exceeded"])
        );
        assert_eq!(line["panic"], serde_json::Value::Null);
        assert_eq!(line["warnings"], serde_json::Value::Null);
        assert_eq!(
            line["outcome"],
            serde_json::json!({"kind": "stopped", "limit": "deadline"})
        );
        assert_eq!(line["events"][0]["kind"], "limit-exceeded");
        assert_eq!(json["contract"], wagather_contract::CONTRACT);
    }

    #[test]
    fn no_problems_is_null() {
        let report = RunReport::not_run("x", None, "could not load".into());
        let line = StatusReport::from(&report);
        assert_eq!(line.errors, Some(vec!["could not load".to_owned()]));
        let mut ok = report;
        ok.outcome = Outcome::Completed;
        assert_eq!(StatusReport::from(&ok).errors, None);
    }
}
