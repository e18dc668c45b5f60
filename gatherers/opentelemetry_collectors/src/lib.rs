//! `clusterconfig/opentelemetry_collectors`: OpenTelemetryCollectors, at most five, their
//! configuration reduced to its `service` section.
//!
//! IO (`gather_opentelemetry_collectors.go`) lists
//! `opentelemetrycollectors.opentelemetry.io/v1beta1` with its dynamic client (objects keep
//! `kind` and `apiVersion`), replaces `spec.config` with an object holding only its `service`
//! member (an empty object when there is none; nothing changes when `spec.config` is absent),
//! and writes each to `config/opentelemetry/<namespace>/<name>.json` without `managedFields`.
//! A collector whose `spec.config` is not an object is reported and skipped. It stops after
//! five records, silently. A cluster without the resource gives no record and no error.

use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::{Map, Value};

/// IO's cap on collector records.
const LIMIT: usize = 5;

/// Records `config/opentelemetry/<namespace>/<name>` for the first [`LIMIT`] collectors.
#[gatherer(
    name = "clusterconfig/opentelemetry_collectors",
    reads = ["opentelemetry.io/v1beta1/opentelemetrycollectors"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let resource = Dynamic::namespaced("opentelemetry.io", "v1beta1", "opentelemetrycollectors");
    let mut written = 0;
    for mut collector in insights_common::list_dynamic(&resource)? {
        if let Err(e) = clean_config(&mut collector) {
            ctx.error(e);
            continue;
        }
        let path = format!(
            "config/opentelemetry/{}/{}",
            collector.namespace().unwrap_or(""),
            collector.name()
        );
        ctx.record_object(path, &collector)?;
        written += 1;
        if written >= LIMIT {
            break;
        }
    }
    Ok(())
}

/// `cleanCollectorSpecConfig`.
fn clean_config(collector: &mut Object) -> std::result::Result<(), String> {
    let name = collector.name().to_owned();
    match collector.get_mut(&["spec", "config"]) {
        None => Ok(()),
        Some(Value::Object(config)) => {
            let mut clean = Map::new();
            if let Some(service) = config.remove("service") {
                clean.insert("service".to_owned(), service);
            }
            *config = clean;
            Ok(())
        }
        Some(_) => Err(format!(
            "{name}: .spec.config accessor error: the value is not a map"
        )),
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, record_json, samples_under};
    use serde_json::json;

    const LIST: &str = "/apis/opentelemetry.io/v1beta1/opentelemetrycollectors";

    #[test]
    fn writes_the_sample_collector_with_only_its_service_config() {
        let (_, collector) = samples_under("config/opentelemetry").remove(0);
        let mut served = collector.clone();
        served["spec"]["config"]["receivers"] =
            json!({"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}}}});
        served["spec"]["config"]["exporters"] =
            json!({"otlp_grpc": {"endpoint": "tempo.example.com:4317"}});
        let server = Server::new();
        server.list(
            LIST,
            "opentelemetry.io/v1beta1",
            "OpenTelemetryCollector",
            &[served],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        // The sample file sits under another namespace than the object's and was read at
        // v1alpha1; IO reads v1beta1 and names the path after the object's namespace.
        let mut expected = collector.clone();
        expected["apiVersion"] = json!("opentelemetry.io/v1beta1");
        let namespace = collector["metadata"]["namespace"].as_str().unwrap();
        let name = collector["metadata"]["name"].as_str().unwrap();
        assert_eq!(
            record_json(
                &output,
                &format!("config/opentelemetry/{namespace}/{name}.json")
            ),
            expected
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn bad_configs_are_reported_and_the_count_is_capped() {
        let (_, base) = samples_under("config/opentelemetry").remove(0);
        let mut collectors: Vec<_> = (0..7)
            .map(|i| {
                let mut c = base.clone();
                c["metadata"]["name"] = json!(format!("c{i}"));
                c
            })
            .collect();
        collectors[0]["spec"]["config"] = json!("not a map");
        collectors[1]["spec"]
            .as_object_mut()
            .unwrap()
            .remove("config");
        let server = Server::new();
        server.list(
            LIST,
            "opentelemetry.io/v1beta1",
            "OpenTelemetryCollector",
            &collectors,
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.errors.len(), 1);
        assert_eq!(output.records.len(), 5);
        let namespace = base["metadata"]["namespace"].as_str().unwrap();
        let c1 = record_json(
            &output,
            &format!("config/opentelemetry/{namespace}/c1.json"),
        );
        assert!(c1["spec"].get("config").is_none());
    }
}
