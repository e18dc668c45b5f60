//! Test guest: allocates (and touches) memory until the allocation fails,
//! which only the host's memory cap can cause.

/// The manifest, embedded by hand (this guest does not use wagather-sdk).
const MANIFEST_JSON: &str =
    r#"{"contract":"wagather:gatherer@0.1.0","name":"memory-bomb","version":"0.1.0","reads":[]}"#;

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

    struct MemoryBomb;

    impl Guest for MemoryBomb {
        fn gather(_config: Vec<(String, String)>) -> GatherOutput {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                let mut chunk = vec![0u8; 1 << 20];
                chunk[0] = 1;
                hoard.push(std::hint::black_box(chunk));
            }
        }
    }

    export!(MemoryBomb);
}
