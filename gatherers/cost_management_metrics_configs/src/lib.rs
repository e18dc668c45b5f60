//! `clusterconfig/cost_management_metrics_configs`: every CostManagementMetricsConfig.
//!
//! IO (`gather_cost_management_metrics_configs.go`) lists
//! `costmanagementmetricsconfigs.costmanagement-metrics-cfg.openshift.io/v1beta1` with its
//! dynamic client (objects keep `kind` and `apiVersion`) and writes each to
//! `config/cost_management_metrics_configs/<name>.json` (no namespace in the path) without
//! `managedFields`. A cluster without the resource gives no record and no error. Nothing is
//! anonymized.

use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/cost_management_metrics_configs", reads = ["costmanagement-metrics-cfg.openshift.io/v1beta1/costmanagementmetricsconfigs"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "costmanagement-metrics-cfg.openshift.io",
        "v1beta1",
        "costmanagementmetricsconfigs",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        ctx.record_object(
            format!("config/cost_management_metrics_configs/{}", object.name()),
            &object,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_missing_is_nothing};

    const LIST: &str =
        "/apis/costmanagement-metrics-cfg.openshift.io/v1beta1/costmanagementmetricsconfigs";

    #[test]
    fn an_uninstalled_resource_is_no_record_and_no_error() {
        assert_missing_is_nothing(crate::__wagather_run, &format!("{LIST}?limit=500"));
    }

    #[test]
    fn objects_are_named_after_themselves() {
        // Both sample files hold the same object under other names (see the exception table
        // of the conformance check); IO names the record after the object.
        let (_, object) =
            insights_common::testing::samples_under("config/cost_management_metrics_configs")
                .remove(0);
        let server = Server::new();
        server.list(
            LIST,
            "costmanagement-metrics-cfg.openshift.io/v1beta1",
            "CostManagementMetricsConfig",
            std::slice::from_ref(&object),
        );
        let output = server.run(crate::__wagather_run, &[]);
        let written = insights_common::testing::record_json(
            &output,
            "config/cost_management_metrics_configs/costmanagementmetricscfg-sample-token.json",
        );
        assert_eq!(written, object);
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
