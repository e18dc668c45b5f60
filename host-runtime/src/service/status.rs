//! What the service is doing, for a person: the state `wagather status` prints as a table.
//!
//! The service writes it to `<state dir>/status.json` (atomically, after the start and after
//! every update phase and period) and serves it at `/status` when it listens; both are the
//! same [`ServiceStatus`] in JSON, so `wagather status` reads either.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::report::{Outcome, UpdateReport, UpdateResult};

/// The service's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Version of the wagather host.
    pub wagather_version: String,
    /// When the service started.
    pub started: Timestamp,
    /// The process id of the service.
    pub pid: u32,
    /// The period, as configured.
    #[serde(with = "duration_text")]
    pub period: Duration,
    /// Whether the initial set of gatherers has been loaded (`/readyz`).
    pub ready: bool,
    /// Periods finished since the start (published, failed or cancelled).
    pub periods: u64,
    /// The last period that ended.
    pub last_period: Option<PeriodStatus>,
    /// When the next period is due to start.
    pub next_period: Option<Timestamp>,
    /// The compilation cache's counters since the start.
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// The gatherers, in the configured order.
    pub gatherers: Vec<GathererStatus>,
}

/// How a period ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodStatus {
    /// Its number since the start.
    pub number: u64,
    pub started: Timestamp,
    pub ended: Timestamp,
    /// `published`, `failed` or `cancelled`.
    pub result: String,
    /// The archive it wrote.
    pub archive: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// One gatherer's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GathererStatus {
    /// The instance's name.
    pub name: String,
    /// The source as configured.
    pub source: String,
    /// The component that runs; none when no version has loaded.
    pub running: Option<RunningVersion>,
    /// The last update check.
    pub update: Option<UpdateReport>,
    /// The last run.
    pub last_run: Option<LastRun>,
}

/// The component a gatherer runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningVersion {
    /// The manifest's name.
    pub gatherer: String,
    /// The manifest's version.
    pub version: String,
    /// `sha256:<hex>` of the component bytes.
    pub digest: String,
    /// The OCI manifest digest it was pulled by.
    pub manifest_digest: Option<String>,
    /// The id of the key whose signature it was accepted with.
    pub signed_by: Option<String>,
    /// When it started running in this process.
    pub since: Timestamp,
}

/// A gatherer's last run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRun {
    /// The period it ran in.
    pub period: u64,
    pub outcome: Outcome,
    pub records: u32,
    pub duration_ms: u64,
    /// Problems it reported.
    pub errors: usize,
}

/// Why a status file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("could not read the status file {}", path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a wagather status: {message}", path.display())]
    Invalid {
        path: std::path::PathBuf,
        message: String,
    },
}

impl ServiceStatus {
    /// Reads a `status.json` written by the service.
    pub fn read(path: &Path) -> Result<ServiceStatus, StatusError> {
        let bytes = std::fs::read(path).map_err(|source| StatusError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| StatusError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Plain data with string keys: serialization cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// The state as a table for a terminal: one line per gatherer, then the update problems.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let ready = if self.ready { "ready" } else { "starting" };
        out.push_str(&format!(
            "wagather {} (pid {}), {ready}, started {}, period {}\n",
            self.wagather_version,
            self.pid,
            self.started
                .round(jiff::Unit::Second)
                .unwrap_or(self.started),
            humantime::format_duration(self.period),
        ));
        match &self.last_period {
            Some(p) => out.push_str(&format!(
                "last period: #{} {} at {}{}\n",
                p.number,
                p.result,
                p.ended.round(jiff::Unit::Second).unwrap_or(p.ended),
                p.archive
                    .as_deref()
                    .map(|a| format!(", {a}"))
                    .or_else(|| p.error.as_deref().map(|e| format!(": {e}")))
                    .unwrap_or_default(),
            )),
            None => out.push_str("last period: none yet\n"),
        }
        if let Some(next) = self.next_period {
            out.push_str(&format!(
                "next period: {}\n",
                next.round(jiff::Unit::Second).unwrap_or(next)
            ));
        }
        out.push_str(&format!(
            "compilation cache: {} hits, {} misses\n\n",
            self.cache_hits, self.cache_misses
        ));
        let header = [
            "GATHERER", "VERSION", "DIGEST", "LAST RUN", "RECORDS", "TIME", "UPDATE", "SOURCE",
        ];
        let mut rows: Vec<[String; 8]> = vec![header.map(str::to_owned)];
        for g in &self.gatherers {
            let (version, digest) = match &g.running {
                Some(r) => (r.version.clone(), short_digest(&r.digest)),
                None => ("-".to_owned(), "-".to_owned()),
            };
            let (outcome, records, time) = match &g.last_run {
                Some(run) => (
                    outcome_word(&run.outcome, run.errors).to_owned(),
                    run.records.to_string(),
                    format!("{}ms", run.duration_ms),
                ),
                None => ("-".to_owned(), "-".to_owned(), "-".to_owned()),
            };
            let update = match g.update.as_ref().map(|u| &u.result) {
                None => "-".to_owned(),
                Some(UpdateResult::Unchanged { .. }) => "unchanged".to_owned(),
                Some(UpdateResult::Updated { .. }) => "updated".to_owned(),
                Some(UpdateResult::Restored { .. }) => "restored".to_owned(),
                Some(UpdateResult::Failed { stage, .. }) => format!("FAILED ({stage})"),
            };
            rows.push([
                g.name.clone(),
                version,
                digest,
                outcome,
                records,
                time,
                update,
                g.source.clone(),
            ]);
        }
        let mut widths = [0usize; 8];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in &rows {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:w$}  "));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let failures: Vec<String> = self
            .gatherers
            .iter()
            .filter_map(|g| {
                g.update
                    .as_ref()
                    .and_then(UpdateReport::failure_line)
                    .map(|line| format!("  {}: {line}", g.name))
            })
            .collect();
        if !failures.is_empty() {
            out.push_str("\nupdate problems:\n");
            for line in failures {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

/// `sha256:` and the first 12 hex digits, as people compare digests.
fn short_digest(digest: &str) -> String {
    match digest.strip_prefix("sha256:") {
        Some(hex) if hex.len() > 12 => format!("sha256:{}", &hex[..12]),
        _ => digest.to_owned(),
    }
}

fn outcome_word(outcome: &Outcome, errors: usize) -> &'static str {
    match outcome {
        Outcome::Completed if errors == 0 => "ok",
        Outcome::Completed | Outcome::Failed => "failed",
        Outcome::Trapped { .. } => "trapped",
        Outcome::Stopped { .. } => "stopped",
        Outcome::NotRun { .. } => "not run",
    }
}

mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_versions_digests_and_update_failures() {
        let status = ServiceStatus {
            wagather_version: "0.1.0".into(),
            started: "2026-01-02T03:04:05Z".parse().unwrap(),
            pid: 42,
            period: Duration::from_secs(120),
            ready: true,
            periods: 3,
            last_period: Some(PeriodStatus {
                number: 3,
                started: "2026-01-02T03:08:05Z".parse().unwrap(),
                ended: "2026-01-02T03:08:06Z".parse().unwrap(),
                result: "published".into(),
                archive: Some("out/insights-2026-01-02-030805.tar.gz".into()),
                error: None,
            }),
            next_period: Some("2026-01-02T03:10:05Z".parse().unwrap()),
            cache_hits: 1,
            cache_misses: 2,
            gatherers: vec![
                GathererStatus {
                    name: "cluster-operators".into(),
                    source: "oci://127.0.0.1:5055/g/co:v2".into(),
                    running: Some(RunningVersion {
                        gatherer: "cluster-operators".into(),
                        version: "0.2.0".into(),
                        digest: format!("sha256:{}", "ab".repeat(32)),
                        manifest_digest: None,
                        signed_by: None,
                        since: "2026-01-02T03:08:05Z".parse().unwrap(),
                    }),
                    update: Some(UpdateReport {
                        checked: "2026-01-02T03:08:05Z".parse().unwrap(),
                        source: "oci://127.0.0.1:5055/g/co:v2".into(),
                        result: UpdateResult::Failed {
                            stage: wagather_source::Stage::Signature,
                            cause: "signed by key X, which is not among the trusted keys".into(),
                            running: Some(format!("sha256:{}", "ab".repeat(32))),
                        },
                    }),
                    last_run: Some(LastRun {
                        period: 3,
                        outcome: Outcome::Completed,
                        records: 31,
                        duration_ms: 12,
                        errors: 0,
                    }),
                },
                GathererStatus {
                    name: "pods".into(),
                    source: "pods.wasm".into(),
                    running: None,
                    update: None,
                    last_run: None,
                },
            ],
        };
        let table = status.table();
        assert!(table.contains("last period: #3 published"), "{table}");
        assert!(
            table.contains("cluster-operators  0.2.0    sha256:abababababab  ok        31       12ms  FAILED (signature)  oci://"),
            "{table}"
        );
        assert!(table.contains("pods               -        -"), "{table}");
        assert!(
            table.contains("cluster-operators: update from oci://127.0.0.1:5055/g/co:v2 failed at stage signature: signed by key X"),
            "{table}"
        );
        let back: ServiceStatus = serde_json::from_slice(&status.to_json()).unwrap();
        assert_eq!(back, status);
    }
}
