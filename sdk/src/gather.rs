//! The run context: records go to the host as they are made, errors are reported as they
//! happen.
//!
//! In a component, [`Gather::record_json`] and its siblings hand each record to the host
//! through the `output.write-record` import, which checks and archives it before returning: a
//! gatherer never holds the archive in its own memory, and a run stopped by its deadline, a
//! trap or a limit keeps what it wrote. On the host target (unit tests) the records are kept
//! in the context instead, under the same name rules and the same duplicate check, and
//! [`Gather::finish`] returns them as an [`Output`].

use crate::error::{Error, RecordRefusal, Result};
pub use wagather_contract::{Record, RecordFormat};

/// What one run produced, as a unit test sees it (host target only).
#[derive(Debug, Default)]
pub struct Output {
    /// The records, in the order they were written.
    pub records: Vec<Record>,
    /// The errors reported; a gatherer's returned error is the last one.
    pub errors: Vec<Error>,
}

impl Output {
    /// The record whose `name` is `name`, if any.
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.name == name)
    }
}

/// The operator's configuration of this gatherer, as key/value pairs in the order given.
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

/// The context of one gatherer run.
#[derive(Debug, Default)]
pub struct Gather {
    config: Config,
    #[cfg(not(target_arch = "wasm32"))]
    kept: Kept,
}

impl Gather {
    /// A context for a run with `config`.
    pub fn new(config: Config) -> Gather {
        Gather {
            config,
            #[cfg(not(target_arch = "wasm32"))]
            kept: Kept::default(),
        }
    }

    /// The run's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Writes a JSON record named `name` (archived as `name.json`).
    ///
    /// `metadata.managedFields` is left out of the value and of every element of a top-level
    /// `items` array, as the Insights Operator does: it is large and says nothing about the
    /// cluster's state.
    pub fn record_json(
        &mut self,
        name: impl Into<String>,
        value: &impl serde::Serialize,
    ) -> Result<()> {
        let name = name.into();
        check_name(&name, RecordFormat::Json)?;
        let data = crate::managed_fields::to_vec(value).map_err(|source| Error::Encode {
            what: format!("record {name:?}"),
            source,
        })?;
        self.write(name, RecordFormat::Json, data)
    }

    /// Writes already-encoded JSON as a JSON record named `name` (archived as `name.json`),
    /// byte for byte.
    pub fn record_json_bytes(&mut self, name: impl Into<String>, data: Vec<u8>) -> Result<()> {
        let name = name.into();
        check_name(&name, RecordFormat::Json)?;
        self.write(name, RecordFormat::Json, data)
    }

    /// Writes a record of raw bytes named `name` (archived as `name`).
    pub fn record_raw(&mut self, name: impl Into<String>, data: impl Into<Vec<u8>>) -> Result<()> {
        let name = name.into();
        check_name(&name, RecordFormat::Raw)?;
        self.write(name, RecordFormat::Raw, data.into())
    }

    /// Reports a non-fatal error: the run goes on and its records are kept. Takes the SDK's
    /// [`Error`] (which the host reads by its kind) or a message.
    pub fn error(&mut self, error: impl Into<Error>) {
        self.report(error.into());
    }
}

/// The SDK's own check of a name, so that the author gets the error where the record is made
/// rather than from the host.
fn check_name(name: &str, format: RecordFormat) -> Result<()> {
    wagather_contract::check_record_name(name, format)
        .map(drop)
        .map_err(|e| Error::RecordRefused {
            name: name.to_owned(),
            refusal: RecordRefusal::InvalidName(e.to_string()),
        })
}

#[cfg(target_arch = "wasm32")]
impl Gather {
    fn write(&mut self, name: String, format: RecordFormat, data: Vec<u8>) -> Result<()> {
        crate::bindings::write_record(&name, format, &data)
            .map_err(|refusal| Error::RecordRefused { name, refusal })
    }

    fn report(&mut self, error: Error) {
        crate::bindings::report_error(&error);
    }

    /// Ends the run: the export's result.
    pub fn finish(self, result: Result<()>) -> Result<()> {
        result
    }
}

/// What a run on the host target kept.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Default)]
struct Kept {
    output: Output,
    paths: std::collections::HashSet<String>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Gather {
    fn write(&mut self, name: String, format: RecordFormat, data: Vec<u8>) -> Result<()> {
        let record = Record { name, format, data };
        let path = record.archive_path();
        if self.kept.paths.contains(&path) {
            return Err(Error::RecordRefused {
                refusal: RecordRefusal::Duplicate(format!(
                    "another record is already archived as {path:?}"
                )),
                name: record.name,
            });
        }
        self.kept.paths.insert(path);
        self.kept.output.records.push(record);
        Ok(())
    }

    fn report(&mut self, error: Error) {
        self.kept.output.errors.push(error);
    }

    /// The records written so far.
    pub fn records(&self) -> &[Record] {
        &self.kept.output.records
    }

    /// The errors reported so far.
    pub fn errors(&self) -> &[Error] {
        &self.kept.output.errors
    }

    /// Ends the run: everything written, and `result`'s error (if any) as the last error.
    pub fn finish(mut self, result: Result<()>) -> Output {
        if let Err(err) = result {
            self.kept.output.errors.push(err);
        }
        self.kept.output
    }
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
    fn record_json_bytes_keeps_the_bytes() {
        let mut gather = Gather::default();
        let bytes = br#"{"b":1,"a":"\u003c","metadata":{"managedFields":[]}}"#.to_vec();
        gather.record_json_bytes("as/is", bytes.clone()).unwrap();
        assert_eq!(gather.records()[0].data, bytes);
        assert_eq!(gather.records()[0].archive_path(), "as/is.json");
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
    fn bad_names_are_refused_with_the_contract_rules() {
        for (name, reason) in [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("a/../../etc", ".. segment"),
            ("a/./b", ". segment"),
            ("a//b", "empty segment"),
            ("a/", "ends with /"),
            ("a\\b", "backslash"),
            ("a\0b", "control"),
            ("insights-operator/gathers.json", "reserved"),
        ] {
            let mut gather = Gather::default();
            match gather.record_raw(name, "x") {
                Err(Error::RecordRefused {
                    name: got,
                    refusal: RecordRefusal::InvalidName(why),
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
            Err(Error::RecordRefused {
                refusal: RecordRefusal::Duplicate(_),
                ..
            })
        ));
        // Same file in the archive, spelled differently.
        assert!(matches!(
            gather.record_raw("a/b.json", "x"),
            Err(Error::RecordRefused {
                refusal: RecordRefusal::Duplicate(_),
                ..
            })
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
            Err(Error::RecordRefused {
                refusal: RecordRefusal::InvalidName(_),
                ..
            })
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
        let errors: Vec<String> = output.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            ["first problem", "invalid request parameters: boom"]
        );
        assert!(matches!(output.errors[0], Error::Other(_)));
    }

    #[test]
    fn config_last_value_wins() {
        let config = Config::new(vec![("a".into(), "1".into()), ("a".into(), "2".into())]);
        assert_eq!(config.get("a"), Some("2"));
        assert_eq!(config.get("b"), None);
    }
}
