//! The run context: records and non-fatal errors.

use crate::error::{Error, Result};
use std::collections::HashSet;

/// How the host names a record in the archive: JSON records get `.json` appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// JSON data; archived as `<name>.json`.
    Json,
    /// Any bytes; archived as `<name>`.
    Raw,
}

/// One file of the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Relative archive path, without the `.json` of JSON records.
    pub name: String,
    /// How the host names it.
    pub format: RecordFormat,
    /// The contents.
    pub data: Vec<u8>,
}

impl Record {
    /// The path the host writes this record to.
    pub fn archive_path(&self) -> String {
        match self.format {
            RecordFormat::Json => format!("{}.json", self.name),
            RecordFormat::Raw => self.name.clone(),
        }
    }
}

/// What one run produced: the records and the non-fatal errors, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// The records.
    pub records: Vec<Record>,
    /// Error messages; a gatherer's returned error is the last one.
    pub errors: Vec<String>,
}

impl Output {
    /// The record whose `name` is `name`, if any.
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.name == name)
    }
}

/// The operator's per-gatherer configuration, as key/value pairs in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    entries: Vec<(String, String)>,
}

impl Config {
    /// A configuration of these pairs.
    pub fn new(entries: Vec<(String, String)>) -> Config {
        Config { entries }
    }

    /// The value of `key` (the last one when a key is repeated).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every pair.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }
}

/// The context of one gatherer run: collects records and non-fatal errors.
#[derive(Debug, Default)]
pub struct Gather {
    config: Config,
    records: Vec<Record>,
    errors: Vec<String>,
    archive_paths: HashSet<String>,
}

impl Gather {
    /// A context for a run with `config`.
    pub fn new(config: Config) -> Gather {
        Gather {
            config,
            ..Gather::default()
        }
    }

    /// The run's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Adds a JSON record named `name` (archived as `name.json`).
    ///
    /// `metadata.managedFields` is dropped from the value and from every element of a top-level
    /// `items` array, as the Insights Operator does: it is large and says nothing about the
    /// cluster's state.
    pub fn record_json(
        &mut self,
        name: impl Into<String>,
        value: &impl serde::Serialize,
    ) -> Result<()> {
        let name = name.into();
        if name.ends_with(".json") {
            return Err(Error::InvalidRecord {
                name,
                reason: "JSON record names have no extension: the host appends \".json\"".into(),
            });
        }
        let data = crate::managed_fields::to_vec(value).map_err(|source| Error::Encode {
            what: format!("record {name:?}"),
            source,
        })?;
        self.push(Record {
            name,
            format: RecordFormat::Json,
            data,
        })
    }

    /// Adds a record of raw bytes named `name` (archived as `name`).
    pub fn record_raw(&mut self, name: impl Into<String>, data: impl Into<Vec<u8>>) -> Result<()> {
        self.push(Record {
            name: name.into(),
            format: RecordFormat::Raw,
            data: data.into(),
        })
    }

    /// Reports a non-fatal error; the run goes on and its records are kept.
    pub fn error(&mut self, message: impl std::fmt::Display) {
        self.errors.push(message.to_string());
    }

    /// The records added so far.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The errors reported so far.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Ends the run: everything gathered, and `result`'s error (if any) as the last error.
    pub fn finish(mut self, result: Result<()>) -> Output {
        if let Err(err) = result {
            self.errors.push(err.to_string());
        }
        Output {
            records: self.records,
            errors: self.errors,
        }
    }

    fn push(&mut self, record: Record) -> Result<()> {
        check_record_name(&record.name)?;
        let path = record.archive_path();
        if !self.archive_paths.insert(path.clone()) {
            return Err(Error::InvalidRecord {
                name: record.name,
                reason: format!("another record is already archived as {path:?}"),
            });
        }
        self.records.push(record);
        Ok(())
    }
}

/// Checks that `name` is a relative archive path that cannot escape the archive or collide with
/// a differently spelled one: no leading `/`, no empty, `.` or `..` segments, no `\` or NUL.
pub fn check_record_name(name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        "is empty"
    } else if name.starts_with('/') {
        "must be relative (no leading '/')"
    } else if name.contains('\\') {
        "may not contain '\\' (segments are separated by '/')"
    } else if name.contains('\0') {
        "may not contain NUL"
    } else if name.split('/').any(str::is_empty) {
        "has an empty segment"
    } else if name.split('/').any(|s| s == "." || s == "..") {
        "may not contain '.' or '..' segments"
    } else {
        return Ok(());
    };
    Err(Error::InvalidRecord {
        name: name.to_owned(),
        reason: format!("the name {problem}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn data(gather: &Gather, i: usize) -> Value {
        serde_json::from_slice(&gather.records()[i].data).unwrap()
    }

    #[test]
    fn record_json_drops_managed_fields() {
        let mut gather = Gather::default();
        let object = json!({
            "kind": "ClusterOperator",
            "metadata": {"name": "dns", "managedFields": [{"manager": "cvo", "operation": "Update"}]},
            "status": {"managedFields": "kept: only metadata.managedFields is dropped"},
        });
        gather
            .record_json("config/clusteroperator/dns", &object)
            .unwrap();
        assert_eq!(
            data(&gather, 0),
            json!({
                "kind": "ClusterOperator",
                "metadata": {"name": "dns"},
                "status": {"managedFields": "kept: only metadata.managedFields is dropped"},
            })
        );
        assert_eq!(gather.records()[0].format, RecordFormat::Json);
        assert_eq!(
            gather.records()[0].archive_path(),
            "config/clusteroperator/dns.json"
        );
    }

    #[test]
    fn record_json_drops_managed_fields_of_list_items() {
        let mut gather = Gather::default();
        let list = json!({"items": [
            {"metadata": {"name": "a", "managedFields": []}},
            {"metadata": {"name": "b", "managedFields": [{}]}},
        ]});
        gather.record_json("list", &list).unwrap();
        assert_eq!(
            data(&gather, 0),
            json!({"items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]})
        );
    }

    #[test]
    fn valid_names_are_accepted() {
        let mut gather = Gather::default();
        for name in [
            "config/clusteroperator/dns",
            "events/openshift-monitoring",
            "config/pod/ns/logs/pod-1/container.log",
            "a",
            "weird..but.valid/x",
        ] {
            gather.record_raw(name, "x").unwrap();
        }
        assert_eq!(gather.records().len(), 5);
    }

    #[test]
    fn bad_names_are_refused() {
        for (name, reason) in [
            ("", "empty"),
            ("/etc/passwd", "relative"),
            ("a/../../etc", "'..'"),
            ("..", "'..'"),
            ("a/./b", "'.'"),
            ("a//b", "empty segment"),
            ("a/", "empty segment"),
            ("a\\b", "'\\'"),
            ("a\0b", "NUL"),
        ] {
            let mut gather = Gather::default();
            match gather.record_raw(name, "x") {
                Err(Error::InvalidRecord {
                    name: got,
                    reason: why,
                }) => {
                    assert_eq!(got, name);
                    assert!(why.contains(reason), "{name:?}: {why}");
                }
                other => panic!("{name:?} gave {other:?}"),
            }
            assert!(gather.records().is_empty());
        }
    }

    #[test]
    fn duplicate_archive_paths_are_refused() {
        let mut gather = Gather::default();
        gather.record_json("a/b", &json!({})).unwrap();
        assert!(matches!(
            gather.record_json("a/b", &json!({})),
            Err(Error::InvalidRecord { .. })
        ));
        // Same file in the archive, spelled differently.
        assert!(matches!(
            gather.record_raw("a/b.json", "x"),
            Err(Error::InvalidRecord { .. })
        ));
        // Raw "a/b" and JSON "a/b" (archived as a/b.json) are different files.
        gather.record_raw("a/b", "x").unwrap();
        assert_eq!(gather.records().len(), 2);
    }

    #[test]
    fn json_names_may_not_carry_the_extension() {
        let mut gather = Gather::default();
        assert!(matches!(
            gather.record_json("a.json", &json!({})),
            Err(Error::InvalidRecord { .. })
        ));
    }

    #[test]
    fn finish_keeps_records_and_appends_the_error() {
        let mut gather = Gather::new(Config::new(vec![("k".into(), "v".into())]));
        assert_eq!(gather.config().get("k"), Some("v"));
        gather.record_raw("one", "1").unwrap();
        gather.error("first problem");
        let output = gather.finish(Err(Error::InvalidParams("boom".into())));
        assert_eq!(output.records.len(), 1);
        assert_eq!(
            output.errors,
            ["first problem", "invalid request parameters: boom"]
        );
    }

    #[test]
    fn config_last_value_wins() {
        let config = Config::new(vec![("a".into(), "1".into()), ("a".into(), "2".into())]);
        assert_eq!(config.get("a"), Some("2"));
        assert_eq!(config.get("b"), None);
    }
}
