//! `clusterconfig/operators_pods_and_events`: for every unhealthy ClusterOperator, the pods,
//! container logs and recent events of its namespaces.
//!
//! IO (`gather_cluster_operator_pods_and_events.go`):
//!
//! - lists the ClusterOperators; one is unhealthy when a condition says `Degraded=True` or
//!   `Available=False`; its namespaces are the `status.relatedObjects` of resource
//!   `namespaces`;
//! - lists the pods of each such namespace (a namespace it cannot list is skipped) and, once
//!   per namespace starting with `openshift-`, writes its events of the last gather interval
//!   (configuration key `interval`, 2 hours by default), compacted and sorted, to
//!   `events/<namespace>.json`;
//! - writes every unhealthy pod (pending for over two minutes, or a container that restarted
//!   or exited non-zero) to `config/pod/<namespace>/<pod>.json` (no `kind`, no
//!   `managedFields`, `HTTP_PROXY`/`HTTPS_PROXY` values of its containers turned into `x`s),
//!   with the previous logs of its init and regular containers when one restarted;
//! - writes the current log of every container (init and regular) of every listed pod,
//!   healthy or not;
//! - a log is the last 100 lines with timestamps, at most 24 MiB divided by the number of
//!   containers; when it holds a Go stack trace (`.go:<line> +0x`) the last 2000 lines are
//!   read instead and cut to the 20 lines before the trace, the trace's first 35 lines and
//!   last 5 (when it is longer than 40 lines); it goes to
//!   `config/pod/<namespace>/logs/<pod>/<container>_{current,previous}.log`; an empty or
//!   unreadable log is skipped.

use std::collections::BTreeSet;

use insights_common::{events, pods, time::Instant};
use wagather_sdk::apis::{config_v1, core_v1};
use wagather_sdk::get_raw;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// `recorder.MaxArchiveSize * logCompressionRatio / 2`: the log budget, shared by containers.
const LOG_BUDGET: usize = 24 * 1024 * 1024;
/// `logMaxTailLines`.
const TAIL: usize = 100;
/// `logMaxLongTailLines`: read when a log holds a stack trace.
const LONG_TAIL: usize = 2000;

/// Records the pods, logs and events of unhealthy operators' namespaces.
#[gatherer(
    name = "clusterconfig/operators_pods_and_events",
    reads = ["config.openshift.io/v1/clusteroperators", "v1/pods", "v1/pods/log", "v1/events"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let interval = insights_common::gather_interval(ctx.config()).map_err(Error::InvalidParams)?;
    let operators = match config_v1::cluster_operators().list_objects(&ListParams::default()) {
        Ok(operators) => operators,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    let now = Instant::now();
    let mut listed: Vec<Object> = Vec::new();
    let mut containers = 0;
    let mut events_done = BTreeSet::new();
    for operator in operators.iter().filter(|o| !is_healthy_operator(o)) {
        for namespace in namespaces_of(operator) {
            let Ok(namespace_pods) = core_v1::pods()
                .namespaced(namespace)
                .list_objects(&ListParams::default())
            else {
                continue;
            };
            for pod in namespace_pods {
                containers += container_names(&pod).len();
                listed.push(pod.without_type_meta());
            }
            if events_done.contains(namespace) {
                continue;
            }
            // IO logs a failure to read the events and tries again for the next operator.
            if events::namespace_events(ctx, namespace, now, interval).is_ok() {
                events_done.insert(namespace.to_owned());
            }
        }
    }
    if listed.is_empty() || containers == 0 {
        return Ok(());
    }
    let limit_bytes = LOG_BUDGET / containers;
    // A namespace named by two operators lists the same pods twice; one record each.
    let mut written = BTreeSet::new();
    for mut pod in listed {
        let namespace = pod.namespace().unwrap_or("").to_owned();
        if !pods::is_healthy(&pod, now) {
            pods::hide_proxy_env(&mut pod);
            let path = format!("config/pod/{namespace}/{}", pod.name());
            if written.insert(path.clone()) {
                ctx.record_object(path, &pod)?;
            }
            if pods::is_restarted(&pod) {
                record_logs(ctx, &pod, true, limit_bytes, &mut written)?;
            }
        }
        record_logs(ctx, &pod, false, limit_bytes, &mut written)?;
    }
    Ok(())
}

/// `isHealthyOperator`.
fn is_healthy_operator(operator: &Object) -> bool {
    !operator
        .array_at(&["status", "conditions"])
        .into_iter()
        .flatten()
        .any(|c| {
            let is = |t: &str, s: &str| {
                c.get("type").and_then(Value::as_str) == Some(t)
                    && c.get("status").and_then(Value::as_str) == Some(s)
            };
            is("Degraded", "True") || is("Available", "False")
        })
}

/// `namespacesForOperator`.
fn namespaces_of(operator: &Object) -> Vec<&str> {
    operator
        .array_at(&["status", "relatedObjects"])
        .into_iter()
        .flatten()
        .filter(|r| r.get("resource").and_then(Value::as_str) == Some("namespaces"))
        .filter_map(|r| r.get("name").and_then(Value::as_str))
        .collect()
}

/// The names of the pod's init containers, then its regular ones.
fn container_names(pod: &Object) -> Vec<&str> {
    ["initContainers", "containers"]
        .iter()
        .flat_map(|kind| pod.array_at(&["spec", kind]).into_iter().flatten())
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .collect()
}

/// `getContainerLogs`: one record per container whose log is not empty.
fn record_logs(
    ctx: &mut Gather,
    pod: &Object,
    previous: bool,
    limit_bytes: usize,
    written: &mut BTreeSet<String>,
) -> Result<()> {
    let namespace = pod.namespace().unwrap_or("");
    for container in container_names(pod) {
        let Some(mut log) = read_log(
            namespace,
            pod.name(),
            container,
            previous,
            limit_bytes,
            TAIL,
        ) else {
            continue;
        };
        if has_stack_trace(&log) {
            let Some(long) = read_log(
                namespace,
                pod.name(),
                container,
                previous,
                limit_bytes,
                LONG_TAIL,
            ) else {
                continue;
            };
            log = trim_stack_trace(&long);
        }
        let which = if previous { "previous" } else { "current" };
        let path = format!(
            "config/pod/{namespace}/logs/{}/{container}_{which}.log",
            pod.name()
        );
        if written.insert(path.clone()) {
            ctx.record_raw(path, log)?;
        }
    }
    Ok(())
}

/// A container's log as IO requests it; `None` when it cannot be read or is empty.
fn read_log(
    namespace: &str,
    pod: &str,
    container: &str,
    previous: bool,
    limit_bytes: usize,
    tail: usize,
) -> Option<String> {
    let mut query = form_query(&[
        ("container", container),
        ("limitBytes", &limit_bytes.to_string()),
    ]);
    if previous {
        query.push_str("&previous=true");
    }
    query.push_str(&format!("&tailLines={tail}&timestamps=true"));
    let path = format!("/api/v1/namespaces/{namespace}/pods/{pod}/log?{query}");
    let body = get_raw(&path).ok()?;
    let mut text = String::from_utf8_lossy(&body).into_owned();
    // The server stops at limitBytes; IO's buffer holds as much.
    if text.len() > limit_bytes {
        let mut end = limit_bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    (!text.is_empty()).then_some(text)
}

fn form_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `stackTraceRegex` (`\.go:\d+\s\+0x`) matches somewhere in `text`.
fn has_stack_trace(text: &str) -> bool {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(".go:") {
        let mut j = from + i + 4;
        let digits_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > digits_start
            && j < b.len()
            && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
            && b[j + 1..].starts_with(b"+0x")
        {
            return true;
        }
        from = from + i + 1;
    }
    false
}

/// `getLogWithStacktracing`.
fn trim_stack_trace(log: &str) -> String {
    const OFFSET: usize = 20;
    const MAX_LINES: usize = 40;
    const BEGINNING: usize = 35;
    const END: usize = 5;
    let lines: Vec<&str> = log.split('\n').collect();
    let start = lines.iter().position(|l| has_stack_trace(l)).unwrap_or(0);
    let end = lines
        .iter()
        .rposition(|l| has_stack_trace(l))
        .unwrap_or(0)
        .max(start);
    let length = end - start;
    if length > MAX_LINES {
        let from = start.saturating_sub(OFFSET);
        let to = lines.len().min(from + BEGINNING);
        format!(
            "{}\n... ({} stacktrace lines suppressed) ...\n{}",
            lines[from..to].join("\n"),
            length - MAX_LINES,
            lines[end.saturating_sub(END)..].join("\n")
        )
    } else {
        lines[start.saturating_sub(OFFSET)..].join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use insights_common::testing::{
        Server, assert_matches_sample, record, record_json, sample, samples_under,
    };
    use serde_json::json;

    fn operators() -> Vec<Value> {
        samples_under("config/clusteroperator")
            .into_iter()
            .filter(|(p, _)| p.matches('/').count() == 2)
            .map(|(_, o)| o)
            .collect()
    }

    /// The sample's pods of a namespace.
    fn pods_of(namespace: &str) -> Vec<Value> {
        let dir = format!("config/pod/{namespace}");
        if !insights_common::testing::sample_root().join(&dir).is_dir() {
            return Vec::new();
        }
        samples_under(&dir).into_iter().map(|(_, p)| p).collect()
    }

    #[test]
    fn writes_the_unhealthy_pods_of_the_degraded_ingress_operator() {
        let server = Server::new();
        server.list(
            "/apis/config.openshift.io/v1/clusteroperators",
            "config.openshift.io/v1",
            "ClusterOperator",
            &operators(),
        );
        // The sample's ingress operator is degraded; its namespaces are these three.
        for namespace in [
            "openshift-ingress-operator",
            "openshift-ingress",
            "openshift-ingress-canary",
        ] {
            server.list(
                &format!("/api/v1/namespaces/{namespace}/pods"),
                "v1",
                "Pod",
                &pods_of(namespace),
            );
            server.list(
                &format!("/api/v1/namespaces/{namespace}/events"),
                "v1",
                "Event",
                &[],
            );
        }
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(
            &output,
            "config/pod/openshift-ingress/router-default-7bbdcfcf9b-7xdln.json",
        );
        assert_matches_sample(
            &output,
            "config/pod/openshift-ingress-operator/ingress-operator-6557486749-h7qjw.json",
        );
        // No log could be read and no event is recent: just the two pods.
        assert_eq!(output.records.len(), 2);
    }

    #[test]
    fn logs_and_events_of_unhealthy_pods() {
        let mut operator = sample("config/clusteroperator/ingress.json");
        operator["status"]["relatedObjects"] =
            json!([{"group": "", "resource": "namespaces", "name": "openshift-ingress-operator"}]);
        let pod = pods_of("openshift-ingress-operator").remove(0);
        let name = pod["metadata"]["name"].as_str().unwrap().to_owned();
        let containers: Vec<String> = pod["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        let server = Server::new();
        server.list(
            "/apis/config.openshift.io/v1/clusteroperators",
            "config.openshift.io/v1",
            "ClusterOperator",
            &[operator],
        );
        server.list(
            "/api/v1/namespaces/openshift-ingress-operator/pods",
            "v1",
            "Pod",
            std::slice::from_ref(&pod),
        );
        server.list("/api/v1/namespaces/openshift-ingress-operator/events", "v1", "Event", &[
            json!({"metadata": {"name": "e", "namespace": "openshift-ingress-operator"}, "reason": "BackOff",
                   "message": "Back-off restarting failed container", "type": "Warning", "lastTimestamp": "2100-01-01T00:00:00Z"})]);
        let limit = LOG_BUDGET / containers.len();
        let log_path = |c: &str, previous: bool, tail: usize| {
            format!(
                "/api/v1/namespaces/openshift-ingress-operator/pods/{name}/log?container={c}&limitBytes={limit}{}&tailLines={tail}&timestamps=true",
                if previous { "&previous=true" } else { "" }
            )
        };
        server.api().respond(
            &log_path(&containers[0], false, 100),
            200,
            "2021-07-07T11:00:00Z started\n",
        );
        let trace: String = (0..60)
            .map(|i| format!("main.f()\n\t/go/src/main.go:{i} +0x1f\n"))
            .collect();
        let long = format!(
            "{}panic: boom\n{trace}",
            (0..30).map(|i| format!("line {i}\n")).collect::<String>()
        );
        server.api().respond(
            &log_path(&containers[0], true, 100),
            200,
            "panic: boom\n\t/go/src/main.go:1 +0x1f\n",
        );
        server
            .api()
            .respond(&log_path(&containers[0], true, 2000), 200, long.clone());
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        let dir = format!("config/pod/openshift-ingress-operator/logs/{name}");
        assert_eq!(
            record(&output, &format!("{dir}/{}_current.log", containers[0])).data,
            b"2021-07-07T11:00:00Z started\n"
        );
        let previous = String::from_utf8(
            record(&output, &format!("{dir}/{}_previous.log", containers[0]))
                .data
                .clone(),
        )
        .unwrap();
        // The trace runs from line 32 to line 150: 20 lines before it, 35 in all, the 118 - 40
        // lines IO suppresses, and the last 5 lines of the trace to the end.
        assert!(previous.starts_with("line 12\n"), "{previous}");
        assert_eq!(previous.lines().count(), 35 + 1 + 6);
        assert!(
            previous.contains("\n... (78 stacktrace lines suppressed) ...\n"),
            "{previous}"
        );
        assert_eq!(
            record_json(&output, "events/openshift-ingress-operator.json")["items"][0]["reason"],
            "BackOff"
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn stack_traces_are_found_as_io_finds_them() {
        assert!(has_stack_trace("x\n\tfoo.go:12 +0x2a\n"));
        assert!(!has_stack_trace("foo.go:12 0x2a"));
        assert!(!has_stack_trace("foo.go: +0x2a"));
        assert!(!has_stack_trace("foo.go:12+0x2a"));
        assert_eq!(
            trim_stack_trace("a\nb\nmain.go:1 +0x1\nc"),
            "a\nb\nmain.go:1 +0x1\nc"
        );
    }
}
