//! Hostile test gatherer `hostile-spin`: Spins forever in pure computation: only the deadline ends it.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Spin,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-spin","version":"0.1.0","reads":[]}"#,
}
