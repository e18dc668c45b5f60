//! Hostile test gatherer `hostile-spin`: Spins forever in pure computation: only the deadline ends it.

/// The manifest, written by hand rather than by `#[gatherer]`.
#[cfg_attr(
    not(target_arch = "wasm32"),
    allow(dead_code, reason = "only the wasm32 custom section uses it")
)]
const MANIFEST_JSON: &[u8] =
    br#"{"contract":"wagather:gatherer@0.1.0","name":"hostile-spin","version":"0.1.0","reads":[]}"#;

// The manifest as the custom section the host reads before instantiating.
#[cfg(target_arch = "wasm32")]
#[allow(
    unsafe_code,
    reason = "a custom section is a `link_section` static, which Rust marks unsafe"
)]
#[unsafe(link_section = "wagather-manifest")]
#[used]
static MANIFEST: [u8; MANIFEST_JSON.len()] =
    test_guest_hostile_common::manifest_bytes(MANIFEST_JSON);

#[cfg(target_arch = "wasm32")]
test_guest_hostile_common::gatherer!(test_guest_hostile_common::Mode::Spin);
