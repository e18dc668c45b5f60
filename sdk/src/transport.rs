//! How requests reach the API.
//!
//! In a component (`target_arch = "wasm32"`) every request goes to the host's
//! `kube.http-request` import. On the host target (unit tests) requests go to the
//! [`Transport`] installed on the current thread, usually a
//! [`testing::FakeApi`](crate::testing::FakeApi); without one, requests fail with
//! [`Error::Transport`].

use crate::error::{Error, Result};
pub use crate::request::{Request, Response};

/// Something that answers API requests in-process (host target only).
///
/// Implementations return [`Error::Denied`], [`Error::LimitExceeded`], [`Error::Timeout`] or
/// [`Error::Transport`] for the failures the host import reports; HTTP error statuses are
/// ordinary responses.
pub trait Transport {
    /// Answers one request.
    fn send(&self, request: &Request) -> Result<Response>;
}

/// Sends `request` through the active transport.
pub fn send(request: &Request) -> Result<Response> {
    imp::send(request)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use crate::bindings::wagather::gatherer::kube;

    pub(super) fn send(request: &Request) -> Result<Response> {
        let wit_request = kube::Request {
            method: request.method.clone(),
            path_and_query: request.path_and_query.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
        };
        let path = || request.path_and_query.clone();
        match kube::http_request(&wit_request) {
            Ok(response) => Ok(Response {
                status: response.status,
                headers: response.headers,
                body: response.body,
            }),
            Err(kube::Error::Denied(reason)) => Err(Error::Denied {
                path: path(),
                reason,
            }),
            Err(kube::Error::LimitExceeded(reason)) => Err(Error::LimitExceeded {
                path: path(),
                reason,
            }),
            Err(kube::Error::Timeout) => Err(Error::Timeout { path: path() }),
            Err(kube::Error::Transport(reason)) => Err(Error::Transport {
                path: path(),
                reason,
            }),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    thread_local! {
        // Tests run each on their own thread, so a thread-local transport keeps them apart
        // without any global state.
        static CURRENT: RefCell<Option<Rc<dyn Transport>>> = const { RefCell::new(None) };
    }

    pub(super) fn send(request: &Request) -> Result<Response> {
        let transport = CURRENT.with(|current| current.borrow().clone());
        match transport {
            Some(transport) => transport.send(request),
            None => Err(Error::Transport {
                path: request.path_and_query.clone(),
                reason: "no transport is installed on this thread (on the host target, install \
                         one with wagather_sdk::testing::FakeApi::install or transport::install)"
                    .to_owned(),
            }),
        }
    }

    pub(super) fn install(transport: Rc<dyn Transport>) -> Option<Rc<dyn Transport>> {
        CURRENT.with(|current| current.borrow_mut().replace(transport))
    }

    pub(super) fn restore(previous: Option<Rc<dyn Transport>>) {
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// Installs `transport` for requests made on the current thread until the returned guard is
/// dropped, which restores the previous one (host target only).
#[cfg(not(target_arch = "wasm32"))]
#[must_use = "the transport is uninstalled when the guard is dropped"]
pub fn install(transport: std::rc::Rc<dyn Transport>) -> InstallGuard {
    InstallGuard {
        previous: Some(imp::install(transport)),
    }
}

/// Restores the previously installed transport when dropped; see [`install`].
#[cfg(not(target_arch = "wasm32"))]
pub struct InstallGuard {
    previous: Option<Option<std::rc::Rc<dyn Transport>>>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Drop for InstallGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            imp::restore(previous);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Debug for InstallGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstallGuard")
    }
}
