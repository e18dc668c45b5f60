//! `clusterconfig/service_accounts`: how many service accounts the default and OpenShift
//! namespaces hold.
//!
//! IO (`gather_service_accounts.go`) reads the first 1000 namespaces and lists the service
//! accounts (a first page of at most 1000) of `default`, `kube-system`, `kube-public`,
//! `openshift` and every `openshift-*` namespace; a namespace it cannot read is skipped. It
//! builds a per-namespace list of names and secret counts but writes only
//! `config/serviceaccounts.json` = `{"serviceAccounts": {"TOTAL_COUNT": <accounts>}}`.

use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::json;

/// Records `config/serviceaccounts`.
#[gatherer(name = "clusterconfig/service_accounts", reads = ["v1/namespaces", "v1/serviceaccounts"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let namespaces = match insights_common::first_namespaces() {
        Ok(namespaces) => namespaces,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut names: Vec<&str> = vec!["default", "kube-system", "kube-public", "openshift"];
    names.extend(
        namespaces
            .iter()
            .map(Object::name)
            .filter(|n| n.starts_with("openshift-")),
    );
    let accounts = Dynamic::of::<core_v1::ServiceAccount>();
    let mut total = 0usize;
    for namespace in names {
        // IO logs a namespace it cannot read and goes on.
        if let Ok(page) = accounts.list_in(namespace, &ListParams::default().limit(1000)) {
            total += page.items.len();
        }
    }
    ctx.record_go_json(
        "config/serviceaccounts",
        &json!({"serviceAccounts": {"TOTAL_COUNT": total}}),
    )
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, record_json, sample};
    use serde_json::json;

    #[test]
    fn counts_the_accounts_of_the_sample_namespaces() {
        // The sample lists its accounts by namespace (IO no longer writes that list, only
        // the total); serve them back.
        let listed = sample("config/serviceaccounts.json");
        let by_namespace = listed["serviceAccounts"]["namespaces"].as_object().unwrap();
        let server = Server::new();
        let namespaces: Vec<_> = by_namespace
            .keys()
            .chain(["user-project".to_owned()].iter())
            .map(|n| json!({"metadata": {"name": n}}))
            .collect();
        server.list(
            "/api/v1/namespaces?limit=1000",
            "v1",
            "Namespace",
            &namespaces,
        );
        let mut count = 0;
        for (namespace, accounts) in by_namespace {
            let items: Vec<_> = accounts
                .as_array()
                .unwrap()
                .iter()
                .map(|a| json!({"metadata": {"name": a["name"], "namespace": namespace}}))
                .collect();
            count += items.len();
            server.list(
                &format!("/api/v1/namespaces/{namespace}/serviceaccounts?limit=1000"),
                "v1",
                "ServiceAccount",
                &items,
            );
        }
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert!(count > 0);
        assert_eq!(
            record_json(&output, "config/serviceaccounts.json"),
            json!({"serviceAccounts": {"TOTAL_COUNT": count}})
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
