//! `clusterconfig/number_of_pods_and_netnamespaces_with_sdn_annotations`: how many pods and
//! NetNamespaces use OpenShift SDN features that OVN-Kubernetes handles differently.
//!
//! IO (`gather_pod_and_netnamespaces_with_sdn_annotation.go`) counts the pods of every
//! namespace (pages of 500) with the annotation `pod.network.openshift.io/assign-macvlan`, and
//! the `netnamespaces.network.openshift.io/v1` (pages of 500) whose annotation
//! `netnamespace.network.openshift.io/multicast-enabled` is `"true"`. It writes
//! `aggregated/pods_and_netnamespaces_with_sdn_annotations.json` =
//! `{"pods_with_assign-macvlan_annotation": n, "netnamespaces_with_multicast-enabled_annotation": m}`
//! unless both are 0. A list that fails is reported and counts 0.

use wagather_sdk::apis::{core_v1, network_v1};
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// The record (`dataRecord`).
#[derive(serde::Serialize)]
struct Counts {
    #[serde(rename = "pods_with_assign-macvlan_annotation")]
    pods: usize,
    #[serde(rename = "netnamespaces_with_multicast-enabled_annotation")]
    netnamespaces: usize,
}

/// Records the counts when either is not 0.
#[gatherer(
    name = "clusterconfig/number_of_pods_and_netnamespaces_with_sdn_annotations",
    reads = ["v1/pods", "network.openshift.io/v1/netnamespaces"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let pods = match core_v1::pods()
        .all_namespaces()
        .list_objects(&ListParams::default())
    {
        Ok(pods) => pods
            .iter()
            .filter(|p| {
                p.annotations()
                    .is_some_and(|a| a.contains_key("pod.network.openshift.io/assign-macvlan"))
            })
            .count(),
        Err(e) => {
            ctx.error(e);
            0
        }
    };
    let netnamespaces = match network_v1::net_namespaces().list_objects(&ListParams::default()) {
        Ok(list) => list
            .iter()
            .filter(|n| {
                n.annotations()
                    .and_then(|a| a.get("netnamespace.network.openshift.io/multicast-enabled"))
                    .and_then(Value::as_str)
                    == Some("true")
            })
            .count(),
        Err(e) => {
            ctx.error(e);
            0
        }
    };
    if pods == 0 && netnamespaces == 0 {
        return Ok(());
    }
    ctx.record_go_json(
        "aggregated/pods_and_netnamespaces_with_sdn_annotations",
        &Counts {
            pods,
            netnamespaces,
        },
    )
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample, samples_under};
    use serde_json::json;

    #[test]
    fn writes_the_sample_counts() {
        let counts = sample("aggregated/pods_and_netnamespaces_with_sdn_annotations.json");
        let macvlan = counts["pods_with_assign-macvlan_annotation"]
            .as_u64()
            .unwrap();
        let multicast = counts["netnamespaces_with_multicast-enabled_annotation"]
            .as_u64()
            .unwrap();
        // Real pods of the sample, the first ones annotated.
        let mut pods: Vec<_> = samples_under("config/pod")
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        for pod in pods.iter_mut().take(macvlan as usize) {
            pod["metadata"]["annotations"]["pod.network.openshift.io/assign-macvlan"] =
                json!("true");
        }
        let mut netnamespaces: Vec<_> = (0..multicast).map(|i| json!({"metadata": {"name": format!("m{i}"),
            "annotations": {"netnamespace.network.openshift.io/multicast-enabled": "true"}}, "netname": "x", "netid": i})).collect();
        netnamespaces.push(json!({"metadata": {"name": "off", "annotations": {"netnamespace.network.openshift.io/multicast-enabled": "false"}}}));
        let server = Server::new();
        server.list("/api/v1/pods", "v1", "Pod", &pods);
        server.list(
            "/apis/network.openshift.io/v1/netnamespaces",
            "network.openshift.io/v1",
            "NetNamespace",
            &netnamespaces,
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(
            &output,
            "aggregated/pods_and_netnamespaces_with_sdn_annotations.json",
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn nothing_when_both_are_zero() {
        let server = Server::new();
        server.list("/api/v1/pods", "v1", "Pod", &[]);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty());
        assert_eq!(
            output.errors.len(),
            1,
            "the missing netnamespaces are reported"
        );
    }
}
