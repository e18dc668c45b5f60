//! In-process fake API for unit tests on the host target.
//!
//! ```
//! use wagather_sdk::testing::FakeApi;
//! use wagather_sdk::{Client, ListParams};
//! # use wagather_sdk::{Resource, scope, meta::ObjectMeta};
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Node { metadata: ObjectMeta }
//! # impl Resource for Node {
//! #     const GROUP: &'static str = ""; const VERSION: &'static str = "v1";
//! #     const KIND: &'static str = "Node"; const PLURAL: &'static str = "nodes";
//! #     type Scope = scope::Cluster;
//! #     type Metadata = ObjectMeta;
//! #     fn metadata(&self) -> &ObjectMeta { &self.metadata }
//! # }
//!
//! let api = FakeApi::new();
//! api.respond_json("/api/v1/nodes?limit=500", 200, &serde_json::json!({
//!     "metadata": {}, "items": [{"metadata": {"name": "worker-0"}}],
//! }));
//! let _guard = api.install(); // requests on this thread now go to `api`
//! let nodes = Client::<Node>::new().list_all(&ListParams::default()).unwrap();
//! assert_eq!(nodes.len(), 1);
//! assert_eq!(api.paths(), ["/api/v1/nodes?limit=500"]);
//! ```

use crate::error::{Error, Result};
use crate::request::{Request, Response};
use crate::transport::{self, InstallGuard, Transport};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A fake Kubernetes API: answers requests by exact path and query, records every request.
///
/// Unknown paths get a `404 NotFound` Kubernetes `Status`, as a real API server answers.
/// Cloning gives another handle to the same fake, so a test can install it and still inspect it.
#[derive(Clone, Debug, Default)]
pub struct FakeApi {
    inner: Rc<RefCell<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    responses: HashMap<String, Answer>,
    requests: Vec<Request>,
}

#[derive(Debug, Clone)]
enum Answer {
    Response(Response),
    Denied(String),
}

impl FakeApi {
    /// An empty fake: every path is `404`.
    pub fn new() -> FakeApi {
        FakeApi::default()
    }

    /// Answers `GET path_and_query` with `status` and `body`.
    pub fn respond(&self, path_and_query: &str, status: u16, body: impl Into<Vec<u8>>) {
        let response = Response {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.into(),
        };
        self.inner
            .borrow_mut()
            .responses
            .insert(path_and_query.to_owned(), Answer::Response(response));
    }

    /// Answers `GET path_and_query` with `status` and `body` serialized as JSON.
    pub fn respond_json(&self, path_and_query: &str, status: u16, body: &impl serde::Serialize) {
        // Test fixtures are plain JSON values; failing to encode one is a broken test.
        let body = serde_json::to_vec(body).expect("fixture body serializes to JSON");
        self.respond(path_and_query, status, body);
    }

    /// Refuses `GET path_and_query` as the host's policy does ([`Error::Denied`]).
    pub fn deny(&self, path_and_query: &str, reason: &str) {
        self.inner
            .borrow_mut()
            .responses
            .insert(path_and_query.to_owned(), Answer::Denied(reason.to_owned()));
    }

    /// Makes this fake the transport of the current thread until the guard is dropped.
    pub fn install(&self) -> InstallGuard {
        transport::install(Rc::new(self.clone()))
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.inner.borrow().requests.clone()
    }

    /// The path and query of every request received so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.inner
            .borrow()
            .requests
            .iter()
            .map(|r| r.path_and_query.clone())
            .collect()
    }
}

impl Transport for FakeApi {
    fn send(&self, request: &Request) -> Result<Response> {
        let mut inner = self.inner.borrow_mut();
        inner.requests.push(request.clone());
        let answer = if request.method == "GET" {
            inner.responses.get(&request.path_and_query).cloned()
        } else {
            None
        };
        match answer {
            Some(Answer::Response(response)) => Ok(response),
            Some(Answer::Denied(reason)) => Err(Error::Denied {
                path: request.path_and_query.clone(),
                reason,
            }),
            None => {
                let message = format!(
                    "the fake API has no response for {} {}",
                    request.method, request.path_and_query
                );
                let body = serde_json::json!({
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": message, "reason": "NotFound", "code": 404,
                });
                Ok(Response {
                    status: 404,
                    headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
                    body: body.to_string().into_bytes(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_restore_the_previous_transport() {
        let outer = FakeApi::new();
        let inner = FakeApi::new();
        let _outer_guard = outer.install();
        {
            let _inner_guard = inner.install();
            transport::send(&Request::get("/a")).unwrap();
        }
        transport::send(&Request::get("/b")).unwrap();
        assert_eq!(inner.paths(), ["/a"]);
        assert_eq!(outer.paths(), ["/b"]);
    }

    #[test]
    fn denied_paths_fail_like_the_host_policy() {
        let api = FakeApi::new();
        api.deny("/api/v1/secrets", "secrets are denied");
        let _guard = api.install();
        let err = transport::send(&Request::get("/api/v1/secrets")).unwrap_err();
        assert!(
            matches!(&err, Error::Denied { reason, .. } if reason == "secrets are denied"),
            "{err}"
        );
    }
}
