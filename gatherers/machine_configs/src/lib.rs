//! `clusterconfig/machine_configs`: the MachineConfigs in use, their files and users left out,
//! and how many are unused.
//!
//! IO (`gather_machine_configs.go`):
//!
//! - a config is in use when a MachineConfigPool names it in `spec.configuration.name` or
//!   `status.configuration.name`, or a node in its annotation
//!   `machineconfiguration.openshift.io/currentConfig` or `desiredConfig`; when none can be
//!   found (or reading pools or nodes fails, which is reported) every config counts as used;
//! - it lists the configs with its dynamic client; an unused one is only counted;
//! - each used one gets the annotation `insights.operator.openshift.io/cr-size`: the length
//!   of its JSON as received (Go's encoding, `managedFields`, `kind` and `apiVersion`
//!   included); then `spec.config.storage.files` and `spec.config.passwd.users` are set to
//!   `null` (created when missing), and it is written to `config/machineconfigs/<name>.json`
//!   without `managedFields`;
//! - `aggregated/unused_machine_configs_count.json` is `{"unused_machineconfigs_count": n}`,
//!   written only when nothing failed.

use std::collections::BTreeSet;

use wagather_sdk::apis::{core_v1, machineconfiguration_v1};
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// The count record (`UnusedMachineConfigsCount`).
#[derive(serde::Serialize)]
struct UnusedCount {
    unused_machineconfigs_count: u64,
}

/// Records the configs in use and the count of the others.
#[gatherer(
    name = "clusterconfig/machine_configs",
    reads = [
        "machineconfiguration.openshift.io/v1/machineconfigs",
        "machineconfiguration.openshift.io/v1/machineconfigpools",
        "v1/nodes",
    ]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let mut failed = false;
    let in_use = match in_use_configs() {
        Ok(in_use) => in_use,
        Err(e) => {
            ctx.error(e);
            failed = true;
            BTreeSet::new()
        }
    };
    let configs =
        insights_common::list_dynamic(&Dynamic::of::<machineconfiguration_v1::MachineConfig>())?;
    let mut unused = 0;
    for mut config in configs {
        if !in_use.is_empty() && !in_use.contains(config.name()) {
            unused += 1;
            continue;
        }
        let size = wagather_sdk::go_json::to_vec(&config)
            .map(|json| json.len())
            .map_err(|source| Error::Encode {
                what: format!("MachineConfig {:?}", config.name()),
                source,
            })?;
        if let Err(e) = config.set(
            &[
                "metadata",
                "annotations",
                "insights.operator.openshift.io/cr-size",
            ],
            Value::String(size.to_string()),
        ) {
            ctx.error(e);
            failed = true;
        }
        for path in [
            &["spec", "config", "storage", "files"],
            &["spec", "config", "passwd", "users"],
        ] {
            if let Err(e) = config.set(path, Value::Null) {
                ctx.error(e);
                failed = true;
            }
        }
        ctx.record_object(format!("config/machineconfigs/{}", config.name()), &config)?;
    }
    if !failed {
        ctx.record_go_json(
            "aggregated/unused_machine_configs_count",
            &UnusedCount {
                unused_machineconfigs_count: unused,
            },
        )?;
    }
    Ok(())
}

/// `getInUseMachineConfigs`.
fn in_use_configs() -> Result<BTreeSet<String>> {
    let mut in_use = BTreeSet::new();
    for pool in
        machineconfiguration_v1::machine_config_pools().list_objects(&ListParams::default())?
    {
        for part in ["status", "spec"] {
            // Go's typed pool reads a missing name as "", which then counts as in use.
            in_use.insert(
                pool.str_at(&[part, "configuration", "name"])
                    .unwrap_or("")
                    .to_owned(),
            );
        }
    }
    for node in core_v1::nodes().list_objects(&ListParams::default())? {
        for key in [
            "machineconfiguration.openshift.io/currentConfig",
            "machineconfiguration.openshift.io/desiredConfig",
        ] {
            if let Some(name) = node
                .annotations()
                .and_then(|a| a.get(key))
                .and_then(Value::as_str)
            {
                in_use.insert(name.to_owned());
            }
        }
    }
    Ok(in_use)
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, record_json, sample, sample_objects, samples_under};
    use serde_json::{Value, json};

    const CONFIGS: &str = "/apis/machineconfiguration.openshift.io/v1/machineconfigs";
    const POOLS: &str = "/apis/machineconfiguration.openshift.io/v1/machineconfigpools";

    fn serve(server: &Server) -> Vec<(String, Value)> {
        let configs = samples_under("config/machineconfigs");
        let items: Vec<_> = configs.iter().map(|(_, c)| c.clone()).collect();
        server.list(
            CONFIGS,
            "machineconfiguration.openshift.io/v1",
            "MachineConfig",
            &items,
        );
        let pools: Vec<_> = sample_objects("config/machineconfigpools")
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        server.list(
            POOLS,
            "machineconfiguration.openshift.io/v1",
            "MachineConfigPool",
            &pools,
        );
        let nodes: Vec<_> = samples_under("config/node")
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        server.list("/api/v1/nodes", "v1", "Node", &nodes);
        configs
    }

    #[test]
    fn writes_the_configs_in_use_and_counts_the_others() {
        let server = Server::new();
        let configs = serve(&server);
        assert_eq!(configs.len(), 12);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        // The sample's nodes run the two rendered configs; the other ten are unused (the
        // sample, older than this rule, has all twelve).
        assert_eq!(
            record_json(&output, "aggregated/unused_machine_configs_count.json"),
            json!({"unused_machineconfigs_count": 10})
        );
        for (path, config) in configs.iter().filter(|(p, _)| p.contains("/rendered-")) {
            let written = record_json(&output, path);
            // The size IO computes is that of the object as served here, managedFields
            // included; the rest is the sample.
            let served = insights_common::testing::served(
                config,
                "machineconfiguration.openshift.io/v1",
                "MachineConfig",
                true,
            );
            let size = wagather_sdk::go_json::to_vec(&served).unwrap().len();
            let mut expected = config.clone();
            expected["metadata"]["annotations"]["insights.operator.openshift.io/cr-size"] =
                json!(size.to_string());
            assert_eq!(written, expected, "{path}");
        }
        assert_eq!(output.records.len(), 3);
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn files_and_users_are_null_and_without_pools_all_configs_count_as_used() {
        let mut config = sample("config/machineconfigs/99-worker-ssh.json");
        config["spec"]["config"] = json!({"ignition": {"version": "3.2.0"},
            "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["ssh-rsa AAAA"]}]}});
        let server = Server::new();
        server.list(
            CONFIGS,
            "machineconfiguration.openshift.io/v1",
            "MachineConfig",
            &[config],
        );
        server.list(
            POOLS,
            "machineconfiguration.openshift.io/v1",
            "MachineConfigPool",
            &[],
        );
        server.list("/api/v1/nodes", "v1", "Node", &[]);
        let output = server.run(crate::__wagather_run, &[]);
        let written = record_json(&output, "config/machineconfigs/99-worker-ssh.json");
        assert_eq!(
            written["spec"]["config"],
            json!({"ignition": {"version": "3.2.0"},
            "passwd": {"users": null}, "storage": {"files": null}})
        );
        assert_eq!(
            record_json(&output, "aggregated/unused_machine_configs_count.json"),
            json!({"unused_machineconfigs_count": 0})
        );

        // Pools cannot be read: reported, every config written, no count.
        let server = Server::new();
        server.list(
            CONFIGS,
            "machineconfiguration.openshift.io/v1",
            "MachineConfig",
            &[sample("config/machineconfigs/00-master.json")],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.errors.len(), 1);
        assert_eq!(
            insights_common::testing::archive_paths(&output),
            ["config/machineconfigs/00-master.json"]
        );
    }
}
