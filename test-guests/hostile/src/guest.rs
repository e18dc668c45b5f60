//! The attacks, on wasm32 only.
#![allow(
    unsafe_code,
    reason = "wit-bindgen's canonical ABI glue is unsafe by nature; it is generated, not hand-written"
)]

use std::hint::black_box;
use std::io::Write;

wit_bindgen::generate!({ path: "../../wit", world: "gatherer" });

use wagather::gatherer::kube::{self, Request};
use wagather::gatherer::output::{self, RecordFormat};

struct Hostile;

impl Guest for Hostile {
    fn gather(config: Vec<(String, String)>) -> Result<(), GatherError> {
        let before = number(&config, "records-before").unwrap_or(0);
        for i in 0..before {
            let written = output::write_record(
                &format!("hostile/before/{i}"),
                RecordFormat::Raw,
                format!("record {i} written before the attack").as_bytes(),
            );
            if let Err(e) = written {
                observe(format!("records-before: record {i} refused: {e:?}"));
            }
        }
        match setting(&config, "attack").unwrap_or("none") {
            "none" => Ok(()),
            "spin" => spin(),
            "host-loop" => host_loop(),
            "memory" => memory_bomb(),
            "stack" => {
                let result = recurse(black_box(number(&config, "depth").unwrap_or(u64::MAX)));
                observe(format!("stack: recursion returned {result}"));
                Ok(())
            }
            "panic" => panic!("hostile gatherer panics on purpose"),
            "unreachable" => core::arch::wasm32::unreachable(),
            "requests" => {
                requests(number(&config, "flood").unwrap_or(10_000));
                Ok(())
            }
            "response" => {
                response();
                Ok(())
            }
            "records" => {
                records(number(&config, "tiny-records").unwrap_or(1_000_000));
                Ok(())
            }
            "stdout" => stdout(),
            "post" => {
                post();
                Ok(())
            }
            other => Err(GatherError::Other(format!("unknown attack {other:?}"))),
        }
    }
}

export!(Hostile);

fn setting<'a>(config: &'a [(String, String)], key: &str) -> Option<&'a str> {
    config
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn number(config: &[(String, String)], key: &str) -> Option<u64> {
    setting(config, key).and_then(|v| v.parse().ok())
}

/// Tells the host what the guest saw, as a non-fatal error.
fn observe(text: String) {
    output::report_error(&GatherError::Other(text));
}

fn get(path: &str) -> Result<kube::Response, kube::Error> {
    send("GET", path, Vec::new(), None)
}

fn send(
    method: &str,
    path: &str,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
) -> Result<kube::Response, kube::Error> {
    kube::http_request(&Request {
        method: method.to_owned(),
        path_and_query: path.to_owned(),
        headers,
        body,
    })
}

fn describe(result: &Result<kube::Response, kube::Error>) -> String {
    match result {
        Ok(r) => format!("status {} with {} bytes", r.status, r.body.len()),
        Err(kube::Error::Denied(reason)) => format!("denied({reason})"),
        Err(kube::Error::LimitExceeded(reason)) => format!("limit-exceeded({reason})"),
        Err(kube::Error::Timeout) => "timeout".to_owned(),
        Err(kube::Error::Transport(reason)) => format!("transport({reason})"),
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

fn memory_bomb() -> ! {
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

/// Every request a gatherer must never get through, with a label the host test looks for.
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

fn requests(flood: u64) {
    for (label, method, path, headers) in forbidden() {
        let result = send(method, path, headers, None);
        observe(format!("{label}: {}", describe(&result)));
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
    observe(format!(
        "flood: {ok} answered, {refused} refused, first refusal: {}",
        first_refusal.unwrap_or_else(|| "none".to_owned())
    ));
}

fn response() {
    let mut answered = 0u32;
    let mut bytes = 0usize;
    loop {
        let result = get("/apis/config.openshift.io/v1/clusteroperators");
        match result {
            Ok(r) => {
                answered += 1;
                bytes += r.body.len();
                if answered >= 10_000 {
                    observe(format!(
                        "response: never refused after {answered} responses"
                    ));
                    return;
                }
            }
            Err(_) => {
                observe(format!(
                    "response: {answered} answered ({bytes} bytes), then {}",
                    describe(&result)
                ));
                return;
            }
        }
    }
}

/// Hostile names, duplicates, a forged record of another gatherer, a forged `gathers.json`,
/// then a flood of tiny records that ignores every refusal.
fn records(tiny: u64) {
    let attempts: [(&str, RecordFormat, &[u8]); 8] = [
        ("hostile/kept", RecordFormat::Raw, b"kept"),
        ("../escape", RecordFormat::Raw, b"x"),
        ("/etc/passwd", RecordFormat::Raw, b"x"),
        ("hostile/a/../../../escape", RecordFormat::Json, b"{}"),
        ("hostile/dup", RecordFormat::Json, b"{\"first\":true}"),
        ("hostile/dup", RecordFormat::Json, b"{\"second\":true}"),
        // The honest cluster-operators gatherer writes this path first.
        (
            "config/clusteroperator/authentication",
            RecordFormat::Json,
            b"{\"forged\":true}",
        ),
        ("insights-operator/gathers", RecordFormat::Json, b"{}"),
    ];
    for (name, format, data) in attempts {
        if let Err(e) = output::write_record(name, format, data) {
            observe(format!("record {name}: {e:?}"));
        }
    }
    let mut refused = 0u64;
    let mut first_refusal = None;
    for i in 0..tiny {
        if let Err(e) = output::write_record(&format!("hostile/tiny/{i}"), RecordFormat::Raw, b"t")
        {
            refused += 1;
            if first_refusal.is_none() {
                first_refusal = Some(format!("{e:?}"));
            }
        }
    }
    observe(format!(
        "tiny records: {} written, {refused} refused, first refusal: {}",
        tiny - refused,
        first_refusal.unwrap_or_else(|| "none".to_owned())
    ));
}

fn stdout() -> ! {
    let line = [b'x'; 1023];
    let mut out = std::io::stdout();
    loop {
        // Errors are ignored: a host that stops accepting output must not turn this into a
        // panic, only the deadline may end it.
        let _ = out.write_all(&line);
        let _ = out.write_all(b"\n");
    }
}

/// Asks for a POST (which the policy must refuse before anything reaches the API server) and
/// then for an allowed GET, and records both outcomes as text in the raw record
/// `post/result`: `post: denied(<reason>)` and `get: status 200 ...`.
fn post() {
    const PATH: &str = "/api/v1/namespaces/default/configmaps";
    let posted = send(
        "POST",
        PATH,
        vec![("content-type".to_owned(), "application/json".to_owned())],
        Some(br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"planted"}}"#.to_vec()),
    );
    let got = get(PATH);
    let text = format!("post: {}\nget: {}\n", describe(&posted), describe(&got));
    if let Err(e) = output::write_record("post/result", RecordFormat::Raw, text.as_bytes()) {
        observe(format!("post/result refused: {e:?}"));
    }
}
