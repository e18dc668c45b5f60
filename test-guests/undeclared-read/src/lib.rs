//! Test guest: its manifest declares only `v1/nodes`, yet it lists ClusterOperators.
//!
//! The host must refuse that request from the manifest alone. The guest records how the
//! request failed (`denied`, the error message) so a host test can check that the refusal came
//! from the policy and not from the API.

use wagather_sdk::apis::config_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json;

/// Tries the undeclared list and records the outcome in `undeclared-read/outcome`.
#[gatherer(reads = ["v1/nodes"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let outcome = match config_v1::cluster_operators().list(&ListParams::default()) {
        Ok(list) => serde_json::json!({"denied": false, "items": list.items.len()}),
        Err(err) => serde_json::json!({
            "denied": matches!(err, Error::Denied { .. }),
            "error": err.to_string(),
        }),
    };
    ctx.record_json("undeclared-read/outcome", &outcome)?;
    // Also fail the run the way a gatherer that does not handle the error would.
    config_v1::cluster_operators().list(&ListParams::default())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use wagather_sdk::testing::FakeApi;

    #[test]
    fn a_denied_read_is_recorded_and_reported() {
        let api = FakeApi::new();
        api.deny(
            "/apis/config.openshift.io/v1/clusteroperators",
            "config.openshift.io/v1 clusteroperators is not in the gatherer's reads",
        );
        let _guard = api.install();
        let output = crate::__wagather_run(Vec::new());
        use wagather_sdk::serde_json;
        let outcome: serde_json::Value =
            serde_json::from_slice(&output.record("undeclared-read/outcome").unwrap().data)
                .unwrap();
        assert_eq!(outcome["denied"], true);
        assert_eq!(output.errors.len(), 1);
        assert!(
            matches!(output.errors[0], wagather_sdk::Error::Denied { .. }),
            "{:?}",
            output.errors
        );
    }

    #[test]
    fn the_manifest_declares_only_nodes() {
        use wagather_sdk::serde_json;
        let manifest: serde_json::Value = serde_json::from_str(crate::__WAGATHER_MANIFEST).unwrap();
        assert_eq!(
            manifest["reads"],
            serde_json::json!([{"group": "", "version": "v1", "resource": "nodes"}])
        );
        assert_eq!(manifest["name"], "test-guest-undeclared-read");
    }
}
