//! `clusterconfig/openstack_controlplanes`: every OpenStackControlPlane.
//!
//! IO (`gather_openstack_controlplanes.go`) lists `openstackcontrolplanes.core.openstack.org/v1beta1` with its dynamic client (objects keep
//! `kind` and `apiVersion`) and writes each to
//! `namespaces/<namespace>/core.openstack.org/openstackcontrolplanes/<name>.json` without `managedFields`, after removing the
//! annotation `kubectl.kubernetes.io/last-applied-configuration` and hiding
//! `spec.dns.template.options`: a string becomes `x`s of its length, an empty string or any
//! other value becomes `"xxx"`.
//! A cluster without the resource gives no record and no error.

use insights_common::anonymize::x;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/openstack_controlplanes", reads = ["core.openstack.org/v1beta1/openstackcontrolplanes"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "core.openstack.org",
        "v1beta1",
        "openstackcontrolplanes",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        prepare(&mut object);
        ctx.record_object(
            format!(
                "namespaces/{}/core.openstack.org/openstackcontrolplanes/{}",
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

/// `prepareOpenStackControlPlane`: `removeFields` and `anonymizeFields`.
fn prepare(plane: &mut Object) {
    plane.remove(&["metadata", "annotations", LAST_APPLIED]);
    let path = ["spec", "dns", "template", "options"];
    if let Some(value) = plane.get_mut(&path) {
        let hidden = match value.as_str() {
            Some(text) if !text.is_empty() => x(text),
            _ => "xxx".to_owned(),
        };
        *value = Value::String(hidden);
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, record_json, sample_objects,
    };

    const LIST: &str = "/apis/core.openstack.org/v1beta1/openstackcontrolplanes";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects =
            sample_objects("namespaces/openstack/core.openstack.org/openstackcontrolplanes");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "core.openstack.org/v1beta1",
            "OpenStackControlPlane",
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
    fn options_are_hidden_and_last_applied_removed() {
        let (path, mut plane) =
            sample_objects("namespaces/openstack/core.openstack.org/openstackcontrolplanes")
                .remove(0);
        plane["spec"]["dns"]["template"]["options"] =
            serde_json::json!([{"key": "server", "values": ["10.0.0.1"]}]);
        plane["metadata"]["annotations"] =
            serde_json::json!({super::LAST_APPLIED: "{}", "keep": "me"});
        let server = Server::new();
        server.list(
            LIST,
            "core.openstack.org/v1beta1",
            "OpenStackControlPlane",
            &[plane],
        );
        let output = server.run(crate::__wagather_run, &[]);
        let written = record_json(&output, &path);
        assert_eq!(written["spec"]["dns"]["template"]["options"], "xxx");
        assert_eq!(
            written["metadata"]["annotations"],
            serde_json::json!({"keep": "me"})
        );
    }
}
