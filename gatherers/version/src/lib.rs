//! `clusterconfig/version`: the ClusterVersion, the cluster ID, and the pods (and, when one is
//! unhealthy, the recent events) of the cluster-version operator's namespace.
//!
//! IO (`gather_cluster_version.go`):
//!
//! - GETs `clusterversions.config.openshift.io/version` with a typed client (no `kind` or
//!   `apiVersion`) and writes it to `config/version.json` without `managedFields`, with
//!   `spec.upstream` URL-x (every character but `.-/:` becomes `x`); nothing at all when it
//!   does not exist;
//! - writes `spec.clusterID`, when set, as the raw text `config/id`;
//! - writes every pod of `openshift-cluster-version` to `config/pod/<namespace>/<pod>.json`
//!   (typed: no `kind`), with the value of environment variables named `HTTP_PROXY` or
//!   `HTTPS_PROXY` in its containers turned into `x`s; failing to list them is not an error;
//! - when one of those pods is unhealthy (pending for over two minutes, or a container that
//!   restarted or exited non-zero), writes the namespace's events of the last gather interval
//!   (configuration key `interval`, 2 hours by default), compacted and sorted, to
//!   `events/openshift-cluster-version.json`; failing to read them is not an error either.

use insights_common::anonymize::url;
use insights_common::{events, pods, time::Instant};
use wagather_sdk::apis::{config_v1, core_v1};
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

const NAMESPACE: &str = "openshift-cluster-version";

/// Records `config/version`, `config/id`, the namespace's pods and maybe its events.
#[gatherer(
    name = "clusterconfig/version",
    reads = [
        "config.openshift.io/v1/clusterversions",
        "v1/pods in openshift-cluster-version",
        "v1/events in openshift-cluster-version",
    ]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let interval = insights_common::gather_interval(ctx.config()).map_err(Error::InvalidParams)?;
    let mut version = match config_v1::cluster_versions().get_object("version") {
        Ok(version) => version.without_type_meta(),
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    if let Some(Value::String(upstream)) = version.get_mut(&["spec", "upstream"]) {
        *upstream = url(upstream);
    }
    ctx.record_object("config/version", &version)?;
    if let Some(id) = version
        .str_at(&["spec", "clusterID"])
        .filter(|id| !id.is_empty())
    {
        ctx.record_raw("config/id", id.as_bytes())?;
    }

    let now = Instant::now();
    let Ok(list) = core_v1::pods()
        .namespaced(NAMESPACE)
        .list_objects(&ListParams::default())
    else {
        return Ok(());
    };
    let mut unhealthy = false;
    for pod in list {
        let mut pod = pod.without_type_meta();
        pods::hide_proxy_env(&mut pod);
        ctx.record_object(format!("config/pod/{NAMESPACE}/{}", pod.name()), &pod)?;
        unhealthy |= !pods::is_healthy(&pod, now);
    }
    if unhealthy {
        // IO logs a failure to read the events and goes on.
        let _ = events::namespace_events(ctx, NAMESPACE, now, interval);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, record, record_json, sample, served,
    };
    use serde_json::{Value, json};

    const VERSION: &str = "/apis/config.openshift.io/v1/clusterversions/version";
    const PODS: &str = "/api/v1/namespaces/openshift-cluster-version/pods";
    const EVENTS: &str = "/api/v1/namespaces/openshift-cluster-version/events";

    /// A real crash-looping pod of the sample, moved to the cluster-version namespace.
    fn unhealthy_pod() -> Value {
        let mut pod = sample(
            "config/pod/openshift-config-operator/openshift-config-operator-7db5898cdf-m9bqf.json",
        );
        pod["metadata"]["namespace"] = json!("openshift-cluster-version");
        pod["spec"]["containers"][0]["env"] = json!([
            {"name": "HTTPS_PROXY", "value": "http://proxy:3128"}, {"name": "RELEASE", "value": "4.7"}]);
        pod
    }

    #[test]
    fn writes_the_version_and_the_id_of_the_sample() {
        let server = Server::new();
        let version = sample("config/version.json");
        server.object(
            VERSION,
            &version,
            "config.openshift.io/v1",
            "ClusterVersion",
        );
        server.list(PODS, "v1", "Pod", &[]);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, "config/version.json");
        // The sample's config/id comes from another cluster than its version.json; the id is
        // the clusterID of the version written.
        assert_eq!(
            record(&output, "config/id").data,
            version["spec"]["clusterID"].as_str().unwrap().as_bytes()
        );
        assert_eq!(output.records.len(), 2);
    }

    #[test]
    fn unhealthy_pods_bring_the_recent_events() {
        let server = Server::new();
        let mut version = sample("config/version.json");
        version["spec"]["upstream"] = json!("https://updates.example.com/api/v1/graph");
        server.object(
            VERSION,
            &version,
            "config.openshift.io/v1",
            "ClusterVersion",
        );
        let pod = unhealthy_pod();
        server.list(PODS, "v1", "Pod", std::slice::from_ref(&pod));
        let event = |reason: &str, at: &str| {
            json!({"metadata": {"name": reason, "namespace": "openshift-cluster-version"},
            "reason": reason, "message": "m", "type": "Warning", "lastTimestamp": at})
        };
        server.list(
            EVENTS,
            "v1",
            "Event",
            &[
                event("Recent", "2100-01-01T00:00:00Z"),
                event("Old", "2020-01-01T00:00:00Z"),
            ],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(
            record_json(&output, "config/version.json")["spec"]["upstream"],
            "xxxxx://xxxxxxx.xxxxxxx.xxx/xxx/xx/xxxxx"
        );
        let written = record_json(
            &output,
            "config/pod/openshift-cluster-version/openshift-config-operator-7db5898cdf-m9bqf.json",
        );
        let mut expected = served(&pod, "v1", "Pod", false);
        expected["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        expected["spec"]["containers"][0]["env"][0]["value"] = json!("xxxxxxxxxxxxxxxxx");
        assert_eq!(written, expected);
        assert_eq!(
            record_json(&output, "events/openshift-cluster-version.json"),
            json!({"items": [{"namespace": "openshift-cluster-version", "lastTimestamp": "2100-01-01T00:00:00Z",
                              "reason": "Recent", "message": "m", "type": "Warning"}]})
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn no_version_is_no_record() {
        let server = Server::new();
        server.missing(VERSION);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty() && output.errors.is_empty());
    }
}
