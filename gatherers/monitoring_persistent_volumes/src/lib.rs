//! `clusterconfig/monitoring_persistent_volumes`: the persistent volumes of the monitoring
//! stack's Prometheus.
//!
//! IO (`gather_monitoring_pvs.go`) lists the claims of `openshift-monitoring` and, for each
//! whose name contains `prometheus-k8s`, GETs its volume (`spec.volumeName`) with a typed
//! client (no `kind` or `apiVersion`) and writes it to `config/persistentvolumes/<name>.json`
//! without `managedFields`. A volume it cannot read is reported and the others are still
//! gathered. Nothing is anonymized.

use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;

/// Records `config/persistentvolumes/<name>` for each Prometheus volume.
#[gatherer(
    name = "clusterconfig/monitoring_persistent_volumes",
    reads = ["v1/persistentvolumeclaims in openshift-monitoring", "v1/persistentvolumes"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let claims = core_v1::persistent_volume_claims()
        .namespaced("openshift-monitoring")
        .list_objects(&ListParams::default())?;
    for claim in claims
        .iter()
        .filter(|c| c.name().contains("prometheus-k8s"))
    {
        let volume = claim.str_at(&["spec", "volumeName"]).unwrap_or("");
        match core_v1::persistent_volumes().get_object(volume) {
            Ok(volume) => ctx.record_object(
                format!("config/persistentvolumes/{}", volume.name()),
                &volume.without_type_meta(),
            )?,
            Err(e) => ctx.error(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, record_json, sample};
    use serde_json::json;

    #[test]
    fn writes_the_volumes_of_prometheus_claims() {
        // The sample's monitoring volume, bound to a Prometheus claim (its file is named
        // differently from the volume, which IO's path follows).
        let volume = sample("config/persistentvolumes/monitoring-persistent-volume.json");
        let name = volume["metadata"]["name"].as_str().unwrap().to_owned();
        let claim_ref = &volume["spec"]["claimRef"];
        let claim = json!({"metadata": {"name": claim_ref["name"], "namespace": "openshift-monitoring"},
                           "spec": {"volumeName": name}});
        let alertmanager = json!({"metadata": {"name": "alertmanager-data", "namespace": "openshift-monitoring"},
                                  "spec": {"volumeName": "am"}});
        let missing = json!({"metadata": {"name": "prometheus-k8s-db-2", "namespace": "openshift-monitoring"},
                             "spec": {"volumeName": "gone"}});
        let server = Server::new();
        server.list(
            "/api/v1/namespaces/openshift-monitoring/persistentvolumeclaims",
            "v1",
            "PersistentVolumeClaim",
            &[claim, alertmanager, missing],
        );
        server.object(
            &format!("/api/v1/persistentvolumes/{name}"),
            &volume,
            "v1",
            "PersistentVolume",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.records.len(), 1);
        assert_eq!(
            record_json(&output, &format!("config/persistentvolumes/{name}.json")),
            volume
        );
        assert_eq!(output.errors.len(), 1, "the missing volume is reported");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
