//! Hostile test gatherer `hostile-memory`: Allocates until the memory limit makes the allocator fail.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Memory,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-memory","version":"0.1.0","reads":[]}"#,
}
