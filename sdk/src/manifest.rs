//! A gatherer's manifest as data, and what an API path reads.
//!
//! `#[gatherer(reads = [...])]` embeds a manifest; the host allows exactly the reads it
//! declares. [`Manifest::audit`] holds a gatherer to the same contract in its own tests: given
//! every path it requested, it lists the requests no declared read allows and the declared
//! reads no request used, so a test fails both when a gatherer reads more than it says and
//! when it says more than it reads.

use serde::Deserialize;

/// The manifest `#[gatherer]` embeds (`__WAGATHER_MANIFEST`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    /// The WIT contract the gatherer implements.
    pub contract: String,
    /// The gatherer's name.
    pub name: String,
    /// The gatherer's version.
    pub version: String,
    /// What it may read.
    pub reads: Vec<Read>,
}

/// One declared read: a resource, optionally one of its subresources, optionally only in some
/// namespaces.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Read {
    /// API group; `""` for the core group.
    pub group: String,
    /// Version.
    pub version: String,
    /// Plural resource name.
    pub resource: String,
    /// Subresource (`log`, `status`); `None` for the resource itself.
    #[serde(default)]
    pub subresource: Option<String>,
    /// Namespaces the read is limited to; `None` for every namespace and cluster-wide.
    #[serde(default)]
    pub namespaces: Option<Vec<String>>,
}

impl std::fmt::Display for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.group.is_empty() {
            write!(f, "{}/", self.group)?;
        }
        write!(f, "{}/{}", self.version, self.resource)?;
        if let Some(sub) = &self.subresource {
            write!(f, "/{sub}")?;
        }
        if let Some(namespaces) = &self.namespaces {
            write!(f, " in {}", namespaces.join(","))?;
        }
        Ok(())
    }
}

/// What one request path addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Discovery (`/api`, `/apis/<group>/<version>`, `/version`): allowed to every gatherer.
    Discovery,
    /// A resource, as the API server reads the path.
    Resource {
        /// API group; `""` for the core group.
        group: String,
        /// Version.
        version: String,
        /// Plural resource name.
        resource: String,
        /// Subresource, if the path names one.
        subresource: Option<String>,
        /// The namespace of a namespaced path.
        namespace: Option<String>,
    },
    /// A path that is neither.
    Other,
}

/// Namespace subresources the API server does not read as a resource in the namespace.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

/// What `path_and_query` addresses, read as the API server reads it (the query is ignored).
pub fn target(path_and_query: &str) -> Target {
    let path = path_and_query.split('?').next().unwrap_or("");
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (group, version, rest) = match segments.as_slice() {
        ["version"] | ["api"] | ["api", _] | ["apis"] | ["apis", _] | ["apis", _, _] => {
            return Target::Discovery;
        }
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Target::Other,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, more @ ..]
            if !more.is_empty() && !NAMESPACE_SUBRESOURCES.contains(&more[0]) =>
        {
            (Some(*ns), more)
        }
        _ => (None, rest),
    };
    let (resource, subresource) = match rest {
        [resource] | [resource, _] => (*resource, None),
        [resource, _, sub] => (*resource, Some(*sub)),
        _ => return Target::Other,
    };
    Target::Resource {
        group: group.to_owned(),
        version: version.to_owned(),
        resource: resource.to_owned(),
        subresource: subresource.map(str::to_owned),
        namespace: namespace.map(str::to_owned),
    }
}

impl Read {
    /// Whether this read allows a request for `target`.
    pub fn allows(&self, target: &Target) -> bool {
        match target {
            Target::Resource {
                group,
                version,
                resource,
                subresource,
                namespace,
            } => {
                *group == self.group
                    && *version == self.version
                    && *resource == self.resource
                    && *subresource == self.subresource
                    && match (&self.namespaces, namespace) {
                        (None, _) => true,
                        (Some(allowed), Some(ns)) => allowed.iter().any(|a| a == ns),
                        (Some(_), None) => false,
                    }
            }
            Target::Discovery | Target::Other => false,
        }
    }
}

/// What [`Manifest::audit`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadAudit {
    /// Requests no declared read allows (discovery aside), in order, without repeats.
    pub undeclared: Vec<String>,
    /// Declared reads that no request used, as written in `#[gatherer(reads = ...)]`.
    pub unused: Vec<String>,
}

impl ReadAudit {
    /// Whether the gatherer read exactly what it declared.
    pub fn is_exact(&self) -> bool {
        self.undeclared.is_empty() && self.unused.is_empty()
    }
}

impl Manifest {
    /// Parses a manifest as `#[gatherer]` embeds it.
    pub fn parse(json: &str) -> serde_json::Result<Manifest> {
        serde_json::from_str(json)
    }

    /// Whether the manifest allows a request for `path_and_query`: discovery always, a
    /// resource when a declared read allows it.
    pub fn allows(&self, path_and_query: &str) -> bool {
        match target(path_and_query) {
            Target::Discovery => true,
            Target::Other => false,
            resource => self.reads.iter().any(|read| read.allows(&resource)),
        }
    }

    /// Compares the requests a gatherer made with what it declared.
    pub fn audit<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> ReadAudit {
        let mut used = vec![false; self.reads.len()];
        let mut audit = ReadAudit::default();
        for path in paths {
            let target = target(path);
            if target == Target::Discovery {
                continue;
            }
            let mut allowed = false;
            for (read, used) in self.reads.iter().zip(used.iter_mut()) {
                if read.allows(&target) {
                    *used = true;
                    allowed = true;
                }
            }
            if !allowed && !audit.undeclared.iter().any(|p| p == path) {
                audit.undeclared.push(path.to_owned());
            }
        }
        audit.unused = self
            .reads
            .iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(read, _)| read.to_string())
            .collect();
        audit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(g: &str, v: &str, r: &str, sub: Option<&str>, ns: Option<&str>) -> Target {
        Target::Resource {
            group: g.into(),
            version: v.into(),
            resource: r.into(),
            subresource: sub.map(Into::into),
            namespace: ns.map(Into::into),
        }
    }

    #[test]
    fn paths_are_read_as_the_api_server_reads_them() {
        for path in [
            "/api",
            "/api/v1",
            "/apis",
            "/apis/config.openshift.io",
            "/apis/config.openshift.io/v1",
            "/version",
        ] {
            assert_eq!(target(path), Target::Discovery, "{path}");
        }
        assert_eq!(
            target("/api/v1/nodes?limit=500"),
            resource("", "v1", "nodes", None, None)
        );
        assert_eq!(
            target("/api/v1/namespaces"),
            resource("", "v1", "namespaces", None, None)
        );
        assert_eq!(
            target("/api/v1/namespaces/kube-system"),
            resource("", "v1", "namespaces", None, None)
        );
        assert_eq!(
            target("/api/v1/namespaces/kube-system/status"),
            resource("", "v1", "namespaces", Some("status"), None)
        );
        assert_eq!(
            target("/api/v1/namespaces/ns/pods/p/log?container=c"),
            resource("", "v1", "pods", Some("log"), Some("ns"))
        );
        assert_eq!(
            target("/apis/machine.openshift.io/v1beta1/namespaces/openshift-machine-api/machines"),
            resource(
                "machine.openshift.io",
                "v1beta1",
                "machines",
                None,
                Some("openshift-machine-api")
            )
        );
        assert_eq!(target("/healthz"), Target::Other);
        assert_eq!(target("/api/v1/a/b/c/d"), Target::Other);
    }

    #[test]
    fn the_audit_finds_undeclared_and_unused_reads() {
        let manifest = Manifest::parse(
            r#"{"contract":"c","name":"n","version":"1","reads":[
                {"group":"","version":"v1","resource":"pods","namespaces":["a"]},
                {"group":"","version":"v1","resource":"pods","subresource":"log"},
                {"group":"x.io","version":"v1","resource":"things"}]}"#,
        )
        .unwrap();
        let audit = manifest.audit([
            "/apis",
            "/api/v1/namespaces/a/pods?limit=500",
            "/api/v1/namespaces/b/pods",
            "/api/v1/pods",
            "/api/v1/namespaces/b/pods",
        ]);
        assert_eq!(
            audit.undeclared,
            ["/api/v1/namespaces/b/pods", "/api/v1/pods"]
        );
        assert_eq!(audit.unused, ["v1/pods/log", "x.io/v1/things"]);
        assert!(!audit.is_exact());
        assert!(manifest.allows("/api"));
        assert!(manifest.allows("/api/v1/namespaces/z/pods/p/log"));
        assert!(!manifest.allows("/api/v1/namespaces/z/pods/p"));

        let exact = manifest.audit([
            "/api/v1/namespaces/a/pods/p",
            "/api/v1/namespaces/q/pods/p/log",
            "/apis/x.io/v1/things",
        ]);
        assert!(exact.is_exact(), "{exact:?}");
    }
}
