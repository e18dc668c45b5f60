//! `instantiate`: one instantiation through the host's `InstancePre` (`Runtime::instantiate`:
//! store, WASI context, limiter, policy, instantiation; pooling allocator), and instantiation
//! alone (imports stubbed) in engines with the on-demand or the pooling instance allocator,
//! with and without copy-on-write memory images.

use std::path::Path;

use wagather_figures::{Group, Reason};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use crate::Context;

/// Largest acceptable `Runtime::instantiate`, in nanoseconds.
const HOST_BUDGET: f64 = 50e3;

/// An engine like the host's (component model, epoch interruption) with the allocator, the
/// memory-image setting and epoch interruption as given.
pub fn engine(pooling: bool, cow: bool, epoch: bool) -> Engine {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(epoch);
    config.memory_init_cow(cow);
    if pooling {
        // Sized for a host running a handful of gatherers at once, with the host's default
        // memory limit per gatherer.
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(16)
            .total_core_instances(16 * 8)
            .total_memories(16 * 4)
            .total_tables(16 * 8)
            .total_stacks(16)
            .max_memory_size(256 << 20);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).expect("engine")
}

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let gatherer = crate::load(&ctx.runtime, &ctx.guests.cluster_operators);
    let api = &ctx.sample().api;
    g.time(
        "instantiate/host",
        "`Runtime::instantiate` of cluster-operators: store, WASI context, limiter, policy and \
         instantiation through the host's InstancePre (pooling allocator, copy-on-write images)",
        || {
            ctx.tokio
                .block_on(ctx.runtime.instantiate(&gatherer, api))
                .expect("instantiate")
        },
    )
    .budget(
        HOST_BUDGET,
        Reason::new(
            "Instantiation alone, per allocator and memory-image setting, is measured apart; \
             the rest is the store, WASI context, limiter and policy of each run.",
            &["instantiate/pooling_cow", "instantiate/ondemand_cow"],
        ),
    );
    let bytes = std::fs::read(&ctx.guests.cluster_operators).expect("component");
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, what, pooling, cow) in [
        (
            "ondemand_cow",
            "on-demand allocator, copy-on-write memory images (wasmtime's default)",
            false,
            true,
        ),
        (
            "ondemand_nocow",
            "on-demand allocator, memory images copied",
            false,
            false,
        ),
        (
            "pooling_cow",
            "pooling allocator, copy-on-write memory images",
            true,
            true,
        ),
        (
            "pooling_nocow",
            "pooling allocator, memory images copied",
            true,
            false,
        ),
    ] {
        let engine = engine(pooling, cow, true);
        let pre = instance_pre(&engine, &bytes, &dir.path().join(format!("{name}.cwasm")));
        g.time(
            &format!("instantiate/{name}"),
            &format!("instantiation of cluster-operators alone (imports stubbed): {what}"),
            || {
                let mut store = Store::new(&engine, ());
                store.set_epoch_deadline(u64::MAX / 2);
                pre.instantiate(&mut store).expect("instantiate")
            },
        );
    }
}

/// An InstancePre of `bytes` in `engine`, deserialized from a file as a cache would load it
/// (so that memory images can be mapped copy-on-write), its imports stubbed.
fn instance_pre(
    engine: &Engine,
    bytes: &[u8],
    file: &Path,
) -> wasmtime::component::InstancePre<()> {
    let compiled = Component::new(engine, bytes).expect("compile");
    std::fs::write(file, compiled.serialize().expect("serialize")).expect("write cwasm");
    #[allow(
        unsafe_code,
        reason = "the file was serialized by this engine a moment ago, in a private temp dir"
    )]
    // SAFETY: see the reason above.
    let component = unsafe { Component::deserialize_file(engine, file) }.expect("deserialize");
    let mut linker: Linker<()> = Linker::new(engine);
    linker
        .define_unknown_imports_as_traps(&component)
        .expect("stub imports");
    linker.instantiate_pre(&component).expect("instantiate_pre")
}
