//! `clusterconfig/nodes`: every node, anonymized.
//!
//! IO (`gather_nodes.go`) lists the nodes with a typed client and writes each to
//! `config/node/<name>.json` without `managedFields` (a typed list of a built-in kind: no `kind`
//! or `apiVersion`). Before that it anonymizes:
//!
//! - the value of every annotation whose key is not a product key (containing
//!   `openshift.io/`, `k8s.io/` or `kubernetes.io/`) becomes `""`;
//! - the value of every label whose key is not a product key, and of the region labels
//!   `failure-domain.beta.kubernetes.io/region` and `topology.kubernetes.io/region`, becomes
//!   `x`s of its length;
//! - `status.nodeInfo.bootID`, `systemUUID` and `machineID` become `x`s;
//! - `status.images` is dropped.

use insights_common::anonymize::x;
use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records `config/node/<name>` for every node.
#[gatherer(name = "clusterconfig/nodes", reads = ["v1/nodes"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for node in core_v1::nodes().list_objects(&ListParams::default())? {
        let mut node = node.without_type_meta();
        anonymize(&mut node);
        ctx.record_object(format!("config/node/{}", node.name()), &node)?;
    }
    Ok(())
}

/// `isProductNamespacedKey`.
fn is_product_key(key: &str) -> bool {
    key.contains("openshift.io/") || key.contains("k8s.io/") || key.contains("kubernetes.io/")
}

/// `isRegionLabel`.
fn is_region_label(key: &str) -> bool {
    key == "failure-domain.beta.kubernetes.io/region" || key == "topology.kubernetes.io/region"
}

/// `anonymizeNode`.
fn anonymize(node: &mut Object) {
    if let Some(Value::Object(annotations)) = node.get_mut(&["metadata", "annotations"]) {
        for (key, value) in annotations.iter_mut() {
            if !is_product_key(key) {
                *value = Value::String(String::new());
            }
        }
    }
    if let Some(Value::Object(labels)) = node.get_mut(&["metadata", "labels"]) {
        for (key, value) in labels.iter_mut() {
            if !is_product_key(key) || is_region_label(key) {
                *value = Value::String(x(value.as_str().unwrap_or("")));
            }
        }
    }
    if let Some(Value::Object(info)) = node.get_mut(&["status", "nodeInfo"]) {
        // Plain strings in Go's NodeSystemInfo: written even when empty.
        for key in ["bootID", "systemUUID", "machineID"] {
            let hidden = x(info.get(key).and_then(Value::as_str).unwrap_or(""));
            info.insert(key.to_owned(), Value::String(hidden));
        }
    }
    node.remove(&["status", "images"]);
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample_objects};
    use serde_json::json;

    #[test]
    fn writes_every_node_as_the_sample_has_it() {
        let nodes = sample_objects("config/node");
        assert_eq!(nodes.len(), 2);
        let server = Server::new();
        let items: Vec<_> = nodes.iter().map(|(_, n)| n.clone()).collect();
        server.list("/api/v1/nodes", "v1", "Node", &items);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 2);
        for (path, _) in &nodes {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn anonymizes_as_io_does() {
        let server = Server::new();
        let node = json!({
            "metadata": {"name": "n1",
                "labels": {"kubernetes.io/hostname": "n1", "topology.kubernetes.io/region": "us-east-2",
                           "team": "blue"},
                "annotations": {"machine.openshift.io/machine": "m", "owner": "alice"}},
            "status": {"nodeInfo": {"bootID": "b-1", "systemUUID": "uuid", "machineID": "mid",
                                    "kernelVersion": "5.14"},
                       "images": [{"names": ["quay.io/x"], "sizeBytes": 1}]},
        });
        server.list("/api/v1/nodes", "v1", "Node", &[node]);
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(
            record_json(&output, "config/node/n1.json"),
            json!({
                "metadata": {"name": "n1",
                    "labels": {"kubernetes.io/hostname": "n1", "topology.kubernetes.io/region": "xxxxxxxxx",
                               "team": "xxxx"},
                    "annotations": {"machine.openshift.io/machine": "m", "owner": ""}},
                "status": {"nodeInfo": {"bootID": "xxx", "systemUUID": "xxxx", "machineID": "xxx",
                                        "kernelVersion": "5.14"}},
            })
        );
    }
}
