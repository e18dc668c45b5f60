//! Hostile test gatherer `hostile-panic`: Panics.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Panic,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-panic","version":"0.1.0","reads":[]}"#,
}
