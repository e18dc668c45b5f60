//! `clusterconfig/feature_gates`: the cluster's `FeatureGate` configuration.
//!
//! IO (`gather_cluster_feature_gates.go`) GETs `featuregates.config.openshift.io/cluster` with a typed client and
//! writes it to `config/featuregate.json` without `managedFields`. A typed GET has no `kind` or
//! `apiVersion`; nothing is written when the object does not exist. Nothing is anonymized.

use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;

/// Records `config/featuregate`.
#[gatherer(
    name = "clusterconfig/feature_gates",
    reads = ["config.openshift.io/v1/featuregates"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    insights_common::gather_singleton(
        ctx,
        config_v1::feature_gates(),
        "cluster",
        "config/featuregate",
        |_| {},
    )
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};

    const PATH: &str = "/apis/config.openshift.io/v1/featuregates/cluster";

    #[test]
    fn writes_the_object_as_the_sample_has_it() {
        let server = Server::new();
        server.object(
            PATH,
            &sample("config/featuregate.json"),
            "config.openshift.io/v1",
            "FeatureGate",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1);
        assert_matches_sample(&output, "config/featuregate.json");
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
