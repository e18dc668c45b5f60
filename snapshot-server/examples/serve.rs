//! Serves a snapshot until Ctrl-C: `cargo run -p wagather-snapshot --example serve -- PATH [ADDR]`.
//! Prints the load warnings and writes a kubeconfig next to the current directory.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: serve PATH [ADDR]")?;
    let addr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    let started = std::time::Instant::now();
    let snapshot = wagather_snapshot::Snapshot::load(std::path::Path::new(&path))?;
    for w in snapshot.warnings() {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "loaded {} objects in {:?}",
        snapshot.object_count(),
        started.elapsed()
    );
    let server = wagather_snapshot::SnapshotServer::start(Arc::new(snapshot), addr).await?;
    let kubeconfig = std::path::Path::new("snapshot.kubeconfig");
    wagather_snapshot::write_kubeconfig(&server.url(), kubeconfig)?;
    println!("{} (kubeconfig: {})", server.url(), kubeconfig.display());
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
