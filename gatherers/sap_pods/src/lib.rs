//! `clusterconfig/sap_pods`: the failing pods of SAP Data Intelligence namespaces.
//!
//! IO (`gather_sap_pods.go`) lists `datahubs.installers.datahub.sap.com/v1alpha1` (nothing
//! when the resource is not served) and, once per namespace holding a DataHub, lists its pods
//! with a typed client. A pod that is neither running nor succeeded is written to
//! `config/pod/<namespace>/<pod>.json` (no `kind`, no `managedFields`, nothing anonymized)
//! unless a Job owning it has succeeded; IO reads each owning Job for that. Failing to read a
//! Job, or pods for another reason than a 404, drops every record and is reported.

use std::collections::BTreeSet;

use wagather_sdk::apis::{batch_v1, core_v1};
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records the failing pods of DataHub namespaces.
#[gatherer(
    name = "clusterconfig/sap_pods",
    reads = ["installers.datahub.sap.com/v1alpha1/datahubs", "v1/pods", "batch/v1/jobs"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let datahubs = Dynamic::namespaced("installers.datahub.sap.com", "v1alpha1", "datahubs");
    let mut namespaces = BTreeSet::new();
    let mut records = Vec::new();
    for datahub in insights_common::list_dynamic(&datahubs)? {
        let namespace = datahub.namespace().unwrap_or("").to_owned();
        if !namespaces.insert(namespace.clone()) {
            continue;
        }
        let pods = match core_v1::pods()
            .namespaced(namespace.as_str())
            .list_objects(&ListParams::default())
        {
            Ok(pods) => pods,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        for pod in pods {
            if matches!(
                pod.str_at(&["status", "phase"]),
                Some("Running" | "Succeeded")
            ) {
                continue;
            }
            if owned_by_succeeded_job(&pod)? {
                continue;
            }
            let pod = pod.without_type_meta();
            records.push((format!("config/pod/{}/{}", namespace, pod.name()), pod));
        }
    }
    for (path, pod) in &records {
        ctx.record_object(path, pod)?;
    }
    Ok(())
}

/// Whether a Job owning `pod` has succeeded pods (`status.succeeded > 0`).
fn owned_by_succeeded_job(pod: &Object) -> Result<bool> {
    let namespace = pod.namespace().unwrap_or("");
    for owner in pod
        .array_at(&["metadata", "ownerReferences"])
        .into_iter()
        .flatten()
    {
        if owner.get("kind").and_then(Value::as_str) != Some("Job") {
            continue;
        }
        let name = owner.get("name").and_then(Value::as_str).unwrap_or("");
        let job = batch_v1::jobs().namespaced(namespace).get_object(name)?;
        if job
            .get(&["status", "succeeded"])
            .and_then(Value::as_i64)
            .unwrap_or(0)
            > 0
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample, samples_under};
    use serde_json::json;

    const DATAHUBS: &str = "/apis/installers.datahub.sap.com/v1alpha1/datahubs";

    #[test]
    fn writes_failing_pods_not_owned_by_a_succeeded_job() {
        // The sample's DataHub namespace pods (the sample files them under di-288312).
        let mut datahub =
            sample("customresources/installers.datahub.sap.com/datahubs/sdi/default.json");
        datahub["metadata"]["namespace"] = json!("di-288312");
        let pods = samples_under("config/pod/di-288312");
        assert_eq!(pods.len(), 4);
        let server = Server::new();
        server.list(
            DATAHUBS,
            "installers.datahub.sap.com/v1alpha1",
            "DataHub",
            &[datahub.clone(), datahub],
        );
        let mut items: Vec<_> = pods.iter().map(|(_, p)| p.clone()).collect();
        // A running pod and one whose job succeeded are not written.
        let mut running = items[0].clone();
        running["metadata"]["name"] = json!("running");
        running["status"]["phase"] = json!("Running");
        let mut done = items[0].clone();
        done["metadata"]["name"] = json!("done");
        done["metadata"]["ownerReferences"] =
            json!([{"kind": "Job", "name": "finished", "apiVersion": "batch/v1", "uid": "u"}]);
        items.extend([running, done]);
        server.list("/api/v1/namespaces/di-288312/pods", "v1", "Pod", &items);
        for (_, pod) in &pods {
            for owner in pod["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if owner["kind"] == "Job" {
                    let name = owner["name"].as_str().unwrap();
                    server.object(&format!("/apis/batch/v1/namespaces/di-288312/jobs/{name}"),
                        &json!({"metadata": {"name": name, "namespace": "di-288312"}, "status": {"failed": 1}}), "batch/v1", "Job");
                }
            }
        }
        server.object("/apis/batch/v1/namespaces/di-288312/jobs/finished",
            &json!({"metadata": {"name": "finished", "namespace": "di-288312"}, "status": {"succeeded": 1}}), "batch/v1", "Job");
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 4);
        for (path, _) in &pods {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn an_unreadable_job_drops_everything() {
        let mut datahub =
            sample("customresources/installers.datahub.sap.com/datahubs/sdi/default.json");
        datahub["metadata"]["namespace"] = json!("di-288312");
        let server = Server::new();
        server.list(
            DATAHUBS,
            "installers.datahub.sap.com/v1alpha1",
            "DataHub",
            &[datahub],
        );
        let items: Vec<_> = samples_under("config/pod/di-288312")
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        server.list("/api/v1/namespaces/di-288312/pods", "v1", "Pod", &items);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty());
        assert_eq!(output.errors.len(), 1);
    }
}
