//! Medians and spreads of repeated measurements, and the results file the suite writes.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Median and spread of a set of samples, in one unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The median.
    pub median: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// How many samples.
    pub samples: usize,
}

impl Summary {
    /// Summarizes `samples`; `None` when there are none or one is not a number.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            samples: n,
        })
    }

    /// Summarizes durations in milliseconds.
    pub fn millis(samples: &[Duration]) -> Option<Summary> {
        let ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        Summary::of(&ms)
    }

    /// One exact value (a size, a single measurement).
    pub fn exact(value: f64) -> Summary {
        Summary {
            median: value,
            min: value,
            max: value,
            samples: 1,
        }
    }
}

/// The budget a figure is held to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// The figure's median must be at most this (same unit as the figure).
    pub at_most: f64,
}

/// One measured figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Stable identifier, e.g. `size/cluster-operators`.
    pub id: String,
    /// What was measured, in words.
    pub what: String,
    /// Unit of `value` (`KB`, `ms`, `MiB`, `x`).
    pub unit: String,
    /// The measurement.
    pub value: Summary,
    /// The budget, when the project has one for this figure.
    pub budget: Option<Budget>,
    /// What else a reader needs to read the figure.
    pub note: Option<String>,
}

impl Figure {
    /// Whether the figure meets its budget (`None` when it has none).
    pub fn met(&self) -> Option<bool> {
        self.budget.as_ref().map(|b| self.value.median <= b.at_most)
    }
}

/// Everything one run of the suite measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SuiteResults {
    /// Whether this was a quick run (few iterations, small snapshot): not for BENCHMARKS.md.
    pub quick: bool,
    /// The figures, in the order measured.
    pub figures: Vec<Figure>,
    /// Findings that are not figures (a step that could not run, and why).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl SuiteResults {
    /// Writes the results as JSON to `path`, creating its directory.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let odd = Summary::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!(
            (odd.median, odd.min, odd.max, odd.samples),
            (3.0, 1.0, 5.0, 3)
        );
        let even = Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(even.median, 2.5);
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn budgets_compare_the_median() {
        let figure = |median: f64| Figure {
            id: "x".into(),
            what: "x".into(),
            unit: "ms".into(),
            value: Summary::of(&[median - 1.0, median, median + 100.0]).unwrap(),
            budget: Some(Budget { at_most: 5.0 }),
            note: None,
        };
        assert_eq!(figure(5.0).met(), Some(true));
        assert_eq!(figure(5.5).met(), Some(false));
    }
}
