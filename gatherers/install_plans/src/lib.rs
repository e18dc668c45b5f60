//! `clusterconfig/install_plans`: how many OLM InstallPlans of each kind the OpenShift
//! namespaces hold.
//!
//! IO (`gather_install_plans.go`) reads the first 1000 namespaces and, in `openshift` and
//! every `openshift-*` one, lists `installplans.operators.coreos.com/v1alpha1` in pages of
//! 500. Plans count under `<namespace>.<generateName>.<first CSV name or [NONE]>`; the record
//! `config/installplans.json` is `{"items": [{"csv", "count", "name", "ns"}...], "stats":
//! {"TOTAL_COUNT": <plans>, "TOTAL_NONUNIQ_COUNT": <distinct keys>}}`, items (at most 100,
//! those with the highest counts) from the most counted, `null` when there are none. When the
//! resource is not served there is no record; a plan without `spec.clusterServiceVersionNames`,
//! `metadata.namespace` or `metadata.generateName` drops the record and is reported.
//!
//! IO orders items of equal count as Go's map iteration happens to give them; here they
//! follow their keys, one of the orders IO may write.

use std::collections::BTreeMap;

use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::{Value, json};

/// IO's cap on items.
const LIMIT: usize = 100;

/// Records `config/installplans`.
#[gatherer(
    name = "clusterconfig/install_plans",
    reads = ["v1/namespaces", "operators.coreos.com/v1alpha1/installplans"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let namespaces = match insights_common::first_namespaces() {
        Ok(namespaces) => namespaces,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    let plans = Dynamic::namespaced("operators.coreos.com", "v1alpha1", "installplans");
    // key -> (namespace, generateName, csv, count)
    let mut counted: BTreeMap<String, (String, String, String, u64)> = BTreeMap::new();
    let mut total = 0u64;
    for namespace in &namespaces {
        let name = namespace.name();
        if name != "openshift" && !name.starts_with("openshift-") {
            continue;
        }
        let items = match plans.list_all_in(name, &ListParams::default()) {
            Ok(items) => items,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        };
        total += items.len() as u64;
        for plan in &items {
            let (Some(csvs), Some(ns), Some(generate_name)) = (
                plan.array_at(&["spec", "clusterServiceVersionNames"]),
                plan.str_at(&["metadata", "namespace"]),
                plan.str_at(&["metadata", "generateName"]),
            ) else {
                return Err(Error::InvalidParams(format!(
                    "install plan {:?} lacks spec.clusterServiceVersionNames, metadata.namespace or metadata.generateName",
                    plan.name()
                )));
            };
            let csv = match csvs.first() {
                Some(first) => first.as_str().unwrap_or("").to_owned(),
                None => "[NONE]".to_owned(),
            };
            let entry = counted
                .entry(format!("{ns}.{generate_name}.{csv}"))
                .or_insert_with(|| (ns.to_owned(), generate_name.to_owned(), csv, 0));
            entry.3 += 1;
        }
    }
    let mut counts: Vec<u64> = counted.values().map(|e| e.3).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let threshold = if counts.len() > LIMIT {
        counts[LIMIT - 1]
    } else {
        0
    };
    let mut items: Vec<(u64, Value)> = Vec::new();
    for (ns, name, csv, count) in counted.values() {
        if *count >= threshold {
            items.push((
                *count,
                json!({"ns": ns, "name": name, "csv": csv, "count": count}),
            ));
        }
        if items.len() >= LIMIT {
            break;
        }
    }
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    let items: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
    let record = json!({
        "items": if items.is_empty() { Value::Null } else { Value::Array(items) },
        "stats": {"TOTAL_COUNT": total, "TOTAL_NONUNIQ_COUNT": counted.len()},
    });
    ctx.record_go_json("config/installplans", &record)
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json};
    use serde_json::json;

    fn namespace(name: &str) -> serde_json::Value {
        json!({"metadata": {"name": name}})
    }

    #[test]
    fn no_plans_give_the_sample_record() {
        let server = Server::new();
        server.list(
            "/api/v1/namespaces?limit=1000",
            "v1",
            "Namespace",
            &[namespace("openshift-marketplace"), namespace("default")],
        );
        server.list(
            "/apis/operators.coreos.com/v1alpha1/namespaces/openshift-marketplace/installplans",
            "operators.coreos.com/v1alpha1",
            "InstallPlan",
            &[],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        // The sample's cluster had no install plans either.
        assert_matches_sample(&output, "config/installplans.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn plans_are_counted_by_namespace_name_and_csv() {
        let plan = |ns: &str, generate: &str, csvs: serde_json::Value| {
            json!({"metadata": {"name": format!("{generate}x"), "namespace": ns, "generateName": generate},
            "spec": {"clusterServiceVersionNames": csvs}})
        };
        let server = Server::new();
        server.list(
            "/api/v1/namespaces?limit=1000",
            "v1",
            "Namespace",
            &[
                namespace("openshift"),
                namespace("openshift-operators"),
                namespace("shop"),
            ],
        );
        server.list(
            "/apis/operators.coreos.com/v1alpha1/namespaces/openshift/installplans",
            "operators.coreos.com/v1alpha1",
            "InstallPlan",
            &[],
        );
        server.list(
            "/apis/operators.coreos.com/v1alpha1/namespaces/openshift-operators/installplans",
            "operators.coreos.com/v1alpha1",
            "InstallPlan",
            &[
                plan(
                    "openshift-operators",
                    "install-",
                    json!(["eap.v2.1.1", "other"]),
                ),
                plan("openshift-operators", "install-", json!(["eap.v2.1.1"])),
                plan("openshift-operators", "install-", json!([])),
            ],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(
            record_json(&output, "config/installplans.json"),
            json!({
            "items": [{"csv": "eap.v2.1.1", "count": 2, "name": "install-", "ns": "openshift-operators"},
                      {"csv": "[NONE]", "count": 1, "name": "install-", "ns": "openshift-operators"}],
            "stats": {"TOTAL_COUNT": 3, "TOTAL_NONUNIQ_COUNT": 2}})
        );
    }
}
