//! Hostile test gatherer `hostile-unreachable`: Executes the unreachable instruction.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Unreachable,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-unreachable","version":"0.1.0","reads":[]}"#,
}
