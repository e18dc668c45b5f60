//! `policy`: `GatherPolicy::check` of one guest request, against a ten-read manifest with an
//! operator restriction (the size of a busy Insights gatherer's), each request with an
//! `Accept` header.

use std::hint::black_box;

use wagather_contract::ReadRule;
use wagather_figures::Group;
use wagather_host::policy::{GatherPolicy, GuestRequest, HostPolicy};

fn policy() -> GatherPolicy {
    let reads: Vec<ReadRule> = [
        "config.openshift.io/v1/clusteroperators",
        "config.openshift.io/v1/clusterversions",
        "config.openshift.io/v1/infrastructures",
        "config.openshift.io/v1/networks",
        "config.openshift.io/v1/proxies",
        "v1/nodes",
        "v1/namespaces",
        "v1/pods/log in openshift-monitoring,openshift-etcd",
        "v1/configmaps in openshift-config",
        "apps/v1/deployments in openshift-monitoring",
    ]
    .iter()
    .map(|r| r.parse().expect("valid rule"))
    .collect();
    let host = HostPolicy::default().restrict(
        "bench",
        reads
            .iter()
            .cloned()
            .chain(["v1/events".parse().expect("valid rule")]),
    );
    GatherPolicy::new("bench", &reads, &host)
}

pub fn run(g: &mut Group<'_>) {
    let policy = policy();
    let accept = vec![("Accept".to_owned(), "application/json".to_owned())];
    for (name, path, allowed) in [
        (
            "allowed_list",
            "/apis/config.openshift.io/v1/clusteroperators?limit=500",
            true,
        ),
        (
            "allowed_namespaced_log",
            "/api/v1/namespaces/openshift-monitoring/pods/prometheus-k8s-0/log?container=prometheus&tailLines=100",
            true,
        ),
        (
            "denied_secrets",
            "/api/v1/namespaces/openshift-config/secrets",
            false,
        ),
        (
            "denied_dotdot",
            "/api/v1/namespaces/x/%2e%2e/secrets",
            false,
        ),
    ] {
        let request = || GuestRequest {
            method: "GET",
            path_and_query: black_box(path),
            headers: black_box(&accept),
        };
        assert_eq!(policy.check(&request()).is_ok(), allowed, "{path}");
        g.time(
            &format!("policy_check/{name}"),
            &format!("`GatherPolicy::check` of `GET {path}`"),
            || policy.check(&request()).is_ok(),
        );
    }
}
