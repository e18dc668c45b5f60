//! What a gatherer may read: `"[group/]version/resource[/subresource][ in ns1,ns2]"`.
//!
//! The same rule is written three ways and read one way: in `#[gatherer(reads = [...])]` as
//! text, in the manifest as JSON, and in the operator's policy files as either. Every way goes
//! through [`ReadRule::validate`], so a manifest that a hand-built component carries is held to
//! the rules the attribute enforces at compile time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One entry of a manifest's `reads`.
///
/// `group` is `""` for the core group. `subresource` absent means the resource itself (a read
/// of `pods` does not allow `pods/log`); `namespaces` absent means every namespace, present
/// means only namespaced requests in those namespaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ReadRuleFields")]
pub struct ReadRule {
    pub group: String,
    pub version: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
}

/// The JSON (or YAML) form of a rule before validation; rules of other kinds (the host's
/// deny list, which allows any version) validate the same fields their own way.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadRuleFields {
    pub group: String,
    pub version: String,
    pub resource: String,
    #[serde(default)]
    pub subresource: Option<String>,
    #[serde(default)]
    pub namespaces: Option<Vec<String>>,
}

impl TryFrom<ReadRuleFields> for ReadRule {
    type Error = ReadRuleError;

    fn try_from(raw: ReadRuleFields) -> Result<Self, Self::Error> {
        let rule = ReadRule {
            group: raw.group,
            version: raw.version,
            resource: raw.resource,
            subresource: raw.subresource,
            namespaces: raw.namespaces,
        };
        rule.validate()?;
        Ok(rule)
    }
}

/// A read rule that breaks the grammar; the message says which part and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid read {rule:?}: {reason}")]
pub struct ReadRuleError {
    /// The rule as written (text), or as the parts read from JSON.
    pub rule: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ReadRule {
    /// A rule for `group/version/resource` in every namespace. Not validated: use
    /// [`ReadRule::validate`] or parse the text form for input from outside the program.
    pub fn new(group: &str, version: &str, resource: &str) -> Self {
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            resource: resource.to_owned(),
            subresource: None,
            namespaces: None,
        }
    }

    /// The same rule for one subresource (`pods` -> `pods/log`).
    pub fn with_subresource(mut self, subresource: &str) -> Self {
        self.subresource = Some(subresource.to_owned());
        self
    }

    /// The same rule restricted to the given namespaces.
    pub fn in_namespaces<I, S>(mut self, namespaces: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.namespaces = Some(namespaces.into_iter().map(Into::into).collect());
        self
    }

    /// Checks every part against the Kubernetes naming rules: the group is a DNS subdomain
    /// (or empty for core), the version is `v1`, `v1beta1` or `v2alpha1` and the like, the
    /// resource and subresource are lowercase plural names, and namespaces are DNS labels
    /// listed once each.
    pub fn validate(&self) -> Result<(), ReadRuleError> {
        let err = |reason: String| ReadRuleError {
            rule: self.to_string(),
            reason,
        };
        if !self.group.is_empty() && !is_dns_subdomain(&self.group) {
            return Err(err(format!(
                "group {:?} is not a valid API group name (lowercase DNS subdomain, \"\" for core)",
                self.group
            )));
        }
        if is_api_version(&self.group) {
            // `v1/pods/log` would read as the core group's `pods/log`: the text form could not
            // tell the two apart.
            return Err(err(format!(
                "group {:?} looks like an API version, which the text form reads as the core group",
                self.group
            )));
        }
        if !is_api_version(&self.version) {
            return Err(err(format!(
                "version {:?} is not a Kubernetes API version (v1, v1beta1, v2alpha1, ...)",
                self.version
            )));
        }
        if !is_resource_name(&self.resource) {
            return Err(err(format!(
                "resource {:?} is not a plural resource name (lowercase, like \"pods\")",
                self.resource
            )));
        }
        if let Some(sub) = &self.subresource
            && !is_resource_name(sub)
        {
            return Err(err(format!(
                "subresource {sub:?} is not a subresource name (lowercase, like \"log\")"
            )));
        }
        if let Some(namespaces) = &self.namespaces {
            if namespaces.is_empty() {
                return Err(err(
                    "an empty namespace list allows nothing; leave it out for every namespace"
                        .into(),
                ));
            }
            for (i, ns) in namespaces.iter().enumerate() {
                if !is_dns_label(ns) {
                    return Err(err(format!(
                        "namespace {ns:?} is not a valid namespace name (lowercase letters, digits and '-')"
                    )));
                }
                if namespaces[..i].contains(ns) {
                    return Err(err(format!("namespace {ns:?} is listed twice")));
                }
            }
        }
        Ok(())
    }

    /// `core/v1 pods/log`, `config.openshift.io/v1 clusteroperators`: how denials name a rule's
    /// resource.
    pub fn describe(&self) -> String {
        describe_resource(
            &self.group,
            &self.version,
            &self.resource,
            self.subresource.as_deref(),
        )
    }
}

/// `core/v1 pods/log`: a resource as messages name it.
pub fn describe_resource(
    group: &str,
    version: &str,
    resource: &str,
    subresource: Option<&str>,
) -> String {
    let group = if group.is_empty() { "core" } else { group };
    match subresource {
        Some(sub) => format!("{group}/{version} {resource}/{sub}"),
        None => format!("{group}/{version} {resource}"),
    }
}

impl FromStr for ReadRule {
    type Err = ReadRuleError;

    /// Parses `"[group/]version/resource[/subresource][ in ns1,ns2]"`; a first segment that
    /// looks like a version (`v1`, `v1beta1`) means the core group.
    fn from_str(entry: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| ReadRuleError {
            rule: entry.to_owned(),
            reason,
        };
        let (path, namespaces) = match entry.split_once(" in ") {
            Some((path, list)) => {
                let namespaces: Vec<String> =
                    list.split(',').map(|ns| ns.trim().to_owned()).collect();
                (path.trim(), Some(namespaces))
            }
            None => (entry, None),
        };
        if path.contains(char::is_whitespace) {
            return Err(err(
                "unexpected whitespace; the form is \"[group/]version/resource[/subresource][ in ns1,ns2]\""
                    .into(),
            ));
        }
        let segments: Vec<&str> = path.split('/').collect();
        let core = segments.first().is_some_and(|s| is_api_version(s));
        let (group, rest) = match (core, segments.len()) {
            (true, 2 | 3) => ("", &segments[..]),
            (false, 3 | 4) => (segments[0], &segments[1..]),
            _ => {
                return Err(err(format!(
                    "{path:?} is not \"[group/]version/resource[/subresource]\" (a first segment like \
                     v1 or v1beta1 means the core group)"
                )));
            }
        };
        let rule = ReadRule {
            group: group.to_owned(),
            version: rest[0].to_owned(),
            resource: rest[1].to_owned(),
            subresource: rest.get(2).map(|s| (*s).to_owned()),
            namespaces,
        };
        rule.validate().map_err(|e| err(e.reason))?;
        Ok(rule)
    }
}

impl fmt::Display for ReadRule {
    /// The text form, which [`ReadRule::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.group.is_empty() {
            write!(f, "{}/", self.group)?;
        }
        write!(f, "{}/{}", self.version, self.resource)?;
        if let Some(sub) = &self.subresource {
            write!(f, "/{sub}")?;
        }
        if let Some(ns) = &self.namespaces {
            write!(f, " in {}", ns.join(","))?;
        }
        Ok(())
    }
}

/// `v[0-9]+((alpha|beta)[0-9]+)?`: the Kubernetes API version pattern.
pub fn is_api_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || rest.starts_with('0') {
        return false;
    }
    let rest = &rest[digits..];
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"))
    else {
        return false;
    };
    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
}

/// A DNS label (RFC 1123): lowercase alphanumerics and '-', starting and ending alphanumeric,
/// at most 63 characters. Namespace names follow it.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS subdomain: dot-separated DNS labels, at most 253 characters. API groups follow it.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// Resource and subresource names: lowercase alphanumerics and '-' (`clusteroperators`, `log`).
fn is_resource_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        group: &str,
        version: &str,
        resource: &str,
        sub: Option<&str>,
        ns: Option<&[&str]>,
    ) -> ReadRule {
        ReadRule {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
            subresource: sub.map(Into::into),
            namespaces: ns.map(|n| n.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    #[test]
    fn versions() {
        for v in ["v1", "v2", "v10", "v1beta1", "v2alpha3"] {
            assert!(is_api_version(v), "{v}");
        }
        for v in [
            "", "v", "1", "vx", "v1beta", "v1gamma1", "apps", "v1beta1x", "V1", "v01", "*",
        ] {
            assert!(!is_api_version(v), "{v}");
        }
    }

    #[test]
    fn valid_entries() {
        for (text, expected) in [
            (
                "config.openshift.io/v1/clusteroperators",
                rule("config.openshift.io", "v1", "clusteroperators", None, None),
            ),
            ("v1/pods/log", rule("", "v1", "pods", Some("log"), None)),
            ("v1/nodes", rule("", "v1", "nodes", None, None)),
            (
                "apps/v1/deployments/scale",
                rule("apps", "v1", "deployments", Some("scale"), None),
            ),
            (
                "v1/pods/log in openshift-monitoring, default",
                rule(
                    "",
                    "v1",
                    "pods",
                    Some("log"),
                    Some(&["openshift-monitoring", "default"]),
                ),
            ),
        ] {
            let parsed: ReadRule = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed, expected);
        }
    }

    #[test]
    fn invalid_entries_say_what_is_wrong() {
        for (entry, needle) in [
            ("", "is not"),
            ("pods", "is not"),
            ("v1", "is not"),
            ("apps/deployments", "is not"),
            ("v1/pods/log/extra", "is not"),
            ("apps/v1/deployments/scale/x", "is not"),
            ("apps/one/deployments", "version \"one\""),
            ("apps/*/deployments", "version \"*\""),
            ("Apps/v1/deployments", "group"),
            ("v1/v1/pods/log", "is not"),
            ("v1/Pods", "resource \"Pods\""),
            ("v1//log", "resource \"\""),
            ("v1/pods/", "subresource"),
            ("v1/pods in ", "namespace \"\""),
            ("v1/pods in a,,b", "namespace \"\""),
            ("v1/pods in Default", "namespace \"Default\""),
            ("v1/pods in a,a", "twice"),
            ("v1/pods  log", "whitespace"),
        ] {
            let err = entry.parse::<ReadRule>().unwrap_err();
            assert_eq!(err.rule, entry);
            assert!(err.reason.contains(needle), "{entry:?}: {err}");
        }
    }

    #[test]
    fn json_form_is_validated_too() {
        let good: ReadRule = serde_json::from_str(
            r#"{"group":"","version":"v1","resource":"pods","subresource":"log","namespaces":["default"]}"#,
        )
        .unwrap();
        assert_eq!(good.to_string(), "v1/pods/log in default");
        assert_eq!(
            serde_json::to_value(&good).unwrap(),
            serde_json::json!({"group": "", "version": "v1", "resource": "pods",
                               "subresource": "log", "namespaces": ["default"]})
        );
        for (json, needle) in [
            (
                r#"{"group":"","version":"v1beta","resource":"pods"}"#,
                "version",
            ),
            (
                r#"{"group":"x/y","version":"v1","resource":"pods"}"#,
                "group",
            ),
            (
                r#"{"group":"","version":"v1","resource":"pods","namespaces":[]}"#,
                "empty namespace list",
            ),
            (
                r#"{"group":"","version":"v1","resource":"pods","verbs":["delete"]}"#,
                "unknown field",
            ),
        ] {
            let err = serde_json::from_str::<ReadRule>(json).unwrap_err();
            assert!(err.to_string().contains(needle), "{json}: {err}");
        }
    }

    #[test]
    fn a_group_named_like_a_version_is_refused() {
        let rule = ReadRule::new("v1", "v1", "pods");
        let err = rule.validate().unwrap_err();
        assert!(err.reason.contains("looks like an API version"), "{err}");
    }

    #[test]
    fn describe_names_the_resource() {
        let r: ReadRule = "v1/pods/log in x".parse().unwrap();
        assert_eq!(r.describe(), "core/v1 pods/log");
        let r: ReadRule = "config.openshift.io/v1/clusteroperators".parse().unwrap();
        assert_eq!(r.describe(), "config.openshift.io/v1 clusteroperators");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn label() -> impl Strategy<Value = String> {
        "[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?"
    }

    fn valid_rule() -> impl Strategy<Value = ReadRule> {
        (
            prop_oneof![
                Just(String::new()),
                prop::collection::vec(label(), 1..4).prop_map(|l| l.join("."))
            ],
            prop_oneof![
                (1u32..30).prop_map(|n| format!("v{n}")),
                (
                    1u32..9,
                    prop::sample::select(&["alpha", "beta"][..]),
                    1u32..9
                )
                    .prop_map(|(n, s, m)| format!("v{n}{s}{m}")),
            ],
            "[a-z][a-z0-9]{0,15}",
            prop::option::of("[a-z]{1,10}"),
            prop::option::of(prop::collection::btree_set(label(), 1..4)),
        )
            .prop_map(
                |(group, version, resource, subresource, namespaces)| ReadRule {
                    group,
                    version,
                    resource,
                    subresource,
                    namespaces: namespaces.map(|set| set.into_iter().collect()),
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// Text and JSON are two spellings of one rule: each reads back what the other wrote.
        #[test]
        fn text_and_json_round_trip(rule in valid_rule()) {
            // The generator can make a group that looks like a version; validation refuses it.
            prop_assume!(rule.validate().is_ok());
            let text = rule.to_string();
            let from_text: ReadRule = text.parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(&from_text, &rule);
            let json = serde_json::to_string(&rule).unwrap();
            let from_json: ReadRule = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(from_json, rule);
        }

        /// Whatever the parser accepts is valid and prints back to an equivalent rule.
        #[test]
        fn anything_accepted_is_valid(text in "[a-zA-Z0-9./*, -]{0,40}( in [a-z0-9, -]{0,20})?") {
            if let Ok(rule) = text.parse::<ReadRule>() {
                prop_assert!(rule.validate().is_ok());
                let again: ReadRule = rule.to_string().parse().unwrap();
                prop_assert_eq!(again, rule);
            }
        }
    }
}
