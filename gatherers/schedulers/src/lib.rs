//! `clusterconfig/schedulers`: every `Scheduler` configuration.
//!
//! IO (`gather_schedulers.go`) lists `schedulers.config.openshift.io` with a typed client and
//! writes each to `config/schedulers/<name>.json` without `managedFields`. A typed list of a
//! custom resource keeps `kind` and `apiVersion` on its items. Nothing is anonymized.

use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;

/// Records `config/schedulers/<name>` for every scheduler.
#[gatherer(name = "clusterconfig/schedulers", reads = ["config.openshift.io/v1/schedulers"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for scheduler in config_v1::schedulers().list_objects(&ListParams::default())? {
        ctx.record_object(
            format!("config/schedulers/{}", scheduler.name()),
            &scheduler,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};

    #[test]
    fn writes_every_scheduler_as_the_sample_has_it() {
        let server = Server::new();
        server.list(
            "/apis/config.openshift.io/v1/schedulers",
            "config.openshift.io/v1",
            "Scheduler",
            &[sample("config/schedulers/cluster.json")],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 1);
        assert_matches_sample(&output, "config/schedulers/cluster.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
