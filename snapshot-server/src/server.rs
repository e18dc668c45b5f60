//! The HTTP side: a read-only Kubernetes API over a [`Snapshot`].
//!
//! One handler parses the request path the way the API server lays it out (`/api/v1/...`,
//! `/apis/<group>/<version>/...`), since every resource shares the same handful of shapes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wagather_contract::{ApiPath, Discovery, RequestInfo, Verb, parse_path};

use crate::catalog::api_version;
use crate::selector::{FieldSelector, LabelSelector};
use crate::snapshot::{ObjectKey, Resource, Snapshot, StoredObject, push_json_str};
use crate::table::{IncludeObject, table};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running snapshot API server.
#[derive(Debug)]
pub struct SnapshotServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// How long `shutdown` waits for open requests before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl SnapshotServer {
    /// Serves `snapshot` on `addr` (port 0 picks a free port) until [`SnapshotServer::shutdown`].
    pub async fn start(
        snapshot: Arc<Snapshot>,
        addr: SocketAddr,
    ) -> Result<SnapshotServer, ServeError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        let app = router(snapshot);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "snapshot server stopped with an error");
            }
        });
        tracing::info!(url = %format!("http://{local}"), "snapshot API server listening");
        Ok(SnapshotServer {
            addr: local,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits (a few seconds at most) for open requests.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

impl Drop for SnapshotServer {
    /// A dropped server stops accepting connections (without waiting, unlike `shutdown`).
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The API as an axum router, for embedding into another server.
pub fn router(snapshot: Arc<Snapshot>) -> Router {
    Router::new().fallback(handle).with_state(snapshot)
}

/// An error answered with a Kubernetes `Status` body.
#[derive(Debug)]
struct ApiError {
    code: StatusCode,
    reason: &'static str,
    message: String,
    details: Value,
}

impl ApiError {
    fn not_found_path() -> ApiError {
        ApiError {
            code: StatusCode::NOT_FOUND,
            reason: "NotFound",
            message: "the server could not find the requested resource".into(),
            details: json!({}),
        }
    }

    fn not_found(group: &str, plural: &str, name: &str) -> ApiError {
        let qualified = if group.is_empty() {
            plural.to_string()
        } else {
            format!("{plural}.{group}")
        };
        let mut details = json!({ "name": name, "kind": plural });
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        ApiError {
            code: StatusCode::NOT_FOUND,
            reason: "NotFound",
            message: format!("{qualified} \"{name}\" not found"),
            details,
        }
    }

    fn bad_request(message: String) -> ApiError {
        ApiError {
            code: StatusCode::BAD_REQUEST,
            reason: "BadRequest",
            message,
            details: json!({}),
        }
    }

    fn into_response(self) -> Response {
        let mut body = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code.as_u16(),
        });
        if self.details.as_object().is_some_and(|d| !d.is_empty()) {
            body["details"] = self.details;
        }
        json_response(self.code, body.to_string())
    }
}

fn json_response(code: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = code;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn ok_json(body: String) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, body))
}

async fn handle(
    State(snap): State<Arc<Snapshot>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError {
            code: StatusCode::METHOD_NOT_ALLOWED,
            reason: "MethodNotAllowed",
            message: format!(
                "the server does not allow this method on the requested resource: {method} is not supported by a read-only snapshot"
            ),
            details: json!({}),
        }
        .into_response();
    }
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    if matches!(uri.path(), "/healthz" | "/readyz" | "/livez") {
        return Response::new(Body::from("ok"));
    }
    // The same grammar the host's policy reads guests' paths with: what the policy allowed
    // as one resource is served as that resource, never as another.
    let parsed = match parse_path(path_and_query) {
        Ok(parsed) => parsed,
        Err(e) => {
            return ApiError {
                code: StatusCode::NOT_FOUND,
                reason: "NotFound",
                message: e.reason,
                details: json!({}),
            }
            .into_response();
        }
    };
    // The first value of a repeated parameter counts, as on the API server.
    let mut query: HashMap<String, String> = HashMap::new();
    for (key, value) in parsed.query {
        query.entry(key).or_insert(value);
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let req = Request {
        snap: &snap,
        query: &query,
        accept,
    };
    let result = match &parsed.path {
        ApiPath::Discovery(Discovery::Version) => version(&snap),
        ApiPath::Discovery(Discovery::Api) => ok_json(
            json!({"kind": "APIVersions", "versions": ["v1"],
                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}]})
            .to_string(),
        ),
        ApiPath::Discovery(Discovery::Apis) => api_group_list(&snap),
        ApiPath::Discovery(Discovery::Group { group }) => api_group(&snap, group),
        ApiPath::Discovery(Discovery::CoreResources { version }) => {
            req.resource_list("", version)
        }
        ApiPath::Discovery(Discovery::GroupResources { group, version }) => {
            req.resource_list(group, version)
        }
        ApiPath::Resource(info) => req.resource(info),
    };
    result.unwrap_or_else(ApiError::into_response)
}

fn version(snap: &Snapshot) -> Result<Response, ApiError> {
    let git = snap.kube_version();
    let mut parts = git.trim_start_matches('v').split(['.', '+', '-']);
    let major = parts.next().unwrap_or("");
    let minor = parts.next().unwrap_or("");
    ok_json(
        json!({
            "major": major,
            "minor": minor,
            "gitVersion": git,
            "gitCommit": "",
            "gitTreeState": "",
            "buildDate": "",
            "goVersion": "",
            "compiler": "",
            "platform": "snapshot",
        })
        .to_string(),
    )
}

fn group_json(name: &str, versions: &[&str]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": api_version(name, v), "version": v}))
        .collect();
    json!({
        "name": name,
        "versions": vs,
        "preferredVersion": vs.first().cloned().unwrap_or(Value::Null),
    })
}

fn api_group_list(snap: &Snapshot) -> Result<Response, ApiError> {
    let groups: Vec<Value> = snap
        .groups()
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_json(g, vs))
        .collect();
    ok_json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}).to_string())
}

fn api_group(snap: &Snapshot, group: &str) -> Result<Response, ApiError> {
    let groups = snap.groups();
    match groups.get(group) {
        Some(vs) if !group.is_empty() => {
            let mut g = group_json(group, vs);
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            ok_json(g.to_string())
        }
        _ => Err(ApiError::not_found_path()),
    }
}

/// What the client asked for, beyond the path.
struct Request<'a> {
    snap: &'a Snapshot,
    query: &'a HashMap<String, String>,
    accept: &'a str,
}

/// The representations `Accept` can ask for (first one offered wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Representation {
    Json,
    Table,
    Metadata,
}

fn representation(accept: &str) -> Representation {
    for offer in accept.split(',') {
        let params: Vec<&str> = offer.split(';').map(str::trim).collect();
        let has = |p: &str| params.iter().any(|x| x.eq_ignore_ascii_case(p));
        let group_ok = has("g=meta.k8s.io");
        if group_ok && (has("as=Table")) {
            return Representation::Table;
        }
        if group_ok && (has("as=PartialObjectMetadataList") || has("as=PartialObjectMetadata")) {
            return Representation::Metadata;
        }
        if params
            .first()
            .is_some_and(|m| m.starts_with("application/json") || *m == "*/*")
        {
            return Representation::Json;
        }
    }
    Representation::Json
}

impl Request<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    fn served(&self, group: &str, version: &str) -> bool {
        self.snap
            .groups()
            .get(group)
            .is_some_and(|vs| vs.contains(&version))
    }

    /// A resource request, as the contract's request grammar reads the path.
    fn resource(&self, info: &RequestInfo) -> Result<Response, ApiError> {
        let (group, version) = (info.group.as_str(), info.version.as_str());
        if !self.served(group, version) {
            return Err(ApiError::not_found_path());
        }
        if info.verb == Verb::Watch {
            return Err(ApiError {
                code: StatusCode::METHOD_NOT_ALLOWED,
                reason: "MethodNotAllowed",
                message: "watch is not supported: a snapshot never changes".into(),
                details: json!({}),
            });
        }
        let plural = info.resource.as_str();
        let r = self
            .snap
            .resource(group, version, plural)
            .ok_or_else(ApiError::not_found_path)?;
        let ns = info.namespace.as_deref();
        if ns.is_some() != r.namespaced && info.name.is_some() {
            // A namespaced object is addressed in its namespace, a cluster-scoped one without.
            return Err(ApiError::not_found_path());
        }
        match (ns, info.name.as_deref(), info.subresource.as_deref()) {
            (ns, None, None) => {
                if ns.is_some() && !r.namespaced {
                    return Err(ApiError::not_found_path());
                }
                self.list(group, version, plural, r, ns)
            }
            (ns, Some(name), None | Some("status")) => {
                self.get(group, version, plural, r, ns.unwrap_or(""), name)
            }
            (Some(ns), Some(name), Some("log")) if group.is_empty() && plural == "pods" => {
                self.pod_log(ns, name)
            }
            _ => Err(ApiError::not_found_path()),
        }
    }

    fn resource_list(&self, group: &str, version: &str) -> Result<Response, ApiError> {
        if !self.served(group, version) {
            return Err(ApiError::not_found_path());
        }
        let mut resources = Vec::new();
        for (id, r) in &self.snap.resources {
            if id.group != group || id.version != version {
                continue;
            }
            let mut entry = json!({
                "name": id.plural,
                "singularName": r.kind.to_ascii_lowercase(),
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "list"],
            });
            if !r.short_names.is_empty() {
                entry["shortNames"] = json!(r.short_names);
            }
            resources.push(entry);
            resources.push(json!({
                "name": format!("{}/status", id.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get"],
            }));
            if group.is_empty() && id.plural == "pods" {
                resources.push(json!({
                    "name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"],
                }));
            }
        }
        ok_json(
            json!({
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": api_version(group, version),
                "resources": resources,
            })
            .to_string(),
        )
    }

    fn get(
        &self,
        group: &str,
        version: &str,
        plural: &str,
        r: &Resource,
        ns: &str,
        name: &str,
    ) -> Result<Response, ApiError> {
        let obj = r
            .objects
            .get(&(ns.to_string(), name.to_string()))
            .ok_or_else(|| ApiError::not_found(group, plural, name))?;
        let av = api_version(group, version);
        match representation(self.accept) {
            Representation::Table => {
                let include = IncludeObject::parse(self.param("includeObject"))
                    .map_err(ApiError::bad_request)?;
                let t = table(
                    r,
                    &av,
                    &[obj.as_ref()],
                    include,
                    json!({"resourceVersion": self.snap.resource_version()}),
                );
                ok_json(t.to_string())
            }
            Representation::Metadata => {
                let v = obj.to_value(&av, &r.kind);
                ok_json(
                    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                           "metadata": v.get("metadata").cloned().unwrap_or(Value::Null)})
                    .to_string(),
                )
            }
            Representation::Json => {
                let mut out = String::with_capacity(obj.body.len() + 64);
                obj.write_json(&mut out, &av, &r.kind);
                ok_json(out)
            }
        }
    }

    fn list(
        &self,
        group: &str,
        version: &str,
        _plural: &str,
        r: &Resource,
        ns: Option<&str>,
    ) -> Result<Response, ApiError> {
        let labels = LabelSelector::parse(self.param("labelSelector").unwrap_or(""))
            .map_err(|e| ApiError::bad_request(e.0))?;
        let fields = FieldSelector::parse(self.param("fieldSelector").unwrap_or(""), &r.kind)
            .map_err(|e| ApiError::bad_request(e.0))?;
        let limit: usize = match self.param("limit") {
            None | Some("") => 0,
            Some(l) => l
                .parse::<i64>()
                .map_err(|_| {
                    ApiError::bad_request(format!("limit: invalid value {l:?}: must be an integer"))
                })?
                .max(0)
                .try_into()
                .unwrap_or(usize::MAX),
        };
        let start = match self.param("continue") {
            None | Some("") => None,
            Some(token) => Some(decode_continue(token, self.snap.resource_version())?),
        };
        let av = api_version(group, version);
        let page = select(r, ns, start, limit, &labels, &fields, &av);
        let mut meta = json!({ "resourceVersion": self.snap.resource_version() });
        if let Some(last) = &page.continue_after {
            meta["continue"] = json!(encode_continue(last, self.snap.resource_version()));
            if let Some(n) = page.remaining {
                meta["remainingItemCount"] = json!(n);
            }
        }
        match representation(self.accept) {
            Representation::Table => {
                let include = IncludeObject::parse(self.param("includeObject"))
                    .map_err(ApiError::bad_request)?;
                let objs: Vec<&StoredObject> = page.items.iter().map(|o| o.as_ref()).collect();
                ok_json(table(r, &av, &objs, include, meta).to_string())
            }
            Representation::Metadata => {
                let items: Vec<Value> = page
                    .items
                    .iter()
                    .map(|o| {
                        let v = o.to_value(&av, &r.kind);
                        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                               "metadata": v.get("metadata").cloned().unwrap_or(Value::Null)})
                    })
                    .collect();
                ok_json(
                    json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                           "metadata": meta, "items": items})
                    .to_string(),
                )
            }
            Representation::Json => {
                let size: usize = page.items.iter().map(|o| o.body.len() + 64).sum();
                let mut out = String::with_capacity(size + 256);
                out.push_str("{\"kind\":");
                push_json_str(&mut out, &format!("{}List", r.kind));
                out.push_str(",\"apiVersion\":");
                push_json_str(&mut out, &av);
                out.push_str(",\"metadata\":");
                out.push_str(&meta.to_string());
                out.push_str(",\"items\":[");
                for (i, o) in page.items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    // Items carry apiVersion/kind, as a CRD's list does on a real server; clients
                    // decoding items one by one (dynamic objects) then know their type.
                    o.write_json(&mut out, &av, &r.kind);
                }
                out.push_str("]}");
                ok_json(out)
            }
        }
    }

    fn pod_log(&self, ns: &str, pod: &str) -> Result<Response, ApiError> {
        let Some(logs) = self.snap.logs.get(&(ns.to_string(), pod.to_string())) else {
            return Err(ApiError::not_found("", "pods", pod));
        };
        let previous = self
            .param("previous")
            .is_some_and(|p| p == "true" || p == "1");
        let container = self.param("container").filter(|c| !c.is_empty());
        let mut named: Vec<&str> = logs.iter().filter_map(|l| l.container.as_deref()).collect();
        named.sort_unstable();
        named.dedup();
        if container.is_none() && named.len() > 1 {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {pod}, choose one of: [{}]",
                named.join(" ")
            )));
        }
        if let Some(c) = container
            && !named.is_empty()
            && !named.contains(&c)
            && logs.iter().all(|l| l.container.is_some())
        {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {pod}"
            )));
        }
        let mut text = String::new();
        for l in logs.iter().filter(|l| l.previous == previous) {
            if container.is_none_or(|c| l.container.as_deref().is_none_or(|lc| lc == c)) {
                text.push_str(&l.text);
                if !text.ends_with('\n') && !text.is_empty() {
                    text.push('\n');
                }
            }
        }
        if let Some(n) = self.param("tailLines") {
            let n: usize = n.parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "tailLines: invalid value {n:?}: must be an integer"
                ))
            })?;
            let lines: Vec<&str> = text.lines().collect();
            let keep = &lines[lines.len().saturating_sub(n)..];
            text = keep.iter().map(|l| format!("{l}\n")).collect();
        }
        let mut r = Response::new(Body::from(text));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        Ok(r)
    }
}

/// One page of a list.
struct Page<'a> {
    items: Vec<&'a Arc<StoredObject>>,
    /// Set when more matching objects follow: the key of the last item returned.
    continue_after: Option<ObjectKey>,
    /// Objects after this page, when known without evaluating selectors (as the real server).
    remaining: Option<usize>,
}

fn select<'a>(
    r: &'a Resource,
    ns: Option<&str>,
    start: Option<ObjectKey>,
    limit: usize,
    labels: &LabelSelector,
    fields: &FieldSelector,
    api_version: &str,
) -> Page<'a> {
    let lower = match (&start, ns) {
        (Some(k), _) => Bound::Excluded(k.clone()),
        (None, Some(ns)) => Bound::Included((ns.to_string(), String::new())),
        (None, None) => Bound::Unbounded,
    };
    let mut iter = r
        .objects
        .range((lower, Bound::Unbounded))
        .take_while(|(k, _)| ns.is_none_or(|n| k.0 == n))
        .filter(|(k, o)| {
            labels.matches(&o.labels)
                && (fields.is_empty()
                    || if fields.only_metadata() {
                        fields.matches(&k.1, &k.0, None)
                    } else {
                        fields.matches(&k.1, &k.0, Some(&o.to_value(api_version, &r.kind)))
                    })
        });
    let mut items = Vec::new();
    for (_, o) in iter.by_ref() {
        items.push(o);
        if limit > 0 && items.len() == limit {
            break;
        }
    }
    let mut continue_after = None;
    let mut remaining = None;
    if limit > 0 && items.len() == limit {
        let rest = iter.count();
        if rest > 0 {
            continue_after = items
                .last()
                .map(|o| (o.namespace.clone().unwrap_or_default(), o.name.clone()));
            if labels.is_empty() && fields.is_empty() {
                remaining = Some(rest);
            }
        }
    }
    Page {
        items,
        continue_after,
        remaining,
    }
}

fn encode_continue(after: &ObjectKey, rv: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": [after.0, after.1]});
    URL_SAFE_NO_PAD.encode(token.to_string())
}

/// Decodes a continue token: 400 when it is not one of ours, 410 Expired when it belongs to
/// another snapshot (another resourceVersion), as the real server answers for a compacted one.
fn decode_continue(token: &str, rv: &str) -> Result<ObjectKey, ApiError> {
    let invalid = |why: &str| ApiError::bad_request(format!("continue key is not valid: {why}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(token))
        .map_err(|_| invalid("not base64"))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("not JSON"))?;
    let start = v.get("start").and_then(Value::as_array);
    let key = match start.map(Vec::as_slice) {
        Some([Value::String(ns), Value::String(name)]) => (ns.clone(), name.clone()),
        _ => return Err(invalid("no start key")),
    };
    if v.get("rv").and_then(Value::as_str) != Some(rv) {
        return Err(ApiError {
            code: StatusCode::GONE,
            reason: "Expired",
            message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.".into(),
            details: json!({}),
        });
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers() {
        assert_eq!(
            representation(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
            ),
            Representation::Table
        );
        assert_eq!(representation("application/json"), Representation::Json);
        assert_eq!(
            representation(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
            ),
            Representation::Metadata
        );
        assert_eq!(representation(""), Representation::Json);
    }

    #[test]
    fn continue_tokens_round_trip_and_expire() {
        let key = ("ns".to_string(), "a/b".to_string());
        let t = encode_continue(&key, "42");
        assert_eq!(decode_continue(&t, "42").unwrap(), key);
        assert_eq!(
            decode_continue(&t, "43").unwrap_err().code,
            StatusCode::GONE
        );
        assert_eq!(
            decode_continue("!!", "42").unwrap_err().code,
            StatusCode::BAD_REQUEST
        );
    }
}
