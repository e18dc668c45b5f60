//! API objects as the server sent them, and a client for resources named at run time.
//!
//! The typed clients decode into Rust types, which is what a gatherer wants when it computes
//! with an object. A gatherer that archives objects wants something else: the object as the
//! server sent it, every field kept, including those the Rust types do not know, and nothing
//! added. [`Object`] is that: the server's JSON object, keys sorted (the order in which Go's
//! `encoding/json` writes maps and unstructured objects), with helpers to read and change
//! fields by path like Kubernetes' `unstructured` helpers.
//!
//! - [`Client::get_object`](crate::Client) and `list_objects` read a generated resource as
//!   objects; [`Dynamic`] reads a resource named by group, version and plural, for kinds the
//!   SDK does not generate (third-party CRDs).
//! - A list from a real server omits `kind` and `apiVersion` on the items of built-in kinds;
//!   [`Dynamic`] lists fill them in from the list, as client-go's dynamic client does, while
//!   `list_objects` of a typed client leaves the items as sent.
//! - [`Object::without_type_meta`] drops `kind` and `apiVersion`, the shape client-go's typed
//!   clients return.
//! - [`Gather::record_object`](crate::Gather::record_object) writes an object without
//!   `metadata.managedFields`, in Go's JSON encoding.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::params::ListParams;
use crate::request::{Request, check_segment};
use crate::resource::{Resource, scope};
use crate::transport;

/// One API object as the server sent it: a JSON object with sorted keys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Object(pub Map<String, Value>);

/// A field path could not be set: a value on the way is not an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot set {path}: {at} is not an object")]
pub struct NotAnObject {
    /// The path that was to be set, dot-separated.
    pub path: String,
    /// The part of the path whose value is not an object.
    pub at: String,
}

impl From<NotAnObject> for crate::Error {
    /// The gatherer's own kind of error: the object does not have the shape it expected.
    fn from(error: NotAnObject) -> Self {
        crate::Error::Other(error.to_string())
    }
}

impl Object {
    /// An object of these members.
    pub fn new(map: Map<String, Value>) -> Object {
        Object(map)
    }

    /// `metadata.name`, or `""`.
    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"]).unwrap_or("")
    }

    /// `metadata.namespace`, when set and not empty.
    pub fn namespace(&self) -> Option<&str> {
        self.str_at(&["metadata", "namespace"])
            .filter(|ns| !ns.is_empty())
    }

    /// `kind`, or `""`.
    pub fn kind(&self) -> &str {
        self.0.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    /// `apiVersion`, or `""`.
    pub fn api_version(&self) -> &str {
        self.0
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `metadata.labels`, when set.
    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.get(&["metadata", "labels"]).and_then(Value::as_object)
    }

    /// `metadata.annotations`, when set.
    pub fn annotations(&self) -> Option<&Map<String, Value>> {
        self.get(&["metadata", "annotations"])
            .and_then(Value::as_object)
    }

    /// The value at `path` (object keys, outermost first); `None` when a step is missing or
    /// not an object. An empty path is not a field.
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &self.0;
        for key in parents {
            map = map.get(*key)?.as_object()?;
        }
        map.get(*last)
    }

    /// The value at `path`, mutably.
    pub fn get_mut(&mut self, path: &[&str]) -> Option<&mut Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &mut self.0;
        for key in parents {
            map = map.get_mut(*key)?.as_object_mut()?;
        }
        map.get_mut(*last)
    }

    /// The string at `path`, if the value there is a string.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// The array at `path`, if the value there is an array.
    pub fn array_at(&self, path: &[&str]) -> Option<&Vec<Value>> {
        self.get(path).and_then(Value::as_array)
    }

    /// Sets `path` to `value`, creating missing objects on the way, as Kubernetes'
    /// `unstructured.SetNestedField` does; fails when a value on the way is not an object.
    pub fn set(&mut self, path: &[&str], value: Value) -> Result<(), NotAnObject> {
        let Some((last, parents)) = path.split_last() else {
            return Err(NotAnObject {
                path: String::new(),
                at: String::new(),
            });
        };
        let mut map = &mut self.0;
        for (i, key) in parents.iter().enumerate() {
            let entry = map
                .entry((*key).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            map = match entry {
                Value::Object(inner) => inner,
                _ => {
                    return Err(NotAnObject {
                        path: path.join("."),
                        at: path[..=i].join("."),
                    });
                }
            };
        }
        map.insert((*last).to_owned(), value);
        Ok(())
    }

    /// Removes the value at `path` and returns it, as `unstructured.RemoveNestedField` does
    /// (nothing happens when a step is missing).
    pub fn remove(&mut self, path: &[&str]) -> Option<Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &mut self.0;
        for key in parents {
            map = map.get_mut(*key)?.as_object_mut()?;
        }
        map.remove(*last)
    }

    /// The object without `kind` and `apiVersion`: what client-go's typed clients return for a
    /// GET, and for the items of a list of a built-in kind.
    #[must_use]
    pub fn without_type_meta(mut self) -> Object {
        self.0.remove("kind");
        self.0.remove("apiVersion");
        self
    }

    /// Removes `metadata.managedFields` (server-side apply bookkeeping).
    pub fn remove_managed_fields(&mut self) {
        self.remove(&["metadata", "managedFields"]);
    }

    /// Decodes the object into a typed value, e.g. a generated kind, to compute with it.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&Value::Object(self.0.clone())).map_err(|source| Error::Decode {
            what: format!("{} {:?}", self.kind(), self.name()),
            source,
        })
    }

    /// The members.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The members, mutably.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }

    /// The object as a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

impl Error {
    /// Whether the server answered 404 Not Found: the object, or its resource, does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { status, .. } if status.code == 404)
    }
}

impl From<Map<String, Value>> for Object {
    fn from(map: Map<String, Value>) -> Object {
        Object(map)
    }
}

/// A resource named at run time: API group (`""` for the core group), version, plural and
/// scope. Use it for kinds the SDK does not generate; for generated ones, [`Dynamic::of`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dynamic {
    group: String,
    version: String,
    plural: String,
    namespaced: bool,
}

/// One page of a [`Dynamic`] list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectList {
    /// The objects of this page, `kind` and `apiVersion` filled in from the list.
    pub items: Vec<Object>,
    /// The token of the next page, if any.
    pub continue_token: Option<String>,
}

impl Dynamic {
    /// A cluster-scoped resource, e.g. `Dynamic::cluster("nmstate.io", "v1beta1",
    /// "nodenetworkstates")`.
    pub fn cluster(group: &str, version: &str, plural: &str) -> Dynamic {
        Dynamic {
            group: group.to_owned(),
            version: version.to_owned(),
            plural: plural.to_owned(),
            namespaced: false,
        }
    }

    /// A namespaced resource, e.g. `Dynamic::namespaced("jaegertracing.io", "v1", "jaegers")`.
    pub fn namespaced(group: &str, version: &str, plural: &str) -> Dynamic {
        Dynamic {
            namespaced: true,
            ..Dynamic::cluster(group, version, plural)
        }
    }

    /// The resource of a generated kind.
    pub fn of<K: Resource>() -> Dynamic {
        Dynamic {
            group: K::GROUP.to_owned(),
            version: K::VERSION.to_owned(),
            plural: K::PLURAL.to_owned(),
            namespaced: <K::Scope as scope::Scope>::NAMESPACED,
        }
    }

    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The plural resource name.
    pub fn plural(&self) -> &str {
        &self.plural
    }

    /// Whether objects of this resource live in namespaces.
    pub fn is_namespaced(&self) -> bool {
        self.namespaced
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Path of the collection in `namespace` (`None`: cluster-wide, or every namespace).
    fn collection_path(&self, namespace: Option<&str>) -> Result<String> {
        for (what, segment) in [
            ("group", self.group.as_str()),
            ("version", self.version.as_str()),
            ("resource", self.plural.as_str()),
        ] {
            if !(what == "group" && segment.is_empty()) {
                check_segment(what, segment)?;
            }
            if segment.contains(['?', '#', ' ']) {
                return Err(Error::InvalidParams(format!(
                    "{what} {segment:?} is not a valid path segment"
                )));
            }
        }
        let mut path = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match (namespace, self.namespaced) {
            (Some(ns), true) => {
                check_segment("namespace", ns)?;
                path.push_str("/namespaces/");
                path.extend(percent_encoding::utf8_percent_encode(ns, SEGMENT));
            }
            (Some(ns), false) => {
                return Err(Error::InvalidParams(format!(
                    "{} is cluster-scoped; it has no objects in namespace {ns:?}",
                    self.plural
                )));
            }
            (None, _) => {}
        }
        path.push('/');
        path.push_str(&self.plural);
        Ok(path)
    }

    fn object_path(&self, namespace: Option<&str>, name: &str) -> Result<String> {
        if self.namespaced && namespace.is_none() {
            return Err(Error::InvalidParams(format!(
                "{} is namespaced: read {name:?} in a namespace",
                self.plural
            )));
        }
        check_segment("name", name)?;
        let mut path = self.collection_path(namespace)?;
        path.push('/');
        path.extend(percent_encoding::utf8_percent_encode(name, SEGMENT));
        Ok(path)
    }

    /// Reads the cluster-scoped object `name`.
    pub fn get(&self, name: &str) -> Result<Object> {
        get_object(self.object_path(None, name)?)
    }

    /// Reads the object `name` in `namespace`.
    pub fn get_in(&self, namespace: &str, name: &str) -> Result<Object> {
        get_object(self.object_path(Some(namespace), name)?)
    }

    /// Reads one page: cluster-wide, or of every namespace for a namespaced resource.
    pub fn list(&self, params: &ListParams) -> Result<ObjectList> {
        self.list_page(None, params)
    }

    /// Reads one page of the objects in `namespace`.
    pub fn list_in(&self, namespace: &str, params: &ListParams) -> Result<ObjectList> {
        self.list_page(Some(namespace), params)
    }

    /// Reads every page: cluster-wide, or of every namespace for a namespaced resource.
    pub fn list_all(&self, params: &ListParams) -> Result<Vec<Object>> {
        self.list_every_page(None, params)
    }

    /// Reads every page of the objects in `namespace`.
    pub fn list_all_in(&self, namespace: &str, params: &ListParams) -> Result<Vec<Object>> {
        self.list_every_page(Some(namespace), params)
    }

    fn list_page(&self, namespace: Option<&str>, params: &ListParams) -> Result<ObjectList> {
        let path = with_query(self.collection_path(namespace)?, params)?;
        let page = fetch_page(&path, true)?;
        Ok(ObjectList {
            continue_token: page.continue_token(),
            items: page.items.unwrap_or_default(),
        })
    }

    fn list_every_page(&self, namespace: Option<&str>, params: &ListParams) -> Result<Vec<Object>> {
        list_every_page(self, namespace, params, true)
    }
}

/// Characters escaped in a path segment (RFC 3986 `pchar` keeps the rest).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

fn with_query(mut path: String, params: &ListParams) -> Result<String> {
    let query = params.query()?;
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query);
    }
    Ok(path)
}

/// A list response as far as the object clients read it.
#[derive(Deserialize)]
struct RawList {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta,
    // The API server sends `"items": null` for some empty lists.
    #[serde(default)]
    items: Option<Vec<Object>>,
}

impl RawList {
    fn continue_token(&self) -> Option<String> {
        self.metadata.continue_.clone().filter(|t| !t.is_empty())
    }
}

fn fetch(path: &str) -> Result<Vec<u8>> {
    let response = transport::send(&Request::get(path))?;
    if (200..300).contains(&response.status) {
        Ok(response.body)
    } else {
        Err(Error::Api {
            status: crate::error::Status::from_response(response.status, &response.body),
            path: path.to_owned(),
        })
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8], what: impl FnOnce() -> String) -> Result<T> {
    crate::json::from_bytes(body).map_err(|source| Error::Decode {
        what: what(),
        source,
    })
}

fn get_object(path: String) -> Result<Object> {
    let body = fetch(&path)?;
    decode(&body, || format!("object from {path}"))
}

/// Reads one list page; with `fill`, items without `kind` or `apiVersion` get the list's, as
/// client-go's dynamic client gives them (the items of built-in kinds come without).
fn fetch_page(path: &str, fill: bool) -> Result<RawList> {
    let body = fetch(path)?;
    let mut list: RawList = decode(&body, || format!("list from {path}"))?;
    if fill && let Some(items) = &mut list.items {
        let kind = list.kind.as_deref().and_then(|k| k.strip_suffix("List"));
        for item in items {
            if let Some(api_version) = &list.api_version
                && !item.0.contains_key("apiVersion")
            {
                item.0
                    .insert("apiVersion".to_owned(), Value::String(api_version.clone()));
            }
            if let Some(kind) = kind
                && !item.0.contains_key("kind")
            {
                item.0
                    .insert("kind".to_owned(), Value::String(kind.to_owned()));
            }
        }
    }
    Ok(list)
}

/// Reads every page, following `metadata.continue`.
fn list_every_page(
    dynamic: &Dynamic,
    namespace: Option<&str>,
    params: &ListParams,
    fill: bool,
) -> Result<Vec<Object>> {
    let mut page_params = params.clone();
    page_params.limit = Some(params.limit.unwrap_or(crate::client::DEFAULT_PAGE_SIZE));
    let mut items = Vec::new();
    loop {
        let sent = page_params.continue_token.clone();
        let path = with_query(dynamic.collection_path(namespace)?, &page_params)?;
        let page = fetch_page(&path, fill)?;
        let next = page.continue_token();
        items.extend(page.items.unwrap_or_default());
        match next {
            None => return Ok(items),
            // A token that does not advance would page forever.
            Some(next) if Some(&next) == sent.as_ref() => {
                return Err(Error::Protocol {
                    path,
                    reason: "the list's continue token did not change between pages".to_owned(),
                });
            }
            Some(next) => page_params.continue_token = Some(next),
        }
    }
}

impl<K: Resource<Scope = scope::Cluster>> Client<K> {
    /// Reads the object `name` as the server sent it.
    pub fn get_object(&self, name: &str) -> Result<Object> {
        Dynamic::of::<K>().get(name)
    }

    /// Reads every page as objects, items as the server sent them (a real server omits
    /// `kind` and `apiVersion` on the items of built-in kinds).
    pub fn list_objects(&self, params: &ListParams) -> Result<Vec<Object>> {
        list_every_page(&Dynamic::of::<K>(), None, params, false)
    }
}

impl<K: Resource<Scope = scope::Namespaced>> crate::client::InNamespace<K> {
    /// Reads the object `name` in this namespace as the server sent it.
    pub fn get_object(&self, name: &str) -> Result<Object> {
        Dynamic::of::<K>().get_in(self.namespace(), name)
    }

    /// Reads every page of this namespace as objects, items as the server sent them.
    pub fn list_objects(&self, params: &ListParams) -> Result<Vec<Object>> {
        list_every_page(&Dynamic::of::<K>(), Some(self.namespace()), params, false)
    }
}

impl<K: Resource<Scope = scope::Namespaced>> crate::client::AllNamespaces<K> {
    /// Reads every page of every namespace as objects, items as the server sent them.
    pub fn list_objects(&self, params: &ListParams) -> Result<Vec<Object>> {
        list_every_page(&Dynamic::of::<K>(), None, params, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::tests::{Operator, Pod};
    use crate::testing::FakeApi;
    use serde_json::json;

    fn object(value: Value) -> Object {
        match value {
            Value::Object(map) => Object(map),
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn paths_follow_the_api_server() {
        let jaegers = Dynamic::namespaced("jaegertracing.io", "v1", "jaegers");
        assert_eq!(
            jaegers.collection_path(None).unwrap(),
            "/apis/jaegertracing.io/v1/jaegers"
        );
        assert_eq!(
            jaegers.object_path(Some("ns"), "a b").unwrap(),
            "/apis/jaegertracing.io/v1/namespaces/ns/jaegers/a%20b"
        );
        assert!(jaegers.object_path(None, "x").is_err());
        let nodes = Dynamic::cluster("", "v1", "nodes");
        assert_eq!(nodes.object_path(None, "n").unwrap(), "/api/v1/nodes/n");
        assert!(nodes.collection_path(Some("ns")).is_err());
        assert!(nodes.object_path(None, "../x").is_err());
        assert!(
            Dynamic::cluster("g", "v1", "a/b")
                .collection_path(None)
                .is_err()
        );
        assert_eq!(Dynamic::of::<Pod>(), Dynamic::namespaced("", "v1", "pods"));
        assert_eq!(nodes.api_version(), "v1");
        assert_eq!(jaegers.api_version(), "jaegertracing.io/v1");
    }

    #[test]
    fn dynamic_lists_fill_in_type_meta_and_follow_pages() {
        let api = FakeApi::new();
        api.respond_json(
            "/api/v1/namespaces/ns/pods?limit=500",
            200,
            &json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"continue": "c"},
                    "items": [{"metadata": {"name": "a"}}]}),
        );
        api.respond_json(
            "/api/v1/namespaces/ns/pods?limit=500&continue=c",
            200,
            &json!({"kind": "PodList", "apiVersion": "v1", "metadata": {},
                    "items": [{"kind": "Other", "apiVersion": "x/v1", "metadata": {"name": "b"}}]}),
        );
        let _guard = api.install();
        let pods = Dynamic::of::<Pod>()
            .list_all_in("ns", &ListParams::default())
            .unwrap();
        assert_eq!(
            pods,
            [
                object(json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a"}})),
                // What the server sent stays.
                object(json!({"kind": "Other", "apiVersion": "x/v1", "metadata": {"name": "b"}})),
            ]
        );
    }

    #[test]
    fn typed_clients_read_objects_as_sent() {
        let api = FakeApi::new();
        let base = "/apis/config.openshift.io/v1/clusteroperators";
        api.respond_json(
            &format!("{base}?limit=500"),
            200,
            &json!({"kind": "ClusterOperatorList", "apiVersion": "config.openshift.io/v1",
                    "metadata": {}, "items": [{"metadata": {"name": "dns"}, "unknown": 1}]}),
        );
        api.respond_json(
            &format!("{base}/dns"),
            200,
            &json!({"kind": "ClusterOperator", "apiVersion": "config.openshift.io/v1",
                    "metadata": {"name": "dns", "managedFields": []}, "spec": {}}),
        );
        let _guard = api.install();
        let client = Client::<Operator>::new();
        let listed = client.list_objects(&ListParams::default()).unwrap();
        assert_eq!(
            listed,
            [object(json!({"metadata": {"name": "dns"}, "unknown": 1}))]
        );
        let got = client.get_object("dns").unwrap();
        assert_eq!(got.kind(), "ClusterOperator");
        assert_eq!(
            got.without_type_meta(),
            object(json!({"metadata": {"name": "dns", "managedFields": []}, "spec": {}}))
        );
        let pods = Client::<Pod>::new();
        assert!(matches!(
            pods.namespaced("ns").get_object("missing"),
            Err(Error::Api { .. })
        ));
    }

    #[test]
    fn fields_are_read_set_and_removed_by_path() {
        let mut obj = object(json!({
            "metadata": {"name": "n", "namespace": "", "labels": {"a": "1"}},
            "spec": {"list": [1], "s": "text"},
        }));
        assert_eq!(obj.name(), "n");
        assert_eq!(obj.namespace(), None);
        assert_eq!(obj.str_at(&["spec", "s"]), Some("text"));
        assert_eq!(obj.get(&["spec", "list", "0"]), None);
        assert_eq!(obj.labels().and_then(|l| l.get("a")), Some(&json!("1")));
        obj.set(&["spec", "new", "deep"], json!(null)).unwrap();
        assert_eq!(obj.get(&["spec", "new"]), Some(&json!({"deep": null})));
        let err = obj.set(&["spec", "s", "x"], json!(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot set spec.s.x: spec.s is not an object"
        );
        assert_eq!(obj.remove(&["spec", "list"]), Some(json!([1])));
        assert_eq!(obj.remove(&["nope", "x"]), None);
        *obj.get_mut(&["spec", "s"]).unwrap() = json!("changed");
        assert_eq!(obj.str_at(&["spec", "s"]), Some("changed"));
        assert_eq!(obj.get(&[]), None);
    }
}
