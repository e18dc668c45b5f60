//! `wagather`: run gatherer components against a cluster or a snapshot, once or as a service
//! that updates them from their sources; publish a component; print the RBAC gatherers need;
//! inspect a component; serve a snapshot as a Kubernetes API. One module per subcommand; the
//! work itself is library code in `wagather-host`, `wagather-source` and `wagather-snapshot`.

mod args;
mod gather;
mod inspect;
mod manifest;
mod push;
mod rbac;
mod run;
mod serve_snapshot;
mod status;

use anyhow::Result;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Runs cluster data gatherers as WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "wagather", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run gatherers once and write an Insights-style archive.
    Gather(gather::GatherArgs),
    /// Gather every period as a service, updating gatherers from their sources (host.toml).
    Run(run::RunArgs),
    /// Print what a `wagather run` service is doing.
    Status(status::StatusArgs),
    /// Push a gatherer component to an OCI registry, optionally signed.
    Push(push::PushArgs),
    /// Print the least-privilege RBAC (ClusterRole) for a set of gatherers.
    Rbac(rbac::RbacArgs),
    /// Print a component's manifest, digest, imports and exports.
    Inspect(inspect::InspectArgs),
    /// Set a component's manifest (name, version, reads), for components built without
    /// `#[gatherer]`.
    Manifest(manifest::ManifestArgs),
    /// Serve a snapshot directory as a read-only Kubernetes API until Ctrl-C.
    ServeSnapshot(serve_snapshot::ServeArgs),
}

/// Writes `text` to standard output. A reader that stopped reading (`wagather inspect x.wasm |
/// head`) is not an error: what it did not read it did not want.
fn print_out(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("could not write to standard output"))
        }
        _ => Ok(()),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match Cli::parse().command {
        Command::Gather(args) => gather::run(args).await,
        Command::Run(args) => run::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Push(args) => push::run(args).await,
        Command::Rbac(args) => rbac::run(args).await,
        Command::Inspect(args) => inspect::run(&args),
        Command::Manifest(args) => manifest::run(&args),
        Command::ServeSnapshot(args) => serve_snapshot::run(args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("wagather").chain(args.iter().copied()))
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_inspect_and_serve() {
        let cli = parse(&["inspect", "g.wasm"]).expect("parse");
        assert!(
            matches!(cli.command, Command::Inspect(a) if a.file == std::path::Path::new("g.wasm"))
        );
        let cli = parse(&["serve-snapshot", "snap", "--listen", "127.0.0.1:9000"]).expect("parse");
        let Command::ServeSnapshot(args) = cli.command else {
            panic!("not serve-snapshot")
        };
        assert_eq!(args.dir, std::path::PathBuf::from("snap"));
        assert_eq!(args.listen.port(), 9000);
    }
}
