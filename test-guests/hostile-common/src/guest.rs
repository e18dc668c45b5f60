//! The behaviours, on wasm32 only.
#![allow(
    unsafe_code,
    reason = "wit-bindgen's canonical ABI glue is unsafe by nature; it is generated, not hand-written"
)]

use std::hint::black_box;
use std::io::Write;

use crate::Mode;

wit_bindgen::generate!({
    path: "../../wit",
    world: "gatherer",
    pub_export_macro: true,
    export_macro_name: "export",
    default_bindings_module: "test_guest_hostile_common",
});

use wagather::gatherer::kube::{self, Error, Request};

/// Runs `mode`; the modes that end return what they saw as errors, so the
/// host's `gathers.json` shows both sides of every attempt.
pub fn run(mode: Mode, config: &[(String, String)]) -> GatherOutput {
    match mode {
        Mode::Spin => spin(),
        Mode::HostLoop => host_loop(),
        Mode::Memory => memory_bomb(),
        Mode::Stack => {
            let depth = setting(config, "depth").unwrap_or(u64::MAX);
            let result = recurse(black_box(depth));
            output(
                Vec::new(),
                vec![format!("stack: recursion returned {result}")],
            )
        }
        Mode::Panic => panic!("hostile gatherer panics on purpose"),
        Mode::Unreachable => core::arch::wasm32::unreachable(),
        Mode::Requests => requests(setting(config, "flood").unwrap_or(10_000)),
        Mode::Response => response(),
        Mode::Records => records(setting(config, "tiny-records").unwrap_or(1_000_000)),
        Mode::Stdout => stdout(),
    }
}

fn setting(config: &[(String, String)], key: &str) -> Option<u64> {
    config
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn output(records: Vec<GatherRecord>, errors: Vec<String>) -> GatherOutput {
    GatherOutput { records, errors }
}

fn get(path: &str) -> Result<kube::Response, Error> {
    send("GET", path, Vec::new(), None)
}

fn send(
    method: &str,
    path: &str,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
) -> Result<kube::Response, Error> {
    kube::http_request(&Request {
        method: method.to_owned(),
        path_and_query: path.to_owned(),
        headers,
        body,
    })
}

fn describe(result: &Result<kube::Response, Error>) -> String {
    match result {
        Ok(r) => format!("status {} with {} bytes", r.status, r.body.len()),
        Err(Error::Denied(reason)) => format!("denied({reason})"),
        Err(Error::LimitExceeded(reason)) => format!("limit-exceeded({reason})"),
        Err(Error::Timeout) => "timeout".to_owned(),
        Err(Error::Transport(reason)) => format!("transport({reason})"),
    }
}

fn spin() -> ! {
    let mut x = 0u64;
    loop {
        x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
    }
}

fn host_loop() -> ! {
    loop {
        // Refused by the policy and, past the request budget, by the meter; the guest ignores
        // both and goes on, so only the deadline ends the loop.
        let _ = black_box(send("DELETE", "/api/v1/nodes", Vec::new(), None));
        let _ = black_box(std::time::SystemTime::now());
    }
}

fn memory_bomb() -> GatherOutput {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every page so nothing is left to lazy allocation.
        hoard.push(vec![0xA5; 1 << 20]);
        black_box(&hoard);
    }
}

/// Not tail-recursive and data-dependent, so it cannot become a loop.
fn recurse(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let below = recurse(black_box(n - 1));
    below
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(n)
}

/// A labelled attempt: label, method, path and query, headers.
type Attempt = (
    &'static str,
    &'static str,
    &'static str,
    Vec<(String, String)>,
);

/// Every request a gatherer must never get through, with a label the host
/// test looks for.
fn forbidden() -> Vec<Attempt> {
    let auth = vec![("Authorization".to_owned(), "Bearer stolen".to_owned())];
    vec![
        (
            "post",
            "POST",
            "/apis/config.openshift.io/v1/clusteroperators",
            Vec::new(),
        ),
        (
            "delete",
            "DELETE",
            "/apis/config.openshift.io/v1/clusteroperators/authentication",
            Vec::new(),
        ),
        (
            "watch-query",
            "GET",
            "/apis/config.openshift.io/v1/clusteroperators?watch=true",
            Vec::new(),
        ),
        (
            "watch-path",
            "GET",
            "/apis/config.openshift.io/v1/watch/clusteroperators",
            Vec::new(),
        ),
        (
            "exec",
            "GET",
            "/api/v1/namespaces/openshift-etcd/pods/etcd-0/exec?command=sh",
            Vec::new(),
        ),
        (
            "secrets",
            "GET",
            "/api/v1/namespaces/openshift-config/secrets",
            Vec::new(),
        ),
        (
            "dotdot",
            "GET",
            "/apis/config.openshift.io/v1/../../../api/v1/secrets",
            Vec::new(),
        ),
        (
            "encoded-slash",
            "GET",
            "/apis/config.openshift.io/v1/clusteroperators%2F..%2Fsecrets",
            Vec::new(),
        ),
        (
            "absolute-url",
            "GET",
            "http://169.254.169.254/latest/meta-data",
            Vec::new(),
        ),
        (
            "authority",
            "GET",
            "//evil.example/api/v1/nodes",
            Vec::new(),
        ),
        (
            "authorization",
            "GET",
            "/apis/config.openshift.io/v1/clusteroperators",
            auth,
        ),
        ("undeclared", "GET", "/api/v1/nodes", Vec::new()),
    ]
}

fn requests(flood: u64) -> GatherOutput {
    let mut errors = Vec::new();
    for (label, method, path, headers) in forbidden() {
        let result = send(method, path, headers, None);
        errors.push(format!("{label}: {}", describe(&result)));
    }
    let mut ok = 0u64;
    let mut first_refusal = None;
    let mut refused = 0u64;
    for _ in 0..flood {
        // Discovery: allowed for everyone and small, so only the count limits it.
        match get("/api") {
            Ok(_) => ok += 1,
            Err(e) => {
                refused += 1;
                if first_refusal.is_none() {
                    first_refusal = Some(describe(&Err(e)));
                }
            }
        }
    }
    errors.push(format!(
        "flood: {ok} answered, {refused} refused, first refusal: {}",
        first_refusal.unwrap_or_else(|| "none".to_owned())
    ));
    output(Vec::new(), errors)
}

fn response() -> GatherOutput {
    let mut answered = 0u32;
    let mut bytes = 0usize;
    loop {
        let result = get("/apis/config.openshift.io/v1/clusteroperators");
        match result {
            Ok(r) => {
                answered += 1;
                bytes += r.body.len();
                if answered >= 10_000 {
                    return output(
                        Vec::new(),
                        vec![format!(
                            "response: never refused after {answered} responses"
                        )],
                    );
                }
            }
            Err(_) => {
                return output(
                    Vec::new(),
                    vec![format!(
                        "response: {answered} answered ({bytes} bytes), then {}",
                        describe(&result)
                    )],
                );
            }
        }
    }
}

fn record(name: impl Into<String>, format: RecordFormat, data: &[u8]) -> GatherRecord {
    GatherRecord {
        name: name.into(),
        format,
        data: data.to_vec(),
    }
}

fn records(tiny: u64) -> GatherOutput {
    let mut out = vec![
        record("hostile/kept", RecordFormat::Raw, b"kept"),
        record("../escape", RecordFormat::Raw, b"x"),
        record("/etc/passwd", RecordFormat::Raw, b"x"),
        record("hostile/a/../../../escape", RecordFormat::Json, b"{}"),
        record("hostile/dup", RecordFormat::Json, b"{\"first\":true}"),
        record("hostile/dup", RecordFormat::Json, b"{\"second\":true}"),
        // The honest cluster-operators gatherer writes this path first.
        record(
            "config/clusteroperator/authentication",
            RecordFormat::Json,
            b"{\"forged\":true}",
        ),
        record("insights-operator/gathers", RecordFormat::Json, b"{}"),
    ];
    out.extend((0..tiny).map(|i| record(format!("hostile/tiny/{i}"), RecordFormat::Raw, b"t")));
    output(out, Vec::new())
}

fn stdout() -> ! {
    let line = [b'x'; 1023];
    let mut out = std::io::stdout();
    loop {
        // Errors are ignored: a host that stops accepting output must not
        // turn this into a panic, only the deadline may end it.
        let _ = out.write_all(&line);
        let _ = out.write_all(b"\n");
    }
}
