//! `clusterconfig/openstack_dataplanedeployments`: every OpenStackDataPlaneDeployment.
//!
//! IO (`gather_openstack_dataplane_deployments.go`) lists `openstackdataplanedeployments.dataplane.openstack.org/v1beta1` with its dynamic client (objects keep
//! `kind` and `apiVersion`) and writes each to
//! `namespaces/<namespace>/dataplane.openstack.org/openstackdataplanedeployments/<name>.json` without `managedFields`, after removing the
//! annotation `kubectl.kubernetes.io/last-applied-configuration`.
//! A cluster without the resource gives no record and no error.

use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/openstack_dataplanedeployments", reads = ["dataplane.openstack.org/v1beta1/openstackdataplanedeployments"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "dataplane.openstack.org",
        "v1beta1",
        "openstackdataplanedeployments",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        prepare(&mut object);
        ctx.record_object(
            format!(
                "namespaces/{}/dataplane.openstack.org/openstackdataplanedeployments/{}",
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

/// `prepareOpenStackDataPlaneDeployment`.
fn prepare(deployment: &mut Object) {
    deployment.remove(&["metadata", "annotations", LAST_APPLIED]);
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, sample_objects,
    };

    const LIST: &str = "/apis/dataplane.openstack.org/v1beta1/openstackdataplanedeployments";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects(
            "namespaces/openstack/dataplane.openstack.org/openstackdataplanedeployments",
        );
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "dataplane.openstack.org/v1beta1",
            "OpenStackDataPlaneDeployment",
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
}
