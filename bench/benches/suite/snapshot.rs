//! `snapshot`: the snapshot server, which `cargo xtask demo` and these benchmarks gather from.
//!
//! - Loading the bundled Insights sample and a generated snapshot (the pods of `gather` and the
//!   nodes they run on, in the Insights layout): time, objects, and the resident memory a loaded
//!   snapshot adds, measured in a fresh child process (this binary again) so that memory freed
//!   by earlier work does not hide it.
//! - Listing the generated pods page by page (`limit=500`) from the server of `gather`: with the
//!   `kube` client as typed `Api<Pod>` (what the host's client does for a native gatherer), as
//!   raw pages without decoding (server and transport), and reading and decoding the same
//!   objects from the files directly; in interleaved rounds.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use wagather_bench::{data, rss, workspace};
use wagather_figures::{Group, Unit};
use wagather_snapshot::Snapshot;

use crate::{Context, NAMESPACES};

const PAGE: u32 = 500;

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let sample = workspace().join("testdata/insights-archive-sample");
    let generated = tempfile::tempdir().expect("tempdir");
    let files = data::write_pods(generated.path(), ctx.pods, NAMESPACES).expect("writing pods");
    let label = format!(
        "{} and the {} nodes they run on",
        ctx.pods_label(),
        data::node_count(ctx.pods)
    );
    for (name, root, what) in [
        ("sample", sample.as_path(), "the bundled Insights sample"),
        ("generated", generated.path(), label.as_str()),
    ] {
        let objects = Snapshot::load(root).expect("snapshot").object_count();
        g.time(
            &format!("snapshot/load/{name}"),
            &format!("`Snapshot::load` of {what}"),
            || Snapshot::load(root).expect("snapshot"),
        );
        g.value(
            &format!("snapshot/load/{name}/objects"),
            &format!("objects in {what}"),
            Unit::Count,
            objects as f64,
        );
        g.value(
            &format!("snapshot/load/{name}/resident"),
            &format!("resident memory a loaded snapshot of {what} adds to a fresh process"),
            Unit::Bytes,
            child_resident(root) as f64,
        );
    }

    let client = ctx.pod_server().api.clone();
    let pods: Api<Pod> = Api::all(client.clone());
    let raw_bytes = std::cell::Cell::new(0usize);
    g.interleave()
        .op(
            "snapshot/list/typed",
            &format!(
                "listing {} pods over HTTP as `kube` `Api<Pod>`, {PAGE} a page",
                ctx.pods
            ),
            || {
                let mut count = 0;
                let mut params = ListParams::default().limit(PAGE);
                loop {
                    let page = ctx.tokio.block_on(pods.list(&params)).expect("list");
                    count += page.items.len();
                    match page.metadata.continue_.filter(|c| !c.is_empty()) {
                        Some(token) => params = params.continue_token(&token),
                        None => break,
                    }
                }
                assert_eq!(count, ctx.pods);
            },
        )
        .op(
            "snapshot/list/raw",
            "the same pages as text, not decoded (the server and the transport)",
            || raw_bytes.set(raw_pages(ctx, &client)),
        )
        .op(
            "snapshot/list/files",
            "reading and decoding the same pods from their files into `Pod`",
            || {
                for file in &files {
                    let pod: Pod = serde_json::from_slice(&std::fs::read(file).expect("pod file"))
                        .expect("pod");
                    std::hint::black_box(pod);
                }
            },
        )
        .ratio(
            "snapshot/list/typed_over_files",
            "listing typed over HTTP / reading the files, per round",
            "snapshot/list/typed",
            "snapshot/list/files",
        )
        .run();
    g.value(
        "snapshot/list/bytes",
        "bytes of the listed pages",
        Unit::Bytes,
        raw_bytes.get() as f64,
    );
}

/// Every page of the pod list as text; returns their bytes.
fn raw_pages(ctx: &Context, client: &kube::Client) -> usize {
    let (mut token, mut bytes) = (String::new(), 0);
    loop {
        let uri = if token.is_empty() {
            format!("/api/v1/pods?limit={PAGE}")
        } else {
            format!("/api/v1/pods?limit={PAGE}&continue={token}")
        };
        let request = http::Request::get(uri).body(Vec::new()).expect("request");
        let text = ctx
            .tokio
            .block_on(client.request_text(request))
            .expect("page");
        bytes += text.len();
        // Only the continue token is read; the server writes the list metadata first.
        let head = &text[..text.find("\"items\"").expect("a list")];
        match head.split_once("\"continue\":\"") {
            Some((_, rest)) => token = rest[..rest.find('"').expect("a token")].to_owned(),
            None => return bytes,
        }
    }
}

/// The resident memory `Snapshot::load(root)` adds to a fresh process.
fn child_resident(root: &Path) -> u64 {
    let stdout = crate::child_output([OsStr::new("--child-load"), root.as_os_str()]);
    stdout
        .trim()
        .strip_prefix("resident ")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("the child printed {stdout:?}"))
}

/// The child side of [`child_resident`]: loads the snapshot and prints `resident <bytes>`.
pub fn child_load(args: &[String]) {
    let [root] = args else {
        panic!("usage: --child-load <snapshot dir>");
    };
    let before = rss().expect("VmRSS");
    let snapshot = Arc::new(Snapshot::load(Path::new(root)).expect("snapshot"));
    let after = rss().expect("VmRSS");
    println!("resident {}", after.saturating_sub(before));
    drop(snapshot);
}
