//! Hostile test gatherer `hostile-stack`: Recurses until the call stack is exhausted.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Stack,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-stack","version":"0.1.0","reads":[]}"#,
}
