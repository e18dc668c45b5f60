//! Rust names for modules, accessors, types and fields.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToPascalCase, ToSnakeCase};

/// Module base names (without the version) for every API group.
///
/// A group is named by its first label (`config.openshift.io` -> `config`, core -> `core`).
/// When groups share a first label (`network.openshift.io`, `network.operator.openshift.io`),
/// the one with the fewest labels keeps the short name, Kubernetes' own `*.k8s.io` groups
/// winning ties, and the others use their labels without the trailing domain
/// (`network_operator`), then all labels, until unique.
pub fn module_bases(groups: &BTreeSet<String>) -> BTreeMap<String, String> {
    let labels = |g: &str| -> Vec<String> {
        if g.is_empty() {
            vec!["core".to_owned()]
        } else {
            g.split('.').map(|l| l.replace('-', "_")).collect()
        }
    };
    let mut by_first: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for g in groups {
        by_first.entry(labels(g)[0].clone()).or_default().push(g);
    }
    let mut out = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for (first, mut members) in by_first {
        members.sort_by_key(|g| {
            let kube = g.is_empty() || g.ends_with(".k8s.io") || !g.contains('.');
            (labels(g).len(), !kube, (*g).clone())
        });
        for (i, g) in members.into_iter().enumerate() {
            let l = labels(g);
            let mut candidates = Vec::new();
            if i == 0 {
                candidates.push(first.clone());
            }
            if l.len() > 2 {
                candidates.push(l[..l.len() - 2].join("_"));
            }
            if l.len() > 1 {
                candidates.push(l[..l.len() - 1].join("_"));
            }
            candidates.push(l.join("_"));
            let name = candidates
                .into_iter()
                .find(|c| !taken.contains(c))
                .unwrap_or_else(|| l.join("_") + "_group");
            taken.insert(name.clone());
            out.insert(g.clone(), name);
        }
    }
    out
}

/// The accessor for a kind: its snake_case name pluralized the way `plural` pluralizes it
/// (`ClusterOperator`/`clusteroperators` -> `cluster_operators`,
/// `NetworkPolicy`/`networkpolicies` -> `network_policies`).
pub fn accessor(kind: &str, plural: &str) -> String {
    let snake = kind.to_snake_case();
    let letters: Vec<char> = snake.chars().filter(|c| *c != '_').collect();
    let plural_chars: Vec<char> = plural.chars().collect();
    let common = letters
        .iter()
        .zip(plural_chars.iter())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return ident_text(&plural.to_snake_case());
    }
    let mut out = String::new();
    let mut consumed = 0;
    for c in snake.chars() {
        if consumed == common {
            break;
        }
        out.push(c);
        if c != '_' {
            consumed += 1;
        }
    }
    out.extend(&plural_chars[common..]);
    ident_text(&out)
}

/// A type name from arbitrary text: PascalCase, alphanumeric, not starting with a digit.
pub fn type_name(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = cleaned.to_pascal_case();
    if name.is_empty() {
        name = "Value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'T');
    }
    if name == "Self" {
        name.push('_');
    }
    name
}

/// A field name for a JSON property: snake_case, alphanumeric; keywords handled by [`ident`].
pub fn field_name(json: &str) -> String {
    let cleaned: String = json
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = cleaned.to_snake_case();
    if name.is_empty() {
        name = "field".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    ident_text(&name)
}

fn ident_text(name: &str) -> String {
    // `self`, `super`, `crate` and `Self` cannot be raw identifiers.
    match name {
        "self" | "super" | "crate" | "Self" | "_" => format!("{name}_"),
        other => other.to_owned(),
    }
}

/// A `syn::Ident`, raw (`r#type`) when the name is a keyword.
pub fn ident(name: &str) -> proc_macro2::Ident {
    if syn::parse_str::<syn::Ident>(name).is_ok() {
        proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
    } else {
        proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors() {
        assert_eq!(
            accessor("ClusterOperator", "clusteroperators"),
            "cluster_operators"
        );
        assert_eq!(
            accessor("NetworkPolicy", "networkpolicies"),
            "network_policies"
        );
        assert_eq!(accessor("Endpoints", "endpoints"), "endpoints");
        assert_eq!(accessor("DNS", "dnses"), "dnses");
        assert_eq!(accessor("APIService", "apiservices"), "api_services");
        assert_eq!(
            accessor("IngressClass", "ingressclasses"),
            "ingress_classes"
        );
        assert_eq!(
            accessor("SecurityContextConstraints", "securitycontextconstraints"),
            "security_context_constraints"
        );
        assert_eq!(accessor("Identity", "identities"), "identities");
    }

    #[test]
    fn modules() {
        let groups: BTreeSet<String> = [
            "",
            "apps",
            "authorization.k8s.io",
            "authorization.openshift.io",
            "network.openshift.io",
            "network.operator.openshift.io",
            "config.openshift.io",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let m = module_bases(&groups);
        assert_eq!(m[""], "core");
        assert_eq!(m["apps"], "apps");
        assert_eq!(m["authorization.k8s.io"], "authorization");
        assert_eq!(m["authorization.openshift.io"], "authorization_openshift");
        assert_eq!(m["network.openshift.io"], "network");
        assert_eq!(m["network.operator.openshift.io"], "network_operator");
        assert_eq!(m["config.openshift.io"], "config");
    }

    #[test]
    fn fields() {
        assert_eq!(field_name("apiVersion"), "api_version");
        assert_eq!(field_name("type"), "type");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("x-kubernetes-foo"), "x_kubernetes_foo");
        assert_eq!(field_name("3scale"), "_3scale");
        assert_eq!(type_name("ingress-class"), "IngressClass");
    }
}
