//! A gatherer held to its manifest: what the host would let it read, and an audit of what it
//! read.
//!
//! `#[gatherer(reads = [...])]` embeds a [`Manifest`]; the host allows exactly the reads it
//! declares, deciding with the contract's path grammar ([`wagather_contract::parse_path`]) and
//! [`ReadRule::allows`](wagather_contract::ReadRule::allows). [`audit`] holds a gatherer to the
//! same rules in its own tests: given every path it requested, it lists the requests no
//! declared read allows and the declared reads no request used, so a test fails both when a
//! gatherer reads more than it says and when it says more than it reads.

use wagather_contract::{ApiPath, Manifest, RequestInfo, Verb, parse_path};

/// What [`audit`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadAudit {
    /// Requests no declared read allows (discovery aside), in order, without repeats; paths
    /// the contract's grammar refuses and watches are among them, as the host refuses them.
    pub undeclared: Vec<String>,
    /// Declared reads that no request used, in the text form of `#[gatherer(reads = ...)]`.
    pub unused: Vec<String>,
}

impl ReadAudit {
    /// Whether the gatherer read exactly what it declared.
    pub fn is_exact(&self) -> bool {
        self.undeclared.is_empty() && self.unused.is_empty()
    }
}

/// What a request path means to the host's check of a manifest's reads.
enum Read {
    /// Discovery: allowed to every gatherer.
    Discovery,
    /// A read of a resource, to be allowed by a declared rule.
    Resource(RequestInfo),
    /// Refused whatever the manifest says: a path the grammar refuses, or a watch.
    Refused,
}

fn read(path_and_query: &str) -> Read {
    match parse_path(path_and_query) {
        Ok(request) => match request.path {
            ApiPath::Discovery(_) => Read::Discovery,
            ApiPath::Resource(info) if info.verb == Verb::Watch => Read::Refused,
            ApiPath::Resource(info) => Read::Resource(info),
        },
        Err(_) => Read::Refused,
    }
}

/// Whether `manifest` allows a GET of `path_and_query`: discovery always, a resource when a
/// declared read allows it. The host's other rules (its deny list, Secrets, limits) are the
/// host's.
pub fn allows(manifest: &Manifest, path_and_query: &str) -> bool {
    match read(path_and_query) {
        Read::Discovery => true,
        Read::Resource(info) => manifest.reads.iter().any(|rule| rule.allows(&info)),
        Read::Refused => false,
    }
}

/// Compares the requests a gatherer made (their paths and queries) with what `manifest`
/// declares.
pub fn audit<'a>(manifest: &Manifest, paths: impl IntoIterator<Item = &'a str>) -> ReadAudit {
    let mut used = vec![false; manifest.reads.len()];
    let mut audit = ReadAudit::default();
    for path in paths {
        let allowed = match read(path) {
            Read::Discovery => continue,
            Read::Refused => false,
            Read::Resource(info) => {
                let mut allowed = false;
                for (rule, used) in manifest.reads.iter().zip(used.iter_mut()) {
                    if rule.allows(&info) {
                        *used = true;
                        allowed = true;
                    }
                }
                allowed
            }
        };
        if !allowed && !audit.undeclared.iter().any(|p| p == path) {
            audit.undeclared.push(path.to_owned());
        }
    }
    audit.unused = manifest
        .reads
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(rule, _)| rule.to_string())
        .collect();
    audit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(reads: &[&str]) -> Manifest {
        Manifest::new(
            "clusterconfig/test",
            "1.0.0",
            reads.iter().map(|r| r.parse().unwrap()).collect(),
        )
    }

    #[test]
    fn the_audit_finds_undeclared_and_unused_reads() {
        let manifest = manifest(&["v1/pods in a", "v1/pods/log", "x.io/v1/things"]);
        let audit = audit(
            &manifest,
            [
                "/apis",
                "/api/v1/namespaces/a/pods?limit=500",
                "/api/v1/namespaces/b/pods",
                "/api/v1/pods",
                "/api/v1/namespaces/b/pods",
            ],
        );
        assert_eq!(
            audit.undeclared,
            ["/api/v1/namespaces/b/pods", "/api/v1/pods"]
        );
        assert_eq!(audit.unused, ["v1/pods/log", "x.io/v1/things"]);
        assert!(!audit.is_exact());

        let exact = super::audit(
            &manifest,
            [
                "/api/v1/namespaces/a/pods/p",
                "/api/v1/namespaces/q/pods/p/log",
                "/apis/x.io/v1/things",
            ],
        );
        assert!(exact.is_exact(), "{exact:?}");
    }

    #[test]
    fn what_the_host_refuses_is_never_declared() {
        let manifest = manifest(&["v1/pods", "v1/namespaces in a"]);
        for path in [
            "/api/v1/pods?watch=true",
            "/api/v1/namespaces/x/pods/%2e%2e",
            "http://elsewhere/api/v1/pods",
            "/healthz",
            "/api/v1/namespaces",
        ] {
            assert!(!allows(&manifest, path), "{path}");
            assert_eq!(audit(&manifest, [path]).undeclared, [path]);
        }
        for path in ["/api", "/apis/config.openshift.io/v1", "/version"] {
            assert!(allows(&manifest, path), "{path}");
        }
        assert!(allows(&manifest, "/api/v1/pods?watch=false"));
        assert!(
            allows(&manifest, "/api/v1/namespaces/a"),
            "a namespace is in itself"
        );
        assert!(!allows(&manifest, "/api/v1/namespaces/b"));
    }
}
