//! Hostile test gatherer `hostile-requests`: Tries every forbidden request (each declared where a manifest could declare it), then sends 10,000 requests.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Requests,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-requests","version":"0.1.0","reads":[{"group":"config.openshift.io","version":"v1","resource":"clusteroperators"},{"group":"","version":"v1","resource":"secrets"},{"group":"","version":"v1","resource":"pods","subresource":"exec"}]}"#,
}
