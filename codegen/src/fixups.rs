//! Named fixups: facts the inputs do not state, or state wrongly, kept in one place.
//!
//! Each fixup checks that it still matches its input and fails with
//! [`Error::StaleFixup`] when it does not, so a fixed upstream spec makes the
//! fixup's removal visible instead of silently doing nothing.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::Error;
use crate::ir::{Api, Gvk, InputKind, Resource, TypeSource};

/// Fixup `openshift-aggregated-apis`: OpenShift's aggregated API servers
/// (openshift-apiserver and oauth-apiserver) serve these kinds. openshift/api's
/// `openapi.json` has their definitions but no paths, and no CRD describes them,
/// so nothing in the inputs gives their plural or scope. Values are those of
/// `oc api-resources` on OpenShift 4.x.
///
/// Columns: definition package (`com.github.openshift.api.<package>.<version>.<Kind>`),
/// API group, version, kind, plural, namespaced. Only listable kinds are listed: review
/// and request kinds (`SubjectAccessReview`, `ProjectRequest`, ...) are create-only.
pub const AGGREGATED_APIS: &[(&str, &str, &str, &str, &str, bool)] = &[
    (
        "apps",
        "apps.openshift.io",
        "v1",
        "DeploymentConfig",
        "deploymentconfigs",
        true,
    ),
    (
        "authorization",
        "authorization.openshift.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "authorization",
        "authorization.openshift.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    (
        "authorization",
        "authorization.openshift.io",
        "v1",
        "Role",
        "roles",
        true,
    ),
    (
        "authorization",
        "authorization.openshift.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    ("build", "build.openshift.io", "v1", "Build", "builds", true),
    (
        "build",
        "build.openshift.io",
        "v1",
        "BuildConfig",
        "buildconfigs",
        true,
    ),
    (
        "image",
        "image.openshift.io",
        "v1",
        "Image",
        "images",
        false,
    ),
    (
        "image",
        "image.openshift.io",
        "v1",
        "ImageStream",
        "imagestreams",
        true,
    ),
    (
        "image",
        "image.openshift.io",
        "v1",
        "ImageStreamTag",
        "imagestreamtags",
        true,
    ),
    (
        "image",
        "image.openshift.io",
        "v1",
        "ImageTag",
        "imagetags",
        true,
    ),
    (
        "oauth",
        "oauth.openshift.io",
        "v1",
        "OAuthAccessToken",
        "oauthaccesstokens",
        false,
    ),
    (
        "oauth",
        "oauth.openshift.io",
        "v1",
        "OAuthAuthorizeToken",
        "oauthauthorizetokens",
        false,
    ),
    (
        "oauth",
        "oauth.openshift.io",
        "v1",
        "OAuthClient",
        "oauthclients",
        false,
    ),
    (
        "oauth",
        "oauth.openshift.io",
        "v1",
        "OAuthClientAuthorization",
        "oauthclientauthorizations",
        false,
    ),
    (
        "oauth",
        "oauth.openshift.io",
        "v1",
        "UserOAuthAccessToken",
        "useroauthaccesstokens",
        false,
    ),
    (
        "project",
        "project.openshift.io",
        "v1",
        "Project",
        "projects",
        false,
    ),
    (
        "quota",
        "quota.openshift.io",
        "v1",
        "AppliedClusterResourceQuota",
        "appliedclusterresourcequotas",
        true,
    ),
    (
        "security",
        "security.openshift.io",
        "v1",
        "RangeAllocation",
        "rangeallocations",
        false,
    ),
    (
        "template",
        "template.openshift.io",
        "v1",
        "BrokerTemplateInstance",
        "brokertemplateinstances",
        false,
    ),
    (
        "template",
        "template.openshift.io",
        "v1",
        "Template",
        "templates",
        true,
    ),
    (
        "template",
        "template.openshift.io",
        "v1",
        "TemplateInstance",
        "templateinstances",
        true,
    ),
    ("user", "user.openshift.io", "v1", "Group", "groups", false),
    (
        "user",
        "user.openshift.io",
        "v1",
        "Identity",
        "identities",
        false,
    ),
    ("user", "user.openshift.io", "v1", "User", "users", false),
];

/// Name prefixes under which OpenShift definitions appear: openshift/api's generated
/// `openapi.json`, and a live cluster's `/openapi/v2` (reversed group).
const OPENSHIFT_PREFIXES: [&str; 2] = ["com.github.openshift.api.", "io.openshift."];

/// Applies [`AGGREGATED_APIS`] to the definitions just loaded from `file`.
///
/// A row applies when the file has definitions of its package and version. If it has
/// them but not the row's kind, the row is stale.
pub(crate) fn aggregated_apis(
    api: &mut Api,
    file: &Path,
    added: &BTreeSet<String>,
) -> Result<(), Error> {
    for &(package, group, version, kind, plural, namespaced) in AGGREGATED_APIS {
        for prefix in OPENSHIFT_PREFIXES {
            let package_prefix = format!("{prefix}{package}.{version}.");
            if !added.iter().any(|n| n.starts_with(&package_prefix)) {
                continue;
            }
            let name = format!("{package_prefix}{kind}");
            if !added.contains(&name) {
                return Err(Error::StaleFixup {
                    name: "openshift-aggregated-apis",
                    message: format!(
                        "{} has definitions of {package}.{version} but no {name}",
                        file.display()
                    ),
                });
            }
            api.add_resource(Resource {
                gvk: Gvk {
                    group: group.to_owned(),
                    version: version.to_owned(),
                    kind: kind.to_owned(),
                },
                plural: plural.to_owned(),
                namespaced,
                verbs: ["get", "list", "watch"]
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                subresources: BTreeSet::new(),
                types: TypeSource::Definition(name),
                printer_columns: Vec::new(),
                short_names: Vec::new(),
                source: format!("{} + fixup openshift-aggregated-apis", file.display()),
                input: InputKind::Definitions,
            })?;
        }
    }
    Ok(())
}

/// Fixup `openshift-egressrouter-missing-definitions`: openshift/api's `openapi.json`
/// references these definitions from `networkoperator.v1.EgressRouter[Spec]` but does not
/// define them. They are added as untyped schemas (`serde_json::Value`, which keeps any
/// content). EgressRouter also has a CRD, whose schema is the one used for its type.
/// Applies when the referencing definition is present; stale once any target is defined.
pub const MISSING_DEFINITIONS: (&str, &[&str]) = (
    "com.github.openshift.api.networkoperator.v1.EgressRouterSpec",
    &[
        "com.github.openshift.api.networkoperator.v1.EgressRouterAddress",
        "com.github.openshift.api.networkoperator.v1.EgressRouterInterface",
        "com.github.openshift.api.networkoperator.v1.EgressRouterStatus",
        "com.github.openshift.api.networkoperator.v1.RedirectConfig",
    ],
);

pub(crate) fn missing_definitions(
    file: &Path,
    definitions: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), Error> {
    let (referrer, targets) = MISSING_DEFINITIONS;
    if !definitions.contains_key(referrer) {
        return Ok(());
    }
    for target in targets {
        if definitions.contains_key(*target) {
            return Err(Error::StaleFixup {
                name: "openshift-egressrouter-missing-definitions",
                message: format!("{} now defines {target}", file.display()),
            });
        }
        definitions.insert(
            (*target).to_owned(),
            serde_json::json!({"description": "Not defined in openapi.json (fixup openshift-egressrouter-missing-definitions)."}),
        );
    }
    Ok(())
}

/// Fixups that mark a CRD property `nullable`: the operator's Go type has the field
/// without `omitempty`, so real objects carry `null` there, but the CRD does not say so.
/// Without the mark the generated `Option<T>` would turn `null` into an absent field.
/// Columns: fixup name, group, kind, property path from the root of the schema.
pub const NULLABLE_PROPERTIES: &[(&str, &str, &str, &[&str])] = &[(
    // machine-config-operator's `MachineConfigSpec.Extensions []string json:"extensions"`.
    "machineconfig-extensions-nullable",
    "machineconfiguration.openshift.io",
    "MachineConfig",
    &["spec", "extensions"],
)];

/// Applies [`NULLABLE_PROPERTIES`] to every version of the named kinds present in `api`.
pub(crate) fn nullable_properties(api: &mut Api) -> Result<(), Error> {
    for &(name, group, kind, path) in NULLABLE_PROPERTIES {
        for resource in api.resources.values_mut() {
            if resource.gvk.group != group || resource.gvk.kind != kind {
                continue;
            }
            let TypeSource::Inline(schema) = &mut resource.types else {
                continue;
            };
            let mut node: &mut crate::schema::Schema = schema;
            for segment in path {
                let crate::schema::Ty::Object(object) = &mut node.ty else {
                    return Err(Error::StaleFixup {
                        name,
                        message: format!("{}: {} is not an object", resource.gvk, path.join(".")),
                    });
                };
                let Some(next) = object.properties.get_mut(*segment) else {
                    return Err(Error::StaleFixup {
                        name,
                        message: format!("{}: no property {}", resource.gvk, path.join(".")),
                    });
                };
                node = next;
            }
            if node.nullable {
                return Err(Error::StaleFixup {
                    name,
                    message: format!(
                        "{}: {} is already nullable in {}",
                        resource.gvk,
                        path.join("."),
                        resource.source
                    ),
                });
            }
            node.nullable = true;
        }
    }
    Ok(())
}
