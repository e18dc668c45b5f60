//! `clusterconfig/operators`: every ClusterOperator, and the `*operator.openshift.io` objects
//! they name.
//!
//! IO (`gather_cluster_operators.go`):
//!
//! - lists the ClusterOperators with a typed client and writes each to
//!   `config/clusteroperator/<name>.json` without `managedFields` (a typed list of a custom
//!   resource: the items keep `kind` and `apiVersion`);
//! - finds the preferred version of every resource of the groups whose name contains
//!   `operator.openshift.io` through discovery; when discovery fails it writes no related
//!   objects at all;
//! - for every `status.relatedObjects` entry whose group contains `operator.openshift.io`,
//!   GETs the object (an entry without a name is named `default` for the `ingress` operator)
//!   and writes `{"apiVersion", "kind", "name", "spec"}` (plus `status` for `InsightsOperator`)
//!   to `config/clusteroperator/<group>/<kind in lower case>/[<namespace>/]<name>.json`;
//!   objects of `imageregistry` groups are left to `clusterconfig/image_registries`, and an
//!   object that cannot be read (an entry naming a kind instead of a resource, or no name) is
//!   skipped;
//! - in `spec.observedConfig.oauthServer.oauthConfig.identityProviders[].provider`, the values
//!   of `url`, `bindDN`, `hostname`, `clientID`, `hostedDomain`, `issuer` and `domainName`
//!   become `x`s.
//!
//! Unlike IO, discovery reads only the groups it needs, and image registry objects are not
//! fetched to be dropped; the records are the same. The reads declared below are the related
//! objects of OpenShift's own operators; the host refuses others, which are then skipped as
//! unreadable ones are.

use std::collections::BTreeMap;

use insights_common::anonymize::x;
use wagather_sdk::apis::config_v1;
use wagather_sdk::get_raw;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::{self, Value};

/// Records every ClusterOperator and its related operator objects.
#[gatherer(
    name = "clusterconfig/operators",
    reads = [
        "config.openshift.io/v1/clusteroperators",
        "operator.openshift.io/v1/authentications",
        "operator.openshift.io/v1/cloudcredentials",
        "operator.openshift.io/v1/clustercsidrivers",
        "operator.openshift.io/v1/configs",
        "operator.openshift.io/v1/consoles",
        "operator.openshift.io/v1/csisnapshotcontrollers",
        "operator.openshift.io/v1/dnses",
        "operator.openshift.io/v1/etcds",
        "operator.openshift.io/v1/ingresscontrollers",
        "operator.openshift.io/v1/insightsoperators",
        "operator.openshift.io/v1/kubeapiservers",
        "operator.openshift.io/v1/kubecontrollermanagers",
        "operator.openshift.io/v1/kubeschedulers",
        "operator.openshift.io/v1/kubestorageversionmigrators",
        "operator.openshift.io/v1/machineconfigurations",
        "operator.openshift.io/v1/networks",
        "operator.openshift.io/v1/olms",
        "operator.openshift.io/v1/openshiftapiservers",
        "operator.openshift.io/v1/openshiftcontrollermanagers",
        "operator.openshift.io/v1/servicecas",
        "operator.openshift.io/v1/storages",
        "samples.operator.openshift.io/v1/configs",
    ]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let operators = config_v1::cluster_operators().list_objects(&ListParams::default())?;
    let versions = operator_resource_versions().ok();
    // Two operators may name the same object; IO's recorder keeps one record per path.
    let mut written = std::collections::BTreeSet::new();
    for operator in &operators {
        ctx.record_object(
            format!("config/clusteroperator/{}", operator.name()),
            operator,
        )?;
        let Some(versions) = &versions else {
            continue;
        };
        for reference in operator
            .array_at(&["status", "relatedObjects"])
            .into_iter()
            .flatten()
        {
            let Some(related) = related_object(operator, reference, versions) else {
                continue;
            };
            let path = match &related.namespace {
                Some(ns) => format!(
                    "config/clusteroperator/{}/{}/{ns}/{}",
                    related.group, related.kind_lower, related.record.name
                ),
                None => format!(
                    "config/clusteroperator/{}/{}/{}",
                    related.group, related.kind_lower, related.record.name
                ),
            };
            if written.insert(path.clone()) {
                ctx.record_go_json(path, &related.record)?;
            }
        }
    }
    Ok(())
}

/// `(group, resource)` to the preferred version of the `*operator.openshift.io` groups
/// (`getOperatorResourcesVersions` over `ServerPreferredResources`).
fn operator_resource_versions() -> Result<BTreeMap<(String, String), String>> {
    let groups: Value = decode(&get_raw("/apis")?, "/apis")?;
    let mut versions = BTreeMap::new();
    for group in groups["groups"].as_array().into_iter().flatten() {
        let name = group["name"].as_str().unwrap_or("");
        let Some(preferred) = group["preferredVersion"]["version"].as_str() else {
            continue;
        };
        if !name.contains("operator.openshift.io") {
            continue;
        }
        let path = format!("/apis/{name}/{preferred}");
        let list: Value = decode(&get_raw(&path)?, &path)?;
        for resource in list["resources"].as_array().into_iter().flatten() {
            if let Some(resource) = resource["name"].as_str() {
                versions.insert((name.to_owned(), resource.to_owned()), preferred.to_owned());
            }
        }
    }
    Ok(versions)
}

fn decode(body: &[u8], path: &str) -> Result<Value> {
    serde_json::from_slice(body).map_err(|source| Error::Decode {
        what: format!("discovery from {path}"),
        source,
    })
}

/// The record IO writes for a related object (`clusterOperatorResource`), fields in its order.
#[derive(serde::Serialize)]
struct Related {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    name: String,
    spec: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Value>,
}

struct RelatedRecord {
    group: String,
    kind_lower: String,
    namespace: Option<String>,
    record: Related,
}

/// Reads one related object; `None` when IO would not write it.
fn related_object(
    operator: &Object,
    reference: &Value,
    versions: &BTreeMap<(String, String), String>,
) -> Option<RelatedRecord> {
    let text = |key: &str| reference.get(key).and_then(Value::as_str).unwrap_or("");
    let (group, resource, namespace) = (text("group"), text("resource"), text("namespace"));
    if !group.contains("operator.openshift.io") || group.contains("imageregistry") {
        return None;
    }
    let mut name = text("name");
    if name.is_empty() && operator.name() == "ingress" {
        name = "default";
    }
    // Without a discovered version or a name IO's GET fails; it logs that and goes on.
    let version = versions.get(&(group.to_owned(), resource.to_owned()))?;
    if name.is_empty() {
        return None;
    }
    let object = if namespace.is_empty() {
        Dynamic::cluster(group, version, resource).get(name)
    } else {
        Dynamic::namespaced(group, version, resource).get_in(namespace, name)
    }
    .ok()?;
    let mut object = object;
    anonymize_identity_providers(&mut object);
    let api_version = object.api_version().to_owned();
    if api_version.contains("imageregistry") {
        return None;
    }
    let kind = object.kind().to_owned();
    let status = if kind == "InsightsOperator" {
        object.get(&["status"]).filter(|s| !s.is_null()).cloned()
    } else {
        None
    };
    Some(RelatedRecord {
        group: api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
            .to_owned(),
        kind_lower: kind.to_lowercase(),
        namespace: object.namespace().map(str::to_owned),
        record: Related {
            api_version,
            name: object.name().to_owned(),
            spec: object.get(&["spec"]).cloned().unwrap_or(Value::Null),
            status,
            kind,
        },
    })
}

/// `anonymizeIdentityProviders`.
fn anonymize_identity_providers(object: &mut Object) {
    const SENSITIVE: [&str; 7] = [
        "url",
        "bindDN",
        "hostname",
        "clientID",
        "hostedDomain",
        "issuer",
        "domainName",
    ];
    let path = [
        "spec",
        "observedConfig",
        "oauthServer",
        "oauthConfig",
        "identityProviders",
    ];
    let Some(Value::Array(providers)) = object.get_mut(&path) else {
        return;
    };
    for provider in providers {
        let Some(Value::Object(provider)) = provider.get_mut("provider") else {
            continue;
        };
        for key in SENSITIVE {
            if let Some(Value::String(value)) = provider.get_mut(key) {
                *value = x(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, record_json, sample, samples_under,
    };
    use serde_json::{Value, json};

    /// Discovery as a server answers it, for the operator groups of the sample.
    fn serve_discovery(server: &Server, groups: &[(&str, &[&str])]) {
        let list: Vec<Value> = groups
            .iter()
            .map(|(g, _)| json!({"name": g, "versions": [{"groupVersion": format!("{g}/v1"), "version": "v1"}],
                                 "preferredVersion": {"groupVersion": format!("{g}/v1"), "version": "v1"}}))
            .chain([json!({"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                           "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}})])
            .collect();
        server.api().respond_json(
            "/apis",
            200,
            &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": list}),
        );
        for (group, resources) in groups {
            let resources: Vec<Value> = resources
                .iter()
                .map(|r| json!({"name": r, "namespaced": false, "kind": "X", "verbs": ["get"]}))
                .collect();
            server.api().respond_json(&format!("/apis/{group}/v1"), 200,
                &json!({"kind": "APIResourceList", "groupVersion": format!("{group}/v1"), "resources": resources}));
        }
    }

    const OPERATOR_RESOURCES: &[&str] = &[
        "authentications",
        "cloudcredentials",
        "clustercsidrivers",
        "configs",
        "consoles",
        "csisnapshotcontrollers",
        "dnses",
        "etcds",
        "ingresscontrollers",
        "insightsoperators",
        "kubeapiservers",
        "kubecontrollermanagers",
        "kubeschedulers",
        "kubestorageversionmigrators",
        "machineconfigurations",
        "networks",
        "olms",
        "openshiftapiservers",
        "openshiftcontrollermanagers",
        "servicecas",
        "storages",
    ];

    /// Serves the related objects the sample holds, as full objects (IO's records keep only
    /// `apiVersion`, `kind`, `name`, `spec` and `status`, which is all a server needs to send
    /// here besides metadata).
    fn serve_related(server: &Server) {
        for (path, record) in samples_under("config/clusteroperator") {
            let parts: Vec<&str> = path.split('/').collect();
            // config/clusteroperator/<group>/<kind>/[<ns>/]<name>.json
            if parts.len() < 5 || parts[2].starts_with("imageregistry") {
                continue;
            }
            let group = parts[2];
            let resource = match parts[3] {
                "dns" => "dnses".to_owned(),
                kind => format!("{kind}s"),
            };
            let name = record["name"].as_str().unwrap();
            let mut object = json!({"metadata": {"name": name}, "spec": record["spec"]});
            let url = if parts.len() == 6 {
                object["metadata"]["namespace"] = json!(parts[4]);
                format!("/apis/{group}/v1/namespaces/{}/{resource}/{name}", parts[4])
            } else {
                format!("/apis/{group}/v1/{resource}/{name}")
            };
            if let Some(status) = record.get("status") {
                object["status"] = status.clone();
            } else {
                // Only InsightsOperator's status is kept; others' must be dropped.
                object["status"] = json!({"observedGeneration": 3});
            }
            server.object(
                &url,
                &object,
                record["apiVersion"].as_str().unwrap(),
                record["kind"].as_str().unwrap(),
            );
        }
    }

    fn sample_operators() -> Vec<(String, Value)> {
        samples_under("config/clusteroperator")
            .into_iter()
            .filter(|(p, _)| p.matches('/').count() == 2)
            .collect()
    }

    #[test]
    fn writes_operators_and_related_objects_as_the_sample_has_them() {
        let operators = sample_operators();
        assert_eq!(operators.len(), 31);
        let server = Server::new();
        let items: Vec<Value> = operators.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            "/apis/config.openshift.io/v1/clusteroperators",
            "config.openshift.io/v1",
            "ClusterOperator",
            &items,
        );
        serve_discovery(
            &server,
            &[
                ("operator.openshift.io", OPERATOR_RESOURCES),
                ("samples.operator.openshift.io", &["configs"]),
                (
                    "imageregistry.operator.openshift.io",
                    &["configs", "imagepruners"],
                ),
                (
                    "controlplane.operator.openshift.io",
                    &["podnetworkconnectivitychecks"],
                ),
            ],
        );
        serve_related(&server);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        for (path, _) in &operators {
            assert_matches_sample(&output, path);
        }
        // The sample's operators name 17 operator objects by resource and name: 16 in
        // operator.openshift.io and the samples operator's config. Its ingress operator names
        // IngressController (a kind, which discovery does not know), and its insights
        // operator names none: IO's current code writes neither of the sample's files.
        let related: Vec<&str> = output
            .records
            .iter()
            .map(|r| r.name.as_str())
            .filter(|n| n.matches('/').count() > 2)
            .collect();
        assert_eq!(related.len(), 17, "{related:#?}");
        for name in related {
            assert_matches_sample(&output, &format!("{name}.json"));
        }
    }

    #[test]
    fn current_operators_name_every_declared_resource() {
        // Operators as current OpenShift versions write them: the ingress operator names its
        // IngressControllers by resource, the insights operator its InsightsOperator, and the
        // others the rest of the declared resources.
        let mut operators: Vec<Value> = sample_operators().into_iter().map(|(_, o)| o).collect();
        let mut extra = Vec::new();
        for resource in OPERATOR_RESOURCES {
            let (name, namespace) = match *resource {
                "ingresscontrollers" => ("", "openshift-ingress-operator"),
                "dnses" => ("default", ""),
                "clustercsidrivers" => ("ebs.csi.aws.com", ""),
                _ => ("cluster", ""),
            };
            extra.push(json!({"group": "operator.openshift.io", "resource": resource, "name": name, "namespace": namespace}));
        }
        extra.push(json!({"group": "samples.operator.openshift.io", "resource": "configs", "name": "cluster"}));
        let ingress = operators
            .iter_mut()
            .find(|o| o["metadata"]["name"] == "ingress")
            .unwrap();
        ingress["status"]["relatedObjects"] = Value::Array(extra);
        let server = Server::new();
        server.list(
            "/apis/config.openshift.io/v1/clusteroperators",
            "config.openshift.io/v1",
            "ClusterOperator",
            &operators,
        );
        serve_discovery(
            &server,
            &[
                ("operator.openshift.io", OPERATOR_RESOURCES),
                ("samples.operator.openshift.io", &["configs"]),
            ],
        );
        serve_related(&server);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        for path in [
            "config/clusteroperator/operator.openshift.io/ingresscontroller/openshift-ingress-operator/default.json",
            "config/clusteroperator/operator.openshift.io/insightsoperator/cluster.json",
        ] {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn identity_providers_are_anonymized_and_discovery_failures_skip_related_objects() {
        let mut operator = sample("config/clusteroperator/authentication.json");
        operator["status"]["relatedObjects"] = json!([{"group": "operator.openshift.io", "resource": "authentications", "name": "cluster"}]);
        let server = Server::new();
        server.list(
            "/apis/config.openshift.io/v1/clusteroperators",
            "config.openshift.io/v1",
            "ClusterOperator",
            &[operator.clone()],
        );
        serve_discovery(&server, &[("operator.openshift.io", &["authentications"])]);
        server.object("/apis/operator.openshift.io/v1/authentications/cluster", &json!({
            "metadata": {"name": "cluster"},
            "spec": {"observedConfig": {"oauthServer": {"oauthConfig": {"identityProviders": [
                {"name": "ldap", "provider": {"url": "ldap://h/ou", "bindDN": "cn=a", "insecure": false}},
                {"name": "gh", "provider": {"clientID": "abc", "hostname": 5}},
            ]}}}},
        }), "operator.openshift.io/v1", "Authentication");
        let output = server.run(crate::__wagather_run, &[]);
        let written = record_json(
            &output,
            "config/clusteroperator/operator.openshift.io/authentication/cluster.json",
        );
        assert_eq!(
            written,
            json!({"apiVersion": "operator.openshift.io/v1", "kind": "Authentication", "name": "cluster",
            "spec": {"observedConfig": {"oauthServer": {"oauthConfig": {"identityProviders": [
                {"name": "ldap", "provider": {"url": "xxxxxxxxxxx", "bindDN": "xxxx", "insecure": false}},
                {"name": "gh", "provider": {"clientID": "xxx", "hostname": 5}},
            ]}}}}})
        );

        // Discovery fails: the operators are written, their related objects are not.
        let server = Server::new();
        server.list(
            "/apis/config.openshift.io/v1/clusteroperators",
            "config.openshift.io/v1",
            "ClusterOperator",
            &[operator],
        );
        server.api().respond("/apis", 503, "unavailable");
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1);
    }
}
