//! The generic typed client.
//!
//! [`Client<K>`] is implemented once for every [`Resource`]; generated code only adds types and
//! accessors. Which methods exist depends on `K::Scope`:
//!
//! - cluster-scoped: [`Client::get`], [`Client::list`], [`Client::list_all`];
//! - namespaced: [`Client::namespaced`] gives an [`InNamespace`] (get/list/list_all) and
//!   [`Client::all_namespaces`] an [`AllNamespaces`] (list/list_all).
//!
//! The wrong one does not compile:
//!
//! ```compile_fail
//! # use wagather_sdk::{Client, Resource, scope, meta::ObjectMeta};
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Pod { metadata: ObjectMeta }
//! # impl Resource for Pod {
//! #     const GROUP: &'static str = ""; const VERSION: &'static str = "v1";
//! #     const KIND: &'static str = "Pod"; const PLURAL: &'static str = "pods";
//! #     type Scope = scope::Namespaced;
//! #     type Metadata = ObjectMeta;
//! #     fn metadata(&self) -> &ObjectMeta { &self.metadata }
//! # }
//! // A namespaced resource has no cluster-wide `list`.
//! let pods = Client::<Pod>::new().list(&Default::default());
//! ```

use crate::error::{Error, Result};
use crate::params::ListParams;
use crate::request::{self, Request, Target};
use crate::resource::{Resource, scope};
use crate::transport;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use std::marker::PhantomData;

/// Page size `list_all` uses when [`ListParams::limit`] is not set.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// One page of a list response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct List<T> {
    /// `metadata.continue` is the token of the next page; absent or empty on the last one.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The objects of this page.
    #[serde(
        default = "Vec::new",
        deserialize_with = "null_as_empty",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub items: Vec<T>,
}

impl<T> List<T> {
    /// The token of the next page, if there is one.
    pub fn continue_token(&self) -> Option<&str> {
        self.metadata.continue_.as_deref().filter(|t| !t.is_empty())
    }
}

// The API server sends `"items": null` for some empty lists.
fn null_as_empty<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// The typed client of resource `K`. Construct it with [`Client::new`] or a generated accessor
/// such as `apis::config_v1::cluster_operators()`.
pub struct Client<K> {
    _resource: PhantomData<fn() -> K>,
}

impl<K: Resource> Client<K> {
    /// A client of `K`. It holds no state; requests go through the active transport.
    pub fn new() -> Self {
        Client {
            _resource: PhantomData,
        }
    }
}

impl<K: Resource> Default for Client<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> Clone for Client<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Client<K> {}

impl<K> std::fmt::Debug for Client<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("resource", &std::any::type_name::<K>())
            .finish()
    }
}

impl<K: Resource<Scope = scope::Cluster>> Client<K> {
    /// Reads the object named `name`.
    pub fn get(&self, name: &str) -> Result<K> {
        get::<K>(Target::Cluster, name)
    }

    /// Reads one page.
    pub fn list(&self, params: &ListParams) -> Result<List<K>> {
        list::<K>(Target::Cluster, params)
    }

    /// Reads every page, following `metadata.continue`; see [`DEFAULT_PAGE_SIZE`].
    pub fn list_all(&self, params: &ListParams) -> Result<Vec<K>> {
        list_all::<K>(Target::Cluster, params)
    }
}

impl<K: Resource<Scope = scope::Namespaced>> Client<K> {
    /// The objects in namespace `namespace`.
    pub fn namespaced(&self, namespace: impl Into<String>) -> InNamespace<K> {
        InNamespace {
            namespace: namespace.into(),
            _resource: PhantomData,
        }
    }

    /// The objects of every namespace.
    pub fn all_namespaces(&self) -> AllNamespaces<K> {
        AllNamespaces {
            _resource: PhantomData,
        }
    }
}

/// A namespaced resource in one namespace; from [`Client::namespaced`].
pub struct InNamespace<K> {
    namespace: String,
    _resource: PhantomData<fn() -> K>,
}

impl<K: Resource<Scope = scope::Namespaced>> InNamespace<K> {
    /// The namespace requests go to.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Reads the object named `name`.
    pub fn get(&self, name: &str) -> Result<K> {
        get::<K>(Target::Namespace(&self.namespace), name)
    }

    /// Reads one page.
    pub fn list(&self, params: &ListParams) -> Result<List<K>> {
        list::<K>(Target::Namespace(&self.namespace), params)
    }

    /// Reads every page, following `metadata.continue`.
    pub fn list_all(&self, params: &ListParams) -> Result<Vec<K>> {
        list_all::<K>(Target::Namespace(&self.namespace), params)
    }
}

impl<K> std::fmt::Debug for InNamespace<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InNamespace")
            .field("resource", &std::any::type_name::<K>())
            .field("namespace", &self.namespace)
            .finish()
    }
}

/// A namespaced resource across all namespaces; from [`Client::all_namespaces`].
pub struct AllNamespaces<K> {
    _resource: PhantomData<fn() -> K>,
}

impl<K: Resource<Scope = scope::Namespaced>> AllNamespaces<K> {
    /// Reads one page.
    pub fn list(&self, params: &ListParams) -> Result<List<K>> {
        list::<K>(Target::AllNamespaces, params)
    }

    /// Reads every page, following `metadata.continue`.
    pub fn list_all(&self, params: &ListParams) -> Result<Vec<K>> {
        list_all::<K>(Target::AllNamespaces, params)
    }
}

impl<K> std::fmt::Debug for AllNamespaces<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AllNamespaces")
            .field("resource", &std::any::type_name::<K>())
            .finish()
    }
}

/// Reads `path_and_query` (e.g. `/api/v1/namespaces/ns/pods/p/log?container=c`) and returns
/// the body of a successful response; error statuses become [`Error::Api`].
///
/// For what the typed clients do not cover, such as subresources. The path must be absolute
/// and name no scheme or host; the host refuses anything else.
pub fn get_raw(path_and_query: &str) -> Result<Vec<u8>> {
    if !path_and_query.starts_with('/') || path_and_query.starts_with("//") {
        return Err(Error::InvalidParams(format!(
            "{path_and_query:?} is not an absolute API path (it must start with a single '/')"
        )));
    }
    fetch(path_and_query.to_owned())
}

/// Sends a GET and returns the body of a successful response.
fn fetch(path: String) -> Result<Vec<u8>> {
    let response = transport::send(&Request::get(path.clone()))?;
    if (200..300).contains(&response.status) {
        Ok(response.body)
    } else {
        Err(Error::Api {
            status: crate::error::Status::from_response(response.status, &response.body),
            path,
        })
    }
}

fn decode<T: DeserializeOwned>(body: &[u8], what: impl FnOnce() -> String) -> Result<T> {
    crate::json::from_bytes(body).map_err(|source| Error::Decode {
        what: what(),
        source,
    })
}

fn get<K: Resource>(target: Target<'_>, name: &str) -> Result<K> {
    let path = request::object_path::<K>(target, name)?;
    let body = fetch(path.clone())?;
    decode(&body, || format!("{} from {path}", K::KIND))
}

fn list<K: Resource>(target: Target<'_>, params: &ListParams) -> Result<List<K>> {
    let path = request::list_path::<K>(target, params)?;
    let body = fetch(path.clone())?;
    decode(&body, || format!("{} list from {path}", K::KIND))
}

fn list_all<K: Resource>(target: Target<'_>, params: &ListParams) -> Result<Vec<K>> {
    let mut page_params = params.clone();
    page_params.limit = Some(params.limit.unwrap_or(DEFAULT_PAGE_SIZE));
    let mut items = Vec::new();
    loop {
        let sent = page_params.continue_token.clone();
        let page = list::<K>(target, &page_params)?;
        items.extend(page.items);
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            None => return Ok(items),
            // A token that does not advance would page forever.
            Some(next) if Some(&next) == sent.as_ref() => {
                return Err(Error::Protocol {
                    path: request::list_path::<K>(target, &page_params)?,
                    reason: "the list's continue token did not change between pages".to_owned(),
                });
            }
            Some(next) => page_params.continue_token = Some(next),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::tests::{Operator, Pod};
    use crate::resource::ResourceExt;
    use crate::testing::FakeApi;
    use serde_json::json;

    fn operator(name: &str) -> serde_json::Value {
        json!({"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator", "metadata": {"name": name}})
    }

    fn names<K: Resource>(items: &[K]) -> Vec<String> {
        items.iter().map(|i| i.name().to_owned()).collect()
    }

    #[test]
    fn list_all_follows_continue_across_pages() {
        let api = FakeApi::new();
        let base = "/apis/config.openshift.io/v1/clusteroperators";
        api.respond_json(
            &format!("{base}?limit=500"),
            200,
            &json!({"metadata": {"continue": "c1"}, "items": [operator("a"), operator("b")]}),
        );
        api.respond_json(
            &format!("{base}?limit=500&continue=c1"),
            200,
            &json!({"metadata": {"continue": "c/2="}, "items": [operator("c")]}),
        );
        api.respond_json(
            &format!("{base}?limit=500&continue=c%2F2%3D"),
            200,
            &json!({"metadata": {"continue": ""}, "items": [operator("d")]}),
        );
        let _guard = api.install();
        let all = Client::<Operator>::new()
            .list_all(&ListParams::default())
            .unwrap();
        assert_eq!(names(&all), ["a", "b", "c", "d"]);
        assert_eq!(
            api.paths(),
            [
                format!("{base}?limit=500"),
                format!("{base}?limit=500&continue=c1"),
                format!("{base}?limit=500&continue=c%2F2%3D"),
            ]
        );
    }

    #[test]
    fn list_all_respects_the_user_limit_and_selectors() {
        let api = FakeApi::new();
        let base = "/api/v1/namespaces/openshift-monitoring/pods?labelSelector=app%3Dprom&limit=1";
        api.respond_json(
            base,
            200,
            &json!({"metadata": {"continue": "x"}, "items": [{"metadata": {"name": "p0"}}]}),
        );
        // The last page has no continue token at all.
        api.respond_json(
            &format!("{base}&continue=x"),
            200,
            &json!({"metadata": {}, "items": [{"metadata": {"name": "p1"}}]}),
        );
        let _guard = api.install();
        let pods = Client::<Pod>::new()
            .namespaced("openshift-monitoring")
            .list_all(&ListParams::default().labels("app=prom").limit(1))
            .unwrap();
        assert_eq!(names(&pods), ["p0", "p1"]);
        assert_eq!(api.requests().len(), 2);
    }

    #[test]
    fn list_all_refuses_a_token_that_does_not_advance() {
        let api = FakeApi::new();
        let base = "/api/v1/pods?limit=500";
        api.respond_json(
            base,
            200,
            &json!({"metadata": {"continue": "t"}, "items": []}),
        );
        api.respond_json(
            &format!("{base}&continue=t"),
            200,
            &json!({"metadata": {"continue": "t"}, "items": []}),
        );
        let _guard = api.install();
        let err = Client::<Pod>::new()
            .all_namespaces()
            .list_all(&ListParams::default())
            .unwrap_err();
        assert!(matches!(err, Error::Protocol { .. }), "{err}");
        assert_eq!(api.requests().len(), 2);
    }

    #[test]
    fn list_is_one_page_and_tolerates_null_items() {
        let api = FakeApi::new();
        api.respond_json(
            "/api/v1/pods",
            200,
            &json!({"metadata": {"continue": "more", "resourceVersion": "7"}, "items": null}),
        );
        let _guard = api.install();
        let page = Client::<Pod>::new()
            .all_namespaces()
            .list(&ListParams::default())
            .unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.continue_token(), Some("more"));
        assert_eq!(api.requests().len(), 1);
    }

    #[test]
    fn get_decodes_the_object_and_keeps_status_errors() {
        let api = FakeApi::new();
        api.respond_json(
            "/apis/config.openshift.io/v1/clusteroperators/dns",
            200,
            &operator("dns"),
        );
        let _guard = api.install();
        let client = Client::<Operator>::new();
        assert_eq!(
            client.get("dns").unwrap().metadata.name.as_deref(),
            Some("dns")
        );
        // Unknown paths get the fake's 404 Status, as from a real API server.
        match client.get("nope").unwrap_err() {
            Error::Api { path, status } => {
                assert_eq!(path, "/apis/config.openshift.io/v1/clusteroperators/nope");
                assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
            }
            other => panic!("expected an API error, got {other}"),
        }
    }

    #[test]
    fn undecodable_bodies_name_what_and_where() {
        let api = FakeApi::new();
        api.respond(
            "/api/v1/namespaces/x/pods/p",
            200,
            b"{\"metadata\": 5}".to_vec(),
        );
        let _guard = api.install();
        let err = Client::<Pod>::new().namespaced("x").get("p").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("cannot decode Pod from /api/v1/namespaces/x/pods/p: "),
            "{msg}"
        );
    }

    #[test]
    fn get_raw_returns_bodies_and_keeps_status_errors() {
        let api = FakeApi::new();
        api.respond(
            "/api/v1/namespaces/ns/pods/p/log?container=c",
            200,
            b"line 1\n".to_vec(),
        );
        let _guard = api.install();
        assert_eq!(
            get_raw("/api/v1/namespaces/ns/pods/p/log?container=c").unwrap(),
            b"line 1\n"
        );
        assert!(matches!(
            get_raw("/api/v1/namespaces/ns/pods/q/log"),
            Err(Error::Api {
                status: crate::Status { code: 404, .. },
                ..
            })
        ));
        for bad in [
            "api/v1/pods",
            "//evil.example/api",
            "https://evil.example/api",
        ] {
            assert!(
                matches!(get_raw(bad), Err(Error::InvalidParams(_))),
                "{bad}"
            );
        }
        // Refused paths never reach the transport.
        assert_eq!(api.requests().len(), 2);
    }

    #[test]
    fn without_a_transport_requests_fail_clearly() {
        let err = Client::<Operator>::new().get("x").unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
    }
}
