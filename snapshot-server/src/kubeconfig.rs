//! A kubeconfig for the snapshot server: plain HTTP, no credentials.

use std::path::Path;

/// Name used for the cluster, user and context entries.
const NAME: &str = "wagather-snapshot";

/// Writes a kubeconfig whose current context points at `url` (e.g. `http://127.0.0.1:PORT`) with
/// a user that has no credentials, usable by kubectl and the kube crate.
pub fn write_kubeconfig(url: &str, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, kubeconfig(url))
}

/// The kubeconfig text. The server URL is written as a JSON string, which is a valid YAML
/// double-quoted scalar whatever the URL holds.
pub(crate) fn kubeconfig(url: &str) -> String {
    let server = serde_json::Value::String(url.to_string()).to_string();
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {NAME}
  cluster:
    server: {server}
users:
- name: {NAME}
  user: {{}}
contexts:
- name: {NAME}
  context:
    cluster: {NAME}
    user: {NAME}
current-context: {NAME}
preferences: {{}}
"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn kubeconfig_is_yaml_with_the_server() {
        let text = super::kubeconfig("http://127.0.0.1:1234");
        let v: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(
            v["clusters"][0]["cluster"]["server"],
            "http://127.0.0.1:1234"
        );
        assert_eq!(v["current-context"], "wagather-snapshot");
        assert_eq!(v["contexts"][0]["context"]["user"], "wagather-snapshot");
    }
}
