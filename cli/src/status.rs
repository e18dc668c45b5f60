//! `wagather status`: what a `wagather run` service is doing, as a table.
//!
//! It reads the state the service keeps, either from the state directory its config names
//! (`<state.dir>/status.json`, rewritten after every update phase and period: works on the
//! same machine or in the pod, with no listener) or from a running service's `/status`
//! endpoint (`--url`, when the service listens). Both are the same JSON.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use wagather_host::service::config::ServiceConfig;
use wagather_host::service::status::ServiceStatus;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The service's host.toml: read `status.json` in its state directory.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "url",
        conflicts_with = "url"
    )]
    pub config: Option<PathBuf>,
    /// A running service's base URL (its listen address), e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Print the JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: StatusArgs) -> Result<()> {
    let status = match (&args.config, &args.url) {
        (Some(config), _) => {
            let config = ServiceConfig::read(config)?;
            let path = config.state_dir.join("status.json");
            ServiceStatus::read(&path).with_context(|| {
                format!(
                    "no status of a service with this config (has `wagather run --config {}` started?)",
                    config.file.display()
                )
            })?
        }
        (None, Some(url)) => fetch(url).await?,
        (None, None) => bail!("give --config or --url"),
    };
    if args.json {
        crate::print_out(&format!("{}\n", String::from_utf8_lossy(&status.to_json())))
    } else {
        crate::print_out(&status.table())
    }
}

async fn fetch(base: &str) -> Result<ServiceStatus> {
    wagather_source::install_crypto_provider();
    let url = format!("{}/status", base.trim_end_matches('/'));
    let response = reqwest::get(&url)
        .await
        .with_context(|| format!("could not reach {url}"))?;
    let code = response.status();
    if !code.is_success() {
        bail!("{url} answered HTTP {code}");
    }
    let body = response
        .bytes()
        .await
        .with_context(|| format!("could not read the answer of {url}"))?;
    serde_json::from_slice(&body).with_context(|| format!("{url} did not answer a wagather status"))
}
