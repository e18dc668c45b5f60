//! The gatherer manifest: what a component says about itself in its
//! [`MANIFEST_SECTION`](crate::MANIFEST_SECTION) custom section.
//!
//! The host reads it before it compiles or instantiates anything: a component without a
//! usable manifest never runs, and every request outside its `reads` is denied. The JSON is
//! written by [`Manifest::to_json`] (the `#[gatherer]` attribute, `wagather manifest set`) and
//! read by [`Manifest::from_json`], so no side writes it by hand.

use serde::{Deserialize, Serialize};

use crate::{CONTRACT, PREVIOUS_CONTRACTS, ReadRule};

/// Longest gatherer name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Longest gatherer version, in bytes.
pub const MAX_VERSION_BYTES: usize = 64;

/// What a gatherer declares about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The contract the gatherer was built against, e.g. `wagather:gatherer@0.2.0`.
    pub contract: String,
    /// The gatherer's name (`cluster-operators`, `clusterconfig/nodes`): how logs, metrics,
    /// `gathers.json` and the operator's configuration refer to it unless the operator names
    /// the instance otherwise.
    pub name: String,
    /// The gatherer's own version; signatures name it, so an older version cannot be swapped in.
    pub version: String,
    /// The API reads the gatherer may make; everything else is denied. Empty allows discovery
    /// only.
    pub reads: Vec<ReadRule>,
}

/// Why a manifest is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The section is not a JSON manifest.
    #[error("the manifest is not valid: {0}")]
    Invalid(#[source] serde_json::Error),
    /// Built against a contract this side does not implement.
    #[error("{}", contract_message(found))]
    Contract {
        /// The contract the manifest names.
        found: String,
    },
    /// The name breaks [`check_name`]'s rules.
    #[error("the manifest's name {name:?} {reason}")]
    Name {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The version is empty, too long or not printable.
    #[error("the manifest's version {version:?} {reason}")]
    Version {
        /// The version as given.
        version: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The same read is declared twice.
    #[error("the manifest declares the read {0} twice")]
    DuplicateRead(String),
}

fn contract_message(found: &str) -> String {
    if PREVIOUS_CONTRACTS.contains(&found) {
        format!(
            "the gatherer was built for contract `{found}`, which this host no longer runs; it \
             implements `{CONTRACT}`: rebuild the gatherer with a wagather SDK for `{CONTRACT}`"
        )
    } else {
        format!(
            "the gatherer was built for contract `{found}`, but this host implements `{CONTRACT}`"
        )
    }
}

impl Manifest {
    /// A manifest for the current [`CONTRACT`].
    pub fn new(name: impl Into<String>, version: impl Into<String>, reads: Vec<ReadRule>) -> Self {
        Self {
            contract: CONTRACT.to_owned(),
            name: name.into(),
            version: version.into(),
            reads,
        }
    }

    /// Parses and checks a manifest: the contract is [`CONTRACT`], the name and version follow
    /// their rules, and every read is valid and declared once.
    pub fn from_json(json: &[u8]) -> Result<Manifest, ManifestError> {
        // The contract is checked before the rest, so that a manifest of another contract
        // version is refused for that, whatever else changed in its shape.
        #[derive(Deserialize)]
        struct Contract {
            contract: String,
        }
        let contract: Contract = serde_json::from_slice(json).map_err(ManifestError::Invalid)?;
        if contract.contract != CONTRACT {
            return Err(ManifestError::Contract {
                found: contract.contract,
            });
        }
        let manifest: Manifest = serde_json::from_slice(json).map_err(ManifestError::Invalid)?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// The manifest as the JSON a component carries.
    pub fn to_json(&self) -> String {
        // A struct of strings and validated rules always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks what [`Manifest::from_json`] checks beyond the JSON shape.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.contract != CONTRACT {
            return Err(ManifestError::Contract {
                found: self.contract.clone(),
            });
        }
        check_name(&self.name)?;
        check_version(&self.version)?;
        for (i, read) in self.reads.iter().enumerate() {
            if self.reads[..i].contains(read) {
                return Err(ManifestError::DuplicateRead(read.to_string()));
            }
        }
        Ok(())
    }
}

/// A gatherer name: 1 to [`MAX_NAME_BYTES`] ASCII letters, digits, `-`, `_`, `.` and `/`,
/// starting and ending with a letter or digit, without `//`. The Insights Operator's names
/// (`clusterconfig/nodes`) and Cargo package names both fit.
pub fn check_name(name: &str) -> Result<(), ManifestError> {
    let reason = if name.is_empty() {
        "is empty"
    } else if name.len() > MAX_NAME_BYTES {
        "is longer than 128 bytes"
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
    {
        "may only contain ASCII letters, digits, '-', '_', '.' and '/'"
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        "must start and end with a letter or digit"
    } else if name.contains("//") {
        "may not contain '//'"
    } else {
        return Ok(());
    };
    Err(ManifestError::Name {
        name: name.to_owned(),
        reason,
    })
}

/// A gatherer version: 1 to [`MAX_VERSION_BYTES`] printable ASCII characters without spaces.
pub fn check_version(version: &str) -> Result<(), ManifestError> {
    let reason = if version.is_empty() {
        "is empty"
    } else if version.len() > MAX_VERSION_BYTES {
        "is longer than 64 bytes"
    } else if !version.bytes().all(|b| b.is_ascii_graphic()) {
        "may only contain printable ASCII without spaces"
    } else {
        return Ok(());
    };
    Err(ManifestError::Version {
        version: version.to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::new(
            "cluster-operators",
            "0.2.0",
            vec![
                "config.openshift.io/v1/clusteroperators".parse().unwrap(),
                "v1/pods/log in openshift-monitoring".parse().unwrap(),
            ],
        )
    }

    #[test]
    fn json_round_trip() {
        let m = manifest();
        let json = m.to_json();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            serde_json::json!({
                "contract": "wagather:gatherer@0.2.0",
                "name": "cluster-operators",
                "version": "0.2.0",
                "reads": [
                    {"group": "config.openshift.io", "version": "v1", "resource": "clusteroperators"},
                    {"group": "", "version": "v1", "resource": "pods", "subresource": "log",
                     "namespaces": ["openshift-monitoring"]},
                ],
            })
        );
        assert_eq!(Manifest::from_json(json.as_bytes()).unwrap(), m);
    }

    #[test]
    fn an_older_contract_is_refused_naming_both_versions() {
        let json = br#"{"contract":"wagather:gatherer@0.1.0","name":"x","version":"1","reads":[],"extra":1}"#;
        let err = Manifest::from_json(json).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Contract { found } if found == "wagather:gatherer@0.1.0")
        );
        let text = err.to_string();
        assert!(text.contains("wagather:gatherer@0.1.0"), "{text}");
        assert!(text.contains("wagather:gatherer@0.2.0"), "{text}");
        assert!(text.contains("rebuild"), "{text}");
    }

    #[test]
    fn an_unknown_contract_is_refused() {
        let json = br#"{"contract":"acme:gatherer@9.0.0","name":"x","version":"1","reads":[]}"#;
        let text = Manifest::from_json(json).unwrap_err().to_string();
        assert!(
            text.contains("acme:gatherer@9.0.0") && text.contains(CONTRACT),
            "{text}"
        );
    }

    #[test]
    fn bad_fields_are_named() {
        for (name, version, needle) in [
            ("", "1", "name \"\" is empty"),
            ("-x", "1", "must start and end"),
            ("a b", "1", "may only contain"),
            ("a//b", "1", "'//'"),
            ("ok", "", "version \"\" is empty"),
            ("ok", "1 2", "printable ASCII"),
        ] {
            let mut m = manifest();
            m.name = name.into();
            m.version = version.into();
            let err = Manifest::from_json(m.to_json().as_bytes()).unwrap_err();
            assert!(
                err.to_string().contains(needle),
                "{name:?} {version:?}: {err}"
            );
        }
        for name in ["clusterconfig/nodes", "cluster_operators", "a.b-c", "X1"] {
            check_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn duplicate_reads_and_bad_reads_are_refused() {
        let mut m = manifest();
        m.reads.push(m.reads[0].clone());
        let err = Manifest::from_json(m.to_json().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");

        let json = br#"{"contract":"wagather:gatherer@0.2.0","name":"x","version":"1",
                        "reads":[{"group":"","version":"one","resource":"pods"}]}"#;
        let err = Manifest::from_json(json).unwrap_err();
        assert!(err.to_string().contains("version \"one\""), "{err}");
    }

    #[test]
    fn not_json_is_invalid() {
        assert!(matches!(
            Manifest::from_json(b"not json"),
            Err(ManifestError::Invalid(_))
        ));
    }
}
