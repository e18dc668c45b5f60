//! `wagather rbac`: the least-privilege ClusterRole (and Roles, for reads limited to
//! namespaces) for a set of gatherers, from what their manifests declare
//! (`wagather_host::rbac`).
//!
//! `--gatherer [NAME=]FILE` reads components from files; `--config host.toml` takes the
//! service's gatherers and policy and fetches each component from its source (checked up to its
//! signature), except those a `--gatherer NAME=FILE` replaces. `deploy/rbac.yaml` is this
//! command's output for the shipped host.toml, and a test keeps it so.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use wagather_host::rbac::{self, GathererReads, RenderOptions};
use wagather_host::service::config::ServiceConfig;
use wagather_host::{GathererSpec, HostPolicy};

#[derive(Debug, Args)]
pub struct RbacArgs {
    /// A gatherer component, optionally with the name it runs under; with --config, replaces
    /// the source of the gatherer of that name.
    #[arg(long = "gatherer", value_name = "[NAME=]FILE.wasm", value_parser = crate::gather::parse_gatherer)]
    pub gatherers: Vec<GathererSpec>,
    /// The service's host.toml: its gatherers and its policy.
    #[arg(long, value_name = "FILE", required_unless_present = "gatherers")]
    pub config: Option<PathBuf>,
    /// The ClusterRole's name (and the Roles').
    #[arg(long, default_value = "wagather-gatherers")]
    pub name: String,
    /// Also print the bindings to this service account (NAMESPACE/NAME).
    #[arg(long, value_name = "NAMESPACE/NAME", value_parser = parse_account)]
    pub service_account: Option<(String, String)>,
}

fn parse_account(text: &str) -> Result<(String, String), String> {
    match text.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((ns.to_owned(), name.to_owned()))
        }
        _ => Err(format!("`{text}`: expected NAMESPACE/NAME")),
    }
}

pub async fn run(args: RbacArgs) -> Result<()> {
    let (gatherers, policy) = match &args.config {
        Some(file) => {
            let config = ServiceConfig::read(file)?;
            let mut overrides = Vec::new();
            for spec in &args.gatherers {
                let Some(name) = &spec.name else {
                    bail!(
                        "with --config, name the gatherer a file replaces: --gatherer NAME={}",
                        spec.path.display()
                    );
                };
                if !config.gatherers.iter().any(|g| &g.name == name) {
                    bail!(
                        "--gatherer {name}=...: {} has no gatherer named {name}",
                        file.display()
                    );
                }
                overrides.push((name.clone(), spec.path.clone()));
            }
            let gatherers = wagather_host::service::fetch_manifests(&config, &overrides).await?;
            (gatherers, config.policy)
        }
        None => {
            let mut gatherers = Vec::new();
            for spec in &args.gatherers {
                let bytes = std::fs::read(&spec.path)
                    .with_context(|| format!("could not read {}", spec.path.display()))?;
                let manifest = wagather_host::read_manifest(&bytes)
                    .with_context(|| format!("{}", spec.path.display()))?;
                gatherers.push(GathererReads {
                    name: spec.name.clone().unwrap_or_else(|| manifest.name.clone()),
                    manifest,
                });
            }
            (gatherers, HostPolicy::default())
        }
    };
    let rbac = rbac::rbac(&gatherers, &policy);
    crate::print_out(&rbac::render(
        &rbac,
        &RenderOptions {
            name: args.name,
            service_account: args.service_account,
        },
    ))
}
