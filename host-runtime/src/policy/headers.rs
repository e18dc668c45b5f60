//! Which headers a guest may send.
//!
//! `Accept` is forwarded (a gatherer may ask for a Table or for metadata
//! only); `Accept-Encoding` and `User-Agent` are dropped because the host sets
//! them itself; headers that carry identity or framing (`Authorization`,
//! `Host`, `Cookie`, `Proxy-*`, `Impersonate-*`, `Connection`,
//! `Transfer-Encoding`, `Content-Length`, ...) are refused, as is any other
//! header.

use wagather_contract::request::printable;

use super::Denial;

/// Most headers a guest may send in one request.
pub const MAX_HEADERS: usize = 16;
/// Longest header value accepted.
pub const MAX_HEADER_VALUE_BYTES: usize = 1024;

/// Headers the guest may set; they are forwarded as given (names lowercased).
pub const FORWARDED_HEADERS: &[&str] = &["accept"];
/// Headers the guest may send but the host sets itself; they are dropped
/// silently so that ordinary HTTP client code keeps working.
pub const DROPPED_HEADERS: &[&str] = &["accept-encoding", "user-agent"];
/// Headers that carry identity, routing or message framing. Only the host
/// sets them; a guest that tries is refused.
pub const HOST_OWNED_HEADERS: &[&str] = &[
    "authorization",
    "host",
    "cookie",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "content-length",
    "content-type",
    "content-encoding",
    "upgrade",
    "expect",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-remote-user",
    "x-remote-group",
    "x-remote-extra",
];
/// Header name prefixes that only the host sets (`Proxy-Authorization`,
/// `Impersonate-User`, `Impersonate-Extra-*`, ...).
pub const HOST_OWNED_HEADER_PREFIXES: &[&str] = &["proxy-", "impersonate-", "x-remote-extra-"];

/// Checks a guest's headers and returns those the host forwards (names
/// lowercased).
pub fn check(headers: &[(String, String)]) -> Result<Vec<(String, String)>, Denial> {
    if headers.len() > MAX_HEADERS {
        return Err(Denial::new(format!(
            "{} headers sent; at most {MAX_HEADERS} are allowed",
            headers.len()
        )));
    }
    let mut out = Vec::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return Err(Denial::new(format!(
                "header name {:?} is not a valid HTTP token",
                printable(name)
            )));
        }
        if HOST_OWNED_HEADERS.contains(&lower.as_str())
            || HOST_OWNED_HEADER_PREFIXES
                .iter()
                .any(|p| lower.starts_with(p))
        {
            return Err(Denial::new(format!(
                "header {name} is set by the host only: credentials, identity and framing belong to the host"
            )));
        }
        if DROPPED_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        if !FORWARDED_HEADERS.contains(&lower.as_str()) {
            return Err(Denial::new(format!(
                "header {name} is not allowed: gatherers may send only {}",
                FORWARDED_HEADERS.join(", ")
            )));
        }
        if value.len() > MAX_HEADER_VALUE_BYTES {
            return Err(Denial::new(format!(
                "header {name} is {} bytes long; at most {MAX_HEADER_VALUE_BYTES} are allowed",
                value.len()
            )));
        }
        if value
            .bytes()
            .any(|b| !(b == b'\t' || (0x20..0x7f).contains(&b)))
        {
            return Err(Denial::new(format!(
                "header {name} has a control or non-ASCII character in its value"
            )));
        }
        out.push((lower, value.clone()));
    }
    Ok(out)
}
