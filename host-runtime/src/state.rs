//! What one gatherer run owns, kept in its wasmtime `Store`: the WASI context (nothing
//! granted), the limits being spent, the policy, where its records go, and its event log.
//! The `kube` import ([`crate::kube_import`]) and the `output` import ([`crate::output`]) are
//! implemented on it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::limits::{GuestLimiter, Limits, Meter};
use crate::output::archive::Spool;
use crate::output::records::{Claims, Record, RecordBudget};
use crate::policy::GatherPolicy;
use crate::report::EventLog;

/// Bindings of the `gatherer` world (`wit/gatherer.wit`).
pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "gatherer",
        // The imports await the API server and the archive writer; the export is called
        // with `call_async` so the guest runs on a fiber that can yield.
        imports: { default: async },
        exports: { default: async },
    });
}

/// Where a run's records go.
#[derive(Debug)]
pub(crate) enum Sink {
    /// Into the run's spool of the period's archive.
    Archive(Spool),
    /// Kept in memory for the caller (benchmarks, tools), under the same path rules.
    Collect {
        claims: Claims,
        records: Vec<Record>,
    },
}

/// Everything one gatherer run owns.
pub(crate) struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: GuestLimiter,
    pub(crate) api: kube::Client,
    pub(crate) policy: GatherPolicy,
    pub(crate) meter: Meter,
    pub(crate) records: RecordBudget,
    pub(crate) sink: Sink,
    /// When the run's wall-clock deadline passes.
    pub(crate) deadline: Instant,
    /// The name the run is reported under.
    pub(crate) name: Arc<str>,
    /// Requests the policy refused.
    pub(crate) denied: u32,
    /// Requests sent to the API server.
    pub(crate) api_calls: u32,
    pub(crate) events: EventLog,
}

impl HostState {
    /// A fresh state for one run named `name`.
    pub(crate) fn new(
        name: &str,
        wasi: WasiCtx,
        limits: &Limits,
        api: kube::Client,
        policy: GatherPolicy,
        sink: Sink,
        deadline: Instant,
    ) -> Self {
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: GuestLimiter::new(limits),
            api,
            policy,
            meter: Meter::new(limits),
            records: RecordBudget::new(limits),
            sink,
            deadline,
            name: Arc::from(name),
            denied: 0,
            api_calls: 0,
            events: EventLog::default(),
        }
    }

    /// What is left of the run's deadline.
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
