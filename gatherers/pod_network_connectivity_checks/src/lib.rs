//! `clusterconfig/pod_network_connectivity_checks`: the failed network connectivity checks of
//! the last 24 hours, by reason and message.
//!
//! IO (`gather_pod_network_connectivity_checks.go`) lists
//! `podnetworkconnectivitychecks.controlplane.operator.openshift.io/v1alpha1` in every
//! namespace and takes the unsuccessful log entries of `status.failures` and of every outage's
//! `startLogs` and `endLogs` that started in the last 24 hours. It writes
//! `config/podnetworkconnectivitychecks.json` = `{<reason>: {<message>: <latest start>}}`
//! (`{}` when there are none), the time as Go writes a `time.Time` (UTC here).

use std::collections::BTreeMap;

use insights_common::events::GoTime;
use insights_common::time::Instant;
use wagather_sdk::apis::controlplane_v1alpha1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records `config/podnetworkconnectivitychecks`.
#[gatherer(
    name = "clusterconfig/pod_network_connectivity_checks",
    reads = ["controlplane.operator.openshift.io/v1alpha1/podnetworkconnectivitychecks"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let checks = controlplane_v1alpha1::pod_network_connectivity_checks()
        .all_namespaces()
        .list_objects(&ListParams::default())?;
    let since = Instant::now().minus(std::time::Duration::from_secs(24 * 3600));
    let mut reasons: BTreeMap<String, BTreeMap<String, GoTime>> = BTreeMap::new();
    let mut take = |entries: Option<&Vec<Value>>| {
        for entry in entries.into_iter().flatten() {
            let start = entry
                .get("start")
                .and_then(Value::as_str)
                .and_then(Instant::parse);
            // Go's zero time is before anything.
            if start.is_none_or(|s| s < since)
                || entry.get("success").and_then(Value::as_bool) == Some(true)
            {
                continue;
            }
            let text = |k: &str| {
                entry
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let latest = reasons
                .entry(text("reason"))
                .or_default()
                .entry(text("message"))
                .or_default();
            if GoTime(start) > *latest || latest.0.is_none() {
                *latest = GoTime(start);
            }
        }
    };
    for check in &checks {
        take(check.array_at(&["status", "failures"]));
        for outage in check.array_at(&["status", "outages"]).into_iter().flatten() {
            take(outage.get("startLogs").and_then(Value::as_array));
            take(outage.get("endLogs").and_then(Value::as_array));
        }
    }
    ctx.record_go_json("config/podnetworkconnectivitychecks", &reasons)
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, record_json, sample};
    use insights_common::time::Instant;
    use serde_json::{Value, json};

    #[test]
    fn recent_failures_by_reason_and_message() {
        // The sample's failures, as if they had happened an hour ago (its own are from 2021,
        // older than IO's 24 hours); each also failed two hours ago, which does not count as
        // the latest.
        let expected = sample("config/podnetworkconnectivitychecks.json");
        let now = Instant::now().secs;
        let hours_ago = |h: i64| {
            Instant {
                secs: now - h * 3600,
                nanos: 0,
            }
            .to_go_utc()
        };
        let mut failures = Vec::new();
        for (reason, messages) in expected.as_object().unwrap() {
            for message in messages.as_object().unwrap().keys() {
                failures.push(json!({"success": false, "reason": reason, "message": message, "start": hours_ago(2), "latency": 0}));
                failures.push(json!({"success": false, "reason": reason, "message": message, "start": hours_ago(1)}));
            }
        }
        failures.push(json!({"success": true, "reason": "TCPConnect", "message": "ok", "start": hours_ago(1)}));
        failures.push(json!({"success": false, "reason": "Old", "message": "m", "start": "2021-07-12T21:19:25Z"}));
        let check = json!({"metadata": {"name": "c", "namespace": "openshift-network-diagnostics"},
            "spec": {}, "status": {"failures": failures[..2].to_vec(), "outages": [{"startLogs": failures[2..].to_vec(), "endLogs": []}]}});
        let server = Server::new();
        server.list(
            "/apis/controlplane.operator.openshift.io/v1alpha1/podnetworkconnectivitychecks",
            "controlplane.operator.openshift.io/v1alpha1",
            "PodNetworkConnectivityCheck",
            &[check],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        let written = record_json(&output, "config/podnetworkconnectivitychecks.json");
        let mut want = serde_json::Map::new();
        for (reason, messages) in expected.as_object().unwrap() {
            let at: serde_json::Map<String, Value> = messages
                .as_object()
                .unwrap()
                .keys()
                .map(|m| (m.clone(), json!(hours_ago(1))))
                .collect();
            want.insert(reason.clone(), Value::Object(at));
        }
        assert_eq!(written, Value::Object(want));
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
