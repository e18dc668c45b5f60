//! TEMPORARY: hand-written `config.openshift.io/v1` ClusterOperator, until the generated clients
//! (`cargo xtask gen`) replace this file.
//!
//! `spec` and `status` are kept as JSON values so objects round-trip losslessly.

use crate::client::Client;
use crate::resource::{Resource, scope};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// ClusterOperator: the status of one cluster operator, as reported to the CVO.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterOperator {
    /// Standard object metadata.
    pub metadata: ObjectMeta,
    /// `spec` (empty for ClusterOperators); `null` when absent.
    pub spec: serde_json::Value,
    /// `status`: conditions, versions, related objects; `null` when absent.
    pub status: serde_json::Value,
}

/// The ClusterOperators of the cluster.
pub fn cluster_operators() -> Client<ClusterOperator> {
    Client::new()
}

impl Resource for ClusterOperator {
    const GROUP: &'static str = "config.openshift.io";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "ClusterOperator";
    const PLURAL: &'static str = "clusteroperators";
    type Scope = scope::Cluster;

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

const API_VERSION: &str = "config.openshift.io/v1";

// As k8s-openapi does: `apiVersion` and `kind` are always written, may be absent on input (list
// items from some servers omit them), and must match when present.
#[derive(Serialize)]
struct WireOut<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: &'a ObjectMeta,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    spec: &'a serde_json::Value,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    status: &'a serde_json::Value,
}

#[derive(Deserialize)]
struct WireIn {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default)]
    spec: serde_json::Value,
    #[serde(default)]
    status: serde_json::Value,
}

impl Serialize for ClusterOperator {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireOut {
            api_version: API_VERSION,
            kind: <Self as Resource>::KIND,
            metadata: &self.metadata,
            spec: &self.spec,
            status: &self.status,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ClusterOperator {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireIn::deserialize(deserializer)?;
        if let Some(api_version) = wire.api_version.filter(|v| v != API_VERSION) {
            return Err(serde::de::Error::custom(format!(
                "apiVersion {api_version:?} is not {API_VERSION:?}"
            )));
        }
        if let Some(kind) = wire.kind.filter(|k| k != <Self as Resource>::KIND) {
            return Err(serde::de::Error::custom(format!(
                "kind {kind:?} is not \"ClusterOperator\""
            )));
        }
        Ok(ClusterOperator {
            metadata: wire.metadata,
            spec: wire.spec,
            status: wire.status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::path::Path;

    fn sample_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/insights-archive-sample/config/clusteroperator")
    }

    #[test]
    fn real_objects_round_trip_losslessly() {
        let mut seen = 0;
        for entry in std::fs::read_dir(sample_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let source: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let op: ClusterOperator = serde_json::from_value(source.clone()).unwrap();
            assert_eq!(
                serde_json::to_value(&op).unwrap(),
                source,
                "{}",
                path.display()
            );
            seen += 1;
        }
        assert_eq!(seen, 31);
    }

    #[test]
    fn type_fields_may_be_absent_but_not_wrong() {
        let op: ClusterOperator =
            serde_json::from_value(json!({"metadata": {"name": "dns"}})).unwrap();
        assert_eq!(
            serde_json::to_value(&op).unwrap(),
            json!({"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator", "metadata": {"name": "dns"}})
        );
        let err = serde_json::from_value::<ClusterOperator>(json!({"kind": "Pod", "metadata": {}}))
            .unwrap_err();
        assert!(err.to_string().contains("kind \"Pod\""), "{err}");
        assert!(serde_json::from_value::<ClusterOperator>(json!({"apiVersion": "v1"})).is_err());
    }
}
