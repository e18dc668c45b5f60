//! Gathers an inventory of the cluster's pods: one record per namespace,
//! `config/podinventory/<namespace>.json`, listing each pod's name, phase, node, containers and
//! restart counts.
//!
//! The summary is a pure function of the pods ([`summarize`]), so that the same code can be
//! checked and measured outside a component (the benchmark suite compares this gatherer with
//! a native twin that lists the pods with `kube` and summarizes them with [`summarize`]).

use std::collections::BTreeMap;

use serde::Serialize;
use wagather_sdk::apis::core_v1::{self, Pod};
use wagather_sdk::prelude::*;

/// The archive path of the record for `namespace` (without `.json`).
pub fn record_name(namespace: &str) -> String {
    format!("config/podinventory/{namespace}")
}

/// The record of one namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NamespaceInventory {
    /// The namespace.
    pub namespace: String,
    /// Number of pods in it.
    pub pod_count: usize,
    /// Pods by `status.phase` (`Running`, `Pending`, ...; `Unknown` when not reported).
    pub phases: BTreeMap<String, usize>,
    /// Sum of the restart counts of every container of every pod.
    pub restarts: i64,
    /// The pods, sorted by name.
    pub pods: Vec<PodSummary>,
}

/// One pod of a [`NamespaceInventory`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PodSummary {
    /// `metadata.name`.
    pub name: String,
    /// `status.phase`, when reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// `spec.nodeName`, when scheduled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The containers of `spec.containers`, in order.
    pub containers: Vec<ContainerSummary>,
    /// Sum of the containers' restart counts.
    pub restarts: i64,
}

/// One container of a [`PodSummary`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ContainerSummary {
    /// The container's name.
    pub name: String,
    /// Its image, as in the spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Whether its status says ready (false when it has no status yet).
    pub ready: bool,
    /// Its restart count (0 when it has no status yet).
    pub restarts: i32,
}

/// Groups `pods` by namespace and summarizes each; namespaces and pods come out sorted by name,
/// so the result does not depend on the order the API listed them in.
pub fn summarize(pods: impl IntoIterator<Item = Pod>) -> BTreeMap<String, NamespaceInventory> {
    let mut namespaces: BTreeMap<String, NamespaceInventory> = BTreeMap::new();
    for pod in pods {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let summary = summarize_pod(pod);
        let entry = namespaces
            .entry(namespace.clone())
            .or_insert_with(|| NamespaceInventory {
                namespace,
                ..NamespaceInventory::default()
            });
        entry.pod_count += 1;
        *entry
            .phases
            .entry(
                summary
                    .phase
                    .clone()
                    .unwrap_or_else(|| "Unknown".to_owned()),
            )
            .or_default() += 1;
        entry.restarts += summary.restarts;
        entry.pods.push(summary);
    }
    for inventory in namespaces.values_mut() {
        inventory.pods.sort_by(|a, b| a.name.cmp(&b.name));
    }
    namespaces
}

fn summarize_pod(pod: Pod) -> PodSummary {
    let status = pod.status.unwrap_or_default();
    let statuses = status.container_statuses.unwrap_or_default();
    let spec = pod.spec.unwrap_or_default();
    let containers: Vec<ContainerSummary> = spec
        .containers
        .into_iter()
        .map(|container| {
            let status = statuses.iter().find(|s| s.name == container.name);
            ContainerSummary {
                image: container.image,
                ready: status.is_some_and(|s| s.ready),
                restarts: status.map_or(0, |s| s.restart_count),
                name: container.name,
            }
        })
        .collect();
    PodSummary {
        name: pod.metadata.name.unwrap_or_default(),
        phase: status.phase,
        node: spec.node_name,
        restarts: containers.iter().map(|c| i64::from(c.restarts)).sum(),
        containers,
    }
}

/// Lists every pod of every namespace (page by page) and writes one record per namespace.
#[gatherer(reads = ["v1/pods"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let pods = core_v1::pods()
        .all_namespaces()
        .list_all(&ListParams::default())?;
    for (namespace, inventory) in summarize(pods) {
        ctx.record_json(record_name(&namespace), &inventory)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use wagather_sdk::testing::FakeApi;

    fn pod(namespace: &str, name: &str, phase: &str, restarts: i32) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"nodeName": "worker-0", "containers": [
                {"name": "app", "image": "quay.io/example/app:1"},
                {"name": "sidecar", "image": "quay.io/example/proxy:2"}
            ]},
            "status": {"phase": phase, "containerStatuses": [
                {"name": "sidecar", "ready": false, "restartCount": restarts, "image": "x", "imageID": ""},
                {"name": "app", "ready": true, "restartCount": 1, "image": "x", "imageID": ""}
            ]}
        })
    }

    #[test]
    fn one_record_per_namespace_across_pages() {
        let api = FakeApi::new();
        api.respond_json(
            "/api/v1/pods?limit=500",
            200,
            &json!({"metadata": {"continue": "next"}, "items": [
                pod("b", "z-pod", "Running", 2), pod("a", "only", "Pending", 0)
            ]}),
        );
        api.respond_json(
            "/api/v1/pods?limit=500&continue=next",
            200,
            &json!({"metadata": {}, "items": [pod("b", "a-pod", "Running", 5)]}),
        );
        let _guard = api.install();

        let output = crate::__wagather_run(Vec::new());

        assert!(output.errors.is_empty(), "{:?}", output.errors);
        let names: Vec<&str> = output.records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["config/podinventory/a", "config/podinventory/b"]);
        let b: Value = serde_json::from_slice(&output.records[1].data).unwrap();
        assert_eq!(
            b,
            json!({
                "namespace": "b", "pod_count": 2, "phases": {"Running": 2}, "restarts": 9,
                "pods": [
                    {"name": "a-pod", "phase": "Running", "node": "worker-0", "restarts": 6, "containers": [
                        {"name": "app", "image": "quay.io/example/app:1", "ready": true, "restarts": 1},
                        {"name": "sidecar", "image": "quay.io/example/proxy:2", "ready": false, "restarts": 5}
                    ]},
                    {"name": "z-pod", "phase": "Running", "node": "worker-0", "restarts": 3, "containers": [
                        {"name": "app", "image": "quay.io/example/app:1", "ready": true, "restarts": 1},
                        {"name": "sidecar", "image": "quay.io/example/proxy:2", "ready": false, "restarts": 2}
                    ]}
                ]
            })
        );
    }

    #[test]
    fn a_pod_without_status_counts_as_unknown() {
        let pods = vec![
            serde_json::from_value::<Pod>(json!({"metadata": {"name": "new", "namespace": "n"}, "spec": {"containers": [{"name": "c"}]}}))
                .unwrap(),
        ];
        let inventory = summarize(pods);
        let n = &inventory["n"];
        assert_eq!(n.phases, BTreeMap::from([("Unknown".to_owned(), 1)]));
        assert_eq!(
            n.pods[0].containers[0],
            ContainerSummary {
                name: "c".into(),
                image: None,
                ready: false,
                restarts: 0
            }
        );
    }

    #[test]
    fn manifest_declares_the_read() {
        let manifest: Value = serde_json::from_str(crate::__WAGATHER_MANIFEST).unwrap();
        assert_eq!(
            manifest["reads"],
            json!([{"group": "", "version": "v1", "resource": "pods"}])
        );
        assert_eq!(manifest["name"], "pod-inventory");
    }
}
