//! `clusterconfig/control_plane_machine_sets`: every ControlPlaneMachineSet, without its
//! machine templates.
//!
//! IO (`gather_control_plane_machine_sets.go`) lists them with its dynamic client (objects
//! keep `kind` and `apiVersion`) and writes each to
//! `config/controlplanemachinesets/[<namespace>/]<name>.json` without `managedFields`, after
//! setting `spec.templates` and `spec.template` to `null` (present as `null` even when the
//! object had none). When `spec` is not an object that fails; the failure is reported and the
//! object is written as it is. A cluster without the resource gives no record and no error.

use wagather_sdk::apis::machine_v1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/control_plane_machine_sets", reads = ["machine.openshift.io/v1/controlplanemachinesets"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for mut object in
        insights_common::list_dynamic(&Dynamic::of::<machine_v1::ControlPlaneMachineSet>())?
    {
        for field in ["templates", "template"] {
            if let Err(e) = object.set(&["spec", field], Value::Null) {
                ctx.error(e);
            }
        }
        ctx.record_object(
            insights_common::record_path("config/controlplanemachinesets", &object),
            &object,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, record_json, sample_objects,
    };

    const LIST: &str = "/apis/machine.openshift.io/v1/controlplanemachinesets";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects("config/controlplanemachinesets");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(
            LIST,
            "machine.openshift.io/v1",
            "ControlPlaneMachineSet",
            &items,
        );
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
    fn templates_are_null_even_when_absent() {
        let (path, mut set) = sample_objects("config/controlplanemachinesets").remove(0);
        set["spec"].as_object_mut().unwrap().remove("template");
        set["spec"]["templates"] = serde_json::json!([{"machineType": "x"}]);
        let server = Server::new();
        server.list(
            LIST,
            "machine.openshift.io/v1",
            "ControlPlaneMachineSet",
            &[set],
        );
        let output = server.run(crate::__wagather_run, &[]);
        let spec = &record_json(&output, &path)["spec"];
        assert_eq!(spec["template"], serde_json::Value::Null);
        assert_eq!(spec["templates"], serde_json::Value::Null);
        assert!(spec.as_object().unwrap().contains_key("template"));
    }
}
