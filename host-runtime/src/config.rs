//! The operator's files: the policy, the limits and the gatherers' configuration, read as
//! YAML (or JSON, for names ending in `.json`) and checked before anything runs.
//!
//! Every error names the file and says what was wrong, with the key and position where the
//! parser knows them: a mistake in a file must stop the host at start, not fail every
//! gatherer later.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::limits::Limits;
use crate::policy::HostPolicy;

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("could not read the {what} file {}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not what its kind expects.
    #[error("invalid {what} file {}: {message}", path.display())]
    Invalid {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
    /// A `NAME:KEY=VALUE` argument that is not one.
    #[error("invalid gatherer configuration {arg:?}: {message}")]
    Argument { arg: String, message: String },
}

/// Reads a configuration file: JSON when the name ends in `.json`, YAML otherwise. `what`
/// names the kind of file in errors.
pub fn read_file<T: DeserializeOwned>(path: &Path, what: &'static str) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        what,
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path, what)
}

/// Parses a configuration file's text; `path` decides the format and names it in errors.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    what: &'static str,
) -> Result<T, ConfigError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if is_json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    };
    parsed.map_err(|message| ConfigError::Invalid {
        what,
        path: path.to_owned(),
        message,
    })
}

/// Reads and checks a policy file.
pub fn read_policy(path: &Path) -> Result<HostPolicy, ConfigError> {
    read_file(path, "policy")
}

/// Reads and checks a limits file; fields it leaves out keep their defaults.
pub fn read_limits(path: &Path) -> Result<Limits, ConfigError> {
    let limits: Limits = read_file(path, "limits")?;
    limits.validate().map_err(|message| ConfigError::Invalid {
        what: "limits",
        path: path.to_owned(),
        message,
    })?;
    Ok(limits)
}

impl Limits {
    /// Refuses limits that would fail every run at once: a zero deadline or memory cap is a
    /// mistake in a file, not a policy.
    pub fn validate(&self) -> Result<(), String> {
        if self.deadline.is_zero() {
            return Err("deadline must be longer than zero".into());
        }
        if self.memory_bytes == 0 {
            return Err("memory_bytes must be larger than zero".into());
        }
        Ok(())
    }
}

/// Each gatherer's configuration, by the name it runs under: what its `gather` receives.
pub type GathererConfig = BTreeMap<String, Vec<(String, String)>>;

/// Reads a configuration file of the form `{gatherer-name: {key: value, ...}, ...}`. Values
/// are text; numbers and booleans in the file are taken as written.
pub fn read_gatherer_config(path: &Path) -> Result<GathererConfig, ConfigError> {
    let file: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        read_file(path, "gatherer configuration")?;
    let mut config = GathererConfig::new();
    for (name, entries) in file {
        let mut pairs = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => {
                    return Err(ConfigError::Invalid {
                        what: "gatherer configuration",
                        path: path.to_owned(),
                        message: format!(
                            "{name}.{key}: values are text, numbers or booleans, not {other}"
                        ),
                    });
                }
            };
            pairs.push((key, value));
        }
        config.insert(name, pairs);
    }
    Ok(config)
}

/// Parses `NAME:KEY=VALUE`: one configuration pair of the gatherer running as `NAME`.
pub fn parse_gatherer_setting(arg: &str) -> Result<(String, String, String), ConfigError> {
    let fail = |message: &str| ConfigError::Argument {
        arg: arg.to_owned(),
        message: message.to_owned(),
    };
    let (name, pair) = arg
        .split_once(':')
        .ok_or_else(|| fail("expected NAME:KEY=VALUE (each setting names its gatherer)"))?;
    let (key, value) = pair
        .split_once('=')
        .ok_or_else(|| fail("expected NAME:KEY=VALUE"))?;
    if name.is_empty() {
        return Err(fail("the gatherer's name is empty"));
    }
    if key.is_empty() {
        return Err(fail("the key is empty"));
    }
    Ok((name.to_owned(), key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::policy::DenyRule;
    use wagather_contract::ReadRule;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write config file");
        path
    }

    #[test]
    fn policy_files_read_in_yaml_and_json() {
        let dir = tempfile::tempdir().expect("tempdir");
        let yaml = write(
            dir.path(),
            "policy.yaml",
            "deny:\n  - {group: \"\", version: \"*\", resource: configmaps, namespaces: [kube-system]}\n\
             restrict:\n  cluster-operators:\n    - {group: config.openshift.io, version: v1, resource: clusteroperators}\n\
             allow_secrets_for: [certificates]\n",
        );
        let expected = HostPolicy::default()
            .deny(DenyRule {
                namespaces: Some(vec!["kube-system".into()]),
                ..DenyRule::any_version("", "configmaps")
            })
            .restrict(
                "cluster-operators",
                ["config.openshift.io/v1/clusteroperators"
                    .parse::<ReadRule>()
                    .unwrap()],
            )
            .allow_secrets_for("certificates");
        assert_eq!(read_policy(&yaml).unwrap(), expected);
        let json = write(
            dir.path(),
            "policy.json",
            &serde_json::to_string(&expected).unwrap(),
        );
        assert_eq!(read_policy(&json).unwrap(), expected);
    }

    #[test]
    fn limits_files_keep_defaults_for_what_they_leave_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            dir.path(),
            "limits.json",
            r#"{"deadline": "1m 30s", "max_requests": 7, "memory_bytes": 1048576}"#,
        );
        assert_eq!(
            read_limits(&path).unwrap(),
            Limits {
                deadline: Duration::from_secs(90),
                max_requests: 7,
                memory_bytes: 1 << 20,
                ..Limits::default()
            }
        );
        let path = write(dir.path(), "limits.yaml", "max_records: 5\ndeadline: 2s\n");
        let limits = read_limits(&path).unwrap();
        assert_eq!(
            (limits.max_records, limits.deadline),
            (5, Duration::from_secs(2))
        );
    }

    #[test]
    fn bad_files_are_refused_with_the_file_and_the_problem_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        type Reader = Box<dyn Fn(&Path) -> Result<(), ConfigError>>;
        let cases: Vec<(Reader, PathBuf, &str)> = vec![
            (
                Box::new(|p| read_limits(p).map(drop)),
                write(dir.path(), "typo.json", r#"{"max_request": 5}"#),
                "max_request",
            ),
            (
                Box::new(|p| read_limits(p).map(drop)),
                write(dir.path(), "zero.yaml", "deadline: 0s\n"),
                "deadline must be longer than zero",
            ),
            (
                Box::new(|p| read_policy(p).map(drop)),
                write(dir.path(), "policy.yaml", "denied: []\n"),
                "denied",
            ),
            (
                Box::new(|p| read_policy(p).map(drop)),
                write(
                    dir.path(),
                    "badrule.yaml",
                    "deny:\n  - {group: \"\", version: one, resource: pods}\n",
                ),
                "version \"one\"",
            ),
            (
                Box::new(|p| read_policy(p).map(drop)),
                dir.path().join("missing.yaml"),
                "could not read",
            ),
            (
                Box::new(|p| read_gatherer_config(p).map(drop)),
                write(dir.path(), "config.yaml", "g:\n  k: [1, 2]\n"),
                "g.k: values are text",
            ),
        ];
        for (read, path, expected) in cases {
            let err = read(&path).expect_err(&path.display().to_string());
            let text = crate::error_chain(&err);
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains(expected), "{path:?}: {text}");
        }
    }

    #[test]
    fn gatherer_configuration_from_a_file_and_from_arguments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            dir.path(),
            "config.yaml",
            "clusterconfig/nodes:\n  max: 100\n  verbose: true\nhostile-spin:\n  attack: spin\n",
        );
        let config = read_gatherer_config(&path).unwrap();
        assert_eq!(
            config["clusterconfig/nodes"],
            [
                ("max".into(), "100".into()),
                ("verbose".into(), "true".into())
            ]
        );
        assert_eq!(config["hostile-spin"], [("attack".into(), "spin".into())]);

        assert_eq!(
            parse_gatherer_setting("clusterconfig/nodes:max=a=b").unwrap(),
            ("clusterconfig/nodes".into(), "max".into(), "a=b".into())
        );
        for bad in ["k=v", ":k=v", "g:=v", "g:k"] {
            assert!(parse_gatherer_setting(bad).is_err(), "{bad}");
        }
    }
}
