//! Setting the manifest section of any component (feature `embed`).
//!
//! Rust guests get their manifest from `#[gatherer]`; a component built by another toolchain
//! (componentize-js, componentize-py, ...) gets it afterwards from [`embed`] (`wagather
//! manifest set`), so the host's policy sees every language the same way. The host reads the section from anywhere in
//! the binary and refuses a binary with two, so [`set_manifest`] removes every existing one,
//! in the component itself and in every module or component nested in it, and writes the new
//! one once, at the top level. Every other section is copied byte for byte.
//!
//! Nothing here depends on wasmtime: wasmparser reads the binary, wasm-encoder writes it.

use std::borrow::Cow;

use wasm_encoder::{CustomSection, RawSection, Section};
use wasmparser::{Chunk, Encoding, Parser, Payload};

use crate::{MANIFEST_SECTION, Manifest, ManifestError};

/// Why a manifest could not be set.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not a readable WebAssembly binary.
    #[error("not a readable WebAssembly binary")]
    Wasm(#[from] wasmparser::BinaryReaderError),
    /// The binary ends in the middle of a section.
    #[error("the WebAssembly binary is truncated")]
    Truncated,
    /// The manifest is not a JSON object.
    #[error("the manifest is not a JSON object")]
    NotJson(#[source] serde_json::Error),
    /// The manifest is not one the contract accepts.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
}

/// `component` with `manifest`, checked by [`Manifest::validate`], as its only manifest; see
/// [`set_manifest`].
pub fn embed(component: &[u8], manifest: &Manifest) -> Result<Vec<u8>, Error> {
    manifest.validate()?;
    set_manifest(component, manifest.to_json().as_bytes())
}

/// `component` (a component or a core module) with `manifest_json` as its only manifest:
/// every `wagather-manifest` section, at any depth, is dropped and one is added at the end of
/// the top level. The manifest must be a JSON object; its fields are the contract's to check.
pub fn set_manifest(component: &[u8], manifest_json: &[u8]) -> Result<Vec<u8>, Error> {
    let value: serde_json::Value = serde_json::from_slice(manifest_json).map_err(Error::NotJson)?;
    if !value.is_object() {
        return Err(Error::NotJson(serde::de::Error::custom(
            "expected an object",
        )));
    }
    let mut out = without_manifest(component)?;
    let section = CustomSection {
        name: MANIFEST_SECTION.into(),
        data: manifest_json.into(),
    };
    // A custom section is encoded the same way in modules and components: id 0, size, body.
    out.push(Section::id(&section));
    wasm_encoder::Encode::encode(&section, &mut out);
    Ok(out)
}

/// The data of every `wagather-manifest` section in `wasm`, at any depth, in binary order.
pub fn manifest_sections(wasm: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(section) = payload?
            && section.name() == MANIFEST_SECTION
        {
            found.push(section.data().to_vec());
        }
    }
    Ok(found)
}

/// `wasm` without any manifest section, nested binaries included.
fn without_manifest(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    let mut parser = Parser::new(0);
    let mut pos = 0;
    let mut encoding = Encoding::Module;
    // Each section as (id, body): copied, or a nested binary rewritten.
    let mut pieces: Vec<(u8, Cow<'_, [u8]>)> = Vec::new();
    loop {
        let (consumed, payload) = match parser.parse(&wasm[pos..], true)? {
            Chunk::Parsed { consumed, payload } => (consumed, payload),
            Chunk::NeedMoreData(_) => return Err(Error::Truncated),
        };
        pos += consumed;
        match payload {
            Payload::Version { encoding: e, .. } => encoding = e,
            Payload::End(_) => break,
            Payload::CustomSection(section) if section.name() == MANIFEST_SECTION => {}
            // The parent parser does not read a nested binary: the caller skips its bytes.
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                let (id, range) = payload_section(&payload)?;
                let nested = wasm.get(range.clone()).ok_or(Error::Truncated)?;
                pieces.push((id, Cow::Owned(without_manifest(nested)?)));
                pos = range.end;
            }
            // The code section comes as a start and one payload per function body; it is
            // copied whole from its start.
            Payload::CodeSectionStart { .. } => {
                let (id, range) = payload_section(&payload)?;
                let body = wasm.get(range.clone()).ok_or(Error::Truncated)?;
                pieces.push((id, Cow::Borrowed(body)));
                parser.skip_section();
                pos = range.end;
            }
            other => {
                let (id, range) = payload_section(&other)?;
                let body = wasm.get(range).ok_or(Error::Truncated)?;
                pieces.push((id, Cow::Borrowed(body)));
            }
        }
    }
    Ok(match encoding {
        Encoding::Component => {
            let mut component = wasm_encoder::Component::new();
            for (id, data) in &pieces {
                component.section(&RawSection { id: *id, data });
            }
            component.finish()
        }
        Encoding::Module => {
            let mut module = wasm_encoder::Module::new();
            for (id, data) in &pieces {
                module.section(&RawSection { id: *id, data });
            }
            module.finish()
        }
    })
}

/// The section id and body range of a payload that is a section.
fn payload_section(payload: &Payload<'_>) -> Result<(u8, std::ops::Range<usize>), Error> {
    payload.as_section().ok_or(Error::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        Component, ComponentSectionId, Module, ModuleSection, NestedComponentSection,
    };

    const OLD: &[u8] = br#"{"contract":"old"}"#;
    const NEW: &[u8] =
        br#"{"contract":"wagather:gatherer@0.2.0","name":"x","version":"1","reads":[]}"#;

    fn custom(name: &str, data: &[u8]) -> CustomSection<'static> {
        CustomSection {
            name: name.to_owned().into(),
            data: data.to_vec().into(),
        }
    }

    /// A core module with a function, its code and the given custom sections.
    fn module(sections: &[(&str, &[u8])]) -> Module {
        let mut module = Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], [wasm_encoder::ValType::I32]);
        module.section(&types);
        let mut functions = wasm_encoder::FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut code = wasm_encoder::CodeSection::new();
        let mut body = wasm_encoder::Function::new([]);
        body.instructions().i32_const(42).end();
        code.function(&body);
        module.section(&code);
        for (name, data) in sections {
            module.section(&custom(name, data));
        }
        module
    }

    fn validate(wasm: &[u8]) {
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(wasm)
            .expect("valid wasm");
    }

    /// Custom section names and data at the top level of a binary, in order.
    fn top_level_customs(wasm: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut depth = 0;
        let mut out = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.unwrap() {
                Payload::Version { .. } => depth += 1,
                Payload::End(_) => depth -= 1,
                Payload::CustomSection(c) if depth == 1 => {
                    out.push((c.name().to_owned(), c.data().to_vec()))
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn replaces_the_manifest_of_a_nested_module_and_keeps_the_rest() {
        let inner = module(&[("producers-ish", b"keep me"), (MANIFEST_SECTION, OLD)]);
        let mut component = Component::new();
        component.section(&custom("before", b"1"));
        component.section(&ModuleSection(&inner));
        component.section(&custom(MANIFEST_SECTION, OLD));
        let input = component.finish();
        validate(&input);
        assert_eq!(manifest_sections(&input).unwrap().len(), 2);

        let output = set_manifest(&input, NEW).unwrap();
        validate(&output);
        assert_eq!(manifest_sections(&output).unwrap(), [NEW.to_vec()]);
        assert_eq!(
            top_level_customs(&output),
            [
                ("before".to_owned(), b"1".to_vec()),
                (MANIFEST_SECTION.to_owned(), NEW.to_vec())
            ]
        );
        // The nested module keeps its code and other custom sections, byte for byte.
        let expected_inner = module(&[("producers-ish", b"keep me")]).finish();
        assert!(
            output
                .windows(expected_inner.len())
                .any(|w| w == expected_inner.as_slice()),
            "the nested module without its manifest is in the output"
        );
    }

    #[test]
    fn adds_a_manifest_where_there_was_none_and_is_idempotent() {
        let inner = module(&[]);
        let mut nested = Component::new();
        nested.section(&ModuleSection(&inner));
        let mut component = Component::new();
        component.section(&NestedComponentSection(&nested));
        let input = component.finish();
        assert!(manifest_sections(&input).unwrap().is_empty());

        let once = set_manifest(&input, NEW).unwrap();
        validate(&once);
        assert_eq!(manifest_sections(&once).unwrap(), [NEW.to_vec()]);
        assert!(
            once.starts_with(&input),
            "sections before the manifest are unchanged"
        );
        assert!(once.ends_with(NEW), "the manifest is the last section");

        let twice = set_manifest(&once, NEW).unwrap();
        assert_eq!(twice, once);
    }

    #[test]
    fn manifests_deep_in_nested_components_are_removed() {
        let inner = module(&[(MANIFEST_SECTION, OLD)]);
        let mut nested = Component::new();
        nested.section(&ModuleSection(&inner));
        nested.section(&custom(MANIFEST_SECTION, OLD));
        let mut component = Component::new();
        component.section(&NestedComponentSection(&nested));
        let input = component.finish();
        assert_eq!(manifest_sections(&input).unwrap().len(), 2);
        let output = set_manifest(&input, NEW).unwrap();
        validate(&output);
        assert_eq!(manifest_sections(&output).unwrap(), [NEW.to_vec()]);
    }

    #[test]
    fn a_core_module_gets_the_section_too() {
        let input = module(&[(MANIFEST_SECTION, OLD), ("name", b"\0\0")]).finish();
        let output = set_manifest(&input, NEW).unwrap();
        validate(&output);
        assert_eq!(
            top_level_customs(&output),
            [
                ("name".to_owned(), b"\0\0".to_vec()),
                (MANIFEST_SECTION.to_owned(), NEW.to_vec())
            ]
        );
    }

    #[test]
    fn embed_writes_a_valid_manifest_that_reads_back() {
        let manifest = Manifest::new(
            "cluster-operators-js",
            "0.1.0",
            vec!["config.openshift.io/v1/clusteroperators".parse().unwrap()],
        );
        let mut component = Component::new();
        component.section(&ModuleSection(&module(&[(MANIFEST_SECTION, OLD)])));
        let out = embed(&component.finish(), &manifest).unwrap();
        validate(&out);
        let sections = manifest_sections(&out).unwrap();
        assert_eq!(sections.len(), 1);
        assert_eq!(Manifest::from_json(&sections[0]).unwrap(), manifest);

        let mut bad = manifest.clone();
        bad.name = "no spaces allowed".into();
        assert!(matches!(
            embed(&Component::new().finish(), &bad),
            Err(Error::Manifest(ManifestError::Name { .. }))
        ));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            set_manifest(b"not wasm", NEW),
            Err(Error::Wasm(_))
        ));
        let mut truncated = Component::new();
        truncated.section(&ModuleSection(&module(&[])));
        let mut bytes = truncated.finish();
        bytes.truncate(bytes.len() - 3);
        assert!(set_manifest(&bytes, NEW).is_err());
        let valid = Component::new().finish();
        assert!(matches!(
            set_manifest(&valid, b"[1, 2]"),
            Err(Error::NotJson(_))
        ));
        assert!(matches!(
            set_manifest(&valid, b"{nope"),
            Err(Error::NotJson(_))
        ));
        // A component section id that is not a custom section is never mistaken for one.
        assert_eq!(u8::from(ComponentSectionId::CoreCustom), 0);
    }
}
