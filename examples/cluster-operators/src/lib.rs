//! Gathers every ClusterOperator into `config/clusteroperator/<name>.json`, as the Insights
//! Operator's `clusterconfig/operators` gatherer does.

use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;

/// Lists all ClusterOperators (page by page) and writes one record per operator.
#[gatherer(reads = ["config.openshift.io/v1/clusteroperators"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for op in config_v1::cluster_operators().list_all(&ListParams::default())? {
        ctx.record_json(format!("config/clusteroperator/{}", op.name()), &op)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use std::path::Path;
    use wagather_sdk::testing::FakeApi;

    const PATH: &str = "/apis/config.openshift.io/v1/clusteroperators";

    /// The 31 ClusterOperators of the bundled Insights sample archive, by name.
    fn sample_operators() -> BTreeMap<String, Value> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/insights-archive-sample/config/clusteroperator");
        let mut operators = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let object: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                let name = object["metadata"]["name"].as_str().unwrap().to_owned();
                operators.insert(name, object);
            }
        }
        operators
    }

    /// Serves `objects` as a list in pages of `page` items, like the API server: `limit` and
    /// `continue` in the query, `metadata.continue` on every page but the last. Items carry
    /// `managedFields`, as real ones do.
    fn serve_pages(api: &FakeApi, objects: &[Value], page: usize) {
        let pages: Vec<&[Value]> = objects.chunks(page).collect();
        for (i, chunk) in pages.iter().enumerate() {
            let items: Vec<Value> = chunk
                .iter()
                .map(|object| {
                    let mut object = object.clone();
                    object["metadata"]["managedFields"] = json!([{
                        "manager": "cluster-version-operator", "operation": "Update",
                        "apiVersion": "config.openshift.io/v1", "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:status": {}},
                    }]);
                    object
                })
                .collect();
            let continue_token = if i + 1 < pages.len() {
                json!(format!("page-{}", i + 1))
            } else {
                Value::Null
            };
            let query = if i == 0 {
                "?limit=500".to_owned()
            } else {
                format!("?limit=500&continue=page-{i}")
            };
            api.respond_json(
                &format!("{PATH}{query}"),
                200,
                &json!({
                    "apiVersion": "config.openshift.io/v1", "kind": "ClusterOperatorList",
                    "metadata": {"resourceVersion": "1782215", "continue": continue_token},
                    "items": items,
                }),
            );
        }
    }

    #[test]
    fn gathers_every_operator_across_pages() {
        let operators = sample_operators();
        assert_eq!(operators.len(), 31);
        let api = FakeApi::new();
        // 31 objects in pages of 10: four pages, three continue tokens.
        serve_pages(&api, &operators.values().cloned().collect::<Vec<_>>(), 10);
        let _guard = api.install();

        let output = crate::__wagather_run(Vec::new());

        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(api.requests().len(), 4);
        assert_eq!(output.records.len(), 31);
        for (name, source) in &operators {
            let record = output
                .record(&format!("config/clusteroperator/{name}"))
                .unwrap_or_else(|| panic!("no record for {name}"));
            assert_eq!(record.format, wagather_sdk::RecordFormat::Json);
            let written: Value = serde_json::from_slice(&record.data).unwrap();
            // The sample files carry no managedFields; the served items do, and the records
            // must not.
            assert_eq!(&written, source, "record of {name}");
        }
    }

    #[test]
    fn an_api_error_is_reported_with_the_records_gathered_before() {
        let api = FakeApi::new();
        api.respond(
            &format!("{PATH}?limit=500"),
            403,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"clusteroperators.config.openshift.io is forbidden","reason":"Forbidden","code":403}"#,
        );
        let _guard = api.install();
        let output = crate::__wagather_run(Vec::new());
        assert!(output.records.is_empty());
        let errors: Vec<String> = output.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [format!(
                "{PATH}?limit=500: API error 403 Forbidden: clusteroperators.config.openshift.io is forbidden"
            )]
        );
        assert!(matches!(
            &output.errors[0],
            wagather_sdk::Error::Api { status, .. } if status.code == 403 && status.reason == "Forbidden"
        ));
    }

    #[test]
    fn manifest_declares_the_read() {
        let manifest: Value = serde_json::from_str(crate::__WAGATHER_MANIFEST).unwrap();
        assert_eq!(
            manifest,
            json!({
                "contract": wagather_sdk::CONTRACT,
                "name": "cluster-operators",
                "version": env!("CARGO_PKG_VERSION"),
                "reads": [{"group": "config.openshift.io", "version": "v1", "resource": "clusteroperators"}],
            })
        );
    }
}
