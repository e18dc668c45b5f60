//! The [`Resource`] trait that every typed API object implements, its scope markers, and
//! [`ObjectMetadata`], what the SDK reads from an object's metadata.

use std::collections::BTreeMap;

/// Scope markers: whether a resource lives in a namespace or at cluster level.
///
/// They exist only as types so that [`Client`](crate::Client) offers `get`/`list` directly for
/// cluster-scoped resources and only through `namespaced(ns)` / `all_namespaces()` for
/// namespaced ones; using the wrong one is a compile error.
pub mod scope {
    mod sealed {
        pub trait Sealed {}
    }

    /// Implemented by [`Cluster`] and [`Namespaced`] only.
    pub trait Scope: sealed::Sealed {
        /// Whether objects of this scope live in a namespace.
        const NAMESPACED: bool;
    }

    /// A cluster-scoped resource (ClusterOperator, Node, Namespace, ...).
    #[derive(Clone, Copy, Debug)]
    pub enum Cluster {}

    /// A namespaced resource (Pod, ConfigMap, ...).
    #[derive(Clone, Copy, Debug)]
    pub enum Namespaced {}

    impl sealed::Sealed for Cluster {}
    impl sealed::Sealed for Namespaced {}
    impl Scope for Cluster {
        const NAMESPACED: bool = false;
    }
    impl Scope for Namespaced {
        const NAMESPACED: bool = true;
    }
}

/// What the SDK and [`ResourceExt`] read from an object's metadata.
///
/// Implemented for k8s-openapi's `ObjectMeta` (the metadata of Kubernetes kinds such as Pod)
/// and for the SDK's lean [`meta::ObjectMeta`](crate::meta::ObjectMeta) (generated kinds such
/// as ClusterOperator). A hand-written [`Resource`] may bring its own metadata type.
pub trait ObjectMetadata {
    /// `name`, when set (objects read from the API always have one).
    fn name(&self) -> Option<&str>;
    /// `namespace`; `None` for cluster-scoped objects.
    fn namespace(&self) -> Option<&str>;
    /// `resourceVersion`, when set.
    fn resource_version(&self) -> Option<&str>;
    /// `labels`, when set.
    fn labels(&self) -> Option<&BTreeMap<String, String>>;
    /// `annotations`, when set.
    fn annotations(&self) -> Option<&BTreeMap<String, String>>;
}

/// Implements [`ObjectMetadata`] for a struct with ObjectMeta's field names.
macro_rules! object_metadata {
    ($ty:ty) => {
        impl ObjectMetadata for $ty {
            fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }
            fn namespace(&self) -> Option<&str> {
                self.namespace.as_deref()
            }
            fn resource_version(&self) -> Option<&str> {
                self.resource_version.as_deref()
            }
            fn labels(&self) -> Option<&BTreeMap<String, String>> {
                self.labels.as_ref()
            }
            fn annotations(&self) -> Option<&BTreeMap<String, String>> {
                self.annotations.as_ref()
            }
        }
    };
}

object_metadata!(k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta);
object_metadata!(crate::meta::ObjectMeta);

/// A Kubernetes API object type the typed [`Client`](crate::Client) can read.
///
/// Generated code implements it for every kind in `wagather_sdk::apis`: Kubernetes kinds with
/// k8s-openapi's `ObjectMeta` as [`Resource::Metadata`], the others with the SDK's
/// [`meta::ObjectMeta`](crate::meta::ObjectMeta).
pub trait Resource: serde::de::DeserializeOwned + serde::Serialize {
    /// API group; `""` for the core group (served under `/api/v1`).
    const GROUP: &'static str;
    /// API version within the group, e.g. `v1`.
    const VERSION: &'static str;
    /// Kind, e.g. `ClusterOperator`.
    const KIND: &'static str;
    /// Plural resource name used in paths, e.g. `clusteroperators`.
    const PLURAL: &'static str;
    /// [`scope::Cluster`] or [`scope::Namespaced`].
    type Scope: scope::Scope;
    /// The type of the object's `metadata`.
    type Metadata: ObjectMetadata;

    /// The object's metadata.
    fn metadata(&self) -> &Self::Metadata;
}

/// Convenience accessors available on every [`Resource`] (`op.name()`).
pub trait ResourceExt: Resource {
    /// `metadata.name`, or `""` when the object has none (objects read from the API always do).
    fn name(&self) -> &str {
        self.metadata().name().unwrap_or("")
    }

    /// `metadata.namespace`; `None` for cluster-scoped objects.
    fn namespace(&self) -> Option<&str> {
        self.metadata().namespace()
    }

    /// `metadata.resourceVersion`, when set.
    fn resource_version(&self) -> Option<&str> {
        self.metadata().resource_version()
    }

    /// The value of one label, when set.
    fn label(&self, key: &str) -> Option<&str> {
        self.metadata().labels()?.get(key).map(String::as_str)
    }

    /// The value of one annotation, when set.
    fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata().annotations()?.get(key).map(String::as_str)
    }
}

impl<K: Resource> ResourceExt for K {}

/// `apiVersion` of a resource: `version` for the core group, `group/version` otherwise.
pub fn api_version<K: Resource>() -> String {
    if K::GROUP.is_empty() {
        K::VERSION.to_owned()
    } else {
        format!("{}/{}", K::GROUP, K::VERSION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    /// A resource with k8s-openapi's metadata, as the Kubernetes kinds have.
    #[derive(Serialize, Deserialize)]
    struct Typed {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    }
    impl Resource for Typed {
        const GROUP: &'static str = "";
        const VERSION: &'static str = "v1";
        const KIND: &'static str = "Typed";
        const PLURAL: &'static str = "typeds";
        type Scope = scope::Namespaced;
        type Metadata = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
        fn metadata(&self) -> &Self::Metadata {
            &self.metadata
        }
    }

    /// A resource with the SDK's lean metadata, as the generated kinds have.
    #[derive(Serialize, Deserialize)]
    struct Lean {
        metadata: crate::meta::ObjectMeta,
    }
    impl Resource for Lean {
        const GROUP: &'static str = "example.io";
        const VERSION: &'static str = "v1";
        const KIND: &'static str = "Lean";
        const PLURAL: &'static str = "leans";
        type Scope = scope::Namespaced;
        type Metadata = crate::meta::ObjectMeta;
        fn metadata(&self) -> &Self::Metadata {
            &self.metadata
        }
    }

    fn accessors<K: Resource>(object: &K) -> [Option<&str>; 6] {
        [
            Some(object.name()),
            object.namespace(),
            object.resource_version(),
            object.label("app"),
            object.annotation("note"),
            object.label("missing"),
        ]
    }

    #[test]
    fn resource_ext_reads_either_metadata() {
        let value = json!({"metadata": {"name": "a", "namespace": "ns", "resourceVersion": "3",
                                        "labels": {"app": "web"}, "annotations": {"note": "hi"},
                                        "creationTimestamp": "2024-05-01T12:00:00Z"}});
        let expected = [
            Some("a"),
            Some("ns"),
            Some("3"),
            Some("web"),
            Some("hi"),
            None,
        ];
        let typed: Typed = serde_json::from_value(value.clone()).unwrap();
        let lean: Lean = serde_json::from_value(value).unwrap();
        assert_eq!(accessors(&typed), expected);
        assert_eq!(accessors(&lean), expected);

        let empty: Lean = serde_json::from_value(json!({"metadata": {}})).unwrap();
        assert_eq!(accessors(&empty), [Some(""), None, None, None, None, None]);
        assert_eq!(api_version::<Typed>(), "v1");
        assert_eq!(api_version::<Lean>(), "example.io/v1");
    }
}
