//! Every input format: the Insights archive as a directory and as a `.tar.gz`, a must-gather,
//! `kubectl get -o yaml|json` dumps (lists, typed lists, multi-document YAML, single files), and
//! broken files reported with their line. Also the HTTP surface that kubectl relies on
//! (discovery, Table, Status errors), checked with raw requests.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use serde_json::Value;
use wagather_snapshot::{Snapshot, WarningKind};

fn counts(s: &Snapshot) -> BTreeMap<(String, String), usize> {
    s.kind_counts()
        .into_iter()
        .map(|(av, k, n)| ((av, k), n))
        .collect()
}

fn count(s: &Snapshot, api_version: &str, kind: &str) -> usize {
    counts(s)
        .get(&(api_version.to_string(), kind.to_string()))
        .copied()
        .unwrap_or(0)
}

/// GET with an optional Accept header through plain hyper-less HTTP/1.1 on a TcpStream, so the
/// raw status line and body are visible exactly as sent.
async fn http(url: &str, method: &str, path: &str, accept: Option<&str>) -> (u16, String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{accept}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let code: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    (code, body, json)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
}

#[test]
fn archive_directory_and_its_tar_gz_load_the_same() {
    let dir = archive_dir();
    let from_dir = Snapshot::load(&dir).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tgz = tmp.path().join("insights-2024-01-01-000000.tar.gz");
    {
        let file = std::fs::File::create(&tgz).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.append_dir_all(".", &dir).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let from_tgz = Snapshot::load(&tgz).unwrap();
    assert_eq!(from_tgz.object_count(), from_dir.object_count());
    assert_eq!(counts(&from_tgz), counts(&from_dir));
    assert_eq!(from_tgz.resource_version(), from_dir.resource_version());
    assert_eq!(
        count(&from_tgz, "config.openshift.io/v1", "ClusterOperator"),
        31
    );
    assert_eq!(count(&from_tgz, "v1", "Pod"), archive_pods().len());
    assert!(from_tgz.has_pod_log("openshift-monitoring", "alertmanager-main-0"));
}

#[test]
fn archive_objects_without_kind_get_it_from_their_path() {
    let s = Snapshot::load(&archive_dir()).unwrap();
    assert_eq!(
        count(&s, "v1", "Node"),
        names_in(&archive_dir().join("config/node")).len()
    );
    assert_eq!(count(&s, "config.openshift.io/v1", "ClusterVersion"), 1);
    assert_eq!(count(&s, "config.openshift.io/v1", "Infrastructure"), 1);
    assert_eq!(count(&s, "v1", "PersistentVolume"), 2);
    assert_eq!(
        count(&s, "apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        2
    );
    assert_eq!(
        count(&s, "security.openshift.io/v1", "SecurityContextConstraints"),
        2
    );
    assert_eq!(count(&s, "rbac.authorization.k8s.io/v1", "ClusterRole"), 2);
    assert_eq!(
        count(&s, "imageregistry.operator.openshift.io/v1", "Config"),
        1
    );
    assert_eq!(count(&s, "image.openshift.io/v1", "ImageStream"), 1);
    assert_eq!(count(&s, "machine.openshift.io/v1beta1", "Machine"), 6);
    // Data files that are not objects are reported, not served.
    let not_objects: Vec<String> = s
        .warnings()
        .iter()
        .filter(|w| w.kind == WarningKind::NotAnObject)
        .map(|w| w.path.display().to_string())
        .collect();
    assert!(
        not_objects.contains(&"insights-operator/gathers.json".to_string()),
        "{not_objects:?}"
    );
    assert!(not_objects.contains(&"config/workload_info.json".to_string()));
    assert!(
        s.warnings()
            .iter()
            .all(|w| w.kind != WarningKind::Unparsable),
        "{:?}",
        s.warnings()
    );
}

#[tokio::test]
async fn insights_objects_are_served_where_the_real_api_has_them() {
    let (server, _) = serve(&archive_dir()).await;
    let url = server.url();
    let (code, _, v) = http(
        &url,
        "GET",
        "/apis/config.openshift.io/v1/clusterversions/version",
        None,
    )
    .await;
    assert_eq!(code, 200);
    let file = read_json(&archive_dir().join("config/version.json"));
    assert_eq!(v["kind"], "ClusterVersion");
    assert_eq!(v["apiVersion"], "config.openshift.io/v1");
    assert_eq!(v["spec"], file["spec"]);
    // Operator config with a top-level `name` and the namespace only in its path.
    let (code, _, v) = http(
        &url,
        "GET",
        "/apis/operator.openshift.io/v1/namespaces/openshift-ingress-operator/ingresscontrollers/default",
        None,
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["metadata"]["name"], "default");
    // A policy/v1beta1 PodDisruptionBudget is also served as policy/v1, as the real server would.
    let p = "namespaces/openshift-machine-config-operator/poddisruptionbudgets/etcd-quorum-guard";
    for version in ["v1beta1", "v1"] {
        let (code, _, v) = http(&url, "GET", &format!("/apis/policy/{version}/{p}"), None).await;
        assert_eq!(code, 200);
        assert_eq!(v["apiVersion"], format!("policy/{version}"));
    }
    server.shutdown().await;
}

#[test]
fn must_gather_layout() {
    let s = Snapshot::load(&fixtures().join("must-gather")).unwrap();
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    assert_eq!(count(&s, "v1", "Pod"), 2);
    assert_eq!(count(&s, "apps/v1", "Deployment"), 1);
    assert_eq!(count(&s, "v1", "Namespace"), 1);
    assert_eq!(count(&s, "v1", "Node"), 1);
    assert_eq!(count(&s, "config.openshift.io/v1", "ClusterOperator"), 1);
    assert_eq!(s.object_count(), 6);
    assert!(s.has_pod_log("web", "web-1"));
    assert_eq!(s.kube_version(), "v1.29.6+aba1e8d");
}

#[tokio::test]
async fn must_gather_logs_by_container() {
    let (server, _) = serve(&fixtures().join("must-gather")).await;
    let url = server.url();
    let log = "/api/v1/namespaces/web/pods/web-1/log";
    let (code, body, v) = http(&url, "GET", log, None).await;
    assert_eq!(code, 400, "two containers: the client must choose");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("choose one of: [nginx sidecar]"),
        "{body}"
    );
    let (code, body, _) = http(&url, "GET", &format!("{log}?container=sidecar"), None).await;
    assert_eq!((code, body.as_str()), (200, "sidecar line 1\n"));
    let (_, body, _) = http(
        &url,
        "GET",
        &format!("{log}?container=nginx&tailLines=2"),
        None,
    )
    .await;
    assert_eq!(body, "nginx line 2\nnginx line 3\n");
    let (_, body, _) = http(&url, "GET", "/api/v1/namespaces/web/pods/web-2/log", None).await;
    assert_eq!(body, "web-2 only line\n");
    let (code, _, _) = http(&url, "GET", "/api/v1/namespaces/web/pods/web-3/log", None).await;
    assert_eq!(code, 404);
    server.shutdown().await;
}

fn items_in(path: &Path) -> usize {
    read_json(path)["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn kubectl_dumps_lists_and_multi_document_yaml() {
    let dir = fixtures().join("kubectl-dumps");
    let s = Snapshot::load(&dir).unwrap();
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    assert_eq!(
        count(&s, "config.openshift.io/v1", "ClusterOperator"),
        items_in(&dir.join("clusteroperators.json"))
    );
    assert_eq!(count(&s, "v1", "Node"), items_in(&dir.join("nodes.json")));
    assert_eq!(
        count(&s, "v1", "Pod"),
        items_in(&dir.join("kube-system-pods.json"))
    );
    for (av, kind) in [
        ("v1", "ConfigMap"),
        ("v1", "Service"),
        ("v1", "ServiceAccount"),
        ("route.openshift.io/v1", "Route"),
        ("apps/v1", "Deployment"),
        ("example.com/v1alpha1", "Widget"),
        ("v1", "Namespace"),
    ] {
        assert_eq!(count(&s, av, kind), 1, "{av} {kind}");
    }
    let (server, _) = serve(&dir).await;
    let url = server.url();
    // A kind missing from the catalog is served under a conventional plural and discovered.
    let (code, _, v) = http(
        &url,
        "GET",
        "/apis/example.com/v1alpha1/namespaces/shop/widgets/gizmo",
        None,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(v["spec"]["size"], 3);
    let (_, _, v) = http(&url, "GET", "/apis/example.com/v1alpha1", None).await;
    assert_eq!(v["resources"][0]["name"], "widgets");
    assert_eq!(v["resources"][0]["namespaced"], true);
    let (_, _, v) = http(
        &url,
        "GET",
        "/api/v1/namespaces/shop/configmaps?labelSelector=tier%3Dbackend",
        None,
    )
    .await;
    assert_eq!(v["items"][0]["data"]["mode"], "production");
    server.shutdown().await;

    // One file on its own.
    let single = Snapshot::load(&dir.join("nodes.json")).unwrap();
    assert_eq!(single.object_count(), items_in(&dir.join("nodes.json")));
}

#[test]
fn broken_files_are_reported_with_their_line_and_the_rest_is_served() {
    let s = Snapshot::load(&fixtures().join("broken")).unwrap();
    assert_eq!(s.object_count(), 1);
    let by_file: BTreeMap<String, (WarningKind, Option<usize>)> = s
        .warnings()
        .iter()
        .map(|w| (w.path.display().to_string(), (w.kind, w.line)))
        .collect();
    assert_eq!(
        by_file["truncated.json"],
        (WarningKind::Unparsable, Some(5))
    );
    let (kind, line) = by_file["bad.yaml"];
    assert_eq!(kind, WarningKind::Unparsable);
    assert!(matches!(line, Some(4..=6)), "line {line:?}");
    assert_eq!(by_file["kindless.json"].0, WarningKind::UnknownKind);
    assert!(
        s.warnings()
            .iter()
            .all(|w| w.to_string().starts_with(&w.path.display().to_string()))
    );
}

#[tokio::test]
async fn discovery_tables_and_statuses() {
    let (server, snapshot) = serve(&archive_dir()).await;
    let url = server.url();
    let (_, _, api) = http(&url, "GET", "/api", None).await;
    assert_eq!(api["versions"][0], "v1");
    let (_, _, apis) = http(&url, "GET", "/apis", None).await;
    let config = apis["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "config.openshift.io")
        .unwrap();
    assert_eq!(
        config["preferredVersion"]["groupVersion"],
        "config.openshift.io/v1"
    );
    let (_, _, rl) = http(&url, "GET", "/apis/config.openshift.io/v1", None).await;
    let co = rl["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "clusteroperators")
        .unwrap();
    assert_eq!(co["kind"], "ClusterOperator");
    assert_eq!(co["namespaced"], false);
    assert_eq!(co["verbs"], serde_json::json!(["get", "list"]));
    let (_, _, core) = http(&url, "GET", "/api/v1", None).await;
    assert!(
        core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "pods/log")
    );

    let table_accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    let (code, _, t) = http(
        &url,
        "GET",
        "/apis/config.openshift.io/v1/clusteroperators?limit=10",
        Some(table_accept),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(t["kind"], "Table");
    let cols: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // The columns of the ClusterOperator CRD (openshift/api), in order.
    assert_eq!(
        cols,
        [
            "Name",
            "Version",
            "Available",
            "Progressing",
            "Degraded",
            "Since"
        ]
    );
    let rows = t["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert!(t["metadata"]["continue"].is_string());
    let first = &rows[0];
    let name = first["cells"][0].as_str().unwrap();
    let file = read_json(&archive_dir().join(format!("config/clusteroperator/{name}.json")));
    let version = file["status"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "operator")
        .unwrap();
    assert_eq!(first["cells"][1], version["version"]);
    assert_eq!(first["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(first["object"]["metadata"]["uid"], file["metadata"]["uid"]);
    let (_, _, t) = http(
        &url,
        "GET",
        "/apis/config.openshift.io/v1/clusteroperators/dns?includeObject=Object",
        Some(table_accept),
    )
    .await;
    assert_eq!(t["rows"][0]["object"]["kind"], "ClusterOperator");
    assert_eq!(
        t["rows"][0]["object"]["status"],
        read_json(&archive_dir().join("config/clusteroperator/dns.json"))["status"]
    );
    // Built-in kinds get the real server's printer columns.
    let (_, _, t) = http(
        &url,
        "GET",
        "/api/v1/nodes?includeObject=None",
        Some(table_accept),
    )
    .await;
    let cols: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(&cols[..5], ["Name", "Status", "Roles", "Age", "Version"]);
    let row = &t["rows"][0];
    assert!(row.get("object").is_none());
    let node = read_json(&archive_dir().join(format!(
        "config/node/{}.json",
        row["cells"][0].as_str().unwrap()
    )));
    assert_eq!(
        row["cells"][4],
        node["status"]["nodeInfo"]["kubeletVersion"]
    );
    let ready = node["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap();
    assert_eq!(
        row["cells"][1],
        if ready["status"] == "True" {
            "Ready"
        } else {
            "NotReady"
        }
    );
    let (_, _, t) = http(
        &url,
        "GET",
        "/api/v1/namespaces/openshift-monitoring/pods/prometheus-k8s-0",
        Some(table_accept),
    )
    .await;
    let pod =
        read_json(&archive_dir().join("config/pod/openshift-monitoring/prometheus-k8s-0.json"));
    let statuses = pod["status"]["containerStatuses"].as_array().unwrap();
    let ready = statuses.iter().filter(|c| c["ready"] == true).count();
    let total = pod["spec"]["containers"].as_array().unwrap().len();
    assert_eq!(t["rows"][0]["cells"][1], format!("{ready}/{total}"));
    let restarts: i64 = statuses
        .iter()
        .map(|c| c["restartCount"].as_i64().unwrap())
        .sum();
    assert_eq!(t["rows"][0]["cells"][3], restarts.to_string());

    let (code, _, list) = http(&url, "GET", "/api/v1/pods", None).await;
    assert_eq!(code, 200);
    assert_eq!(list["kind"], "PodList");
    assert_eq!(
        list["metadata"]["resourceVersion"],
        snapshot.resource_version()
    );

    let (code, _, s) = http(&url, "POST", "/api/v1/namespaces/default/configmaps", None).await;
    assert_eq!(
        (code, s["kind"].as_str(), s["reason"].as_str()),
        (405, Some("Status"), Some("MethodNotAllowed"))
    );
    let (code, _, s) = http(
        &url,
        "DELETE",
        "/apis/config.openshift.io/v1/clusteroperators/dns",
        None,
    )
    .await;
    assert_eq!((code, s["code"].as_u64()), (405, Some(405)));
    let (code, _, s) = http(&url, "GET", "/apis/no.such.group/v1/things", None).await;
    assert_eq!((code, s["reason"].as_str()), (404, Some("NotFound")));
    let (code, _, s) = http(
        &url,
        "GET",
        "/apis/config.openshift.io/v1/clusteroperators/nope",
        None,
    )
    .await;
    assert_eq!(code, 404);
    assert_eq!(
        s["message"],
        "clusteroperators.config.openshift.io \"nope\" not found"
    );
    assert_eq!(s["details"]["group"], "config.openshift.io");
    let (code, _, s) = http(&url, "GET", "/api/v1/pods?labelSelector=a%20in%20(", None).await;
    assert_eq!((code, s["reason"].as_str()), (400, Some("BadRequest")));
    server.shutdown().await;
}

/// The contract's table of paths, read by the server: a path the grammar refuses is a 404
/// that says why (the same words the host's policy denies it with), a watch is a 405, and
/// every other row is served (or not found) as the resource the grammar names. Rows an HTTP
/// request line cannot carry (spaces, non-ASCII, a fragment, no leading `/`) stop at the HTTP
/// layer and are left to the policy's test of the same table.
#[tokio::test]
async fn the_contract_path_table_is_read_the_same_way() {
    use wagather_contract::request::{PATH_TABLE, describe_for_table};
    let (server, _) = serve(&archive_dir()).await;
    let url = server.url();
    let mut sent = 0;
    for (path, expected) in PATH_TABLE {
        let carried = path.starts_with('/')
            && path
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'\\');
        if !carried {
            continue;
        }
        sent += 1;
        let parsed = wagather_contract::parse_path(path);
        assert_eq!(&describe_for_table(&parsed), expected, "{path}");
        let (code, body, json) = http(&url, "GET", path, None).await;
        match (*expected, &parsed) {
            ("error", Err(e)) if *path != "/healthz" => {
                assert_eq!(code, 404, "{path}: {body}");
                assert_eq!(json["message"], e.reason.as_str(), "{path}");
            }
            ("error", _) => assert_eq!(code, 200, "{path}: the server's own probe"),
            (row, Ok(_)) if row.starts_with("watch") => assert_eq!(code, 405, "{path}: {body}"),
            (_, Ok(_)) => {
                assert!(code == 200 || code == 404, "{path}: {code} {body}");
                // Not refused for its shape: a 404 here is about the resource or object.
                let message = json["message"].as_str().unwrap_or_default();
                assert!(
                    !message.contains("path") || message.contains("could not find"),
                    "{path}: {message}"
                );
            }
            (row, Err(e)) => panic!("{path}: {row} but the grammar refused it: {e}"),
        }
    }
    assert!(sent >= 40, "only {sent} rows were sent");
    server.shutdown().await;
}
