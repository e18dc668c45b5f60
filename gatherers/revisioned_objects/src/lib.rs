//! `clusterconfig/revisioned_objects`: how many revisions of each config map and secret the
//! kube-apiserver operator keeps.
//!
//! IO (`gather_revisioned_objects.go`) lists the config maps and the secrets of
//! `openshift-kube-apiserver`; those owned by an object whose name starts with
//! `revision-status-` count under their name without a trailing `-<number>`. The record
//! `config/versioned_object_revision_counts.json` is `{"openshift-kube-apiserver":
//! {"configmaps": {<name>: <count>}, "secrets": {...}}}`, or `{}` when nothing counts. A list
//! that cannot be read counts nothing and is not an error; the host refuses Secrets unless
//! the operator lifts that for this gatherer, and then only config maps count.

use std::collections::BTreeMap;

use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

const NAMESPACE: &str = "openshift-kube-apiserver";

/// Counts by base name (`NamespaceRevisionCounts`).
#[derive(serde::Serialize, Default)]
struct Counts {
    configmaps: BTreeMap<String, u64>,
    secrets: BTreeMap<String, u64>,
}

/// Records `config/versioned_object_revision_counts`.
#[gatherer(
    name = "clusterconfig/revisioned_objects",
    reads = ["v1/configmaps in openshift-kube-apiserver", "v1/secrets in openshift-kube-apiserver"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let mut counts = Counts::default();
    // IO logs an unreadable list and counts nothing for it.
    if let Ok(maps) = core_v1::config_maps()
        .namespaced(NAMESPACE)
        .list_objects(&ListParams::default())
    {
        count(&maps, &mut counts.configmaps);
    }
    if let Ok(secrets) = core_v1::secrets()
        .namespaced(NAMESPACE)
        .list_objects(&ListParams::default())
    {
        count(&secrets, &mut counts.secrets);
    }
    let mut record = BTreeMap::new();
    if !counts.configmaps.is_empty() || !counts.secrets.is_empty() {
        record.insert(NAMESPACE, counts);
    }
    ctx.record_go_json("config/versioned_object_revision_counts", &record)
}

fn count(objects: &[Object], counts: &mut BTreeMap<String, u64>) {
    for object in objects {
        let revisioned = object
            .array_at(&["metadata", "ownerReferences"])
            .into_iter()
            .flatten()
            .any(|owner| {
                owner
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.starts_with("revision-status-"))
            });
        if revisioned {
            *counts
                .entry(base_name(object.name()).to_owned())
                .or_default() += 1;
        }
    }
}

/// The name without a trailing `-<digits>` (`revisionSuffixRegex`).
fn base_name(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, suffix))
            if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample};
    use serde_json::{Value, json};

    /// Objects the sample's counts come from: `count` revisions `<name>-<n>` of each name,
    /// owned by a revision status, and one unowned object that does not count.
    fn objects(counts: &Value) -> Vec<Value> {
        let mut objects =
            vec![json!({"metadata": {"name": "config", "namespace": "openshift-kube-apiserver"}})];
        for (name, n) in counts.as_object().unwrap() {
            for i in 1..=n.as_u64().unwrap() {
                objects.push(json!({"metadata": {"name": format!("{name}-{i}"), "namespace": "openshift-kube-apiserver",
                    "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": format!("revision-status-{i}"), "uid": "u"}]}}));
            }
        }
        objects
    }

    #[test]
    fn writes_the_sample_counts() {
        let expected = sample("config/versioned_object_revision_counts.json");
        let counts = &expected["openshift-kube-apiserver"];
        let server = Server::new();
        server.list(
            "/api/v1/namespaces/openshift-kube-apiserver/configmaps",
            "v1",
            "ConfigMap",
            &objects(&counts["configmaps"]),
        );
        server.list(
            "/api/v1/namespaces/openshift-kube-apiserver/secrets",
            "v1",
            "Secret",
            &objects(&counts["secrets"]),
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, "config/versioned_object_revision_counts.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn denied_secrets_count_nothing() {
        let server = Server::new();
        server.list(
            "/api/v1/namespaces/openshift-kube-apiserver/configmaps",
            "v1",
            "ConfigMap",
            &objects(&json!({"config": 2})),
        );
        server.api().deny(
            "/api/v1/namespaces/openshift-kube-apiserver/secrets?limit=500",
            "secrets are denied",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty());
        assert_eq!(
            record_json(&output, "config/versioned_object_revision_counts.json"),
            json!({"openshift-kube-apiserver": {"configmaps": {"config": 2}, "secrets": {}}})
        );
        assert_eq!(
            super::base_name("kube-apiserver-pod-12"),
            "kube-apiserver-pod"
        );
        assert_eq!(super::base_name("etcd-serving-ca"), "etcd-serving-ca");
    }
}
