//! Test support for the ports (host target only): real objects from the bundled Insights
//! sample archive, served through the SDK's [`FakeApi`] as a real API server sends them, and a
//! check that a gatherer read exactly what it declared.
//!
//! A real server adds what IO's archive leaves out: `kind` and `apiVersion` on every object it
//! returns by name and on the items of custom resources' lists (not on built-in kinds' items),
//! and `metadata.managedFields`. [`Server`] adds them, so a port that writes the sample back
//! unchanged has removed them as IO does.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::{Value, json};
use wagather_sdk::Manifest;
use wagather_sdk::testing::FakeApi;
use wagather_sdk::{Output, Record};

/// The bundled Insights sample archive (`testdata/insights-archive-sample`).
pub fn sample_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/insights-archive-sample")
}

/// The bytes of the sample file at `path` (relative to the archive root).
pub fn sample_bytes(path: &str) -> Vec<u8> {
    let full = sample_root().join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("cannot read sample {}: {e}", full.display()))
}

/// The sample JSON file at `path`.
pub fn sample(path: &str) -> Value {
    serde_json::from_slice(&sample_bytes(path))
        .unwrap_or_else(|e| panic!("sample {path} is not JSON: {e}"))
}

/// Every `.json` file below the sample directory `dir`, recursively, as (path, value) sorted
/// by path.
pub fn samples_under(dir: &str) -> Vec<(String, Value)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list sample {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(root).expect("below the root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = sample_root();
    let mut paths = Vec::new();
    walk(&root, &root.join(dir), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let value = sample(&p);
            (p, value)
        })
        .collect()
}

/// The objects of [`samples_under`] `dir` whose file is named after the object, as IO names
/// its records: a few sample files are copies of another object under another name, which
/// IO's code cannot have written and a server would not serve twice.
pub fn sample_objects(dir: &str) -> Vec<(String, Value)> {
    samples_under(dir)
        .into_iter()
        .filter(|(path, object)| {
            let stem = path
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".json");
            object["metadata"]["name"].as_str() == Some(stem)
        })
        .collect()
}

/// `object` as a server sends it: `kind` and `apiVersion` (when `type_meta`) and, unless it
/// has some, a `managedFields` entry in its metadata.
pub fn served(object: &Value, api_version: &str, kind: &str, type_meta: bool) -> Value {
    let mut object = object.clone();
    let Some(map) = object.as_object_mut() else {
        panic!("not an object: {object}");
    };
    if type_meta {
        map.insert("apiVersion".into(), json!(api_version));
        map.insert("kind".into(), json!(kind));
    } else {
        map.remove("apiVersion");
        map.remove("kind");
    }
    let metadata = map.entry("metadata").or_insert_with(|| json!({}));
    // Objects the sample kept managedFields of are served with theirs.
    if let Some(metadata) = metadata.as_object_mut()
        && !metadata.contains_key("managedFields")
    {
        metadata.insert(
            "managedFields".into(),
            json!([{"manager": "test", "operation": "Update", "apiVersion": api_version,
                    "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}]),
        );
    }
    object
}

/// Whether a kind is built into Kubernetes (its list items come without `kind`).
fn builtin(api_version: &str) -> bool {
    !api_version.contains('.') || api_version.contains(".k8s.io/")
}

/// A fake API server holding real objects, and the log of what gatherers asked it.
#[derive(Clone, Debug, Default)]
pub struct Server {
    api: FakeApi,
    /// Paths requested across every run, for [`Server::assert_reads`].
    log: Rc<RefCell<Vec<String>>>,
}

impl Server {
    /// An empty server: every path answers 404.
    pub fn new() -> Server {
        Server::default()
    }

    /// The fake API, to add answers of any kind.
    pub fn api(&self) -> &FakeApi {
        &self.api
    }

    /// Answers `GET path` with `object` as a server sends it (with `kind` and `apiVersion`).
    pub fn object(&self, path: &str, object: &Value, api_version: &str, kind: &str) {
        self.api
            .respond_json(path, 200, &served(object, api_version, kind, true));
    }

    /// Answers the list at `path` with `items`, as one page: at `path?limit=500` (or
    /// `path&limit=500` when it has a query), as `list_all` asks, or at `path` when it names
    /// its own `limit`. Items of built-in kinds come without
    /// `kind` and `apiVersion`, those of custom resources with them.
    pub fn list(&self, path: &str, api_version: &str, kind: &str, items: &[Value]) {
        let type_meta = !builtin(api_version);
        let items: Vec<Value> = items
            .iter()
            .map(|i| served(i, api_version, kind, type_meta))
            .collect();
        let query = if path.contains("limit=") {
            ""
        } else if path.contains('?') {
            "&limit=500"
        } else {
            "?limit=500"
        };
        self.api.respond_json(
            &format!("{path}{query}"),
            200,
            &json!({"kind": format!("{kind}List"), "apiVersion": api_version,
                    "metadata": {"resourceVersion": "1"}, "items": items}),
        );
    }

    /// Answers `GET path` with the 404 `Status` a server sends for a resource it does not
    /// serve (a CRD that is not installed).
    pub fn missing(&self, path: &str) {
        self.api.respond(
            path,
            404,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#,
        );
    }

    /// Runs `gather` (a gatherer's `__wagather_run`) against this server with `config`.
    pub fn run(
        &self,
        gather: fn(Vec<(String, String)>) -> Output,
        config: &[(&str, &str)],
    ) -> Output {
        let before = self.api.paths().len();
        let output = {
            let _guard = self.api.install();
            gather(
                config
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            )
        };
        self.log
            .borrow_mut()
            .extend(self.api.paths().into_iter().skip(before));
        output
    }

    /// Every path requested so far.
    pub fn paths(&self) -> Vec<String> {
        self.log.borrow().clone()
    }

    /// Fails unless the runs so far read exactly what `manifest` declares: no request outside
    /// its reads, and no declared read left unused.
    pub fn assert_reads(&self, manifest: &str) {
        let manifest =
            Manifest::from_json(manifest.as_bytes()).expect("the gatherer's manifest parses");
        let paths = self.paths();
        let audit = wagather_sdk::manifest::audit(&manifest, paths.iter().map(String::as_str));
        assert!(
            audit.is_exact(),
            "{} did not read exactly what it declares.\nundeclared requests: {:#?}\ndeclared but never read: {:#?}\nall requests: {paths:#?}",
            manifest.name,
            audit.undeclared,
            audit.unused
        );
    }
}

/// A gatherer of one cluster-scoped object ([`crate::gather_singleton`]) and the sample's
/// copy of that object: the two checks every such gatherer's tests make.
#[derive(Clone, Copy, Debug)]
pub struct Singleton {
    /// The gatherer's `__wagather_run`.
    pub gather: fn(Vec<(String, String)>) -> Output,
    /// Its `__WAGATHER_MANIFEST`.
    pub manifest: &'static str,
    /// The object's API path.
    pub path: &'static str,
    /// The sample's file of it, which is also the record's archive path.
    pub sample: &'static str,
    /// The `apiVersion` and `kind` the server sends it with.
    pub api_version: &'static str,
    pub kind: &'static str,
}

impl Singleton {
    /// With the object served as the sample has it, the gatherer writes it as its one record,
    /// equal to the sample, reports no error, and reads exactly what it declares.
    pub fn assert_writes_the_sample(&self) {
        let server = Server::new();
        server.object(self.path, &sample(self.sample), self.api_version, self.kind);
        let output = server.run(self.gather, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1);
        assert_matches_sample(&output, self.sample);
        server.assert_reads(self.manifest);
    }

    /// With the object missing (404), the gatherer writes nothing and reports no error.
    pub fn assert_missing_is_nothing(&self) {
        assert_missing_is_nothing(self.gather, self.path);
    }
}

/// With `path` answering 404 (an object that does not exist, or the list of a resource whose
/// CRD is not installed: `<list>?limit=500`), `gather` writes nothing and reports no error.
pub fn assert_missing_is_nothing(gather: fn(Vec<(String, String)>) -> Output, path: &str) {
    let server = Server::new();
    server.missing(path);
    let output = server.run(gather, &[]);
    assert!(output.records.is_empty());
    assert!(output.errors.is_empty(), "{:?}", output.errors);
}

/// The record archived at `archive_path` (`config/x.json`, `config/id`).
pub fn record<'a>(output: &'a Output, archive_path: &str) -> &'a Record {
    output
        .records
        .iter()
        .find(|r| r.archive_path() == archive_path)
        .unwrap_or_else(|| {
            let paths: Vec<String> = output.records.iter().map(Record::archive_path).collect();
            panic!(
                "no record at {archive_path}; records: {paths:#?}; errors: {:?}",
                output.errors
            )
        })
}

/// The JSON of the record at `archive_path`.
pub fn record_json(output: &Output, archive_path: &str) -> Value {
    let record = record(output, archive_path);
    serde_json::from_slice(&record.data)
        .unwrap_or_else(|e| panic!("record {archive_path} is not JSON: {e}"))
}

/// Fails unless the record at `path` is, as JSON, the sample file at the same path.
pub fn assert_matches_sample(output: &Output, path: &str) {
    let written = record_json(output, path);
    let expected = sample(path);
    assert!(
        written == expected,
        "{path} differs from the sample.\nwritten:  {}\nexpected: {}",
        serde_json::to_string_pretty(&written).unwrap_or_default(),
        serde_json::to_string_pretty(&expected).unwrap_or_default()
    );
}

/// The archive paths of the records, sorted.
pub fn archive_paths(output: &Output) -> Vec<String> {
    let mut paths: Vec<String> = output.records.iter().map(Record::archive_path).collect();
    paths.sort();
    paths
}
