//! The example gatherers written natively: `kube::Api` in the host process instead of a
//! component. They write the same records (same names, same bytes) as their wasm versions, so
//! that the suite compares the same work and the tests can assert that they agree.
//!
//! Records are built with the SDK's own [`Gather`] (which runs on the host target too), so the
//! record encoding (dropping `managedFields`, key order) is the same code on both sides; what
//! differs is where the listing and the decoding run.

use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, ObjectList};
use wagather_sdk::apis::config_v1::ClusterOperator;
use wagather_sdk::request::Target;
use wagather_sdk::{Config, Gather, Record, ResourceExt as _};

use crate::BenchError;

/// The page size of the SDK's `list_all`, used here too.
const PAGE: u32 = 500;

/// Lists every object of `api`, following `continue`, like the SDK's `list_all`.
async fn list_all<K>(api: &Api<K>) -> Result<Vec<K>, BenchError>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut params = ListParams::default().limit(PAGE);
    let mut items = Vec::new();
    loop {
        let page: ObjectList<K> = api.list(&params).await?;
        items.extend(page.items);
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(items),
        }
    }
}

/// Lists every `K` with `client`, following `continue`, decoded into the SDK's own type for the
/// kind. This is what `Api<K>::list` does (`kube::core::Request` builds the same request and
/// `Client::request` decodes it); `Api<K>` itself needs a type implementing `kube::Resource`,
/// which the SDK's generated OpenShift kinds are not.
async fn list_all_sdk<K: wagather_sdk::Resource>(
    client: &kube::Client,
) -> Result<Vec<K>, BenchError> {
    // Cluster-scoped and all-namespaces collections have the same path.
    let path = wagather_sdk::request::collection_path::<K>(Target::AllNamespaces)?;
    let request = kube::core::Request::new(path);
    let mut params = ListParams::default().limit(PAGE);
    let mut items = Vec::new();
    loop {
        let list = request.list(&params).map_err(kube::Error::BuildRequest)?;
        let page: wagather_sdk::List<K> = client.request(list).await?;
        items.extend(page.items);
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(items),
        }
    }
}

/// `cluster-operators` natively: every ClusterOperator to `config/clusteroperator/<name>`,
/// decoded into the same generated `ClusterOperator` type as the guest's.
pub async fn cluster_operators(client: &kube::Client) -> Result<Vec<Record>, BenchError> {
    operator_records(list_all_sdk::<ClusterOperator>(client).await?)
}

/// `cluster-operators`' own work natively, without the request: one list response `body`
/// decoded (as `kube::Client` decodes, from text) and turned into records.
pub fn cluster_operators_from(body: &[u8]) -> Result<Vec<Record>, BenchError> {
    let text = std::str::from_utf8(body).map_err(|e| BenchError::Http {
        path: "(list body)".to_owned(),
        reason: e.to_string(),
    })?;
    let list: wagather_sdk::List<ClusterOperator> = serde_json::from_str(text)?;
    operator_records(list.items)
}

fn operator_records(
    operators: impl IntoIterator<Item = ClusterOperator>,
) -> Result<Vec<Record>, BenchError> {
    let mut ctx = Gather::new(Config::default());
    for operator in operators {
        ctx.record_json(
            format!("config/clusteroperator/{}", operator.name()),
            &operator,
        )?;
    }
    finish(ctx)
}

/// `pod-inventory` natively: typed `Api<Pod>` over all namespaces, summarized with the
/// gatherer's own [`pod_inventory::summarize`].
pub async fn pod_inventory(client: &kube::Client) -> Result<Vec<Record>, BenchError> {
    let api: Api<Pod> = Api::all(client.clone());
    let pods = list_all(&api).await?;
    let mut ctx = Gather::new(Config::default());
    for (namespace, inventory) in pod_inventory::summarize(pods) {
        ctx.record_json(pod_inventory::record_name(&namespace), &inventory)?;
    }
    finish(ctx)
}

fn finish(ctx: Gather) -> Result<Vec<Record>, BenchError> {
    let output = ctx.finish(Ok(()));
    match output.errors.first() {
        Some(error) => Err(BenchError::Http {
            path: "(records)".to_owned(),
            reason: error.to_string(),
        }),
        None => Ok(output.records),
    }
}

/// `GET path` with `client`, the body read whole: what the host does for a guest's
/// `kube.http-request`, without the guest.
pub async fn fetch(client: &kube::Client, path: &str) -> Result<Vec<u8>, BenchError> {
    let fail = |reason: String| BenchError::Http {
        path: path.to_owned(),
        reason,
    };
    let request = http::Request::get(path)
        .body(kube::client::Body::empty())
        .map_err(|e| fail(e.to_string()))?;
    let response = client.send(request).await?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| fail(e.to_string()))?
        .to_bytes();
    if !status.is_success() {
        return Err(fail(format!("status {status}")));
    }
    Ok(body.to_vec())
}

/// Every page of the pod list (`limit=500`), as the bench-echo guest requests them.
pub async fn pod_pages(client: &kube::Client) -> Result<Vec<Vec<u8>>, BenchError> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = test_guest_bench_echo::page_path("/api/v1/pods", token.as_deref());
        let body = fetch(client, &path).await?;
        let page = test_guest_bench_echo::decode_typed(&body)?;
        pages.push(body);
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(pages),
        }
    }
}
