//! The store state of one gatherer run and the `kube.http-request` import.
//!
//! Every request a guest makes takes the same path: the gatherer's policy
//! (manifest reads, host deny list, GET only), then the run's request budget,
//! then the `kube::Client`, cut to what is left of the run's deadline, with
//! the response body capped while it streams in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::limits::{GuestLimiter, Meter, human_bytes};
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

/// At most this many host-side notes (denials, budget refusals) per run, so a
/// guest retrying in a loop cannot grow `gathers.json` without end.
const MAX_NOTES: usize = 20;

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
    pub(crate) denied: u32,
    /// What the host refused, in words, for the run's report.
    pub(crate) notes: Vec<String>,
    pub(crate) notes_dropped: usize,
}

impl HostState {
    fn note(&mut self, note: String) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        } else {
            self.notes_dropped += 1;
        }
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
        self.note(format!(
            "request denied: {} {}: {denial}",
            req.method, req.path_and_query
        ));
        wit::Error::Denied(denial.reason)
    }
}

impl wit::Host for HostState {
    async fn http_request(&mut self, req: wit::Request) -> Result<wit::Response, wit::Error> {
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
        if let Err(limit) = self.meter.before_request() {
            self.note(format!(
                "request refused: {} {}: {limit}",
                req.method, req.path_and_query
            ));
            return Err(wit::Error::LimitExceeded(limit.0));
        }
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(wit::Error::Timeout);
        }
        tracing::debug!(gatherer = %self.gatherer, path = %allowed.path_and_query, "request");
        let budget = self.meter.response_budget();
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
