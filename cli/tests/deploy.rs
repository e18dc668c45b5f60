//! `deploy/`, the Kustomize base: its RBAC is exactly what `wagather rbac` prints for the
//! gatherers its host.toml runs, it renders with `kubectl kustomize`, and its host.toml is a
//! valid service config for the cluster (no API target: in-cluster).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use wagather_host::service::config::{ApiTarget, ServiceConfig};

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// The built component whose manifest names `gatherer`.
fn component_of(gatherer: &str) -> &'static str {
    wagather_guests::ALL
        .iter()
        .map(|(_, path)| *path)
        .find(|path| {
            std::fs::read(path)
                .ok()
                .and_then(|bytes| wagather_host::read_manifest(&bytes).ok())
                .is_some_and(|m| m.name == gatherer)
        })
        .unwrap_or_else(|| {
            panic!("deploy/host.toml runs gatherer {gatherer}, but no guest of the workspace is it")
        })
}

#[test]
fn the_committed_rbac_is_what_wagather_rbac_prints() {
    let host_toml = deploy().join("host.toml");
    let config = ServiceConfig::read(&host_toml).expect("deploy/host.toml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wagather"));
    cmd.arg("rbac").arg("--config").arg(&host_toml);
    let mut shown = String::from("wagather rbac --config deploy/host.toml");
    for g in &config.gatherers {
        let path = component_of(&g.gatherer);
        cmd.arg("--gatherer").arg(format!("{}={path}", g.name));
        shown.push_str(&format!(" --gatherer {}=<{}>", g.name, g.gatherer));
    }
    cmd.args(["--service-account", "wagather/wagather"]);
    shown.push_str(" --service-account wagather/wagather > deploy/rbac.yaml");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run wagather rbac");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(deploy().join("rbac.yaml")).expect("deploy/rbac.yaml");
    assert!(
        printed == committed,
        "deploy/rbac.yaml is not what the shipped gatherers need; regenerate it:\n  {shown}\n\
         printed:\n{printed}\ncommitted:\n{committed}"
    );
    // Least privilege: reads only.
    for line in committed.lines().filter(|l| l.contains("verbs:")) {
        assert!(
            line.trim() == "verbs: [\"get\", \"list\"]" || line.trim() == "verbs: [\"get\"]",
            "{line}"
        );
    }
}

#[test]
fn the_shipped_host_toml_runs_in_the_cluster() {
    let config = ServiceConfig::read(&deploy().join("host.toml")).expect("deploy/host.toml");
    assert_eq!(
        config.api,
        ApiTarget::Default,
        "in-cluster config, no flags"
    );
    assert!(config.listen.is_some(), "the probes need the endpoints");
    // The volumes the Deployment mounts.
    assert_eq!(config.state_dir, Path::new("/var/cache/wagather"));
    assert_eq!(config.output_dir, Path::new("/var/lib/wagather/archives"));
    assert!(
        config.shutdown_grace.as_secs() < 30,
        "below terminationGracePeriodSeconds"
    );
}

/// `kubectl`; the test fails without it (snapshot-server/scripts/install-kubectl.sh installs it).
fn kubectl() -> Command {
    let found = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|dir| Path::new(dir).join("kubectl"))
        .find(|p| p.is_file())
        .expect("kubectl is missing: run snapshot-server/scripts/install-kubectl.sh");
    Command::new(found)
}

#[test]
fn kustomize_renders_the_base() {
    let out = kubectl()
        .arg("kustomize")
        .arg(deploy())
        .stdin(Stdio::null())
        .output()
        .expect("run kubectl kustomize");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let docs: Vec<serde_json::Value> = text
        .split("\n---\n")
        .map(|doc| serde_saphyr::from_str(doc).expect("a YAML document"))
        .collect();
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    for kind in [
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Service",
        "Deployment",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
    }
    let deployment = docs
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("Deployment");
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"], 1);
    assert_eq!(spec["strategy"]["type"], "Recreate");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["serviceAccountName"], "wagather");
    let container = &pod["containers"][0];
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert!(container["resources"]["requests"]["memory"].is_string());
    assert!(container["resources"]["limits"]["memory"].is_string());
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    // The config map the kustomization generates (its name has a hash) is the one mounted,
    // and holds host.toml as committed.
    let config_map = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .expect("ConfigMap");
    let mounted = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == "config")
        .expect("config volume");
    assert_eq!(mounted["configMap"]["name"], config_map["metadata"]["name"]);
    let committed = std::fs::read_to_string(deploy().join("host.toml")).expect("host.toml");
    assert_eq!(config_map["data"]["host.toml"], committed.as_str());
    // Caches and archives on emptyDirs: the root filesystem is read-only.
    for name in ["state", "archives"] {
        let volume = pod["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("volume {name}"));
        assert!(volume["emptyDir"].is_object(), "{volume}");
    }
}
