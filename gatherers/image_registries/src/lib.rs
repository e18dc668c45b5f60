//! `clusterconfig/image_registries`: the image registry operator's config, storage secrets
//! hidden, and the persistent volume of its storage claim.
//!
//! IO (`gather_cluster_image_registries.go`):
//!
//! - GETs `configs.imageregistry.operator.openshift.io/cluster` with a typed client (no `kind`
//!   or `apiVersion`); nothing at all when it does not exist;
//! - when `spec.storage.pvc` is set, finds the claim of that name among the claims of every
//!   namespace, GETs its volume and writes it to `config/persistentvolumes/<volume>.json`
//!   without `managedFields` (a claim or volume it cannot find is only logged);
//! - writes the config to
//!   `config/clusteroperator/imageregistry.operator.openshift.io/config/<name>.json` without
//!   `managedFields`, after turning into `x`s of their length: `spec.httpSecret`; in both
//!   `spec.storage` and `status.storage`, S3 `bucket`, `keyID`, `regionEndpoint`, `region`;
//!   Azure `accountName`, `container`, `cloudName`; GCS `bucket`, `keyID`, `projectID`,
//!   `region`; Swift `authURL`, `container`, `domain`, `domainID`, `tenant`, `tenantID`,
//!   `regionName`; IBM COS `bucket`, `resourceKeyCRN`, `serviceInstanceCRN`,
//!   `resourceGroupName`, `location`; and the annotation
//!   `kubectl.kubernetes.io/last-applied-configuration`.

use insights_common::anonymize::x;
use wagather_sdk::apis::{core_v1, imageregistry_v1};
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// The storage fields IO hides, by storage type.
const STORAGE_SECRETS: [(&str, &[&str]); 5] = [
    ("s3", &["bucket", "keyID", "regionEndpoint", "region"]),
    ("azure", &["accountName", "container", "cloudName"]),
    ("gcs", &["bucket", "keyID", "projectID", "region"]),
    (
        "swift",
        &[
            "authURL",
            "container",
            "domain",
            "domainID",
            "tenant",
            "tenantID",
            "regionName",
        ],
    ),
    (
        "ibmcos",
        &[
            "bucket",
            "resourceKeyCRN",
            "serviceInstanceCRN",
            "resourceGroupName",
            "location",
        ],
    ),
];

/// Records the registry config and, with a storage claim, its volume.
#[gatherer(
    name = "clusterconfig/image_registries",
    reads = [
        "imageregistry.operator.openshift.io/v1/configs",
        "v1/persistentvolumeclaims",
        "v1/persistentvolumes",
    ]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let mut config = match imageregistry_v1::configs().get_object("cluster") {
        Ok(config) => config.without_type_meta(),
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    if let Some(claim) = config
        .get(&["spec", "storage", "pvc"])
        .filter(|c| !c.is_null())
    {
        let claim = claim
            .get("claim")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        // IO logs a volume it cannot find and goes on.
        if let Ok(Some(volume)) = volume_of_claim(&claim) {
            ctx.record_object(
                format!("config/persistentvolumes/{}", volume.name()),
                &volume,
            )?;
        }
    }
    anonymize(&mut config);
    ctx.record_object(
        format!(
            "config/clusteroperator/imageregistry.operator.openshift.io/config/{}",
            config.name()
        ),
        &config,
    )
}

/// `findPVByPVCName`: the volume of the first claim named `claim` in any namespace.
fn volume_of_claim(claim: &str) -> Result<Option<Object>> {
    let claims = core_v1::persistent_volume_claims()
        .all_namespaces()
        .list_objects(&ListParams::default())?;
    let Some(found) = claims
        .iter()
        .find(|c| c.name() == claim && !claim.is_empty())
    else {
        return Ok(None);
    };
    let volume = found.str_at(&["spec", "volumeName"]).unwrap_or("");
    Ok(Some(
        core_v1::persistent_volumes()
            .get_object(volume)?
            .without_type_meta(),
    ))
}

/// `anonymizeImageRegistry`.
fn anonymize(config: &mut Object) {
    if let Some(Value::String(secret)) = config.get_mut(&["spec", "httpSecret"]) {
        *secret = x(secret);
    }
    for part in ["spec", "status"] {
        for (storage, fields) in STORAGE_SECRETS {
            for field in fields {
                if let Some(Value::String(value)) =
                    config.get_mut(&[part, "storage", storage, field])
                {
                    *value = x(value);
                }
            }
        }
    }
    if let Some(Value::String(applied)) = config.get_mut(&[
        "metadata",
        "annotations",
        "kubectl.kubernetes.io/last-applied-configuration",
    ]) {
        *applied = x(applied);
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample};
    use serde_json::json;

    const CONFIG: &str = "/apis/imageregistry.operator.openshift.io/v1/configs/cluster";
    const RECORD: &str =
        "config/clusteroperator/imageregistry.operator.openshift.io/config/cluster.json";

    #[test]
    fn writes_the_sample_config() {
        let server = Server::new();
        server.object(
            CONFIG,
            &sample(RECORD),
            "imageregistry.operator.openshift.io/v1",
            "Config",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1, "emptyDir storage has no volume");
        assert_matches_sample(&output, RECORD);
    }

    #[test]
    fn a_storage_claim_brings_its_volume_and_secrets_are_hidden() {
        let mut config = sample(RECORD);
        config["spec"]["storage"] = json!({"pvc": {"claim": "image-registry-storage"},
            "s3": {"bucket": "acme-registry", "region": "us-east-2", "encrypt": true}});
        config["status"]["storage"] = json!({"gcs": {"projectID": "acme", "keyID": "k"}});
        config["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/last-applied-configuration": "{\"a\":1}"});
        // A real bound volume of the sample, claimed by the registry.
        let mut volume = sample("config/persistentvolumes/task-pv-volume.json");
        volume["spec"]["claimRef"] = json!({"kind": "PersistentVolumeClaim", "namespace": "openshift-image-registry", "name": "image-registry-storage"});
        let claim = json!({"metadata": {"name": "image-registry-storage", "namespace": "openshift-image-registry"},
                           "spec": {"volumeName": "task-pv-volume"}, "status": {"phase": "Bound"}});
        let other = json!({"metadata": {"name": "data", "namespace": "x"}, "spec": {"volumeName": "other"}});
        let server = Server::new();
        server.object(
            CONFIG,
            &config,
            "imageregistry.operator.openshift.io/v1",
            "Config",
        );
        server.list(
            "/api/v1/persistentvolumeclaims",
            "v1",
            "PersistentVolumeClaim",
            &[other, claim],
        );
        server.object(
            "/api/v1/persistentvolumes/task-pv-volume",
            &volume,
            "v1",
            "PersistentVolume",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        // The sample's volume still has managedFields; IO drops them.
        let mut expected = volume.clone();
        expected["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        assert_eq!(
            record_json(&output, "config/persistentvolumes/task-pv-volume.json"),
            expected
        );
        let written = record_json(&output, RECORD);
        assert_eq!(
            written["spec"]["storage"]["s3"],
            json!({"bucket": "xxxxxxxxxxxxx", "region": "xxxxxxxxx", "encrypt": true})
        );
        assert_eq!(
            written["status"]["storage"]["gcs"],
            json!({"projectID": "xxxx", "keyID": "x"})
        );
        assert_eq!(
            written["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            "xxxxxxx"
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
