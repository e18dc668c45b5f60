//! Kubernetes request paths, parsed once for every reader.
//!
//! The host's policy decides from a guest's path what it would read, and the snapshot API
//! server decides from the same path what to serve. If the two read a path differently, a
//! request the policy allowed as one resource could be served as another, so both use
//! [`parse_path`], which follows the API server's request-info grammar and refuses anything
//! that two readers could decode differently:
//!
//! - the path starts with a single `/` and is printable ASCII without spaces, backslashes or a
//!   fragment; a scheme or an authority (`http://...`, `//host`) is refused;
//! - path segments are percent-decoded one by one; an encoded `/`, `\`, `%`, control, space or
//!   non-ASCII byte is refused (a proxy or server could decode it into another path), as is an
//!   empty, `.` or `..` segment, raw or encoded;
//! - the query must be well-formed percent-encoding; `watch` that is not false makes the verb
//!   [`Verb::Watch`];
//! - `/api`, `/apis`, `/version` and group/version discovery are [`ApiPath::Discovery`];
//!   everything under `/api/{v}` and `/apis/{g}/{v}` is a [`RequestInfo`]; any other path is
//!   refused, as are the deprecated `/watch/` and `/proxy/` prefixes.

/// Longest `path-and-query` accepted. Kubernetes API paths with a label selector are a few
/// hundred bytes; 8 KiB matches common server limits.
pub const MAX_PATH_AND_QUERY_BYTES: usize = 8 * 1024;

/// Subresources that reach into running workloads. The grammar knows them because
/// `/pods/{name}/proxy/{path...}` continues past the subresource.
pub const WORKLOAD_SUBRESOURCES: &[&str] = &["exec", "attach", "portforward", "proxy"];

/// A request path and its query, as the API server reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRequest {
    /// What the path addresses.
    pub path: ApiPath,
    /// The query's parameters, decoded, in order.
    pub query: Vec<(String, String)>,
}

impl ApiRequest {
    /// The last value of query parameter `name` (the API server takes the first; a repeated
    /// parameter is refused by neither, and the policy checks every value of the ones it
    /// cares about).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The resource request, if the path addresses one.
    pub fn resource(&self) -> Option<&RequestInfo> {
        match &self.path {
            ApiPath::Resource(info) => Some(info),
            ApiPath::Discovery(_) => None,
        }
    }
}

/// What a valid path addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiPath {
    /// `/version`, `/api`, `/api/{v}`, `/apis`, `/apis/{g}`, `/apis/{g}/{v}`: no cluster data.
    Discovery(Discovery),
    /// A resource, a collection or a subresource.
    Resource(RequestInfo),
}

/// The discovery documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discovery {
    /// `/version`
    Version,
    /// `/api`: the core group's versions.
    Api,
    /// `/api/{version}`: the core group's resources.
    CoreResources { version: String },
    /// `/apis`: every group.
    Apis,
    /// `/apis/{group}`
    Group { group: String },
    /// `/apis/{group}/{version}`: a group version's resources.
    GroupResources { group: String, version: String },
}

/// The read verbs a path and query can mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// One named object (or its subresource).
    Get,
    /// A collection.
    List,
    /// A stream of changes (`watch=true`).
    Watch,
}

/// A resource request, as the API server's request info names its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestInfo {
    pub verb: Verb,
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    /// The namespace in the path (`/namespaces/{ns}/...`), if any.
    pub namespace: Option<String>,
    /// The plural resource name (`pods`).
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

impl RequestInfo {
    /// The namespace a namespace restriction is checked against. A namespace object lives in
    /// itself: `/api/v1/namespaces/foo` is in `foo`.
    pub fn effective_namespace(&self) -> Option<&str> {
        if self.group.is_empty() && self.resource == "namespaces" && self.namespace.is_none() {
            return self.name.as_deref();
        }
        self.namespace.as_deref()
    }

    /// `core/v1 pods/log`, `config.openshift.io/v1 clusteroperators`.
    pub fn describe(&self) -> String {
        crate::read_rule::describe_resource(
            &self.group,
            &self.version,
            &self.resource,
            self.subresource.as_deref(),
        )
    }
}

/// Why a path is not one both the policy and the server would read the same way.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct PathError {
    pub reason: String,
}

impl PathError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// Parses a request's path and query (see the module documentation for the rules).
pub fn parse_path(path_and_query: &str) -> Result<ApiRequest, PathError> {
    check_raw(path_and_query)?;
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    let mut segments = Vec::new();
    // `/` alone has no segment at all (rather than one empty segment).
    let rest = &path[1..];
    for raw in rest.split('/').filter(|_| !rest.is_empty()) {
        let seg = decode_segment(raw)?;
        match seg.as_str() {
            "" => {
                return Err(PathError::new(
                    "an empty path segment (// or a trailing /) is not allowed",
                ));
            }
            "." | ".." => {
                return Err(PathError::new(format!(
                    "a {seg} segment in the path is not allowed (raw or percent-encoded)"
                )));
            }
            _ => segments.push(seg),
        }
    }
    let query = parse_query(query)?;
    let watch = query
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("watch") && !is_false(v));
    let mut path = parse_segments(&segments)?;
    if let ApiPath::Resource(info) = &mut path
        && watch
    {
        info.verb = Verb::Watch;
    }
    Ok(ApiRequest { path, query })
}

/// Values that `strconv.ParseBool`, which the API server uses, reads as false.
pub fn is_false(value: &str) -> bool {
    matches!(value, "0" | "f" | "F" | "false" | "FALSE" | "False")
}

/// Checks the raw string before anything is decoded.
fn check_raw(path_and_query: &str) -> Result<(), PathError> {
    if path_and_query.len() > MAX_PATH_AND_QUERY_BYTES {
        return Err(PathError::new(format!(
            "the path and query are {} bytes long; at most {MAX_PATH_AND_QUERY_BYTES} are allowed",
            path_and_query.len()
        )));
    }
    if let Some(c) = path_and_query
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || *c == ' ')
    {
        return Err(PathError::new(format!(
            "the path contains {c:?}: only printable ASCII without spaces is allowed (percent-encode the rest)"
        )));
    }
    if path_and_query.contains('\\') {
        return Err(PathError::new("a backslash in the path is not allowed"));
    }
    if path_and_query.contains('#') {
        return Err(PathError::new(
            "a fragment (#) is not allowed in a request path",
        ));
    }
    if !path_and_query.starts_with('/') {
        let scheme_like = path_and_query
            .split_once(':')
            .is_some_and(|(s, _)| !s.is_empty() && !s.contains(['/', '?']));
        return Err(PathError::new(if scheme_like {
            format!(
                "{} names a scheme: only a path such as /api/v1/nodes is allowed; the host chooses the server",
                printable(path_and_query)
            )
        } else {
            format!(
                "the path {} does not start with /",
                printable(path_and_query)
            )
        }));
    }
    if path_and_query.starts_with("//") {
        return Err(PathError::new(
            "a path starting with // names another server; only a path such as /api/v1/nodes is allowed",
        ));
    }
    Ok(())
}

/// Shows a client-supplied string in a message without control characters, shortened.
pub fn printable(s: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = s.chars().take(MAX).flat_map(char::escape_default).collect();
    if s.chars().count() > MAX {
        out.push_str("...");
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes one path segment, refusing encodings that could change which path a
/// server sees.
fn decode_segment(seg: &str) -> Result<String, PathError> {
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let decoded = match (
            bytes.get(i + 1).copied().and_then(hex_value),
            bytes.get(i + 2).copied().and_then(hex_value),
        ) {
            (Some(h), Some(l)) => h * 16 + l,
            _ => return Err(malformed_escape("path")),
        };
        match decoded {
            b'/' => {
                return Err(PathError::new(
                    "an encoded slash (%2F) in the path is not allowed",
                ));
            }
            b'\\' => {
                return Err(PathError::new(
                    "an encoded backslash (%5C) in the path is not allowed",
                ));
            }
            b'%' => {
                return Err(PathError::new(
                    "an encoded percent sign (%25) in the path is not allowed: it hides a second encoding",
                ));
            }
            0..=0x20 | 0x7f..=0xff => {
                return Err(PathError::new(format!(
                    "an encoded control, space or non-ASCII byte (%{decoded:02X}) in the path is not allowed"
                )));
            }
            _ => out.push(decoded),
        }
        i += 3;
    }
    // Every byte is printable ASCII here, so this cannot fail.
    String::from_utf8(out).map_err(|_| PathError::new("the path is not valid ASCII"))
}

fn malformed_escape(part: &str) -> PathError {
    PathError::new(format!(
        "a malformed percent-encoding in the {part} (% must be followed by two hex digits)"
    ))
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>, PathError> {
    let bytes = query.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !matches!(
                (
                    bytes.get(i + 1).copied().and_then(hex_value),
                    bytes.get(i + 2).copied().and_then(hex_value)
                ),
                (Some(_), Some(_))
            )
        {
            return Err(malformed_escape("query"));
        }
    }
    Ok(form_urlencoded::parse(bytes).into_owned().collect())
}

fn parse_segments(segments: &[String]) -> Result<ApiPath, PathError> {
    let strs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let discovery = |d| Ok(ApiPath::Discovery(d));
    match strs.as_slice() {
        ["version"] => discovery(Discovery::Version),
        ["api"] => discovery(Discovery::Api),
        ["apis"] => discovery(Discovery::Apis),
        ["apis", group] => discovery(Discovery::Group {
            group: (*group).to_owned(),
        }),
        ["api", version] => discovery(Discovery::CoreResources {
            version: (*version).to_owned(),
        }),
        ["apis", group, version] => discovery(Discovery::GroupResources {
            group: (*group).to_owned(),
            version: (*version).to_owned(),
        }),
        ["api", version, rest @ ..] => parse_rest("", version, rest),
        ["apis", group, version, rest @ ..] => parse_rest(group, version, rest),
        _ => Err(PathError::new(format!(
            "/{} is not a Kubernetes API path: only /api, /apis and /version are served",
            printable(&strs.join("/"))
        ))),
    }
}

/// Splits the segments after the version into namespace, resource, name and subresource, as
/// the API server's request info does.
fn parse_rest(group: &str, version: &str, rest: &[&str]) -> Result<ApiPath, PathError> {
    let after_version = rest.len();
    match rest.first() {
        Some(&"watch") => {
            return Err(PathError::new(
                "/watch/ paths are not allowed: a gather is a snapshot, watches never end",
            ));
        }
        Some(&"proxy") => {
            return Err(PathError::new(
                "/proxy/ paths are never allowed: they reach into running workloads",
            ));
        }
        _ => {}
    }
    let (namespace, rest) = match rest {
        // `/namespaces/{ns}/status` and `/finalize` are subresources of the namespace itself;
        // anything else is a resource in that namespace.
        ["namespaces", _, "status" | "finalize"] => (None, rest),
        ["namespaces", ns, inner @ ..] if !inner.is_empty() => (Some((*ns).to_owned()), inner),
        _ => (None, rest),
    };
    let (resource, name, subresource) = match rest {
        [r] => (*r, None, None),
        [r, n] => (*r, Some(*n), None),
        [r, n, s] => (*r, Some(*n), Some(*s)),
        // `/pods/{name}/proxy/{path...}`: the path continues past the subresource.
        [r, n, s, ..] if WORKLOAD_SUBRESOURCES.contains(s) => (*r, Some(*n), Some(*s)),
        _ => {
            return Err(PathError::new(format!(
                "the path has {} segments after the version; a Kubernetes resource path has at most \
                 namespaces/{{ns}}/{{resource}}/{{name}}/{{subresource}}",
                after_version
            )));
        }
    };
    if namespace.is_some() && resource == "watch" {
        return Err(PathError::new(
            "/watch/ paths are not allowed: a gather is a snapshot, watches never end",
        ));
    }
    Ok(ApiPath::Resource(RequestInfo {
        verb: if name.is_some() {
            Verb::Get
        } else {
            Verb::List
        },
        group: group.to_owned(),
        version: version.to_owned(),
        namespace,
        resource: resource.to_owned(),
        name: name.map(str::to_owned),
        subresource: subresource.map(str::to_owned),
    }))
}

/// One row of [`PATH_TABLE`]: a path and query, and what it addresses, written as
/// `"discovery"`, `"error"`, or `"verb group/version [ns] resource [name] [sub]"` with `-` for
/// an absent part (`"list /v1 - pods - -"`).
pub type PathRow = (&'static str, &'static str);

/// Paths every reader of the grammar must agree on, good and hostile: the contract's tests
/// check [`parse_path`] against it, and the policy and the snapshot server are tested on the
/// same rows so that neither can drift from the grammar.
pub const PATH_TABLE: &[PathRow] = &[
    ("/version", "discovery"),
    ("/api", "discovery"),
    ("/api/v1", "discovery"),
    ("/apis", "discovery"),
    ("/apis/config.openshift.io", "discovery"),
    ("/apis/config.openshift.io/v1", "discovery"),
    ("/api/v1/nodes", "list /v1 - nodes - -"),
    ("/api/v1/nodes?limit=500", "list /v1 - nodes - -"),
    ("/api/v1/nodes/master-0", "get /v1 - nodes master-0 -"),
    (
        "/api/v1/nodes/system%3Anode",
        "get /v1 - nodes system:node -",
    ),
    ("/api/v1/nodes?watch=true", "watch /v1 - nodes - -"),
    ("/api/v1/nodes?watch=false", "list /v1 - nodes - -"),
    ("/api/v1/nodes?w%61tch=1", "watch /v1 - nodes - -"),
    ("/api/v1/namespaces", "list /v1 - namespaces - -"),
    (
        "/api/v1/namespaces/default",
        "get /v1 - namespaces default -",
    ),
    (
        "/api/v1/namespaces/default/status",
        "get /v1 - namespaces default status",
    ),
    (
        "/api/v1/namespaces/default/pods",
        "list /v1 default pods - -",
    ),
    (
        "/api/v1/namespaces/default/pods/p-1/log?container=c&tailLines=100",
        "get /v1 default pods p-1 log",
    ),
    (
        "/api/v1/namespaces/default/pods/p/proxy/metrics",
        "get /v1 default pods p proxy",
    ),
    (
        "/apis/config.openshift.io/v1/clusteroperators",
        "list config.openshift.io/v1 - clusteroperators - -",
    ),
    (
        "/apis/config.openshift.io/v1/clusteroperators/dns/status",
        "get config.openshift.io/v1 - clusteroperators dns status",
    ),
    (
        "/apis/apps/v1/namespaces/openshift-monitoring/deployments/x",
        "get apps/v1 openshift-monitoring deployments x -",
    ),
    ("/apis/apps/v1/watch/deployments", "error"),
    ("/api/v1/watch/nodes", "error"),
    ("/api/v1/namespaces/default/watch", "error"),
    ("/api/v1/proxy/nodes/n", "error"),
    ("/api/v1/nodes/a/b/c", "error"),
    ("/api/v1/namespaces/a/pods/b/log/extra", "error"),
    ("/api/v1/nodes/%2e%2e/secrets", "error"),
    ("/api/v1/nodes/..", "error"),
    ("/api/v1/nodes/.", "error"),
    ("/api/v1/nodes%2F..%2Fsecrets", "error"),
    ("/api/v1/nodes%5Cx", "error"),
    ("/api/v1/nodes/%252e", "error"),
    ("/api/v1/nodes/%00", "error"),
    ("/api/v1/nodes/%zz", "error"),
    ("/api/v1/nodes?limit=%z", "error"),
    ("/api/v1//nodes", "error"),
    ("/api/v1/nodes/", "error"),
    ("//evil.example/api/v1/nodes", "error"),
    ("http://evil.example/api/v1/nodes", "error"),
    ("api/v1/nodes", "error"),
    ("/api/v1/nodes#frag", "error"),
    ("/api/v1/no des", "error"),
    ("/api/v1/nodes\\x", "error"),
    ("/api/v1/nodés", "error"),
    ("/healthz", "error"),
    ("/", "error"),
    ("/metrics", "error"),
];

/// Renders a parse result in the notation of [`PATH_TABLE`].
pub fn describe_for_table(result: &Result<ApiRequest, PathError>) -> String {
    let info = match result {
        Err(_) => return "error".to_owned(),
        Ok(ApiRequest {
            path: ApiPath::Discovery(_),
            ..
        }) => return "discovery".to_owned(),
        Ok(ApiRequest {
            path: ApiPath::Resource(info),
            ..
        }) => info,
    };
    let verb = match info.verb {
        Verb::Get => "get",
        Verb::List => "list",
        Verb::Watch => "watch",
    };
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".to_owned());
    format!(
        "{verb} {}/{} {} {} {} {}",
        info.group,
        info.version,
        dash(&info.namespace),
        info.resource,
        dash(&info.name),
        dash(&info.subresource)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_table_holds() {
        for (path, expected) in PATH_TABLE {
            let got = describe_for_table(&parse_path(path));
            assert_eq!(&got, expected, "{path}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (path, needle) in [
            ("/api/v1/nodes%2F..", "encoded slash"),
            ("/api/v1/nodes%5C", "encoded backslash"),
            ("/api/v1/nodes/%252e", "encoded percent"),
            ("/api/v1/nodes/%0a", "encoded control"),
            ("/api/v1/nodes/%e9", "non-ASCII"),
            (
                "/api/v1/nodes/%zz",
                "malformed percent-encoding in the path",
            ),
            (
                "/api/v1/nodes?x=%",
                "malformed percent-encoding in the query",
            ),
            ("/api/v1//nodes", "empty path segment"),
            ("/api/v1/nodes/%2E%2e", "a .. segment"),
            ("//x/api", "names another server"),
            ("https://x/api", "names a scheme"),
            ("api", "does not start with /"),
            ("/healthz", "not a Kubernetes API path"),
            ("/api/v1/a/b/c/d", "4 segments after the version"),
            ("/api/v1/watch/nodes", "/watch/ paths"),
            ("/api/v1/proxy/x", "/proxy/ paths"),
        ] {
            let err = parse_path(path).unwrap_err();
            assert!(err.reason.contains(needle), "{path}: {err}");
        }
        let long = format!("/api/v1/nodes/{}", "a".repeat(MAX_PATH_AND_QUERY_BYTES));
        assert!(parse_path(&long).unwrap_err().reason.contains("bytes long"));
    }

    #[test]
    fn query_is_decoded_in_order() {
        let req = parse_path("/api/v1/pods?labelSelector=a%3Db%2Cc&limit=5&limit=6").unwrap();
        assert_eq!(
            req.query,
            [
                ("labelSelector".to_owned(), "a=b,c".to_owned()),
                ("limit".to_owned(), "5".to_owned()),
                ("limit".to_owned(), "6".to_owned()),
            ]
        );
        assert_eq!(req.param("limit"), Some("5"));
        assert_eq!(req.param("continue"), None);
    }

    #[test]
    fn a_namespace_object_is_in_itself() {
        let req = parse_path("/api/v1/namespaces/foo").unwrap();
        assert_eq!(req.resource().unwrap().effective_namespace(), Some("foo"));
        let req = parse_path("/api/v1/namespaces/foo/pods").unwrap();
        assert_eq!(req.resource().unwrap().effective_namespace(), Some("foo"));
        let req = parse_path("/api/v1/nodes/foo").unwrap();
        assert_eq!(req.resource().unwrap().effective_namespace(), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const TOKENS: &[&str] = &[
        "api",
        "apis",
        "v1",
        "config.openshift.io",
        "namespaces",
        "default",
        "pods",
        "log",
        "proxy",
        "exec",
        "status",
        "watch",
        "version",
        "..",
        ".",
        "%2e%2e",
        "%2E.",
        "%2F",
        "%5c",
        "\\",
        "",
        "http:",
        "%00",
        "%25",
        "%252e",
        "a b",
        "é",
        "#x",
        "?watch=true",
        "?limit=5",
        "%",
        "%z",
        "system%3Anode",
        "@",
        ":",
    ];
    const PREFIXES: &[&str] = &["/", "//", "", "http://x/", "/api/v1/", "/apis/"];

    fn paths() -> impl Strategy<Value = String> {
        let built = (
            prop::sample::select(PREFIXES),
            prop::collection::vec(prop::sample::select(TOKENS), 0..7),
        )
            .prop_map(|(prefix, tokens)| format!("{prefix}{}", tokens.join("/")));
        let random = prop::collection::vec(any::<char>(), 0..40)
            .prop_map(|chars| chars.into_iter().collect::<String>());
        prop_oneof![6 => built, 1 => random]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// Whatever parses is a plain API path: one server, no way out of the path it names,
        /// and resource parts that contain no separator a second decoding could split on.
        #[test]
        fn parsed_paths_are_plain(path in paths()) {
            let Ok(req) = parse_path(&path) else { return Ok(()); };
            prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{path}");
            prop_assert!(path.bytes().all(|b| (0x21..0x7f).contains(&b)), "{path}");
            let lower = path.split('?').next().unwrap_or_default().to_ascii_lowercase();
            prop_assert!(!lower.contains("%2f") && !lower.contains("%5c") && !lower.contains("%25"), "{path}");
            if let ApiPath::Resource(info) = &req.path {
                let parts = [Some(&info.version), info.namespace.as_ref(), Some(&info.resource),
                             info.name.as_ref(), info.subresource.as_ref()];
                for part in parts.into_iter().flatten() {
                    prop_assert!(!part.is_empty() && part != "." && part != "..", "{path}");
                    prop_assert!(!part.contains(['/', '\\', '%', '?', '#']), "{path}: {part}");
                }
                let watch = req.query.iter().any(|(k, v)| k.eq_ignore_ascii_case("watch") && !is_false(v));
                prop_assert_eq!(info.verb == Verb::Watch, watch, "{}", path);
            }
        }
    }
}
