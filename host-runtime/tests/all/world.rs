//! Components that are not gatherers are refused with an error naming the file.

use std::path::Path;

use wagather_host::LoadErrorKind;

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
    let manifest =
        br#"{"contract":"wagather:gatherer@0.1.0","name":"empty","version":"0.1.0","reads":[]}"#;
    let name = b"wagather-manifest";
    let mut body = Vec::new();
    leb(&mut body, name.len());
    body.extend_from_slice(name);
    body.extend_from_slice(manifest);
    let mut wasm = b"\0asm\x0d\0\x01\0".to_vec();
    wasm.push(0);
    leb(&mut wasm, body.len());
    wasm.extend_from_slice(&body);
    wasm
}

#[test]
fn component_without_the_gather_export_is_refused() {
    let path = Path::new("/guests/empty.wasm");
    let err = runtime()
        .load_bytes(path, &empty_component_with_manifest())
        .unwrap_err();
    assert!(matches!(err.kind, LoadErrorKind::World(_)), "{err:?}");
    let text = wagather_host::error_chain(&err);
    assert!(text.contains("/guests/empty.wasm"), "{text}");
    assert!(text.contains("wagather:gatherer/gatherer@0.1.0"), "{text}");
}

#[test]
fn component_without_manifest_is_refused_before_compiling() {
    let path = Path::new("/guests/plain.wasm");
    let err = runtime()
        .load_bytes(path, b"\0asm\x0d\0\x01\0")
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            LoadErrorKind::Manifest(wagather_host::ManifestError::Missing)
        ),
        "{err:?}"
    );
    assert!(wagather_host::error_chain(&err).contains("/guests/plain.wasm"));
}
