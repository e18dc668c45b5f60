//! `clusterconfig/openstack_dataplanenodesets`: every OpenStackDataPlaneNodeSet.
//!
//! IO (`gather_openstack_dataplane_node_sets.go`) lists `openstackdataplanenodesets.dataplane.openstack.org/v1beta1` with its dynamic client (objects keep
//! `kind` and `apiVersion`) and writes each to
//! `namespaces/<namespace>/dataplane.openstack.org/openstackdataplanenodesets/<name>.json` without `managedFields`, after removing the
//! annotation `kubectl.kubernetes.io/last-applied-configuration` and hiding:
//!
//! - every member named `ansibleHost`, `ansibleUser`, `edpm_sshd_allowed_ranges` or
//!   `dnsClusterAddresses`, at any depth of nested objects (not inside arrays): a string
//!   becomes `x`s of its length, an empty string or any other value `"xxx"`;
//! - every hostname of `status.allHostnames.<host>.<network>` becomes `x`s of its length.
//!
//! A cluster without the resource gives no record and no error.

use insights_common::anonymize::x;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::{Map, Value};

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/openstack_dataplanenodesets", reads = ["dataplane.openstack.org/v1beta1/openstackdataplanenodesets"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "dataplane.openstack.org",
        "v1beta1",
        "openstackdataplanenodesets",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        prepare(&mut object);
        ctx.record_object(
            format!(
                "namespaces/{}/dataplane.openstack.org/openstackdataplanenodesets/{}",
                object.namespace().unwrap_or(""),
                object.name()
            ),
            &object,
        )?;
    }
    Ok(())
}

/// The annotation IO removes: it repeats the whole object as last applied.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The members IO hides wherever they are (`customFieldsToAnonymize`).
const HIDDEN_MEMBERS: [&str; 4] = [
    "ansibleHost",
    "ansibleUser",
    "edpm_sshd_allowed_ranges",
    "dnsClusterAddresses",
];

/// `prepareOpenStackDataPlaneNodeSet`.
fn prepare(node_set: &mut Object) {
    node_set.remove(&["metadata", "annotations", LAST_APPLIED]);
    hide_members(node_set.as_map_mut());
    if let Some(Value::Object(hosts)) = node_set.get_mut(&["status", "allHostnames"]) {
        for networks in hosts.values_mut() {
            let Value::Object(networks) = networks else {
                continue;
            };
            for hostname in networks.values_mut() {
                if let Value::String(name) = hostname {
                    *name = x(name);
                }
            }
        }
    }
}

/// `anonymizeCustomPathFields`: members named in [`HIDDEN_MEMBERS`] are hidden, other objects
/// are looked into.
fn hide_members(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        if HIDDEN_MEMBERS.contains(&key.as_str()) {
            let hidden = match value.as_str() {
                Some(text) if !text.is_empty() => x(text),
                _ => "xxx".to_owned(),
            };
            *value = Value::String(hidden);
        } else if let Value::Object(inner) = value {
            hide_members(inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, record_json, sample_objects,
    };

    const LIST: &str = "/apis/dataplane.openstack.org/v1beta1/openstackdataplanenodesets";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects(
            "namespaces/openstack/dataplane.openstack.org/openstackdataplanenodesets",
        );
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "dataplane.openstack.org/v1beta1",
            "OpenStackDataPlaneNodeSet",
            &items,
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), objects.len());
        for (path, _) in &objects {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn an_uninstalled_resource_is_no_record_and_no_error() {
        assert_missing_is_nothing(crate::__wagather_run, &format!("{LIST}?limit=500"));
    }

    #[test]
    fn hosts_users_and_ranges_are_hidden_at_any_depth() {
        let (path, mut set) = sample_objects(
            "namespaces/openstack/dataplane.openstack.org/openstackdataplanenodesets",
        )
        .remove(0);
        set["spec"]["nodes"] = serde_json::json!({"edpm-compute-0": {"ansible": {"ansibleHost": "192.168.122.100", "ansibleUser": "", "ansibleVars": {"edpm_sshd_allowed_ranges": ["192.168.122.0/24"]}}, "list": [{"ansibleHost": "kept in arrays"}]}});
        set["status"]["allHostnames"] = serde_json::json!({"edpm-compute-0": {"ctlplane": "edpm-compute-0.ctlplane.example.com"}});
        let server = Server::new();
        server.list(
            LIST,
            "dataplane.openstack.org/v1beta1",
            "OpenStackDataPlaneNodeSet",
            &[set],
        );
        let output = server.run(crate::__wagather_run, &[]);
        let written = record_json(&output, &path);
        assert_eq!(
            written["spec"]["nodes"],
            serde_json::json!({"edpm-compute-0": {"ansible": {"ansibleHost": "xxxxxxxxxxxxxxx", "ansibleUser": "xxx", "ansibleVars": {"edpm_sshd_allowed_ranges": "xxx"}}, "list": [{"ansibleHost": "kept in arrays"}]}})
        );
        assert_eq!(
            written["status"]["allHostnames"]["edpm-compute-0"]["ctlplane"],
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        );
    }
}
