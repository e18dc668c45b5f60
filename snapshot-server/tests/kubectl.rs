//! Real `kubectl` against the snapshot server, its output checked against the archive's files.
//!
//! kubectl is found on PATH (`scripts/install-kubectl.sh` installs it, as CI does). Without it
//! these tests fail: a check that cannot run has not passed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use serde_json::Value;
use wagather_snapshot::{SnapshotServer, write_kubeconfig};

struct Kubectl {
    bin: PathBuf,
    dir: tempfile::TempDir,
    server: SnapshotServer,
}

impl Kubectl {
    /// Serves `snapshot` and prepares a kubeconfig; fails the test without kubectl.
    async fn start(test: &str, snapshot: &Path) -> Kubectl {
        let Some(bin) = kubectl() else {
            panic!(
                "{test}: kubectl is not on PATH; install it with snapshot-server/scripts/install-kubectl.sh"
            );
        };
        let (server, _) = serve(snapshot).await;
        let dir = tempfile::tempdir().unwrap();
        write_kubeconfig(&server.url(), &dir.path().join("kubeconfig")).unwrap();
        Kubectl { bin, dir, server }
    }

    /// Runs kubectl off the async runtime (the server runs on it).
    async fn run(&self, args: &[&str]) -> Output {
        let mut cmd = std::process::Command::new(&self.bin);
        cmd.arg("--kubeconfig")
            .arg(self.dir.path().join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("KUBECONFIG");
        tokio::task::spawn_blocking(move || cmd.output().expect("kubectl runs"))
            .await
            .unwrap()
    }

    /// Runs kubectl and returns stdout, failing the test on a non-zero exit.
    async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    async fn stop(self) {
        self.server.shutdown().await;
    }
}

/// Rows of `kubectl get` table output, split on runs of spaces, header dropped.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn condition(obj: &Value, kind: &str) -> String {
    obj["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == kind)
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_clusteroperators_prints_every_operator_with_its_conditions() {
    let k = Kubectl::start("get_clusteroperators", &archive_dir()).await;
    let out = k.ok(&["get", "clusteroperators"]).await;
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "VERSION",
            "AVAILABLE",
            "PROGRESSING",
            "DEGRADED",
            "SINCE"
        ]
    );
    let rows = rows(&out);
    assert_eq!(rows.len(), 31, "{out}");
    let dir = archive_dir().join("config/clusteroperator");
    let expected = names_in(&dir);
    assert_eq!(expected.len(), 31);
    let got: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(got, expected);
    // The short name from the CRD works too.
    let short = k.ok(&["get", "co", "-o", "name"]).await;
    let short: Vec<&str> = short
        .lines()
        .map(|l| l.trim_start_matches("clusteroperator.config.openshift.io/"))
        .collect();
    assert_eq!(short, expected);
    for row in &rows {
        let obj = read_json(&dir.join(format!("{}.json", row[0])));
        assert_eq!(row[2], condition(&obj, "Available"), "{}", row[0]);
        assert_eq!(row[3], condition(&obj, "Progressing"), "{}", row[0]);
        assert_eq!(row[4], condition(&obj, "Degraded"), "{}", row[0]);
    }
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_nodes_json_returns_the_archive_nodes() {
    let k = Kubectl::start("get_nodes_json", &archive_dir()).await;
    let out: Value = serde_json::from_str(&k.ok(&["get", "nodes", "-o", "json"]).await).unwrap();
    let items = out["items"].as_array().unwrap();
    let mut names: Vec<String> = items
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, names_in(&archive_dir().join("config/node")));
    for item in items {
        // The archive drops kind/apiVersion from node files; the server must put them back.
        assert_eq!(item["kind"], "Node");
        assert_eq!(item["apiVersion"], "v1");
        let file = read_json(&archive_dir().join(format!(
            "config/node/{}.json",
            item["metadata"]["name"].as_str().unwrap()
        )));
        assert_eq!(item["status"], file["status"]);
    }
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pods_all_namespaces_pages_one_by_one() {
    let k = Kubectl::start("get_pods_chunked", &archive_dir()).await;
    let out = k
        .run(&["get", "pods", "-A", "--chunk-size=1", "-v=6"])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let got: Vec<(String, String)> = rows(&stdout)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let expected: Vec<(String, String)> = archive_pods()
        .into_iter()
        .map(|(ns, n, _)| (ns, n))
        .collect();
    assert!(expected.len() > 30);
    assert_eq!(got, expected);
    // One request per pod (limit=1), the later ones with a continue token.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let requests: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            l.contains("round_trippers") && l.contains("GET http") && l.contains("/api/v1/pods?")
        })
        .collect();
    let pages = requests
        .iter()
        .filter(|l| l.contains("limit=1") && l.contains(" 200 OK"))
        .count();
    let continued = requests.iter().filter(|l| l.contains("continue=")).count();
    assert_eq!(pages, expected.len(), "{stderr}");
    assert_eq!(continued, expected.len() - 1, "{stderr}");
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_and_field_selectors_filter_like_the_api_server() {
    let k = Kubectl::start("selectors", &archive_dir()).await;
    let pods = archive_pods();
    let names = |out: String| -> Vec<String> {
        let mut v: Vec<String> = out
            .lines()
            .map(|l| l.trim_start_matches("pod/").to_string())
            .collect();
        v.sort();
        v
    };
    let expect = |f: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let mut v: Vec<String> = pods
            .iter()
            .filter(|(_, _, l)| f(l))
            .map(|(_, n, _)| n.clone())
            .collect();
        v.sort();
        v
    };
    // A label several pods have and some don't.
    let app = expect(&|l| l["app"].is_string());
    assert!(!app.is_empty() && app.len() < pods.len());
    assert_eq!(
        names(
            k.ok(&["get", "pods", "-A", "-o", "name", "-l", "app"])
                .await
        ),
        app
    );
    assert_eq!(
        names(
            k.ok(&["get", "pods", "-A", "-o", "name", "-l", "!app"])
                .await
        ),
        expect(&|l| !l["app"].is_string())
    );
    let (_, _, first) = pods.iter().find(|(_, _, l)| l["app"].is_string()).unwrap();
    let value = first["app"].as_str().unwrap();
    assert_eq!(
        names(
            k.ok(&[
                "get",
                "pods",
                "-A",
                "-o",
                "name",
                "-l",
                &format!("app={value}")
            ])
            .await
        ),
        expect(&|l| l["app"] == value)
    );
    assert_eq!(
        names(
            k.ok(&[
                "get",
                "pods",
                "-A",
                "-o",
                "name",
                "-l",
                &format!("app!={value}")
            ])
            .await
        ),
        expect(&|l| l["app"] != value)
    );
    assert_eq!(
        names(
            k.ok(&[
                "get",
                "pods",
                "-A",
                "-o",
                "name",
                "-l",
                &format!("app in ({value},no-such-app)")
            ])
            .await
        ),
        expect(&|l| l["app"] == value)
    );
    assert_eq!(
        names(
            k.ok(&[
                "get",
                "pods",
                "-A",
                "-o",
                "name",
                "-l",
                &format!("app notin ({value})")
            ])
            .await
        ),
        expect(&|l| l["app"] != value)
    );
    // Field selectors.
    let (ns, name, _) = &pods[pods.len() / 2];
    let out = k
        .ok(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            &format!("metadata.name={name}"),
        ])
        .await;
    let r = rows(&out);
    assert_eq!(r.len(), 1, "{out}");
    assert_eq!((&r[0][0], &r[0][1]), (ns, name));
    let out = k
        .ok(&[
            "get",
            "pods",
            "-A",
            "-o",
            "name",
            "--field-selector",
            &format!("metadata.namespace!={ns}"),
        ])
        .await;
    let mut expected: Vec<String> = pods
        .iter()
        .filter(|(n, _, _)| n != ns)
        .map(|(_, n, _)| n.clone())
        .collect();
    expected.sort();
    assert_eq!(names(out), expected);
    // A malformed selector is a 400 from the server.
    let out = k.run(&["get", "pods", "-A", "-l", "app in (x"]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("BadRequest") || err.contains("unable to parse requirement"),
        "{err}"
    );
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_resources_lists_the_catalog() {
    let k = Kubectl::start("api_resources", &archive_dir()).await;
    let out = k.ok(&["api-resources", "--no-headers"]).await;
    let catalog: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/kinds.json"))
            .unwrap(),
    )
    .unwrap();
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    // Rows: NAME [SHORTNAMES] APIVERSION NAMESPACED KIND; name and kind are the first and last.
    for entry in catalog.as_array().unwrap() {
        let (plural, kind, group) = (
            entry["plural"].as_str().unwrap(),
            entry["kind"].as_str().unwrap(),
            entry["group"].as_str().unwrap(),
        );
        let found = lines.iter().any(|l| {
            l[0] == plural
                && l.last() == Some(&kind)
                && l[l.len() - 3].split('/').next().is_some_and(|g| {
                    if group.is_empty() {
                        !l[l.len() - 3].contains('/')
                    } else {
                        g == group
                    }
                })
                && l[l.len() - 2]
                    == if entry["namespaced"] == true {
                        "true"
                    } else {
                        "false"
                    }
        });
        assert!(
            found,
            "{group}/{kind} ({plural}) missing from api-resources:\n{out}"
        );
    }
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_version_reports_the_nodes_kubelet_version() {
    let k = Kubectl::start("raw_version", &archive_dir()).await;
    let v: Value = serde_json::from_str(&k.ok(&["get", "--raw", "/version"]).await).unwrap();
    let nodes = files(&archive_dir().join("config/node"));
    let first = nodes
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let kubelet = read_json(first)["status"]["nodeInfo"]["kubeletVersion"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(v["gitVersion"], kubelet);
    assert_eq!(v["major"], "1");
    assert!(kubelet.starts_with(&format!("v1.{}.", v["minor"].as_str().unwrap())));
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_kubernetes_statuses() {
    let k = Kubectl::start("errors", &archive_dir()).await;
    let out = k.run(&["get", "clusteroperator", "no-such-operator"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Error from server (NotFound): clusteroperators.config.openshift.io \"no-such-operator\" not found"),
        "{err}"
    );
    let out = k.run(&["delete", "clusteroperator", "dns"]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("MethodNotAllowed") || err.contains("does not allow this method"),
        "{err}"
    );
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_of_a_pod_with_tail() {
    let k = Kubectl::start("logs", &archive_dir()).await;
    let log = std::fs::read_to_string(archive_dir().join(
        "conditional/namespaces/openshift-monitoring/pods/alertmanager-main-0/containers/alertmanager/logs/last-50-lines.log",
    ))
    .unwrap();
    let out = k
        .ok(&[
            "logs",
            "-n",
            "openshift-monitoring",
            "alertmanager-main-0",
            "-c",
            "alertmanager",
            "--tail=2",
        ])
        .await;
    let last2: Vec<&str> = log
        .lines()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), last2);
    let out = k
        .ok(&[
            "logs",
            "-n",
            "openshift-monitoring",
            "alertmanager-main-0",
            "-c",
            "alertmanager",
        ])
        .await;
    assert_eq!(out.trim_end(), log.trim_end());
    k.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn must_gather_through_kubectl() {
    let k = Kubectl::start("must_gather", &fixtures().join("must-gather")).await;
    let out = k.ok(&["get", "pods", "-n", "web", "-o", "name"]).await;
    assert_eq!(out.lines().collect::<Vec<_>>(), ["pod/web-1", "pod/web-2"]);
    let out = k
        .ok(&[
            "get",
            "pods",
            "-n",
            "web",
            "-o",
            "name",
            "--field-selector",
            "spec.nodeName=node-b",
        ])
        .await;
    assert_eq!(out.trim(), "pod/web-2");
    let out = k
        .ok(&["logs", "-n", "web", "web-1", "-c", "nginx", "--tail=1"])
        .await;
    assert_eq!(out, "nginx line 3\n");
    let out = k
        .ok(&["logs", "-n", "web", "web-1", "-c", "nginx", "--previous"])
        .await;
    assert_eq!(out, "nginx previous 1\n");
    let out = k
        .ok(&[
            "get",
            "deployments",
            "-n",
            "web",
            "-o",
            "jsonpath={.items[*].spec.replicas}",
        ])
        .await;
    assert_eq!(out, "2");
    k.stop().await;
}
