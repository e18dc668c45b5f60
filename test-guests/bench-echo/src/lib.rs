//! Benchmark guest for the wagather benchmark suite (`bench/`), written against raw
//! wit-bindgen bindings so that nothing but the measured work runs in it.
//!
//! Configuration selects the mode:
//! - `mode=echo`, `path=<path>`, `count=<n>`: sends `GET <path>` n times through
//!   `kube.http-request` and returns a raw record `echo` with the total body bytes received;
//!   the suite divides the run's time by n for one round trip guest -> host -> guest.
//! - `mode=decode`, `path=<list path>`: pages through the list (`limit=500`, following
//!   `continue`) and times, per page inside the guest, the request, decoding the page into typed
//!   k8s-openapi `Pod`s ([`PodList`]), and decoding it into the few fields a pod summary needs
//!   ([`SlimPodList`]). Returns a raw record `decode` holding [`DecodeTimings`] as JSON.
//! - `mode=records`, `count=<n>`, `size=<bytes>`: writes n raw records `records/<i>` of `size`
//!   bytes each from one buffer, for the host to measure what the guest holds while it writes.
//!
//! The types and the decoding functions are compiled on every target so that the suite decodes
//! the same bytes natively with the same code.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::{Deserialize, Serialize};

/// A page of pods, fully typed.
#[derive(Debug, Deserialize)]
pub struct PodList {
    /// `metadata.continue` names the next page.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The pods.
    #[serde(default)]
    pub items: Vec<Pod>,
}

/// A page of pods with only what a pod summary reads; every other field is skipped unparsed.
#[derive(Debug, Deserialize)]
pub struct SlimPodList {
    /// The pods.
    #[serde(default)]
    pub items: Vec<SlimPod>,
}

/// The fields of a pod that a summary reads.
#[derive(Debug, Deserialize)]
pub struct SlimPod {
    /// `metadata.name` and `metadata.namespace`.
    pub metadata: SlimMeta,
    /// `spec.nodeName` and the containers' names.
    #[serde(default)]
    pub spec: SlimSpec,
    /// Phase and container restart counts.
    #[serde(default)]
    pub status: SlimStatus,
}

/// See [`SlimPod`].
#[derive(Debug, Default, Deserialize)]
pub struct SlimMeta {
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
}

/// See [`SlimPod`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlimSpec {
    /// `spec.nodeName`.
    pub node_name: Option<String>,
    /// `spec.containers`.
    #[serde(default)]
    pub containers: Vec<SlimContainer>,
}

/// See [`SlimPod`].
#[derive(Debug, Default, Deserialize)]
pub struct SlimContainer {
    /// The container's name.
    pub name: String,
}

/// See [`SlimPod`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlimStatus {
    /// `status.phase`.
    pub phase: Option<String>,
    /// `status.containerStatuses`.
    #[serde(default)]
    pub container_statuses: Vec<SlimContainerStatus>,
}

/// See [`SlimPod`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlimContainerStatus {
    /// The container's restart count.
    #[serde(default)]
    pub restart_count: i32,
}

/// What `mode=decode` measured, in nanoseconds summed over all pages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodeTimings {
    /// Pages read.
    pub pages: u32,
    /// Pods decoded (typed).
    pub pods: u64,
    /// Response bytes.
    pub bytes: u64,
    /// Time in `kube.http-request` (host, transport and copying the body in).
    pub request_ns: u64,
    /// Decoding into typed `Pod`s.
    pub typed_ns: u64,
    /// Decoding into [`SlimPod`]s.
    pub slim_ns: u64,
}

/// Decodes a page into typed pods.
pub fn decode_typed(body: &[u8]) -> serde_json::Result<PodList> {
    serde_json::from_slice(body)
}

/// Decodes a page into slim pods.
pub fn decode_slim(body: &[u8]) -> serde_json::Result<SlimPodList> {
    serde_json::from_slice(body)
}

/// The next page's path: `base` with `limit=500` and, after the first page, `continue`.
pub fn page_path(base: &str, continue_token: Option<&str>) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    match continue_token {
        None => format!("{base}{separator}limit=500"),
        Some(token) => {
            let token: String = token
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{base}{separator}limit=500&continue={token}")
        }
    }
}

wagather_sdk_macros::manifest!(
    name = "bench-echo",
    version = "0.2.0",
    reads = ["v1/configmaps", "v1/pods"],
);

#[cfg(target_arch = "wasm32")]
mod guest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_escape_the_token() {
        assert_eq!(page_path("/api/v1/pods", None), "/api/v1/pods?limit=500");
        assert_eq!(
            page_path("/api/v1/pods", Some("a/b=")),
            "/api/v1/pods?limit=500&continue=a%2Fb%3D"
        );
    }

    #[test]
    fn slim_and_typed_decoding_agree_on_what_a_summary_reads() {
        let page = br#"{"metadata":{"continue":"x"},"items":[{"metadata":{"name":"p","namespace":"n","labels":{"a":"b"}},
            "spec":{"nodeName":"w","containers":[{"name":"c","image":"i"}]},
            "status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":3,"image":"i","imageID":""}]}}]}"#;
        let typed = decode_typed(page).unwrap();
        let slim = decode_slim(page).unwrap();
        assert_eq!(typed.metadata.continue_.as_deref(), Some("x"));
        let (t, s) = (&typed.items[0], &slim.items[0]);
        assert_eq!(t.metadata.name, s.metadata.name);
        assert_eq!(s.spec.node_name.as_deref(), Some("w"));
        assert_eq!(s.status.container_statuses[0].restart_count, 3);
        assert_eq!(t.status.as_ref().unwrap().phase, s.status.phase);
    }
}
