#!/usr/bin/env python3
"""Generate snapshot-server/catalog/kinds.json, the kind catalog of the snapshot server.

Sources (Apache-2.0 data, see specs/SOURCES.md next to them):
  * specs/kubernetes-swagger.json: every `list` operation with its x-kubernetes-group-version-kind;
    the plural is the last path segment, the scope follows from a `/namespaces/{namespace}/` path.
  * specs/openshift-crds/**/*.yaml: CustomResourceDefinitions (group, plural, scope, served versions,
    additionalPrinterColumns).
  * OpenShift aggregated APIs (served by openshift-apiserver / oauth-apiserver, so they have no CRD):
    the table AGGREGATED below, checked against the `<Kind>List` definitions of
    specs/openshift-openapi.json so that a kind missing there fails loudly.

Each entry: group, version, kind, plural, namespaced, printer_columns, and short_names when the
resource has any (optional; used for discovery so that `kubectl get co` works).

Usage: scripts/gen-catalog.py [SPECS_DIR] [OUTPUT]
  defaults: ../shared/specs relative to the repository root, snapshot-server/catalog/kinds.json.

`cargo xtask gen` is meant to regenerate the same file from the codegen IR; this script is the
bootstrap and stays the reference for the format.
"""
import glob
import json
import os
import subprocess
import sys

try:
    import yaml
except ImportError:  # PyYAML is the only non-stdlib dependency.
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "PyYAML"])
    import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# group, version, kind, plural, namespaced; the openapi short name used to check the kind exists.
AGGREGATED = [
    ("apps.openshift.io", "v1", "DeploymentConfig", "deploymentconfigs", True, "apps"),
    ("authorization.openshift.io", "v1", "ClusterRole", "clusterroles", False, "authorization"),
    ("authorization.openshift.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False, "authorization"),
    ("authorization.openshift.io", "v1", "Role", "roles", True, "authorization"),
    ("authorization.openshift.io", "v1", "RoleBinding", "rolebindings", True, "authorization"),
    ("build.openshift.io", "v1", "Build", "builds", True, "build"),
    ("build.openshift.io", "v1", "BuildConfig", "buildconfigs", True, "build"),
    ("image.openshift.io", "v1", "Image", "images", False, "image"),
    ("image.openshift.io", "v1", "ImageStream", "imagestreams", True, "image"),
    ("image.openshift.io", "v1", "ImageStreamTag", "imagestreamtags", True, "image"),
    ("image.openshift.io", "v1", "ImageTag", "imagetags", True, "image"),
    ("oauth.openshift.io", "v1", "OAuthAccessToken", "oauthaccesstokens", False, "oauth"),
    ("oauth.openshift.io", "v1", "OAuthAuthorizeToken", "oauthauthorizetokens", False, "oauth"),
    ("oauth.openshift.io", "v1", "OAuthClient", "oauthclients", False, "oauth"),
    ("oauth.openshift.io", "v1", "OAuthClientAuthorization", "oauthclientauthorizations", False, "oauth"),
    ("oauth.openshift.io", "v1", "UserOAuthAccessToken", "useroauthaccesstokens", False, "oauth"),
    ("project.openshift.io", "v1", "Project", "projects", False, "project"),
    ("quota.openshift.io", "v1", "AppliedClusterResourceQuota", "appliedclusterresourcequotas", True, "quota"),
    ("route.openshift.io", "v1", "Route", "routes", True, "route"),
    ("security.openshift.io", "v1", "RangeAllocation", "rangeallocations", False, "security"),
    ("template.openshift.io", "v1", "BrokerTemplateInstance", "brokertemplateinstances", False, "template"),
    ("template.openshift.io", "v1", "Template", "templates", True, "template"),
    ("template.openshift.io", "v1", "TemplateInstance", "templateinstances", True, "template"),
    ("user.openshift.io", "v1", "Group", "groups", False, "user"),
    ("user.openshift.io", "v1", "Identity", "identities", False, "user"),
    ("user.openshift.io", "v1", "User", "users", False, "user"),
]


# Short names of built-in resources (the Kubernetes API server hard-codes them; the OpenAPI
# description does not carry them). CRDs bring their own in spec.names.shortNames.
SHORT_NAMES = {
    ("", "componentstatuses"): ["cs"], ("", "configmaps"): ["cm"], ("", "endpoints"): ["ep"],
    ("", "events"): ["ev"], ("", "limitranges"): ["limits"], ("", "namespaces"): ["ns"],
    ("", "nodes"): ["no"], ("", "persistentvolumeclaims"): ["pvc"], ("", "persistentvolumes"): ["pv"],
    ("", "pods"): ["po"], ("", "replicationcontrollers"): ["rc"], ("", "resourcequotas"): ["quota"],
    ("", "serviceaccounts"): ["sa"], ("", "services"): ["svc"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["crd", "crds"],
    ("apps", "daemonsets"): ["ds"], ("apps", "deployments"): ["deploy"], ("apps", "replicasets"): ["rs"],
    ("apps", "statefulsets"): ["sts"], ("autoscaling", "horizontalpodautoscalers"): ["hpa"],
    ("batch", "cronjobs"): ["cj"], ("certificates.k8s.io", "certificatesigningrequests"): ["csr"],
    ("events.k8s.io", "events"): ["ev"], ("networking.k8s.io", "ingresses"): ["ing"],
    ("networking.k8s.io", "networkpolicies"): ["netpol"], ("policy", "poddisruptionbudgets"): ["pdb"],
    ("scheduling.k8s.io", "priorityclasses"): ["pc"], ("storage.k8s.io", "storageclasses"): ["sc"],
    ("apps.openshift.io", "deploymentconfigs"): ["dc"], ("build.openshift.io", "buildconfigs"): ["bc"],
    ("image.openshift.io", "imagestreams"): ["is"], ("image.openshift.io", "imagestreamtags"): ["istag"],
    ("image.openshift.io", "imagetags"): ["itag"],
}


def from_swagger(path):
    spec = json.load(open(path))
    found = {}
    for p, ops in spec["paths"].items():
        op = ops.get("get")
        if not op or op.get("x-kubernetes-action") != "list":
            continue
        gvk = op.get("x-kubernetes-group-version-kind")
        if not gvk:
            continue
        plural = p.rstrip("/").split("/")[-1]
        key = (gvk["group"], gvk["version"], gvk["kind"])
        entry = found.setdefault(key, {
            "group": gvk["group"], "version": gvk["version"], "kind": gvk["kind"],
            "plural": plural, "namespaced": False, "printer_columns": [],
        })
        if "/namespaces/{namespace}/" in p:
            entry["namespaced"] = True
    return found


def columns_of(version, spec):
    cols = version.get("additionalPrinterColumns") or spec.get("additionalPrinterColumns") or []
    out = []
    for c in cols:
        col = {"name": c["name"], "type": c.get("type", "string"),
               "jsonPath": c.get("jsonPath") or c.get("JSONPath")}
        if c.get("priority"):
            col["priority"] = c["priority"]
        if c.get("description"):
            col["description"] = c["description"]
        if c.get("format"):
            col["format"] = c["format"]
        out.append(col)
    return out


def from_crds(root):
    found = {}
    # Sorted so that the choice among feature-set variants of one CRD is stable; the variant
    # without a feature-set suffix (or "-Default") sorts before "-TechPreviewNoUpgrade" etc.
    files = sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True),
                   key=lambda f: (0 if ("Default" in f or "-" not in os.path.basename(f).split("_")[-1]) else 1, f))
    for f in files:
        with open(f) as fh:
            for doc in yaml.safe_load_all(fh):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                names = spec["names"]
                for v in spec.get("versions") or [{"name": spec.get("version"), "served": True}]:
                    if not v.get("served", True):
                        continue
                    key = (spec["group"], v["name"], names["kind"])
                    if key in found:
                        continue
                    found[key] = {
                        "group": spec["group"], "version": v["name"], "kind": names["kind"],
                        "plural": names["plural"], "namespaced": spec.get("scope") == "Namespaced",
                        "printer_columns": columns_of(v, spec),
                        "short_names": names.get("shortNames") or [],
                    }
    return found


def main():
    specs = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(REPO), "shared", "specs")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "snapshot-server", "catalog", "kinds.json")
    kinds = from_swagger(os.path.join(specs, "kubernetes-swagger.json"))
    for key, entry in from_crds(os.path.join(specs, "openshift-crds")).items():
        kinds.setdefault(key, entry)
    defs = json.load(open(os.path.join(specs, "openshift-openapi.json")))["definitions"]
    for group, version, kind, plural, namespaced, short in AGGREGATED:
        name = f"com.github.openshift.api.{short}.{version}.{kind}"
        if name not in defs or name + "List" not in defs:
            sys.exit(f"gen-catalog: {name} (or its List) is not in openshift-openapi.json; fix AGGREGATED")
        kinds.setdefault((group, version, kind), {
            "group": group, "version": version, "kind": kind, "plural": plural,
            "namespaced": namespaced, "printer_columns": [],
        })
    for (group, _, _), entry in kinds.items():
        entry.setdefault("short_names", SHORT_NAMES.get((group, entry["plural"]), []))
        if not entry["short_names"]:
            del entry["short_names"]  # optional field; absent when empty
    entries = [kinds[k] for k in sorted(kinds)]
    with open(out, "w") as fh:
        json.dump(entries, fh, indent=1, sort_keys=False)
        fh.write("\n")
    print(f"gen-catalog: wrote {len(entries)} kinds to {out}")


if __name__ == "__main__":
    main()
