//! Argument types shared by the subcommands.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use wagather_host::ApiEndpoint;
use wagather_snapshot::{Snapshot, SnapshotServer};

/// Which API to gather from; without any of these, the in-cluster configuration or the
/// default kubeconfig.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct Target {
    /// Use this kubeconfig's current context.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Plain URL of an API server without credentials (e.g. a snapshot server).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Serve this snapshot (a directory or a .tar.gz archive) in-process on loopback and
    /// gather from it.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
}

/// An API endpoint, with the snapshot server behind it when the target is a snapshot (kept
/// alive as long as this value).
pub struct Connected {
    pub endpoint: ApiEndpoint,
    pub snapshot: Option<SnapshotServer>,
}

impl Target {
    /// Starts what the target needs and says where the API is.
    pub async fn connect(&self) -> Result<Connected> {
        Ok(match (&self.kubeconfig, &self.server, &self.snapshot) {
            (Some(path), _, _) => Connected {
                endpoint: ApiEndpoint::Kubeconfig(path.clone()),
                snapshot: None,
            },
            (_, Some(url), _) => Connected {
                endpoint: ApiEndpoint::Server(url.clone()),
                snapshot: None,
            },
            (_, _, Some(dir)) => {
                let server = start_snapshot(dir, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
                Connected {
                    endpoint: ApiEndpoint::Server(server.url()),
                    snapshot: Some(server),
                }
            }
            (None, None, None) => Connected {
                endpoint: ApiEndpoint::Default,
                snapshot: None,
            },
        })
    }
}

/// Loads a snapshot and serves it on `addr`.
pub async fn start_snapshot(dir: &Path, addr: SocketAddr) -> Result<SnapshotServer> {
    let owned = dir.to_owned();
    let snapshot = tokio::task::spawn_blocking(move || Snapshot::load(&owned))
        .await?
        .with_context(|| format!("could not load snapshot {}", dir.display()))?;
    tracing::info!(
        objects = snapshot.object_count(),
        "loaded snapshot {}",
        dir.display()
    );
    SnapshotServer::start(Arc::new(snapshot), addr)
        .await
        .with_context(|| format!("could not serve snapshot on {addr}"))
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
}

pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let size: bytesize::ByteSize = text.parse()?;
    let bytes = usize::try_from(size.as_u64())
        .map_err(|_| format!("{text} is too large for this machine"))?;
    if bytes == 0 {
        return Err("must be larger than zero".into());
    }
    Ok(bytes)
}

/// `$XDG_CACHE_HOME/wagather` or `~/.cache/wagather`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("wagather"))
}
