//! `clusterconfig/infrastructures`: the cluster's `Infrastructure` configuration, anonymized.
//!
//! IO (`gather_cluster_infrastructure.go`) GETs `infrastructures.config.openshift.io/cluster`
//! with a typed client (no `kind` or `apiVersion`) and writes it to
//! `config/infrastructure.json` without `managedFields`, after hiding:
//!
//! - `status.infrastructureName`: every character but `.-/:` becomes `x` (URL-x);
//! - in `status.platformStatus`: `aws.region`, `azure.cloudName`, `gcp.region`,
//!   `gcp.projectID`, `ibmcloud.location` and `openstack.cloudName` become `x`s of their
//!   length.
//!
//! Nothing is written when the object does not exist.

use insights_common::anonymize::{url, x};
use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records `config/infrastructure`.
#[gatherer(
    name = "clusterconfig/infrastructures",
    reads = ["config.openshift.io/v1/infrastructures"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    insights_common::gather_singleton(
        ctx,
        config_v1::infrastructures(),
        "cluster",
        "config/infrastructure",
        anonymize,
    )
}

/// `anonymizeInfrastructure`.
fn anonymize(infrastructure: &mut Object) {
    if let Some(Value::String(name)) = infrastructure.get_mut(&["status", "infrastructureName"]) {
        *name = url(name);
    }
    for (platform, field) in [
        ("aws", "region"),
        ("azure", "cloudName"),
        ("gcp", "region"),
        ("gcp", "projectID"),
        ("ibmcloud", "location"),
        ("openstack", "cloudName"),
    ] {
        if let Some(Value::String(value)) =
            infrastructure.get_mut(&["status", "platformStatus", platform, field])
        {
            *value = x(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample};
    use serde_json::json;

    const PATH: &str = "/apis/config.openshift.io/v1/infrastructures/cluster";

    #[test]
    fn writes_the_object_as_the_sample_has_it() {
        let server = Server::new();
        server.object(
            PATH,
            &sample("config/infrastructure.json"),
            "config.openshift.io/v1",
            "Infrastructure",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, "config/infrastructure.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn cloud_names_and_regions_are_hidden() {
        let mut infrastructure = sample("config/infrastructure.json");
        infrastructure["status"]["infrastructureName"] = json!("prod-7x2kq");
        infrastructure["status"]["platformStatus"] = json!({
            "type": "GCP",
            "gcp": {"projectID": "acme-prod", "region": "europe-west4"},
            "aws": {"region": "us-east-2", "serviceEndpoints": [{"name": "ec2", "url": "https://e"}]},
            "azure": {"cloudName": "AzurePublicCloud", "resourceGroupName": "rg"},
            "ibmcloud": {"location": "eu-de"},
            "openstack": {"cloudName": "openstack"},
        });
        let server = Server::new();
        server.object(
            PATH,
            &infrastructure,
            "config.openshift.io/v1",
            "Infrastructure",
        );
        let output = server.run(crate::__wagather_run, &[]);
        let status = &record_json(&output, "config/infrastructure.json")["status"];
        assert_eq!(status["infrastructureName"], "xxxx-xxxxx");
        assert_eq!(
            status["platformStatus"],
            json!({
                "type": "GCP",
                "gcp": {"projectID": "xxxxxxxxx", "region": "xxxxxxxxxxxx"},
                "aws": {"region": "xxxxxxxxx", "serviceEndpoints": [{"name": "ec2", "url": "https://e"}]},
                "azure": {"cloudName": "xxxxxxxxxxxxxxxx", "resourceGroupName": "rg"},
                "ibmcloud": {"location": "xxxxx"},
                "openstack": {"cloudName": "xxxxxxxxx"},
            })
        );
    }
}
