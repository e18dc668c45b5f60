//! `clusterconfig/pdbs`: the PodDisruptionBudgets of `openshift-*` namespaces, at most 100.
//!
//! IO (`gather_pod_disruption_budgets.go`) lists them in every namespace with a typed client
//! (no `kind` or `apiVersion` on the items), keeps those of namespaces starting with
//! `openshift-`, and writes each to `config/pdbs/<namespace>/<name>.json` without
//! `managedFields`, stopping at 100 records. Nothing is anonymized.

use wagather_sdk::apis::policy_v1;
use wagather_sdk::prelude::*;

/// IO's cap on PDB records.
const LIMIT: usize = 100;

/// Records `config/pdbs/<namespace>/<name>` for the first [`LIMIT`] OpenShift PDBs.
#[gatherer(name = "clusterconfig/pdbs", reads = ["policy/v1/poddisruptionbudgets"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let budgets = policy_v1::pod_disruption_budgets()
        .all_namespaces()
        .list_objects(&ListParams::default())?;
    let openshift = budgets
        .into_iter()
        .filter(|b| b.namespace().is_some_and(|ns| ns.starts_with("openshift-")));
    for budget in openshift.take(LIMIT) {
        let budget = budget.without_type_meta();
        ctx.record_object(
            insights_common::record_path("config/pdbs", &budget),
            &budget,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, record_json, sample};
    use serde_json::json;

    const LIST: &str = "/apis/policy/v1/poddisruptionbudgets";
    const SAMPLE: &str = "config/pdbs/openshift-machine-config-operator/etcd-quorum-guard.json";

    #[test]
    fn writes_openshift_budgets_without_type_meta() {
        let pdb = sample(SAMPLE);
        let mut user = pdb.clone();
        user["metadata"]["namespace"] = json!("shop");
        let server = Server::new();
        server.list(
            LIST,
            "policy/v1",
            "PodDisruptionBudget",
            &[pdb.clone(), user],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1);
        // The sample was written from a policy/v1beta1 object that kept kind and apiVersion;
        // IO's typed list of policy/v1 has neither.
        let mut expected = pdb;
        let map = expected.as_object_mut().unwrap();
        assert_eq!(map.remove("kind"), Some(json!("PodDisruptionBudget")));
        assert_eq!(map.remove("apiVersion"), Some(json!("policy/v1beta1")));
        assert_eq!(record_json(&output, SAMPLE), expected);
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn at_most_one_hundred() {
        let pdb = sample(SAMPLE);
        let many: Vec<_> = (0..120)
            .map(|i| {
                let mut p = pdb.clone();
                p["metadata"]["name"] = json!(format!("pdb-{i}"));
                p
            })
            .collect();
        let server = Server::new();
        server.list(LIST, "policy/v1", "PodDisruptionBudget", &many);
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.records.len(), 100);
    }
}
