//! `wagather-native`: runs gatherers of the catalog natively against a cluster and writes
//! their records to a directory, one file per archive path.
//!
//! ```text
//! wagather-native list
//! wagather-native run nodes operators --out DIR [--kubeconfig PATH | --server URL] [--config [NAME:]KEY=VALUE]...
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
        /// One configuration pair of the gatherer named NAME (`clusterconfig/version`), as
        /// `wagather gather --config` takes it; without `NAME:`, of every gatherer.
        #[arg(long = "config", value_name = "[NAME:]KEY=VALUE", value_parser = setting)]
        config: Vec<Setting>,
        /// Refuse requests outside each gatherer's declared reads, as the host does.
        #[arg(long)]
        enforce_reads: bool,
    },
}

/// A configuration pair, for one gatherer (`Some(name)`) or all.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Setting {
    gatherer: Option<String>,
    key: String,
    value: String,
}

fn setting(text: &str) -> Result<Setting, String> {
    let Some((target, value)) = text.split_once('=') else {
        return Err(format!("{text:?} is not [NAME:]KEY=VALUE"));
    };
    let (gatherer, key) = match target.split_once(':') {
        Some((name, key)) => (Some(name.to_owned()), key),
        None => (None, target),
    };
    if key.is_empty() || gatherer.as_deref() == Some("") {
        return Err(format!("{text:?} is not [NAME:]KEY=VALUE"));
    }
    Ok(Setting {
        gatherer,
        key: key.to_owned(),
        value: value.to_owned(),
    })
}

/// The pairs of `settings` that apply to the gatherer named `name`, in order.
fn config_of(settings: &[Setting], name: &str) -> Vec<(String, String)> {
    settings
        .iter()
        .filter(|s| s.gatherer.as_deref().is_none_or(|g| g == name))
        .map(|s| (s.key.clone(), s.value.clone()))
        .collect()
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
            for named in config.iter().filter_map(|s| s.gatherer.as_deref()) {
                if !entries.iter().any(|e| e.name() == named) {
                    bail!("configuration for {named}, but it is not among the gatherers run");
                }
            }
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
                let config = config_of(&config, &entry.name());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_their_gatherer_or_apply_to_all() {
        let settings: Vec<Setting> = [
            "interval=2h",
            "clusterconfig/version:interval=100000h",
            "clusterconfig/nodes:k=a=b",
        ]
        .iter()
        .map(|t| setting(t).unwrap())
        .collect();
        assert_eq!(
            config_of(&settings, "clusterconfig/version"),
            [
                ("interval".to_owned(), "2h".to_owned()),
                ("interval".to_owned(), "100000h".to_owned())
            ]
        );
        assert_eq!(
            config_of(&settings, "clusterconfig/nodes"),
            [
                ("interval".to_owned(), "2h".to_owned()),
                ("k".to_owned(), "a=b".to_owned())
            ]
        );
        for bad in ["novalue", "=v", ":k=v", "g:=v"] {
            assert!(setting(bad).is_err(), "{bad}");
        }
    }
}
