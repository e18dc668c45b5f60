//! Hostile test gatherer `hostile-host-loop`: Loops forever around refused requests and clock reads: only the deadline ends it.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::HostLoop,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-host-loop","version":"0.1.0","reads":[]}"#,
}
