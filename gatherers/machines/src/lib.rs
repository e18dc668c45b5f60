//! `clusterconfig/machines`: every Machine, its cloud placement hidden.
//!
//! IO (`gather_machines.go`) lists them with its dynamic client (objects keep `kind` and
//! `apiVersion`) and writes each to `config/machines/[<namespace>/]<name>.json` without
//! `managedFields`, after turning into `x`s of their length (a value that is not a string
//! becomes `""`): `spec.providerID`, `spec.providerSpec.value.placement.availabilityZone` and
//! `.region`, and the label `machine.openshift.io/region`. A field that is missing is left
//! out (IO only logs it). A cluster without the resource gives no record and no error.

use wagather_sdk::apis::machine_v1beta1;
use wagather_sdk::prelude::*;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/machines", reads = ["machine.openshift.io/v1beta1/machines"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::of::<machine_v1beta1::Machine>())? {
        #[allow(unused_mut)]
        let mut object = object;
        anonymize(&mut object);
        ctx.record_object(
            insights_common::record_path("config/machines", &object),
            &object,
        )?;
    }
    Ok(())
}

/// `anonymizeMachine`.
fn anonymize(machine: &mut Object) {
    for path in [
        &["spec", "providerID"][..],
        &[
            "spec",
            "providerSpec",
            "value",
            "placement",
            "availabilityZone",
        ],
        &["spec", "providerSpec", "value", "placement", "region"],
        &["metadata", "labels", "machine.openshift.io/region"],
    ] {
        // IO logs a missing field and goes on.
        let _ = insights_common::anonymize::nested_string(machine, path);
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, record_json, sample_objects,
    };

    const LIST: &str = "/apis/machine.openshift.io/v1beta1/machines";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects("config/machines");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(LIST, "machine.openshift.io/v1beta1", "Machine", &items);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), objects.len());
        for (path, _) in &objects {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn an_uninstalled_resource_is_no_record_and_no_error() {
        assert_missing_is_nothing(crate::__wagather_run, &format!("{LIST}?limit=500"));
    }

    #[test]
    fn placement_is_hidden() {
        let (path, mut machine) = sample_objects("config/machines").remove(0);
        machine["spec"]["providerID"] = serde_json::json!("aws:///us-east-2a/i-0abc");
        machine["spec"]["providerSpec"]["value"]["placement"] = serde_json::json!({"availabilityZone": "us-east-2a", "region": "us-east-2", "tenancy": "default"});
        machine["metadata"]["labels"]["machine.openshift.io/region"] =
            serde_json::json!("us-east-2");
        let server = Server::new();
        server.list(LIST, "machine.openshift.io/v1beta1", "Machine", &[machine]);
        let output = server.run(crate::__wagather_run, &[]);
        let written = record_json(&output, &path);
        assert_eq!(written["spec"]["providerID"], "xxxxxxxxxxxxxxxxxxxxxxxx");
        assert_eq!(
            written["spec"]["providerSpec"]["value"]["placement"],
            serde_json::json!({"availabilityZone": "xxxxxxxxxx", "region": "xxxxxxxxx", "tenancy": "default"})
        );
        assert_eq!(
            written["metadata"]["labels"]["machine.openshift.io/region"],
            "xxxxxxxxx"
        );
    }
}
