//! `clusterconfig/proxies`: the cluster's `Proxy` configuration, anonymized.
//!
//! IO (`gather_cluster_proxy.go`) GETs `proxies.config.openshift.io/cluster` with a typed
//! client (no `kind` or `apiVersion`) and writes it to `config/proxy.json` without
//! `managedFields`, after hiding, with URL-x (every character but `.-/:` becomes `x`):
//!
//! - `spec` and `status` `httpProxy`, `httpsProxy` and `noProxy`, each comma-separated part;
//! - every `spec.readinessEndpoints` entry.
//!
//! Go omits these fields when empty (`omitempty`), so an empty one is left out, and so is an
//! empty `readinessEndpoints` list (IO's `URLSlice` makes it nil). Nothing is written when the
//! object does not exist.

use insights_common::anonymize::{url, url_csv};
use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records `config/proxy`.
#[gatherer(name = "clusterconfig/proxies", reads = ["config.openshift.io/v1/proxies"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    insights_common::gather_singleton(
        ctx,
        config_v1::proxies(),
        "cluster",
        "config/proxy",
        anonymize,
    )
}

/// `anonymizeProxy`.
fn anonymize(proxy: &mut Object) {
    for part in ["spec", "status"] {
        for field in ["httpProxy", "httpsProxy", "noProxy"] {
            match proxy.get_mut(&[part, field]) {
                Some(Value::String(value)) if !value.is_empty() => *value = url_csv(value),
                Some(_) => {
                    proxy.remove(&[part, field]);
                }
                None => {}
            }
        }
    }
    match proxy.get_mut(&["spec", "readinessEndpoints"]) {
        Some(Value::Array(endpoints)) if !endpoints.is_empty() => {
            for endpoint in endpoints {
                let hidden = url(endpoint.as_str().unwrap_or(""));
                *endpoint = Value::String(hidden);
            }
        }
        Some(_) => {
            proxy.remove(&["spec", "readinessEndpoints"]);
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample};
    use serde_json::json;

    const PATH: &str = "/apis/config.openshift.io/v1/proxies/cluster";

    #[test]
    fn writes_the_object_as_the_sample_has_it() {
        let server = Server::new();
        server.object(
            PATH,
            &sample("config/proxy.json"),
            "config.openshift.io/v1",
            "Proxy",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, "config/proxy.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn proxy_urls_are_hidden() {
        let mut proxy = sample("config/proxy.json");
        proxy["spec"]["httpProxy"] = json!("http://user:pw@proxy.corp:3128");
        proxy["spec"]["noProxy"] = json!(".corp,10.0.0.0/8");
        proxy["spec"]["httpsProxy"] = json!("");
        proxy["spec"]["readinessEndpoints"] = json!(["https://www.google.com"]);
        proxy["status"] =
            json!({"httpProxy": "http://proxy.corp:3128", "noProxy": ".corp,10.0.0.0/8,.svc"});
        let server = Server::new();
        server.object(PATH, &proxy, "config.openshift.io/v1", "Proxy");
        let output = server.run(crate::__wagather_run, &[]);
        let written = record_json(&output, "config/proxy.json");
        assert_eq!(
            written["spec"],
            json!({
                "trustedCA": {"name": ""},
                "httpProxy": "xxxx://xxxx:xxxxxxxx.xxxx:xxxx",
                "noProxy": ".xxxx,xx.x.x.x/x",
                "readinessEndpoints": ["xxxxx://xxx.xxxxxx.xxx"],
            })
        );
        assert_eq!(
            written["status"],
            json!({"httpProxy": "xxxx://xxxxx.xxxx:xxxx", "noProxy": ".xxxx,xx.x.x.x/x,.xxx"})
        );
    }
}
