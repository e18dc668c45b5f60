//! `Pod` as a wagather [`Resource`], until the generated `wagather_sdk::apis::core_v1` provides
//! `core_v1::pods()`; switching is replacing `crate::core_v1` with that module and dropping the
//! `.0` in the gatherer.
//!
//! `Resource` is the SDK's trait and `Pod` is k8s-openapi's type, so the orphan rule asks for a
//! local newtype; it is transparent on the wire.

use serde::{Deserialize, Serialize};
use wagather_sdk::k8s_openapi::api::core::v1;
use wagather_sdk::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use wagather_sdk::{Client, Resource, scope};

/// A core/v1 Pod.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pod(pub v1::Pod);

impl Resource for Pod {
    const GROUP: &'static str = "";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Pod";
    const PLURAL: &'static str = "pods";
    type Scope = scope::Namespaced;

    fn metadata(&self) -> &ObjectMeta {
        &self.0.metadata
    }
}

/// The pods of the cluster.
pub fn pods() -> Client<Pod> {
    Client::new()
}
