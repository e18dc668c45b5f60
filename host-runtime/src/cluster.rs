//! Where the host sends the requests that the policy lets through.
//!
//! Every target ends up as a `kube::Client`, so a real cluster (with any
//! authentication kube supports) and the loopback snapshot server take the
//! same path through the host.

use std::path::PathBuf;

use kube::config::{Config, KubeConfigOptions, Kubeconfig};

/// The Kubernetes API to gather from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiEndpoint {
    /// The in-cluster service account, else `$KUBECONFIG` or `~/.kube/config`.
    Default,
    /// The current context of this kubeconfig file.
    Kubeconfig(PathBuf),
    /// A server URL without credentials, e.g. the snapshot server on loopback.
    Server(String),
}

/// Why the API client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No kubeconfig and not in a cluster.
    #[error("could not find a cluster configuration (in-cluster or kubeconfig)")]
    Infer(#[source] kube::config::InferConfigError),
    /// The kubeconfig file could not be used.
    #[error("could not use kubeconfig {path}")]
    Kubeconfig {
        /// The kubeconfig file.
        path: PathBuf,
        /// What was wrong with it.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// `--server` is not a URL.
    #[error("invalid server URL `{url}`")]
    ServerUrl {
        /// The URL as given.
        url: String,
        /// Why it does not parse.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// The configuration was read but no client could be built from it.
    #[error("could not create the Kubernetes client")]
    Client(#[source] kube::Error),
}

impl ApiEndpoint {
    /// The client configuration for this endpoint.
    pub async fn config(&self) -> Result<Config, ClusterError> {
        match self {
            ApiEndpoint::Default => Config::infer().await.map_err(ClusterError::Infer),
            ApiEndpoint::Kubeconfig(path) => {
                let kubeconfig =
                    Kubeconfig::read_from(path).map_err(|source| ClusterError::Kubeconfig {
                        path: path.clone(),
                        source,
                    })?;
                Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                    .await
                    .map_err(|source| ClusterError::Kubeconfig {
                        path: path.clone(),
                        source,
                    })
            }
            ApiEndpoint::Server(url) => {
                let uri = url
                    .parse::<http::Uri>()
                    .map_err(|source| ClusterError::ServerUrl {
                        url: url.clone(),
                        source,
                    })?;
                Ok(Config::new(uri))
            }
        }
    }

    /// A client for this endpoint. Must be called inside a Tokio runtime
    /// (the client spawns its connection tasks there).
    pub async fn client(&self) -> Result<kube::Client, ClusterError> {
        kube::Client::try_from(self.config().await?).map_err(ClusterError::Client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn server_url_is_used_as_is() {
        let config = ApiEndpoint::Server("http://127.0.0.1:8080".into())
            .config()
            .await
            .expect("config");
        assert_eq!(config.cluster_url.to_string(), "http://127.0.0.1:8080/");
        assert!(config.auth_info.token.is_none());
    }

    #[tokio::test]
    async fn bad_server_url_is_an_error() {
        let err = ApiEndpoint::Server("http://bad host".into())
            .config()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("http://bad host"), "{err}");
    }

    #[tokio::test]
    async fn missing_kubeconfig_names_the_file() {
        let err = ApiEndpoint::Kubeconfig("/nonexistent/kubeconfig".into())
            .config()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/kubeconfig"), "{err}");
    }
}
