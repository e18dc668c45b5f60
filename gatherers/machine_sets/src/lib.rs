//! `clusterconfig/machine_sets`: every MachineSet, cloud project and placement hidden.
//!
//! IO (`gather_machine_sets.go`) lists them with its dynamic client (objects keep `kind` and
//! `apiVersion`) and writes each to `machinesets/[<namespace>/]<name>.json` (not under
//! `config/`) without `managedFields`, after turning into `x`s of their length (a value that is
//! not a string becomes `""`), under `spec.template.spec.providerSpec.value`: `projectID`,
//! `region`, `placement.availabilityZone`, `placement.region`, and the `email` of every entry
//! of `serviceAccounts`. Missing fields are left out (IO only logs them). A cluster without
//! the resource gives no record and no error.

use insights_common::anonymize::x;
use wagather_sdk::apis::machine_v1beta1;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/machine_sets", reads = ["machine.openshift.io/v1beta1/machinesets"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::of::<machine_v1beta1::MachineSet>())? {
        #[allow(unused_mut)]
        let mut object = object;
        anonymize(&mut object);
        ctx.record_object(
            insights_common::record_path("machinesets", &object),
            &object,
        )?;
    }
    Ok(())
}

/// `anonymizeMachineset` and `anonymizeServiceAccounts`.
fn anonymize(set: &mut Object) {
    const VALUE: [&str; 5] = ["spec", "template", "spec", "providerSpec", "value"];
    for field in [
        &["projectID"][..],
        &["region"],
        &["placement", "availabilityZone"],
        &["placement", "region"],
    ] {
        let path: Vec<&str> = VALUE.iter().chain(field).copied().collect();
        // IO logs a missing field and goes on.
        let _ = insights_common::anonymize::nested_string(set, &path);
    }
    let accounts: Vec<&str> = VALUE.iter().copied().chain(["serviceAccounts"]).collect();
    if let Some(Value::Array(accounts)) = set.get_mut(&accounts) {
        for account in accounts {
            if let Some(Value::String(email)) = account.get_mut("email") {
                *email = x(email);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_missing_is_nothing, record_json, sample_objects,
    };

    const LIST: &str = "/apis/machine.openshift.io/v1beta1/machinesets";

    #[test]
    fn writes_every_object_as_the_sample_has_it_with_emails_hidden() {
        let objects = sample_objects("machinesets");
        assert_eq!(objects.len(), 3);
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(LIST, "machine.openshift.io/v1beta1", "MachineSet", &items);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), objects.len());
        for (path, object) in &objects {
            // The sample predates IO hiding service account e-mails; everything else is as IO
            // writes it today.
            let mut expected = object.clone();
            for account in
                expected["spec"]["template"]["spec"]["providerSpec"]["value"]["serviceAccounts"]
                    .as_array_mut()
                    .unwrap()
            {
                let email = account["email"].as_str().unwrap();
                assert!(
                    email.contains('@'),
                    "{path}: the sample's e-mail is hidden now"
                );
                account["email"] = serde_json::json!("x".repeat(email.len()));
            }
            assert_eq!(record_json(&output, path), expected, "{path}");
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn an_uninstalled_resource_is_no_record_and_no_error() {
        assert_missing_is_nothing(crate::__wagather_run, &format!("{LIST}?limit=500"));
    }

    #[test]
    fn projects_placement_and_service_accounts_are_hidden() {
        let (path, mut set) = sample_objects("machinesets").remove(0);
        let value = &mut set["spec"]["template"]["spec"]["providerSpec"]["value"];
        value["projectID"] = serde_json::json!("acme-prod");
        value["serviceAccounts"] = serde_json::json!([{"email": "sa@acme-prod.iam.gserviceaccount.com", "scopes": ["s"]}, {"scopes": []}]);
        let server = Server::new();
        server.list(LIST, "machine.openshift.io/v1beta1", "MachineSet", &[set]);
        let output = server.run(crate::__wagather_run, &[]);
        let value =
            &record_json(&output, &path)["spec"]["template"]["spec"]["providerSpec"]["value"];
        assert_eq!(value["projectID"], "xxxxxxxxx");
        assert_eq!(
            value["serviceAccounts"],
            serde_json::json!([
            {"email": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "scopes": ["s"]}, {"scopes": []}])
        );
    }
}
