//! The least-privilege RBAC for a set of gatherers: `get` and `list` on exactly the resources
//! their manifests declare (`get` alone on a declared subresource such as `pods/log`), after the
//! operator's policy has had its say.
//!
//! A read the host would refuse anyway gets no permission: the subresources that reach into
//! workloads (`exec`, `attach`, ...), Secrets unless the policy lifts the deny for that
//! gatherer, reads the deny list covers entirely, and reads outside a gatherer's `restrict`
//! list. A read limited to namespaces becomes a `Role` in each of them instead of a
//! `ClusterRole` rule (unless a cluster-wide read of the same resource grants it anyway).
//! Discovery (`/api`, `/apis`) needs nothing: Kubernetes grants it to every authenticated
//! user (`system:discovery`).
//!
//! [`render`] writes the YAML `wagather rbac` prints and `deploy/rbac.yaml` holds.

use std::collections::{BTreeMap, BTreeSet};

use wagather_contract::{Manifest, ReadRule};

use crate::policy::{DENIED_SUBRESOURCES, DenyRule, HostPolicy};

/// One gatherer as the RBAC sees it: the name it runs under and its manifest.
#[derive(Clone, Debug)]
pub struct GathererReads {
    /// The instance's name (what the policy names).
    pub name: String,
    pub manifest: Manifest,
}

/// Permissions: per API group, the resources and their verbs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    /// group -> resource (`pods`, `pods/log`) -> verbs.
    by_group: BTreeMap<String, BTreeMap<String, &'static [&'static str]>>,
}

impl Grants {
    fn add(&mut self, read: &ReadRule) {
        let (resource, verbs): (String, &'static [&'static str]) = match &read.subresource {
            Some(sub) => (format!("{}/{sub}", read.resource), &["get"]),
            None => (read.resource.clone(), &["get", "list"]),
        };
        self.by_group
            .entry(read.group.clone())
            .or_default()
            .insert(resource, verbs);
    }

    fn contains(&self, read: &ReadRule) -> bool {
        let resource = match &read.subresource {
            Some(sub) => format!("{}/{sub}", read.resource),
            None => read.resource.clone(),
        };
        self.by_group
            .get(&read.group)
            .is_some_and(|resources| resources.contains_key(&resource))
    }

    /// Whether nothing is granted.
    pub fn is_empty(&self) -> bool {
        self.by_group.is_empty()
    }

    /// The rules: per group, one rule per distinct verb list, resources sorted.
    pub fn rules(&self) -> Vec<Rule> {
        let mut rules = Vec::new();
        for (group, resources) in &self.by_group {
            let mut by_verbs: BTreeMap<&'static [&'static str], BTreeSet<String>> = BTreeMap::new();
            for (resource, verbs) in resources {
                by_verbs.entry(verbs).or_default().insert(resource.clone());
            }
            // get+list first, then get alone.
            for (verbs, resources) in by_verbs.into_iter().rev() {
                rules.push(Rule {
                    api_group: group.clone(),
                    resources: resources.into_iter().collect(),
                    verbs: verbs.to_vec(),
                });
            }
        }
        rules
    }
}

/// One RBAC rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub api_group: String,
    pub resources: Vec<String>,
    pub verbs: Vec<&'static str>,
}

/// What a set of gatherers needs: cluster-wide grants, and grants per namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rbac {
    pub cluster: Grants,
    pub namespaced: BTreeMap<String, Grants>,
    /// The gatherers, as `name version`, for the header.
    pub gatherers: Vec<String>,
}

/// The permissions `gatherers` need under `policy`.
pub fn rbac(gatherers: &[GathererReads], policy: &HostPolicy) -> Rbac {
    let mut rbac = Rbac::default();
    let mut limited = Vec::new();
    for g in gatherers {
        rbac.gatherers
            .push(format!("{} {}", g.name, g.manifest.version));
        for read in effective_reads(&g.name, &g.manifest.reads, policy) {
            match &read.namespaces {
                None => rbac.cluster.add(&read),
                Some(_) => limited.push(read),
            }
        }
    }
    for read in limited {
        if rbac.cluster.contains(&read) {
            continue;
        }
        for namespace in read.namespaces.iter().flatten() {
            rbac.namespaced
                .entry(namespace.clone())
                .or_default()
                .add(&read);
        }
    }
    rbac
}

/// The reads of one gatherer that the host's policy lets through at all.
fn effective_reads(name: &str, reads: &[ReadRule], policy: &HostPolicy) -> Vec<ReadRule> {
    let mut out = Vec::new();
    for read in reads {
        if read
            .subresource
            .as_deref()
            .is_some_and(|sub| DENIED_SUBRESOURCES.contains(&sub))
        {
            continue;
        }
        if read.group.is_empty()
            && read.resource == "secrets"
            && !policy.allow_secrets_for.contains(name)
        {
            continue;
        }
        if policy.deny.iter().any(|deny| covers(deny, read)) {
            continue;
        }
        let read = match policy.restrict.get(name) {
            None => Some(read.clone()),
            Some(allowed) => allowed
                .iter()
                .filter(|r| {
                    r.group == read.group
                        && r.version == read.version
                        && r.resource == read.resource
                        && r.subresource == read.subresource
                })
                .find_map(|r| narrowed(read, r.namespaces.as_ref())),
        };
        out.extend(read);
    }
    out
}

/// `read` limited to `namespaces` too (none: not limited); `None` when nothing is left.
fn narrowed(read: &ReadRule, namespaces: Option<&Vec<String>>) -> Option<ReadRule> {
    let namespaces = match (&read.namespaces, namespaces) {
        (None, None) => None,
        (Some(ns), None) | (None, Some(ns)) => Some(ns.clone()),
        (Some(a), Some(b)) => {
            let both: Vec<String> = a.iter().filter(|n| b.contains(n)).cloned().collect();
            if both.is_empty() {
                return None;
            }
            Some(both)
        }
    };
    Some(ReadRule {
        namespaces,
        ..read.clone()
    })
}

/// Whether `deny` refuses every request `read` allows.
fn covers(deny: &DenyRule, read: &ReadRule) -> bool {
    deny.group == read.group
        && (deny.version == "*" || deny.version == read.version)
        && deny.resource == read.resource
        && (deny.subresource.is_none() || deny.subresource == read.subresource)
        && match (&deny.namespaces, &read.namespaces) {
            (None, _) => true,
            (Some(denied), Some(read)) => read.iter().all(|n| denied.contains(n)),
            (Some(_), None) => false,
        }
}

/// Names in the rendered YAML.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// The ClusterRole's (and Roles') name.
    pub name: String,
    /// `namespace/name` of the service account to bind; no bindings when `None`.
    pub service_account: Option<(String, String)>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            name: "wagather-gatherers".to_owned(),
            service_account: None,
        }
    }
}

/// The RBAC objects as YAML: the ClusterRole (and its binding), then a Role (and its binding)
/// per namespace a read is limited to.
pub fn render(rbac: &Rbac, options: &RenderOptions) -> String {
    let mut out = String::new();
    out.push_str(
        "# Generated by `wagather rbac`: get and list on exactly the resources the gatherers'\n\
         # manifests declare, after the host's policy. Do not edit; run the command again.\n",
    );
    out.push_str("# Gatherers:");
    for g in &rbac.gatherers {
        out.push_str(&format!(" {g};"));
    }
    if out.ends_with(';') {
        out.pop();
    }
    out.push('\n');
    out.push_str(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {}\n",
        options.name
    ));
    push_rules(&mut out, &rbac.cluster);
    if let Some((namespace, account)) = &options.service_account {
        out.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: {name}\n\
             roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {name}\n\
             subjects:\n  - kind: ServiceAccount\n    name: {account}\n    namespace: {namespace}\n",
            name = options.name
        ));
    }
    for (namespace, grants) in &rbac.namespaced {
        out.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {}\n  namespace: {namespace}\n",
            options.name
        ));
        push_rules(&mut out, grants);
        if let Some((sa_namespace, account)) = &options.service_account {
            out.push_str(&format!(
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\n  namespace: {namespace}\n\
                 roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {name}\n\
                 subjects:\n  - kind: ServiceAccount\n    name: {account}\n    namespace: {sa_namespace}\n",
                name = options.name
            ));
        }
    }
    out
}

fn push_rules(out: &mut String, grants: &Grants) {
    let rules = grants.rules();
    if rules.is_empty() {
        out.push_str("rules: []\n");
        return;
    }
    out.push_str("rules:\n");
    for rule in rules {
        let quoted = |items: &mut dyn Iterator<Item = &str>| {
            items
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "  - apiGroups: [\"{}\"]\n    resources: [{}]\n    verbs: [{}]\n",
            rule.api_group,
            quoted(&mut rule.resources.iter().map(String::as_str)),
            quoted(&mut rule.verbs.iter().copied()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gatherer(name: &str, reads: &[&str]) -> GathererReads {
        GathererReads {
            name: name.to_owned(),
            manifest: Manifest::new(
                name,
                "1.0.0",
                reads.iter().map(|r| r.parse().unwrap()).collect(),
            ),
        }
    }

    #[test]
    fn exactly_the_declared_resources() {
        let rbac = rbac(
            &[
                gatherer("ops", &["config.openshift.io/v1/clusteroperators"]),
                gatherer(
                    "pods",
                    &[
                        "v1/pods",
                        "v1/pods/log in openshift-monitoring",
                        "v1/events in openshift-monitoring,kube-system",
                    ],
                ),
                gatherer("nodes", &["v1/nodes", "v1/pods/log"]),
            ],
            &HostPolicy::default(),
        );
        let text = render(&rbac, &RenderOptions::default());
        assert_eq!(
            text,
            "# Generated by `wagather rbac`: get and list on exactly the resources the gatherers'\n\
             # manifests declare, after the host's policy. Do not edit; run the command again.\n\
             # Gatherers: ops 1.0.0; pods 1.0.0; nodes 1.0.0\n\
             apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: wagather-gatherers\nrules:\n\
             \x20 - apiGroups: [\"\"]\n    resources: [\"nodes\", \"pods\"]\n    verbs: [\"get\", \"list\"]\n\
             \x20 - apiGroups: [\"\"]\n    resources: [\"pods/log\"]\n    verbs: [\"get\"]\n\
             \x20 - apiGroups: [\"config.openshift.io\"]\n    resources: [\"clusteroperators\"]\n    verbs: [\"get\", \"list\"]\n\
             ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: wagather-gatherers\n  namespace: kube-system\nrules:\n\
             \x20 - apiGroups: [\"\"]\n    resources: [\"events\"]\n    verbs: [\"get\", \"list\"]\n\
             ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: wagather-gatherers\n  namespace: openshift-monitoring\nrules:\n\
             \x20 - apiGroups: [\"\"]\n    resources: [\"events\"]\n    verbs: [\"get\", \"list\"]\n"
        );
    }

    #[test]
    fn what_the_host_refuses_gets_no_permission() {
        let g = gatherer(
            "g",
            &[
                "v1/secrets",
                "v1/pods/exec",
                "v1/configmaps",
                "apps/v1/deployments",
                "v1/services",
                "v1/endpoints in a,b",
            ],
        );
        let mut policy = HostPolicy::default().deny(DenyRule::any_version("", "configmaps"));
        policy = policy.restrict(
            "g",
            [
                "v1/services".parse().unwrap(),
                "v1/endpoints in b,c".parse().unwrap(),
                "v1/secrets".parse().unwrap(),
            ],
        );
        let rbac = rbac(std::slice::from_ref(&g), &policy);
        let rules = rbac.cluster.rules();
        assert_eq!(rules.len(), 1, "{rules:?}");
        assert_eq!(rules[0].resources, ["services"]);
        // Only `b` is in both the manifest's and the restriction's namespaces.
        assert_eq!(rbac.namespaced.keys().collect::<Vec<_>>(), ["b"]);

        // Lifting the Secrets deny for the gatherer grants them (the restriction allows them).
        let lifted = super::rbac(&[g], &policy.allow_secrets_for("g"));
        assert_eq!(lifted.cluster.rules()[0].resources, ["secrets", "services"]);
    }

    #[test]
    fn bindings_for_a_service_account() {
        let rbac = rbac(
            &[gatherer("ops", &["v1/pods/log in x"])],
            &HostPolicy::default(),
        );
        let text = render(
            &rbac,
            &RenderOptions {
                name: "wg".into(),
                service_account: Some(("wagather".into(), "wagather".into())),
            },
        );
        assert!(
            text.contains("kind: ClusterRole\nmetadata:\n  name: wg\nrules: []\n"),
            "{text}"
        );
        assert!(
            text.contains("kind: ClusterRoleBinding\nmetadata:\n  name: wg\n"),
            "{text}"
        );
        assert!(
            text.contains("kind: RoleBinding\nmetadata:\n  name: wg\n  namespace: x\n"),
            "{text}"
        );
        assert!(
            text.contains("    name: wagather\n    namespace: wagather\n"),
            "{text}"
        );
    }
}
