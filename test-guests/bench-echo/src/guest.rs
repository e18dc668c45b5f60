//! The component side, on wasm32 only.
#![allow(
    unsafe_code,
    reason = "wit-bindgen's canonical ABI glue is unsafe by nature; it is generated, not hand-written"
)]

use std::time::Instant;

use crate::{DecodeTimings, decode_slim, decode_typed, page_path};

wit_bindgen::generate!({ path: "../../wit", world: "gatherer" });

use wagather::gatherer::kube::{self, Request};
use wagather::gatherer::output::{self, RecordFormat};

struct BenchEcho;

fn setting<'a>(config: &'a [(String, String)], key: &str) -> Option<&'a str> {
    config
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn get(path: &str) -> Result<Vec<u8>, String> {
    let response = kube::http_request(&Request {
        method: "GET".to_owned(),
        path_and_query: path.to_owned(),
        headers: Vec::new(),
        body: None,
    })
    .map_err(|e| format!("{path}: {e:?}"))?;
    if response.status != 200 {
        return Err(format!("{path}: status {}", response.status));
    }
    Ok(response.body)
}

/// Writes one raw record through the host.
fn write(name: &str, data: &[u8]) -> Result<(), String> {
    output::write_record(name, RecordFormat::Raw, data).map_err(|e| format!("{name}: {e:?}"))
}

fn echo(path: &str, count: u64) -> Result<(), String> {
    let mut bytes = 0u64;
    for _ in 0..count {
        bytes += get(path)?.len() as u64;
    }
    write("echo", bytes.to_string().as_bytes())
}

fn nanos(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

fn decode(base: &str) -> Result<(), String> {
    let mut timings = DecodeTimings::default();
    let mut token: Option<String> = None;
    loop {
        let path = page_path(base, token.as_deref());
        let started = Instant::now();
        let body = get(&path)?;
        timings.request_ns += nanos(started);
        let started = Instant::now();
        let typed = decode_typed(&body).map_err(|e| format!("{path}: {e}"))?;
        timings.typed_ns += nanos(started);
        let started = Instant::now();
        let slim = decode_slim(&body).map_err(|e| format!("{path}: {e}"))?;
        timings.slim_ns += nanos(started);
        if slim.items.len() != typed.items.len() {
            return Err(format!(
                "{path}: slim and typed decoding disagree on the item count"
            ));
        }
        timings.pages += 1;
        timings.pods += typed.items.len() as u64;
        timings.bytes += body.len() as u64;
        match typed.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    let data = serde_json::to_vec(&timings).map_err(|e| e.to_string())?;
    write("decode", &data)
}

/// Writes `count` raw records `records/<i>` of `size` bytes, all from one buffer.
fn records(count: u64, size: usize) -> Result<(), String> {
    let data: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    for i in 0..count {
        write(&format!("records/{i}"), &data)?;
    }
    Ok(())
}

impl Guest for BenchEcho {
    fn gather(config: Vec<(String, String)>) -> Result<(), GatherError> {
        let path = setting(&config, "path").unwrap_or("/api/v1/pods");
        let result = match setting(&config, "mode") {
            Some("echo") => {
                let count = setting(&config, "count")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                echo(path, count)
            }
            Some("decode") => decode(path),
            Some("records") => {
                let number = |key| {
                    setting(&config, key)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(1)
                };
                records(number("count"), number("size") as usize)
            }
            other => Err(format!("unknown mode {other:?} (echo, decode or records)")),
        };
        result.map_err(GatherError::Other)
    }
}

export!(BenchEcho);
