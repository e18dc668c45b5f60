//! Object metadata for the kinds this SDK generates (OpenShift and other non-Kubernetes kinds).
//!
//! These mirror Kubernetes' `ObjectMeta`, `OwnerReference` and `ManagedFieldsEntry` field for
//! field, but keep every timestamp as the string the server sent ([`Time`]) instead of parsing
//! it. Gatherers mostly re-encode what they read, so parsing RFC 3339 only to print it again
//! cost code size (a date-time library in every component) and time, and could change the
//! text (sub-second digits, offsets). Decoding then encoding an object gives the same JSON.
//!
//! Serialization matches k8s-openapi's types: fields in the same order, `None` fields
//! omitted, `null` read as absent. Kubernetes kinds (Pod, Node, ...) keep k8s-openapi's
//! types; [`ObjectMetadata`](crate::resource::ObjectMetadata) reads either.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A timestamp as the API server wrote it: RFC 3339 in UTC, e.g. `2024-05-01T12:00:00Z`.
///
/// Kept as text and not validated, so it round-trips unchanged. Parse it with a date-time
/// library when a gatherer needs to compute with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Time(pub String);

impl Time {
    /// The timestamp's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for Time {
    fn from(text: String) -> Self {
        Time(text)
    }
}

/// Metadata of a persisted object (Kubernetes' `ObjectMeta`), timestamps as [`Time`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Unstructured key-value data set by tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// When the object was created (server time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    /// Seconds allowed for graceful termination once `deletionTimestamp` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// When the object will be deleted; set once deletion was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    /// Identifiers of the components that must act before the object is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalizers: Option<Vec<String>>,
    /// Prefix the server used to generate `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// Sequence number of the desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// Key-value pairs selectors match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Which manager owns which fields (server-side apply bookkeeping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_fields: Option<Vec<ManagedFieldsEntry>>,
    /// Name, unique within the namespace (or cluster, for cluster-scoped objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace; absent for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Objects this one depends on (its owners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_references: Option<Vec<OwnerReference>>,
    /// Opaque version of the object, for change detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Deprecated; no longer set by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// Unique identifier of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

/// A reference to an owner object (Kubernetes' `OwnerReference`).
///
/// Like k8s-openapi, the required fields read a missing value as `""` and are always written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// API version of the owner.
    #[serde(default)]
    pub api_version: String,
    /// Whether the owner blocks this object's foreground deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
    /// Whether the owner is the managing controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// Kind of the owner.
    #[serde(default)]
    pub kind: String,
    /// Name of the owner.
    #[serde(default)]
    pub name: String,
    /// UID of the owner.
    #[serde(default)]
    pub uid: String,
}

/// One manager's set of fields (Kubernetes' `ManagedFieldsEntry`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedFieldsEntry {
    /// API version of the fields' schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Format of `fieldsV1`; `FieldsV1` is the only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_type: Option<String>,
    /// The field set, a trie in structured-merge-diff's JSON format, kept as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_v1: Option<serde_json::Value>,
    /// Who manages these fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// `Apply` or `Update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Subresource the fields were written through (`status`, ...); empty for the main resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    /// When the fields were last written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1 as k8s;
    use serde_json::{Value, json};

    /// Metadata with every field, as a server sends it (keys in k8s-openapi's order).
    fn full() -> Value {
        json!({
            "annotations": {"a": "1", "b": ""},
            "creationTimestamp": "2024-05-01T12:00:00Z",
            "deletionGracePeriodSeconds": 30,
            "deletionTimestamp": "2024-05-02T00:00:01Z",
            "finalizers": ["x/y"],
            "generateName": "web-",
            "generation": 7,
            "labels": {"app": "web"},
            "managedFields": [
                {"apiVersion": "v1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
                 "manager": "kubectl", "operation": "Apply", "subresource": "status",
                 "time": "2024-05-01T12:00:00Z"},
                {"manager": "operator", "operation": "Update"}
            ],
            "name": "web-1",
            "namespace": "prod",
            "ownerReferences": [
                {"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true,
                 "kind": "ReplicaSet", "name": "web", "uid": "u-1"},
                {"apiVersion": "v1", "kind": "Node", "name": "n", "uid": "u-2"}
            ],
            "resourceVersion": "42",
            "selfLink": "/api/v1/namespaces/prod/pods/web-1",
            "uid": "0b7c"
        })
    }

    #[test]
    fn round_trips_byte_for_byte_like_k8s_openapi() {
        let text = serde_json::to_string(&full()).unwrap();
        let lean: ObjectMeta = serde_json::from_str(&text).unwrap();
        let theirs: k8s::ObjectMeta = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&lean).unwrap(), text);
        assert_eq!(
            serde_json::to_string(&lean).unwrap(),
            serde_json::to_string(&theirs).unwrap()
        );
        assert_eq!(
            lean.creation_timestamp.as_ref().map(Time::as_str),
            Some("2024-05-01T12:00:00Z")
        );
    }

    #[test]
    fn absent_and_null_fields_are_omitted_like_k8s_openapi() {
        let input = json!({"name": "a", "labels": null, "creationTimestamp": null,
                           "managedFields": [{"fieldsV1": null, "time": null}],
                           "ownerReferences": [{}], "unknownField": 1});
        let lean: ObjectMeta = serde_json::from_value(input.clone()).unwrap();
        let theirs: k8s::ObjectMeta = serde_json::from_value(input).unwrap();
        assert_eq!(
            serde_json::to_string(&lean).unwrap(),
            serde_json::to_string(&theirs).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&lean).unwrap(),
            json!({"managedFields": [{}], "name": "a",
                   "ownerReferences": [{"apiVersion": "", "kind": "", "name": "", "uid": ""}]})
        );
        assert_eq!(serde_json::to_string(&ObjectMeta::default()).unwrap(), "{}");
    }

    #[test]
    fn timestamps_keep_their_text() {
        // k8s-openapi would print these as `2024-05-01T12:00:00Z`.
        for text in ["2024-05-01T12:00:00.123456Z", "2024-05-01T14:00:00+02:00"] {
            let input = json!({"creationTimestamp": text});
            let lean: ObjectMeta = serde_json::from_value(input.clone()).unwrap();
            assert_eq!(serde_json::to_value(&lean).unwrap(), input);
        }
    }
}
