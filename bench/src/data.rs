//! Generated snapshots for the benchmarks, the one generator of the workspace.
//!
//! Pods and nodes have the shape the Insights Operator writes (no `kind`/`apiVersion`,
//! `config/pod/<ns>/<name>.json`, `config/node/<name>.json`); a pod is about 2.4 KB of JSON,
//! and pods are spread over namespaces and scheduled on one node per ten pods.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::BenchError;

/// Namespace of the ConfigMaps whose bodies the round-trip benchmark fetches.
pub const ECHO_NAMESPACE: &str = "bench";

/// The body sizes of the round-trip benchmark: name suffix and bytes of `data.body`.
pub const ECHO_SIZES: [(&str, usize); 3] = [
    ("1KiB", 1 << 10),
    ("100KiB", 100 << 10),
    ("10MiB", 10 << 20),
];

/// The API path of the ConfigMap holding the `size` body.
pub fn echo_path(size: &str) -> String {
    format!("/api/v1/namespaces/{ECHO_NAMESPACE}/configmaps/body-{size}")
}

fn write(path: &Path, data: &[u8]) -> Result<(), BenchError> {
    let io = |source| BenchError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, data).map_err(io)
}

/// A pod shaped like the ones the Insights Operator writes; two containers, one restarted.
pub fn pod(namespace: &str, i: usize, nodes: usize) -> Value {
    let name = format!("app-{i:05}-7d9f8b6c5-x{:04}", i % 9973);
    json!({
        "metadata": {
            "name": name, "generateName": format!("app-{i:05}-7d9f8b6c5-"), "namespace": namespace,
            "uid": format!("6f1c2a3e-0000-4000-8000-{i:012}"), "resourceVersion": format!("{}", 100_000 + i),
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": {"app": format!("app-{}", i % 50), "pod-template-hash": "7d9f8b6c5", "tier": if i.is_multiple_of(3) { "frontend" } else { "backend" }},
            "annotations": {"openshift.io/scc": "restricted-v2", "k8s.v1.cni.cncf.io/network-status": "[{\"name\":\"ovn-kubernetes\",\"interface\":\"eth0\",\"ips\":[\"10.128.2.15\"],\"default\":true}]"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("app-{i:05}-7d9f8b6c5"), "uid": "1b2c3d4e-0000-4000-8000-000000000001", "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {
            "nodeName": node_name(i % nodes.max(1)),
            "serviceAccountName": "default", "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "containers": [
                {"name": "app", "image": "quay.io/example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                 "env": [{"name": "MODE", "value": "production"}, {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                 "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]},
                {"name": "proxy", "image": "quay.io/example/proxy:1.2.3", "args": ["--upstream=http://localhost:8080"]}
            ],
            "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]
        },
        "status": {
            "phase": if i.is_multiple_of(97) { "Pending" } else { "Running" }, "podIP": "10.128.2.15", "hostIP": "10.0.1.20", "startTime": "2024-05-01T10:00:01Z", "qosClass": "Burstable",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": "2024-05-01T10:00:01Z"},
                {"type": "Ready", "status": "True", "lastTransitionTime": "2024-05-01T10:00:09Z"},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2024-05-01T10:00:09Z"},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00Z"}
            ],
            "containerStatuses": [
                {"name": "app", "ready": true, "restartCount": 0, "image": "quay.io/example/app:latest", "imageID": "quay.io/example/app@sha256:0123", "containerID": "cri-o://abc", "started": true, "state": {"running": {"startedAt": "2024-05-01T10:00:05Z"}}},
                {"name": "proxy", "ready": true, "restartCount": i % 4, "image": "quay.io/example/proxy:1.2.3", "imageID": "quay.io/example/proxy@sha256:4567", "containerID": "cri-o://def", "started": true, "state": {"running": {"startedAt": "2024-05-01T10:00:06Z"}}}
            ]
        }
    })
}

/// A node like the ones the Insights Operator writes, named as [`pod`] schedules pods.
pub fn node(i: usize) -> Value {
    json!({
        "metadata": {"name": node_name(i), "uid": format!("9a8b7c6d-0000-4000-8000-{i:012}"),
                     "creationTimestamp": "2024-04-01T00:00:00Z",
                     "labels": {"kubernetes.io/hostname": format!("worker-{i:04}"), "node-role.kubernetes.io/worker": "", "topology.kubernetes.io/zone": format!("zone-{}", i % 3)}},
        "spec": {"providerID": format!("aws:///us-east-2a/i-{i:017}")},
        "status": {
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "250"},
            "allocatable": {"cpu": "7500m", "memory": "30Gi", "pods": "250"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastTransitionTime": "2024-04-01T00:05:00Z"}],
            "nodeInfo": {"kubeletVersion": "v1.29.6+aba1e8d", "osImage": "Red Hat Enterprise Linux CoreOS", "containerRuntimeVersion": "cri-o://1.29.6", "architecture": "amd64"}
        }
    })
}

fn node_name(i: usize) -> String {
    format!("worker-{i:04}.example.internal")
}

/// The nodes [`write_pods`] schedules `pods` pods on.
pub fn node_count(pods: usize) -> usize {
    (pods / 10).max(1)
}

/// Writes nodes `0..count` into `root` in the Insights layout.
fn write_nodes(root: &Path, count: usize) -> Result<(), BenchError> {
    for i in 0..count {
        write(
            &root
                .join("config/node")
                .join(format!("{}.json", node_name(i))),
            &serde_json::to_vec(&node(i))?,
        )?;
    }
    Ok(())
}

/// Writes `pods` pods over `namespaces` namespaces (`tenant-NNN`) into `root` in the Insights
/// layout, and the nodes they run on; returns the pod files.
pub fn write_pods(root: &Path, pods: usize, namespaces: usize) -> Result<Vec<PathBuf>, BenchError> {
    let nodes = node_count(pods);
    write_nodes(root, nodes)?;
    let mut files = Vec::with_capacity(pods);
    for i in 0..pods {
        let namespace = format!("tenant-{:03}", i % namespaces.max(1));
        let pod = pod(&namespace, i, nodes);
        let name = pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let path = root
            .join("config/pod")
            .join(&namespace)
            .join(format!("{name}.json"));
        write(&path, &serde_json::to_vec(&pod)?)?;
        files.push(path);
    }
    Ok(files)
}

/// The size of a generated cluster ([`write_cluster`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterSize {
    /// Nodes the pods run on.
    pub nodes: usize,
    /// Pods, spread over the namespaces.
    pub pods: usize,
    /// Namespaces; every tenth is a platform one (`openshift-*`).
    pub namespaces: usize,
    /// Warning events per namespace, about its pods.
    pub events: usize,
    /// ConfigMaps per namespace; the first holds a PEM certificate.
    pub config_maps: usize,
}

impl ClusterSize {
    /// The large cluster of the catalog benchmark: 1,000 nodes, 10,000 pods in 200
    /// namespaces, 20 events and 5 ConfigMaps in each.
    pub const LARGE: ClusterSize = ClusterSize {
        nodes: 1_000,
        pods: 10_000,
        namespaces: 200,
        events: 20,
        config_maps: 5,
    };

    /// A tenth of [`ClusterSize::LARGE`], for quick runs.
    pub const TENTH: ClusterSize = ClusterSize {
        nodes: 100,
        pods: 1_000,
        namespaces: 20,
        events: 20,
        config_maps: 5,
    };

    /// The sizes as words.
    pub fn label(&self) -> String {
        format!(
            "{} nodes, {} pods in {} namespaces, {} events and {} ConfigMaps per namespace",
            self.nodes, self.pods, self.namespaces, self.events, self.config_maps
        )
    }

    /// The name of namespace `k`: a tenth are platform namespaces, which some gatherers
    /// single out.
    pub fn namespace(k: usize) -> String {
        if k.is_multiple_of(10) {
            format!("openshift-bench-{k:03}")
        } else {
            format!("tenant-{k:03}")
        }
    }
}

/// Writes a cluster of `size` into `root`, over whatever is there already (the catalog
/// benchmark puts it over a copy of the bundled Insights sample): nodes and pods in the
/// Insights layout, and the namespaces, their events and ConfigMaps as `kubectl get -o json`
/// lists. The events are recent (the last half hour before `now`), as a gatherer keeping the
/// last gather interval's events would want them.
pub fn write_cluster(
    root: &Path,
    size: ClusterSize,
    now: jiff::Timestamp,
) -> Result<(), BenchError> {
    write_nodes(root, size.nodes)?;
    let namespaces = size.namespaces.max(1);
    let mut pods_of: Vec<Vec<String>> = vec![Vec::new(); namespaces];
    for i in 0..size.pods {
        let k = i % namespaces;
        let namespace = ClusterSize::namespace(k);
        let pod = pod(&namespace, i, size.nodes.max(1));
        let name = pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        write(
            &root
                .join("config/pod")
                .join(&namespace)
                .join(format!("{name}.json")),
            &serde_json::to_vec(&pod)?,
        )?;
        pods_of[k].push(name);
    }
    let ago = |minutes: i64| {
        (now - jiff::SignedDuration::from_mins(minutes))
            .round(jiff::Unit::Second)
            .unwrap_or(now)
            .to_string()
    };
    let (mut namespace_items, mut event_items, mut map_items) =
        (Vec::new(), Vec::new(), Vec::new());
    for (k, pods) in pods_of.iter().enumerate() {
        let namespace = ClusterSize::namespace(k);
        namespace_items.push(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "uid": format!("5e000000-0000-4000-8000-{k:012}"),
                         "creationTimestamp": "2024-04-01T00:00:00Z"},
            "status": {"phase": "Active"}
        }));
        for e in 0..size.events {
            let pod = pods.get(e % pods.len().max(1)).cloned().unwrap_or_default();
            event_items.push(json!({
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": format!("{pod}.{e:04x}"), "namespace": namespace,
                             "uid": format!("e0000000-0000-4000-8000-{k:06}{e:06}")},
                "involvedObject": {"kind": "Pod", "namespace": namespace, "name": pod, "apiVersion": "v1"},
                "reason": if e % 2 == 0 { "BackOff" } else { "Unhealthy" },
                "message": "Back-off restarting failed container app in pod",
                "type": "Warning", "count": e + 1,
                "firstTimestamp": ago(60), "lastTimestamp": ago((e % 30) as i64 + 1),
                "source": {"component": "kubelet"}
            }));
        }
        for c in 0..size.config_maps {
            let mut data = json!({
                "app.properties": format!("mode=production\nreplicas={c}\nnamespace={namespace}\n"),
            });
            if c == 0 {
                data["ca-bundle.crt"] = json!(format!(
                    "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                    "MIIDdzCCAl+gAwIBAgIEbench".repeat(8)
                ));
            }
            map_items.push(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("app-config-{c}"), "namespace": namespace},
                "data": data
            }));
        }
    }
    for (file, items) in [
        ("bench-namespaces.json", namespace_items),
        ("bench-events.json", event_items),
        ("bench-configmaps.json", map_items),
    ] {
        write(
            &root.join(file),
            &serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "List", "items": items}))?,
        )?;
    }
    Ok(())
}

/// Writes the ConfigMaps of [`ECHO_SIZES`] into `root` as one `kubectl get -o json` list.
pub fn write_echo_bodies(root: &Path) -> Result<(), BenchError> {
    let items: Vec<Value> = ECHO_SIZES
        .iter()
        .map(|(size, bytes)| {
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("body-{size}"), "namespace": ECHO_NAMESPACE},
                // Varied printable text, so nothing on the way can shortcut a run of one byte.
                "data": {"body": (0..*bytes).map(|i| char::from(b'a' + (i % 26) as u8)).collect::<String>()}
            })
        })
        .collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    write(
        &root.join("bench-configmaps.json"),
        &serde_json::to_vec(&list)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_cluster_loads_with_every_object() {
        let dir = tempfile::tempdir().unwrap();
        let size = ClusterSize {
            nodes: 4,
            pods: 50,
            namespaces: 11,
            events: 3,
            config_maps: 2,
        };
        let now: jiff::Timestamp = "2026-06-01T12:00:00Z".parse().unwrap();
        write_cluster(dir.path(), size, now).unwrap();
        let snapshot = wagather_snapshot::Snapshot::load(dir.path()).unwrap();
        assert!(snapshot.warnings().is_empty(), "{:?}", snapshot.warnings());
        // Nodes, pods, then per namespace the namespace, its events and ConfigMaps.
        assert_eq!(snapshot.object_count(), 4 + 50 + 11 * (1 + 3 + 2));
        let events: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("bench-events.json")).unwrap())
                .unwrap();
        let first = &events["items"][0];
        assert_eq!(first["metadata"]["namespace"], "openshift-bench-000");
        assert_eq!(first["lastTimestamp"], "2026-06-01T11:59:00Z");
        // An event is about a pod of its namespace.
        let pod = first["involvedObject"]["name"].as_str().unwrap();
        assert!(
            dir.path()
                .join("config/pod/openshift-bench-000")
                .join(format!("{pod}.json"))
                .is_file(),
            "{pod}"
        );
    }

    #[test]
    fn generated_pods_load_as_pods() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_pods(dir.path(), 30, 3).unwrap();
        write_echo_bodies(dir.path()).unwrap();
        assert_eq!(files.len(), 30);
        let snapshot = wagather_snapshot::Snapshot::load(dir.path()).unwrap();
        assert_eq!(
            snapshot.object_count(),
            30 + node_count(30) + ECHO_SIZES.len()
        );
        let file = dir
            .path()
            .join("config/pod/tenant-001/app-00001-7d9f8b6c5-x0001.json");
        let pod: k8s_openapi::api::core::v1::Pod =
            serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        assert_eq!(pod.metadata.namespace.as_deref(), Some("tenant-001"));
        // Every pod runs on a node of the snapshot.
        let node = pod.spec.unwrap().node_name.unwrap();
        let file = dir.path().join("config/node").join(format!("{node}.json"));
        let node: k8s_openapi::api::core::v1::Node =
            serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        assert_eq!(
            node.metadata.labels.unwrap()["topology.kubernetes.io/zone"],
            "zone-1"
        );
    }
}
