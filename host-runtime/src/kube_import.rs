//! The `kube.http-request` import: a guest's only way to the cluster.
//!
//! Every request takes the same path: the run's request budget (every request counts, denied
//! or not), then the gatherer's policy (manifest reads, host deny list, GET only, no body),
//! then the `kube::Client`, cut to what is left of the run's deadline, with the response body
//! capped while it streams in. Each refusal is answered with the contract's typed error and
//! noted in the run's events.

use http_body_util::BodyExt;

use crate::limits::{Limit, LimitExceeded, human_bytes};
use crate::policy::{AllowedRequest, GatherPolicy, GuestRequest};
use crate::state::HostState;
use crate::state::bindings::wagather::gatherer::kube as wit;

impl wit::Host for HostState {
    async fn http_request(&mut self, req: wit::Request) -> Result<wit::Response, wit::Error> {
        // The budget comes first and counts denied requests too: a guest looping on refused
        // requests runs out like any other, and past the limit the host does no more work per
        // request than this check.
        if let Err(limit) = self.meter.before_request() {
            self.events.limit(&limit);
            return Err(wit::Error::LimitExceeded(limit.message));
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
            Err(denial) => {
                self.denied += 1;
                tracing::warn!(
                    gatherer = %self.name,
                    method = %req.method,
                    path = %req.path_and_query,
                    "request denied: {denial}"
                );
                self.events
                    .denied(&req.method, &req.path_and_query, &denial.reason);
                return Err(wit::Error::Denied(denial.reason));
            }
        };
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(wit::Error::Timeout);
        }
        tracing::debug!(gatherer = %self.name, path = %allowed.path_and_query, "request");
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
                    self.events.limit(&limit);
                    return Err(wit::Error::LimitExceeded(limit.message));
                }
                Ok(response)
            }
            Err(FetchError::TooLarge) => {
                let limit = LimitExceeded::new(
                    Limit::MaxResponseBytes,
                    format!(
                        "response to {} exceeds the remaining response budget of {}",
                        allowed.path_and_query,
                        human_bytes(budget)
                    ),
                );
                self.events.limit(&limit);
                Err(wit::Error::LimitExceeded(limit.message))
            }
            Err(FetchError::Transport(message)) => {
                tracing::warn!(gatherer = %self.name, path = %allowed.path_and_query, "transport error: {message}");
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
    // Only GET gets this far (the policy refuses everything else), so no body is ever
    // forwarded.
    let request = builder
        .body(kube::client::Body::empty())
        .map_err(|e| FetchError::Transport(format!("invalid request: {e}")))?;
    let response = api
        .send(request)
        .await
        .map_err(|e| FetchError::Transport(crate::error_chain(&e)))?;
    let (parts, mut body) = response.into_parts();
    let mut data = Vec::new();
    // Read frame by frame so an oversized response is cut off instead of being buffered
    // whole first.
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| FetchError::Transport(crate::error_chain(&e)))?;
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use wasmtime_wasi::WasiCtxBuilder;
    use wit::Host as _;

    use super::*;
    use crate::cluster::ApiEndpoint;
    use crate::limits::Limits;
    use crate::output::records::Claims;
    use crate::policy::HostPolicy;
    use crate::report::Event;
    use crate::state::Sink;
    use wagather_contract::ReadRule;

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
            Sink::Collect {
                claims: Claims::default(),
                records: Vec::new(),
            },
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

        // Three identical denials make one event, counted; the refusal for the limit is
        // another, naming the limit.
        let events = std::mem::take(&mut state.events).finish();
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(
            matches!(&events[0], Event::Denied { method, path, count: 3, .. } if method == "DELETE" && path == CONFIGMAPS),
            "{events:?}"
        );
        assert!(
            matches!(
                &events[1],
                Event::LimitExceeded {
                    limit: Limit::MaxRequests,
                    count: 1,
                    ..
                }
            ),
            "{events:?}"
        );
    }
}
