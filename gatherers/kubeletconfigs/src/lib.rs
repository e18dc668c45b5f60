//! `clusterconfig/kubeletconfigs`: every KubeletConfig, `managedFields` included.
//!
//! IO (`gather_kubeletconfig.go`) lists them with its dynamic client and writes each object's
//! content with its plain JSON marshaller to `config/kubeletconfigs/<name>.json`: unlike most
//! gatherers it keeps `metadata.managedFields`. A cluster without the resource gives no record
//! and no error. Nothing is anonymized.

use wagather_sdk::apis::machineconfiguration_v1;
use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/kubeletconfigs", reads = ["machineconfiguration.openshift.io/v1/kubeletconfigs"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in
        insights_common::list_dynamic(&Dynamic::of::<machineconfiguration_v1::KubeletConfig>())?
    {
        #[allow(unused_mut)]
        let mut object = object;
        ctx.record_go_json(format!("config/kubeletconfigs/{}", object.name()), &object)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, sample_objects,
    };

    const LIST: &str = "/apis/machineconfiguration.openshift.io/v1/kubeletconfigs";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects("config/kubeletconfigs");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "machineconfiguration.openshift.io/v1",
            "KubeletConfig",
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
