//! A long run of the service, for finding what grows: periods back to back, with the process's
//! resident memory and open file descriptors sampled along the way. The benchmark suite's
//! `service` group runs it; the samples are figures, not assertions.
//!
//! Between two periods the archive just published is taken away, as an uploader would take it,
//! so that the next period does not wait for a new second to name its archive
//! ([`Service::period`] never overwrites one). Everything else is the service as `wagather run`
//! runs it: the update phase (every source asked), the gather, the archive, `status.json`.
//!
//! Linux only: the samples come from `/proc/self`.

use std::path::Path;

use super::Service;
use crate::Outcome;

/// The process's state after a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessSample {
    /// The periods run so far.
    pub period: u64,
    /// Resident memory (`VmRSS` of `/proc/self/status`), in bytes.
    pub resident_bytes: u64,
    /// Open file descriptors (entries of `/proc/self/fd`).
    pub open_fds: u64,
}

/// Why a soak stopped early.
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// A period wrote no archive.
    #[error("period {period} wrote no archive: {message}")]
    Period { period: u64, message: String },
    /// A gatherer did not run, or ended otherwise than in the first period.
    #[error("period {period}: gatherer {gatherer} ended {outcome}")]
    Gatherer {
        period: u64,
        gatherer: String,
        outcome: String,
    },
    /// The published archive could not be taken away.
    #[error("could not remove {}", path.display())]
    Remove {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `/proc/self` could not be read.
    #[error("could not read {what}")]
    Proc {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// Resident memory and open descriptors of this process now.
pub fn sample(period: u64) -> Result<ProcessSample, SoakError> {
    let status =
        std::fs::read_to_string("/proc/self/status").map_err(|source| SoakError::Proc {
            what: "/proc/self/status",
            source,
        })?;
    let resident_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .ok_or_else(|| SoakError::Proc {
            what: "VmRSS in /proc/self/status",
            source: std::io::Error::other("no `VmRSS: <n> kB` line"),
        })?;
    let open_fds = std::fs::read_dir("/proc/self/fd")
        .map_err(|source| SoakError::Proc {
            what: "/proc/self/fd",
            source,
        })?
        .count() as u64;
    Ok(ProcessSample {
        period,
        resident_bytes: resident_kib * 1024,
        open_fds,
    })
}

/// Runs `periods` periods of `service` back to back, and samples the process after the first
/// and then after every `every` periods (and after the last). Each period must publish its
/// archive, every gatherer must run, and each must end as it did in the first period (a
/// gatherer that fails by design, on a denied read, fails every time): a soak whose periods
/// drift would measure something else. `on_sample` sees each sample as it is taken.
pub async fn soak(
    service: &mut Service,
    periods: u64,
    every: u64,
    mut on_sample: impl FnMut(&ProcessSample),
) -> Result<Vec<ProcessSample>, SoakError> {
    let every = every.max(1);
    let mut samples = Vec::new();
    let mut first_outcomes: Option<Vec<Outcome>> = None;
    for done in 1..=periods {
        let summary = service.period().await;
        let published = summary.result.map_err(|message| SoakError::Period {
            period: summary.number,
            message,
        })?;
        let outcomes: Vec<Outcome> = published
            .reports
            .iter()
            .map(|r| r.outcome.clone())
            .collect();
        let first = first_outcomes.get_or_insert_with(|| outcomes.clone());
        for (report, first) in published.reports.iter().zip(first.iter()) {
            if matches!(report.outcome, Outcome::NotRun { .. }) || report.outcome != *first {
                return Err(SoakError::Gatherer {
                    period: summary.number,
                    gatherer: report.name.clone(),
                    outcome: format!("{:?} (in the first period: {first:?})", report.outcome),
                });
            }
        }
        take_away(&published.archive)?;
        if done == 1 || done % every == 0 || done == periods {
            let sample = sample(done)?;
            on_sample(&sample);
            samples.push(sample);
        }
    }
    Ok(samples)
}

fn take_away(archive: &Path) -> Result<(), SoakError> {
    std::fs::remove_file(archive).map_err(|source| SoakError::Remove {
        path: archive.to_owned(),
        source,
    })
}
