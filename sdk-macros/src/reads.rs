//! Parsing of `reads` entries: `"[group/]version/resource[/subresource][ in ns1,ns2]"`.

/// One declared read, as it goes into the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub subresource: Option<String>,
    /// `None`: all namespaces.
    pub namespaces: Option<Vec<String>>,
}

impl Read {
    pub fn to_json(&self) -> serde_json::Value {
        let mut read = serde_json::Map::new();
        read.insert("group".into(), self.group.clone().into());
        read.insert("version".into(), self.version.clone().into());
        read.insert("resource".into(), self.resource.clone().into());
        if let Some(subresource) = &self.subresource {
            read.insert("subresource".into(), subresource.clone().into());
        }
        if let Some(namespaces) = &self.namespaces {
            read.insert("namespaces".into(), namespaces.clone().into());
        }
        read.into()
    }
}

/// `v[0-9]+((alpha|beta)[0-9]+)?`: the Kubernetes API version pattern.
pub fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
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

/// A DNS label (RFC 1123): lowercase alphanumerics and '-', starting and ending alphanumeric.
fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS subdomain: dot-separated DNS labels, at most 253 characters.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// Resource and subresource names: lowercase alphanumerics (plurals like `clusteroperators`,
/// `log`, `status`).
fn is_resource_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Parses one entry; the error says what is wrong with it.
pub fn parse(entry: &str) -> Result<Read, String> {
    let (path, namespaces) = match entry.split_once(" in ") {
        Some((path, list)) => {
            let mut namespaces = Vec::new();
            for ns in list.split(',').map(str::trim) {
                if !is_dns_label(ns) {
                    return Err(format!(
                        "namespace {ns:?} is not a valid namespace name (lowercase letters, digits and '-')"
                    ));
                }
                if namespaces.iter().any(|n| n == ns) {
                    return Err(format!("namespace {ns:?} is listed twice"));
                }
                namespaces.push(ns.to_owned());
            }
            (path.trim(), Some(namespaces))
        }
        None => (entry, None),
    };
    if path.contains(char::is_whitespace) {
        return Err(
            "unexpected whitespace; the form is \"[group/]version/resource[/subresource][ in ns1,ns2]\""
                .into(),
        );
    }
    let segments: Vec<&str> = path.split('/').collect();
    let core = segments.first().is_some_and(|s| is_version(s));
    let (group, rest) = match (core, segments.len()) {
        (true, 2 | 3) => ("", &segments[..]),
        (false, 3 | 4) => (segments[0], &segments[1..]),
        _ => {
            return Err(format!(
                "{path:?} is not \"[group/]version/resource[/subresource]\" (a first segment like \
                 v1 or v1beta1 means the core group)"
            ));
        }
    };
    if !group.is_empty() && !is_dns_subdomain(group) {
        return Err(format!("group {group:?} is not a valid API group name"));
    }
    let version = rest[0];
    if !is_version(version) {
        return Err(format!(
            "version {version:?} is not a Kubernetes API version (v1, v1beta1, v2alpha1, ...)"
        ));
    }
    let resource = rest[1];
    if !is_resource_name(resource) {
        return Err(format!(
            "resource {resource:?} is not a plural resource name (lowercase, like \"pods\")"
        ));
    }
    let subresource = rest.get(2).copied();
    if let Some(sub) = subresource
        && !is_resource_name(sub)
    {
        return Err(format!(
            "subresource {sub:?} is not a subresource name (lowercase, like \"log\")"
        ));
    }
    Ok(Read {
        group: group.to_owned(),
        version: version.to_owned(),
        resource: resource.to_owned(),
        subresource: subresource.map(str::to_owned),
        namespaces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        group: &str,
        version: &str,
        resource: &str,
        sub: Option<&str>,
        ns: Option<&[&str]>,
    ) -> Read {
        Read {
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
            assert!(is_version(v), "{v}");
        }
        for v in [
            "", "v", "1", "vx", "v1beta", "v1gamma1", "apps", "v1beta1x", "V1",
        ] {
            assert!(!is_version(v), "{v}");
        }
    }

    #[test]
    fn valid_entries() {
        assert_eq!(
            parse("config.openshift.io/v1/clusteroperators").unwrap(),
            read("config.openshift.io", "v1", "clusteroperators", None, None)
        );
        assert_eq!(
            parse("v1/pods/log").unwrap(),
            read("", "v1", "pods", Some("log"), None)
        );
        assert_eq!(
            parse("v1/nodes").unwrap(),
            read("", "v1", "nodes", None, None)
        );
        assert_eq!(
            parse("apps/v1/deployments").unwrap(),
            read("apps", "v1", "deployments", None, None)
        );
        assert_eq!(
            parse("apps/v1/deployments/scale").unwrap(),
            read("apps", "v1", "deployments", Some("scale"), None)
        );
        assert_eq!(
            parse("v1/pods/log in openshift-monitoring,default").unwrap(),
            read(
                "",
                "v1",
                "pods",
                Some("log"),
                Some(&["openshift-monitoring", "default"])
            )
        );
    }

    #[test]
    fn manifest_json_shape() {
        assert_eq!(
            parse("v1/pods/log in openshift-monitoring")
                .unwrap()
                .to_json(),
            serde_json::json!({"group": "", "version": "v1", "resource": "pods",
                               "subresource": "log", "namespaces": ["openshift-monitoring"]})
        );
        assert_eq!(
            parse("config.openshift.io/v1/clusteroperators")
                .unwrap()
                .to_json(),
            serde_json::json!({"group": "config.openshift.io", "version": "v1", "resource": "clusteroperators"})
        );
    }

    #[test]
    fn invalid_entries() {
        for (entry, needle) in [
            ("", "is not"),
            ("pods", "is not"),
            ("v1", "is not"),
            ("apps/deployments", "is not"),
            ("v1/pods/log/extra", "is not"),
            ("apps/v1/deployments/scale/x", "is not"),
            ("apps/one/deployments", "version \"one\""),
            ("Apps/v1/deployments", "group"),
            ("v1/Pods", "resource \"Pods\""),
            ("v1//log", "resource \"\""),
            ("v1/pods/", "subresource"),
            ("v1/pods in ", "namespace \"\""),
            ("v1/pods in a,,b", "namespace \"\""),
            ("v1/pods in Default", "namespace \"Default\""),
            ("v1/pods in a,a", "twice"),
            ("v1/pods  log", "whitespace"),
        ] {
            let err = parse(entry).unwrap_err();
            assert!(err.contains(needle), "{entry:?}: {err}");
        }
    }
}
