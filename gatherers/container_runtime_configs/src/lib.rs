//! `clusterconfig/container_runtime_configs`: every ContainerRuntimeConfig.
//!
//! IO (`gather_container_runtime_configs.go`) lists them with its dynamic client (objects keep
//! `kind` and `apiVersion`) and writes each to `config/containerruntimeconfigs/<name>.json`
//! without `managedFields` (the sample's file still has them: it predates that). A cluster
//! without the resource gives no record and no error. Nothing is anonymized.

use wagather_sdk::apis::machineconfiguration_v1;
use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/container_runtime_configs", reads = ["machineconfiguration.openshift.io/v1/containerruntimeconfigs"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::of::<
        machineconfiguration_v1::ContainerRuntimeConfig,
    >())? {
        #[allow(unused_mut)]
        let mut object = object;
        ctx.record_object(
            format!("config/containerruntimeconfigs/{}", object.name()),
            &object,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_missing_is_nothing, record_json, sample_objects,
    };

    const LIST: &str = "/apis/machineconfiguration.openshift.io/v1/containerruntimeconfigs";

    #[test]
    fn writes_every_object_as_the_sample_has_it_without_managed_fields() {
        let objects = sample_objects("config/containerruntimeconfigs");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "machineconfiguration.openshift.io/v1",
            "ContainerRuntimeConfig",
            &items,
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), objects.len());
        for (path, object) in &objects {
            // The sample was written before IO dropped managedFields here.
            let mut expected = object.clone();
            let stale = expected["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("managedFields");
            assert!(stale.is_some(), "{path} no longer has managedFields");
            assert_eq!(record_json(&output, path), expected, "{path}");
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn an_uninstalled_resource_is_no_record_and_no_error() {
        assert_missing_is_nothing(crate::__wagather_run, &format!("{LIST}?limit=500"));
    }
}
