//! `clusterconfig/validating_webhook_configurations`: every ValidatingWebhookConfiguration, CA
//! bundles hidden.
//!
//! IO (`gather_validating_webhook_configurations.go`) lists them with a typed client (no `kind`
//! or `apiVersion` on the items) and writes each to
//! `config/validatingwebhookconfigurations/<name>.json` without `managedFields`, after replacing
//! every webhook's `clientConfig.caBundle` with as many `x`s as it has bytes (written, as
//! every `[]byte`, in base64: `eHh4...`). An empty bundle is left out, as Go omits it.

use insights_common::anonymize::webhook_ca_bundles;
use wagather_sdk::apis::admissionregistration_v1;
use wagather_sdk::prelude::*;

/// Records `config/validatingwebhookconfigurations/<name>` for every configuration.
#[gatherer(
    name = "clusterconfig/validating_webhook_configurations",
    reads = ["admissionregistration.k8s.io/v1/validatingwebhookconfigurations"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let configurations = admissionregistration_v1::validating_webhook_configurations()
        .list_objects(&ListParams::default())?;
    for configuration in configurations {
        let mut configuration = configuration.without_type_meta();
        webhook_ca_bundles(&mut configuration);
        ctx.record_object(
            format!(
                "config/validatingwebhookconfigurations/{}",
                configuration.name()
            ),
            &configuration,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample_objects};
    use serde_json::json;

    const LIST: &str = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";

    #[test]
    fn writes_every_configuration_as_the_sample_has_it() {
        let configurations = sample_objects("config/validatingwebhookconfigurations");
        assert!(!configurations.is_empty());
        let server = Server::new();
        let items: Vec<_> = configurations.iter().map(|(_, c)| c.clone()).collect();
        server.list(
            LIST,
            "admissionregistration.k8s.io/v1",
            "ValidatingWebhookConfiguration",
            &items,
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), configurations.len());
        for (path, _) in &configurations {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn ca_bundles_become_xs_of_their_length() {
        let (path, mut configuration) =
            sample_objects("config/validatingwebhookconfigurations").remove(0);
        // A real bundle: "-----BEGIN CERTIFICATE-----\n" is 28 bytes.
        configuration["webhooks"][0]["clientConfig"]["caBundle"] =
            json!("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==");
        let server = Server::new();
        server.list(
            LIST,
            "admissionregistration.k8s.io/v1",
            "ValidatingWebhookConfiguration",
            &[configuration],
        );
        let output = server.run(crate::__wagather_run, &[]);
        let written = record_json(&output, &path);
        assert_eq!(
            written["webhooks"][0]["clientConfig"]["caBundle"],
            "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA=="
        );
    }
}
