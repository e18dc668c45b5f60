//! The loaded snapshot: objects indexed by resource and by namespace/name, pod logs, warnings.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::{Catalog, KindInfo, PrinterColumn, api_version, version_priority};

/// A group/version/plural triple: how a resource is addressed in API paths.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    pub group: String,
    pub version: String,
    pub plural: String,
}

/// One stored object. The body is its compact JSON without `apiVersion` and `kind`, so the same
/// object can be served under every version of its kind by prefixing those two fields.
#[derive(Debug)]
pub(crate) struct StoredObject {
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) labels: BTreeMap<String, String>,
    /// `{...}` with at least `metadata`, never empty.
    pub(crate) body: Box<str>,
}

impl StoredObject {
    /// The object as JSON text with `apiVersion` and `kind` first.
    pub(crate) fn write_json(&self, out: &mut String, api_version: &str, kind: &str) {
        out.push_str("{\"apiVersion\":");
        push_json_str(out, api_version);
        out.push_str(",\"kind\":");
        push_json_str(out, kind);
        let rest = &self.body[1..];
        if rest != "}" {
            out.push(',');
        }
        out.push_str(rest);
    }

    /// The object as a JSON value with `apiVersion` and `kind`.
    pub(crate) fn to_value(&self, api_version: &str, kind: &str) -> serde_json::Value {
        let mut s = String::with_capacity(self.body.len() + 64);
        self.write_json(&mut s, api_version, kind);
        // The body was produced by serde_json, so it parses; Null would only hide a bug.
        serde_json::from_str(&s).unwrap_or(serde_json::Value::Null)
    }
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    // serde_json's string escaping cannot fail when writing to a String.
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

/// Key of an object inside one resource: namespace ("" when cluster-scoped), then name. Ordered
/// as the real server orders list results.
pub(crate) type ObjectKey = (String, String);

/// All objects of one resource (one group/version/plural).
#[derive(Debug)]
pub(crate) struct Resource {
    pub(crate) kind: String,
    pub(crate) namespaced: bool,
    pub(crate) printer_columns: Vec<PrinterColumn>,
    pub(crate) short_names: Vec<String>,
    pub(crate) objects: BTreeMap<ObjectKey, Arc<StoredObject>>,
}

/// A pod's log as found in the snapshot.
#[derive(Debug, Clone)]
pub(crate) struct PodLog {
    /// The container, when the layout names it.
    pub(crate) container: Option<String>,
    /// Whether this is the previous instance's log (`previous.log` in a must-gather).
    pub(crate) previous: bool,
    pub(crate) text: String,
}

/// What went wrong with one input file or object; the rest of the snapshot is still served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadWarning {
    /// The file, relative to the snapshot root (or inside the archive).
    pub path: PathBuf,
    /// 1-based line of a parse error, when known.
    pub line: Option<usize>,
    pub kind: WarningKind,
    pub message: String,
}

/// The class of a [`LoadWarning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// The file is not valid JSON or YAML.
    Unparsable,
    /// The document is data but not an API object (no `metadata.name`); it is not served.
    NotAnObject,
    /// The object has no `kind`/`apiVersion` and its location does not tell which kind it is.
    UnknownKind,
    /// A namespaced object without a namespace.
    NoNamespace,
    /// Another file already holds an object with the same kind, namespace and name.
    Duplicate,
}

impl fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A loaded snapshot, ready to be served.
#[derive(Debug)]
pub struct Snapshot {
    pub(crate) resources: BTreeMap<ResourceId, Resource>,
    pub(crate) logs: HashMap<(String, String), Vec<PodLog>>,
    pub(crate) warnings: Vec<LoadWarning>,
    pub(crate) resource_version: String,
    pub(crate) object_count: usize,
    pub(crate) kube_version: String,
    pub(crate) source: PathBuf,
}

impl Snapshot {
    /// Number of distinct objects (an object served under several versions counts once).
    pub fn object_count(&self) -> usize {
        self.object_count
    }

    /// Problems found while loading, in file order.
    pub fn warnings(&self) -> &[LoadWarning] {
        &self.warnings
    }

    /// The resourceVersion every list of this snapshot reports; derived from the content, so
    /// reloading the same snapshot gives the same value and continue tokens stay valid.
    pub fn resource_version(&self) -> &str {
        &self.resource_version
    }

    /// Where the snapshot was loaded from.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The Kubernetes version `/version` reports (the kubelet version of the snapshot's nodes
    /// when it has any).
    pub fn kube_version(&self) -> &str {
        &self.kube_version
    }

    /// Number of objects per `group/version` kind that holds any, e.g. `("v1", "Pod", 42)`.
    /// Each object is listed under its preferred version only.
    pub fn kind_counts(&self) -> Vec<(String, String, usize)> {
        let mut best: BTreeMap<(String, String), (String, usize)> = BTreeMap::new();
        for (id, r) in &self.resources {
            if r.objects.is_empty() {
                continue;
            }
            let e = best
                .entry((id.group.clone(), r.kind.clone()))
                .or_insert((id.version.clone(), 0));
            if version_priority(&id.version) >= version_priority(&e.0) {
                *e = (id.version.clone(), r.objects.len());
            }
        }
        best.into_iter()
            .map(|((g, k), (v, n))| (api_version(&g, &v), k, n))
            .collect()
    }

    /// Whether the snapshot has a log for this pod.
    pub fn has_pod_log(&self, namespace: &str, pod: &str) -> bool {
        self.logs
            .contains_key(&(namespace.to_string(), pod.to_string()))
    }

    pub(crate) fn resource(&self, group: &str, version: &str, plural: &str) -> Option<&Resource> {
        // Allocation-free lookup would need a borrowed key type; the map is small per request.
        self.resources.get(&ResourceId {
            group: group.to_string(),
            version: version.to_string(),
            plural: plural.to_string(),
        })
    }

    /// Group -> versions served, preferred first.
    pub(crate) fn groups(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for id in self.resources.keys() {
            let v = m.entry(id.group.as_str()).or_default();
            if !v.contains(&id.version.as_str()) {
                v.push(id.version.as_str());
            }
        }
        for v in m.values_mut() {
            v.sort_by_key(|s| std::cmp::Reverse(version_priority(s)));
        }
        m
    }
}

/// Builds the resource table: every catalog kind (empty) plus every kind objects were found for.
pub(crate) fn empty_resources(catalog: &Catalog) -> BTreeMap<ResourceId, Resource> {
    let mut m = BTreeMap::new();
    for k in catalog.kinds() {
        add_resource(&mut m, k);
    }
    m
}

pub(crate) fn add_resource<'a>(
    m: &'a mut BTreeMap<ResourceId, Resource>,
    k: &KindInfo,
) -> &'a mut Resource {
    m.entry(ResourceId {
        group: k.group.clone(),
        version: k.version.clone(),
        plural: k.plural.clone(),
    })
    .or_insert_with(|| Resource {
        kind: k.kind.clone(),
        namespaced: k.namespaced,
        printer_columns: k.printer_columns.clone(),
        short_names: k.short_names.clone(),
        objects: BTreeMap::new(),
    })
}
