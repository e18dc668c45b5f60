//! What the ports of the Insights Operator's gatherers share.
//!
//! The Insights Operator (IO) writes its archive with Go: typed objects as client-go returns
//! them, unstructured ones with sorted keys, `json.Marshal` escapes, values hidden by its own
//! anonymizers. The gatherers in `gatherers/` reproduce that archive path for path and value
//! for value; the rules they have in common live here, each next to the IO code it follows:
//!
//! - [`anonymize`]: `pkg/utils/anonymize` (`x` and URL-x);
//! - [`pods`]: `pkg/utils/check` (healthy and crash-looping pods);
//! - [`events`]: the compacted events of `events_filtering.go`;
//! - [`time`]: RFC 3339 and Go's `time.Time` text without a date-time library;
//! - [`record_path`]: `config/<kind>/[<namespace>/]<name>`, the layout most of them use;
//! - `testing` (host target only): serving real sample objects to a gatherer as a real API
//!   server would, and checking what it read against what it declared.

pub mod anonymize;
pub mod events;
pub mod pem;
pub mod pods;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
pub mod time;

use wagather_sdk::prelude::*;
use wagather_sdk::resource::scope;

/// `<prefix>/<namespace>/<name>` for a namespaced object, `<prefix>/<name>` otherwise: how IO
/// names the records of most kinds it gathers.
pub fn record_path(prefix: &str, object: &Object) -> String {
    match object.namespace() {
        Some(namespace) => format!("{prefix}/{namespace}/{}", object.name()),
        None => format!("{prefix}/{}", object.name()),
    }
}

/// IO's gather interval (`dataReporting.interval` of its configuration; 2 hours by default):
/// the gatherers that keep only recent events keep those of the last interval. The operator
/// sets it with the gatherer configuration key `interval`, a Go duration (`2h`, `90m`).
pub fn gather_interval(config: &wagather_sdk::Config) -> Result<std::time::Duration, String> {
    match config.get("interval") {
        None => Ok(std::time::Duration::from_secs(2 * 3600)),
        Some(text) => time::parse_go_duration(text)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                format!(
                    "configuration key interval: {text:?} is not a positive Go duration (e.g. 2h)"
                )
            }),
    }
}

/// What most of IO's typed singleton gatherers do (`authentication`, `image`, `proxies`, ...):
/// GET the cluster-scoped object `name`; when it exists, let `anonymize` change it and record
/// it at `record` as client-go's typed GET returns it (no `kind` or `apiVersion`), without
/// `managedFields`. A 404 is no record and no error.
pub fn gather_singleton<K: Resource<Scope = scope::Cluster>>(
    ctx: &mut Gather,
    client: Client<K>,
    name: &str,
    record: &str,
    anonymize: impl FnOnce(&mut Object),
) -> Result<()> {
    match client.get_object(name) {
        Ok(object) => {
            let mut object = object.without_type_meta();
            anonymize(&mut object);
            ctx.record_object(record, &object)
        }
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// The objects of `resource` as IO's dynamic client lists them: every object, with `kind`
/// and `apiVersion`; none, and no error, when the server does not serve the resource (a 404:
/// the CRD is not installed), as IO treats `NotFound`.
pub fn list_dynamic(resource: &Dynamic) -> Result<Vec<Object>> {
    match resource.list_all(&ListParams::default()) {
        Ok(objects) => Ok(objects),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// `utils.GetAllNamespaces`: the first page of at most 1000 namespaces (IO does not read
/// further pages). Needs the read `v1/namespaces`.
pub fn first_namespaces() -> Result<Vec<Object>> {
    Dynamic::of::<wagather_sdk::apis::core_v1::Namespace>()
        .list(&ListParams::default().limit(1000))
        .map(|page| page.items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn record_paths_name_the_namespace_when_there_is_one() {
        let namespaced: Object =
            serde_json::from_value(json!({"metadata": {"name": "a", "namespace": "ns"}})).unwrap();
        let cluster: Object = serde_json::from_value(json!({"metadata": {"name": "b"}})).unwrap();
        assert_eq!(
            record_path("config/machines", &namespaced),
            "config/machines/ns/a"
        );
        assert_eq!(
            record_path("config/machines", &cluster),
            "config/machines/b"
        );
    }

    #[test]
    fn the_interval_defaults_to_two_hours() {
        let config = wagather_sdk::Config::default();
        assert_eq!(
            gather_interval(&config),
            Ok(std::time::Duration::from_secs(7200))
        );
        let config = wagather_sdk::Config::new(vec![("interval".into(), "90m".into())]);
        assert_eq!(
            gather_interval(&config),
            Ok(std::time::Duration::from_secs(5400))
        );
        let config = wagather_sdk::Config::new(vec![("interval".into(), "soon".into())]);
        assert!(gather_interval(&config).is_err());
    }
}
