//! `host.toml`: what `wagather run` does, read and checked before anything starts.
//!
//! ```toml
//! period = "2h"               # from the start of one period to the start of the next
//! parallel = 4                # gatherers running at once
//! shutdown_grace = "20s"      # how long a running period may take to finish on SIGTERM
//! listen = "0.0.0.0:8080"     # /metrics, /healthz, /readyz, /status; absent: no listener
//!
//! [api]                       # absent: in-cluster config, else the default kubeconfig
//! kubeconfig = "kubeconfig"   # or: server = "http://127.0.0.1:8080", or: snapshot = "testdata/..."
//!
//! [output]
//! dir = "archives"            # insights-*.tar.gz land here
//! retain = 12                 # archives kept; older ones are deleted
//!
//! [state]
//! dir = "state"               # verified components, the compiled-code cache, status.json
//!
//! [updates]
//! connect_timeout = "10s"
//! read_timeout = "30s"
//! total_timeout = "5m"
//! max_bytes = "64MiB"
//! ca_files = ["ca.pem"]                   # roots trusted besides the system's
//! insecure_registries = ["127.0.0.1:5055"] # plain HTTP, per registry host:port
//! trusted_keys = ["release.pub"]          # minisign public keys
//! signatures = "if-present"               # default of every gatherer: off | if-present | required
//!
//! [limits]                    # default limits of every run (the limits file's keys)
//! deadline = "30s"
//!
//! [policy]                    # the operator's policy (the policy file's keys)
//! deny = [{ group = "", version = "*", resource = "configmaps", namespaces = ["kube-system"] }]
//!
//! [[gatherer]]
//! name = "cluster-operators"  # the instance's name: logs, metrics, gathers.json, the store
//! gatherer = "cluster-operators" # the manifest name its component must declare (default: name)
//! source = "oci://127.0.0.1:5055/gatherers/cluster-operators:v1"
//! signatures = "required"
//! auth = { basic_file = "/var/run/secrets/registry/basic" } # or basic_env, bearer_file, bearer_env
//! limits = { deadline = "10s" }            # over [limits]
//! reads = ["config.openshift.io/v1/clusteroperators"] # narrows what the manifest allows
//! allow_secrets = false
//! allow_downgrade = false     # accept a version lower than the running one
//! config = { key = "value" }  # what its `gather` receives
//! ```
//!
//! Relative paths (files, sources, directories) are relative to the directory of the config
//! file. Every error names the file, the key (`gatherer[2].source`) and what was wrong, with
//! the line and column where the parser knows them; nothing starts on a bad config.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use wagather_contract::ReadRule;
use wagather_source::{
    Credentials, FetchOptions, RegistryAuth, SignatureMode, SourceSpec, TrustedKeys,
};

use crate::limits::Limits;
use crate::policy::HostPolicy;

/// Where the API is, as the config names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiTarget {
    /// In-cluster config, else `$KUBECONFIG` or `~/.kube/config`.
    Default,
    /// This kubeconfig's current context.
    Kubeconfig(PathBuf),
    /// A plain URL without credentials.
    Server(String),
    /// A snapshot served on loopback by the embedding program (the host library does not
    /// serve snapshots itself).
    Snapshot(PathBuf),
}

/// The whole service configuration, checked.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// The file it was read from (for messages).
    pub file: PathBuf,
    pub api: ApiTarget,
    /// From the start of one period to the start of the next.
    pub period: Duration,
    /// Gatherers running at the same time.
    pub parallel: usize,
    /// How long a running period may take to finish after a shutdown request before it is
    /// cancelled.
    pub shutdown_grace: Duration,
    /// Where `/metrics`, `/healthz`, `/readyz` and `/status` are served; `None`: nowhere.
    pub listen: Option<SocketAddr>,
    /// Where archives are written.
    pub output_dir: PathBuf,
    /// How many archives are kept.
    pub retain: usize,
    /// The state directory: `components/` (the verified-component store), `compiled/` (the
    /// compilation cache) and `status.json`.
    pub state_dir: PathBuf,
    /// How sources are reached.
    pub fetch: FetchOptions,
    /// The minisign keys signatures are checked against.
    pub trusted_keys: TrustedKeys,
    /// Default limits of every run.
    pub limits: Limits,
    /// The operator's policy, with each gatherer's `reads` and `allow_secrets` merged in.
    pub policy: HostPolicy,
    /// The gatherers, in the order their records go into the archive.
    pub gatherers: Vec<GathererEntry>,
}

/// One gatherer of the service.
#[derive(Clone, Debug)]
pub struct GathererEntry {
    /// The instance's name.
    pub name: String,
    /// The manifest name its component must declare.
    pub gatherer: String,
    /// Where its component comes from.
    pub source: SourceSpec,
    /// Registry credentials.
    pub auth: RegistryAuth,
    /// Whether its component must be signed.
    pub signatures: SignatureMode,
    /// Its limits: `[limits]` with its own `limits` over them.
    pub limits: Limits,
    /// What its `gather` receives.
    pub config: Vec<(String, String)>,
    /// Whether a version lower than the running one is accepted.
    pub allow_downgrade: bool,
}

/// Why the config cannot be used: the file, the key and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ServiceConfigError {
    /// The file could not be read.
    #[error("could not read the service configuration {}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A value is missing, malformed or not acceptable.
    #[error("{}{}: {}{problem}", file.display(), position(*line, *column), key_prefix(key))]
    Invalid {
        file: PathBuf,
        /// The key, as a path (`gatherer[2].source`); empty for a syntax error.
        key: String,
        /// 1-based line and column, when the parser knows them.
        line: Option<usize>,
        column: Option<usize>,
        problem: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}: ")
    }
}

/// Durations as text (`"30s"`, `"1h 30m"`).
#[derive(Clone, Copy, Debug)]
struct DurationText(Duration);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let duration = humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid duration {text:?}: {e} (write e.g. \"30s\" or \"2h\")"
            ))
        })?;
        if duration.is_zero() {
            return Err(serde::de::Error::custom("must be longer than zero"));
        }
        Ok(DurationText(duration))
    }
}

/// Sizes as a number of bytes or text (`"16MiB"`).
#[derive(Clone, Copy, Debug)]
struct Bytes(u64);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        let bytes = match Raw::deserialize(d)? {
            Raw::Number(n) => n,
            Raw::Text(text) => text
                .parse::<bytesize::ByteSize>()
                .map_err(|e| {
                    serde::de::Error::custom(format!(
                        "invalid size {text:?}: {e} (write e.g. \"16MiB\" or a number of bytes)"
                    ))
                })?
                .as_u64(),
        };
        if bytes == 0 {
            return Err(serde::de::Error::custom("must be larger than zero"));
        }
        Ok(Bytes(bytes))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    period: Option<DurationText>,
    parallel: Option<usize>,
    shutdown_grace: Option<DurationText>,
    listen: Option<String>,
    #[serde(default)]
    api: RawApi,
    output: RawOutput,
    state: RawState,
    #[serde(default)]
    updates: RawUpdates,
    #[serde(default)]
    limits: toml::Table,
    #[serde(default)]
    policy: HostPolicy,
    #[serde(default, rename = "gatherer")]
    gatherers: Vec<RawGatherer>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApi {
    kubeconfig: Option<PathBuf>,
    server: Option<String>,
    snapshot: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: PathBuf,
    retain: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    dir: PathBuf,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUpdates {
    connect_timeout: Option<DurationText>,
    read_timeout: Option<DurationText>,
    total_timeout: Option<DurationText>,
    max_bytes: Option<Bytes>,
    #[serde(default)]
    ca_files: Vec<PathBuf>,
    #[serde(default)]
    insecure_registries: Vec<String>,
    #[serde(default)]
    trusted_keys: Vec<PathBuf>,
    signatures: Option<Mode>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    Off,
    IfPresent,
    Required,
}

impl From<Mode> for SignatureMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Off => SignatureMode::Off,
            Mode::IfPresent => SignatureMode::IfPresent,
            Mode::Required => SignatureMode::Required,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGatherer {
    name: String,
    gatherer: Option<String>,
    source: String,
    signatures: Option<Mode>,
    auth: Option<RawAuth>,
    #[serde(default)]
    limits: toml::Table,
    reads: Option<Vec<String>>,
    #[serde(default)]
    allow_secrets: bool,
    #[serde(default)]
    allow_downgrade: bool,
    #[serde(default)]
    config: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    basic_file: Option<PathBuf>,
    basic_env: Option<String>,
    bearer_file: Option<PathBuf>,
    bearer_env: Option<String>,
}

/// Defaults of what the config may leave out.
pub mod defaults {
    use std::time::Duration;

    /// Two hours, as the Insights Operator gathers.
    pub const PERIOD: Duration = Duration::from_secs(2 * 60 * 60);
    /// Four gatherers at once.
    pub const PARALLEL: usize = 4;
    /// Below Kubernetes' default 30 s termination grace period, so the host exits on its own.
    pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
    /// A day of archives at the default period.
    pub const RETAIN: usize = 12;
}

impl ServiceConfig {
    /// Reads and checks `file`.
    pub fn read(file: &Path) -> Result<ServiceConfig, ServiceConfigError> {
        let text = std::fs::read_to_string(file).map_err(|source| ServiceConfigError::Read {
            file: file.to_owned(),
            source,
        })?;
        ServiceConfig::parse(&text, file)
    }

    /// Parses and checks a config's text; `file` names it in errors and anchors relative
    /// paths.
    pub fn parse(text: &str, file: &Path) -> Result<ServiceConfig, ServiceConfigError> {
        let raw = parse_raw(text, file)?;
        Checker {
            file,
            base: file.parent().unwrap_or(Path::new("")),
        }
        .check(raw)
    }
}

fn parse_raw(text: &str, file: &Path) -> Result<RawConfig, ServiceConfigError> {
    let syntax = |e: toml::de::Error| {
        let (line, column) = line_column(text, e.span().map(|s| s.start));
        ServiceConfigError::Invalid {
            file: file.to_owned(),
            key: String::new(),
            line,
            column,
            problem: e.message().trim().to_owned(),
        }
    };
    let deserializer = toml::de::Deserializer::parse(text).map_err(syntax)?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let (line, column) = line_column(text, inner.span().map(|s| s.start));
        ServiceConfigError::Invalid {
            file: file.to_owned(),
            key: if key == "." { String::new() } else { key },
            line,
            column,
            problem: inner.message().trim().to_owned(),
        }
    })
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: Option<usize>) -> (Option<usize>, Option<usize>) {
    let Some(offset) = offset.filter(|o| *o <= text.len()) else {
        return (None, None);
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (Some(line), Some(column))
}

struct Checker<'a> {
    file: &'a Path,
    base: &'a Path,
}

impl Checker<'_> {
    fn fail(&self, key: impl Into<String>, problem: impl Into<String>) -> ServiceConfigError {
        ServiceConfigError::Invalid {
            file: self.file.to_owned(),
            key: key.into(),
            line: None,
            column: None,
            problem: problem.into(),
        }
    }

    fn path(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.base.join(path)
        }
    }

    fn check(&self, raw: RawConfig) -> Result<ServiceConfig, ServiceConfigError> {
        let api = match (raw.api.kubeconfig, raw.api.server, raw.api.snapshot) {
            (None, None, None) => ApiTarget::Default,
            (Some(path), None, None) => ApiTarget::Kubeconfig(self.path(&path)),
            (None, Some(url), None) => {
                url.parse::<http::Uri>()
                    .map_err(|e| self.fail("api.server", format!("`{url}` is not a URL: {e}")))?;
                ApiTarget::Server(url)
            }
            (None, None, Some(path)) => ApiTarget::Snapshot(self.path(&path)),
            _ => {
                return Err(self.fail(
                    "api",
                    "name at most one of kubeconfig, server and snapshot (none: in-cluster or the default kubeconfig)",
                ));
            }
        };
        let parallel = raw.parallel.unwrap_or(defaults::PARALLEL);
        if parallel == 0 {
            return Err(self.fail("parallel", "must be at least 1"));
        }
        let listen = raw
            .listen
            .map(|text| {
                text.parse::<SocketAddr>().map_err(|e| {
                    self.fail(
                        "listen",
                        format!("`{text}` is not an address with a port (e.g. 0.0.0.0:8080): {e}"),
                    )
                })
            })
            .transpose()?;
        let retain = raw.output.retain.unwrap_or(defaults::RETAIN);
        if retain == 0 {
            return Err(self.fail("output.retain", "must keep at least 1 archive"));
        }

        let fetch = self.fetch_options(&raw.updates)?;
        let mut trusted_keys = TrustedKeys::new();
        for (i, key) in raw.updates.trusted_keys.iter().enumerate() {
            trusted_keys
                .add_file(&self.path(key))
                .map_err(|e| self.fail(format!("updates.trusted_keys[{i}]"), e.to_string()))?;
        }
        let default_mode = raw
            .updates
            .signatures
            .map_or(SignatureMode::Off, Into::into);
        if default_mode != SignatureMode::Off && trusted_keys.is_empty() {
            return Err(self.fail(
                "updates.signatures",
                "signatures are to be checked, but updates.trusted_keys lists no key",
            ));
        }

        let limits = limits_from(&raw.limits)
            .map_err(|(key, problem)| self.fail(join_key("limits", &key), problem))?;

        let mut policy = raw.policy;
        let mut gatherers: Vec<GathererEntry> = Vec::with_capacity(raw.gatherers.len());
        for (i, g) in raw.gatherers.into_iter().enumerate() {
            let key = |field: &str| format!("gatherer[{i}].{field}");
            wagather_contract::manifest::check_name(&g.name)
                .map_err(|e| self.fail(key("name"), e.to_string()))?;
            if let Some(other) = gatherers.iter().position(|e| e.name == g.name) {
                return Err(self.fail(
                    key("name"),
                    format!(
                        "`{}` is the name of gatherer[{other}] too: each instance needs a name of its own",
                        g.name
                    ),
                ));
            }
            let manifest_name = g.gatherer.unwrap_or_else(|| g.name.clone());
            wagather_contract::manifest::check_name(&manifest_name)
                .map_err(|e| self.fail(key("gatherer"), e.to_string()))?;
            let source = match g.source.parse::<SourceSpec>() {
                Ok(SourceSpec::File(path)) => SourceSpec::File(self.path(&path)),
                Ok(spec) => spec,
                Err(e) => return Err(self.fail(key("source"), e.to_string())),
            };
            let auth = match g.auth {
                None => RegistryAuth::Anonymous,
                Some(auth) => self.auth(auth, &key("auth"))?,
            };
            if auth != RegistryAuth::Anonymous && !matches!(source, SourceSpec::Oci(_)) {
                return Err(self.fail(key("auth"), "credentials are only used with oci:// sources"));
            }
            let signatures = g.signatures.map_or(default_mode, Into::into);
            if signatures != SignatureMode::Off && trusted_keys.is_empty() {
                return Err(self.fail(
                    key("signatures"),
                    "signatures are to be checked, but updates.trusted_keys lists no key",
                ));
            }
            let mut merged = raw.limits.clone();
            merged.extend(g.limits);
            let limits = limits_from(&merged)
                .map_err(|(field, problem)| self.fail(join_key(&key("limits"), &field), problem))?;
            if let Some(reads) = g.reads {
                let mut rules = Vec::with_capacity(reads.len());
                for (j, read) in reads.iter().enumerate() {
                    rules.push(read.parse::<ReadRule>().map_err(|e| {
                        self.fail(format!("gatherer[{i}].reads[{j}]"), e.to_string())
                    })?);
                }
                policy = policy.restrict(&g.name, rules);
            }
            if g.allow_secrets {
                policy = policy.allow_secrets_for(&g.name);
            }
            let mut config = Vec::with_capacity(g.config.len());
            for (k, v) in g.config {
                let value = match v {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => {
                        return Err(self.fail(
                            format!("gatherer[{i}].config.{k}"),
                            format!(
                                "values are text, numbers or booleans, not {}",
                                other.type_str()
                            ),
                        ));
                    }
                };
                config.push((k, value));
            }
            gatherers.push(GathererEntry {
                name: g.name,
                gatherer: manifest_name,
                source,
                auth,
                signatures,
                limits,
                config,
                allow_downgrade: g.allow_downgrade,
            });
        }
        if gatherers.is_empty() {
            return Err(self.fail("gatherer", "no [[gatherer]] is configured"));
        }
        for name in policy.restrict.keys().chain(&policy.allow_secrets_for) {
            if !gatherers.iter().any(|g| &g.name == name) {
                return Err(self.fail(
                    "policy",
                    format!("names gatherer `{name}`, but no [[gatherer]] runs under that name"),
                ));
            }
        }

        Ok(ServiceConfig {
            file: self.file.to_owned(),
            api,
            period: raw.period.map_or(defaults::PERIOD, |d| d.0),
            parallel,
            shutdown_grace: raw.shutdown_grace.map_or(defaults::SHUTDOWN_GRACE, |d| d.0),
            listen,
            output_dir: self.path(&raw.output.dir),
            retain,
            state_dir: self.path(&raw.state.dir),
            fetch,
            trusted_keys,
            limits,
            policy,
            gatherers,
        })
    }

    fn fetch_options(&self, raw: &RawUpdates) -> Result<FetchOptions, ServiceConfigError> {
        let defaults = FetchOptions::default();
        let mut fetch = FetchOptions {
            connect_timeout: raw
                .connect_timeout
                .map_or(defaults.connect_timeout, |d| d.0),
            read_timeout: raw.read_timeout.map_or(defaults.read_timeout, |d| d.0),
            total_timeout: raw.total_timeout.map_or(defaults.total_timeout, |d| d.0),
            max_bytes: raw.max_bytes.map_or(defaults.max_bytes, |b| b.0),
            extra_roots_pem: Vec::new(),
            insecure_registries: Vec::new(),
        };
        for (i, file) in raw.ca_files.iter().enumerate() {
            fetch
                .add_root_pem_file(&self.path(file))
                .map_err(|e| self.fail(format!("updates.ca_files[{i}]"), e.cause.to_string()))?;
        }
        for (i, registry) in raw.insecure_registries.iter().enumerate() {
            let valid = registry
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid || registry.contains('/') {
                return Err(self.fail(
                    format!("updates.insecure_registries[{i}]"),
                    format!("`{registry}` is not host:port as the source names the registry (e.g. 127.0.0.1:5055)"),
                ));
            }
            fetch.insecure_registries.push(registry.clone());
        }
        Ok(fetch)
    }

    fn auth(&self, raw: RawAuth, key: &str) -> Result<RegistryAuth, ServiceConfigError> {
        let given = [
            raw.basic_file
                .as_ref()
                .map(|p| RegistryAuth::Basic(Credentials::File(self.path(p)))),
            raw.basic_env
                .as_ref()
                .map(|v| RegistryAuth::Basic(Credentials::Env(v.clone()))),
            raw.bearer_file
                .as_ref()
                .map(|p| RegistryAuth::Bearer(Credentials::File(self.path(p)))),
            raw.bearer_env
                .as_ref()
                .map(|v| RegistryAuth::Bearer(Credentials::Env(v.clone()))),
        ];
        let mut given = given.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(auth), None) => Ok(auth),
            _ => Err(self.fail(
                key,
                "name exactly one of basic_file, basic_env, bearer_file and bearer_env",
            )),
        }
    }
}

fn join_key(prefix: &str, field: &str) -> String {
    if field.is_empty() || field == "." {
        prefix.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// Limits from a table of the limits file's keys; an error gives the field and the problem.
fn limits_from(table: &toml::Table) -> Result<Limits, (String, String)> {
    let limits: Limits = serde_path_to_error::deserialize(toml::Value::Table(table.clone()))
        .map_err(|e| {
            (
                e.path().to_string(),
                e.into_inner().message().trim().to_owned(),
            )
        })?;
    limits.validate().map_err(|problem| {
        let field = problem
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        (field, problem)
    })?;
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[output]
dir = "out"
[state]
dir = "/var/cache/wagather"
[[gatherer]]
name = "cluster-operators"
source = "co.wasm"
"#;

    fn parse(text: &str) -> Result<ServiceConfig, ServiceConfigError> {
        ServiceConfig::parse(text, Path::new("/etc/wagather/host.toml"))
    }

    #[test]
    fn a_minimal_config_takes_the_defaults() {
        let config = parse(MINIMAL).expect("config");
        assert_eq!(config.api, ApiTarget::Default);
        assert_eq!(config.period, defaults::PERIOD);
        assert_eq!(config.retain, defaults::RETAIN);
        assert_eq!(config.output_dir, Path::new("/etc/wagather/out"));
        assert_eq!(config.state_dir, Path::new("/var/cache/wagather"));
        assert_eq!(config.listen, None);
        assert_eq!(config.limits, Limits::default());
        let g = &config.gatherers[0];
        assert_eq!(
            (g.name.as_str(), g.gatherer.as_str()),
            ("cluster-operators", "cluster-operators")
        );
        assert_eq!(g.source, SourceSpec::File("/etc/wagather/co.wasm".into()));
        assert_eq!(g.signatures, SignatureMode::Off);
        assert_eq!(g.auth, RegistryAuth::Anonymous);
    }

    #[test]
    fn a_full_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        let kp = minisign_public_key(dir.path());
        let text = format!(
            r#"
period = "90s"
parallel = 2
shutdown_grace = "5s"
listen = "127.0.0.1:9090"
[api]
snapshot = "snap"
[output]
dir = "out"
retain = 3
[state]
dir = "state"
[updates]
read_timeout = "2s"
max_bytes = "1MiB"
insecure_registries = ["127.0.0.1:5055"]
trusted_keys = ["{kp}"]
signatures = "if-present"
[limits]
deadline = "10s"
max_requests = 5
[policy]
deny = [{{ group = "", version = "*", resource = "configmaps" }}]
[[gatherer]]
name = "spin"
gatherer = "hostile"
source = "oci://127.0.0.1:5055/gatherers/hostile:v1"
signatures = "required"
auth = {{ bearer_env = "REGISTRY_TOKEN" }}
limits = {{ deadline = "2s" }}
reads = ["config.openshift.io/v1/clusteroperators"]
allow_secrets = true
config = {{ attack = "spin", depth = 3, loud = true }}
[[gatherer]]
name = "ops"
source = "https://example.com/ops.wasm"
signatures = "off"
"#
        );
        let config = ServiceConfig::parse(&text, &dir.path().join("host.toml")).expect("config");
        assert_eq!(config.api, ApiTarget::Snapshot(dir.path().join("snap")));
        assert_eq!(config.period, Duration::from_secs(90));
        assert_eq!(config.parallel, 2);
        assert_eq!(config.shutdown_grace, Duration::from_secs(5));
        assert_eq!(config.listen, Some("127.0.0.1:9090".parse().unwrap()));
        assert_eq!(config.retain, 3);
        assert_eq!(config.fetch.read_timeout, Duration::from_secs(2));
        assert_eq!(config.fetch.max_bytes, 1 << 20);
        assert_eq!(config.fetch.insecure_registries, ["127.0.0.1:5055"]);
        assert_eq!(config.trusted_keys.len(), 1);
        assert_eq!(config.limits.deadline, Duration::from_secs(10));
        let spin = &config.gatherers[0];
        assert_eq!(
            (spin.name.as_str(), spin.gatherer.as_str()),
            ("spin", "hostile")
        );
        assert_eq!(spin.signatures, SignatureMode::Required);
        assert_eq!(
            spin.auth,
            RegistryAuth::Bearer(Credentials::Env("REGISTRY_TOKEN".into()))
        );
        // Its own deadline over the defaults, the rest of [limits] kept.
        assert_eq!(spin.limits.deadline, Duration::from_secs(2));
        assert_eq!(spin.limits.max_requests, 5);
        assert_eq!(
            spin.config,
            [
                ("attack".to_owned(), "spin".to_owned()),
                ("depth".to_owned(), "3".to_owned()),
                ("loud".to_owned(), "true".to_owned())
            ]
        );
        assert_eq!(config.policy.restrict["spin"].len(), 1);
        assert!(config.policy.allow_secrets_for.contains("spin"));
        assert_eq!(config.policy.deny.len(), 1);
        let ops = &config.gatherers[1];
        assert_eq!(ops.signatures, SignatureMode::Off);
        assert_eq!(ops.limits.deadline, Duration::from_secs(10));
    }

    fn minisign_public_key(dir: &Path) -> String {
        // A public key file as minisign writes it (any valid Ed25519 key will do).
        let path = dir.join("k.pub");
        std::fs::write(
            &path,
            "untrusted comment: minisign public key 84B2024E9ECA44BC\nRWS8RMqeTgKyhGKfUlZQJlOWQYIRx7ZC+s33SRdYY663vr4yBV6x+Ag8\n",
        )
        .expect("write key");
        path.display().to_string()
    }

    #[test]
    fn errors_name_the_file_the_key_and_the_problem() {
        let cases: &[(&str, &str)] = &[
            (
                "period = \"soon\"\n",
                "host.toml:1:10: period: invalid duration \"soon\"",
            ),
            ("period = \"0s\"\n", "period: must be longer than zero"),
            ("perod = \"1h\"\n", "unknown field `perod`"),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"ftp://h/g.wasm\"\n",
                "gatherer[1].source: `ftp://h/g.wasm`: unknown scheme",
            ),
            (
                "[[gatherer]]\nname = \"bad name\"\nsource = \"g.wasm\"\n",
                "gatherer[1].name: the manifest's name \"bad name\"",
            ),
            (
                "[[gatherer]]\nname = \"cluster-operators\"\nsource = \"g.wasm\"\n",
                "gatherer[1].name: `cluster-operators` is the name of gatherer[0] too",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"g.wasm\"\nlimits = { deadlin = \"1s\" }\n",
                "gatherer[1].limits.deadlin: unknown field `deadlin`",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"g.wasm\"\nlimits = { deadline = \"0s\" }\n",
                "gatherer[1].limits.deadline: deadline must be longer than zero",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"g.wasm\"\nsignatures = \"required\"\n",
                "gatherer[1].signatures: signatures are to be checked, but updates.trusted_keys lists no key",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"g.wasm\"\nsignatures = \"always\"\n",
                "gatherer[1].signatures: unknown variant `always`",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"g.wasm\"\nreads = [\"pods\"]\n",
                "gatherer[1].reads[0]: invalid read",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"g.wasm\"\nauth = { basic_env = \"A\" }\n",
                "gatherer[1].auth: credentials are only used with oci:// sources",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"oci://r.io/x:1\"\nauth = { basic_env = \"A\", bearer_env = \"B\" }\n",
                "gatherer[1].auth: name exactly one of",
            ),
            (
                "[[gatherer]]\nname = \"x\"\nsource = \"g.wasm\"\nconfig = { a = [1] }\n",
                "gatherer[1].config.a: values are text, numbers or booleans, not array",
            ),
            (
                "[updates]\ninsecure_registries = [\"http://127.0.0.1:5055\"]\n",
                "updates.insecure_registries[0]: `http://127.0.0.1:5055` is not host:port",
            ),
            (
                "[updates]\ntrusted_keys = [\"/nonexistent/k.pub\"]\n",
                "updates.trusted_keys[0]: public key /nonexistent/k.pub",
            ),
            (
                "[updates]\nmax_bytes = \"lots\"\n",
                "updates.max_bytes: invalid size \"lots\"",
            ),
            (
                "[api]\nserver = \"http://x\"\nsnapshot = \"s\"\n",
                "api: name at most one of",
            ),
            (
                "listen = \"8080\"\n",
                "listen: `8080` is not an address with a port",
            ),
            (
                "[output]\nretain = 0\n",
                "output.retain: must keep at least 1 archive",
            ),
            (
                "[policy]\nrestrict = { nobody = [] }\n",
                "policy: names gatherer `nobody`, but no [[gatherer]] runs under that name",
            ),
            (
                "[limits]\nmemory_bytes = 0\n",
                "limits.memory_bytes: memory_bytes must be larger than zero",
            ),
            ("[output\n", "host.toml:"),
        ];
        for (extra, expected) in cases {
            // Each case is appended to (or merged into) a valid config.
            let text = merge(MINIMAL, extra);
            let err = parse(&text).expect_err(extra);
            let message = err.to_string();
            assert!(message.starts_with("/etc/wagather/host.toml"), "{message}");
            assert!(
                message.contains(expected),
                "{extra:?}:\n  {message}\n  wanted: {expected}"
            );
        }
        let err = ServiceConfig::read(Path::new("/nonexistent/host.toml")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/host.toml"), "{err}");
    }

    /// `extra`'s top-level keys go before MINIMAL's tables; its tables replace MINIMAL's
    /// tables of the same name (output) or follow them.
    fn merge(base: &str, extra: &str) -> String {
        if extra.starts_with("[output]") {
            return base.replacen(
                "[output]\ndir = \"out\"",
                &format!("{}dir = \"out\"", extra),
                1,
            );
        }
        if extra.starts_with('[') {
            format!("{base}{extra}")
        } else {
            format!("{extra}{base}")
        }
    }
}
