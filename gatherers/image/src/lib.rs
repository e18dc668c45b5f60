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
    use insights_common::testing::{Server, assert_matches_sample, sample};

    const PATH: &str = "/apis/config.openshift.io/v1/images/cluster";

    #[test]
    fn writes_the_object_as_the_sample_has_it() {
        let server = Server::new();
        server.object(
            PATH,
            &sample("config/image.json"),
            "config.openshift.io/v1",
            "Image",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1);
        assert_matches_sample(&output, "config/image.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn a_missing_object_is_no_record_and_no_error() {
        let server = Server::new();
        server.missing(PATH);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty());
        assert!(output.errors.is_empty(), "{:?}", output.errors);
    }
}
