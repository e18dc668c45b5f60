//! `clusterconfig/nodenetworkstates`: every NMState NodeNetworkState, MAC addresses hidden.
//!
//! IO (`gather_nmstate_nodenetworkstate.go`) lists `nodenetworkstates.nmstate.io/v1beta1` with
//! its dynamic client (objects keep `kind` and `apiVersion`) and writes each to
//! `cluster-scoped-resources/nmstate.io/nodenetworkstates/<name>.json` without
//! `managedFields`, after turning the `mac-address` of every interface in
//! `status.currentState.interfaces` into `x`s of its length. Interfaces that are not objects
//! are dropped from the list, as IO drops them. A cluster without the resource gives no record
//! and no error.

use insights_common::anonymize::x;
use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records every object as IO does.
#[gatherer(name = "clusterconfig/nodenetworkstates", reads = ["nmstate.io/v1beta1/nodenetworkstates"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for object in insights_common::list_dynamic(&Dynamic::cluster(
        "nmstate.io",
        "v1beta1",
        "nodenetworkstates",
    ))? {
        #[allow(unused_mut)]
        let mut object = object;
        hide_mac_addresses(&mut object);
        ctx.record_object(
            format!(
                "cluster-scoped-resources/nmstate.io/nodenetworkstates/{}",
                object.name()
            ),
            &object,
        )?;
    }
    Ok(())
}

/// `anonymizeNodeNetworkState`.
fn hide_mac_addresses(state: &mut Object) {
    let Some(Value::Array(interfaces)) = state.get_mut(&["status", "currentState", "interfaces"])
    else {
        return;
    };
    interfaces.retain(Value::is_object);
    for interface in interfaces {
        if let Some(Value::String(mac)) = interface.get_mut("mac-address") {
            *mac = x(mac);
        }
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{
        Server, assert_matches_sample, assert_missing_is_nothing, record_json, sample_objects,
    };

    const LIST: &str = "/apis/nmstate.io/v1beta1/nodenetworkstates";

    #[test]
    fn writes_every_object_as_the_sample_has_it() {
        let objects = sample_objects("cluster-scoped-resources/nmstate.io/nodenetworkstates");
        assert!(!objects.is_empty());
        let server = Server::new();
        let items: Vec<_> = objects.iter().map(|(_, o)| o.clone()).collect();
        server.list(LIST, "nmstate.io/v1beta1", "NodeNetworkState", &items);
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
    fn mac_addresses_become_xs() {
        let (path, mut state) =
            sample_objects("cluster-scoped-resources/nmstate.io/nodenetworkstates").remove(0);
        state["status"]["currentState"]["interfaces"] = serde_json::json!([
            {"name": "eth0", "mac-address": "02:42:AC:11:00:02", "mtu": 1500}, "junk", {"name": "lo"}]);
        let server = Server::new();
        server.list(LIST, "nmstate.io/v1beta1", "NodeNetworkState", &[state]);
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(
            record_json(&output, &path)["status"]["currentState"]["interfaces"],
            serde_json::json!([
            {"name": "eth0", "mac-address": "xxxxxxxxxxxxxxxxx", "mtu": 1500}, {"name": "lo"}])
        );
    }
}
