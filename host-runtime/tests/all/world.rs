//! Components that are not gatherers are refused with an error naming the source and the
//! stage that refused them.

use wagather_contract::{MANIFEST_SECTION, Manifest};
use wagather_host::LoadStage;

use crate::guests::runtime;

fn leb(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An empty component (no imports, no exports) carrying a valid manifest.
fn empty_component_with_manifest() -> Vec<u8> {
    let manifest = Manifest::new("empty", "0.1.0", Vec::new()).to_json();
    let name = MANIFEST_SECTION.as_bytes();
    let mut body = Vec::new();
    leb(&mut body, name.len());
    body.extend_from_slice(name);
    body.extend_from_slice(manifest.as_bytes());
    let mut wasm = b"\0asm\x0d\0\x01\0".to_vec();
    wasm.push(0);
    leb(&mut wasm, body.len());
    wasm.extend_from_slice(&body);
    wasm
}

#[test]
fn component_without_the_gather_export_is_refused() {
    let err = runtime()
        .load_bytes("/guests/empty.wasm", &empty_component_with_manifest())
        .unwrap_err();
    assert_eq!(err.stage, LoadStage::World, "{err}");
    let text = err.to_string();
    assert!(text.contains("/guests/empty.wasm"), "{text}");
    assert!(
        text.contains("world `wagather:gatherer/gatherer`"),
        "{text}"
    );
    assert!(text.contains(wagather_contract::CONTRACT), "{text}");
}

#[test]
fn component_without_manifest_is_refused_before_compiling() {
    let err = runtime()
        .load_bytes("/guests/plain.wasm", b"\0asm\x0d\0\x01\0")
        .unwrap_err();
    assert_eq!(err.stage, LoadStage::Manifest, "{err}");
    let text = err.to_string();
    assert!(text.contains("/guests/plain.wasm"), "{text}");
    assert!(
        text.contains("no `wagather-manifest` custom section"),
        "{text}"
    );
}

#[test]
fn bytes_that_are_not_wasm_are_refused() {
    let err = runtime()
        .load_bytes("/guests/text.wasm", b"hello, world")
        .unwrap_err();
    assert_eq!(err.stage, LoadStage::Manifest, "{err}");
    assert!(
        err.to_string()
            .contains("not a readable WebAssembly binary"),
        "{err}"
    );
}
