//! Hostile test gatherer `hostile-stdout`: Writes to stdout without end.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Stdout,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-stdout","version":"0.1.0","reads":[]}"#,
}
