//! `clusterconfig/openstack_version`: every OpenStackVersion.
//!
//! IO (`gather_openstackversions.go`) lists `openstackversions.core.openstack.org/v1beta1` with its dynamic client (objects keep
//! `kind` and `apiVersion`) and writes each to
//! `namespaces/<namespace>/core.openstack.org/openstackversions/<name>.json` without `managedFields`. Nothing is anonymized.
//! A cluster without the resource gives no record and no error.

use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/openstack_version", reads = ["core.openstack.org/v1beta1/openstackversions"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "core.openstack.org",
        "v1beta1",
        "openstackversions",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        ctx.record_object(
            format!(
                "namespaces/{}/core.openstack.org/openstackversions/{}",
                object.namespace().unwrap_or(""),
                object.name()
            ),
            &object,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, sample_objects,
    };

    const LIST: &str = "/apis/core.openstack.org/v1beta1/openstackversions";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects("namespaces/openstack/core.openstack.org/openstackversions");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "core.openstack.org/v1beta1",
            "OpenStackVersion",
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
