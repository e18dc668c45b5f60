//! A POST is refused by the host before anything reaches the API server.

use wagather_host::{GatherOptions, GathererSpec};

use crate::counting_server::CountingServer;
use crate::guests::{configured, entry, gather, gathers_json, read_archive, status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_never_reaches_the_server() {
    let server = CountingServer::start().await;
    let options = configured(GatherOptions::default(), "post", &[("attack", "post")]);
    let (_out, summary) = gather(
        &server.url,
        &[GathererSpec::named(
            "post",
            wagather_guests::TEST_GUEST_HOSTILE,
        )],
        &options,
    )
    .await;

    // Server side: only the GET arrived.
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].0, axum::http::Method::GET);
    assert_eq!(seen[0].1, "/api/v1/namespaces/default/configmaps");

    // Guest side: the POST came back as `denied`, the GET as the server's 200.
    let entries = read_archive(&summary.archive);
    let result = String::from_utf8_lossy(entry(&entries, "post/result").expect("post/result"));
    let mut lines = result.lines();
    let post = lines.next().expect("post line");
    assert!(
        post.starts_with("post: denied(method POST is not allowed"),
        "{result}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("get: status 200")),
        "{result}"
    );

    let gathers = gathers_json(&entries);
    let report = status(&gathers, "post");
    assert_eq!(report["denied_requests"], 1, "{report:#}");
    assert_eq!(report["api_calls"], 1, "{report:#}");
    assert_eq!(report["events"][0]["kind"], "denied", "{report:#}");
    assert_eq!(
        report["events"][0]["path"],
        "/api/v1/namespaces/default/configmaps"
    );
}
