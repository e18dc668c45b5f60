//! The SDK's one error type.

use serde::Deserialize;

/// Result of SDK operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a gatherer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API server answered with an error status (404, 403, ...). When the body was a
    /// Kubernetes `Status` object its code, reason and message are kept as they came.
    #[error("{path}: API error {status}")]
    Api {
        /// The request's path and query.
        path: String,
        /// What the server said.
        status: Status,
    },
    /// The host's policy refused the request (undeclared read, denied resource, ...).
    #[error("{path}: denied by the host: {reason}")]
    Denied {
        /// The request's path and query.
        path: String,
        /// The host's explanation: which rule refused it.
        reason: String,
    },
    /// A per-run limit (requests, response bytes) would have been exceeded.
    #[error("{path}: host limit exceeded: {reason}")]
    LimitExceeded {
        /// The request's path and query.
        path: String,
        /// Which limit.
        reason: String,
    },
    /// The run's deadline passed while the request was in flight.
    #[error("{path}: the run's deadline passed")]
    Timeout {
        /// The request's path and query.
        path: String,
    },
    /// The API could not be reached, or no transport is available.
    #[error("{path}: transport error: {reason}")]
    Transport {
        /// The request's path and query.
        path: String,
        /// What failed.
        reason: String,
    },
    /// A response body could not be decoded into the expected type.
    #[error("cannot decode {what}: {source}")]
    Decode {
        /// What was being decoded and from where, e.g. `ClusterOperator list from /apis/...`.
        what: String,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A value could not be encoded as JSON for a record.
    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        /// Which record.
        what: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The server's answers were inconsistent (e.g. a list `continue` token that does not advance).
    #[error("{path}: unexpected response: {reason}")]
    Protocol {
        /// The request's path and query.
        path: String,
        /// What was inconsistent.
        reason: String,
    },
    /// A record was refused, by the SDK's own check of its name or by the host.
    #[error("record {name:?} refused: {refusal}")]
    RecordRefused {
        /// The record name as given.
        name: String,
        /// Why it was refused.
        refusal: RecordRefusal,
    },
    /// Request parameters (list options, object or namespace names) that the API would refuse.
    #[error("invalid request parameters: {0}")]
    InvalidParams(String),
    /// Anything else, in the gatherer's own words (`ctx.error("...")`).
    #[error("{0}")]
    Other(String),
}

/// Why a record was refused; the host's answer to `output.write-record`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordRefusal {
    /// The name breaks the record-name rules ([`wagather_contract::record`]).
    #[error("invalid name: {0}")]
    InvalidName(String),
    /// The archive path is already written, by this gatherer or another.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// A record budget of the run is spent.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Other(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::Other(message.to_owned())
    }
}

/// The parts of a Kubernetes `Status` that say what went wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Status {
    /// HTTP status code (`404`).
    pub code: u16,
    /// Machine-readable reason (`NotFound`, `Forbidden`); empty when the server gave none.
    pub reason: String,
    /// Human-readable message.
    pub message: String,
}

impl Status {
    /// Longest error body kept when the server did not answer with a `Status`.
    const MAX_PLAIN_MESSAGE: usize = 1024;

    /// Interprets an error response: a Kubernetes `Status` JSON body keeps its fields; anything
    /// else becomes a `Status` with the HTTP code and (the start of) the body as message.
    pub fn from_response(http_status: u16, body: &[u8]) -> Status {
        #[derive(Deserialize)]
        struct Probe {
            kind: Option<String>,
        }
        let is_status = crate::json::from_bytes::<Probe>(body)
            .ok()
            .and_then(|p| p.kind)
            .is_some_and(|kind| kind == "Status");
        if is_status && let Ok(mut status) = crate::json::from_bytes::<Status>(body) {
            if status.code == 0 {
                status.code = http_status;
            }
            return status;
        }
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let mut end = text.len().min(Self::MAX_PLAIN_MESSAGE);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Status {
            code: http_status,
            reason: String::new(),
            message: text[..end].to_owned(),
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if !self.reason.is_empty() {
            write!(f, " {}", self.reason)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Bodies as a real kube-apiserver returns them.
    const NOT_FOUND: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"clusteroperators.config.openshift.io \"nope\" not found","reason":"NotFound","details":{"name":"nope","group":"config.openshift.io","kind":"clusteroperators"},"code":404}"#;
    const FORBIDDEN: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets is forbidden: User \"system:serviceaccount:openshift-insights:gather\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"secrets"},"code":403}"#;

    #[test]
    fn decodes_not_found_status() {
        let status = Status::from_response(404, NOT_FOUND.as_bytes());
        assert_eq!(status.code, 404);
        assert_eq!(status.reason, "NotFound");
        assert_eq!(
            status.message,
            "clusteroperators.config.openshift.io \"nope\" not found"
        );
        assert_eq!(
            status.to_string(),
            "404 NotFound: clusteroperators.config.openshift.io \"nope\" not found"
        );
    }

    #[test]
    fn decodes_forbidden_status() {
        let status = Status::from_response(403, FORBIDDEN.as_bytes());
        assert_eq!(status.code, 403);
        assert_eq!(status.reason, "Forbidden");
        assert!(
            status
                .message
                .starts_with("secrets is forbidden: User \"system:serviceaccount:")
        );
    }

    #[test]
    fn status_without_code_takes_the_http_code() {
        let status = Status::from_response(
            410,
            br#"{"kind":"Status","reason":"Expired","message":"too old"}"#,
        );
        assert_eq!(status.code, 410);
        assert_eq!(status.reason, "Expired");
    }

    #[test]
    fn non_status_bodies_become_the_message() {
        let status = Status::from_response(502, b"  Bad Gateway\n");
        assert_eq!(
            status,
            Status {
                code: 502,
                reason: String::new(),
                message: "Bad Gateway".into()
            }
        );
        // JSON that is not a Status (e.g. an object returned with an error code) is not mistaken for one.
        let status = Status::from_response(500, br#"{"kind":"Pod","code":7,"reason":"x"}"#);
        assert_eq!(status.code, 500);
        assert_eq!(status.reason, "");
    }

    #[test]
    fn long_plain_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(1000);
        let status = Status::from_response(500, body.as_bytes());
        assert!(status.message.len() <= 1024);
        assert!(status.message.chars().all(|c| c == 'é'));
    }
}
