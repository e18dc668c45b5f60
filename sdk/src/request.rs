//! Pure request building: paths and queries for a [`Resource`], no I/O.
//!
//! Paths follow the API server exactly: the core group is served under `/api/v1`, every other
//! group under `/apis/<group>/<version>`; namespaced objects add `/namespaces/<ns>`.

use crate::error::{Error, Result};
use crate::params::ListParams;
use crate::resource::Resource;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters escaped in a path segment (RFC 3986 `pchar` keeps the rest).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
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

/// Where in the cluster a request applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A cluster-scoped resource.
    Cluster,
    /// A namespaced resource in one namespace.
    Namespace(&'a str),
    /// A namespaced resource across all namespaces (list only).
    AllNamespaces,
}

/// A request for the host's `kube.http-request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// HTTP method; gatherers read, so this is `GET`.
    pub method: String,
    /// Path and query, e.g. `/apis/config.openshift.io/v1/clusteroperators?limit=500`.
    pub path_and_query: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Request body.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A `GET` of `path_and_query` that asks for JSON.
    pub fn get(path_and_query: impl Into<String>) -> Request {
        Request {
            method: "GET".to_owned(),
            path_and_query: path_and_query.into(),
            headers: vec![("Accept".to_owned(), "application/json".to_owned())],
            body: None,
        }
    }
}

/// A response from the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

/// Checks a name used as a path segment the way the API server does
/// (`IsValidPathSegmentName`): not empty, not `.` or `..`, no `/` or `%`.
pub fn check_segment(what: &str, name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        "is empty"
    } else if name == "." || name == ".." {
        "may not be '.' or '..'"
    } else if name.contains('/') {
        "may not contain '/'"
    } else if name.contains('%') {
        "may not contain '%'"
    } else {
        return Ok(());
    };
    Err(Error::InvalidParams(format!("{what} {name:?} {problem}")))
}

fn push_segment(path: &mut String, segment: &str) {
    path.push('/');
    path.extend(utf8_percent_encode(segment, PATH_SEGMENT));
}

/// Path of the collection of `K` at `target`, e.g. `/api/v1/namespaces/default/pods`.
pub fn collection_path<K: Resource>(target: Target<'_>) -> Result<String> {
    let mut path = if K::GROUP.is_empty() {
        format!("/api/{}", K::VERSION)
    } else {
        format!("/apis/{}/{}", K::GROUP, K::VERSION)
    };
    if let Target::Namespace(namespace) = target {
        check_segment("namespace", namespace)?;
        path.push_str("/namespaces");
        push_segment(&mut path, namespace);
    }
    path.push('/');
    path.push_str(K::PLURAL);
    Ok(path)
}

/// Path of one object of `K` named `name` at `target` (which must not be `AllNamespaces`).
pub fn object_path<K: Resource>(target: Target<'_>, name: &str) -> Result<String> {
    if target == Target::AllNamespaces {
        return Err(Error::InvalidParams(format!(
            "a {} is read by name in one namespace, not across all namespaces",
            K::KIND
        )));
    }
    check_segment("name", name)?;
    let mut path = collection_path::<K>(target)?;
    push_segment(&mut path, name);
    Ok(path)
}

/// Path and query of a list of `K` at `target` with `params` (validated).
pub fn list_path<K: Resource>(target: Target<'_>, params: &ListParams) -> Result<String> {
    let mut path = collection_path::<K>(target)?;
    let query = params.query()?;
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query);
    }
    Ok(path)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::meta::ObjectMeta;
    use crate::resource::scope;
    use serde::{Deserialize, Serialize};

    /// A core-group, namespaced test resource.
    #[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Pod {
        #[serde(default)]
        pub metadata: ObjectMeta,
    }
    impl Resource for Pod {
        const GROUP: &'static str = "";
        const VERSION: &'static str = "v1";
        const KIND: &'static str = "Pod";
        const PLURAL: &'static str = "pods";
        type Scope = scope::Namespaced;
        type Metadata = ObjectMeta;
        fn metadata(&self) -> &ObjectMeta {
            &self.metadata
        }
    }

    /// A grouped, cluster-scoped test resource.
    #[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Operator {
        #[serde(default)]
        pub metadata: ObjectMeta,
    }
    impl Resource for Operator {
        const GROUP: &'static str = "config.openshift.io";
        const VERSION: &'static str = "v1";
        const KIND: &'static str = "ClusterOperator";
        const PLURAL: &'static str = "clusteroperators";
        type Scope = scope::Cluster;
        type Metadata = ObjectMeta;
        fn metadata(&self) -> &ObjectMeta {
            &self.metadata
        }
    }

    #[test]
    fn core_group_uses_api_v1() {
        assert_eq!(
            collection_path::<Pod>(Target::AllNamespaces).unwrap(),
            "/api/v1/pods"
        );
        assert_eq!(
            collection_path::<Pod>(Target::Namespace("openshift-monitoring")).unwrap(),
            "/api/v1/namespaces/openshift-monitoring/pods"
        );
        assert_eq!(
            object_path::<Pod>(Target::Namespace("default"), "web-0").unwrap(),
            "/api/v1/namespaces/default/pods/web-0"
        );
    }

    #[test]
    fn named_groups_use_apis() {
        assert_eq!(
            collection_path::<Operator>(Target::Cluster).unwrap(),
            "/apis/config.openshift.io/v1/clusteroperators"
        );
        assert_eq!(
            object_path::<Operator>(Target::Cluster, "authentication").unwrap(),
            "/apis/config.openshift.io/v1/clusteroperators/authentication"
        );
    }

    #[test]
    fn list_paths_carry_the_escaped_query() {
        let params = ListParams::default()
            .labels("app in (a,b),tier!=x")
            .limit(500);
        assert_eq!(
            list_path::<Pod>(Target::Namespace("default"), &params).unwrap(),
            "/api/v1/namespaces/default/pods?labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Dx&limit=500"
        );
        assert_eq!(
            list_path::<Operator>(Target::Cluster, &ListParams::default()).unwrap(),
            "/apis/config.openshift.io/v1/clusteroperators"
        );
    }

    #[test]
    fn names_are_escaped_in_paths() {
        // RBAC-style names keep ':' (a valid pchar); characters with a meaning in URLs are escaped.
        assert_eq!(
            object_path::<Operator>(Target::Cluster, "system:node bootstrap#1?x").unwrap(),
            "/apis/config.openshift.io/v1/clusteroperators/system:node%20bootstrap%231%3Fx"
        );
        assert_eq!(
            object_path::<Pod>(Target::Namespace("ns é"), "a").unwrap(),
            "/api/v1/namespaces/ns%20%C3%A9/pods/a"
        );
    }

    #[test]
    fn names_that_would_change_the_path_are_refused() {
        for name in ["", ".", "..", "a/b", "a%2Fb"] {
            let err = object_path::<Operator>(Target::Cluster, name).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParams(msg) if msg.starts_with("name ")),
                "{name:?}: {err}"
            );
            let err = collection_path::<Pod>(Target::Namespace(name)).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParams(msg) if msg.starts_with("namespace ")),
                "{name:?}: {err}"
            );
        }
    }

    #[test]
    fn get_across_all_namespaces_is_refused() {
        assert!(matches!(
            object_path::<Pod>(Target::AllNamespaces, "x"),
            Err(Error::InvalidParams(_))
        ));
    }

    #[test]
    fn invalid_params_do_not_build_a_path() {
        assert!(matches!(
            list_path::<Operator>(Target::Cluster, &ListParams::default().limit(0)),
            Err(Error::InvalidParams(_))
        ));
    }
}
