//! `clusterconfig/machine_autoscalers`: every MachineAutoscaler.
//!
//! IO (`gather_machine_autoscaler.go`) lists `machineautoscalers.autoscaling.openshift.io/v1beta1`
//! with its dynamic client (objects keep `kind` and `apiVersion`) and writes each to
//! `config/machineautoscalers/[<namespace>/]<name>.json` without `managedFields` (the sample's
//! file still has them: it predates that). A cluster without the resource gives no record and
//! no error. Nothing is anonymized.

use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/machine_autoscalers", reads = ["autoscaling.openshift.io/v1beta1/machineautoscalers"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "autoscaling.openshift.io",
        "v1beta1",
        "machineautoscalers",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        ctx.record_object(
            insights_common::record_path("config/machineautoscalers", &object),
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

    const LIST: &str = "/apis/autoscaling.openshift.io/v1beta1/machineautoscalers";

    #[test]
    fn writes_every_object_as_the_sample_has_it_without_managed_fields() {
        let objects = sample_objects("config/machineautoscalers");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "autoscaling.openshift.io/v1beta1",
            "MachineAutoscaler",
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
