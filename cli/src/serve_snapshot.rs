//! `wagather serve-snapshot`: a snapshot as a read-only Kubernetes API, for kubectl and for
//! gathering without a cluster.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::args::start_snapshot;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// An Insights archive (unpacked or .tar.gz), a must-gather, or kubectl dumps.
    pub dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where to write a kubeconfig pointing at the server
    /// (default: <system temp dir>/wagather-snapshot-<port>.kubeconfig).
    #[arg(long)]
    pub kubeconfig_out: Option<PathBuf>,
}

pub async fn run(args: ServeArgs) -> Result<()> {
    let server = start_snapshot(&args.dir, args.listen).await?;
    let url = server.url();
    let kubeconfig = args.kubeconfig_out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "wagather-snapshot-{}.kubeconfig",
            server.local_addr().port()
        ))
    });
    wagather_snapshot::write_kubeconfig(&url, &kubeconfig)
        .with_context(|| format!("could not write kubeconfig {}", kubeconfig.display()))?;
    println!("serving {} at {url}", args.dir.display());
    println!("kubeconfig: {}", kubeconfig.display());
    println!(
        "try: kubectl --kubeconfig {} get clusteroperators",
        kubeconfig.display()
    );
    tokio::signal::ctrl_c()
        .await
        .context("could not wait for Ctrl-C")?;
    server.shutdown().await;
    Ok(())
}
