//! `clusterconfig/networks`: the cluster's `Network` configuration.
//!
//! IO (`gather_cluster_network.go`) GETs `networks.config.openshift.io/cluster` with a typed client and
//! writes it to `config/network.json` without `managedFields`. A typed GET has no `kind` or
//! `apiVersion`; nothing is written when the object does not exist. Nothing is anonymized.

use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;

/// Records `config/network`.
#[gatherer(
    name = "clusterconfig/networks",
    reads = ["config.openshift.io/v1/networks"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    insights_common::gather_singleton(
        ctx,
        config_v1::networks(),
        "cluster",
        "config/network",
        |_| {},
    )
}

#[cfg(test)]
mod tests {
    use insights_common::testing::Singleton;

    const OBJECT: Singleton = Singleton {
        gather: crate::__wagather_run,
        manifest: crate::__WAGATHER_MANIFEST,
        path: "/apis/config.openshift.io/v1/networks/cluster",
        sample: "config/network.json",
        api_version: "config.openshift.io/v1",
        kind: "Network",
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
