//! The wasmtime side: one engine per process, loading (manifest check,
//! compile or cached load, world check) and running one gatherer in its own
//! store under its limits.

use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap,
    UpdateDeadline,
};
use wasmtime_wasi::WasiCtxBuilder;

use crate::host::bindings::{self, GatherOutput, GathererPre, RecordFormat as WitFormat};
use crate::host::{HostState, Note};
use crate::limits::{self, Limits};
use crate::logs::GuestOutput;
use crate::manifest::{self, Manifest, ManifestError};
use crate::policy::{GatherPolicy, HostPolicy};
use crate::records::{self, Record, RecordFormat};

/// How often the engine's epoch advances. At every tick a running guest
/// yields its tokio worker and the host compares the clock with the run's
/// deadline, so this is both the time slice of a busy guest and the
/// deadline's resolution. Short, because every task queued behind busy
/// guests on a worker waits a slice per guest, and an API request takes
/// several such tasks; a yield costs a few microseconds.
const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Time the epoch trap gets to fire before the run is abandoned from outside.
/// The outer timeout catches guests blocked in a host call that does not
/// return (e.g. a WASI sleep), where epoch checks cannot run.
const DEADLINE_GRACE: Duration = Duration::from_millis(250);

/// Settings of a [`Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeOptions {
    /// Where compiled components are cached; `None` compiles every time.
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
    fn admits(&self, limits: &Limits) -> Result<(), String> {
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
}

/// Why a gatherer component could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("cannot load gatherer {}", path.display())]
pub struct LoadError {
    /// The component file.
    pub path: PathBuf,
    /// What went wrong.
    #[source]
    pub kind: LoadErrorKind,
}

/// The ways loading a gatherer fails.
#[derive(Debug, thiserror::Error)]
pub enum LoadErrorKind {
    /// The file could not be read.
    #[error("could not read the file")]
    Read(#[source] std::io::Error),
    /// The manifest is missing or unusable.
    #[error(transparent)]
    Manifest(ManifestError),
    /// wasmtime could not compile the component.
    #[error("not a valid WebAssembly component")]
    Compile(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The component's imports or exports are not the `gatherer` world.
    #[error("the component does not implement world `wagather:gatherer/gatherer@0.1.0`")]
    World(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A compiled gatherer, ready to be instantiated any number of times.
#[derive(Clone)]
pub struct LoadedGatherer {
    /// The component file it came from.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// `sha256:<hex>` of the component bytes.
    pub digest: String,
    /// Size of the component in bytes.
    pub size: usize,
    pub(crate) pre: GathererPre<HostState>,
}

impl std::fmt::Debug for LoadedGatherer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedGatherer")
            .field("path", &self.path)
            .field("manifest", &self.manifest)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

/// What one gatherer run produced.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// Records that passed the host's checks, in the order the guest returned them.
    pub records: Vec<Record>,
    /// The guest's own errors (at most 100, without the SDK's restatements of
    /// denials the host notes itself), then what the host refused or why the
    /// run stopped.
    pub errors: Vec<String>,
    /// Set when the guest trapped for a reason other than a host limit.
    pub panic: Option<String>,
    /// Wall-clock time of the run, instantiation included.
    pub duration: Duration,
    /// API requests that reached the API server.
    pub api_calls: u32,
    /// Requests the policy refused.
    pub denied_requests: u32,
    /// Response body bytes handed to the guest.
    pub response_bytes: u64,
}

impl RunOutcome {
    /// The outcome of a run that never started.
    fn refused(reason: String) -> Self {
        Self {
            records: Vec::new(),
            errors: vec![reason],
            panic: None,
            duration: Duration::ZERO,
            api_calls: 0,
            denied_requests: 0,
            response_bytes: 0,
        }
    }
}

/// The engine, the linker and the deadline ticker: one per process.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    linker: Linker<HostState>,
    cache_dir: Option<PathBuf>,
    /// The instance pool, and one permit per slot so that runs wait for a
    /// slot instead of failing to instantiate.
    pool: Option<(PoolOptions, Arc<Semaphore>)>,
    engine_hash: String,
    started: Instant,
    /// Held for its `Drop`, which stops the thread.
    _ticker: Ticker,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("cache_dir", &self.inner.cache_dir)
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
    /// (nothing granted) and the `kube` import, and starts the deadline ticker.
    pub fn new(options: RuntimeOptions) -> Result<Runtime, RuntimeError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        if let Some(pool) = &options.pool {
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.config()));
        }
        let engine = Engine::new(&config).map_err(engine_error)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        bindings::Gatherer::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(engine_error)?;

        let engine_hash = {
            let mut hasher = Sha256Hasher(Sha256::new());
            std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
            hex::encode(&hasher.0.finalize()[..16])
        };

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
                cache_dir: options.cache_dir,
                pool: options.pool.map(|pool| {
                    let slots = Arc::new(Semaphore::new(pool.max_instances.max(1) as usize));
                    (pool, slots)
                }),
                engine_hash,
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

    /// Reads, checks and compiles (or loads from the cache) a gatherer component.
    pub fn load(&self, path: &Path) -> Result<LoadedGatherer, LoadError> {
        let bytes = std::fs::read(path).map_err(|e| LoadError {
            path: path.to_owned(),
            kind: LoadErrorKind::Read(e),
        })?;
        self.load_bytes(path, &bytes)
    }

    /// Like [`Runtime::load`] for bytes already in memory; `path` names them in errors.
    pub fn load_bytes(&self, path: &Path, bytes: &[u8]) -> Result<LoadedGatherer, LoadError> {
        let fail = |kind| LoadError {
            path: path.to_owned(),
            kind,
        };
        // The manifest is checked first: a component without one is never compiled.
        let manifest =
            manifest::read_manifest(bytes).map_err(|e| fail(LoadErrorKind::Manifest(e)))?;
        let digest = hex::encode(Sha256::digest(bytes));
        let component = self
            .compile_cached(&digest, bytes)
            .map_err(|e| fail(LoadErrorKind::Compile(e.into())))?;
        let instance_pre = self
            .inner
            .linker
            .instantiate_pre(&component)
            .map_err(|e| fail(LoadErrorKind::World(e.into())))?;
        let pre =
            GathererPre::new(instance_pre).map_err(|e| fail(LoadErrorKind::World(e.into())))?;
        Ok(LoadedGatherer {
            path: path.to_owned(),
            manifest,
            digest: format!("sha256:{digest}"),
            size: bytes.len(),
            pre,
        })
    }

    /// Compiles without the cache (for benchmarks).
    pub fn compile_uncached(&self, bytes: &[u8]) -> wasmtime::Result<Component> {
        Component::new(&self.inner.engine, bytes)
    }

    fn cache_path(&self, digest: &str) -> Option<PathBuf> {
        let dir = self.inner.cache_dir.as_ref()?;
        Some(dir.join(format!("{digest}-{}.cwasm", self.inner.engine_hash)))
    }

    fn compile_cached(&self, digest: &str, bytes: &[u8]) -> wasmtime::Result<Component> {
        let engine = &self.inner.engine;
        let Some(cached) = self.cache_path(digest) else {
            return Component::new(engine, bytes);
        };
        // The file is read into memory rather than mapped (`deserialize_file`):
        // a mapped file that something else truncates later would crash the
        // whole host with SIGBUS the next time the code is touched.
        match std::fs::read(&cached) {
            Ok(compiled) => {
                #[allow(
                    unsafe_code,
                    reason = "deserialize trusts its input to be wasmtime's own compiled output. The bytes \
                              come from a file this host wrote with Component::serialize into its own cache \
                              directory, under a name made of the sha256 of the component it was compiled \
                              from and the hash of this engine's compilation settings; wasmtime additionally \
                              checks the header, version and engine settings before using it. Whoever can \
                              replace files in the cache directory can already replace the host binary."
                )]
                // SAFETY: see the `reason` above.
                let loaded = unsafe { Component::deserialize(engine, &compiled) };
                match loaded {
                    Ok(component) => return Ok(component),
                    Err(e) => tracing::warn!(
                        path = %cached.display(),
                        "ignoring unusable cached component, compiling again: {e:#}"
                    ),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %cached.display(), "could not read cached component: {e}")
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = write_cache(&cached, &component) {
            tracing::warn!(path = %cached.display(), "could not cache the compiled component: {e}");
        }
        Ok(component)
    }

    /// Waits for a free instance slot when the runtime pools instances,
    /// after checking that `limits` fit the pool. The slot is held until the
    /// returned permit is dropped.
    async fn pool_slot(
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

    /// A fresh store for one run of `gatherer` started at `started`: WASI
    /// with nothing granted and the guest's output captured, the host state
    /// with its policy and deadline, the limiter and the epoch checkpoints.
    fn store(
        &self,
        gatherer: &LoadedGatherer,
        api: &kube::Client,
        limits: &Limits,
        host_policy: &HostPolicy,
        started: Instant,
    ) -> Store<HostState> {
        let name = gatherer.manifest.name.as_str();
        let (stdout, stderr) = GuestOutput::pair(name, limits.max_log_bytes);
        // Nothing is granted: no preopened directories, no environment, no
        // arguments, no sockets or name lookups. Clocks and random stay.
        let wasi = WasiCtxBuilder::new()
            .stdout(stdout)
            .stderr(stderr)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let state = HostState::new(
            name,
            wasi,
            limits,
            api.clone(),
            GatherPolicy::new(name, &gatherer.manifest.reads, host_policy),
            started + limits.deadline,
        );
        let mut store = Store::new(&self.inner.engine, state);
        store.limiter(|state| &mut state.limiter);
        arm_deadline(&mut store);
        store
    }

    /// Runs one gatherer once, in a fresh store, under `limits`. Never fails:
    /// whatever the guest does ends up in the outcome's errors.
    pub async fn run(
        &self,
        gatherer: &LoadedGatherer,
        api: &kube::Client,
        limits: &Limits,
        host_policy: &HostPolicy,
        config: &[(String, String)],
    ) -> RunOutcome {
        let name = gatherer.manifest.name.as_str();
        let _slot = match self.pool_slot(limits).await {
            Ok(slot) => slot,
            Err(reason) => {
                tracing::warn!(gatherer = name, "gatherer not run: {reason}");
                return RunOutcome::refused(reason);
            }
        };
        let started = Instant::now();
        let mut store = self.store(gatherer, api, limits, host_policy, started);

        let call = async {
            let instance = gatherer.pre.instantiate_async(&mut store).await?;
            instance.call_gather(&mut store, config).await
        };
        let result = tokio::time::timeout(limits.deadline + DEADLINE_GRACE, call).await;

        let mut errors = Vec::new();
        let mut panic = None;
        let mut records = Vec::new();
        match result {
            Ok(Ok(output)) => {
                let GatherOutput {
                    records: raw,
                    errors: guest_errors,
                } = output;
                errors = guest_errors_to_keep(guest_errors, store.data());
                // Converted one by one while checked: past the record limit
                // the rest is only counted, never converted.
                let checked = records::check_output(raw.into_iter().map(record_from_wit), limits);
                records = checked.records;
                errors.extend(checked.errors);
            }
            Ok(Err(error)) => {
                let (cause, trapped) = describe_failure(&error, store.data().limiter.hit(), limits);
                tracing::warn!(gatherer = name, "gatherer stopped: {cause}");
                if trapped {
                    panic = Some(cause.clone());
                }
                errors.push(cause);
            }
            Err(_elapsed) => {
                let cause = deadline_message(limits);
                tracing::warn!(gatherer = name, "gatherer stopped: {cause}");
                errors.push(cause);
            }
        }
        let state = store.data_mut();
        errors.extend(state.notes.iter().map(Note::render));
        if state.notes_dropped > 0 {
            errors.push(format!(
                "{} more refused requests not listed",
                state.notes_dropped
            ));
        }
        RunOutcome {
            records,
            errors,
            panic,
            duration: started.elapsed(),
            api_calls: state.api_calls,
            denied_requests: state.denied,
            response_bytes: state.meter.response_bytes(),
        }
    }

    /// Instantiates a gatherer without calling it (for benchmarks and
    /// test-instantiating a new version before it replaces the old one).
    pub async fn instantiate(
        &self,
        gatherer: &LoadedGatherer,
        api: &kube::Client,
    ) -> wasmtime::Result<()> {
        let limits = Limits::default();
        let _slot = self
            .pool_slot(&limits)
            .await
            .map_err(wasmtime::Error::msg)?;
        let mut store = self.store(
            gatherer,
            api,
            &limits,
            &HostPolicy::default(),
            Instant::now(),
        );
        gatherer.pre.instantiate_async(&mut store).await?;
        Ok(())
    }
}

/// Makes every epoch tick a checkpoint of the running guest: past the run's
/// deadline it traps, otherwise it yields to the tokio scheduler and carries
/// on at the next tick.
///
/// Yielding is what keeps a spinning guest from holding its worker thread
/// for the whole deadline: wasm runs on the worker that polls the run, so
/// without it a few spinners would stall every other task of the process
/// (other gatherers' HTTP, an in-process snapshot server). The deadline is
/// the wall clock against `HostState::deadline`, not a count of ticks, so a
/// ticker thread that falls behind on a loaded machine cannot stretch it.
fn arm_deadline(store: &mut Store<HostState>) {
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|context| {
        if Instant::now() >= context.data().deadline {
            return Ok(UpdateDeadline::Interrupt);
        }
        Ok(UpdateDeadline::YieldCustom(
            1,
            Box::pin(tokio::task::yield_now()),
        ))
    });
}

fn deadline_message(limits: &Limits) -> String {
    format!(
        "deadline of {} exceeded",
        humantime::format_duration(limits.deadline)
    )
}

/// Says why a run failed, and whether it was a trap of the guest's own
/// making (as opposed to a host limit).
fn describe_failure(
    error: &wasmtime::Error,
    limit_hit: Option<String>,
    limits: &Limits,
) -> (String, bool) {
    // A memory or table limit makes the guest's allocation fail, which a Rust
    // guest turns into an abort trap: the limiter knows the real cause.
    if let Some(hit) = limit_hit {
        return (hit, false);
    }
    if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return (deadline_message(limits), false);
    }
    let trapped = error.downcast_ref::<Trap>().is_some();
    let message = format!("{error:#}").replace('\n', " ");
    (format!("gatherer failed: {message}"), trapped)
}

/// Most errors kept from the guest's own list; the rest are counted in one
/// message so that a guest cannot flood the run's report.
const MAX_GUEST_ERRORS: usize = 100;

/// The guest's own errors as the report lists them: at most
/// [`MAX_GUEST_ERRORS`], and without the SDK's word-for-word rendering of a
/// request denial the host reports itself. The host's note is what stays, as
/// a guest's message may say anything; listing both would show the same
/// denial twice.
fn guest_errors_to_keep(guest_errors: Vec<String>, state: &HostState) -> Vec<String> {
    let total = guest_errors.len();
    let mut kept: Vec<String> = guest_errors
        .into_iter()
        .take(MAX_GUEST_ERRORS)
        .filter(|e| !state.repeats_a_denial(e))
        .collect();
    if total > MAX_GUEST_ERRORS {
        kept.push(format!(
            "{} more errors of the gatherer not listed",
            total - MAX_GUEST_ERRORS
        ));
    }
    kept
}

fn record_from_wit(record: bindings::GatherRecord) -> Record {
    let format = match record.format {
        WitFormat::Json => RecordFormat::Json,
        WitFormat::Raw => RecordFormat::Raw,
    };
    Record {
        name: record.name,
        format,
        data: record.data,
    }
}

/// Writes a compiled component next to its final name and renames it into
/// place, so a concurrent reader never sees a half-written file.
fn write_cache(
    path: &Path,
    component: &Component,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let dir = path.parent().ok_or("cache path has no directory")?;
    std::fs::create_dir_all(dir)?;
    let bytes = component.serialize()?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, &bytes)?;
    file.persist(path)?;
    Ok(())
}

/// Feeds `Hash` output into SHA-256, for a hash that is stable across
/// processes and Rust versions (unlike `DefaultHasher`).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_message_is_readable() {
        let limits = Limits {
            deadline: Duration::from_secs(2),
            ..Limits::default()
        };
        assert_eq!(deadline_message(&limits), "deadline of 2s exceeded");
    }

    /// A run's state after one noted denial of `GET /api/v1/nodes`.
    async fn state_with_a_denial() -> HostState {
        // Nothing listens there; no request is made.
        let api = crate::cluster::ApiEndpoint::Server("http://127.0.0.1:9".into())
            .client()
            .await
            .expect("client");
        let mut state = HostState::new(
            "test",
            WasiCtxBuilder::new().build(),
            &Limits::default(),
            api,
            GatherPolicy::new("test", &[], &HostPolicy::default()),
            Instant::now(),
        );
        state.notes.push(Note {
            text:
                "request denied: GET /api/v1/nodes: core/v1 nodes is not in this gatherer's reads"
                    .into(),
            times: 1,
            denial: Some((
                "/api/v1/nodes".into(),
                "core/v1 nodes is not in this gatherer's reads".into(),
            )),
        });
        state
    }

    #[tokio::test]
    async fn guest_errors_drop_only_the_sdk_restatement_of_a_denial() {
        let state = state_with_a_denial().await;
        let kept = guest_errors_to_keep(
            vec![
                "/api/v1/nodes: denied by the host: core/v1 nodes is not in this gatherer's reads"
                    .into(),
                "listing nodes: /api/v1/nodes: denied by the host: core/v1 nodes is not in this gatherer's reads"
                    .into(),
                "something else went wrong".into(),
            ],
            &state,
        );
        assert_eq!(
            kept,
            [
                "listing nodes: /api/v1/nodes: denied by the host: core/v1 nodes is not in this gatherer's reads",
                "something else went wrong",
            ]
        );
    }

    #[tokio::test]
    async fn guest_errors_are_capped_with_a_count() {
        let state = state_with_a_denial().await;
        let flood: Vec<String> = (0..MAX_GUEST_ERRORS + 250)
            .map(|i| format!("e{i}"))
            .collect();
        let kept = guest_errors_to_keep(flood, &state);
        assert_eq!(kept.len(), MAX_GUEST_ERRORS + 1);
        assert_eq!(kept[0], "e0");
        assert_eq!(
            kept[MAX_GUEST_ERRORS - 1],
            format!("e{}", MAX_GUEST_ERRORS - 1)
        );
        assert_eq!(
            kept[MAX_GUEST_ERRORS],
            "250 more errors of the gatherer not listed"
        );
    }
}
