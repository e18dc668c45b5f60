//! Conformance of the gatherer catalog with the Insights Operator's archive.
//!
//! The bundled sample archive is what IO wrote on real clusters. Served as a snapshot, it
//! lets the catalog gather the same objects again; [`compare`] then holds what the catalog
//! wrote against the sample, path by path:
//!
//! - JSON files compare as parsed JSON (the sample's files were re-indented), other files as
//!   text without trailing line breaks (which editing removed from some);
//! - a difference is accepted only when the [exception table](exceptions::EXCEPTIONS) names
//!   the path (and, for a part of a file, the fields) with the reason: a sample file older
//!   than IO's current code, or one IO's code cannot have written, or one built from objects
//!   the archive does not hold;
//! - an exception that no longer matches anything is a failure too, so the table cannot go
//!   stale silently.
//!
//! The [`Report`] counts, per top folder of the sample, the paths the catalog wrote (covered),
//! the covered ones equal to the sample, and lists every difference and every exception used.

pub mod exceptions;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use serde_json::Value;

pub use exceptions::{EXCEPTIONS, Exception, Why};

/// The folders the issue's table reports, in its order; others follow alphabetically.
pub const FOLDERS: [&str; 5] = [
    "config",
    "cluster-scoped-resources",
    "aggregated",
    "events",
    "namespaces",
];

/// The gatherer configuration of a conformance run, as (gatherer, key, value). The sample's
/// events are from 2022: the gather interval (IO's `dataReporting.interval`, 2 hours by
/// default) of the gatherers that keep recent events only is set to reach back to them, as an
/// operator could set it.
pub const RUN_CONFIG: &[(&str, &str, &str)] = &[
    (
        "clusterconfig/openshift_machine_api_events",
        "interval",
        "100000h",
    ),
    (
        "clusterconfig/operators_pods_and_events",
        "interval",
        "100000h",
    ),
    ("clusterconfig/version", "interval", "100000h"),
];

/// The configuration [`RUN_CONFIG`] gives the gatherer named `name`.
pub fn run_config(name: &str) -> Vec<(String, String)> {
    RUN_CONFIG
        .iter()
        .filter(|(gatherer, _, _)| *gatherer == name)
        .map(|(_, key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

/// The share of the sample's `config/` paths the catalog must cover.
pub const CONFIG_COVERAGE_GOAL: f64 = 0.65;

/// Why files could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// What was read.
        path: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// An archive's files by path (`config/version.json`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Files(pub BTreeMap<String, Vec<u8>>);

impl Files {
    /// Every file below `dir`.
    pub fn from_dir(dir: &Path) -> Result<Files, Error> {
        fn walk(
            root: &Path,
            dir: &Path,
            files: &mut BTreeMap<String, Vec<u8>>,
        ) -> Result<(), Error> {
            let io = |source| Error::Io {
                path: dir.display().to_string(),
                source,
            };
            for entry in std::fs::read_dir(dir).map_err(io)? {
                let path = entry.map_err(io)?.path();
                if path.is_dir() {
                    walk(root, &path, files)?;
                } else {
                    let data = std::fs::read(&path).map_err(|source| Error::Io {
                        path: path.display().to_string(),
                        source,
                    })?;
                    let rel = path
                        .strip_prefix(root)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    files.insert(rel, data);
                }
            }
            Ok(())
        }
        let mut files = BTreeMap::new();
        walk(dir, dir, &mut files)?;
        Ok(Files(files))
    }

    /// Every file of a `.tar.gz` archive.
    pub fn from_archive(path: &Path) -> Result<Files, Error> {
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let mut files = BTreeMap::new();
        for entry in archive.entries().map_err(io)? {
            let mut entry = entry.map_err(io)?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry
                .path()
                .map_err(io)?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).map_err(io)?;
            files.insert(name, data);
        }
        Ok(Files(files))
    }
}

/// How one sample path fared.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Written and equal.
    Equal,
    /// Written, equal apart from fields an exception names.
    EqualExceptFields(&'static Exception),
    /// Written and different, as an exception for the whole file says it must be.
    Excepted(&'static Exception),
    /// Written and different with no exception: a failure.
    Differs(String),
    /// Not written, for the reason an exception gives (IO's code would not write it from the
    /// sample's objects, or the archive lacks what IO built it from).
    NotWrittenExcepted(&'static Exception),
    /// Not written.
    NotWritten,
}

/// One top folder's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Paths in the sample.
    pub total: usize,
    /// Sample paths the catalog wrote.
    pub covered: usize,
    /// Covered paths equal to the sample.
    pub equal: usize,
    /// Covered paths equal apart from fields the exception table names.
    pub equal_except_fields: usize,
    /// Covered paths that differ as a whole-file exception says.
    pub excepted: usize,
    /// Covered paths that differ with no exception.
    pub differ: usize,
    /// Paths not written, for the reason the exception table gives.
    pub not_written_excepted: usize,
}

/// The comparison of one archive with the sample.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Every sample path and its outcome.
    pub outcomes: BTreeMap<String, Outcome>,
    /// Paths written that the sample does not have.
    pub extra: Vec<String>,
    /// Exceptions that matched nothing (the table is stale).
    pub unused_exceptions: Vec<String>,
}

/// The top folder of a path (`config`).
pub fn folder(path: &str) -> &str {
    path.split('/').next().unwrap_or("")
}

/// Compares `produced` with `sample` under `table`.
pub fn compare(sample: &Files, produced: &Files, table: &'static [Exception]) -> Report {
    let mut report = Report::default();
    let mut used: BTreeSet<usize> = BTreeSet::new();
    for (path, expected) in &sample.0 {
        let exception = table.iter().position(|e| e.path == path);
        let outcome = match (produced.0.get(path), exception) {
            // Not written, and the table says why.
            (None, Some(i)) if table[i].fields.is_empty() && table[i].why != Why::Zone => {
                used.insert(i);
                Outcome::NotWrittenExcepted(&table[i])
            }
            (None, _) => Outcome::NotWritten,
            (Some(_), Some(i)) if table[i].why == Why::NotWritten => {
                used.insert(i);
                Outcome::Differs(format!(
                    "written, but the exception table says IO's code does not write it: {}",
                    table[i].reason
                ))
            }
            (Some(written), None) => match difference(path, expected, written, &[]) {
                None => Outcome::Equal,
                Some(diff) => Outcome::Differs(diff),
            },
            (Some(written), Some(i)) if table[i].fields.is_empty() => {
                if difference(path, expected, written, &[]).is_some() {
                    used.insert(i);
                    Outcome::Excepted(&table[i])
                } else {
                    Outcome::Equal
                }
            }
            (Some(written), Some(i)) => {
                match difference(path, expected, written, table[i].fields) {
                    Some(diff) => Outcome::Differs(diff),
                    None if difference(path, expected, written, &[]).is_some() => {
                        used.insert(i);
                        Outcome::EqualExceptFields(&table[i])
                    }
                    None => Outcome::Equal,
                }
            }
        };
        report.outcomes.insert(path.clone(), outcome);
    }
    report.extra = produced
        .0
        .keys()
        .filter(|p| !sample.0.contains_key(*p))
        .cloned()
        .collect();
    report.unused_exceptions = table
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, e)| format!("{}: {}", e.path, e.reason))
        .collect();
    report
}

/// How `written` differs from `expected` at `path`, leaving out `fields` (JSON pointers,
/// `*` for any member or element; fields compared as instants are compared so); `None` when
/// they agree.
fn difference(path: &str, expected: &[u8], written: &[u8], fields: &[&str]) -> Option<String> {
    if !path.ends_with(".json") {
        let trim = |b: &[u8]| String::from_utf8_lossy(b).trim_end_matches('\n').to_owned();
        return (trim(expected) != trim(written)).then(|| "the text differs".to_owned());
    }
    let (Ok(mut e), Ok(mut w)) = (
        serde_json::from_slice::<Value>(expected),
        serde_json::from_slice::<Value>(written),
    ) else {
        return Some("not JSON on one side".to_owned());
    };
    for field in fields {
        if let Some(pointer) = field.strip_prefix("instant:") {
            if let Some(diff) = compare_instants(&e, &w, pointer) {
                return Some(diff);
            }
            remove(&mut e, pointer);
            remove(&mut w, pointer);
        } else {
            remove(&mut e, field);
            remove(&mut w, field);
        }
    }
    first_difference(&e, &w, String::new())
}

/// Removes what `pointer` (with `*` segments) points at.
fn remove(value: &mut Value, pointer: &str) {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    fn go(value: &mut Value, segments: &[String]) {
        let Some((head, rest)) = segments.split_first() else {
            return;
        };
        let last = rest.is_empty();
        match value {
            Value::Object(map) if head == "*" => map.values_mut().for_each(|v| go(v, rest)),
            Value::Array(items) if head == "*" => items.iter_mut().for_each(|v| go(v, rest)),
            Value::Object(map) if last => {
                map.remove(head);
            }
            Value::Object(map) => {
                if let Some(v) = map.get_mut(head) {
                    go(v, rest);
                }
            }
            Value::Array(items) => {
                if let Ok(i) = head.parse::<usize>() {
                    if last {
                        if i < items.len() {
                            items[i] = Value::Null;
                        }
                    } else if let Some(v) = items.get_mut(i) {
                        go(v, rest);
                    }
                }
            }
            _ => {}
        }
    }
    go(value, &segments);
}

/// Every value `pointer` (with `*` segments) points at, with its concrete path.
fn select<'a>(value: &'a Value, pointer: &str) -> Vec<(String, &'a Value)> {
    let mut found = vec![(String::new(), value)];
    for segment in pointer.split('/').skip(1) {
        let mut next = Vec::new();
        for (at, v) in found {
            match (v, segment) {
                (Value::Object(map), "*") => {
                    next.extend(map.iter().map(|(k, v)| (format!("{at}/{k}"), v)))
                }
                (Value::Array(items), "*") => next.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (format!("{at}/{i}"), v)),
                ),
                (Value::Object(map), key) => {
                    next.extend(map.get(key).map(|v| (format!("{at}/{key}"), v)))
                }
                (Value::Array(items), key) => {
                    next.extend(
                        key.parse::<usize>()
                            .ok()
                            .and_then(|i| items.get(i))
                            .map(|v| (format!("{at}/{key}"), v)),
                    );
                }
                _ => {}
            }
        }
        found = next;
    }
    found
}

/// Whether the timestamps at `pointer` are the same instants on both sides.
fn compare_instants(expected: &Value, written: &Value, pointer: &str) -> Option<String> {
    let e = select(expected, pointer);
    let w = select(written, pointer);
    if e.len() != w.len() {
        return Some(format!(
            "{pointer}: {} values in the sample, {} written",
            e.len(),
            w.len()
        ));
    }
    for ((at, a), (_, b)) in e.iter().zip(&w) {
        let instant = |v: &Value| v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok());
        match (instant(a), instant(b)) {
            (Some(x), Some(y)) if x == y => {}
            _ => return Some(format!("{at}: {a} in the sample is not the instant {b}")),
        }
    }
    None
}

/// The first place where two JSON values differ, as `pointer: expected != written`.
fn first_difference(expected: &Value, written: &Value, at: String) -> Option<String> {
    match (expected, written) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                let here = format!("{at}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_difference(x, y, here) {
                            return Some(d);
                        }
                    }
                    (Some(x), None) => {
                        return Some(format!("{here}: {} in the sample, not written", short(x)));
                    }
                    (None, Some(y)) => {
                        return Some(format!("{here}: not in the sample, written {}", short(y)));
                    }
                    (None, None) => {}
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, format!("{at}/{i}"))),
        (a, b) if a == b => None,
        (a, b) => Some(format!(
            "{}: {} in the sample, written {}",
            if at.is_empty() { "/" } else { &at },
            short(a),
            short(b)
        )),
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}

impl Report {
    /// The counts of every top folder: the issue's five first, then the others.
    pub fn counts(&self) -> Vec<(String, Counts)> {
        let mut by_folder: BTreeMap<String, Counts> = BTreeMap::new();
        for (path, outcome) in &self.outcomes {
            let counts = by_folder.entry(folder(path).to_owned()).or_default();
            counts.total += 1;
            match outcome {
                Outcome::Equal => {
                    counts.covered += 1;
                    counts.equal += 1;
                }
                Outcome::EqualExceptFields(_) => {
                    counts.covered += 1;
                    counts.equal_except_fields += 1;
                }
                Outcome::Excepted(_) => {
                    counts.covered += 1;
                    counts.excepted += 1;
                }
                Outcome::Differs(_) => {
                    counts.covered += 1;
                    counts.differ += 1;
                }
                Outcome::NotWrittenExcepted(_) => counts.not_written_excepted += 1,
                Outcome::NotWritten => {}
            }
        }
        let mut rows: Vec<(String, Counts)> = FOLDERS
            .iter()
            .map(|f| ((*f).to_owned(), by_folder.remove(*f).unwrap_or_default()))
            .collect();
        rows.extend(by_folder);
        rows
    }

    /// What fails the goal: unexplained differences, stale exceptions, and `config/`
    /// coverage below [`CONFIG_COVERAGE_GOAL`].
    pub fn failures(&self) -> Vec<String> {
        let mut failures: Vec<String> = self
            .outcomes
            .iter()
            .filter_map(|(path, o)| match o {
                Outcome::Differs(diff) => Some(format!("{path} differs: {diff}")),
                _ => None,
            })
            .collect();
        failures.extend(
            self.unused_exceptions
                .iter()
                .map(|e| format!("exception no longer needed: {e}")),
        );
        let counts = self.counts();
        if let Some((_, config)) = counts.iter().find(|(f, _)| f == "config") {
            let share = config.covered as f64 / config.total.max(1) as f64;
            if share < CONFIG_COVERAGE_GOAL {
                failures.push(format!(
                    "config/ coverage {}/{} = {:.0}% is below the goal of {:.0}%",
                    config.covered,
                    config.total,
                    share * 100.0,
                    CONFIG_COVERAGE_GOAL * 100.0
                ));
            }
        }
        failures
    }

    /// The report as Markdown: the table per folder, then every difference, exception and
    /// uncovered path.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str("| folder | sample paths | covered | equal | equal but excepted fields | excepted | differ | not written, explained |\n");
        out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        let mut total = Counts::default();
        for (folder, c) in self.counts() {
            out.push_str(&format!(
                "| `{folder}/` | {} | {} ({:.0}%) | {} | {} | {} | {} | {} |\n",
                c.total,
                c.covered,
                100.0 * c.covered as f64 / c.total.max(1) as f64,
                c.equal,
                c.equal_except_fields,
                c.excepted,
                c.differ,
                c.not_written_excepted
            ));
            total.total += c.total;
            total.covered += c.covered;
            total.equal += c.equal;
            total.equal_except_fields += c.equal_except_fields;
            total.excepted += c.excepted;
            total.differ += c.differ;
            total.not_written_excepted += c.not_written_excepted;
        }
        out.push_str(&format!(
            "| all | {} | {} ({:.0}%) | {} | {} | {} | {} | {} |\n",
            total.total,
            total.covered,
            100.0 * total.covered as f64 / total.total.max(1) as f64,
            total.equal,
            total.equal_except_fields,
            total.excepted,
            total.differ,
            total.not_written_excepted
        ));
        let mut section = |title: &str, lines: Vec<String>| {
            if !lines.is_empty() {
                out.push_str(&format!("\n{title} ({}):\n", lines.len()));
                for line in lines {
                    out.push_str(&format!("- {line}\n"));
                }
            }
        };
        section(
            "Differences",
            self.outcomes
                .iter()
                .filter_map(|(p, o)| match o {
                    Outcome::Differs(d) => Some(format!("`{p}`: {d}")),
                    _ => None,
                })
                .collect(),
        );
        section(
            "Exceptions used",
            self.outcomes
                .iter()
                .filter_map(|(p, o)| match o {
                    Outcome::EqualExceptFields(e) => Some(format!(
                        "`{p}` ({}, fields {}): {}",
                        e.why.label(),
                        e.fields.join(", "),
                        e.reason
                    )),
                    Outcome::Excepted(e) | Outcome::NotWrittenExcepted(e) => {
                        Some(format!("`{p}` ({}): {}", e.why.label(), e.reason))
                    }
                    _ => None,
                })
                .collect(),
        );
        section("Stale exceptions", self.unused_exceptions.clone());
        section(
            "Sample paths not written",
            self.outcomes
                .iter()
                .filter(|(_, o)| matches!(o, Outcome::NotWritten))
                .map(|(p, _)| format!("`{p}`"))
                .collect(),
        );
        section(
            "Written paths the sample does not have",
            self.extra.iter().map(|p| format!("`{p}`")).collect(),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> Files {
        Files(
            entries
                .iter()
                .map(|(p, d)| ((*p).to_owned(), d.as_bytes().to_vec()))
                .collect(),
        )
    }

    static TABLE: [Exception; 4] = [
        Exception {
            path: "config/a.json",
            fields: &["/metadata/annotations/size"],
            why: Why::Stale,
            reason: "size",
        },
        Exception {
            path: "config/b.json",
            fields: &[],
            why: Why::InputsAbsent,
            reason: "b",
        },
        Exception {
            path: "config/gone.log",
            fields: &[],
            why: Why::NotWritten,
            reason: "gone",
        },
        Exception {
            path: "events/e.json",
            fields: &["instant:/items/*/at"],
            why: Why::Zone,
            reason: "zone",
        },
    ];

    #[test]
    fn differences_need_an_exception() {
        let sample = files(&[
            (
                "config/a.json",
                r#"{"metadata": {"name": "a", "annotations": {"size": "1"}}}"#,
            ),
            ("config/b.json", r#"{"n": 1}"#),
            ("config/c.json", r#"{"n": [1, 2]}"#),
            ("config/d", "text\n"),
            ("config/gone.log", "x"),
            ("config/missing.json", "{}"),
            (
                "events/e.json",
                r#"{"items": [{"at": "2022-08-24T11:40:44+02:00", "r": "x"}]}"#,
            ),
        ]);
        let produced = files(&[
            (
                "config/a.json",
                r#"{"metadata":{"annotations":{"size":"2"},"name":"a"}}"#,
            ),
            ("config/b.json", r#"{"n":2}"#),
            ("config/c.json", r#"{"n":[1,3]}"#),
            ("config/d", "text"),
            (
                "events/e.json",
                r#"{"items":[{"at":"2022-08-24T09:40:44Z","r":"x"}]}"#,
            ),
            ("config/extra.json", "{}"),
        ]);
        let report = compare(&sample, &produced, &TABLE);
        assert!(matches!(
            report.outcomes["config/a.json"],
            Outcome::EqualExceptFields(_)
        ));
        assert!(matches!(
            report.outcomes["config/b.json"],
            Outcome::Excepted(_)
        ));
        assert_eq!(
            report.outcomes["config/c.json"],
            Outcome::Differs("/n/1: 2 in the sample, written 3".into())
        );
        assert_eq!(report.outcomes["config/d"], Outcome::Equal);
        assert!(matches!(
            report.outcomes["config/gone.log"],
            Outcome::NotWrittenExcepted(_)
        ));
        assert_eq!(report.outcomes["config/missing.json"], Outcome::NotWritten);
        assert!(matches!(
            report.outcomes["events/e.json"],
            Outcome::EqualExceptFields(_)
        ));
        assert_eq!(report.extra, ["config/extra.json"]);
        assert!(report.unused_exceptions.is_empty());
        let failures = report.failures();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].starts_with("config/c.json differs"));
        let config = &report.counts()[0].1;
        assert_eq!(
            (config.total, config.covered, config.equal, config.differ),
            (6, 4, 1, 1)
        );
    }

    #[test]
    fn stale_exceptions_and_wrong_instants_fail() {
        let sample = files(&[
            (
                "config/a.json",
                r#"{"metadata": {"annotations": {"size": "1"}}}"#,
            ),
            ("config/not-gathered.json", "{}"),
            (
                "events/e.json",
                r#"{"items": [{"at": "2022-08-24T11:40:44+02:00"}]}"#,
            ),
        ]);
        let produced = files(&[
            (
                "config/a.json",
                r#"{"metadata": {"annotations": {"size": "1"}}}"#,
            ),
            (
                "events/e.json",
                r#"{"items": [{"at": "2022-08-24T11:40:44Z"}]}"#,
            ),
        ]);
        let report = compare(&sample, &produced, &TABLE);
        assert_eq!(report.outcomes["config/a.json"], Outcome::Equal);
        assert!(
            matches!(&report.outcomes["events/e.json"], Outcome::Differs(d) if d.contains("not the instant"))
        );
        // Every table entry but the events one matched nothing here.
        assert_eq!(report.unused_exceptions.len(), 4);
        // One of two config/ paths is covered: below the goal.
        assert!(
            report.failures().iter().any(|f| f.contains("coverage 1/2")),
            "{:?}",
            report.failures()
        );
    }
}
