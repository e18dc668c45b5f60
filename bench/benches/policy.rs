//! Cost of the request policy per guest request.
//!
//! `cargo bench -p wagather-bench --bench policy`; part of `cargo xtask bench`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wagather_contract::ReadRule;
use wagather_host::policy::{GatherPolicy, GuestRequest, HostPolicy};

fn policy() -> GatherPolicy {
    // A manifest the size of a busy Insights gatherer.
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

fn bench(c: &mut Criterion) {
    let policy = policy();
    let accept = vec![("Accept".to_owned(), "application/json".to_owned())];
    let cases = [
        (
            "allowed_list",
            "/apis/config.openshift.io/v1/clusteroperators?limit=500",
            &accept,
        ),
        (
            "allowed_namespaced_log",
            "/api/v1/namespaces/openshift-monitoring/pods/prometheus-k8s-0/log?container=prometheus&tailLines=100",
            &accept,
        ),
        (
            "denied_secrets",
            "/api/v1/namespaces/openshift-config/secrets",
            &accept,
        ),
        (
            "denied_dotdot",
            "/api/v1/namespaces/x/%2e%2e/secrets",
            &accept,
        ),
    ];
    let mut group = c.benchmark_group("policy_check");
    for (name, path, headers) in cases {
        group.bench_function(name, |b| {
            b.iter(|| {
                let req = GuestRequest {
                    method: "GET",
                    path_and_query: black_box(path),
                    headers: black_box(headers),
                };
                black_box(policy.check(&req)).is_ok()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
