//! A POST is refused by the host before anything reaches the API server.

use wagather_host::{ApiEndpoint, GatherOptions, gather_to_archive};

use crate::counting_server::CountingServer;
use crate::guests::{gathers_json, guest, read_archive, runtime, status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_never_reaches_the_server() {
    let gatherer = guest("test-guest-post");
    let server = CountingServer::start().await;
    let api = ApiEndpoint::Server(server.url.clone())
        .client()
        .await
        .expect("client");
    let out = tempfile::tempdir().expect("tempdir");

    let summary = gather_to_archive(
        &runtime(),
        &[gatherer],
        &api,
        &GatherOptions::default(),
        out.path(),
    )
    .await
    .expect("gather");

    // Server side: only the GET arrived.
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].0, axum::http::Method::GET);
    assert_eq!(seen[0].1, "/api/v1/namespaces/default/configmaps");

    // Guest side: the POST came back as `denied`, the GET as the server's 200.
    let entries = read_archive(&summary.archive);
    let (_, result) = entries
        .iter()
        .find(|(name, _)| name == "post/result")
        .expect("post/result record");
    let result = String::from_utf8_lossy(result);
    let mut lines = result.lines();
    let post = lines.next().expect("post line");
    assert!(post.starts_with("post: denied: "), "{result}");
    assert_eq!(lines.next(), Some("get: 200"), "{result}");

    let gathers = gathers_json(&entries);
    let report = status(&gathers, "post");
    assert_eq!(report["denied_requests"], 1, "{report:#}");
    assert_eq!(report["api_calls"], 1, "{report:#}");
}
