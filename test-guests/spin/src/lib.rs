//! Test guest: never returns from `gather`. The loop makes no calls, so only
//! the host's epoch deadline can stop it.

/// The manifest, embedded by hand (this guest does not use wagather-sdk).
const MANIFEST_JSON: &str =
    r#"{"contract":"wagather:gatherer@0.1.0","name":"spin","version":"0.1.0","reads":[]}"#;

#[allow(
    unsafe_code,
    reason = "link_section is an unsafe attribute; it only places these bytes in a custom section"
)]
#[unsafe(link_section = "wagather-manifest")]
#[used]
static MANIFEST: [u8; MANIFEST_JSON.len()] = bytes(MANIFEST_JSON);

const fn bytes<const N: usize>(text: &str) -> [u8; N] {
    let text = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = text[i];
        i += 1;
    }
    out
}

#[allow(
    unsafe_code,
    reason = "wit-bindgen's import and export glue is unsafe ABI code; the guest's own code is safe"
)]
mod guest {
    wit_bindgen::generate!({ path: "../../wit", world: "gatherer" });

    struct Spin;

    impl Guest for Spin {
        fn gather(_config: Vec<(String, String)>) -> GatherOutput {
            let mut counter: u64 = 0;
            loop {
                // black_box keeps the optimizer from proving the loop useless.
                counter = std::hint::black_box(counter.wrapping_add(1));
            }
        }
    }

    export!(Spin);
}
