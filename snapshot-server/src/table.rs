//! Server-side printing: `meta.k8s.io/v1` Table responses, as `kubectl get` asks for them.

use jsonpath_rust::JsonPath;
use serde_json::{Value, json};

use crate::catalog::PrinterColumn;
use crate::snapshot::{Resource, StoredObject};

/// What each row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub(crate) fn parse(s: Option<&str>) -> Result<IncludeObject, String> {
        match s {
            None | Some("") | Some("Metadata") => Ok(IncludeObject::Metadata),
            Some("None") => Ok(IncludeObject::None),
            Some("Object") => Ok(IncludeObject::Object),
            Some(other) => Err(format!(
                "includeObject: Unsupported value: {other:?}: supported values: \"Metadata\", \"None\", \"Object\""
            )),
        }
    }
}

/// Column definitions: Name, then the kind's printer columns, or Age when it has none (what the
/// API server does for a CRD without additionalPrinterColumns).
fn columns(resource: &Resource) -> Vec<PrinterColumn> {
    let mut cols = vec![PrinterColumn {
        name: "Name".into(),
        type_: "string".into(),
        json_path: ".metadata.name".into(),
        format: Some("name".into()),
        description: Some("Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names".into()),
        priority: 0,
    }];
    if resource.printer_columns.is_empty() {
        cols.push(PrinterColumn {
            name: "Age".into(),
            type_: "date".into(),
            json_path: ".metadata.creationTimestamp".into(),
            format: None,
            description: Some("CreationTimestamp is a timestamp representing the server time when this object was created.".into()),
            priority: 0,
        });
    } else {
        cols.extend(resource.printer_columns.iter().cloned());
    }
    cols
}

/// A column computed by code, as the API server's built-in printers do.
fn builtin(name: &str, type_: &str, priority: i32, description: &str) -> PrinterColumn {
    PrinterColumn {
        name: name.into(),
        type_: type_.into(),
        json_path: String::new(),
        format: None,
        description: Some(description.into()),
        priority,
    }
}

/// The columns of the real server's printers for the most common core kinds.
fn builtin_columns(kind: &str) -> Option<Vec<PrinterColumn>> {
    Some(match kind {
        "Pod" => vec![
            builtin(
                "Ready",
                "string",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            builtin(
                "Status",
                "string",
                0,
                "The aggregate status of the containers in this pod.",
            ),
            builtin(
                "Restarts",
                "string",
                0,
                "The number of times the containers in this pod have been restarted.",
            ),
            builtin(
                "Age",
                "string",
                0,
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
            builtin("IP", "string", 1, "IP address allocated to the pod."),
            builtin(
                "Node",
                "string",
                1,
                "Name of the Node this pod is assigned to.",
            ),
        ],
        "Node" => vec![
            builtin("Status", "string", 0, "The status of the node"),
            builtin("Roles", "string", 0, "The roles of the node"),
            builtin(
                "Age",
                "string",
                0,
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
            builtin(
                "Version",
                "string",
                0,
                "Kubelet Version reported by the node.",
            ),
            builtin(
                "Internal-IP",
                "string",
                1,
                "List of internal IPs for the node.",
            ),
            builtin("OS-Image", "string", 1, "OS image reported by the node."),
            builtin(
                "Kernel-Version",
                "string",
                1,
                "Kernel version reported by the node.",
            ),
            builtin(
                "Container-Runtime",
                "string",
                1,
                "Container runtime reported by the node.",
            ),
        ],
        "Namespace" => vec![
            builtin("Status", "string", 0, "The status of the namespace"),
            builtin(
                "Age",
                "string",
                0,
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
        ],
        _ => return None,
    })
}

fn age(obj: &Value, now: jiff::Timestamp) -> Value {
    match obj
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
    {
        Some(t) => Value::String(human_duration(now.as_second() - t.as_second())),
        None => Value::String("<unknown>".into()),
    }
}

fn str_at(obj: &Value, pointer: &str) -> Value {
    match obj.pointer(pointer).and_then(Value::as_str) {
        Some(s) => Value::String(s.to_string()),
        None => Value::String("<none>".into()),
    }
}

/// Cells of the built-in printers (after Name), following kubectl's printers in spirit:
/// Pod status is the phase, overridden by a container's waiting/terminated reason.
fn builtin_cells(kind: &str, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
    let empty = Vec::new();
    match kind {
        "Pod" => {
            let statuses = obj
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .unwrap_or(&empty);
            let total = obj
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = statuses.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = statuses
                .iter()
                .filter_map(|c| c["restartCount"].as_i64())
                .sum();
            let mut status = obj
                .pointer("/status/reason")
                .or_else(|| obj.pointer("/status/phase"))
                .and_then(Value::as_str)
                .unwrap_or("Unknown")
                .to_string();
            for c in statuses {
                let reason = c
                    .pointer("/state/waiting/reason")
                    .or_else(|| c.pointer("/state/terminated/reason"));
                if let Some(r) = reason.and_then(Value::as_str).filter(|r| !r.is_empty()) {
                    status = r.to_string();
                }
            }
            if obj
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|d| !d.is_null())
            {
                status = "Terminating".into();
            }
            vec![
                Value::String(format!("{ready}/{total}")),
                Value::String(status),
                Value::String(restarts.to_string()),
                age(obj, now),
                str_at(obj, "/status/podIP"),
                str_at(obj, "/spec/nodeName"),
            ]
        }
        "Node" => {
            let conditions = obj
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .unwrap_or(&empty);
            let mut status = match conditions
                .iter()
                .find(|c| c["type"] == "Ready")
                .map(|c| c["status"].clone())
            {
                Some(Value::String(s)) if s == "True" => "Ready".to_string(),
                Some(_) => "NotReady".to_string(),
                None => "Unknown".to_string(),
            };
            if obj.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
                status.push_str(",SchedulingDisabled");
            }
            let mut roles: Vec<&str> = obj
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .map(|l| {
                    l.keys()
                        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                        .filter(|r| !r.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            roles.sort_unstable();
            let internal_ip = obj
                .pointer("/status/addresses")
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
                .and_then(|x| x["address"].as_str())
                .unwrap_or("<none>");
            vec![
                Value::String(status),
                Value::String(if roles.is_empty() {
                    "<none>".into()
                } else {
                    roles.join(",")
                }),
                age(obj, now),
                str_at(obj, "/status/nodeInfo/kubeletVersion"),
                Value::String(internal_ip.to_string()),
                str_at(obj, "/status/nodeInfo/osImage"),
                str_at(obj, "/status/nodeInfo/kernelVersion"),
                str_at(obj, "/status/nodeInfo/containerRuntimeVersion"),
            ]
        }
        "Namespace" => vec![str_at(obj, "/status/phase"), age(obj, now)],
        _ => Vec::new(),
    }
}

/// Builds the Table for `objects` of `resource`.
pub(crate) fn table(
    resource: &Resource,
    api_version: &str,
    objects: &[&StoredObject],
    include: IncludeObject,
    list_meta: Value,
) -> Value {
    let core = !api_version.contains('/');
    let builtin = if core && resource.printer_columns.is_empty() {
        builtin_columns(&resource.kind)
    } else {
        None
    };
    let cols = match &builtin {
        Some(extra) => {
            let mut cols = columns(resource);
            cols.truncate(1); // Name
            cols.extend(extra.iter().cloned());
            cols
        }
        None => columns(resource),
    };
    let now = jiff::Timestamp::now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let obj = o.to_value(api_version, &resource.kind);
            let cells: Vec<Value> = if builtin.is_some() {
                let mut cells = vec![Value::String(o.name.clone())];
                cells.extend(builtin_cells(&resource.kind, &obj, now));
                cells
            } else {
                cols.iter().map(|c| cell(c, &obj, now)).collect()
            };
            let mut row = json!({ "cells": cells });
            match include {
                IncludeObject::None => {}
                IncludeObject::Object => row["object"] = obj,
                IncludeObject::Metadata => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": obj.get("metadata").cloned().unwrap_or(Value::Null),
                    });
                }
            }
            row
        })
        .collect();
    let defs: Vec<Value> = cols
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.type_,
                "format": c.format.clone().unwrap_or_default(),
                "description": c.description.clone().unwrap_or_default(),
                "priority": c.priority,
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": defs,
        "rows": rows,
    })
}

/// One cell: the first JSONPath result, typed like the API server's CRD table convertor does
/// (dates become ages, missing values null).
fn cell(col: &PrinterColumn, obj: &Value, now: jiff::Timestamp) -> Value {
    let Some(v) = eval_jsonpath(&col.json_path, obj) else {
        return Value::Null;
    };
    match col.type_.as_str() {
        "date" => match v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) {
            Some(t) => Value::String(human_duration(now.as_second() - t.as_second())),
            None => Value::Null,
        },
        "integer" | "number" | "boolean" => v,
        _ => match v {
            Value::String(s) => Value::String(s),
            Value::Null => Value::Null,
            other => Value::String(other.to_string()),
        },
    }
}

/// Evaluates a Kubernetes-style JSONPath (`.status.conditions[?(@.type=="Ready")].status`,
/// optionally in braces) and returns its first result.
pub(crate) fn eval_jsonpath(path: &str, obj: &Value) -> Option<Value> {
    let p = path.trim();
    let p = p
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(p);
    // Kubernetes escapes dots inside bracketed keys ('machine\.openshift\.io/zone'); RFC 9535
    // string literals do not need (or accept) that escape.
    let p = p.replace("\\.", ".");
    let p = if p.starts_with('$') {
        p
    } else {
        format!("${p}")
    };
    let results = obj.query(&p).ok()?;
    results.first().map(|v| (*v).clone())
}

/// Age as kubectl shows it (k8s.io/apimachinery/pkg/util/duration.HumanDuration).
pub(crate) fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_filters_like_kubectl() {
        let obj = json!({"status": {"conditions": [
            {"type": "Available", "status": "True"}, {"type": "Degraded", "status": "False"}]},
            "metadata": {"labels": {"machine.openshift.io/zone": "us-east-2a"}}});
        assert_eq!(
            eval_jsonpath(".status.conditions[?(@.type==\"Degraded\")].status", &obj),
            Some(json!("False"))
        );
        assert_eq!(
            eval_jsonpath(".metadata.labels['machine\\.openshift\\.io/zone']", &obj),
            Some(json!("us-east-2a"))
        );
        assert_eq!(eval_jsonpath("{.status.missing}", &obj), None);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(3600 * 5 + 60 * 3), "5h3m");
        assert_eq!(human_duration(3600 * 30), "30h");
        assert_eq!(human_duration(86400 * 3 + 3600 * 2), "3d2h");
        assert_eq!(human_duration(86400 * 400), "400d");
        assert_eq!(human_duration(86400 * 365 * 3 + 86400 * 10), "3y10d");
    }
}
