//! Checks on what a gatherer returns before it reaches the archive.
//!
//! A record's name becomes a path inside the archive, so it is checked like
//! one that will be extracted on someone's disk: relative, no `.`/`..` or
//! empty segments, no backslashes or control characters, bounded lengths
//! (see [`check_record_name`]). [`check_output`] then applies the run's
//! record budgets and drops duplicates.
//!
//! # The record count
//!
//! `max_records` is applied before anything else: the records are converted
//! and checked one by one in the order the guest returned them, and once
//! `max_records` are kept the rest is counted from the list's length and
//! dropped unconverted ("N records dropped: the limit is M records per
//! run"). Records dropped for a bad name, a taken name or their size do not
//! count towards the limit, so the host converts at most `max_records` plus
//! those dropped ones. (wasmtime copies the guest's whole list out of its
//! memory when `gather` returns, before the host sees its length; that copy
//! is bounded by the guest's memory limit, not by `max_records`.)
//!
//! # Partial results
//!
//! Records that pass the checks are kept even when others are dropped or
//! when the gatherer reported errors, as the Insights Operator keeps the
//! partial results of a failing gatherer; every drop is reported as an error
//! of that gatherer. A gatherer that trapped (a panic, a limit, the deadline)
//! has no records at all: its `gather` export never returned, so there is
//! nothing to keep, and the trap is its error.

use std::collections::HashSet;

use crate::limits::{Limits, human_bytes};

/// Longest record name, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;
/// Longest segment of a record's archive path, in bytes (`NAME_MAX` on
/// common file systems).
pub const MAX_SEGMENT_BYTES: usize = 255;
/// Archive paths the host writes itself; a gatherer cannot take them.
pub const RESERVED_PATHS: &[&str] = &["insights-operator/gathers.json"];
/// Most individual messages reported per kind of drop; the rest are counted
/// in one message so that a hostile guest cannot flood the metadata.
pub const MAX_ERRORS_PER_KIND: usize = 10;

/// How a record is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// JSON; the archive path gets `.json`.
    Json,
    /// Bytes as given, under the name as given.
    Raw,
}

/// One file of the archive.
#[derive(Clone, Debug)]
pub struct Record {
    pub name: String,
    pub format: RecordFormat,
    pub data: Vec<u8>,
}

impl Record {
    /// The path inside the archive: the name, plus `.json` for JSON records.
    pub fn archive_path(&self) -> String {
        match self.format {
            RecordFormat::Json => format!("{}.json", self.name),
            RecordFormat::Raw => self.name.clone(),
        }
    }
}

/// Why a record name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the record name is empty")]
    Empty,
    #[error("the record name is {len} bytes long; at most {MAX_NAME_BYTES} are allowed")]
    TooLong { len: usize },
    #[error("the record name {name:?} is absolute: it must be relative to the archive")]
    Absolute { name: String },
    #[error("the record name {name:?} ends with /: it must name a file")]
    TrailingSlash { name: String },
    #[error("the record name {name:?} has an empty segment (//)")]
    EmptySegment { name: String },
    #[error(
        "the record name {name:?} has a {segment} segment: names cannot leave or repeat a folder"
    )]
    DotSegment { name: String, segment: String },
    #[error(
        "the record name {name:?} has a segment of {len} bytes; at most {MAX_SEGMENT_BYTES} are allowed"
    )]
    SegmentTooLong { name: String, len: usize },
    #[error("the record name {name:?} contains a backslash")]
    Backslash { name: String },
    #[error("the record name {name:?} contains a control character")]
    ControlCharacter { name: String },
    #[error("the record name {name:?} is reserved for the host's own metadata")]
    Reserved { name: String },
}

/// Shortens a guest-supplied name for messages; control characters are
/// escaped by the `{:?}` formatting of the errors.
fn shown(name: &str) -> String {
    const MAX: usize = 120;
    if name.len() <= MAX {
        return name.to_owned();
    }
    let mut end = MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &name[..end])
}

/// Checks that `name` is a safe relative archive path.
pub fn check_record_name(name: &str) -> Result<(), RecordError> {
    if name.is_empty() {
        return Err(RecordError::Empty);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(RecordError::TooLong { len: name.len() });
    }
    if name.chars().any(char::is_control) {
        return Err(RecordError::ControlCharacter { name: shown(name) });
    }
    if name.contains('\\') {
        return Err(RecordError::Backslash { name: shown(name) });
    }
    if name.starts_with('/') {
        return Err(RecordError::Absolute { name: shown(name) });
    }
    if name.ends_with('/') {
        return Err(RecordError::TrailingSlash { name: shown(name) });
    }
    for segment in name.split('/') {
        match segment {
            "" => return Err(RecordError::EmptySegment { name: shown(name) }),
            "." | ".." => {
                return Err(RecordError::DotSegment {
                    name: shown(name),
                    segment: segment.to_owned(),
                });
            }
            s if s.len() > MAX_SEGMENT_BYTES => {
                return Err(RecordError::SegmentTooLong {
                    name: shown(name),
                    len: s.len(),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks the archive path (name plus extension), which is what lands on
/// disk: `.json` can push the last segment or the whole past the limits.
fn check_archive_path(record: &Record) -> Result<String, RecordError> {
    check_record_name(&record.name)?;
    let path = record.archive_path();
    check_record_name(&path)?;
    if RESERVED_PATHS.contains(&path.as_str()) {
        return Err(RecordError::Reserved { name: path });
    }
    Ok(path)
}

/// Records that passed the checks, and why the others did not.
#[derive(Debug, Default)]
pub struct CheckedOutput {
    pub records: Vec<Record>,
    pub errors: Vec<String>,
}

/// Collects drop messages of one kind, keeping the first few and counting
/// the rest.
#[derive(Default)]
struct Drops {
    shown: Vec<String>,
    more: usize,
}

impl Drops {
    fn push(&mut self, message: impl FnOnce() -> String) {
        if self.shown.len() < MAX_ERRORS_PER_KIND {
            self.shown.push(message());
        } else {
            self.more += 1;
        }
    }

    fn into_errors(self, what: &str, errors: &mut Vec<String>) {
        errors.extend(self.shown);
        if self.more > 0 {
            errors.push(format!("{} more records dropped: {what}", self.more));
        }
    }
}

/// Applies name rules, duplicates and the record budgets of `limits`.
///
/// Records are taken in order: the first record with a given archive path
/// wins, and the budgets keep the earliest records that fit. A record whose
/// path is also a folder of another record's path (`a` and `a/b`) is
/// dropped, since both cannot exist in one archive.
///
/// Once `max_records` records are kept, the rest are dropped unseen and
/// reported as one count: the iterator is not advanced any further, so at
/// most `max_records` plus the records dropped before the limit was reached
/// are ever produced by it. The host passes an iterator that converts the
/// guest's records lazily, so a guest returning a flood of records costs the
/// host the conversion of those it can keep, not of the whole list.
pub fn check_output<I>(records: I, limits: &Limits) -> CheckedOutput
where
    I: IntoIterator<Item = Record>,
    I::IntoIter: ExactSizeIterator,
{
    let mut out = CheckedOutput::default();
    let mut bad_names = Drops::default();
    let mut duplicates = Drops::default();
    let mut too_large = Drops::default();
    let mut over_total = Drops::default();
    let mut paths: HashSet<String> = HashSet::new();
    let mut folders: HashSet<String> = HashSet::new();
    let mut total: u64 = 0;
    let mut over_count: usize = 0;
    let max_records = usize::try_from(limits.max_records).unwrap_or(usize::MAX);

    let mut records = records.into_iter();
    loop {
        // Once the count is reached the rest is only counted: converting and
        // checking a flood of records the archive will never hold is wasted
        // host time.
        if out.records.len() >= max_records {
            over_count = records.len();
            break;
        }
        let Some(record) = records.next() else {
            break;
        };
        let path = match check_archive_path(&record) {
            Ok(path) => path,
            Err(e) => {
                bad_names.push(|| format!("record dropped: {e}"));
                continue;
            }
        };
        if paths.contains(&path) || folders.contains(&path) {
            duplicates
                .push(|| format!("record {} dropped: the name is already taken", shown(&path)));
            continue;
        }
        let parent_taken = path
            .match_indices('/')
            .map(|(i, _)| &path[..i])
            .find(|folder| paths.contains(*folder));
        if let Some(folder) = parent_taken {
            duplicates.push(|| {
                format!(
                    "record {} dropped: {} is already a record, so it cannot be a folder",
                    shown(&path),
                    shown(folder)
                )
            });
            continue;
        }
        let len = record.data.len() as u64;
        if len > limits.max_record_bytes {
            too_large.push(|| {
                format!(
                    "record {} dropped: {} exceeds the limit of {} per record",
                    shown(&path),
                    human_bytes(len),
                    human_bytes(limits.max_record_bytes)
                )
            });
            continue;
        }
        if total.saturating_add(len) > limits.max_total_record_bytes {
            over_total.push(|| {
                format!(
                    "record {} dropped: the run's records would exceed the limit of {} in all",
                    shown(&path),
                    human_bytes(limits.max_total_record_bytes)
                )
            });
            continue;
        }
        total += len;
        for (i, _) in path.match_indices('/') {
            folders.insert(path[..i].to_owned());
        }
        paths.insert(path);
        out.records.push(record);
    }

    bad_names.into_errors("invalid names", &mut out.errors);
    duplicates.into_errors("names already taken", &mut out.errors);
    too_large.into_errors("over the per-record limit", &mut out.errors);
    if over_count > 0 {
        out.errors.push(format!(
            "{over_count} records dropped: the limit is {} records per run",
            limits.max_records
        ));
    }
    over_total.into_errors("over the run's record bytes limit", &mut out.errors);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(name: &str, data: &str) -> Record {
        Record {
            name: name.to_owned(),
            format: RecordFormat::Json,
            data: data.as_bytes().to_vec(),
        }
    }

    fn raw(name: &str, data: &str) -> Record {
        Record {
            format: RecordFormat::Raw,
            ..json(name, data)
        }
    }

    fn names(out: &CheckedOutput) -> Vec<String> {
        out.records.iter().map(Record::archive_path).collect()
    }

    #[test]
    fn archive_path_appends_json_only_for_json_records() {
        assert_eq!(
            json("config/node/a", "{}").archive_path(),
            "config/node/a.json"
        );
        assert_eq!(
            raw("config/pod/x/logs/c.log", "").archive_path(),
            "config/pod/x/logs/c.log"
        );
    }

    #[test]
    fn ordinary_insights_names_pass() {
        for name in [
            "config/clusteroperator/authentication",
            "config/version",
            "namespaces/openshift-monitoring/pods/prometheus-k8s-0",
            "config/pod/openshift-etcd/logs/etcd-0/etcd.log",
            "a",
            "événements/ünïcode",
            "x:y/with spaces and ~tilde",
        ] {
            check_record_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn each_bad_name_is_refused_with_its_reason() {
        let long_segment = "a".repeat(256);
        let long_name = "ab/".repeat(400);
        let cases: Vec<(&str, RecordError)> = vec![
            ("", RecordError::Empty),
            (
                "/etc/passwd",
                RecordError::Absolute {
                    name: "/etc/passwd".into(),
                },
            ),
            (
                "config/",
                RecordError::TrailingSlash {
                    name: "config/".into(),
                },
            ),
            (
                "config//x",
                RecordError::EmptySegment {
                    name: "config//x".into(),
                },
            ),
            (
                "../escape",
                RecordError::DotSegment {
                    name: "../escape".into(),
                    segment: "..".into(),
                },
            ),
            (
                "config/../../x",
                RecordError::DotSegment {
                    name: "config/../../x".into(),
                    segment: "..".into(),
                },
            ),
            (
                "a/./b",
                RecordError::DotSegment {
                    name: "a/./b".into(),
                    segment: ".".into(),
                },
            ),
            (
                "..",
                RecordError::DotSegment {
                    name: "..".into(),
                    segment: "..".into(),
                },
            ),
            (
                "a\\..\\b",
                RecordError::Backslash {
                    name: "a\\..\\b".into(),
                },
            ),
            (
                "a\0b",
                RecordError::ControlCharacter {
                    name: "a\0b".into(),
                },
            ),
            (
                "a\nb",
                RecordError::ControlCharacter {
                    name: "a\nb".into(),
                },
            ),
            (
                "a\u{7f}",
                RecordError::ControlCharacter {
                    name: "a\u{7f}".into(),
                },
            ),
            (
                "a\u{85}",
                RecordError::ControlCharacter {
                    name: "a\u{85}".into(),
                },
            ),
            (
                &long_segment,
                RecordError::SegmentTooLong {
                    name: shown(&long_segment),
                    len: 256,
                },
            ),
            (&long_name, RecordError::TooLong { len: 1200 }),
        ];
        for (name, want) in cases {
            assert_eq!(check_record_name(name), Err(want), "{name:?}");
        }
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(
            check_record_name("../x").unwrap_err().to_string(),
            "the record name \"../x\" has a .. segment: names cannot leave or repeat a folder"
        );
        assert_eq!(
            check_record_name("/x").unwrap_err().to_string(),
            "the record name \"/x\" is absolute: it must be relative to the archive"
        );
    }

    #[test]
    fn limits_are_inclusive() {
        let segment = "s".repeat(MAX_SEGMENT_BYTES);
        check_record_name(&segment).expect("255 bytes");
        let name = format!("{segment}/{segment}/{segment}/{}/t", "u".repeat(254));
        assert_eq!(name.len(), MAX_NAME_BYTES);
        check_record_name(&name).expect("1024 bytes");
    }

    #[test]
    fn json_extension_counts_towards_the_segment_limit() {
        let out = check_output(
            vec![json(&"j".repeat(251), "{}"), raw(&"r".repeat(255), "")],
            &Limits::default(),
        );
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].format, RecordFormat::Raw);
        assert_eq!(out.errors.len(), 1);
        assert!(
            out.errors[0].contains("has a segment of 256 bytes"),
            "{:?}",
            out.errors
        );
    }

    #[test]
    fn valid_records_are_kept_in_order_and_bad_ones_reported() {
        let out = check_output(
            vec![
                json("config/a", "{}"),
                json("../b", "{}"),
                raw("config/c.log", "x"),
            ],
            &Limits::default(),
        );
        assert_eq!(names(&out), ["config/a.json", "config/c.log"]);
        assert_eq!(
            out.errors,
            [
                "record dropped: the record name \"../b\" has a .. segment: names cannot leave or repeat a folder"
            ]
        );
    }

    #[test]
    fn duplicates_keep_the_first_and_compare_archive_paths() {
        let out = check_output(
            vec![
                json("config/a", "1"),
                json("config/a", "2"),
                raw("config/a.json", "3"),
                raw("config/b", "4"),
            ],
            &Limits::default(),
        );
        assert_eq!(names(&out), ["config/a.json", "config/b"]);
        assert_eq!(out.records[0].data, b"1");
        assert_eq!(
            out.errors,
            [
                "record config/a.json dropped: the name is already taken",
                "record config/a.json dropped: the name is already taken",
            ]
        );
    }

    #[test]
    fn a_record_cannot_also_be_a_folder() {
        let out = check_output(
            vec![
                raw("config/a", "1"),
                raw("config/a/b", "2"),
                raw("config/c/d", "3"),
                raw("config/c", "4"),
            ],
            &Limits::default(),
        );
        assert_eq!(names(&out), ["config/a", "config/c/d"]);
        assert_eq!(
            out.errors,
            [
                "record config/a/b dropped: config/a is already a record, so it cannot be a folder",
                "record config/c dropped: the name is already taken",
            ]
        );
    }

    #[test]
    fn the_host_metadata_path_is_reserved() {
        let out = check_output(
            vec![json("insights-operator/gathers", "{}")],
            &Limits::default(),
        );
        assert!(out.records.is_empty());
        assert_eq!(
            out.errors,
            [
                "record dropped: the record name \"insights-operator/gathers.json\" is reserved for the host's own metadata"
            ]
        );
    }

    #[test]
    fn record_count_is_capped_with_one_error() {
        let limits = Limits {
            max_records: 3,
            ..Limits::default()
        };
        let records: Vec<Record> = (0..1000).map(|i| raw(&format!("r/{i}"), "x")).collect();
        let out = check_output(records, &limits);
        assert_eq!(names(&out), ["r/0", "r/1", "r/2"]);
        assert_eq!(
            out.errors,
            ["997 records dropped: the limit is 3 records per run"]
        );
    }

    #[test]
    fn records_past_the_count_are_never_produced() {
        let limits = Limits {
            max_records: 3,
            ..Limits::default()
        };
        let produced = std::cell::Cell::new(0usize);
        // A bad name and a duplicate first: drops do not count towards the
        // limit, so they are produced too, and then the three kept records.
        let lazy = ["../bad", "a", "a", "b", "c"]
            .into_iter()
            .map(str::to_owned)
            .chain((0..1_000_000).map(|i| format!("tiny/{i}")))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|name| {
                produced.set(produced.get() + 1);
                raw(&name, "x")
            });
        let out = check_output(lazy, &limits);
        assert_eq!(names(&out), ["a", "b", "c"]);
        assert_eq!(
            produced.get(),
            5,
            "only the records up to the limit are converted"
        );
        assert_eq!(
            out.errors.last().map(String::as_str),
            Some("1000000 records dropped: the limit is 3 records per run")
        );
    }

    #[test]
    fn per_record_and_total_bytes_are_enforced() {
        let limits = Limits {
            max_record_bytes: 4,
            max_total_record_bytes: 7,
            ..Limits::default()
        };
        let out = check_output(
            vec![
                raw("a", "1234"),
                raw("big", "12345"),
                raw("b", "123"),
                raw("c", "1"),
                raw("d", ""),
            ],
            &limits,
        );
        assert_eq!(names(&out), ["a", "b", "d"]);
        assert_eq!(
            out.errors,
            [
                "record big dropped: 5 B exceeds the limit of 4 B per record",
                "record c dropped: the run's records would exceed the limit of 7 B in all",
            ]
        );
    }

    #[test]
    fn a_flood_of_bad_records_yields_bounded_errors() {
        let records: Vec<Record> = (0..100_000).map(|i| raw(&format!("../{i}"), "")).collect();
        let out = check_output(records, &Limits::default());
        assert!(out.records.is_empty());
        assert_eq!(out.errors.len(), MAX_ERRORS_PER_KIND + 1);
        assert_eq!(
            out.errors.last().map(String::as_str),
            Some("99990 more records dropped: invalid names")
        );
    }
}

/// Invariants of [`check_record_name`] on generated names: the stable-Rust
/// counterpart of the `record_name` fuzz target.
#[cfg(test)]
mod properties {
    use std::path::{Component, Path};

    use proptest::prelude::*;

    use super::*;

    const TOKENS: &[&str] = &[
        "config",
        "clusteroperator",
        "a.json",
        "..",
        ".",
        "",
        "\\",
        "\0",
        "\n",
        "é",
        "x y",
        "C:",
        "~",
        "...",
        "a..b",
        ".hidden",
    ];

    fn names() -> impl Strategy<Value = String> {
        let built = (
            prop::sample::select(&["", "/", "//", "./"][..]),
            prop::collection::vec(prop::sample::select(TOKENS), 0..6),
            prop::sample::select(&["", "/"][..]),
        )
            .prop_map(|(prefix, tokens, suffix)| format!("{prefix}{}{suffix}", tokens.join("/")));
        let random = prop::collection::vec(any::<char>(), 0..30)
            .prop_map(|chars| chars.into_iter().collect::<String>());
        prop_oneof![4 => built, 1 => random]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        #[test]
        fn accepted_names_stay_inside_the_archive(name in names()) {
            if check_record_name(&name).is_ok() {
                // Joined to any directory, the name only descends into it.
                prop_assert!(Path::new(&name).components().all(|c| matches!(c, Component::Normal(_))), "{name:?}");
                prop_assert!(!name.ends_with('/') && !name.contains("//"), "{name:?}");
                prop_assert!(!name.contains('\\') && !name.chars().any(char::is_control), "{name:?}");
                prop_assert!(name.len() <= MAX_NAME_BYTES);
                prop_assert!(name.split('/').all(|s| !s.is_empty() && s.len() <= MAX_SEGMENT_BYTES));
            }
        }

        #[test]
        fn safe_names_are_accepted(segments in prop::collection::vec("[a-z0-9_.-]{1,20}", 1..6)) {
            prop_assume!(segments.iter().all(|s| s != "." && s != ".."));
            let name = segments.join("/");
            prop_assert!(check_record_name(&name).is_ok(), "{name:?}");
        }
    }
}
