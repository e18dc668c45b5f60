//! Feeds arbitrary requests to `GatherPolicy::check` and asserts that what
//! it allows is a plain Kubernetes API path with only forwardable headers.
//!
//! Input layout: the first line is the method, the second the path and
//! query, every further line a `name: value` header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wagather_contract::ReadRule;
use wagather_host::policy::{
    DENIED_SUBRESOURCES, FORWARDED_HEADERS, GatherPolicy, GuestRequest, HostPolicy,
};

fn policy() -> GatherPolicy {
    let reads: Vec<ReadRule> = [
        "v1/secrets",
        "v1/pods/exec",
        "v1/pods/log in default",
        "v1/nodes",
        "config.openshift.io/v1/clusteroperators",
    ]
    .iter()
    .filter_map(|r| r.parse().ok())
    .collect();
    GatherPolicy::new("fuzz", &reads, &HostPolicy::default())
}

fn decode(seg: &str) -> String {
    let b = seg.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&seg[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or_default();
    let path = lines.next().unwrap_or_default();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.trim_start().to_owned()))
        .collect();
    let policy = policy();
    let Ok(allowed) = policy.check(&GuestRequest {
        method,
        path_and_query: path,
        headers: &headers,
    }) else {
        return;
    };
    assert_eq!(method, "GET");
    let p = allowed.path_and_query.as_str();
    assert!(p.starts_with('/') && !p.starts_with("//"), "{p}");
    assert!(p.bytes().all(|b| (0x21..0x7f).contains(&b)), "{p}");
    assert!(!p.contains('\\') && !p.contains('#'), "{p}");
    let path_part = p.split('?').next().unwrap_or_default();
    let lower = path_part.to_ascii_lowercase();
    for bad in ["%2f", "%5c", "%25", "%00"] {
        assert!(!lower.contains(bad), "{p}");
    }
    let segments: Vec<String> = path_part[1..].split('/').map(decode).collect();
    assert!(
        segments
            .iter()
            .all(|s| !s.is_empty() && s != "." && s != ".."),
        "{p}"
    );
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (group, rest) = match s.as_slice() {
        ["api", _, rest @ ..] => ("", rest),
        ["apis", g, _, rest @ ..] => (*g, rest),
        _ => ("-", &[][..]),
    };
    let rest = match rest {
        ["namespaces", _, "status" | "finalize"] => rest,
        ["namespaces", _, inner @ ..] if !inner.is_empty() => inner,
        _ => rest,
    };
    if let Some(resource) = rest.first() {
        assert!(!(group.is_empty() && *resource == "secrets"), "{p}");
        assert!(*resource != "watch" && *resource != "proxy", "{p}");
        assert!(
            !rest
                .get(2)
                .is_some_and(|sub| DENIED_SUBRESOURCES.contains(sub)),
            "{p}"
        );
    }
    for (name, _) in &allowed.headers {
        assert!(FORWARDED_HEADERS.contains(&name.as_str()), "{name}");
    }
});
