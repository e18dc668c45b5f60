//! Which Kubernetes API requests a gatherer may make.
//!
//! A guest names only a method, a path with its query, and a few headers; the
//! host owns the scheme, the authority, TLS and credentials. [`GatherPolicy`]
//! decides, for one gatherer, whether such a request reaches the API:
//!
//! 1. **Method**: `GET` only. Gatherers are read-only.
//! 2. **Path syntax**: the contract's request grammar
//!    ([`wagather_contract::request`], shared with the snapshot API server):
//!    printable ASCII, no empty, `.` or `..` segment raw or encoded, no
//!    encoded slash, backslash or percent sign, no scheme or authority: the
//!    guest can never name another server or a path the API server would
//!    read differently.
//! 3. **Streams**: `watch` (query `watch=true`/`watch=1`, or `/watch/` paths)
//!    and `follow` of logs are refused: a run must end, and its output is
//!    bounded.
//! 4. **Discovery** (`/api`, `/api/{v}`, `/apis`, `/apis/{g}`, `/apis/{g}/{v}`,
//!    `/version`) is allowed for every gatherer: it reveals no cluster data.
//! 5. **Dangerous subresources** (`exec`, `attach`, `portforward`, `proxy`) are
//!    refused whatever a manifest says: they reach into workloads.
//! 6. **Host deny list**: core `secrets` are denied unless the operator lifts
//!    that for a named gatherer ([`HostPolicy::allow_secrets_for`]); the
//!    operator may add more rules ([`HostPolicy::deny`]). A manifest cannot
//!    override either.
//! 7. **The manifest's reads** are the allow-list: group, version and
//!    resource must match, the subresource must match exactly (a read of
//!    `pods` does not allow `pods/log`), and a namespaces restriction allows
//!    only namespaced paths in those namespaces (so it denies a cluster-wide or
//!    all-namespaces list of that resource). An empty `reads` allows nothing.
//! 8. **Operator restriction** ([`HostPolicy::restrict`]): when the operator
//!    restricts a gatherer, a request must also match one of the operator's
//!    rules. Restrictions only narrow; nothing a guest says widens them.
//! 9. **Headers** ([`headers`]): `Accept` is forwarded, a few client headers are
//!    dropped, everything else is refused.
//!
//! Every [`Denial`] names the rule that refused the request, because the guest
//! receives it as `error::denied` and its author must be able to act on it.

pub mod headers;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use wagather_contract::read_rule::ReadRuleFields;
use wagather_contract::request::{WORKLOAD_SUBRESOURCES, is_false, printable};
use wagather_contract::{ApiPath, ReadRule, RequestInfo, Verb, parse_path};

pub use headers::{
    DROPPED_HEADERS, FORWARDED_HEADERS, HOST_OWNED_HEADER_PREFIXES, HOST_OWNED_HEADERS,
    MAX_HEADER_VALUE_BYTES, MAX_HEADERS,
};

/// Subresources that reach into running workloads; never allowed.
pub const DENIED_SUBRESOURCES: &[&str] = WORKLOAD_SUBRESOURCES;

/// One rule of the operator's deny list: a [`ReadRule`] whose version may be
/// `*` (every version). Without a subresource it covers the resource and all
/// of its subresources; `namespaces` limits it to those namespaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReadRuleFields")]
pub struct DenyRule {
    pub group: String,
    /// An API version, or `*` for every version.
    pub version: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
}

impl TryFrom<ReadRuleFields> for DenyRule {
    type Error = String;

    fn try_from(raw: ReadRuleFields) -> Result<Self, Self::Error> {
        // Validated as a read rule (same grammar, same messages), with `*` standing in for
        // any version.
        let any_version = raw.version == "*";
        let mut probe = ReadRule::try_from(ReadRuleFields {
            version: if any_version {
                "v1".to_owned()
            } else {
                raw.version.clone()
            },
            ..raw
        })
        .map_err(|e| format!("invalid deny rule: {}", e.reason))?;
        if any_version {
            probe.version = "*".to_owned();
        }
        Ok(DenyRule::from(probe))
    }
}

impl DenyRule {
    /// Denies `group/*/resource` (every version, every namespace, every subresource).
    pub fn any_version(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_owned(),
            version: "*".to_owned(),
            resource: resource.to_owned(),
            subresource: None,
            namespaces: None,
        }
    }

    fn matches(&self, res: &RequestInfo) -> bool {
        self.group == res.group
            && (self.version == "*" || self.version == res.version)
            && self.resource == res.resource
            && match &self.subresource {
                None => true,
                Some(sub) => res.subresource.as_deref() == Some(sub.as_str()),
            }
            && match &self.namespaces {
                // A namespaced deny also covers lists across all namespaces,
                // which would include the denied namespaces.
                Some(list) => match res.effective_namespace() {
                    Some(ns) => list.iter().any(|d| d == ns),
                    None => true,
                },
                None => true,
            }
    }
}

impl From<ReadRule> for DenyRule {
    fn from(rule: ReadRule) -> Self {
        Self {
            group: rule.group,
            version: rule.version,
            resource: rule.resource,
            subresource: rule.subresource,
            namespaces: rule.namespaces,
        }
    }
}

impl fmt::Display for DenyRule {
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

/// The operator's policy, shared by every gatherer the host runs.
///
/// It can only narrow what manifests ask for. The default denies core
/// `secrets` to every gatherer, restricts nobody further and denies nothing
/// else. Gatherers are named as the host runs them (the manifest's name
/// unless the operator names the instance). It deserializes from the
/// operator's policy file (YAML or JSON):
///
/// ```json
/// { "deny": [{"group": "", "version": "*", "resource": "configmaps", "namespaces": ["kube-system"]}],
///   "restrict": {"cluster-operators": [{"group": "config.openshift.io", "version": "v1", "resource": "clusteroperators"}]},
///   "allow_secrets_for": ["certificates"] }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostPolicy {
    /// Rules denied to every gatherer, on top of the built-in Secrets rule.
    pub deny: Vec<DenyRule>,
    /// Per gatherer name: requests must also match one of these rules.
    pub restrict: BTreeMap<String, Vec<ReadRule>>,
    /// Gatherers for which the built-in Secrets deny is lifted. Their
    /// manifest must still list `secrets` for a read to be allowed.
    pub allow_secrets_for: BTreeSet<String>,
}

impl HostPolicy {
    /// Denies `rule` to every gatherer, whatever their manifests say.
    pub fn deny(mut self, rule: impl Into<DenyRule>) -> Self {
        self.deny.push(rule.into());
        self
    }

    /// Narrows `gatherer` to requests that match one of `rules` as well as
    /// its manifest. Calling it twice for one gatherer adds rules.
    pub fn restrict(mut self, gatherer: &str, rules: impl IntoIterator<Item = ReadRule>) -> Self {
        self.restrict
            .entry(gatherer.to_owned())
            .or_default()
            .extend(rules);
        self
    }

    /// Lifts the built-in core `secrets` deny for `gatherer`.
    pub fn allow_secrets_for(mut self, gatherer: &str) -> Self {
        self.allow_secrets_for.insert(gatherer.to_owned());
        self
    }
}

/// A request as the guest sent it.
#[derive(Clone, Copy, Debug)]
pub struct GuestRequest<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub headers: &'a [(String, String)],
}

/// A request that passed the policy, with the headers the host may forward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedRequest {
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
}

/// Why a request was refused; the text goes to the guest as `denied`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Denial {
    pub reason: String,
}

impl Denial {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// The policy for one gatherer: its manifest's reads and the operator's rules.
#[derive(Clone, Debug)]
pub struct GatherPolicy {
    gatherer: String,
    reads: Vec<ReadRule>,
    restriction: Option<Vec<ReadRule>>,
    deny: Vec<DenyRule>,
}

impl GatherPolicy {
    /// Combines a gatherer's manifest reads with the operator's policy.
    pub fn new(gatherer: &str, reads: &[ReadRule], host: &HostPolicy) -> Self {
        let mut deny = Vec::with_capacity(host.deny.len() + 1);
        if !host.allow_secrets_for.contains(gatherer) {
            deny.push(DenyRule::any_version("", "secrets"));
        }
        deny.extend(host.deny.iter().cloned());
        Self {
            gatherer: gatherer.to_owned(),
            reads: reads.to_vec(),
            restriction: host.restrict.get(gatherer).cloned(),
            deny,
        }
    }

    /// The gatherer this policy is for.
    pub fn gatherer(&self) -> &str {
        &self.gatherer
    }

    /// Decides whether the request may reach the API, and with which headers.
    pub fn check(&self, req: &GuestRequest<'_>) -> Result<AllowedRequest, Denial> {
        if req.method != "GET" {
            return Err(Denial::new(format!(
                "method {} is not allowed: gatherers are read-only (only GET)",
                printable(req.method)
            )));
        }
        let parsed = parse_path(req.path_and_query).map_err(|e| Denial::new(e.reason))?;
        for (key, value) in &parsed.query {
            let key = key.to_ascii_lowercase();
            if key == "watch" && !is_false(value) {
                return Err(Denial::new(format!(
                    "watch={} is not allowed: a gather is a snapshot, watches never end",
                    printable(value)
                )));
            }
            if key == "follow" && !is_false(value) {
                return Err(Denial::new(format!(
                    "follow={} is not allowed: a gather is a snapshot, followed logs never end",
                    printable(value)
                )));
            }
        }
        let headers = headers::check(req.headers)?;
        if let ApiPath::Resource(res) = &parsed.path {
            // The query check above refuses every watch; the verb says so too.
            debug_assert!(res.verb != Verb::Watch);
            self.check_resource(res)?;
        }
        Ok(AllowedRequest {
            path_and_query: req.path_and_query.to_owned(),
            headers,
        })
    }

    /// Refuses a request body: a `GET` carries none, and the host never
    /// forwards one.
    pub fn check_body(body: Option<&[u8]>) -> Result<(), Denial> {
        match body {
            Some(b) if !b.is_empty() => Err(Denial::new(
                "a request body is not allowed: gatherers are read-only",
            )),
            _ => Ok(()),
        }
    }

    fn check_resource(&self, res: &RequestInfo) -> Result<(), Denial> {
        if let Some(sub) = res.subresource.as_deref()
            && DENIED_SUBRESOURCES.contains(&sub)
        {
            return Err(Denial::new(format!(
                "subresource {sub} ({}) is never allowed: it reaches into running workloads",
                res.describe()
            )));
        }
        if self.deny.iter().any(|rule| rule.matches(res)) {
            return Err(Denial::new(format!(
                "{} is on the host's deny list",
                res.describe()
            )));
        }
        check_allowed(&self.reads, res, "this gatherer's reads")?;
        if let Some(restriction) = &self.restriction {
            check_allowed(restriction, res, "the operator's rules for this gatherer")?;
        }
        Ok(())
    }
}

/// Passes if one of `rules` allows `res`; otherwise explains the nearest miss.
fn check_allowed(rules: &[ReadRule], res: &RequestInfo, whose: &str) -> Result<(), Denial> {
    let same_resource: Vec<&ReadRule> = rules
        .iter()
        .filter(|r| {
            r.group == res.group
                && r.version == res.version
                && r.resource == res.resource
                && r.subresource.as_deref() == res.subresource.as_deref()
        })
        .collect();
    if same_resource.is_empty() {
        return Err(Denial::new(format!("{} is not in {whose}", res.describe())));
    }
    if same_resource
        .iter()
        .any(|r| namespace_allowed(r.namespaces.as_deref(), res))
    {
        return Ok(());
    }
    let mut allowed: Vec<&str> = same_resource
        .iter()
        .filter_map(|r| r.namespaces.as_deref())
        .flatten()
        .map(String::as_str)
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    let allowed = allowed.join(", ");
    Err(match res.effective_namespace() {
        Some(ns) => Denial::new(format!(
            "{} in namespace {ns} is not in {whose} (namespaces allowed: {allowed})",
            res.describe()
        )),
        None => Denial::new(format!(
            "{} across all namespaces is not in {whose}: they allow only namespaces {allowed}",
            res.describe()
        )),
    })
}

fn namespace_allowed(namespaces: Option<&[String]>, res: &RequestInfo) -> bool {
    match namespaces {
        None => true,
        Some(list) => res
            .effective_namespace()
            .is_some_and(|ns| list.iter().any(|allowed| allowed == ns)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wagather_contract::request::MAX_PATH_AND_QUERY_BYTES;

    fn rule(s: &str) -> ReadRule {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The reads of the manifest example in the project's contract.
    fn policy() -> GatherPolicy {
        policy_with(&HostPolicy::default())
    }

    fn policy_with(host: &HostPolicy) -> GatherPolicy {
        GatherPolicy::new(
            "cluster-operators",
            &[
                rule("config.openshift.io/v1/clusteroperators"),
                rule("v1/pods/log in openshift-monitoring"),
                rule("v1/nodes"),
                rule("v1/namespaces in openshift-monitoring"),
                rule("apps/v1/deployments in openshift-monitoring,default"),
                rule("v1/secrets"),
                rule("v1/pods/exec"),
            ],
            host,
        )
    }

    fn get(path: &str) -> Result<AllowedRequest, Denial> {
        policy().check(&GuestRequest {
            method: "GET",
            path_and_query: path,
            headers: &[],
        })
    }

    fn denied(path: &str) -> String {
        match get(path) {
            Ok(ok) => panic!("{path} was allowed: {ok:?}"),
            Err(d) => d.reason,
        }
    }

    fn with_headers(headers: &[(&str, &str)]) -> Result<AllowedRequest, Denial> {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        policy().check(&GuestRequest {
            method: "GET",
            path_and_query: "/api/v1/nodes",
            headers: &headers,
        })
    }

    #[test]
    fn declared_reads_are_allowed_in_every_shape() {
        for path in [
            "/apis/config.openshift.io/v1/clusteroperators",
            "/apis/config.openshift.io/v1/clusteroperators?limit=500",
            "/apis/config.openshift.io/v1/clusteroperators?limit=500&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ%3D%3D",
            "/apis/config.openshift.io/v1/clusteroperators/authentication",
            "/apis/config.openshift.io/v1/clusteroperators?labelSelector=a%3Db,c!%3Dd&fieldSelector=metadata.name%3Dx",
            "/apis/config.openshift.io/v1/clusteroperators?watch=false",
            "/apis/config.openshift.io/v1/clusteroperators?watch=0",
            "/api/v1/namespaces/openshift-monitoring/pods/prometheus-k8s-0/log",
            "/api/v1/namespaces/openshift-monitoring/pods/prometheus-k8s-0/log?container=prometheus&tailLines=100",
            "/api/v1/namespaces/openshift-monitoring/pods/prometheus-k8s-0/log?follow=false",
            "/api/v1/nodes",
            "/api/v1/nodes/master-0",
            "/api/v1/namespaces/openshift-monitoring",
            "/apis/apps/v1/namespaces/default/deployments",
            "/apis/apps/v1/namespaces/openshift-monitoring/deployments/prometheus-operator",
            // Names may carry characters that some clients percent-encode.
            "/api/v1/nodes/system:node",
            "/api/v1/nodes/system%3Anode",
        ] {
            let ok = get(path).unwrap_or_else(|d| panic!("{path}: {d}"));
            assert_eq!(ok.path_and_query, path);
            assert!(ok.headers.is_empty());
        }
    }

    #[test]
    fn discovery_is_allowed_for_every_gatherer_even_with_no_reads() {
        let nothing = GatherPolicy::new("empty", &[], &HostPolicy::default());
        for path in [
            "/api",
            "/api/v1",
            "/apis",
            "/apis/config.openshift.io",
            "/apis/config.openshift.io/v1",
            "/version",
            "/version?timeout=32s",
        ] {
            nothing
                .check(&GuestRequest {
                    method: "GET",
                    path_and_query: path,
                    headers: &[],
                })
                .unwrap_or_else(|d| panic!("{path}: {d}"));
        }
    }

    #[test]
    fn empty_reads_allow_nothing() {
        let nothing = GatherPolicy::new("empty", &[], &HostPolicy::default());
        let d = nothing
            .check(&GuestRequest {
                method: "GET",
                path_and_query: "/api/v1/nodes",
                headers: &[],
            })
            .unwrap_err();
        assert_eq!(d.reason, "core/v1 nodes is not in this gatherer's reads");
    }

    #[test]
    fn only_get_is_allowed() {
        for method in [
            "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get", "",
        ] {
            let d = policy()
                .check(&GuestRequest {
                    method,
                    path_and_query: "/api/v1/nodes",
                    headers: &[],
                })
                .unwrap_err();
            assert_eq!(
                d.reason,
                format!("method {method} is not allowed: gatherers are read-only (only GET)")
            );
        }
        let d = policy()
            .check(&GuestRequest {
                method: "GET\r\nX: y",
                path_and_query: "/api/v1/nodes",
                headers: &[],
            })
            .unwrap_err();
        assert_eq!(
            d.reason,
            "method GET\\r\\nX: y is not allowed: gatherers are read-only (only GET)"
        );
    }

    #[test]
    fn a_body_is_refused() {
        assert!(GatherPolicy::check_body(None).is_ok());
        assert!(GatherPolicy::check_body(Some(b"")).is_ok());
        assert_eq!(
            GatherPolicy::check_body(Some(b"{}")).unwrap_err().reason,
            "a request body is not allowed: gatherers are read-only"
        );
    }

    #[test]
    fn undeclared_resources_are_denied_with_the_resource_named() {
        assert_eq!(
            denied("/apis/config.openshift.io/v1/clusterversions"),
            "config.openshift.io/v1 clusterversions is not in this gatherer's reads"
        );
        assert_eq!(
            denied("/apis/config.openshift.io/v1beta1/clusteroperators"),
            "config.openshift.io/v1beta1 clusteroperators is not in this gatherer's reads"
        );
        assert_eq!(
            denied("/api/v1/configmaps"),
            "core/v1 configmaps is not in this gatherer's reads"
        );
    }

    #[test]
    fn a_read_does_not_allow_its_subresources_nor_the_reverse() {
        assert_eq!(
            denied("/apis/config.openshift.io/v1/clusteroperators/authentication/status"),
            "config.openshift.io/v1 clusteroperators/status is not in this gatherer's reads"
        );
        assert_eq!(
            denied("/api/v1/namespaces/openshift-monitoring/pods"),
            "core/v1 pods is not in this gatherer's reads"
        );
        assert_eq!(
            denied("/api/v1/namespaces/openshift-monitoring/pods/p/status"),
            "core/v1 pods/status is not in this gatherer's reads"
        );
    }

    #[test]
    fn namespace_restrictions_deny_other_namespaces_and_cluster_wide_lists() {
        assert_eq!(
            denied("/api/v1/namespaces/default/pods/p/log"),
            "core/v1 pods/log in namespace default is not in this gatherer's reads (namespaces allowed: openshift-monitoring)"
        );
        assert_eq!(
            denied("/apis/apps/v1/deployments"),
            "apps/v1 deployments across all namespaces is not in this gatherer's reads: they allow only namespaces default, openshift-monitoring"
        );
        assert_eq!(
            denied("/apis/apps/v1/namespaces/kube-system/deployments"),
            "apps/v1 deployments in namespace kube-system is not in this gatherer's reads (namespaces allowed: default, openshift-monitoring)"
        );
        // The namespaces resource: a namespace object lives in itself.
        assert_eq!(
            denied("/api/v1/namespaces"),
            "core/v1 namespaces across all namespaces is not in this gatherer's reads: they allow only namespaces openshift-monitoring"
        );
        assert_eq!(
            denied("/api/v1/namespaces/default"),
            "core/v1 namespaces in namespace default is not in this gatherer's reads (namespaces allowed: openshift-monitoring)"
        );
    }

    #[test]
    fn namespace_subresources_follow_the_api_server_grammar() {
        // `status` and `finalize` right after a namespace name are
        // subresources of that namespace, not resources in it.
        assert_eq!(
            denied("/api/v1/namespaces/openshift-monitoring/status"),
            "core/v1 namespaces/status is not in this gatherer's reads"
        );
        assert_eq!(
            denied("/api/v1/namespaces/openshift-monitoring/configmaps"),
            "core/v1 configmaps is not in this gatherer's reads"
        );
        let p = GatherPolicy::new(
            "ns",
            &[rule("v1/namespaces/status in a")],
            &HostPolicy::default(),
        );
        let req = |path| GuestRequest {
            method: "GET",
            path_and_query: path,
            headers: &[],
        };
        p.check(&req("/api/v1/namespaces/a/status"))
            .expect("declared");
        assert!(p.check(&req("/api/v1/namespaces/b/status")).is_err());
    }

    #[test]
    fn secrets_are_on_the_host_deny_list_even_when_declared() {
        let want = "core/v1 secrets is on the host's deny list";
        assert_eq!(denied("/api/v1/secrets"), want);
        assert_eq!(denied("/api/v1/namespaces/default/secrets"), want);
        assert_eq!(
            denied("/api/v1/namespaces/default/secrets/pull-secret"),
            want
        );
        assert_eq!(
            denied("/api/v1/namespaces/kube-system/secrets?labelSelector=a%3Db"),
            want
        );
        // Every version and every subresource of core secrets.
        assert_eq!(
            denied("/api/v2/secrets"),
            "core/v2 secrets is on the host's deny list"
        );
        assert_eq!(
            denied("/api/v1/namespaces/default/secrets/x/status"),
            "core/v1 secrets/status is on the host's deny list"
        );
    }

    #[test]
    fn the_operator_can_lift_the_secrets_deny_for_one_gatherer_only() {
        let host = HostPolicy::default().allow_secrets_for("cluster-operators");
        let req = GuestRequest {
            method: "GET",
            path_and_query: "/api/v1/namespaces/default/secrets/x",
            headers: &[],
        };
        policy_with(&host)
            .check(&req)
            .expect("lifted for this gatherer");
        let other = GatherPolicy::new("other", &[rule("v1/secrets")], &host);
        assert_eq!(
            other.check(&req).unwrap_err().reason,
            "core/v1 secrets is on the host's deny list"
        );
        // Lifting the deny does not grant a read the manifest did not list.
        let undeclared = GatherPolicy::new("cluster-operators", &[rule("v1/nodes")], &host);
        assert_eq!(
            undeclared.check(&req).unwrap_err().reason,
            "core/v1 secrets is not in this gatherer's reads"
        );
    }

    #[test]
    fn operator_deny_rules_apply_to_every_gatherer() {
        let host = HostPolicy::default()
            .deny(DenyRule::any_version("", "nodes"))
            .deny(rule("apps/v1/deployments in default"));
        let p = policy_with(&host);
        let check = |path| {
            p.check(&GuestRequest {
                method: "GET",
                path_and_query: path,
                headers: &[],
            })
        };
        assert_eq!(
            check("/api/v1/nodes/a").unwrap_err().reason,
            "core/v1 nodes is on the host's deny list"
        );
        assert_eq!(
            check("/apis/apps/v1/namespaces/default/deployments")
                .unwrap_err()
                .reason,
            "apps/v1 deployments is on the host's deny list"
        );
        check("/apis/apps/v1/namespaces/openshift-monitoring/deployments")
            .expect("only default is denied");
    }

    #[test]
    fn operator_restrictions_narrow_a_gatherer() {
        let host = HostPolicy::default().restrict(
            "cluster-operators",
            [
                rule("config.openshift.io/v1/clusteroperators"),
                rule("apps/v1/deployments in default"),
            ],
        );
        let p = policy_with(&host);
        let check = |path| {
            p.check(&GuestRequest {
                method: "GET",
                path_and_query: path,
                headers: &[],
            })
        };
        check("/apis/config.openshift.io/v1/clusteroperators").expect("in both");
        check("/apis/apps/v1/namespaces/default/deployments").expect("in both");
        assert_eq!(
            check("/api/v1/nodes").unwrap_err().reason,
            "core/v1 nodes is not in the operator's rules for this gatherer"
        );
        assert_eq!(
            check("/apis/apps/v1/namespaces/openshift-monitoring/deployments")
                .unwrap_err()
                .reason,
            "apps/v1 deployments in namespace openshift-monitoring is not in the operator's rules for this gatherer (namespaces allowed: default)"
        );
        // A restriction never widens: the manifest still has to list it.
        let host = HostPolicy::default().restrict("cluster-operators", [rule("v1/configmaps")]);
        let p = policy_with(&host);
        assert_eq!(
            p.check(&GuestRequest {
                method: "GET",
                path_and_query: "/api/v1/configmaps",
                headers: &[],
            })
            .unwrap_err()
            .reason,
            "core/v1 configmaps is not in this gatherer's reads"
        );
    }

    #[test]
    fn host_policy_reads_from_a_config_file() {
        let host: HostPolicy = serde_json::from_str(
            r#"{"deny": [{"group": "", "version": "*", "resource": "configmaps", "namespaces": ["kube-system"]}],
                "restrict": {"cluster-operators": [{"group": "config.openshift.io", "version": "v1", "resource": "clusteroperators"}]},
                "allow_secrets_for": ["certificates"]}"#,
        )
        .expect("valid config");
        let built = HostPolicy::default()
            .deny(DenyRule {
                namespaces: Some(vec!["kube-system".into()]),
                ..DenyRule::any_version("", "configmaps")
            })
            .restrict(
                "cluster-operators",
                [rule("config.openshift.io/v1/clusteroperators")],
            )
            .allow_secrets_for("certificates");
        assert_eq!(host, built);
        let err = serde_json::from_str::<HostPolicy>(r#"{"allow_secrets": []}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `allow_secrets`"),
            "{err}"
        );
    }

    /// The contract's table of paths, read by the policy: what the grammar refuses is denied,
    /// discovery is open to all, and a resource is allowed exactly when declared (and not a
    /// stream, a workload subresource or a Secret).
    #[test]
    fn the_contract_path_table_holds_for_the_policy() {
        use wagather_contract::request::{PATH_TABLE, describe_for_table};
        for (path, expected) in PATH_TABLE {
            let parsed = wagather_contract::parse_path(path);
            assert_eq!(&describe_for_table(&parsed), expected, "{path}");
            let reads: Vec<ReadRule> = parsed
                .as_ref()
                .ok()
                .and_then(|p| p.resource())
                .map(|info| ReadRule {
                    group: info.group.clone(),
                    version: info.version.clone(),
                    resource: info.resource.clone(),
                    subresource: info.subresource.clone(),
                    namespaces: None,
                })
                .into_iter()
                .collect();
            let policy = GatherPolicy::new("table", &reads, &HostPolicy::default());
            let result = policy.check(&GuestRequest {
                method: "GET",
                path_and_query: path,
                headers: &[],
            });
            let allowed = match *expected {
                "error" => false,
                "discovery" => true,
                row => {
                    let info = parsed
                        .as_ref()
                        .ok()
                        .and_then(|p| p.resource())
                        .expect("resource");
                    let stream = row.starts_with("watch");
                    let workload = info
                        .subresource
                        .as_deref()
                        .is_some_and(|s| DENIED_SUBRESOURCES.contains(&s));
                    let secret = info.group.is_empty() && info.resource == "secrets";
                    !(stream || workload || secret)
                }
            };
            assert_eq!(result.is_ok(), allowed, "{path}: {result:?}");
        }
    }

    #[test]
    fn streams_are_denied() {
        let watch = "watch=true is not allowed: a gather is a snapshot, watches never end";
        assert_eq!(denied("/api/v1/nodes?watch=true"), watch);
        assert_eq!(denied("/api/v1/nodes?limit=1&watch=true"), watch);
        assert_eq!(denied("/api/v1/nodes?watch=false&watch=true"), watch);
        assert_eq!(denied("/api/v1/nodes?w%61tch=true"), watch);
        assert_eq!(
            denied("/api/v1/nodes?watch=1"),
            "watch=1 is not allowed: a gather is a snapshot, watches never end"
        );
        assert_eq!(
            denied("/api/v1/nodes?watch"),
            "watch= is not allowed: a gather is a snapshot, watches never end"
        );
        assert_eq!(
            denied("/api/v1/nodes?Watch=True"),
            "watch=True is not allowed: a gather is a snapshot, watches never end"
        );
        let path_watch = "/watch/ paths are not allowed: a gather is a snapshot, watches never end";
        assert_eq!(denied("/api/v1/watch/nodes"), path_watch);
        assert_eq!(
            denied("/apis/apps/v1/watch/namespaces/default/deployments"),
            path_watch
        );
        assert_eq!(
            denied("/api/v1/namespaces/openshift-monitoring/pods/p/log?follow=true"),
            "follow=true is not allowed: a gather is a snapshot, followed logs never end"
        );
    }

    #[test]
    fn workload_subresources_are_never_allowed_even_when_declared() {
        for sub in ["exec", "attach", "portforward", "proxy"] {
            assert_eq!(
                denied(&format!(
                    "/api/v1/namespaces/default/pods/p/{sub}?command=sh"
                )),
                format!(
                    "subresource {sub} (core/v1 pods/{sub}) is never allowed: it reaches into running workloads"
                )
            );
        }
        assert_eq!(
            denied("/api/v1/namespaces/default/pods/p/proxy/metrics"),
            "subresource proxy (core/v1 pods/proxy) is never allowed: it reaches into running workloads"
        );
        assert_eq!(
            denied("/api/v1/nodes/n/proxy"),
            "subresource proxy (core/v1 nodes/proxy) is never allowed: it reaches into running workloads"
        );
        assert_eq!(
            denied("/api/v1/proxy/namespaces/default/pods/p"),
            "/proxy/ paths are never allowed: they reach into running workloads"
        );
    }

    #[test]
    fn the_path_cannot_name_another_server() {
        assert_eq!(
            denied("http://evil.example/api/v1/nodes"),
            "http://evil.example/api/v1/nodes names a scheme: only a path such as /api/v1/nodes is allowed; the host chooses the server"
        );
        assert_eq!(
            denied("HTTPS://evil.example/api/v1/nodes"),
            "HTTPS://evil.example/api/v1/nodes names a scheme: only a path such as /api/v1/nodes is allowed; the host chooses the server"
        );
        assert_eq!(
            denied("//evil.example/api/v1/nodes"),
            "a path starting with // names another server; only a path such as /api/v1/nodes is allowed"
        );
        assert_eq!(
            denied("api/v1/nodes"),
            "the path api/v1/nodes does not start with /"
        );
        assert_eq!(denied(""), "the path  does not start with /");
        assert_eq!(
            denied("/api/v1/nodes@evil"),
            "core/v1 nodes@evil is not in this gatherer's reads"
        );
    }

    #[test]
    fn dot_segments_are_refused_raw_or_encoded_in_any_case() {
        for path in [
            "/api/v1/namespaces/default/../../../apis/x/v1/secrets",
            "/api/v1/nodes/..",
            "/api/v1/%2e%2e/secrets",
            "/api/v1/%2E%2E/secrets",
            "/api/v1/.%2e/secrets",
            "/api/v1/%2e./secrets",
        ] {
            assert_eq!(
                denied(path),
                "a .. segment in the path is not allowed (raw or percent-encoded)",
                "{path}"
            );
        }
        for path in ["/api/./v1/nodes", "/api/v1/%2e/nodes", "/api/v1/nodes/%2E"] {
            assert_eq!(
                denied(path),
                "a . segment in the path is not allowed (raw or percent-encoded)",
                "{path}"
            );
        }
    }

    #[test]
    fn encoded_separators_and_controls_are_refused() {
        for path in ["/api/v1/nodes%2Fsecrets", "/api/v1/nodes%2fx"] {
            assert_eq!(
                denied(path),
                "an encoded slash (%2F) in the path is not allowed"
            );
        }
        for path in ["/api/v1/nodes%5Cx", "/api/v1/nodes%5cx"] {
            assert_eq!(
                denied(path),
                "an encoded backslash (%5C) in the path is not allowed"
            );
        }
        assert_eq!(
            denied("/api/v1/nodes/%252e%252e"),
            "an encoded percent sign (%25) in the path is not allowed: it hides a second encoding"
        );
        assert_eq!(
            denied("/api/v1/nodes/a%00"),
            "an encoded control, space or non-ASCII byte (%00) in the path is not allowed"
        );
        assert_eq!(
            denied("/api/v1/nodes/a%0d%0aHost:x"),
            "an encoded control, space or non-ASCII byte (%0D) in the path is not allowed"
        );
        assert_eq!(
            denied("/api/v1/nodes/%C3%A9"),
            "an encoded control, space or non-ASCII byte (%C3) in the path is not allowed"
        );
        assert_eq!(
            denied("/api/v1/nodes/a%2"),
            "a malformed percent-encoding in the path (% must be followed by two hex digits)"
        );
        assert_eq!(
            denied("/api/v1/nodes/a%zz"),
            "a malformed percent-encoding in the path (% must be followed by two hex digits)"
        );
        assert_eq!(
            denied("/api/v1/nodes?limit=%zz"),
            "a malformed percent-encoding in the query (% must be followed by two hex digits)"
        );
    }

    #[test]
    fn raw_junk_is_refused() {
        assert_eq!(
            denied("/api/v1/nodes\\..\\secrets"),
            "a backslash in the path is not allowed"
        );
        assert_eq!(
            denied("/api/v1/nodes#frag"),
            "a fragment (#) is not allowed in a request path"
        );
        assert_eq!(
            denied("/api/v1/nodes\0"),
            "the path contains '\\0': only printable ASCII without spaces is allowed (percent-encode the rest)"
        );
        assert_eq!(
            denied("/api/v1/nodes HTTP/1.1\r\nHost: evil"),
            "the path contains ' ': only printable ASCII without spaces is allowed (percent-encode the rest)"
        );
        assert_eq!(
            denied("/api/v1/nodes\r\n"),
            "the path contains '\\r': only printable ASCII without spaces is allowed (percent-encode the rest)"
        );
        assert_eq!(
            denied("/api/v1/nodés"),
            "the path contains 'é': only printable ASCII without spaces is allowed (percent-encode the rest)"
        );
        assert_eq!(
            denied("/api/v1//nodes"),
            "an empty path segment (// or a trailing /) is not allowed"
        );
        assert_eq!(
            denied("/api/v1/nodes/"),
            "an empty path segment (// or a trailing /) is not allowed"
        );
        let long = format!("/api/v1/nodes/{}", "a".repeat(MAX_PATH_AND_QUERY_BYTES));
        assert_eq!(
            denied(&long),
            format!(
                "the path and query are {} bytes long; at most 8192 are allowed",
                long.len()
            )
        );
    }

    #[test]
    fn paths_outside_the_api_are_refused() {
        assert_eq!(
            denied("/"),
            "/ is not a Kubernetes API path: only /api, /apis and /version are served"
        );
        assert_eq!(
            denied("/metrics"),
            "/metrics is not a Kubernetes API path: only /api, /apis and /version are served"
        );
        assert_eq!(
            denied("/openapi/v2"),
            "/openapi/v2 is not a Kubernetes API path: only /api, /apis and /version are served"
        );
        assert_eq!(
            denied("/version/x"),
            "/version/x is not a Kubernetes API path: only /api, /apis and /version are served"
        );
        assert_eq!(
            denied("/api/v1/namespaces/a/pods/p/log/extra"),
            "the path has 6 segments after the version; a Kubernetes resource path has at most namespaces/{ns}/{resource}/{name}/{subresource}"
        );
    }

    #[test]
    fn accept_is_forwarded_and_client_headers_dropped() {
        let ok = with_headers(&[
            ("Accept", "application/json;as=Table;g=meta.k8s.io;v=v1"),
            ("Accept-Encoding", "gzip"),
            ("User-Agent", "guest/1.0"),
        ])
        .expect("allowed");
        assert_eq!(
            ok.headers,
            [(
                "accept".to_owned(),
                "application/json;as=Table;g=meta.k8s.io;v=v1".to_owned()
            )]
        );
    }

    #[test]
    fn host_owned_headers_are_refused() {
        for name in [
            "Authorization",
            "authorization",
            "Host",
            "Cookie",
            "Proxy-Authorization",
            "Impersonate-User",
            "Impersonate-Group",
            "Impersonate-Extra-scopes",
            "Connection",
            "Transfer-Encoding",
            "Content-Length",
            "X-Remote-User",
        ] {
            assert_eq!(
                with_headers(&[(name, "x")]).unwrap_err().reason,
                format!(
                    "header {name} is set by the host only: credentials, identity and framing belong to the host"
                )
            );
        }
    }

    #[test]
    fn other_headers_and_bad_values_are_refused() {
        assert_eq!(
            with_headers(&[("X-Custom", "1")]).unwrap_err().reason,
            "header X-Custom is not allowed: gatherers may send only accept"
        );
        assert_eq!(
            with_headers(&[("Accept\r\nHost", "x")]).unwrap_err().reason,
            "header name \"Accept\\\\r\\\\nHost\" is not a valid HTTP token"
        );
        assert_eq!(
            with_headers(&[("Accept", "a\r\nAuthorization: Bearer x")])
                .unwrap_err()
                .reason,
            "header Accept has a control or non-ASCII character in its value"
        );
        assert_eq!(
            with_headers(&[("Accept", &"a".repeat(1025))])
                .unwrap_err()
                .reason,
            "header Accept is 1025 bytes long; at most 1024 are allowed"
        );
        let many: Vec<(&str, &str)> = (0..17).map(|_| ("Accept", "a")).collect();
        assert_eq!(
            with_headers(&many).unwrap_err().reason,
            "17 headers sent; at most 16 are allowed"
        );
    }

    #[test]
    fn read_rules_parse_the_manifest_grammar() {
        assert_eq!(rule("v1/pods"), ReadRule::new("", "v1", "pods"));
        assert_eq!(
            rule("v1/pods/log in openshift-monitoring, default"),
            ReadRule::new("", "v1", "pods")
                .with_subresource("log")
                .in_namespaces(["openshift-monitoring", "default"])
        );
        assert_eq!(
            rule("apps/v1/deployments"),
            ReadRule::new("apps", "v1", "deployments")
        );
        assert_eq!(
            rule("policy/v1beta1/podsecuritypolicies"),
            ReadRule::new("policy", "v1beta1", "podsecuritypolicies")
        );
        assert_eq!(
            rule("v2alpha1/things"),
            ReadRule::new("", "v2alpha1", "things")
        );
        // `version1` is not a version, so it is a group with a bad version.
        for bad in [
            "",
            "pods",
            "v1",
            "apps/deployments",
            "a/b/c/d/e",
            "v1//pods",
            "v1/pods in ",
            "vbeta/x",
        ] {
            assert!(bad.parse::<ReadRule>().is_err(), "{bad:?} parsed");
        }
        for text in [
            "v1/pods/log in a,b",
            "config.openshift.io/v1/clusteroperators",
        ] {
            assert_eq!(rule(text).to_string(), text);
        }
    }

    #[test]
    fn read_rules_use_the_manifest_json_shape() {
        let r: ReadRule = serde_json::from_str(
            r#"{"group":"","version":"v1","resource":"pods","subresource":"log","namespaces":["openshift-monitoring"]}"#,
        )
        .unwrap();
        assert_eq!(r, rule("v1/pods/log in openshift-monitoring"));
        assert_eq!(
            serde_json::to_string(&rule("config.openshift.io/v1/clusteroperators")).unwrap(),
            r#"{"group":"config.openshift.io","version":"v1","resource":"clusteroperators"}"#
        );
    }
}

/// Invariants that hold for every input, checked on generated paths: the
/// stable-Rust counterpart of the `policy_check` fuzz target.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Path pieces, good and hostile, that a generated path is built from.
    const TOKENS: &[&str] = &[
        "api",
        "apis",
        "v1",
        "v2",
        "config.openshift.io",
        "apps",
        "namespaces",
        "default",
        "openshift-monitoring",
        "secrets",
        "pods",
        "log",
        "exec",
        "proxy",
        "attach",
        "status",
        "nodes",
        "clusteroperators",
        "deployments",
        "watch",
        "version",
        "..",
        ".",
        "%2e%2e",
        "%2E.",
        ".%2e",
        "%2e",
        "%2F",
        "%2f",
        "%5C",
        "%5c",
        "\\",
        "",
        "http:",
        "evil.example",
        "%00",
        "%0d%0a",
        "%25",
        "%252e",
        "a b",
        "é",
        "#x",
        "?watch=true",
        "?limit=5",
        "?watch=1&limit=2",
        "?follow=1",
        "?watch=false",
        "%",
        "%z",
        "system%3Anode",
        "@",
        ":",
    ];
    const PREFIXES: &[&str] = &["/", "//", "", "http://x/", "HTTP://x", "/api/v1/", "/apis/"];

    fn paths() -> impl Strategy<Value = String> {
        let built = (
            prop::sample::select(PREFIXES),
            prop::collection::vec(prop::sample::select(TOKENS), 0..7),
        )
            .prop_map(|(prefix, tokens)| format!("{prefix}{}", tokens.join("/")));
        let random = prop::collection::vec(any::<char>(), 0..40)
            .prop_map(|chars| chars.into_iter().collect::<String>());
        let ascii = prop::collection::vec(0u8..128, 0..40).prop_map(|bytes| {
            let s: String = bytes.into_iter().map(char::from).collect();
            format!("/{s}")
        });
        prop_oneof![6 => built, 1 => random, 1 => ascii]
    }

    fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
        let names = prop::sample::select(
            &[
                "Accept",
                "accept",
                "Authorization",
                "Host",
                "User-Agent",
                "Accept-Encoding",
                "Impersonate-User",
                "Proxy-Authorization",
                "X-Custom",
                "Cookie",
                "Bad Name",
            ][..],
        );
        let values = prop::sample::select(&["application/json", "x\r\ny", "", "é"][..]);
        prop::collection::vec(
            (names, values).prop_map(|(n, v)| (n.to_owned(), v.to_owned())),
            0..4,
        )
    }

    fn policy() -> GatherPolicy {
        let reads: Vec<ReadRule> = [
            "v1/secrets",
            "v1/pods/exec",
            "v1/pods/log in default",
            "v1/nodes",
            "config.openshift.io/v1/clusteroperators",
            "apps/v1/deployments in openshift-monitoring",
        ]
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
        GatherPolicy::new("prop", &reads, &HostPolicy::default())
    }

    /// Percent-decodes for the oracle, independently of the policy's decoder.
    fn decoded_segments(path: &str) -> Vec<String> {
        path.split('/').map(percent_decode).collect()
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Group, resource and subresource of an API path, per the Kubernetes
    /// URL grammar, written out separately from the policy's parser.
    fn resource_of(segments: &[String]) -> Option<(&str, &str, Option<&str>)> {
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let (group, rest) = match s.as_slice() {
            ["api", _, rest @ ..] => ("", rest),
            ["apis", group, _, rest @ ..] => (*group, rest),
            _ => return None,
        };
        let rest = match rest {
            ["namespaces", _, "status" | "finalize"] => rest,
            ["namespaces", _, inner @ ..] if !inner.is_empty() => inner,
            _ => rest,
        };
        let resource = rest.first()?;
        Some((group, resource, rest.get(2).copied()))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        #[test]
        fn allowed_requests_are_plain_api_paths(
            path in paths(),
            method in prop::sample::select(&["GET", "POST", "get", "DELETE"][..]),
            headers in headers(),
        ) {
            let result = policy().check(&GuestRequest { method, path_and_query: &path, headers: &headers });
            let Ok(allowed) = result else { return Ok(()); };
            prop_assert_eq!(method, "GET");
            let p = allowed.path_and_query.as_str();
            prop_assert!(p.starts_with('/') && !p.starts_with("//"), "{p}");
            prop_assert!(p.bytes().all(|b| (0x21..0x7f).contains(&b)), "{p}");
            prop_assert!(!p.contains('\\') && !p.contains('#'), "{p}");
            let path_part = p.split('?').next().unwrap_or_default();
            let lower = path_part.to_ascii_lowercase();
            prop_assert!(!lower.contains("%2f") && !lower.contains("%5c") && !lower.contains("%25") && !lower.contains("%00"), "{p}");
            let segments = decoded_segments(&path_part[1..]);
            prop_assert!(segments.iter().all(|s| !s.is_empty() && s != "." && s != ".."), "{p}");
            let query = p.split_once('?').map(|(_, q)| q).unwrap_or_default();
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                let k = k.to_ascii_lowercase();
                prop_assert!(!(k == "watch" || k == "follow") || is_false(&v), "{p}");
            }
            // Secrets and workload subresources never pass, though declared.
            if let Some((group, resource, sub)) = resource_of(&segments) {
                prop_assert!(!(group.is_empty() && resource == "secrets"), "{p}");
                prop_assert!(resource != "watch" && resource != "proxy", "{p}");
                prop_assert!(!sub.is_some_and(|s| DENIED_SUBRESOURCES.contains(&s)), "{p}");
            }
            for (name, _) in &allowed.headers {
                prop_assert!(FORWARDED_HEADERS.contains(&name.as_str()), "{name}");
            }
        }

        #[test]
        fn a_gatherer_without_reads_gets_discovery_only(path in paths()) {
            let nothing = GatherPolicy::new("none", &[], &HostPolicy::default());
            if let Ok(allowed) = nothing.check(&GuestRequest { method: "GET", path_and_query: &path, headers: &[] }) {
                let path_part = allowed.path_and_query.split('?').next().unwrap_or_default().to_owned();
                let segments = decoded_segments(&path_part[1..]);
                let s: Vec<&str> = segments.iter().map(String::as_str).collect();
                let discovery = matches!(s.as_slice(), ["api"] | ["apis"] | ["version"] | ["api", _] | ["apis", _] | ["apis", _, _]);
                prop_assert!(discovery, "{path}");
            }
        }
    }
}
