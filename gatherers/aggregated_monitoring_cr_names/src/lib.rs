//! `clusterconfig/aggregated_monitoring_cr_names`: the names of Prometheus and Alertmanager
//! instances outside the platform's monitoring stack.
//!
//! IO (`gather_aggregated_instances.go`) lists `prometheuses` and `alertmanagers` of
//! `monitoring.coreos.com/v1` in every namespace and keeps the names of those not in
//! `openshift-monitoring`. It writes `aggregated/custom_prometheuses_alertmanagers.json` =
//! `{"prometheuses": [...], "alertmanagers": [...]}` when either list has a name, and
//! nothing otherwise. Failing to list either (a missing resource included) is reported and
//! nothing is written.

use wagather_sdk::prelude::*;

/// The record (`monitoringCRNames`).
#[derive(serde::Serialize)]
struct Names {
    prometheuses: Vec<String>,
    alertmanagers: Vec<String>,
}

/// Records `aggregated/custom_prometheuses_alertmanagers` when there are custom instances.
#[gatherer(
    name = "clusterconfig/aggregated_monitoring_cr_names",
    reads = ["monitoring.coreos.com/v1/prometheuses", "monitoring.coreos.com/v1/alertmanagers"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let outside = |plural: &str| -> Result<Vec<String>> {
        let objects = Dynamic::namespaced("monitoring.coreos.com", "v1", plural)
            .list_all(&ListParams::default())?;
        Ok(objects
            .iter()
            .filter(|o| o.namespace() != Some("openshift-monitoring"))
            .map(|o| o.name().to_owned())
            .collect())
    };
    let (prometheuses, alertmanagers) = (outside("prometheuses"), outside("alertmanagers"));
    let (prometheuses, alertmanagers) = match (prometheuses, alertmanagers) {
        (Ok(p), Ok(a)) => (p, a),
        (p, a) => {
            for e in [p.err(), a.err()].into_iter().flatten() {
                ctx.error(e);
            }
            return Ok(());
        }
    };
    if prometheuses.is_empty() && alertmanagers.is_empty() {
        return Ok(());
    }
    ctx.record_go_json(
        "aggregated/custom_prometheuses_alertmanagers",
        &Names {
            prometheuses,
            alertmanagers,
        },
    )
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};
    use serde_json::json;

    fn instance(name: &str, namespace: &str) -> serde_json::Value {
        json!({"metadata": {"name": name, "namespace": namespace}, "spec": {}})
    }

    #[test]
    fn writes_the_sample_names() {
        let names = sample("aggregated/custom_prometheuses_alertmanagers.json");
        let server = Server::new();
        let mut prometheuses = vec![instance("k8s", "openshift-monitoring")];
        prometheuses.extend(
            names["prometheuses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| instance(n.as_str().unwrap(), "team-a")),
        );
        let mut alertmanagers = vec![instance("main", "openshift-monitoring")];
        alertmanagers.extend(
            names["alertmanagers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| instance(n.as_str().unwrap(), "team-a")),
        );
        server.list(
            "/apis/monitoring.coreos.com/v1/prometheuses",
            "monitoring.coreos.com/v1",
            "Prometheus",
            &prometheuses,
        );
        server.list(
            "/apis/monitoring.coreos.com/v1/alertmanagers",
            "monitoring.coreos.com/v1",
            "Alertmanager",
            &alertmanagers,
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, "aggregated/custom_prometheuses_alertmanagers.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn nothing_when_only_the_platform_stack_or_on_errors() {
        let server = Server::new();
        server.list(
            "/apis/monitoring.coreos.com/v1/prometheuses",
            "monitoring.coreos.com/v1",
            "Prometheus",
            &[instance("k8s", "openshift-monitoring")],
        );
        server.list(
            "/apis/monitoring.coreos.com/v1/alertmanagers",
            "monitoring.coreos.com/v1",
            "Alertmanager",
            &[],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty() && output.errors.is_empty());
        let server = Server::new();
        server.list(
            "/apis/monitoring.coreos.com/v1/prometheuses",
            "monitoring.coreos.com/v1",
            "Prometheus",
            &[instance("p", "x")],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty());
        assert_eq!(output.errors.len(), 1);
    }
}
