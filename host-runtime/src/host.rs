//! The store state of one gatherer run and the `kube.http-request` import.
//!
//! Every request a guest makes takes the same path: the run's request budget
//! (every request counts, denied or not), then the gatherer's policy
//! (manifest reads, host deny list, GET only, no body), then the
//! `kube::Client`, cut to what is left of the run's deadline, with the
//! response body capped while it streams in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::limits::{GuestLimiter, Limits, Meter, human_bytes};
use crate::policy::{AllowedRequest, Denial, GatherPolicy, GuestRequest};

/// Bindings of the `gatherer` world (wit/gatherer.wit).
pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "gatherer",
        // The request import awaits the API server; the export is called
        // with `call_async` so the guest runs on a fiber that can yield.
        imports: { default: async },
        exports: { default: async },
    });
}

use bindings::wagather::gatherer::kube as wit;

/// What the SDK puts between the path and the reason of a denied request
/// in its error message (wagather-sdk's `Error::Denied`).
const SDK_DENIAL: &str = ": denied by the host: ";

/// At most this many distinct host-side notes (denials, budget refusals) per
/// run, so a guest trying one request after another cannot grow
/// `gathers.json` without end. A note repeated word for word is counted on
/// the first one instead.
const MAX_NOTES: usize = 20;

/// Something the host refused during a run, and how often.
pub(crate) struct Note {
    pub(crate) text: String,
    pub(crate) times: u32,
    /// For a policy denial: the path the guest asked for and the reason.
    pub(crate) denial: Option<(String, String)>,
}

impl Note {
    /// The note as it appears in the run's errors.
    pub(crate) fn render(&self) -> String {
        if self.times > 1 {
            format!("{} ({} times)", self.text, self.times)
        } else {
            self.text.clone()
        }
    }
}

/// Everything one gatherer run owns, kept in its `Store`.
pub(crate) struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: GuestLimiter,
    pub(crate) api: kube::Client,
    pub(crate) policy: GatherPolicy,
    pub(crate) meter: Meter,
    /// When the run's wall-clock deadline passes.
    pub(crate) deadline: Instant,
    pub(crate) gatherer: Arc<str>,
    /// Requests the policy refused.
    pub(crate) denied: u32,
    /// Requests sent to the API server.
    pub(crate) api_calls: u32,
    /// What the host refused, in words, for the run's report.
    pub(crate) notes: Vec<Note>,
    pub(crate) notes_dropped: usize,
}

impl HostState {
    /// A fresh state for one run of `gatherer`.
    pub(crate) fn new(
        gatherer: &str,
        wasi: WasiCtx,
        limits: &Limits,
        api: kube::Client,
        policy: GatherPolicy,
        deadline: Instant,
    ) -> Self {
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: GuestLimiter::new(limits),
            api,
            policy,
            meter: Meter::new(limits),
            deadline,
            gatherer: Arc::from(gatherer),
            denied: 0,
            api_calls: 0,
            notes: Vec::new(),
            notes_dropped: 0,
        }
    }

    fn note(&mut self, text: String) {
        self.add_note(text, None);
    }

    fn add_note(&mut self, text: String, denial: Option<(String, String)>) {
        if let Some(same) = self.notes.iter_mut().find(|n| n.text == text) {
            same.times = same.times.saturating_add(1);
        } else if self.notes.len() < MAX_NOTES {
            self.notes.push(Note {
                text,
                times: 1,
                denial,
            });
        } else {
            self.notes_dropped += 1;
        }
    }

    /// Whether `guest_error` is exactly the SDK's wording of a denial the
    /// host notes anyway (`<path>: denied by the host: <reason>`, what a
    /// gatherer that passes the error on with `?` returns). A message that
    /// says anything more, or anything else, is the guest's own and is kept.
    pub(crate) fn repeats_a_denial(&self, guest_error: &str) -> bool {
        self.notes
            .iter()
            .filter_map(|n| n.denial.as_ref())
            .any(|(path, reason)| {
                guest_error
                    .strip_prefix(path.as_str())
                    .and_then(|rest| rest.strip_prefix(SDK_DENIAL))
                    .is_some_and(|rest| rest == reason)
            })
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl HostState {
    fn deny(&mut self, req: &wit::Request, denial: Denial) -> wit::Error {
        self.denied += 1;
        tracing::warn!(
            gatherer = %self.gatherer,
            method = %req.method,
            path = %req.path_and_query,
            "request denied: {denial}"
        );
        self.add_note(
            format!(
                "request denied: {} {}: {denial}",
                req.method, req.path_and_query
            ),
            Some((req.path_and_query.clone(), denial.reason.clone())),
        );
        wit::Error::Denied(denial.reason)
    }
}

impl wit::Host for HostState {
    async fn http_request(&mut self, req: wit::Request) -> Result<wit::Response, wit::Error> {
        // The budget comes first and counts denied requests too: a guest
        // looping on refused requests runs out like any other, and past the
        // limit the host does no more work per request than this check.
        if let Err(limit) = self.meter.before_request() {
            self.note(format!(
                "request refused: {} {}: {limit}",
                req.method, req.path_and_query
            ));
            return Err(wit::Error::LimitExceeded(limit.0));
        }
        let checked = self
            .policy
            .check(&GuestRequest {
                method: &req.method,
                path_and_query: &req.path_and_query,
                headers: &req.headers,
            })
            .and_then(|allowed| GatherPolicy::check_body(req.body.as_deref()).map(|()| allowed));
        let allowed = match checked {
            Ok(allowed) => allowed,
            Err(denial) => return Err(self.deny(&req, denial)),
        };
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(wit::Error::Timeout);
        }
        tracing::debug!(gatherer = %self.gatherer, path = %allowed.path_and_query, "request");
        let budget = self.meter.response_budget();
        self.api_calls += 1;
        let fetched =
            match tokio::time::timeout(remaining, fetch(&self.api, &allowed, budget)).await {
                Ok(fetched) => fetched,
                Err(_elapsed) => return Err(wit::Error::Timeout),
            };
        match fetched {
            Ok(response) => {
                if let Err(limit) = self.meter.on_response(response.body.len() as u64) {
                    self.note(format!(
                        "response refused: {}: {limit}",
                        allowed.path_and_query
                    ));
                    return Err(wit::Error::LimitExceeded(limit.0));
                }
                Ok(response)
            }
            Err(FetchError::TooLarge) => {
                let message = format!(
                    "response to {} exceeds the remaining response budget of {}",
                    allowed.path_and_query,
                    human_bytes(budget)
                );
                self.note(format!("response refused: {message}"));
                Err(wit::Error::LimitExceeded(message))
            }
            Err(FetchError::Transport(message)) => {
                tracing::warn!(gatherer = %self.gatherer, path = %allowed.path_and_query, "transport error: {message}");
                Err(wit::Error::Transport(message))
            }
        }
    }
}

enum FetchError {
    TooLarge,
    Transport(String),
}

/// Sends one allowed request and reads at most `max_bytes` of its body.
async fn fetch(
    api: &kube::Client,
    allowed: &AllowedRequest,
    max_bytes: u64,
) -> Result<wit::Response, FetchError> {
    let mut builder = http::Request::get(allowed.path_and_query.as_str());
    for (name, value) in &allowed.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    // Only GET gets this far (the policy refuses everything else), so no body
    // is ever forwarded.
    let request = builder
        .body(kube::client::Body::empty())
        .map_err(|e| FetchError::Transport(format!("invalid request: {e}")))?;
    let response = api
        .send(request)
        .await
        .map_err(|e| FetchError::Transport(error_chain(&e)))?;
    let (parts, mut body) = response.into_parts();
    let mut data = Vec::new();
    // Read frame by frame so an oversized response is cut off instead of
    // being buffered whole first.
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| FetchError::Transport(error_chain(&e)))?;
        if let Ok(chunk) = frame.into_data() {
            if (data.len() + chunk.len()) as u64 > max_bytes {
                return Err(FetchError::TooLarge);
            }
            data.extend_from_slice(&chunk);
        }
    }
    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    Ok(wit::Response {
        status: parts.status.as_u16(),
        headers,
        body: data,
    })
}

/// An error and its causes on one line, `outer: inner: innermost`.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their source in their own message.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use wasmtime_wasi::WasiCtxBuilder;
    use wit::Host as _;

    use super::*;
    use crate::cluster::ApiEndpoint;
    use crate::policy::{HostPolicy, ReadRule};

    const CONFIGMAPS: &str = "/api/v1/namespaces/default/configmaps";

    /// A loopback API server that answers every request with an empty list
    /// and remembers what reached it.
    struct Server {
        url: String,
        seen: Arc<Mutex<Vec<String>>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    impl Server {
        async fn start() -> Server {
            let seen: Arc<Mutex<Vec<String>>> = Arc::default();
            let log = seen.clone();
            let app = axum::Router::new().fallback(
                move |method: axum::http::Method, uri: axum::http::Uri| {
                    let log = log.clone();
                    async move {
                        log.lock().expect("lock").push(format!("{method} {uri}"));
                        r#"{"kind":"ConfigMapList","apiVersion":"v1","items":[]}"#
                    }
                },
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let url = format!("http://{}", listener.local_addr().expect("addr"));
            let task = tokio::spawn(async move {
                axum::serve(listener, app).await.expect("serve");
            });
            Server { url, seen, task }
        }

        fn seen(&self) -> Vec<String> {
            self.seen.lock().expect("lock").clone()
        }
    }

    /// The state of a run whose manifest reads core configmaps.
    async fn state(server: &Server, limits: &Limits) -> HostState {
        let api = ApiEndpoint::Server(server.url.clone())
            .client()
            .await
            .expect("client");
        let reads = [ReadRule::new("", "v1", "configmaps")];
        HostState::new(
            "test",
            WasiCtxBuilder::new().build(),
            limits,
            api,
            GatherPolicy::new("test", &reads, &HostPolicy::default()),
            Instant::now() + Duration::from_secs(30),
        )
    }

    fn request(method: &str, body: Option<&[u8]>) -> wit::Request {
        wit::Request {
            method: method.to_owned(),
            path_and_query: CONFIGMAPS.to_owned(),
            headers: Vec::new(),
            body: body.map(<[u8]>::to_vec),
        }
    }

    #[tokio::test]
    async fn a_get_with_a_body_is_denied_and_never_sent() {
        let server = Server::start().await;
        let mut state = state(&server, &Limits::default()).await;

        let refused = state
            .http_request(request("GET", Some(b"{\"kind\":\"ConfigMap\"}")))
            .await;
        let Err(wit::Error::Denied(reason)) = refused else {
            panic!("a GET with a body was not denied: {refused:?}");
        };
        assert!(reason.contains("body"), "{reason}");
        assert!(server.seen().is_empty(), "{:?}", server.seen());
        assert_eq!((state.denied, state.api_calls), (1, 0));

        // The same GET without a body (or with an empty one) goes through.
        for body in [None, Some(&b""[..])] {
            let response = state
                .http_request(request("GET", body))
                .await
                .expect("a plain GET is allowed");
            assert_eq!(response.status, 200);
        }
        assert_eq!(
            server.seen(),
            [format!("GET {CONFIGMAPS}"), format!("GET {CONFIGMAPS}")]
        );
        assert_eq!((state.denied, state.api_calls), (1, 2));
    }

    #[tokio::test]
    async fn denied_requests_count_towards_the_request_limit() {
        let server = Server::start().await;
        let limits = Limits {
            max_requests: 3,
            ..Limits::default()
        };
        let mut state = state(&server, &limits).await;
        for _ in 0..3 {
            let result = state.http_request(request("DELETE", None)).await;
            assert!(matches!(result, Err(wit::Error::Denied(_))), "{result:?}");
        }
        // The budget is spent: an allowed GET is refused for the limit.
        let result = state.http_request(request("GET", None)).await;
        let Err(wit::Error::LimitExceeded(reason)) = result else {
            panic!("the fourth request was not refused for the limit: {result:?}");
        };
        assert!(reason.contains("request limit of 3"), "{reason}");
        assert!(server.seen().is_empty(), "{:?}", server.seen());
        assert_eq!((state.denied, state.api_calls), (3, 0));
        assert_eq!(state.meter.requests(), 3);

        // Three identical denials make one note, counted.
        let notes: Vec<String> = state.notes.iter().map(Note::render).collect();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].starts_with(&format!("request denied: DELETE {CONFIGMAPS}: "))
                && notes[0].ends_with(" (3 times)"),
            "{notes:?}"
        );
        assert!(
            notes[1].starts_with(&format!("request refused: GET {CONFIGMAPS}: "))
                && !notes[1].ends_with("times)"),
            "{notes:?}"
        );
    }

    #[tokio::test]
    async fn only_the_sdk_wording_of_a_noted_denial_counts_as_a_repeat() {
        let server = Server::start().await;
        let mut state = state(&server, &Limits::default()).await;
        let Err(wit::Error::Denied(reason)) = state.http_request(request("POST", None)).await
        else {
            panic!("POST was not denied");
        };
        assert!(state.repeats_a_denial(&format!("{CONFIGMAPS}: denied by the host: {reason}")));
        // Anything the guest adds makes the message its own.
        assert!(!state.repeats_a_denial(&format!(
            "creating: {CONFIGMAPS}: denied by the host: {reason}"
        )));
        assert!(!state.repeats_a_denial(&format!("/api/v1/nodes: denied by the host: {reason}")));
        assert!(!state.repeats_a_denial(&reason));
    }
}
