//! `wagather-native`: runs gatherers of the catalog natively against a cluster and writes
//! their records to a directory, one file per archive path.
//!
//! ```text
//! wagather-native list
//! wagather-native run nodes operators --out DIR [--kubeconfig PATH | --server URL] [--config KEY=VALUE]...
//! wagather-native run --all --out DIR ...
//! ```

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use catalog_native::{CATALOG, Entry, Target};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "wagather-native",
    about = "Run catalog gatherers natively against a cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the gatherers of the catalog and what they read.
    List,
    /// Run gatherers and write their records.
    Run {
        /// Gatherers by name (`nodes` or `clusterconfig/nodes`).
        names: Vec<String>,
        /// Run the whole catalog.
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Where to write the records (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Use this kubeconfig's current context (default: in-cluster, else $KUBECONFIG or ~/.kube/config).
        #[arg(long, value_name = "PATH", conflicts_with = "server")]
        kubeconfig: Option<PathBuf>,
        /// A server URL without credentials, e.g. `wagather serve-snapshot`'s.
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// Configuration passed to every gatherer.
        #[arg(long = "config", value_name = "KEY=VALUE", value_parser = key_value)]
        config: Vec<(String, String)>,
        /// Refuse requests outside each gatherer's declared reads, as the host does.
        #[arg(long)]
        enforce_reads: bool,
    },
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::List => {
            for entry in CATALOG {
                let manifest = entry.parsed()?;
                let reads: Vec<String> = manifest.reads.iter().map(ToString::to_string).collect();
                println!("{}\t{}", manifest.name, reads.join(", "));
            }
            Ok(())
        }
        Command::Run {
            names,
            all,
            out,
            kubeconfig,
            server,
            config,
            enforce_reads,
        } => {
            let entries: Vec<&Entry> = if all {
                CATALOG.iter().collect()
            } else {
                if names.is_empty() {
                    bail!("name gatherers to run, or --all (see `wagather-native list`)");
                }
                names
                    .iter()
                    .map(|n| {
                        catalog_native::find(n)
                            .with_context(|| format!("no gatherer {n:?} in the catalog"))
                    })
                    .collect::<Result<_>>()?
            };
            let target = match (kubeconfig, server) {
                (Some(path), _) => Target::Kubeconfig(path),
                (None, Some(url)) => Target::Url(url),
                (None, None) => Target::Default,
            };
            let mut runs = Vec::new();
            let mut failed = 0;
            println!(
                "{:<60} {:>8} {:>7} {:>10}",
                "gatherer", "records", "errors", "time"
            );
            for entry in entries {
                let run = catalog_native::run(entry, &target, &config, enforce_reads)?;
                println!(
                    "{:<60} {:>8} {:>7} {:>8.1}ms",
                    run.name,
                    run.output.records.len(),
                    run.output.errors.len(),
                    run.elapsed.as_secs_f64() * 1e3
                );
                for error in &run.output.errors {
                    eprintln!("  {}: {error}", run.name);
                }
                failed += usize::from(!run.output.errors.is_empty());
                runs.push(run);
            }
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            for conflict in catalog_native::write_records(&runs, &out)? {
                eprintln!("  {conflict}");
            }
            println!(
                "records written to {} ({failed} gatherers reported errors)",
                out.display()
            );
            Ok(())
        }
    }
}
