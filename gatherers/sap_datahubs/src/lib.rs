//! `clusterconfig/sap_datahubs`: every SAP Data Intelligence DataHub.
//!
//! IO (`gather_sap_datahubs.go`) lists `datahubs.installers.datahub.sap.com/v1alpha1` with its
//! dynamic client (objects keep `kind` and `apiVersion`) and writes each to
//! `customresources/installers.datahub.sap.com/datahubs/<namespace>/<name>.json` without
//! `managedFields`. A cluster without the resource gives no record and no error. Nothing is
//! anonymized.

use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/sap_datahubs", reads = ["installers.datahub.sap.com/v1alpha1/datahubs"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "installers.datahub.sap.com",
        "v1alpha1",
        "datahubs",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        ctx.record_object(
            format!(
                "customresources/installers.datahub.sap.com/datahubs/{}/{}",
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

    const LIST: &str = "/apis/installers.datahub.sap.com/v1alpha1/datahubs";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects("customresources/installers.datahub.sap.com/datahubs");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "installers.datahub.sap.com/v1alpha1",
            "DataHub",
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
