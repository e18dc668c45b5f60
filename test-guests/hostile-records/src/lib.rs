//! Hostile test gatherer `hostile-records`: Returns hostile record names, duplicates, a forged record of another gatherer and a million tiny records.

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer! {
    mode: test_guest_hostile_common::Mode::Records,
    manifest: br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-records","version":"0.1.0","reads":[]}"#,
}
