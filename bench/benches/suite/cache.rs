//! `cache`: the compiled-artifact cache the host uses (`wagather_host::cache`: the component
//! serialized to a file named by its SHA-256, read and deserialized), against wasmtime's
//! built-in compilation cache, which the host used before (a hit hashes the bytes, reads the
//! entry, decompresses and deserializes it). Each loads every example gatherer in an engine of
//! the host's settings, timed in interleaved rounds; and what each keeps on disk.

use std::path::Path;

use wagather_bench::examples;
use wagather_figures::{Group, Unit};
use wagather_host::{Runtime, RuntimeOptions};
use wasmtime::component::Component;

use crate::Context;

/// Bytes of the files under `dir`, wasmtime's statistics files aside.
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

/// An engine with the host's compilation settings and wasmtime's built-in cache in `dir`.
fn builtin_engine(dir: &Path) -> wasmtime::Engine {
    let mut cache = wasmtime::CacheConfig::new();
    cache.with_directory(dir);
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.cache(Some(wasmtime::Cache::new(cache).expect("wasmtime's cache")));
    wasmtime::Engine::new(&config).expect("engine")
}

pub fn run(g: &mut Group<'_>, _ctx: &Context) {
    let host_dir = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(host_dir.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let builtin_dir = tempfile::tempdir().expect("tempdir");
    let builtin = builtin_engine(builtin_dir.path());
    for (name, component) in examples() {
        let bytes = std::fs::read(component).expect("component");
        let before = (
            entry_bytes(host_dir.path()),
            entry_bytes(builtin_dir.path()),
        );
        runtime
            .compile(&bytes)
            .expect("compile into the host's cache");
        Component::new(&builtin, &bytes).expect("compile into the built-in cache");
        let hits = runtime.cache_stats().hits;
        let prefix = format!("cache/{name}");
        g.interleave()
            .op(
                &format!("{prefix}/host"),
                &format!(
                    "{name} from the host's cache: digest of the bytes, the entry read and \
                     deserialized"
                ),
                || runtime.compile(&bytes).expect("cached compile"),
            )
            .op(
                &format!("{prefix}/builtin"),
                &format!(
                    "{name} from wasmtime's built-in cache: digest of the bytes, the entry read, \
                     decompressed and deserialized"
                ),
                || Component::new(&builtin, &bytes).expect("cached compile"),
            )
            .ratio(
                &format!("{prefix}/builtin_over_host"),
                "the built-in cache's time over the host's, per round",
                &format!("{prefix}/builtin"),
                &format!("{prefix}/host"),
            )
            .run();
        assert!(
            runtime.cache_stats().hits > hits,
            "the host's cache was not hit"
        );
        g.value(
            &format!("{prefix}/host/bytes"),
            &format!("{name}: the host's entry on disk (the serialized component)"),
            Unit::Bytes,
            (entry_bytes(host_dir.path()) - before.0) as f64,
        );
        g.value(
            &format!("{prefix}/builtin/bytes"),
            &format!("{name}: the built-in cache's entry on disk (compressed)"),
            Unit::Bytes,
            (entry_bytes(builtin_dir.path()) - before.1) as f64,
        );
    }
}
