//! `clusterconfig/subscriptions`: every OLM Subscription, without its status.
//!
//! IO (`gather_subscription.go`) lists `subscriptions.operators.coreos.com/v1alpha1` with its
//! dynamic client (objects keep `kind` and `apiVersion`), removes `status`, and writes each to
//! `config/subscriptions/<namespace>/<name>.json` without `managedFields`. A cluster without
//! the resource gives no record and no error.

use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/subscriptions", reads = ["operators.coreos.com/v1alpha1/subscriptions"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::namespaced(
        "operators.coreos.com",
        "v1alpha1",
        "subscriptions",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        drop_status(&mut object);
        ctx.record_object(
            format!(
                "config/subscriptions/{}/{}",
                object.namespace().unwrap_or(""),
                object.name()
            ),
            &object,
        )?;
    }
    Ok(())
}

/// IO deletes the status before writing.
fn drop_status(subscription: &mut Object) {
    subscription.remove(&["status"]);
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_missing_is_nothing, record_json, samples_under};

    const LIST: &str = "/apis/operators.coreos.com/v1alpha1/subscriptions";

    #[test]
    fn writes_the_sample_subscription_under_its_namespace_without_status() {
        let (_, subscription) = samples_under("config/subscriptions").remove(0);
        let mut served = subscription.clone();
        served["status"] = serde_json::json!({"state": "AtLatestKnown", "installedCSV": "kubevirt-hyperconverged-operator.v1.4.0"});
        let server = Server::new();
        server.list(
            LIST,
            "operators.coreos.com/v1alpha1",
            "Subscription",
            &[served],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        // The sample file sits under openshift-cnv, but the object's namespace is another
        // one; IO's path is the object's namespace.
        let namespace = subscription["metadata"]["namespace"].as_str().unwrap();
        let name = subscription["metadata"]["name"].as_str().unwrap();
        assert_eq!(
            record_json(
                &output,
                &format!("config/subscriptions/{namespace}/{name}.json")
            ),
            subscription
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn an_uninstalled_resource_is_no_record_and_no_error() {
        assert_missing_is_nothing(crate::__wagather_run, &format!("{LIST}?limit=500"));
    }
}
