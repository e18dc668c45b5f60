//! IO's rules about pods (`pkg/utils/check`), on pods read as [`Object`]s.

use serde_json::Value;
use wagather_sdk::Object;

use crate::time::Instant;

fn statuses<'a>(pod: &'a Object, which: &str) -> impl Iterator<Item = &'a Value> {
    pod.array_at(&["status", which]).into_iter().flatten()
}

/// Every init and regular container status, init containers first.
fn all_statuses(pod: &Object) -> impl Iterator<Item = &Value> {
    statuses(pod, "initContainerStatuses").chain(statuses(pod, "containerStatuses"))
}

fn exit_code(state: Option<&Value>) -> Option<i64> {
    state?
        .get("terminated")
        .filter(|t| t.is_object())
        .map(|t| t.get("exitCode").and_then(Value::as_i64).unwrap_or(0))
}

fn restart_count(status: &Value) -> i64 {
    status
        .get("restartCount")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// `check.IsHealthyPod`: not pending for more than two minutes since its creation, and no init
/// or regular container that terminated with a non-zero code (now or last time) or restarted.
pub fn is_healthy(pod: &Object, now: Instant) -> bool {
    if pod.str_at(&["status", "phase"]) == Some("Pending") {
        // A pod without a creation time counts as created at Go's zero time, long ago.
        let created = pod
            .str_at(&["metadata", "creationTimestamp"])
            .and_then(Instant::parse);
        let pending_too_long = created.is_none_or(|c| now.nanos_since(c) > 120 * 1_000_000_000);
        if pending_too_long {
            return false;
        }
    }
    !all_statuses(pod).any(|status| {
        exit_code(status.get("lastState")).is_some_and(|c| c != 0)
            || exit_code(status.get("state")).is_some_and(|c| c != 0)
            || restart_count(status) > 0
    })
}

/// `check.IsContainerInCrashloop` of one container status: restarted, and its last state
/// terminated with a non-zero code or waiting.
pub fn is_container_in_crashloop(status: &Value) -> bool {
    let last = status.get("lastState");
    restart_count(status) > 0
        && (exit_code(last).is_some_and(|c| c != 0)
            || last
                .and_then(|l| l.get("waiting"))
                .is_some_and(Value::is_object))
}

/// `check.HasContainerInCrashloop`: any init or regular container in a crash loop.
pub fn has_container_in_crashloop(pod: &Object) -> bool {
    all_statuses(pod).any(is_container_in_crashloop)
}

/// Whether any init or regular container restarted (`isPodRestarted`).
pub fn is_restarted(pod: &Object) -> bool {
    all_statuses(pod).any(|s| restart_count(s) > 0)
}

/// Hides the proxy variables of the pod's regular containers (`anonymize.SensitiveEnvVars` on
/// `pod.Spec.Containers`; init containers are left as they are, as IO leaves them).
pub fn hide_proxy_env(pod: &mut Object) {
    crate::anonymize::sensitive_env_vars(pod.get_mut(&["spec", "containers"]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(value: Value) -> Object {
        serde_json::from_value(value).unwrap()
    }

    fn now() -> Instant {
        Instant::parse("2021-07-08T00:00:00Z").unwrap()
    }

    #[test]
    fn restarts_and_failures_make_a_pod_unhealthy() {
        let healthy = pod(json!({"status": {"phase": "Running", "containerStatuses": [
            {"restartCount": 0, "state": {"running": {}}, "lastState": {}}]}}));
        assert!(is_healthy(&healthy, now()));
        let restarted = pod(json!({"status": {"containerStatuses": [{"restartCount": 1}]}}));
        assert!(!is_healthy(&restarted, now()));
        assert!(is_restarted(&restarted));
        let failed_init = pod(json!({"status": {"initContainerStatuses": [
            {"restartCount": 0, "state": {"terminated": {"exitCode": 1}}}]}}));
        assert!(!is_healthy(&failed_init, now()));
        let done = pod(json!({"status": {"containerStatuses": [
            {"restartCount": 0, "state": {"terminated": {"exitCode": 0}}}]}}));
        assert!(is_healthy(&done, now()));
    }

    #[test]
    fn pending_counts_after_two_minutes() {
        let young = pod(
            json!({"metadata": {"creationTimestamp": "2021-07-07T23:59:00Z"},
                               "status": {"phase": "Pending"}}),
        );
        let old = pod(
            json!({"metadata": {"creationTimestamp": "2021-07-07T23:57:59Z"},
                             "status": {"phase": "Pending"}}),
        );
        let unknown = pod(json!({"status": {"phase": "Pending"}}));
        assert!(is_healthy(&young, now()));
        assert!(!is_healthy(&old, now()));
        assert!(!is_healthy(&unknown, now()));
    }

    #[test]
    fn crash_loops_need_a_restart_and_a_bad_last_state() {
        let waiting =
            json!({"restartCount": 3, "lastState": {"waiting": {"reason": "CrashLoopBackOff"}}});
        let failed = json!({"restartCount": 1, "lastState": {"terminated": {"exitCode": 2}}});
        let clean = json!({"restartCount": 1, "lastState": {"terminated": {"exitCode": 0}}});
        let never = json!({"restartCount": 0, "lastState": {"terminated": {"exitCode": 2}}});
        assert!(is_container_in_crashloop(&waiting));
        assert!(is_container_in_crashloop(&failed));
        assert!(!is_container_in_crashloop(&clean));
        assert!(!is_container_in_crashloop(&never));
        let p = pod(
            json!({"status": {"initContainerStatuses": [clean], "containerStatuses": [failed]}}),
        );
        assert!(has_container_in_crashloop(&p));
    }
}
