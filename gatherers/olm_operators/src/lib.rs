//! `clusterconfig/olm_operators`: the operators OLM installed, with the display name, version
//! and conditions of their ClusterServiceVersion.
//!
//! IO (`gather_olm_operators.go`) lists `operators.operators.coreos.com/v1` (nothing when the
//! resource is not served); for each operator, every `status.components.refs` entry of kind
//! `ClusterServiceVersion` names a CSV `<package>.<version>` in a namespace, which it GETs
//! (`clusterserviceversions.operators.coreos.com/v1alpha1`) for `spec.displayName` and
//! `status.conditions`. It writes `config/olm_operators.json`, a list of `{"name",
//! "displayName", "version", "csv_conditions"}`, one per operator and version, and nothing
//! when the list is empty. An operator without refs, a CSV name without a version, or a CSV it
//! cannot read or parse is reported, and the operator is still listed with what was found.

use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// One entry (`olmOperator`), fields in IO's order.
#[derive(serde::Serialize, Clone, Default)]
struct OlmOperator {
    name: String,
    #[serde(rename = "displayName")]
    display_name: String,
    version: String,
    /// `null` when no CSV was read, as Go writes a nil slice.
    csv_conditions: Option<Vec<Value>>,
}

/// Records `config/olm_operators`.
#[gatherer(
    name = "clusterconfig/olm_operators",
    reads = ["operators.coreos.com/v1/operators", "operators.coreos.com/v1alpha1/clusterserviceversions"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let operators = insights_common::list_dynamic(&Dynamic::cluster(
        "operators.coreos.com",
        "v1",
        "operators",
    ))?;
    let csvs = Dynamic::namespaced("operators.coreos.com", "v1alpha1", "clusterserviceversions");
    let mut olms: Vec<OlmOperator> = Vec::new();
    for operator in &operators {
        let mut olm = OlmOperator {
            name: operator.name().to_owned(),
            ..OlmOperator::default()
        };
        let Some(refs) = operator.array_at(&["status", "components", "refs"]) else {
            ctx.error(format!(
                "cannot find \"status.components.refs\" in {} definition",
                operator.name()
            ));
            olms.push(olm);
            continue;
        };
        for reference in refs {
            if reference.get("kind").and_then(Value::as_str) != Some("ClusterServiceVersion") {
                continue;
            }
            let name = reference.get("name").and_then(Value::as_str).unwrap_or("");
            let namespace = reference
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            let Some((_, version)) = name.split_once('.') else {
                ctx.error(format!(
                    "clusterserviceversion \"{name}\" probably doesn't include version"
                ));
                olms.push(olm.clone());
                continue;
            };
            olm.version = version.to_owned();
            let csv = match csvs.get_in(namespace, name) {
                Ok(csv) => csv,
                Err(e) => {
                    // Typed, so the host reports the API's answer as such.
                    ctx.error(e);
                    olms.push(olm.clone());
                    continue;
                }
            };
            let (Some(conditions), Some(display_name)) = (
                csv.array_at(&["status", "conditions"]),
                csv.str_at(&["spec", "displayName"]),
            ) else {
                ctx.error(format!("cannot read {name} ClusterServiceVersion attributes: status.conditions or spec.displayName is missing"));
                olms.push(olm.clone());
                continue;
            };
            olm.display_name = display_name.to_owned();
            olm.csv_conditions = Some(conditions.clone());
            if olms
                .iter()
                .any(|o| o.name == olm.name && o.version == olm.version)
            {
                continue;
            }
            olms.push(olm.clone());
        }
    }
    if olms.is_empty() {
        return Ok(());
    }
    ctx.record_go_json("config/olm_operators", &olms)
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample};
    use serde_json::{Value, json};

    /// The operators and CSVs the sample's list was written from: each entry names an
    /// operator `<package>.<namespace>` whose CSV is `<package>.<version>` there.
    fn serve_sample(server: &Server) {
        let mut operators = Vec::new();
        for entry in sample("config/olm_operators.json").as_array().unwrap() {
            let name = entry["name"].as_str().unwrap();
            let (package, namespace) = name.split_once('.').unwrap();
            let csv = format!("{package}.{}", entry["version"].as_str().unwrap());
            operators.push(json!({"metadata": {"name": name}, "status": {"components": {"refs": [
                {"kind": "Subscription", "name": package, "namespace": namespace, "apiVersion": "operators.coreos.com/v1alpha1"},
                {"kind": "ClusterServiceVersion", "name": csv, "namespace": namespace, "apiVersion": "operators.coreos.com/v1alpha1"},
            ]}}}));
            server.object(&format!("/apis/operators.coreos.com/v1alpha1/namespaces/{namespace}/clusterserviceversions/{csv}"),
                &json!({"metadata": {"name": csv, "namespace": namespace}, "spec": {"displayName": entry["displayName"]},
                        "status": {"phase": "Succeeded", "conditions": entry["csv_conditions"]}}),
                "operators.coreos.com/v1alpha1", "ClusterServiceVersion");
        }
        server.list(
            "/apis/operators.coreos.com/v1/operators",
            "operators.coreos.com/v1",
            "Operator",
            &operators,
        );
    }

    #[test]
    fn writes_the_sample_list() {
        let server = Server::new();
        serve_sample(&server);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, "config/olm_operators.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn problems_are_reported_and_the_operator_still_listed() {
        let server = Server::new();
        server.list("/apis/operators.coreos.com/v1/operators", "operators.coreos.com/v1", "Operator", &[
            json!({"metadata": {"name": "norefs.ns"}}),
            json!({"metadata": {"name": "noversion.ns"}, "status": {"components": {"refs": [{"kind": "ClusterServiceVersion", "name": "plain", "namespace": "ns"}]}}}),
            json!({"metadata": {"name": "gone.ns"}, "status": {"components": {"refs": [{"kind": "ClusterServiceVersion", "name": "gone.v1", "namespace": "ns"}]}}}),
        ]);
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.errors.len(), 3, "{:?}", output.errors);
        assert!(
            matches!(&output.errors[2], wagather_sdk::Error::Api { path, status } if status.code == 404 && path.contains("gone.v1")),
            "{:?}",
            output.errors[2]
        );
        assert!(
            matches!(output.errors[0], wagather_sdk::Error::Other(_)),
            "{:?}",
            output.errors
        );
        let empty = |name: &str, version: &str| json!({"name": name, "displayName": "", "version": version, "csv_conditions": Value::Null});
        assert_eq!(
            record_json(&output, "config/olm_operators.json"),
            json!([
                empty("norefs.ns", ""),
                empty("noversion.ns", ""),
                empty("gone.ns", "v1")
            ])
        );
        let server = Server::new();
        server.missing("/apis/operators.coreos.com/v1/operators?limit=500");
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty() && output.errors.is_empty());
    }
}
