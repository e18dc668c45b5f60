//! `cache`: the compiled-artifact cache the host uses, wasmtime's built-in compilation cache
//! (a hit reads the entry, decompresses it and deserializes it), against what the host did
//! before it: the compiled component serialized to a file, read back and deserialized
//! (`Component::serialize`, then `unsafe Component::deserialize` of the bytes read). Both in
//! the same engine, timed in interleaved rounds, for every example gatherer; and what each
//! keeps on disk.

use std::path::Path;

use wagather_bench::examples;
use wagather_figures::{Group, Unit};
use wagather_host::{Runtime, RuntimeOptions};
use wasmtime::component::Component;

use crate::Context;

/// Bytes of the files under `dir`, wasmtime's statistics files left out.
fn entry_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += entry_bytes(&path);
        } else if path.extension().is_none_or(|e| e != "stats") {
            total += entry.metadata().map_or(0, |m| m.len());
        }
    }
    total
}

pub fn run(g: &mut Group<'_>, _ctx: &Context) {
    // A runtime of its own, so that its cache holds exactly what this group puts there.
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let files = tempfile::tempdir().expect("tempdir");
    for (name, component) in examples() {
        let bytes = std::fs::read(component).expect("component");
        let before = entry_bytes(cache.path());
        let compiled = runtime.compile(&bytes).expect("compile");
        let cwasm = files.path().join(format!("{name}.cwasm"));
        std::fs::write(&cwasm, compiled.serialize().expect("serialize")).expect("write");
        let hits = runtime.cache_stats().hits;
        let prefix = format!("cache/{name}");
        g.interleave()
            .op(
                &format!("{prefix}/builtin"),
                &format!(
                    "{name} from wasmtime's compilation cache: digest of the bytes, entry read, \
                     decompressed and deserialized"
                ),
                || runtime.compile(&bytes).expect("cached compile"),
            )
            .op(
                &format!("{prefix}/serialized"),
                &format!(
                    "{name} serialized to a file by `Component::serialize`, read and deserialized"
                ),
                || deserialize(&runtime, &cwasm),
            )
            .ratio(
                &format!("{prefix}/builtin_over_serialized"),
                "the built-in cache's time over the serialized file's, per round",
                &format!("{prefix}/builtin"),
                &format!("{prefix}/serialized"),
            )
            .run();
        assert!(
            runtime.cache_stats().hits > hits,
            "the built-in cache was not hit"
        );
        g.value(
            &format!("{prefix}/builtin/bytes"),
            &format!("{name}: the built-in cache's entry on disk (compressed)"),
            Unit::Bytes,
            (entry_bytes(cache.path()) - before) as f64,
        );
        g.value(
            &format!("{prefix}/serialized/bytes"),
            &format!("{name}: the serialized file"),
            Unit::Bytes,
            std::fs::metadata(&cwasm).expect("cwasm").len() as f64,
        );
    }
}

fn deserialize(runtime: &Runtime, file: &Path) -> Component {
    let bytes = std::fs::read(file).expect("read cwasm");
    #[allow(
        unsafe_code,
        reason = "the file was serialized by this engine a moment ago, in a private temp dir"
    )]
    // SAFETY: see the reason above.
    let component = unsafe { Component::deserialize(runtime.engine(), &bytes) };
    component.expect("deserialize")
}
