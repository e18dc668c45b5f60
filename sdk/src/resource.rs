//! The [`Resource`] trait that every typed API object implements, and its scope markers.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

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

/// A Kubernetes API object type the typed [`Client`](crate::Client) can read.
///
/// Generated code implements it for every kind in `wagather_sdk::apis`.
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

    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;
}

/// Convenience accessors available on every [`Resource`] (`op.name()`).
pub trait ResourceExt: Resource {
    /// `metadata.name`, or `""` when the object has none (objects read from the API always do).
    fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }

    /// `metadata.namespace`; `None` for cluster-scoped objects.
    fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// `metadata.resourceVersion`, when set.
    fn resource_version(&self) -> Option<&str> {
        self.metadata().resource_version.as_deref()
    }

    /// The value of one label, when set.
    fn label(&self, key: &str) -> Option<&str> {
        self.metadata()
            .labels
            .as_ref()?
            .get(key)
            .map(String::as_str)
    }

    /// The value of one annotation, when set.
    fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata()
            .annotations
            .as_ref()?
            .get(key)
            .map(String::as_str)
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
