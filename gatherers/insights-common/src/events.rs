//! IO's compacted events (`events_filtering.go` and `CompactedEvent` in
//! `gather_cluster_operator_pods_and_events.go`).
//!
//! IO keeps the events of the last gather interval, compacts each to five fields and sorts
//! them by time. It writes the time as a Go `time.Time`, in the operator's local zone: in a
//! cluster that is UTC, and these ports always write UTC (`...Z`).

use serde::Serialize;
use serde_json::Value;
use wagather_sdk::Object;

use crate::time::Instant;

/// One event as IO archives it; fields in IO's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompactedEvent {
    /// The event's namespace.
    pub namespace: String,
    /// `lastTimestamp`, or `series.lastObservedTime` when it has none.
    #[serde(rename = "lastTimestamp")]
    pub last_timestamp: GoTime,
    /// The reason.
    pub reason: String,
    /// The message.
    pub message: String,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
}

/// The record: `{"items": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CompactedEventList {
    /// The events, oldest first; `null` when there are none, as Go writes a nil slice.
    pub items: Option<Vec<CompactedEvent>>,
}

/// A Go `time.Time` as `json.Marshal` writes it in UTC; Go's zero time when unset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoTime(pub Option<Instant>);

impl Serialize for GoTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(instant) => serializer.serialize_str(&instant.to_go_utc()),
            None => serializer.serialize_str("0001-01-01T00:00:00Z"),
        }
    }
}

fn time_at(event: &Object, path: &[&str]) -> Option<Instant> {
    event.str_at(path).and_then(Instant::parse)
}

/// `isEventNew`: the event's `lastTimestamp` is after `oldest`, or it has none and its
/// series was last observed after `oldest`.
pub fn is_new(event: &Object, oldest: Instant) -> bool {
    match time_at(event, &["lastTimestamp"]) {
        Some(last) => last > oldest,
        None => time_at(event, &["series", "lastObservedTime"]).is_some_and(|t| t > oldest),
    }
}

/// `eventListToCompactedEventList`: the events compacted and sorted by time.
pub fn compact<'a>(events: impl IntoIterator<Item = &'a Object>) -> CompactedEventList {
    let text = |event: &Object, key: &str| -> String {
        event
            .0
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let mut items: Vec<CompactedEvent> = events
        .into_iter()
        .map(|event| CompactedEvent {
            namespace: event.namespace().unwrap_or("").to_owned(),
            last_timestamp: GoTime(
                time_at(event, &["lastTimestamp"])
                    .or_else(|| time_at(event, &["series", "lastObservedTime"])),
            ),
            reason: text(event, "reason"),
            message: text(event, "message"),
            type_: text(event, "type"),
        })
        .collect();
    // Go's sort.Slice is not stable; a stable sort is one of the orders it may give.
    items.sort_by_key(|e| e.last_timestamp);
    CompactedEventList {
        items: if items.is_empty() { None } else { Some(items) },
    }
}

/// The events of the last `interval` before `now` (`getEventsForInterval`).
pub fn of_interval(events: &[Object], now: Instant, interval: std::time::Duration) -> Vec<&Object> {
    let oldest = now.minus(interval);
    events.iter().filter(|e| is_new(e, oldest)).collect()
}

/// `gatherNamespaceEvents`: for a namespace starting with `openshift-`, its events of the last
/// `interval`, compacted, as the record `events/<namespace>`; `None` when there are none (or
/// the namespace is not an `openshift-` one). Needs the read `v1/events` in that namespace.
pub fn namespace_events(
    ctx: &mut wagather_sdk::Gather,
    namespace: &str,
    now: Instant,
    interval: std::time::Duration,
) -> wagather_sdk::Result<bool> {
    if !namespace.starts_with("openshift-") {
        return Ok(false);
    }
    let events = wagather_sdk::apis::core_v1::events()
        .namespaced(namespace)
        .list_objects(&wagather_sdk::ListParams::default())?;
    let recent = of_interval(&events, now, interval);
    if recent.is_empty() {
        return Ok(false);
    }
    ctx.record_go_json(format!("events/{namespace}"), &compact(recent))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(value: Value) -> Object {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn recent_events_are_compacted_and_sorted() {
        let events = vec![
            event(
                json!({"metadata": {"namespace": "ns"}, "lastTimestamp": "2022-08-24T11:00:00Z",
                         "reason": "B", "message": "<b>", "type": "Warning"}),
            ),
            event(
                json!({"metadata": {"namespace": "ns"}, "lastTimestamp": null,
                         "series": {"lastObservedTime": "2022-08-24T10:30:00.123456Z"},
                         "reason": "A", "message": "m", "type": "Normal"}),
            ),
            event(
                json!({"metadata": {"namespace": "ns"}, "lastTimestamp": "2022-08-24T08:00:00Z",
                         "reason": "old", "type": "Warning"}),
            ),
        ];
        let now = Instant::parse("2022-08-24T11:30:00Z").unwrap();
        let recent = of_interval(&events, now, std::time::Duration::from_secs(7200));
        assert_eq!(recent.len(), 2);
        let list = compact(recent);
        assert_eq!(
            serde_json::to_value(&list).unwrap(),
            json!({"items": [
                {"namespace": "ns", "lastTimestamp": "2022-08-24T10:30:00.123456Z",
                 "reason": "A", "message": "m", "type": "Normal"},
                {"namespace": "ns", "lastTimestamp": "2022-08-24T11:00:00Z",
                 "reason": "B", "message": "<b>", "type": "Warning"},
            ]})
        );
        assert_eq!(
            serde_json::to_value(compact([])).unwrap(),
            json!({"items": null})
        );
    }
}
