//! `clusterconfig/openshift_machine_api_events`: the recent abnormal events of
//! `openshift-machine-api`.
//!
//! IO (`gather_openshift_machine_api_events.go`) lists the namespace's events and keeps those
//! of the last gather interval (configuration key `interval`, 2 hours by default: an event's
//! `lastTimestamp`, or its series' `lastObservedTime` when it has none, after now minus the
//! interval) whose type is not `Normal`. It writes them compacted to `{namespace,
//! lastTimestamp, reason, message, type}` and sorted by time to
//! `events/openshift-machine-api.json`, and nothing when none is left. IO writes the time in
//! its process's zone, UTC in a cluster; these are always UTC.

use insights_common::events;
use insights_common::time::Instant;
use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;

/// Records `events/openshift-machine-api` when there are recent abnormal events.
#[gatherer(
    name = "clusterconfig/openshift_machine_api_events",
    reads = ["v1/events in openshift-machine-api"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let interval = insights_common::gather_interval(ctx.config()).map_err(Error::InvalidParams)?;
    let all = core_v1::events()
        .namespaced("openshift-machine-api")
        .list_objects(&ListParams::default())?;
    let recent: Vec<&Object> = events::of_interval(&all, Instant::now(), interval)
        .into_iter()
        .filter(|e| e.str_at(&["type"]) != Some("Normal"))
        .collect();
    if recent.is_empty() {
        return Ok(());
    }
    ctx.record_go_json("events/openshift-machine-api", &events::compact(recent))
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, record_json, sample};
    use serde_json::{Value, json};

    const LIST: &str = "/api/v1/namespaces/openshift-machine-api/events";

    /// The events the sample's record was written from, as the server sends them (UTC).
    fn sample_events() -> Vec<Value> {
        let record = sample("events/openshift-machine-api.json");
        record["items"].as_array().unwrap().iter().enumerate().map(|(i, e)| {
            let at = insights_common::time::Instant::parse(e["lastTimestamp"].as_str().unwrap()).unwrap();
            json!({"metadata": {"name": format!("event-{i}"), "namespace": e["namespace"]},
                   "lastTimestamp": at.to_go_utc(), "reason": e["reason"], "message": e["message"], "type": e["type"]})
        }).collect()
    }

    #[test]
    fn writes_the_sample_events_when_they_are_recent_enough() {
        let mut events = sample_events();
        events.push(json!({"metadata": {"name": "normal", "namespace": "openshift-machine-api"}, "lastTimestamp": "2022-08-24T09:41:00Z",
                           "reason": "Created", "message": "m", "type": "Normal"}));
        let server = Server::new();
        server.list(LIST, "v1", "Event", &events);
        // The sample's events are from 2022: a long enough interval keeps them.
        let output = server.run(crate::__wagather_run, &[("interval", "100000h")]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        let written = record_json(&output, "events/openshift-machine-api.json");
        let expected = sample("events/openshift-machine-api.json");
        assert_eq!(
            written["items"].as_array().unwrap().len(),
            expected["items"].as_array().unwrap().len()
        );
        for (w, e) in written["items"]
            .as_array()
            .unwrap()
            .iter()
            .zip(expected["items"].as_array().unwrap())
        {
            for key in ["namespace", "reason", "message", "type"] {
                assert_eq!(w[key], e[key]);
            }
            // The sample was written in +02:00; the same instants, in UTC.
            let instant =
                |v: &Value| insights_common::time::Instant::parse(v.as_str().unwrap()).unwrap();
            assert_eq!(instant(&w["lastTimestamp"]), instant(&e["lastTimestamp"]));
            assert!(w["lastTimestamp"].as_str().unwrap().ends_with('Z'));
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);

        // With IO's default interval they are too old: no record.
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty() && output.errors.is_empty());
    }
}
