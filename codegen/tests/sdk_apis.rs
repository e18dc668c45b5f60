//! The generated modules committed in `sdk/src/apis` are what the generator produces from
//! the bundled specs, and they work through the SDK's client.

use std::path::{Path, PathBuf};

use serde_json::json;
use wagather_codegen::{Inputs, Mode};
use wagather_sdk::apis::{config_v1, core_v1};
use wagather_sdk::testing::FakeApi;
use wagather_sdk::{ListParams, ResourceExt};

#[test]
fn committed_sdk_apis_are_up_to_date() {
    let inputs = Inputs {
        swagger: vec!["specs/kubernetes-swagger.json".into()],
        openapi3: vec![],
        definitions: vec!["specs/openshift-openapi.json".into()],
        crds: vec!["specs/openshift-crds".into()],
    };
    let mut api = wagather_codegen::load(&inputs).unwrap();
    // `cargo xtask gen` runs from the workspace root; its DO NOT EDIT line names these paths.
    api.inputs = [
        "kubernetes-swagger.json",
        "openshift-openapi.json",
        "openshift-crds",
    ]
    .iter()
    .map(|f| format!("codegen/specs/{f}"))
    .collect();
    let rendered = wagather_codegen::render(&api, Mode::Sdk, "", None).unwrap();
    let apis = Path::new("../sdk/src/apis");
    let mut stale: Vec<PathBuf> = Vec::new();
    for (rel, content) in &rendered.files {
        if std::fs::read_to_string(apis.join(rel)).ok().as_deref() != Some(content.as_str()) {
            stale.push(rel.clone());
        }
    }
    let on_disk = std::fs::read_dir(apis).unwrap().count();
    assert!(
        stale.is_empty() && on_disk == rendered.files.len(),
        "sdk/src/apis is out of date (run `cargo xtask gen`): {stale:?}, {on_disk} files on disk vs {} generated",
        rendered.files.len()
    );
    let manifest = std::fs::read_to_string("../sdk/Cargo.toml").unwrap();
    for feature in &rendered.features {
        assert!(
            manifest.contains(&format!("\n{feature} = []\n")),
            "sdk/Cargo.toml lacks feature {feature}"
        );
    }
}

#[test]
fn pod_logs_with_params() {
    let api = FakeApi::new();
    api.respond(
        "/api/v1/namespaces/openshift-monitoring/pods/prometheus-0/log?container=prometheus&tailLines=100&sinceSeconds=3600&previous=true",
        200,
        "line 1\nline 2\n",
    );
    let _guard = api.install();
    let params = core_v1::LogParams {
        container: Some("prometheus".into()),
        tail_lines: Some(100),
        since_seconds: Some(3600),
        previous: true,
    };
    let log = core_v1::pods()
        .namespaced("openshift-monitoring")
        .logs("prometheus-0", &params)
        .unwrap();
    assert_eq!(log, "line 1\nline 2\n");
    assert_eq!(
        api.requests()[0].headers,
        [("Accept".to_owned(), "text/plain".to_owned())]
    );
}

#[test]
fn pod_logs_errors_keep_the_status() {
    let api = FakeApi::new();
    let _guard = api.install();
    let err = core_v1::pods()
        .namespaced("default")
        .logs("missing", &core_v1::LogParams::default())
        .unwrap_err();
    match err {
        wagather_sdk::Error::Api { path, status } => {
            assert_eq!(path, "/api/v1/namespaces/default/pods/missing/log");
            assert_eq!(status.code, 404);
        }
        other => panic!("unexpected {other:?}"),
    }
    // Names are checked before anything is sent.
    assert!(
        core_v1::pods()
            .namespaced("default")
            .logs("a/b", &core_v1::LogParams::default())
            .is_err()
    );
    assert_eq!(api.requests().len(), 1);
}

#[test]
fn generated_accessors_reach_the_right_paths() {
    let api = FakeApi::new();
    api.respond_json(
        "/apis/config.openshift.io/v1/clusteroperators?limit=500",
        200,
        &json!({"metadata": {}, "items": [{"metadata": {"name": "dns"}, "spec": {}}]}),
    );
    api.respond_json(
        "/api/v1/namespaces/kube-system/pods?limit=500",
        200,
        &json!({"metadata": {}, "items": [{"metadata": {"name": "coredns", "namespace": "kube-system"}}]}),
    );
    let _guard = api.install();
    let ops = config_v1::cluster_operators()
        .list_all(&ListParams::default())
        .unwrap();
    assert_eq!(ops[0].name(), "dns");
    assert_eq!(ops[0].kind, "ClusterOperator");
    let pods = core_v1::pods()
        .namespaced("kube-system")
        .list_all(&ListParams::default())
        .unwrap();
    assert_eq!(pods[0].namespace(), Some("kube-system"));
}
