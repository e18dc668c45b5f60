//! The engine: one wasmtime `Engine` and `Linker` per process, the instance pool, the
//! compiled-artifact cache and the epoch ticker that enforces deadlines.
//!
//! [`Runtime`] is the handle embedders keep; loading ([`crate::load`]) and running
//! ([`crate::run`]) are its other methods.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::cache::{ArtifactCache, CacheError, CacheStats};
use crate::limits::{self, Limits};
use crate::state::{HostState, bindings};

/// How often the engine's epoch advances. At every tick a running guest
/// yields its tokio worker and the host compares the clock with the run's
/// deadline, so this is both the time slice of a busy guest and the
/// deadline's resolution. Short, because every task queued behind busy
/// guests on a worker waits a slice per guest, and an API request takes
/// several such tasks; a yield costs a few microseconds.
const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Settings of a [`Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeOptions {
    /// Where compiled components are cached (see [`crate::cache`]); `None` compiles every
    /// time.
    pub cache_dir: Option<PathBuf>,
    /// The pooling instance allocator's settings; `None` allocates every
    /// instance on demand (a fresh mapping per run).
    pub pool: Option<PoolOptions>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            cache_dir: None,
            pool: Some(PoolOptions::default()),
        }
    }
}

/// The pooling instance allocator: instance, memory and table slots are
/// reserved once when the runtime starts and reused run after run.
///
/// It is the default because a run in a reused slot does not map, fault in
/// and unmap its linear memory again: the memory a gatherer touched (up to
/// `keep_resident_bytes`) stays resident and is zeroed in place, which is
/// most of the difference between a wasm gatherer and the same code compiled
/// into the host (see BENCHMARKS.md, `gather/*`). The slots are address
/// space, not memory: a memory slot reserves 4 GiB plus guard pages.
///
/// The pool bounds what a gatherer's [`Limits`] can allow: a run whose limits
/// exceed the pool's ceilings (`MAX_MEMORIES` memories, `max_tables`,
/// `max_table_elements`, `max_instances` core instances) is refused before it
/// starts, with a message naming the limit. Runs beyond `max_instances` at
/// once wait for a slot; the wait does not count toward their deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    /// Gatherer instances alive at once.
    pub max_instances: u32,
    /// Most core instances one gatherer may create ([`Limits::max_instances`]).
    pub max_core_instances: u32,
    /// Most tables one gatherer may create ([`Limits::max_tables`]).
    pub max_tables: u32,
    /// Most elements of one table ([`Limits::max_table_elements`]).
    pub max_table_elements: usize,
    /// Linear memory a reused slot keeps resident (zeroed in place rather than
    /// returned to the kernel). A finished run's slot holds up to this much
    /// of what it touched until the next run reuses it.
    pub keep_resident_bytes: usize,
}

impl Default for PoolOptions {
    /// Room for the default [`Limits`] and eight times the default gather
    /// parallelism. A slot keeps up to the default memory limit resident: a
    /// 10,000-pod gather touches about 150 MiB, and faulting that in again
    /// every run cost it about 15% of its time (BENCHMARKS.md). The memory is
    /// what the process needed at its peak anyway; lower it to hand memory
    /// back to the kernel between periods.
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            max_instances: 32,
            max_core_instances: limits.max_instances as u32,
            max_tables: limits.max_tables as u32,
            max_table_elements: limits.max_table_elements,
            keep_resident_bytes: limits.memory_bytes,
        }
    }
}

impl PoolOptions {
    /// The wasmtime pooling configuration for these options.
    fn config(&self) -> PoolingAllocationConfig {
        // A Rust component has one or two memories and a few core instances
        // and tables; the totals are sized for that, the per-component
        // ceilings for the limits.
        let instances = self.max_instances.max(1);
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(instances)
            .total_stacks(instances)
            .total_core_instances(instances * 8)
            .max_core_instances_per_component(self.max_core_instances)
            .total_memories(instances * 2)
            .max_memories_per_component(limits::MAX_MEMORIES as u32)
            .max_memory_size(WASM32_MAX_MEMORY)
            .total_tables(instances * 8)
            .max_tables_per_component(self.max_tables)
            .table_elements(self.max_table_elements)
            .linear_memory_keep_resident(self.keep_resident_bytes)
            // Zero only the pages a run dirtied, where the kernel can tell.
            .pagemap_scan(Enabled::Auto);
        pool
    }

    /// Whether a run with `limits` fits the pool; the message names the
    /// first limit that does not.
    pub(crate) fn admits(&self, limits: &Limits) -> Result<(), String> {
        let checks = [
            (
                "max_instances",
                limits.max_instances,
                self.max_core_instances as usize,
            ),
            ("max_tables", limits.max_tables, self.max_tables as usize),
            (
                "max_table_elements",
                limits.max_table_elements,
                self.max_table_elements,
            ),
        ];
        for (name, wanted, ceiling) in checks {
            if wanted > ceiling {
                return Err(format!(
                    "limit {name} = {wanted} exceeds the runtime's instance pool, which \
                     allows at most {ceiling}; lower the limit or raise the pool's ceiling"
                ));
            }
        }
        Ok(())
    }
}

/// The largest linear memory a 32-bit wasm guest can address; per-gatherer
/// memory is capped lower by [`Limits::memory_bytes`].
const WASM32_MAX_MEMORY: usize = 1 << 32;

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// wasmtime refused the engine configuration or the linker setup.
    #[error("could not set up the WebAssembly engine")]
    Engine(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The epoch thread that enforces deadlines could not start.
    #[error("could not start the deadline thread")]
    Ticker(#[source] std::io::Error),
    /// The compilation cache could not be set up.
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// The engine, the linker and the deadline ticker: one per process.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) cache: Option<ArtifactCache>,
    /// The instance pool, and one permit per slot so that runs wait for a
    /// slot instead of failing to instantiate.
    pool: Option<(PoolOptions, Arc<Semaphore>)>,
    started: Instant,
    /// Held for its `Drop`, which stops the thread.
    _ticker: Ticker,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field(
                "cache",
                &self.inner.cache.as_ref().map(ArtifactCache::directory),
            )
            .finish_non_exhaustive()
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // The thread only sleeps and increments a counter; it cannot panic.
            let _ = thread.join();
        }
    }
}

fn engine_error(e: wasmtime::Error) -> RuntimeError {
    RuntimeError::Engine(e.into())
}

impl Runtime {
    /// Creates the engine (component model, epoch interruption), links WASI
    /// (nothing granted) and the `kube` and `output` imports, opens the
    /// compilation cache and starts the deadline ticker.
    pub fn new(options: RuntimeOptions) -> Result<Runtime, RuntimeError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        if let Some(pool) = &options.pool {
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.config()));
        }
        let engine = Engine::new(&config).map_err(engine_error)?;
        let cache = options
            .cache_dir
            .as_deref()
            .map(|dir| ArtifactCache::open(dir, &engine))
            .transpose()?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        bindings::Gatherer::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(engine_error)?;

        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let engine = engine.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("wagather-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(RuntimeError::Ticker)?
        };

        Ok(Runtime {
            inner: Arc::new(Inner {
                engine,
                linker,
                cache,
                pool: options.pool.map(|pool| {
                    let slots = Arc::new(Semaphore::new(pool.max_instances.max(1) as usize));
                    (pool, slots)
                }),
                started: Instant::now(),
                _ticker: Ticker {
                    stop,
                    thread: Some(thread),
                },
            }),
        })
    }

    /// The wasmtime engine (for embedders that want to inspect components).
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// How long this runtime has existed.
    pub fn uptime(&self) -> Duration {
        self.inner.started.elapsed()
    }

    /// Hits and misses of the compilation cache; zero without one.
    pub fn cache_stats(&self) -> CacheStats {
        self.inner
            .cache
            .as_ref()
            .map(ArtifactCache::stats)
            .unwrap_or_default()
    }

    /// Waits for a free instance slot when the runtime pools instances,
    /// after checking that `limits` fit the pool. The slot is held until the
    /// returned permit is dropped.
    pub(crate) async fn pool_slot(
        &self,
        limits: &Limits,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, String> {
        let Some((pool, slots)) = &self.inner.pool else {
            return Ok(None);
        };
        pool.admits(limits)?;
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = slots.clone().acquire_owned().await;
        Ok(permit.ok())
    }
}
