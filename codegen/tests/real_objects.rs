//! Real API objects deserialize into the generated types; OpenShift kinds (generated
//! structs) serialize back to exactly the input JSON.
//!
//! Inputs: the demo snapshot `testdata/insights-archive-sample` (`config/`,
//! `cluster-scoped-resources/`) and `tests/data/real-objects` (see its SOURCES.md).
//! Which kinds count as generated comes from running the code generator on the bundled
//! specs, so a kind that becomes generated without being checked here fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use wagather_sdk::Resource;
use wagather_sdk::apis;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(apiVersion, kind)` of every listable resource the bundled specs generate.
fn generated_kinds() -> BTreeSet<(String, String)> {
    let specs = manifest_dir().join("specs");
    let api = wagather_codegen::load(&wagather_codegen::Inputs {
        swagger: vec![specs.join("kubernetes-swagger.json")],
        openapi3: vec![],
        definitions: vec![specs.join("openshift-openapi.json")],
        crds: vec![specs.join("openshift-crds")],
    })
    .expect("bundled specs load");
    let generated = wagather_codegen::emit::generate(&api, wagather_codegen::Mode::Sdk)
        .expect("bundled specs generate");
    generated
        .generated
        .into_iter()
        .map(|g| {
            let api_version = if g.group.is_empty() {
                g.version
            } else {
                format!("{}/{}", g.group, g.version)
            };
            (api_version, g.kind)
        })
        .collect()
}

/// Records of the Insights archive that hold one object without `apiVersion`/`kind`
/// (the Insights Operator writes typed objects fetched through client-go, which drops
/// them). Paths are relative to the archive root; a trailing `/` matches a directory tree.
const KINDLESS: &[(&str, &str, &str)] = &[
    (
        "config/apiserver.json",
        "config.openshift.io/v1",
        "APIServer",
    ),
    (
        "config/authentication.json",
        "config.openshift.io/v1",
        "Authentication",
    ),
    (
        "config/featuregate.json",
        "config.openshift.io/v1",
        "FeatureGate",
    ),
    ("config/image.json", "config.openshift.io/v1", "Image"),
    (
        "config/infrastructure.json",
        "config.openshift.io/v1",
        "Infrastructure",
    ),
    ("config/ingress.json", "config.openshift.io/v1", "Ingress"),
    ("config/network.json", "config.openshift.io/v1", "Network"),
    ("config/oauth.json", "config.openshift.io/v1", "OAuth"),
    ("config/proxy.json", "config.openshift.io/v1", "Proxy"),
    (
        "config/version.json",
        "config.openshift.io/v1",
        "ClusterVersion",
    ),
    ("config/node/", "v1", "Node"),
    ("config/pod/", "v1", "Pod"),
    ("config/persistentvolumes/", "v1", "PersistentVolume"),
    (
        "config/crd/",
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
    ),
    (
        "config/mutatingwebhookconfigurations/",
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "config/validatingwebhookconfigurations/",
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "config/clusterrolebinding/",
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
    ),
    (
        "cluster-scoped-resources/rbac.authorization.k8s.io/clusterroles/",
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
    ),
    (
        "config/securitycontextconstraint/",
        "security.openshift.io/v1",
        "SecurityContextConstraints",
    ),
];

/// Archive records that do not match their kind's schema, so they cannot deserialize.
/// The test asserts that they still fail, so the list cannot go stale silently.
const NONCONFORMING: &[(&str, &str)] = &[(
    "config/controlplanemachinesets/openshift-machine-api/cluster.json",
    "`spec.template` is null although the CRD requires an object, and it has a \
     `spec.templates` field the CRD does not define: a documentation sample, not a server response",
)];

/// Deserializes `value` as `K`; for generated structs also checks the lossless round trip.
fn check<K>(what: &str, value: &Value, round_trip: bool) -> Result<(), String>
where
    K: Resource,
{
    let object: K = serde_json::from_value(value.clone())
        .map_err(|e| format!("{what}: does not deserialize as {}: {e}", K::KIND))?;
    if round_trip {
        let mut expected = value.clone();
        // apiVersion and kind are always written; inputs may lack them.
        if let Some(map) = expected.as_object_mut() {
            map.entry("apiVersion")
                .or_insert_with(|| Value::String(wagather_sdk::resource::api_version::<K>()));
            map.entry("kind")
                .or_insert_with(|| Value::String(K::KIND.to_owned()));
        }
        let back = serde_json::to_value(&object)
            .map_err(|e| format!("{what}: does not serialize: {e}"))?;
        same_metadata_text_as_k8s_openapi(what, value)?;
        if back != expected {
            return Err(format!(
                "{what}: {} does not round-trip:\n{}",
                K::KIND,
                first_difference(&expected, &back, String::new())
            ));
        }
    }
    Ok(())
}

/// Generated kinds use the SDK's lean `ObjectMeta` (timestamps as text): for real input it
/// must write the same bytes as k8s-openapi's `ObjectMeta` (field order, omitted fields).
fn same_metadata_text_as_k8s_openapi(what: &str, input: &Value) -> Result<(), String> {
    use wagather_sdk::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    let Some(metadata) = input.get("metadata") else {
        return Ok(());
    };
    let text = serde_json::to_string(metadata).map_err(|e| e.to_string())?;
    let ours: wagather_sdk::meta::ObjectMeta = serde_json::from_str(&text)
        .map_err(|e| format!("{what}: metadata does not deserialize: {e}"))?;
    let theirs: ObjectMeta = serde_json::from_str(&text)
        .map_err(|e| format!("{what}: metadata is not a k8s-openapi ObjectMeta: {e}"))?;
    let ours = serde_json::to_string(&ours).map_err(|e| e.to_string())?;
    let theirs = serde_json::to_string(&theirs).map_err(|e| e.to_string())?;
    if ours != theirs {
        return Err(format!(
            "{what}: metadata written differently from k8s-openapi:\n{ours}\n{theirs}"
        ));
    }
    Ok(())
}

fn first_difference(expected: &Value, actual: &Value, path: String) -> String {
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()) {
                let (x, y) = (a.get(key), b.get(key));
                if x != y {
                    return match (x, y) {
                        (Some(x), Some(y)) => first_difference(x, y, format!("{path}/{key}")),
                        _ => format!("{path}/{key}: input {x:?}, output {y:?}"),
                    };
                }
            }
            format!("{path}: objects differ")
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if x != y {
                    return first_difference(x, y, format!("{path}/{i}"));
                }
            }
            format!("{path}: arrays differ")
        }
        _ => format!("{path}: input {expected}, output {actual}"),
    }
}

/// Dispatches on `(apiVersion, kind)` to the generated type. Kubernetes kinds are
/// k8s-openapi's types (deserialize only); the others are generated structs (round trip).
macro_rules! dispatch {
    ($api_version:expr, $kind:expr, $what:expr, $value:expr;
     k8s: [$($k:ty),* $(,)?]; openshift: [$($o:ty),* $(,)?]) => {{
        let (api_version, kind): (&str, &str) = ($api_version, $kind);
        $(
            if api_version == wagather_sdk::resource::api_version::<$k>() && kind == <$k>::KIND {
                Some(check::<$k>($what, $value, false))
            } else
        )*
        $(
            if api_version == wagather_sdk::resource::api_version::<$o>() && kind == <$o>::KIND {
                Some(check::<$o>($what, $value, true))
            } else
        )*
        { None }
    }};
}

fn check_object(
    api_version: &str,
    kind: &str,
    what: &str,
    value: &Value,
) -> Option<Result<(), String>> {
    dispatch!(api_version, kind, what, value;
        k8s: [
            apis::core_v1::Node,
            apis::core_v1::Pod,
            apis::core_v1::PersistentVolume,
            apis::apps_v1::Deployment,
            apis::apiextensions_v1::CustomResourceDefinition,
            apis::admissionregistration_v1::MutatingWebhookConfiguration,
            apis::admissionregistration_v1::ValidatingWebhookConfiguration,
            apis::rbac_v1::ClusterRole,
            apis::rbac_v1::ClusterRoleBinding,
        ];
        openshift: [
            apis::config_v1::APIServer,
            apis::config_v1::Authentication,
            apis::config_v1::ClusterOperator,
            apis::config_v1::ClusterVersion,
            apis::config_v1::FeatureGate,
            apis::config_v1::Image,
            apis::config_v1::Infrastructure,
            apis::config_v1::Ingress,
            apis::config_v1::Network,
            apis::config_v1::OAuth,
            apis::config_v1::Proxy,
            apis::config_v1::Scheduler,
            apis::machine_v1::ControlPlaneMachineSet,
            apis::machine_v1beta1::Machine,
            apis::machine_v1beta1::MachineHealthCheck,
            apis::machineconfiguration_v1::ContainerRuntimeConfig,
            apis::machineconfiguration_v1::KubeletConfig,
            apis::machineconfiguration_v1::MachineConfig,
            apis::machineconfiguration_v1::MachineConfigPool,
            apis::operator_v1::Authentication,
            apis::operator_v1::CSISnapshotController,
            apis::operator_v1::CloudCredential,
            apis::operator_v1::Config,
            apis::operator_v1::Console,
            apis::operator_v1::DNS,
            apis::operator_v1::Etcd,
            apis::operator_v1::IngressController,
            apis::operator_v1::InsightsOperator,
            apis::operator_v1::KubeAPIServer,
            apis::operator_v1::KubeControllerManager,
            apis::operator_v1::KubeScheduler,
            apis::operator_v1::KubeStorageVersionMigrator,
            apis::operator_v1::Network,
            apis::operator_v1::OpenShiftAPIServer,
            apis::operator_v1::OpenShiftControllerManager,
            apis::operator_v1::ServiceCA,
            apis::operator_v1::Storage,
            apis::samples_v1::Config,
            apis::security_v1::SecurityContextConstraints,
        ]
    )
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn insights_archive_objects_deserialize_and_round_trip() {
    let generated = generated_kinds();
    let root = manifest_dir().join("../testdata/insights-archive-sample");
    let mut files = Vec::new();
    json_files(&root.join("config"), &mut files);
    json_files(&root.join("cluster-scoped-resources"), &mut files);
    files.sort();
    let mut failures = Vec::new();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let value: Value = serde_json::from_slice(&std::fs::read(file).unwrap())
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        let typed = match (
            value.get("apiVersion").and_then(Value::as_str),
            value.get("kind").and_then(Value::as_str),
        ) {
            (Some(v), Some(k)) => Some((v.to_owned(), k.to_owned())),
            _ => KINDLESS
                .iter()
                .find(|(p, _, _)| {
                    if p.ends_with('/') {
                        rel.starts_with(p)
                    } else {
                        rel == *p
                    }
                })
                .map(|(_, v, k)| ((*v).to_owned(), (*k).to_owned())),
        };
        let Some((api_version, kind)) = typed else {
            continue; // not an API object (metrics, summaries, aggregated reports)
        };
        if value.get("metadata").is_none() {
            // The Insights Operator's summaries of operator resources
            // (`config/clusteroperator/<group>/...`) carry apiVersion/kind/name/spec but are
            // not API objects: those always have metadata.
            continue;
        }
        if let Some((_, reason)) = NONCONFORMING.iter().find(|(p, _)| *p == rel) {
            match check_object(&api_version, &kind, &rel, &value) {
                Some(Err(_)) => {
                    *checked
                        .entry("nonconforming, rejected".to_owned())
                        .or_default() += 1;
                    continue;
                }
                _ => {
                    panic!("{rel} is listed as nonconforming ({reason}) but now passes; remove it")
                }
            }
        }
        if !generated.contains(&(api_version.clone(), kind.clone())) {
            continue; // a kind the bundled specs do not describe (third-party CRDs, removed APIs)
        }
        match check_object(&api_version, &kind, &rel, &value) {
            Some(Ok(())) => *checked.entry(format!("{api_version} {kind}")).or_default() += 1,
            Some(Err(e)) => failures.push(e),
            None => failures.push(format!(
                "{rel}: {api_version} {kind} is generated but not in this test's dispatch list"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    let total: usize = checked.values().sum();
    eprintln!("checked {total} objects: {checked:#?}");
    // The archive holds 31 ClusterOperators and 12 MachineConfigs among others.
    assert_eq!(
        checked.get("config.openshift.io/v1 ClusterOperator"),
        Some(&31)
    );
    assert_eq!(
        checked.get("machineconfiguration.openshift.io/v1 MachineConfig"),
        Some(&12)
    );
    assert!(checked.contains_key("v1 Node") && checked.contains_key("v1 Pod"));
}

fn items(path: &Path) -> Vec<Value> {
    let value: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let list = match value {
        // A recorded exchange: the list is the raw response body.
        Value::Array(exchanges) => serde_json::from_str::<Value>(
            exchanges[0]["response_body"]
                .as_str()
                .expect("response_body"),
        )
        .unwrap(),
        list => list,
    };
    list["items"].as_array().expect("items").clone()
}

#[test]
fn real_lists_deserialize() {
    let dir = manifest_dir().join("tests/data/real-objects");
    let cases: [(&str, &str, &str, usize); 4] = [
        (
            "clusteroperators.json",
            "config.openshift.io/v1",
            "ClusterOperator",
            30,
        ),
        ("nodes.json", "v1", "Node", 6),
        ("pod-list.json", "v1", "Pod", 0),
        ("deployment-list.json", "apps/v1", "Deployment", 0),
    ];
    for (file, api_version, kind, expected) in cases {
        let items = items(&dir.join(file));
        if expected > 0 {
            assert_eq!(items.len(), expected, "{file}");
        } else {
            assert!(!items.is_empty(), "{file}");
        }
        for (i, item) in items.iter().enumerate() {
            let what = format!("{file} item {i}");
            check_object(api_version, kind, &what, item)
                .expect("dispatched")
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
