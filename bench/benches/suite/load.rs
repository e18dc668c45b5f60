//! `load`: compiling the cluster-operators component with Cranelift (no cache), and
//! `Runtime::load` from the compiled-artifact cache (read, sha256, manifest, the entry mapped
//! and deserialized, world check, InstancePre). `examples`: the same two for every example gatherer.

use std::path::Path;

use wagather_bench::examples;
use wagather_figures::{Group, Reason};
use wagather_host::{Runtime, RuntimeOptions};

use crate::Context;

/// Largest acceptable `Runtime::load` from the cache, in nanoseconds.
const CACHED_BUDGET: f64 = 5e6;

fn uncached() -> Runtime {
    Runtime::new(RuntimeOptions {
        cache_dir: None,
        ..RuntimeOptions::default()
    })
    .expect("runtime")
}

/// Compile cold and load cached `component` as figures `<prefix>/compile_cold` and
/// `<prefix>/cached`.
fn cold_and_cached(
    g: &mut Group<'_>,
    ctx: &Context,
    uncached: &Runtime,
    prefix: &str,
    name: &str,
    component: &Path,
) {
    let bytes = std::fs::read(component).expect("component");
    g.time(
        &format!("{prefix}/compile_cold"),
        &format!("compiling the {name} component with Cranelift, no cache"),
        || uncached.compile(&bytes).expect("compile"),
    );
    // The first load fills the cache; every later one is a hit.
    crate::load(&ctx.runtime, component);
    let hits = ctx.runtime.cache_stats().hits;
    g.time(
        &format!("{prefix}/cached"),
        &format!(
            "`Runtime::load` of {name} from the compiled-artifact cache: read, sha256, manifest, \
             the serialized entry mapped and deserialized, world check, InstancePre"
        ),
        || crate::load(&ctx.runtime, component),
    );
    assert!(
        ctx.runtime.cache_stats().hits > hits,
        "the cached loads missed the cache"
    );
}

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let uncached = uncached();
    cold_and_cached(
        g,
        ctx,
        &uncached,
        "load",
        "cluster-operators",
        &ctx.guests.cluster_operators,
    );
    g.budget(
        "load/cached",
        CACHED_BUDGET,
        Reason::new(
            "The cache lookup alone is measured apart; what is left is reading the component, \
             its manifest and world check.",
            &["cache/cluster-operators/host", "load/compile_cold"],
        ),
    );
}

/// `examples/<name>/{compile_cold,cached,cold_over_cached}` for every example gatherer, its
/// cached load held to the same budget as `load/cached`.
pub fn every_example(g: &mut Group<'_>, ctx: &Context) {
    let uncached = uncached();
    for (name, component) in examples() {
        let prefix = format!("examples/{name}");
        cold_and_cached(g, ctx, &uncached, &prefix, name, Path::new(component));
        g.budget(
            &format!("{prefix}/cached"),
            CACHED_BUDGET,
            Reason::new(
                "Its cold compile and the cache lookup alone are measured apart.",
                &[
                    format!("{prefix}/compile_cold").as_str(),
                    format!("cache/{name}/host").as_str(),
                ],
            ),
        );
        g.ratio_of_medians(
            &format!("{prefix}/cold_over_cached"),
            &format!("{name}: one cold compile in cached loads"),
            &format!("{prefix}/compile_cold"),
            &format!("{prefix}/cached"),
        );
    }
}
