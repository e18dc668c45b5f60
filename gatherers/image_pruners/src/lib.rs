//! `clusterconfig/image_pruners`: the image registry's pruner config.
//!
//! IO (`gather_image_pruners.go`) GETs `imagepruners.imageregistry.operator.openshift.io/cluster`
//! with a typed client (no `kind` or `apiVersion`) and writes it to
//! `config/clusteroperator/imageregistry.operator.openshift.io/imagepruner/<name>.json`
//! without `managedFields`; nothing when it does not exist. Nothing is anonymized.

use wagather_sdk::apis::imageregistry_v1;
use wagather_sdk::prelude::*;

/// Records the pruner config.
#[gatherer(
    name = "clusterconfig/image_pruners",
    reads = ["imageregistry.operator.openshift.io/v1/imagepruners"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    insights_common::gather_singleton(
        ctx,
        imageregistry_v1::image_pruners(),
        "cluster",
        "config/clusteroperator/imageregistry.operator.openshift.io/imagepruner/cluster",
        |_| {},
    )
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};

    const RECORD: &str =
        "config/clusteroperator/imageregistry.operator.openshift.io/imagepruner/cluster.json";

    #[test]
    fn writes_the_sample_pruner() {
        let server = Server::new();
        server.object(
            "/apis/imageregistry.operator.openshift.io/v1/imagepruners/cluster",
            &sample(RECORD),
            "imageregistry.operator.openshift.io/v1",
            "ImagePruner",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, RECORD);
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
