//! `clusterconfig/config_maps`: the config maps of `openshift-config` with certificates
//! hidden, the monitoring and network operators' configs, the Insights Operator's own
//! configuration, and the install config.
//!
//! IO (`gather_config_maps.go`, `cluster_config_v1_config_map.go`):
//!
//! - every key of every config map of `openshift-config` goes to
//!   `config/configmaps/openshift-config/<map>/<key>` as raw text; a value made only of PEM
//!   blocks becomes one `-----BEGIN CERTIFICATE-----\nANONYMIZED\n-----END CERTIFICATE-----\n`
//!   per block (anything else, including blocks followed by other text, is kept as it is);
//!   `binaryData` values are treated the same and written in base64;
//! - every key of `openshift-monitoring/cluster-monitoring-config` and
//!   `openshift-network-operator/gateway-mode-config` is read as YAML and written as JSON
//!   (sorted keys) to `config/configmaps/<namespace>/<map>/<key without .yaml>.json`;
//! - `openshift-insights/insights-config`'s `config.yaml` is read into IO's configuration
//!   type (unknown fields dropped, field names matched case-insensitively) and written to
//!   `config/configmaps/openshift-insights/insights-config/config.json` with the proxy's
//!   `httpProxy`, `httpsProxy` and `noProxy` turned into `x`s;
//! - `kube-system/cluster-config-v1`'s `install-config` is read as YAML and written back as
//!   YAML to `config/configmaps/kube-system/cluster-config-v1/install-config` with `sshKey`,
//!   `pullSecret`, `baseDomain`, the fencing credentials' `hostName`, `username`, `password`
//!   and `address`, AWS and Azure `region`, bare metal hosts' BMC `username`, `password` and
//!   `address`, GCP `region`, `projectID` and DNS private zone `projectID`, vSphere failure
//!   domains' `datacenter` and vCenters' `user` and `password`, and OpenStack `cloud` turned
//!   into `x`s.
//!
//! A config map that cannot be read, or whose YAML does not parse, is reported; the others
//! are still gathered. Unlike IO, which reads the install config into its installer types,
//! fields those types do not know are kept.

mod yaml;

use insights_common::anonymize::{base64, x};
use insights_common::pem;
use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::{Map, Value};

/// Records the config maps IO gathers.
#[gatherer(
    name = "clusterconfig/config_maps",
    reads = [
        "v1/configmaps in openshift-config,openshift-monitoring,openshift-network-operator,openshift-insights,kube-system",
    ]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    if let Err(e) = openshift_config(ctx) {
        ctx.error(e);
    }
    for (namespace, name) in [
        ("openshift-monitoring", "cluster-monitoring-config"),
        ("openshift-network-operator", "gateway-mode-config"),
    ] {
        if let Err(e) = yaml_as_json(ctx, namespace, name) {
            ctx.error(e);
        }
    }
    if let Err(e) = insights_config(ctx) {
        ctx.error(e);
    }
    if let Err(e) = install_config(ctx) {
        ctx.error(e);
    }
    Ok(())
}

fn string_entries<'a>(map: &'a Object, field: &str) -> Vec<(&'a String, &'a str)> {
    map.get(&[field])
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k, v)))
        .collect()
}

/// `gatherConfigMaps`: every key of every config map of `openshift-config`.
fn openshift_config(ctx: &mut Gather) -> Result<()> {
    let maps = core_v1::config_maps()
        .namespaced("openshift-config")
        .list_objects(&ListParams::default())?;
    for map in &maps {
        let prefix = format!("config/configmaps/openshift-config/{}", map.name());
        for (key, value) in string_entries(map, "data") {
            ctx.record_raw(format!("{prefix}/{key}"), pem::anonymize(value.as_bytes()))?;
        }
        for (key, value) in string_entries(map, "binaryData") {
            let Some(bytes) = decode_base64(value) else {
                continue;
            };
            ctx.record_raw(format!("{prefix}/{key}"), base64(&pem::anonymize(&bytes)))?;
        }
    }
    Ok(())
}

/// `gatherConfigMap`: each key's YAML as JSON.
fn yaml_as_json(ctx: &mut Gather, namespace: &str, name: &str) -> Result<()> {
    let map = core_v1::config_maps()
        .namespaced(namespace)
        .get_object(name)?;
    let mut records = Vec::new();
    for (key, value) in string_entries(&map, "data") {
        let parsed = parse_yaml(value)
            .map_err(|e| Error::InvalidParams(format!("{namespace}/{name} {key}: {e}")))?;
        let json = wagather_sdk::go_json::to_vec(&parsed).map_err(|source| Error::Encode {
            what: format!("{namespace}/{name} {key}"),
            source,
        })?;
        let key = key.strip_suffix(".yaml").unwrap_or(key);
        records.push((format!("config/configmaps/{namespace}/{name}/{key}"), json));
    }
    for (path, json) in records {
        ctx.record_json_bytes(path, json)?;
    }
    Ok(())
}

/// A YAML document as JSON; an empty document is `null`, as `yaml.YAMLToJSON` gives.
fn parse_yaml(text: &str) -> std::result::Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string())
}

/// The Insights Operator's configuration as it marshals it (`InsightsConfigurationSerialized`):
/// fields in its order, empty strings left out.
#[derive(serde::Serialize, Default)]
struct InsightsConfig {
    #[serde(rename = "dataReporting")]
    data_reporting: Fields,
    alerting: Fields,
    sca: Fields,
    #[serde(rename = "clusterTransfer")]
    cluster_transfer: Fields,
    proxy: Fields,
}

/// A Go struct of `omitempty` string (and one string list) fields, in declaration order.
#[derive(Default)]
struct Fields(Vec<(&'static str, Value)>);

impl serde::Serialize for Fields {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let present: Vec<_> = self
            .0
            .iter()
            .filter(|(_, v)| match v {
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            })
            .collect();
        let mut map = serializer.serialize_map(Some(present.len()))?;
        for (k, v) in present {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Go's `json.Unmarshal` into a struct: the member named `field`, else one whose name matches
/// it ignoring case.
fn member<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    object.get(field).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field))
            .map(|(_, v)| v)
    })
}

fn fields(
    object: Option<&Value>,
    names: &[&'static str],
    list: Option<&'static str>,
) -> std::result::Result<Fields, String> {
    let mut out = Fields::default();
    let empty = Map::new();
    let object = match object {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(other) => return Err(format!("cannot unmarshal {other} into an object")),
    };
    for name in names {
        let value = match member(object, name) {
            None | Some(Value::Null) => Value::String(String::new()),
            Some(Value::String(s)) => Value::String(s.clone()),
            Some(Value::Array(items)) if Some(*name) == list => {
                let strings: std::result::Result<Vec<Value>, String> = items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(Value::String(s.clone())),
                        other => Err(format!("cannot unmarshal {other} into a string")),
                    })
                    .collect();
                Value::Array(strings?)
            }
            Some(other) => return Err(format!("cannot unmarshal {other} into field {name}")),
        };
        out.0.push((name, value));
    }
    Ok(out)
}

/// `gatherInsightsConfigCM`.
fn insights_config(ctx: &mut Gather) -> Result<()> {
    let map = core_v1::config_maps()
        .namespaced("openshift-insights")
        .get_object("insights-config")?;
    let text = map.str_at(&["data", "config.yaml"]).unwrap_or("");
    let bad = |e: String| {
        Error::InvalidParams(format!(
            "openshift-insights/insights-config config.yaml: {e}"
        ))
    };
    let parsed = parse_yaml(text).map_err(bad)?;
    let root = match &parsed {
        Value::Null => Map::new(),
        Value::Object(o) => o.clone(),
        other => {
            return Err(bad(format!(
                "cannot unmarshal {other} into the configuration"
            )));
        }
    };
    let mut config = InsightsConfig {
        data_reporting: fields(
            member(&root, "dataReporting"),
            &[
                "interval",
                "uploadEndpoint",
                "downloadEndpoint",
                "downloadEndpointTechPreview",
                "storagePath",
                "conditionalGathererEndpoint",
                "processingStatusEndpoint",
                "obfuscation",
                "disableRuntimeExtractor",
            ],
            Some("obfuscation"),
        )
        .map_err(bad)?,
        alerting: fields(member(&root, "alerting"), &["disabled"], None).map_err(bad)?,
        sca: fields(
            member(&root, "sca"),
            &["disabled", "interval", "endpoint"],
            None,
        )
        .map_err(bad)?,
        cluster_transfer: fields(
            member(&root, "clusterTransfer"),
            &["interval", "endpoint"],
            None,
        )
        .map_err(bad)?,
        proxy: fields(
            member(&root, "proxy"),
            &["httpProxy", "httpsProxy", "noProxy"],
            None,
        )
        .map_err(bad)?,
    };
    for (_, value) in &mut config.proxy.0 {
        if let Value::String(s) = value {
            *s = x(s);
        }
    }
    ctx.record_go_json(
        "config/configmaps/openshift-insights/insights-config/config",
        &config,
    )
}

/// `gatherClusterConfigV1`.
fn install_config(ctx: &mut Gather) -> Result<()> {
    let map = core_v1::config_maps()
        .namespaced("kube-system")
        .get_object("cluster-config-v1")?;
    let text = match map.str_at(&["data", "install-config"]) {
        Some(text) => {
            let mut parsed = parse_yaml(text).map_err(|e| {
                Error::InvalidParams(format!("kube-system/cluster-config-v1 install-config: {e}"))
            })?;
            anonymize_install_config(&mut parsed);
            yaml::to_string(&parsed)
        }
        None => String::new(),
    };
    ctx.record_raw(
        "config/configmaps/kube-system/cluster-config-v1/install-config",
        pem::anonymize(text.as_bytes()),
    )
}

/// Turns the string at `path` below `value` into `x`s, if it is there.
fn hide(value: &mut Value, path: &[&str]) {
    let mut at = value;
    for key in path {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Value::String(s) = at {
        *s = x(s);
    }
}

/// Applies `f` to every element of the array at `path`, if it is there.
fn each(value: &mut Value, path: &[&str], f: impl Fn(&mut Value)) {
    let mut at = value;
    for key in path {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Value::Array(items) = at {
        items.iter_mut().for_each(f);
    }
}

fn hide_fencing(pool: &mut Value) {
    each(pool, &["fencing", "credentials"], |c| {
        for field in ["hostName", "username", "password", "address"] {
            hide(c, &[field]);
        }
    });
}

/// `anonymizeInstallConfig`.
fn anonymize_install_config(config: &mut Value) {
    for field in ["sshKey", "pullSecret", "baseDomain"] {
        hide(config, &[field]);
    }
    for pool in ["controlPlane", "arbiter"] {
        if let Some(pool) = config.get_mut(pool) {
            hide_fencing(pool);
        }
    }
    each(config, &["compute"], hide_fencing);
    hide(config, &["platform", "aws", "region"]);
    hide(config, &["platform", "azure", "region"]);
    each(config, &["platform", "baremetal", "hosts"], |h| {
        for field in ["username", "password", "address"] {
            hide(h, &["bmc", field]);
        }
    });
    for path in [
        &["platform", "gcp", "region"][..],
        &["platform", "gcp", "projectID"],
        &["platform", "gcp", "dns", "privateZone", "projectID"],
        &["platform", "openstack", "cloud"],
    ] {
        hide(config, path);
    }
    each(config, &["platform", "vsphere", "failureDomains"], |d| {
        hide(d, &["topology", "datacenter"])
    });
    each(config, &["platform", "vsphere", "vcenters"], |v| {
        hide(v, &["user"]);
        hide(v, &["password"]);
    });
}

/// Standard base64 (a config map's `binaryData`).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0;
    for b in text.bytes().filter(|b| *b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, record, record_json, sample, sample_bytes, sample_root,
    };
    use serde_json::{Value, json};

    /// The config maps the sample's files were written from: each file is one key; IO wrote
    /// the JSON ones from a `<key>.yaml` key.
    fn sample_maps() -> Vec<(String, String, Value)> {
        let root = sample_root().join("config/configmaps");
        let mut maps = Vec::new();
        for ns in std::fs::read_dir(&root).unwrap() {
            let ns = ns.unwrap();
            for map in std::fs::read_dir(ns.path()).unwrap() {
                let map = map.unwrap();
                let mut data = serde_json::Map::new();
                for file in std::fs::read_dir(map.path()).unwrap() {
                    let file = file.unwrap().file_name().into_string().unwrap();
                    let text = String::from_utf8(sample_bytes(&format!(
                        "config/configmaps/{}/{}/{file}",
                        ns.file_name().to_str().unwrap(),
                        map.file_name().to_str().unwrap()
                    )))
                    .unwrap();
                    let key = match file.strip_suffix(".json") {
                        Some(stem) => format!("{stem}.yaml"),
                        None => file,
                    };
                    data.insert(key, json!(text));
                }
                let (ns, name) = (
                    ns.file_name().into_string().unwrap(),
                    map.file_name().into_string().unwrap(),
                );
                maps.push((
                    ns.clone(),
                    name.clone(),
                    json!({"metadata": {"name": name, "namespace": ns}, "data": data}),
                ));
            }
        }
        maps
    }

    fn serve(server: &Server) {
        let maps = sample_maps();
        let config: Vec<Value> = maps
            .iter()
            .filter(|(ns, _, _)| ns == "openshift-config")
            .map(|(_, _, m)| m.clone())
            .collect();
        server.list(
            "/api/v1/namespaces/openshift-config/configmaps",
            "v1",
            "ConfigMap",
            &config,
        );
        for (ns, name, map) in maps.iter().filter(|(ns, _, _)| ns != "openshift-config") {
            server.object(
                &format!("/api/v1/namespaces/{ns}/configmaps/{name}"),
                map,
                "v1",
                "ConfigMap",
            );
        }
    }

    #[test]
    fn writes_every_sample_config_map_file() {
        let server = Server::new();
        serve(&server);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 15);
        for r in &output.records {
            let path = r.archive_path();
            if path.ends_with(".json") {
                assert_eq!(record_json(&output, &path), sample(&path), "{path}");
            } else {
                // Text files compare without trailing line breaks, which editing the sample
                // removed from some.
                assert_eq!(
                    String::from_utf8_lossy(&r.data).trim_end_matches('\n'),
                    String::from_utf8_lossy(&sample_bytes(&path)).trim_end_matches('\n'),
                    "{path}"
                );
            }
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn certificates_proxies_and_install_secrets_are_hidden() {
        let cert =
            "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW7u0\n-----END CERTIFICATE-----\n";
        let server = Server::new();
        server.list("/api/v1/namespaces/openshift-config/configmaps", "v1", "ConfigMap", &[
            json!({"metadata": {"name": "ca", "namespace": "openshift-config"}, "data": {"ca.crt": cert}})]);
        server.object("/api/v1/namespaces/openshift-insights/configmaps/insights-config", &json!({
            "metadata": {"name": "insights-config", "namespace": "openshift-insights"},
            "data": {"config.yaml": "dataReporting:\n  obfuscation:\n  - networking\n  unknown: 1\nProxy:\n  httpProxy: http://p:3128\n"}}), "v1", "ConfigMap");
        server.object("/api/v1/namespaces/kube-system/configmaps/cluster-config-v1", &json!({
            "metadata": {"name": "cluster-config-v1", "namespace": "kube-system"},
            "data": {"install-config": "apiVersion: v1\nbaseDomain: example.com\nsshKey: ssh-rsa AAAA\nplatform:\n  gcp:\n    projectID: acme\n    region: us-east1\n"}}), "v1", "ConfigMap");
        let output = server.run(crate::__wagather_run, &[]);
        // The monitoring and network config maps are missing: two errors.
        assert_eq!(output.errors.len(), 2, "{:?}", output.errors);
        assert_eq!(
            record(&output, "config/configmaps/openshift-config/ca/ca.crt").data,
            insights_common::pem::ANONYMIZED_BLOCK.as_bytes()
        );
        assert_eq!(
            record_json(
                &output,
                "config/configmaps/openshift-insights/insights-config/config.json"
            ),
            json!({"dataReporting": {"obfuscation": ["networking"]}, "alerting": {}, "sca": {}, "clusterTransfer": {}, "proxy": {"httpProxy": "xxxxxxxxxxxxx"}})
        );
        assert_eq!(
            String::from_utf8_lossy(
                &record(
                    &output,
                    "config/configmaps/kube-system/cluster-config-v1/install-config"
                )
                .data
            ),
            "apiVersion: v1\nbaseDomain: xxxxxxxxxxx\nplatform:\n  gcp:\n    projectID: xxxx\n    region: xxxxxxxx\nsshKey: xxxxxxxxxxxx\n"
        );
    }
}
