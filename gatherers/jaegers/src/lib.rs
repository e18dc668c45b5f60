//! `clusterconfig/jaegers`: Jaeger instances, at most five.
//!
//! IO (`gather_jaeger_cr.go`) lists `jaegers.jaegertracing.io/v1` with its dynamic client
//! (objects keep `kind` and `apiVersion`) and writes each to
//! `config/jaegertracing.io/<name>.json` (no namespace in the path) without `managedFields`.
//! It stops at five records, and then reports that the limit was exceeded (even when there
//! were exactly five). A cluster without the resource gives no record and no error. Nothing is
//! anonymized.

use wagather_sdk::prelude::*;

/// IO's cap on Jaeger records.
const LIMIT: usize = 5;

/// Records `config/jaegertracing.io/<name>` for the first [`LIMIT`] Jaegers.
#[gatherer(name = "clusterconfig/jaegers", reads = ["jaegertracing.io/v1/jaegers"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let jaegers =
        insights_common::list_dynamic(&Dynamic::namespaced("jaegertracing.io", "v1", "jaegers"))?;
    for (written, jaeger) in jaegers.iter().enumerate() {
        ctx.record_object(format!("config/jaegertracing.io/{}", jaeger.name()), jaeger)?;
        if written + 1 == LIMIT {
            ctx.error(format!(
                "limit {LIMIT} for number of gathered jaegers.jaegertracing.io resources exceeded"
            ));
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};
    use serde_json::json;

    const LIST: &str = "/apis/jaegertracing.io/v1/jaegers";

    #[test]
    fn writes_the_sample_jaeger() {
        let server = Server::new();
        server.list(
            LIST,
            "jaegertracing.io/v1",
            "Jaeger",
            &[sample("config/jaegertracing.io/jaeger1.json")],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1);
        assert_matches_sample(&output, "config/jaegertracing.io/jaeger1.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn stops_at_five_and_says_so() {
        let base = sample("config/jaegertracing.io/jaeger1.json");
        let jaegers: Vec<_> = (1..=7)
            .map(|i| {
                let mut j = base.clone();
                j["metadata"]["name"] = json!(format!("jaeger{i}"));
                j
            })
            .collect();
        let server = Server::new();
        server.list(LIST, "jaegertracing.io/v1", "Jaeger", &jaegers[..5]);
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.records.len(), 5);
        assert_eq!(
            output.errors.len(),
            1,
            "exactly five is also reported, as IO does"
        );
        let server = Server::new();
        server.list(LIST, "jaegertracing.io/v1", "Jaeger", &jaegers);
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.records.len(), 5);
        assert!(
            output.errors[0].to_string().contains("limit 5"),
            "{:?}",
            output.errors
        );
        let server = Server::new();
        server.missing(&format!("{LIST}?limit=500"));
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty() && output.errors.is_empty());
    }
}
