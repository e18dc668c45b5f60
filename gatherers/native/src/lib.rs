//! The gatherer catalog as one native program: every gatherer of `gatherers/`, linked as a
//! library, run against a cluster through the kube transport of `wagather-sdk-native`.
//!
//! Each gatherer is also its own WebAssembly component; here the same code runs in-process, so
//! an author can try a gatherer against a real cluster while developing it, and a benchmark
//! can compare a gatherer as a component and natively.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wagather_sdk::Manifest;
use wagather_sdk::Output;
pub use wagather_sdk_native::NativeTransport;

/// One gatherer of the catalog.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Its manifest, as embedded in its component.
    pub manifest: &'static str,
    /// Runs it in-process against the transport installed on the thread.
    pub run: fn(Vec<(String, String)>) -> Output,
}

impl Entry {
    /// Its name (`clusterconfig/nodes`).
    pub fn name(&self) -> String {
        self.parsed().map(|m| m.name).unwrap_or_default()
    }

    /// Its manifest, parsed.
    pub fn parsed(&self) -> Result<Manifest> {
        Manifest::from_json(self.manifest.as_bytes()).context("a catalog manifest does not parse")
    }
}

macro_rules! catalog {
    ($($krate:ident,)*) => {
        /// Every gatherer of the catalog, in the order of their crates' names.
        pub static CATALOG: &[Entry] = &[
            $(Entry { manifest: $krate::__WAGATHER_MANIFEST, run: $krate::__wagather_run },)*
        ];
    };
}

catalog! {
    clusterconfig_aggregated_monitoring_cr_names,
    clusterconfig_authentication,
    clusterconfig_ceph_cluster,
    clusterconfig_cluster_apiserver,
    clusterconfig_clusterroles,
    clusterconfig_config_maps,
    clusterconfig_container_images,
    clusterconfig_container_runtime_configs,
    clusterconfig_control_plane_machine_sets,
    clusterconfig_cost_management_metrics_configs,
    clusterconfig_crds,
    clusterconfig_feature_gates,
    clusterconfig_image,
    clusterconfig_image_pruners,
    clusterconfig_image_registries,
    clusterconfig_infrastructures,
    clusterconfig_ingress,
    clusterconfig_install_plans,
    clusterconfig_jaegers,
    clusterconfig_kubeletconfigs,
    clusterconfig_machine_autoscalers,
    clusterconfig_machine_config_pools,
    clusterconfig_machine_configs,
    clusterconfig_machine_healthchecks,
    clusterconfig_machine_sets,
    clusterconfig_machines,
    clusterconfig_monitoring_persistent_volumes,
    clusterconfig_mutating_webhook_configurations,
    clusterconfig_networks,
    clusterconfig_nodenetworkconfigurationpolicies,
    clusterconfig_nodenetworkstates,
    clusterconfig_nodes,
    clusterconfig_number_of_pods_and_netnamespaces_with_sdn_annotations,
    clusterconfig_oauths,
    clusterconfig_olm_operators,
    clusterconfig_openshift_logging,
    clusterconfig_openshift_machine_api_events,
    clusterconfig_openstack_controlplanes,
    clusterconfig_openstack_dataplanedeployments,
    clusterconfig_openstack_dataplanenodesets,
    clusterconfig_openstack_version,
    clusterconfig_opentelemetry_collectors,
    clusterconfig_operators,
    clusterconfig_operators_pods_and_events,
    clusterconfig_overlapping_namespace_uids,
    clusterconfig_pdbs,
    clusterconfig_pod_network_connectivity_checks,
    clusterconfig_proxies,
    clusterconfig_revisioned_objects,
    clusterconfig_sap_config,
    clusterconfig_sap_datahubs,
    clusterconfig_sap_pods,
    clusterconfig_schedulers,
    clusterconfig_service_accounts,
    clusterconfig_storage_classes,
    clusterconfig_storage_cluster,
    clusterconfig_subscriptions,
    clusterconfig_validating_webhook_configurations,
    clusterconfig_version,
}

/// The entry named `name` (`clusterconfig/nodes`, or just `nodes`).
pub fn find(name: &str) -> Option<&'static Entry> {
    let full = if name.contains('/') {
        name.to_owned()
    } else {
        format!("clusterconfig/{name}")
    };
    CATALOG.iter().find(|e| e.name() == full)
}

/// Where the gatherers send their requests.
#[derive(Clone, Debug)]
pub enum Target {
    /// In-cluster, else `$KUBECONFIG` or `~/.kube/config`.
    Default,
    /// A kubeconfig file.
    Kubeconfig(std::path::PathBuf),
    /// A server URL without credentials (the snapshot server).
    Url(String),
}

impl Target {
    fn transport(&self) -> Result<NativeTransport> {
        Ok(match self {
            Target::Default => NativeTransport::infer()?,
            Target::Kubeconfig(path) => NativeTransport::from_kubeconfig(path)?,
            Target::Url(url) => NativeTransport::from_url(url)?,
        })
    }
}

/// What one run produced.
#[derive(Debug)]
pub struct Run {
    /// The gatherer's name.
    pub name: String,
    /// Its records and errors.
    pub output: Output,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Runs `entry` against `target` with `config`; with `enforce`, requests outside its declared
/// reads are refused as the host refuses them.
pub fn run(
    entry: &Entry,
    target: &Target,
    config: &[(String, String)],
    enforce: bool,
) -> Result<Run> {
    run_with(entry, target.transport()?, config, enforce)
}

/// Runs `entry` with `transport` (for example one sharing a client with other runs:
/// [`NativeTransport::with_client`]) and `config`; with `enforce`, requests outside its
/// declared reads are refused as the host refuses them.
pub fn run_with(
    entry: &Entry,
    mut transport: NativeTransport,
    config: &[(String, String)],
    enforce: bool,
) -> Result<Run> {
    let manifest = entry.parsed()?;
    if enforce {
        transport = transport.enforce(manifest.clone());
    }
    let _guard = transport.install();
    let started = Instant::now();
    let output = (entry.run)(config.to_vec());
    Ok(Run {
        name: manifest.name,
        output,
        elapsed: started.elapsed(),
    })
}

/// Writes every record of `runs` under `dir`, at its archive path; a path written by an
/// earlier run is kept (as the host keeps the first record of a path) and reported.
pub fn write_records(runs: &[Run], dir: &Path) -> Result<Vec<String>> {
    let mut written = std::collections::BTreeSet::new();
    let mut conflicts = Vec::new();
    for run in runs {
        for record in &run.output.records {
            let path = record.archive_path();
            if !written.insert(path.clone()) {
                conflicts.push(format!(
                    "{}: record {path} dropped: already written",
                    run.name
                ));
                continue;
            }
            let full = dir.join(&path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&full, &record.data)
                .with_context(|| format!("writing {}", full.display()))?;
        }
    }
    Ok(conflicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gatherer_is_listed_once_with_an_io_name() {
        let mut names: Vec<String> = CATALOG.iter().map(Entry::name).collect();
        assert!(names.len() >= 35, "{} gatherers", names.len());
        assert!(
            names.iter().all(|n| n.starts_with("clusterconfig/")),
            "{names:?}"
        );
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        assert!(
            find("nodes").is_some()
                && find("clusterconfig/operators").is_some()
                && find("nope").is_none()
        );
    }
}
