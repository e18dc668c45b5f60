//! Benchmark figures as data.
//!
//! Every benchmark of the workspace measures with [`Harness`] and writes what one run measured
//! to one JSON file, a [`Run`]: per figure a stable id (`load/cached`), what it measures, its
//! unit, its samples and their [`Summary`] (median, median absolute deviation, range), where
//! the project has one a [`Budget`], and, for a budget the run missed, a [`Reason`] citing other
//! figures of the same run. `cargo xtask bench` runs the benchmarks and [`render`]s those files
//! into `BENCHMARKS.md`; nothing about the figures is written anywhere else in code. What the
//! figures mean, and what was decided from them, is in hand-written notes (`bench/NOTES.md`).
//!
//! # Why one harness, not criterion
//!
//! The benchmarks are bench binaries (`harness = false`) timed by [`Harness`] rather than
//! criterion benchmarks:
//! - most of wagather's figures are comparisons (wasm against native, the built-in compilation
//!   cache against a serialized file), and on a machine shared with other builds only a
//!   comparison measured in interleaved rounds of one process is worth reading
//!   ([`Group::compare`]); criterion measures one function after the other;
//! - several figures are not timings (component sizes, peak memory, the guest's own clock), and
//!   derived figures (ratios) belong next to what they are derived from, in the same file;
//! - criterion's figures would have to be read back from its output directories; here the
//!   benchmark that knows what it measured writes it down, and a quick run (one iteration of
//!   everything, what `cargo xtask ci` checks) goes through the same code and the same file.
//!
//! What criterion adds on top (bootstrap confidence intervals, HTML reports, comparisons with
//! a saved baseline) is not what `BENCHMARKS.md` reports: a median and its spread.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![forbid(unsafe_code)]

mod harness;
mod machine;
mod render;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use harness::{FigureRef, Group, Harness, Interleave, Settings};
pub use machine::Machine;
pub use render::{Document, render};

/// Version of the file format; a file of another version is refused, not guessed at.
pub const FORMAT: u32 = 1;

/// Environment variable naming the directory runs are written to (`cargo xtask bench` sets
/// it); without it, `<target>/wagather-figures/{full,quick}/`.
pub const DIR_VAR: &str = "WAGATHER_FIGURES_DIR";

/// What one run of one benchmark binary measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// [`FORMAT`].
    pub format: u32,
    /// The package of the bench target (`wagather-bench`).
    pub package: String,
    /// The bench target (`suite`).
    pub bench: String,
    /// A quick run: every benchmark once, on small inputs. Its figures show that the benchmarks
    /// run, not what they measure.
    pub quick: bool,
    /// The groups asked for on the command line; empty when every group ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<String>,
    /// When the run started and finished (RFC 3339, UTC).
    pub started: String,
    /// See `started`.
    pub finished: String,
    /// The machine it ran on.
    pub machine: Machine,
    /// The figures, in the order they were measured.
    pub figures: Vec<Figure>,
    /// Findings of the run that are not figures (a tool that was missing, a step skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One measured (or derived) figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Stable identifier, `/`-separated (`gather/pod-inventory/ratio`).
    pub id: String,
    /// The group it was measured in: the argument that measures it alone.
    pub group: String,
    /// What it measures, in words.
    pub what: String,
    /// The unit of the samples and the summary.
    pub unit: Unit,
    /// The samples, in the order taken; a timed sample is the mean of `iterations` runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<f64>,
    /// How many runs each timed sample averages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    /// Median and spread of the samples.
    pub summary: Summary,
    /// How a figure computed from others was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived: Option<Derivation>,
    /// The most the project accepts, where it has a budget for this figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    /// Why the figure misses its budget; present exactly when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed: Option<Reason>,
}

impl Figure {
    /// Whether the median meets the budget; `None` without one.
    pub fn met(&self) -> Option<bool> {
        self.budget
            .as_ref()
            .map(|b| self.summary.median <= b.at_most)
    }
}

/// The unit of a figure. Renderings pick a readable scale (`ns` as µs, ms or s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Nanoseconds.
    Ns,
    /// Bytes.
    Bytes,
    /// A ratio of two figures of the same unit.
    Ratio,
    /// A count of things.
    Count,
}

/// Median and spread of samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The median.
    pub median: f64,
    /// The median absolute deviation from the median.
    pub mad: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// How many samples.
    pub n: usize,
}

impl Summary {
    /// Summarizes `samples`; `None` when there are none or one is not a finite number.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let median = median(samples);
        let deviations: Vec<f64> = samples.iter().map(|s| (s - median).abs()).collect();
        Some(Summary {
            median,
            mad: self::median(&deviations),
            min: samples.iter().copied().fold(f64::INFINITY, f64::min),
            max: samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            n: samples.len(),
        })
    }

    /// Whether `other` summarizes the same samples: the same count, and values equal but for
    /// the last bits a decimal text of a float may lose (serde_json reads floats fast, not
    /// always to the nearest one).
    pub fn agrees_with(&self, other: &Summary) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
        self.n == other.n
            && close(self.median, other.median)
            && close(self.mad, other.mad)
            && close(self.min, other.min)
            && close(self.max, other.max)
    }

    /// One value (a size, a derived figure).
    pub fn exact(value: f64) -> Summary {
        Summary {
            median: value,
            mad: 0.0,
            min: value,
            max: value,
            n: 1,
        }
    }
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// How a derived figure was computed from other figures of the same run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Derivation {
    /// The median of `numerator` over the median of `denominator`.
    RatioOfMedians {
        /// Figure id.
        numerator: String,
        /// Figure id.
        denominator: String,
    },
    /// One ratio per interleaved round of `numerator` and `denominator` (the samples), so that
    /// a change of the machine's load during the run cancels out.
    RatioPerRound {
        /// Figure id.
        numerator: String,
        /// Figure id.
        denominator: String,
    },
}

impl Derivation {
    /// The figures it is computed from.
    pub fn inputs(&self) -> [&str; 2] {
        match self {
            Derivation::RatioOfMedians {
                numerator,
                denominator,
            }
            | Derivation::RatioPerRound {
                numerator,
                denominator,
            } => [numerator, denominator],
        }
    }
}

/// A budget: the median must be at most `at_most` (in the figure's unit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// The largest acceptable median.
    pub at_most: f64,
}

/// Why a figure misses its budget: words, and the figures of the same run that show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The explanation; it names no numbers, the cited figures carry them.
    pub text: String,
    /// Ids of figures of the same run.
    pub cites: Vec<String>,
}

impl Reason {
    /// A reason citing `cites`.
    pub fn new(text: &str, cites: &[&str]) -> Reason {
        Reason {
            text: text.to_owned(),
            cites: cites.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
}

/// Why a run's figures cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a run of this format.
    #[error("{}: not a run of figures: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: serde_json::Error,
    },
    /// A file of another format version.
    #[error("{}: format {found}, this reader knows format {FORMAT}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u32,
    },
    /// The figures contradict themselves.
    #[error("{run}: {problem}")]
    Invalid {
        /// `package/bench` of the run.
        run: String,
        /// What is wrong.
        problem: String,
    },
}

impl Run {
    /// `package/bench`, as runs are named in messages.
    pub fn name(&self) -> String {
        format!("{}/{}", self.package, self.bench)
    }

    /// The command that runs the whole benchmark.
    pub fn command(&self) -> String {
        format!("cargo bench -p {} --bench {}", self.package, self.bench)
    }

    /// The command that measures `group` alone.
    pub fn group_command(&self, group: &str) -> String {
        format!("{} -- {group}", self.command())
    }

    /// The figure `id`, if this run has it.
    pub fn figure(&self, id: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.id == id)
    }

    /// The file name a run is stored under in its directory.
    pub fn file_name(&self) -> String {
        format!("{}.{}.json", self.package, self.bench)
    }

    /// Checks that the run is consistent: unique ids, summaries that match their samples, a
    /// reason exactly for each missed budget, citing figures of this run, and derived figures
    /// computed from figures of this run.
    pub fn check(&self) -> Result<(), FigureError> {
        let invalid = |problem: String| FigureError::Invalid {
            run: self.name(),
            problem,
        };
        let mut seen = std::collections::BTreeSet::new();
        for figure in &self.figures {
            let id = &figure.id;
            if !seen.insert(id.as_str()) {
                return Err(invalid(format!("figure `{id}` appears twice")));
            }
            if id.is_empty() || id.contains(char::is_whitespace) || figure.group.is_empty() {
                return Err(invalid(format!(
                    "figure `{id}` needs an id without spaces and a group"
                )));
            }
            if !figure.samples.is_empty()
                && !Summary::of(&figure.samples).is_some_and(|s| s.agrees_with(&figure.summary))
            {
                return Err(invalid(format!(
                    "figure `{id}`: its summary is not the summary of its samples"
                )));
            }
            if !figure.summary.median.is_finite() {
                return Err(invalid(format!("figure `{id}` has no finite median")));
            }
            match (figure.met(), &figure.missed) {
                (Some(false), None) => {
                    return Err(invalid(format!(
                        "figure `{id}` misses its budget and gives no reason"
                    )));
                }
                (Some(true) | None, Some(_)) => {
                    return Err(invalid(format!(
                        "figure `{id}` gives a reason for a budget it does not miss"
                    )));
                }
                (Some(false), Some(reason)) => {
                    if reason.cites.is_empty() {
                        return Err(invalid(format!(
                            "the reason figure `{id}` misses its budget cites no figure"
                        )));
                    }
                    for cited in &reason.cites {
                        if cited == id || self.figure(cited).is_none() {
                            return Err(invalid(format!(
                                "the reason figure `{id}` misses its budget cites `{cited}`, \
                                 which is not another figure of this run"
                            )));
                        }
                    }
                }
                _ => {}
            }
            if let Some(derived) = &figure.derived {
                for input in derived.inputs() {
                    if self.figure(input).is_none() {
                        return Err(invalid(format!(
                            "figure `{id}` is derived from `{input}`, which this run lacks"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the run as `dir/<package>.<bench>.json`, creating `dir`; returns the path.
    pub fn write_to(&self, dir: &Path) -> Result<PathBuf, FigureError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| FigureError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(self.file_name());
        let json = serde_json::to_vec_pretty(self).map_err(|source| FigureError::Json {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, json).map_err(io(&path))?;
        Ok(path)
    }

    /// Reads a run written by [`Run::write_to`] and checks it.
    pub fn read(path: &Path) -> Result<Run, FigureError> {
        let bytes = std::fs::read(path).map_err(|source| FigureError::Io {
            path: path.to_owned(),
            source,
        })?;
        let json = |source| FigureError::Json {
            path: path.to_owned(),
            source,
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(json)?;
        let found = value["format"].as_u64().unwrap_or(0);
        if found != u64::from(FORMAT) {
            return Err(FigureError::Format {
                path: path.to_owned(),
                found: u32::try_from(found).unwrap_or(u32::MAX),
            });
        }
        let run: Run = serde_json::from_value(value).map_err(json)?;
        run.check()?;
        Ok(run)
    }
}

/// Every run in `dir` (`*.json`), sorted by file name.
pub fn read_dir(dir: &Path) -> Result<Vec<Run>, FigureError> {
    let entries = std::fs::read_dir(dir).map_err(|source| FigureError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|path| Run::read(path)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn figure(id: &str, median: f64) -> Figure {
        Figure {
            id: id.into(),
            group: id.split('/').next().unwrap().into(),
            what: format!("what {id} measures"),
            unit: Unit::Ns,
            samples: Vec::new(),
            iterations: None,
            summary: Summary::exact(median),
            derived: None,
            budget: None,
            missed: None,
        }
    }

    pub(crate) fn run(figures: Vec<Figure>) -> Run {
        Run {
            format: FORMAT,
            package: "wagather-bench".into(),
            bench: "suite".into(),
            quick: false,
            filter: Vec::new(),
            started: "2026-12-01T10:00:00Z".into(),
            finished: "2026-12-01T10:05:00Z".into(),
            machine: Machine::default(),
            figures,
            notes: Vec::new(),
        }
    }

    #[test]
    fn medians_and_deviations_of_odd_and_even_counts() {
        let odd = Summary::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!(
            (odd.median, odd.mad, odd.min, odd.max, odd.n),
            (3.0, 2.0, 1.0, 5.0, 3)
        );
        let even = Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!((even.median, even.mad), (2.5, 1.0));
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
        assert!(Summary::of(&[1.0, f64::INFINITY]).is_none());
    }

    #[test]
    fn a_missed_budget_needs_a_reason_citing_figures_of_the_run() {
        let mut slow = figure("load/cached", 6e6);
        slow.budget = Some(Budget { at_most: 5e6 });
        let err = run(vec![slow.clone()]).check().unwrap_err();
        assert!(err.to_string().contains("gives no reason"), "{err}");

        slow.missed = Some(Reason::new("see", &["load/elsewhere"]));
        let err = run(vec![slow.clone()]).check().unwrap_err();
        assert!(err.to_string().contains("`load/elsewhere`"), "{err}");

        slow.missed = Some(Reason::new("see", &["load/cached"]));
        assert!(
            run(vec![slow.clone()]).check().is_err(),
            "it cannot cite itself"
        );

        slow.missed = Some(Reason::new("see", &[]));
        assert!(run(vec![slow.clone()]).check().is_err());

        slow.missed = Some(Reason::new("see", &["load/compile_cold"]));
        run(vec![slow.clone(), figure("load/compile_cold", 1e8)])
            .check()
            .unwrap();

        let mut fast = slow;
        fast.summary = Summary::exact(1e6);
        let err = run(vec![fast, figure("load/compile_cold", 1e8)])
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("does not miss"), "{err}");
    }

    #[test]
    fn ids_are_unique_and_summaries_match_their_samples() {
        let err = run(vec![figure("a/b", 1.0), figure("a/b", 2.0)])
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");

        let mut sampled = figure("a/b", 2.0);
        sampled.samples = vec![1.0, 2.0, 3.0];
        sampled.summary = Summary::of(&sampled.samples).unwrap();
        run(vec![sampled.clone()]).check().unwrap();
        // The last bit of a float, as a file read back may lose it, is not a contradiction.
        sampled.summary.median = f64::from_bits(2.0f64.to_bits() + 1);
        run(vec![sampled.clone()]).check().unwrap();
        sampled.summary.median = 2.5;
        let err = run(vec![sampled]).check().unwrap_err();
        assert!(err.to_string().contains("summary"), "{err}");
    }

    #[test]
    fn derived_figures_name_figures_of_the_run() {
        let mut ratio = figure("work/ratio", 2.0);
        ratio.unit = Unit::Ratio;
        ratio.derived = Some(Derivation::RatioOfMedians {
            numerator: "work/wasm".into(),
            denominator: "work/native".into(),
        });
        let err = run(vec![ratio.clone(), figure("work/wasm", 2.0)])
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("`work/native`"), "{err}");
        run(vec![
            ratio,
            figure("work/wasm", 2.0),
            figure("work/native", 1.0),
        ])
        .check()
        .unwrap();
    }

    #[test]
    fn runs_round_trip_through_their_file_and_other_formats_are_refused() {
        let dir = std::env::temp_dir().join(format!("wagather-figures-{}", std::process::id()));
        let original = run(vec![figure("a/b", 1.0)]);
        let path = original.write_to(&dir).unwrap();
        assert!(path.ends_with("wagather-bench.suite.json"));
        assert_eq!(read_dir(&dir).unwrap(), vec![original.clone()]);

        let mut value = serde_json::to_value(&original).unwrap();
        value["format"] = 2.into();
        std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
        let err = read_dir(&dir).unwrap_err();
        assert!(matches!(err, FigureError::Format { found: 2, .. }), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
