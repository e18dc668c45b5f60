//! The `kube` crate (the client the wagather host uses) against the snapshot server, configured
//! from the kubeconfig `write_kubeconfig` writes.

mod common;

use std::collections::BTreeSet;

use common::*;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, DynamicObject, ListParams, ObjectList};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use kube::{Client, Config};
use wagather_snapshot::write_kubeconfig;

async fn client(url: &str) -> Client {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    write_kubeconfig(url, &path).unwrap();
    let kc = Kubeconfig::read_from(&path).unwrap();
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

/// Follows `continue` until the end, returning every page.
async fn all_pages<K>(api: &Api<K>, lp: &ListParams) -> Vec<ObjectList<K>>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut pages = Vec::new();
    let mut lp = lp.clone();
    loop {
        let page = api.list(&lp).await.unwrap();
        let next = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        pages.push(page);
        match next {
            Some(c) => lp = lp.continue_token(&c),
            None => return pages,
        }
        assert!(pages.len() < 1000, "pagination does not end");
    }
}

fn api_error(e: kube::Error) -> Box<kube::core::Status> {
    match e {
        kube::Error::Api(s) => s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn typed_pod_list_pages_through_every_pod_once() {
    let (server, snapshot) = serve(&archive_dir()).await;
    let pods: Api<Pod> = Api::all(client(&server.url()).await);
    let pages = all_pages(&pods, &ListParams::default().limit(5)).await;
    let expected: Vec<(String, String)> = archive_pods()
        .into_iter()
        .map(|(ns, n, _)| (ns, n))
        .collect();
    assert_eq!(pages.len(), expected.len().div_ceil(5));
    let mut seen = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        assert!(page.items.len() <= 5);
        assert_eq!(
            page.metadata.resource_version.as_deref(),
            Some(snapshot.resource_version())
        );
        if i + 1 < pages.len() {
            assert_eq!(
                page.metadata.remaining_item_count,
                Some((expected.len() - 5 * (i + 1)) as i64)
            );
        }
        for p in &page.items {
            seen.push((
                p.metadata.namespace.clone().unwrap(),
                p.metadata.name.clone().unwrap(),
            ));
        }
    }
    assert_eq!(
        seen, expected,
        "every pod exactly once, in namespace/name order"
    );
    // One namespace only.
    let ns = &expected[0].0;
    let in_ns: Api<Pod> = Api::namespaced(client(&server.url()).await, ns);
    let names: Vec<String> = all_pages(&in_ns, &ListParams::default().limit(1))
        .await
        .iter()
        .flat_map(|p| p.items.iter().map(|i| i.metadata.name.clone().unwrap()))
        .collect();
    let want: Vec<String> = expected
        .iter()
        .filter(|(n, _)| n == ns)
        .map(|(_, p)| p.clone())
        .collect();
    assert_eq!(names, want);

    // Metadata-only lists (Accept: PartialObjectMetadataList) page the same way.
    let meta = pods
        .list_metadata(&ListParams::default().limit(4))
        .await
        .unwrap();
    let names: Vec<(String, String)> = meta
        .items
        .iter()
        .map(|m| {
            (
                m.metadata.namespace.clone().unwrap(),
                m.metadata.name.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, expected[..4]);
    assert!(meta.metadata.continue_.is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn dynamic_clusteroperators_and_typed_get() {
    let (server, _) = serve(&archive_dir()).await;
    let client = client(&server.url()).await;
    let gvk = GroupVersionKind::gvk("config.openshift.io", "v1", "ClusterOperator");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "clusteroperators");
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
    let pages = all_pages(&api, &ListParams::default().limit(7)).await;
    assert_eq!(pages.len(), 5);
    let names: Vec<String> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|o| o.metadata.name.clone().unwrap()))
        .collect();
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    assert_eq!(
        names,
        names_in(&archive_dir().join("config/clusteroperator"))
    );
    for page in &pages {
        for o in &page.items {
            let types = o.types.as_ref().expect("items carry apiVersion/kind");
            assert_eq!(
                (types.api_version.as_str(), types.kind.as_str()),
                ("config.openshift.io/v1", "ClusterOperator")
            );
        }
    }
    let dns = api.get("dns").await.unwrap();
    let file = read_json(&archive_dir().join("config/clusteroperator/dns.json"));
    assert_eq!(dns.data["status"], file["status"]);

    // A node from a file without kind/apiVersion, through the typed API.
    let nodes: Api<Node> = Api::all(client.clone());
    let want = names_in(&archive_dir().join("config/node"));
    let node = nodes.get(&want[0]).await.unwrap();
    let file = read_json(&archive_dir().join(format!("config/node/{}.json", want[0])));
    assert_eq!(
        node.metadata.uid.as_deref(),
        file["metadata"]["uid"].as_str()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn api_errors_have_the_real_status_codes() {
    let (server, _) = serve(&archive_dir()).await;
    let client = client(&server.url()).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "openshift-monitoring");

    let s = api_error(pods.get("no-such-pod").await.unwrap_err());
    assert_eq!((s.code, s.reason.as_str()), (404, "NotFound"));
    assert_eq!(s.message, "pods \"no-such-pod\" not found");
    let details = s.details.unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("no-such-pod", "pods")
    );

    let s = api_error(
        pods.list(&ListParams::default().labels("app in (x"))
            .await
            .unwrap_err(),
    );
    assert_eq!((s.code, s.reason.as_str()), (400, "BadRequest"));
    let s = api_error(
        pods.list(&ListParams::default().fields("spec.nope=1"))
            .await
            .unwrap_err(),
    );
    assert_eq!(s.code, 400);

    let s = api_error(
        pods.delete("prometheus-k8s-0", &Default::default())
            .await
            .unwrap_err(),
    );
    assert_eq!((s.code, s.reason.as_str()), (405, "MethodNotAllowed"));

    // A continue token from another snapshot (other resourceVersion) has expired; garbage is a 400.
    let other = base64_token("12345", "openshift-monitoring", "a");
    let s = api_error(
        pods.list(&ListParams::default().limit(1).continue_token(&other))
            .await
            .unwrap_err(),
    );
    assert_eq!((s.code, s.reason.as_str()), (410, "Expired"));
    let s = api_error(
        pods.list(&ListParams::default().limit(1).continue_token("%%%"))
            .await
            .unwrap_err(),
    );
    assert_eq!(s.code, 400);
    server.shutdown().await;
}

/// A continue token in the server's format, written independently: base64url of the JSON.
fn base64_token(rv: &str, ns: &str, name: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let data = format!("{{\"rv\":\"{rv}\",\"start\":[\"{ns}\",\"{name}\"]}}").into_bytes();
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn tokens_stay_valid_across_reloads_of_the_same_snapshot() {
    let (first, _) = serve(&archive_dir()).await;
    let pods: Api<Pod> = Api::all(client(&first.url()).await);
    let page = pods.list(&ListParams::default().limit(3)).await.unwrap();
    let token = page.metadata.continue_.clone().unwrap();
    first.shutdown().await;
    let (second, _) = serve(&archive_dir()).await;
    let pods: Api<Pod> = Api::all(client(&second.url()).await);
    let next = pods
        .list(&ListParams::default().limit(3).continue_token(&token))
        .await
        .unwrap();
    let expected: Vec<String> = archive_pods()
        .into_iter()
        .skip(3)
        .take(3)
        .map(|(_, n, _)| n)
        .collect();
    let got: Vec<String> = next
        .items
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(got, expected);
    second.shutdown().await;
}
