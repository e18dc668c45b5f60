//! `clusterconfig/container_images`: the crash-looping pods of OpenShift namespaces, and how
//! many containers of running pods use which image, by month.
//!
//! IO (`gather_container_images.go`) lists the pods of every namespace in pages of 200 with a
//! typed client:
//!
//! - a pod of a namespace starting with `openshift-` with a container in a crash loop
//!   (restarted, and last terminated with a non-zero code or waiting) is written to
//!   `config/pod/<namespace>/<pod>.json` (no `kind`, no `managedFields`), the values of its
//!   containers' environment variables named `HTTP_PROXY` or `HTTPS_PROXY` turned into `x`s;
//! - any other running pod counts its containers' images (regular, init and ephemeral; the
//!   image's digest when its reference has one, else the reference) under the month the pod
//!   was created (`YYYY-MM`, UTC);
//! - `config/running_containers.json` is `{"images": {"<index>": "<image>"}, "containers":
//!   {"<month>": {"<index>": <count>}}}`, images indexed from the most used, and at most 1000
//!   month entries.
//!
//! IO orders images of equal use as Go's map iteration happens to give them; here they follow
//! the image's text, one of the orders IO may write. Image references are checked for the
//! characters a reference may hold, not against the whole reference grammar.

use std::collections::BTreeMap;

use insights_common::{pods, time::Instant};
use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// IO's page size for this list.
const PAGE: u32 = 200;
/// IO's cap on month entries.
const LIMIT: usize = 1000;

/// The record (`ContainerInfo`).
#[derive(serde::Serialize, Default)]
struct ContainerInfo {
    images: BTreeMap<String, String>,
    containers: BTreeMap<String, BTreeMap<String, usize>>,
}

/// Records crash-looping OpenShift pods and `config/running_containers`.
#[gatherer(name = "clusterconfig/container_images", reads = ["v1/pods"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let all = core_v1::pods()
        .all_namespaces()
        .list_objects(&ListParams::default().limit(PAGE))?;
    // image -> month -> containers
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for pod in all {
        let openshift = pod
            .namespace()
            .is_some_and(|ns| ns.starts_with("openshift-"));
        if openshift && pods::has_container_in_crashloop(&pod) {
            let mut pod = pod.without_type_meta();
            pods::hide_proxy_env(&mut pod);
            ctx.record_object(insights_common::record_path("config/pod", &pod), &pod)?;
        } else if pod.str_at(&["status", "phase"]) == Some("Running") {
            let month = pod
                .str_at(&["metadata", "creationTimestamp"])
                .and_then(Instant::parse)
                .map_or_else(|| "0001-01".to_owned(), Instant::year_month);
            for statuses in [
                "containerStatuses",
                "initContainerStatuses",
                "ephemeralContainerStatuses",
            ] {
                for status in pod.array_at(&["status", statuses]).into_iter().flatten() {
                    let image = status.get("image").and_then(Value::as_str).unwrap_or("");
                    if let Some(image) = minimal_image(image) {
                        *counts
                            .entry(image)
                            .or_default()
                            .entry(month.clone())
                            .or_default() += 1;
                    }
                }
            }
        }
    }
    let mut ranked: Vec<(String, usize, BTreeMap<String, usize>)> = counts
        .into_iter()
        .map(|(image, months)| (image, months.values().sum(), months))
        .collect();
    // Most used first; ties in the images' order (the map above is sorted, the sort stable).
    ranked.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    let mut info = ContainerInfo::default();
    let mut entries = 0;
    for (image, _, months) in ranked {
        if entries >= LIMIT {
            break;
        }
        let index = info.images.len().to_string();
        info.images.insert(index.clone(), image);
        for (month, count) in months {
            *info
                .containers
                .entry(month)
                .or_default()
                .entry(index.clone())
                .or_default() += count;
            entries += 1;
        }
    }
    ctx.record_go_json("config/running_containers", &info)
}

/// The digest of an image reference (`sha256:...`) when it has one, else the reference;
/// `None` for what cannot be a reference (IO's parser refuses it and IO skips the image).
fn minimal_image(image: &str) -> Option<String> {
    let valid = !image.is_empty()
        && image
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:@+".contains(&b));
    if !valid {
        return None;
    }
    match image.rsplit_once('@') {
        Some((name, digest)) if !name.is_empty() => {
            let (algorithm, hex) = digest.split_once(':')?;
            let ok = !algorithm.is_empty()
                && hex.len() >= 32
                && hex.bytes().all(|b| b.is_ascii_hexdigit());
            ok.then(|| digest.to_owned())
        }
        Some(_) => None,
        None => Some(image.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, samples_under};
    use serde_json::json;

    #[test]
    fn writes_crash_looping_openshift_pods_as_the_sample_has_them() {
        let pods = samples_under("config/pod");
        let server = Server::new();
        let items: Vec<_> = pods.iter().map(|(_, p)| p.clone()).collect();
        server.list("/api/v1/pods?limit=200", "v1", "Pod", &items);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        // 30 of the sample's pods are crash-looping OpenShift pods.
        let written: Vec<_> = output
            .records
            .iter()
            .filter(|r| r.name.starts_with("config/pod/"))
            .collect();
        assert_eq!(written.len(), 30);
        for record in written {
            assert_matches_sample(&output, &record.archive_path());
        }
        // None of them is running and healthy: no image is counted.
        assert_eq!(
            record_json(&output, "config/running_containers.json"),
            json!({"images": {}, "containers": {}})
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn running_pods_count_their_images_by_month() {
        let digest = "sha256:37ee4cf8184666792caa983611ab8d58dfd533c7cc7abe9f81a22a81876d9cd2";
        let pod = |name: &str, created: &str, images: &[&str]| {
            let statuses: Vec<_> = images
                .iter()
                .map(|i| json!({"name": "c", "image": i, "restartCount": 0}))
                .collect();
            json!({"metadata": {"name": name, "namespace": "shop", "creationTimestamp": created},
                   "status": {"phase": "Running", "containerStatuses": statuses}})
        };
        let server = Server::new();
        server.list(
            "/api/v1/pods?limit=200",
            "v1",
            "Pod",
            &[
                pod(
                    "a",
                    "2021-07-07T11:02:54Z",
                    &[&format!("quay.io/x@{digest}"), "nginx:1.25"],
                ),
                pod("b", "2021-08-01T00:00:00Z", &["nginx:1.25"]),
                pod("c", "2021-08-02T00:00:00Z", &["nginx:1.25", "BAD IMAGE"]),
            ],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(
            record_json(&output, "config/running_containers.json"),
            json!({
                "images": {"0": "nginx:1.25", "1": digest},
                "containers": {"2021-07": {"0": 1, "1": 1}, "2021-08": {"0": 2}},
            })
        );
    }
}
