//! `work`: the cluster-operators gather's own work, its list response served from memory (no
//! network, no policy): as a guest in an engine like the host's, with epoch interruption, the
//! deadline's mechanism (`wasm`); in one without it (`wasm_no_epoch`, where a guest that loops
//! could not be stopped: what the deadline costs); and natively, the same decoding and records
//! in the host process (`native`). In interleaved rounds.

use std::hint::black_box;
use std::sync::Arc;

use wagather_bench::native;
use wagather_figures::Group;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::Context;

/// The gatherer world, for running a guest without the host.
mod world {
    wasmtime::component::bindgen!({ path: "../wit", world: "gatherer" });
}

use world::wagather::gatherer::{kube, output};

/// A store's state: WASI with nothing granted, one response body, and the records the guest
/// wrote (counted and dropped).
struct Served {
    wasi: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
    body: Arc<Vec<u8>>,
    records: usize,
}

impl wasmtime_wasi::WasiView for Served {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl kube::Host for Served {
    fn http_request(&mut self, _: kube::Request) -> Result<kube::Response, kube::Error> {
        Ok(kube::Response {
            status: 200,
            headers: Vec::new(),
            body: self.body.to_vec(),
        })
    }
}

impl output::Host for Served {
    fn write_record(
        &mut self,
        _: String,
        _: output::RecordFormat,
        data: Vec<u8>,
    ) -> Result<(), output::RecordError> {
        black_box(data);
        self.records += 1;
        Ok(())
    }

    fn report_error(&mut self, error: output::GatherError) {
        panic!("the gatherer reported {error:?}");
    }
}

/// One run of `pre` (instantiation and the `gather` call), its requests answered with
/// `body`; returns the records written.
fn gather(engine: &Engine, pre: &world::GathererPre<Served>, body: &Arc<Vec<u8>>) -> usize {
    let mut store = Store::new(
        engine,
        Served {
            wasi: wasmtime_wasi::WasiCtx::builder().build(),
            table: wasmtime::component::ResourceTable::new(),
            body: body.clone(),
            records: 0,
        },
    );
    store.set_epoch_deadline(u64::MAX / 2);
    let gatherer = pre.instantiate(&mut store).expect("instantiate");
    let output = gatherer.call_gather(&mut store, &[]).expect("gather");
    assert!(output.is_ok(), "{output:?}");
    store.data().records
}

fn prepare(engine: &Engine, bytes: &[u8]) -> world::GathererPre<Served> {
    let component = Component::new(engine, bytes).expect("compile");
    let mut linker: Linker<Served> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("link WASI");
    world::Gatherer::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut linker, |s| s)
        .expect("link the gatherer world");
    world::GathererPre::new(linker.instantiate_pre(&component).expect("pre")).expect("gatherer pre")
}

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    // The list response cluster-operators gets in `gather`: the sample's ClusterOperators, as
    // the snapshot server serves them.
    let path = "/apis/config.openshift.io/v1/clusteroperators?limit=500";
    let list = Arc::new(
        ctx.tokio
            .block_on(native::fetch(&ctx.sample().api, path))
            .expect("list"),
    );
    let operators = native::cluster_operators_from(&list)
        .expect("native records")
        .len();
    let bytes = std::fs::read(&ctx.guests.cluster_operators).expect("component");
    let (epoch, no_epoch) = (
        crate::instantiate::engine(true, true, true),
        crate::instantiate::engine(true, true, false),
    );
    let (pre, pre_no_epoch) = (prepare(&epoch, &bytes), prepare(&no_epoch, &bytes));
    let what = "cluster-operators' own work, its list served from memory (no network, no policy)";
    g.interleave()
        .op(
            "work/wasm",
            &format!(
                "{what}: instantiation and `gather` in an engine like the host's (epoch \
                 interruption, pooling)"
            ),
            || assert_eq!(gather(&epoch, &pre, &list), operators),
        )
        .op(
            "work/wasm_no_epoch",
            &format!(
                "{what}: the guest in an engine without epoch interruption, where a looping \
                 guest could not be stopped"
            ),
            || assert_eq!(gather(&no_epoch, &pre_no_epoch, &list), operators),
        )
        .op(
            "work/native",
            "cluster-operators' own work natively: the same list body decoded (as \
             `kube::Client` does) into the same types, the same records",
            || {
                let records = native::cluster_operators_from(&list).expect("native records");
                assert_eq!(records.len(), operators);
                records
            },
        )
        .ratio(
            "work/ratio",
            "cluster-operators' own work: wasm / native, per round",
            "work/wasm",
            "work/native",
        )
        .ratio(
            "work/epoch_cost",
            "cluster-operators' own work in the guest: with / without epoch interruption (what \
             the deadline costs), per round",
            "work/wasm",
            "work/wasm_no_epoch",
        )
        .run();
}
