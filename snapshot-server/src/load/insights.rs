//! What an Insights archive holds in shapes of its own, served as the objects they came from.
//!
//! The Insights Operator writes some objects not as objects: a config map as one file per key
//! (`config/configmaps/<ns>/<name>/<key>`), events compacted to five fields
//! (`events/<ns>.json`), a Ceph cluster as its status only. And some objects a cluster
//! certainly has are not in the archive at all, although the archive shows they exist: the
//! namespaces its objects live in, the claims its persistent volumes are bound to, and the
//! resources of OLM and the monitoring stack an OpenShift cluster always serves. Gatherers
//! read those, so a snapshot of an archive serves them:
//!
//! - config map key files become one ConfigMap per directory, each file one key; a `.json`
//!   file was written by IO from YAML under `<key>.yaml` (JSON is YAML), so that is its key;
//! - compacted events become Events (named `<namespace>.<n>`), times as a server writes them;
//! - `config/storage/<ns>/cephclusters/<name>.json` becomes a CephCluster with that status;
//! - `config/clusterrolebinding/<name with : as _>.json` is OpenShift's
//!   `authorization.openshift.io` ClusterRoleBinding, as IO reads it;
//! - every namespace that holds an object (or a pod log) and has no Namespace gets one;
//! - every persistent volume bound to a claim the snapshot lacks gets that claim, bound;
//! - the OLM and Prometheus operator resources are served, empty unless the archive holds
//!   objects of them.
//!
//! All of it applies to Insights archives only (recognized by `insights-operator/gathers.json`
//! or `config/version.json`); other snapshots are served as their files are.
//!
//! None of this is a warning: it is data the archive holds, served as the API would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{Loader, Origin};
use crate::catalog::KindInfo;
use crate::snapshot::add_resource;

/// Objects gathered from archive files until the snapshot is complete.
#[derive(Debug, Default)]
pub(super) struct Derived {
    /// Config map keys: (namespace, name) -> key -> text, with the first file seen.
    config_maps: BTreeMap<(String, String), (PathBuf, Map<String, Value>)>,
    /// Objects built from single files, with the file.
    objects: Vec<(PathBuf, Value)>,
    /// Whether the snapshot is an Insights archive.
    insights_archive: bool,
}

/// The kinds of operators every OpenShift cluster runs, which the catalog's specs do not
/// describe: OLM's and the Prometheus operator's.
fn openshift_operator_kinds() -> Vec<KindInfo> {
    let kind = |group: &str, version: &str, kind: &str, plural: &str, namespaced: bool| KindInfo {
        group: group.to_owned(),
        version: version.to_owned(),
        kind: kind.to_owned(),
        plural: plural.to_owned(),
        namespaced,
        printer_columns: Vec::new(),
        short_names: Vec::new(),
    };
    vec![
        kind("operators.coreos.com", "v1", "Operator", "operators", false),
        kind(
            "operators.coreos.com",
            "v1",
            "OperatorGroup",
            "operatorgroups",
            true,
        ),
        kind(
            "operators.coreos.com",
            "v1alpha1",
            "CatalogSource",
            "catalogsources",
            true,
        ),
        kind(
            "operators.coreos.com",
            "v1alpha1",
            "ClusterServiceVersion",
            "clusterserviceversions",
            true,
        ),
        kind(
            "operators.coreos.com",
            "v1alpha1",
            "InstallPlan",
            "installplans",
            true,
        ),
        kind(
            "operators.coreos.com",
            "v1alpha1",
            "Subscription",
            "subscriptions",
            true,
        ),
        kind(
            "monitoring.coreos.com",
            "v1",
            "Alertmanager",
            "alertmanagers",
            true,
        ),
        kind(
            "monitoring.coreos.com",
            "v1",
            "PodMonitor",
            "podmonitors",
            true,
        ),
        kind(
            "monitoring.coreos.com",
            "v1",
            "Prometheus",
            "prometheuses",
            true,
        ),
        kind(
            "monitoring.coreos.com",
            "v1",
            "PrometheusRule",
            "prometheusrules",
            true,
        ),
        kind(
            "monitoring.coreos.com",
            "v1",
            "ServiceMonitor",
            "servicemonitors",
            true,
        ),
    ]
}

impl Loader<'_> {
    /// Takes the files of an Insights archive that hold objects in IO's own shapes; `true`
    /// when `rel` was one of them.
    pub(super) fn take_insights_file(&mut self, rel: &Path, data: &[u8]) -> bool {
        let parts: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
        if parts == ["insights-operator", "gathers.json"] || parts == ["config", "version.json"] {
            self.derived.insights_archive = true;
        }
        match parts.as_slice() {
            ["config", "configmaps", namespace, name, key] => {
                let (key, text) = match key.strip_suffix(".json") {
                    Some(stem) => (
                        format!("{stem}.yaml"),
                        String::from_utf8_lossy(data).into_owned(),
                    ),
                    None => (
                        (*key).to_owned(),
                        String::from_utf8_lossy(data).into_owned(),
                    ),
                };
                let entry = self
                    .derived
                    .config_maps
                    .entry(((*namespace).to_owned(), (*name).to_owned()))
                    .or_insert_with(|| (rel.to_path_buf(), Map::new()));
                entry.1.insert(key, Value::String(text));
                true
            }
            ["events", file] if file.ends_with(".json") => {
                let namespace = file.trim_end_matches(".json");
                let Ok(record) = serde_json::from_slice::<Value>(data) else {
                    return false;
                };
                let Some(items) = record.get("items").and_then(Value::as_array) else {
                    return false;
                };
                for (i, item) in items.iter().enumerate() {
                    self.derived
                        .objects
                        .push((rel.to_path_buf(), event(namespace, i, item)));
                }
                true
            }
            ["config", "clusterrolebinding", file] if file.ends_with(".json") => {
                // IO reads these with OpenShift's authorization API and names the files with
                // `:` as `_`; the objects carry their real names.
                let Ok(Value::Object(mut binding)) = serde_json::from_slice::<Value>(data) else {
                    return false;
                };
                binding
                    .entry("apiVersion")
                    .or_insert_with(|| json!("authorization.openshift.io/v1"));
                binding
                    .entry("kind")
                    .or_insert_with(|| json!("ClusterRoleBinding"));
                self.derived
                    .objects
                    .push((rel.to_path_buf(), Value::Object(binding)));
                true
            }
            ["config", "storage", namespace, "cephclusters", file] if file.ends_with(".json") => {
                let Ok(status) = serde_json::from_slice::<Value>(data) else {
                    return false;
                };
                let name = file.trim_end_matches(".json");
                self.derived.objects.push((
                    rel.to_path_buf(),
                    json!({"apiVersion": "ceph.rook.io/v1", "kind": "CephCluster",
                           "metadata": {"name": name, "namespace": namespace}, "status": status}),
                ));
                true
            }
            _ => false,
        }
    }

    /// Adds the objects of [`Loader::take_insights_file`] and those the archive implies, once
    /// every file is read.
    pub(super) fn add_derived(&mut self) {
        let derived = std::mem::take(&mut self.derived);
        if !derived.insights_archive {
            return;
        }
        for kind in openshift_operator_kinds() {
            add_resource(&mut self.resources, &kind);
        }
        for ((namespace, name), (rel, data)) in derived.config_maps {
            let object = json!({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": name, "namespace": namespace}, "data": data});
            self.add_derived_object(&rel, object);
        }
        for (rel, object) in derived.objects {
            self.add_derived_object(&rel, object);
        }
        let claims = self.claims_of_volumes();
        for claim in claims {
            self.add_derived_object(Path::new("(bound persistent volumes)"), claim);
        }
        for namespace in self.namespaces_without_object() {
            let object = json!({"apiVersion": "v1", "kind": "Namespace",
                                "metadata": {"name": namespace}, "status": {"phase": "Active"}});
            self.add_derived_object(Path::new("(namespaces of objects)"), object);
        }
    }

    fn add_derived_object(&mut self, rel: &Path, object: Value) {
        let Value::Object(map) = object else {
            return;
        };
        let origin = Origin {
            rel,
            dirs: Vec::new(),
            stem: "",
            single: false,
        };
        if let Err((kind, message)) = self.add_object(&origin, map, None) {
            self.warn(rel, None, kind, message);
        }
    }

    /// Stored objects of a core-group kind, as JSON.
    fn core_objects(&self, plural: &str) -> Vec<Value> {
        self.resources
            .iter()
            .filter(|(id, _)| id.group.is_empty() && id.version == "v1" && id.plural == plural)
            .flat_map(|(_, r)| r.objects.values())
            .filter_map(|o| serde_json::from_str(&o.body).ok())
            .collect()
    }

    /// Claims that bound persistent volumes name and the snapshot lacks.
    fn claims_of_volumes(&self) -> Vec<Value> {
        let existing: BTreeSet<(String, String)> = self
            .core_objects("persistentvolumeclaims")
            .iter()
            .map(|c| (text(c, "/metadata/namespace"), text(c, "/metadata/name")))
            .collect();
        let mut claims = Vec::new();
        for volume in self.core_objects("persistentvolumes") {
            let Some(claim_ref) = volume.pointer("/spec/claimRef").filter(|c| c.is_object()) else {
                continue;
            };
            let (namespace, name) = (text(claim_ref, "/namespace"), text(claim_ref, "/name"));
            if namespace.is_empty()
                || name.is_empty()
                || existing.contains(&(namespace.clone(), name.clone()))
            {
                continue;
            }
            let mut metadata = json!({"name": name, "namespace": namespace});
            for key in ["uid", "resourceVersion"] {
                if let Some(v) = claim_ref.get(key) {
                    metadata[key] = v.clone();
                }
            }
            let mut spec = json!({"volumeName": text(&volume, "/metadata/name")});
            let mut status = json!({"phase": "Bound"});
            for key in ["accessModes", "storageClassName", "volumeMode"] {
                if let Some(v) = volume.pointer(&format!("/spec/{key}")) {
                    spec[key] = v.clone();
                }
            }
            for key in ["accessModes", "capacity"] {
                if let Some(v) = volume.pointer(&format!("/spec/{key}")) {
                    status[key] = v.clone();
                }
            }
            claims.push(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                               "metadata": metadata, "spec": spec, "status": status}));
        }
        claims
    }

    /// Namespaces that hold an object or a pod log but have no Namespace object.
    fn namespaces_without_object(&self) -> BTreeSet<String> {
        let mut used: BTreeSet<String> = self
            .resources
            .values()
            .flat_map(|r| r.objects.values())
            .filter_map(|o| o.namespace.clone())
            .collect();
        used.extend(self.logs.keys().map(|(namespace, _)| namespace.clone()));
        let existing: BTreeSet<String> = self
            .core_objects("namespaces")
            .iter()
            .map(|n| text(n, "/metadata/name"))
            .collect();
        used.retain(|ns| !ns.is_empty() && !existing.contains(ns));
        used
    }
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// An Event from IO's compacted one (`{namespace, lastTimestamp, reason, message, type}`),
/// its time in UTC as a server writes it.
fn event(namespace: &str, index: usize, compacted: &Value) -> Value {
    let namespace = compacted
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or(namespace);
    let mut event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{namespace}.{index}"), "namespace": namespace},
        "involvedObject": {"namespace": namespace},
    });
    for key in ["reason", "message", "type"] {
        if let Some(v) = compacted.get(key) {
            event[key] = v.clone();
        }
    }
    if let Some(at) = compacted.get("lastTimestamp").and_then(Value::as_str) {
        let utc = at
            .parse::<jiff::Timestamp>()
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|_| at.to_owned());
        event["lastTimestamp"] = Value::String(utc);
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Snapshot;

    fn archive() -> Snapshot {
        Snapshot::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/insights-archive-sample"),
        )
        .unwrap()
    }

    fn objects(s: &Snapshot, group: &str, version: &str, plural: &str) -> Vec<Value> {
        s.resource(group, version, plural)
            .map(|r| {
                r.objects
                    .values()
                    .map(|o| serde_json::from_str(&o.body).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn find<'a>(objects: &'a [Value], namespace: &str, name: &str) -> &'a Value {
        objects
            .iter()
            .find(|o| {
                text(o, "/metadata/name") == name && text(o, "/metadata/namespace") == namespace
            })
            .unwrap_or_else(|| panic!("no {namespace}/{name} in {objects:#?}"))
    }

    #[test]
    fn config_map_files_are_served_as_config_maps() {
        let s = archive();
        let maps = objects(&s, "", "v1", "configmaps");
        let install = find(&maps, "kube-system", "cluster-config-v1");
        let text_file = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../testdata/insights-archive-sample/config/configmaps/kube-system/cluster-config-v1/install-config"),
        )
        .unwrap();
        assert_eq!(install["data"]["install-config"], text_file.as_str());
        let ca = find(
            &maps,
            "openshift-config",
            "initial-kube-apiserver-server-ca",
        );
        assert!(
            ca["data"]["ca-bundle.crt"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        // IO wrote the YAML of config.yaml as config.json.
        let monitoring = find(&maps, "openshift-monitoring", "cluster-monitoring-config");
        assert!(
            monitoring["data"]["config.yaml"]
                .as_str()
                .unwrap()
                .contains("retention")
        );
        assert_eq!(
            maps.iter()
                .filter(|m| text(m, "/metadata/namespace") == "openshift-config")
                .count(),
            9
        );
    }

    #[test]
    fn compacted_events_are_served_as_events() {
        let s = archive();
        let events = objects(&s, "", "v1", "events");
        assert_eq!(events.len(), 2);
        let first = find(&events, "openshift-machine-api", "openshift-machine-api.0");
        assert_eq!(first["reason"], "FailedUpdate");
        // The archive's +02:00 is the same instant in UTC.
        assert_eq!(first["lastTimestamp"], "2022-08-24T09:40:44Z");
        assert!(
            s.warnings().iter().all(|w| !w.path.starts_with("events")),
            "{:?}",
            s.warnings()
        );
    }

    #[test]
    fn implied_objects_are_served() {
        let s = archive();
        let namespaces = objects(&s, "", "v1", "namespaces");
        for ns in [
            "openshift-machine-api",
            "openshift-monitoring",
            "kube-system",
            "sdi",
        ] {
            find(&namespaces, "", ns);
        }
        let claims = objects(&s, "", "v1", "persistentvolumeclaims");
        let claim = find(
            &claims,
            "openshift-monitoring",
            "prometheus-data-prometheus-k8s-1",
        );
        assert_eq!(
            claim["spec"]["volumeName"],
            "pvc-99ffaeb3-8ff8-4137-a1fc-0bf72e7209a5"
        );
        assert_eq!(claim["status"]["phase"], "Bound");
        let ceph = objects(&s, "ceph.rook.io", "v1", "cephclusters");
        assert_eq!(
            find(&ceph, "openshift-storage", "ocs-storagecluster-cephcluster")["status"]["phase"],
            "Progressing"
        );
        assert!(
            s.resource("operators.coreos.com", "v1alpha1", "installplans")
                .is_some()
        );
        assert!(
            s.resource("monitoring.coreos.com", "v1", "prometheuses")
                .is_some()
        );
        let bindings = objects(
            &s,
            "authorization.openshift.io",
            "v1",
            "clusterrolebindings",
        );
        find(&bindings, "", "system:openshift:scc:anyuid");
        // The archive's one Subscription is still served.
        assert_eq!(
            objects(&s, "operators.coreos.com", "v1alpha1", "subscriptions").len(),
            1
        );
    }
}
