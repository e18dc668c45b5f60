//! `clusterconfig/image`: the cluster's `Image` configuration.
//!
//! IO (`gather_cluster_image.go`) GETs `images.config.openshift.io/cluster` with a typed client and
//! writes it to `config/image.json` without `managedFields`. A typed GET has no `kind` or
//! `apiVersion`; nothing is written when the object does not exist. Nothing is anonymized.

use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;

/// Records `config/image`.
#[gatherer(
    name = "clusterconfig/image",
    reads = ["config.openshift.io/v1/images"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    insights_common::gather_singleton(ctx, config_v1::images(), "cluster", "config/image", |_| {})
}

#[cfg(test)]
mod tests {
    use insights_common::testing::Singleton;

    const OBJECT: Singleton = Singleton {
        gather: crate::__wagather_run,
        manifest: crate::__WAGATHER_MANIFEST,
        path: "/apis/config.openshift.io/v1/images/cluster",
        sample: "config/image.json",
        api_version: "config.openshift.io/v1",
        kind: "Image",
    };

    #[test]
    fn writes_the_object_as_the_sample_has_it() {
        OBJECT.assert_writes_the_sample();
    }

    #[test]
    fn a_missing_object_is_no_record_and_no_error() {
        OBJECT.assert_missing_is_nothing();
    }
}
