//! Hostile test gatherer `hostile-response`: Lists ClusterOperators again and again until the response budget is spent.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Response,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-response","version":"0.1.0","reads":[{"group":"config.openshift.io","version":"v1","resource":"clusteroperators"}]}"#,
}
