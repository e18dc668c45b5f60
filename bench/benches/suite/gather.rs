//! `gather`: end to end against loopback snapshot servers, `cluster-operators` (the 31
//! ClusterOperators of the bundled Insights sample) and `pod-inventory` (generated pods), as
//! wasm guests in the host (instantiation, `gather`, record checks) and as their native twins
//! (`wagather_bench::native`, `kube` in the same process), in interleaved rounds. Both must
//! write the same records.

use std::time::Duration;

use wagather_bench::native;
use wagather_figures::{Group, Reason};
use wagather_host::{Limits, LoadedGatherer, Record};

use crate::{Context, Guests};

/// Largest acceptable wasm / native time of the same gather.
const RATIO_BUDGET: f64 = 1.15;

type NativeFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<Vec<wagather_sdk::Record>, wagather_bench::BenchError>,
            > + 'a,
    >,
>;

/// Names and bytes, the part of a record both sides must agree on.
fn comparable(records: &[Record]) -> Vec<(&str, &[u8])> {
    records
        .iter()
        .map(|r| (r.name.as_str(), r.data.as_slice()))
        .collect()
}

fn sdk_comparable(records: &[wagather_sdk::Record]) -> Vec<(&str, &[u8])> {
    records
        .iter()
        .map(|r| (r.name.as_str(), r.data.as_slice()))
        .collect()
}

/// `gather/<name><suffix>/{wasm,native,ratio}` for `guests`; the shipped build (no suffix)
/// is held to the ratio budget.
pub fn run(g: &mut Group<'_>, ctx: &Context, guests: &Guests, suffix: &str) {
    let operators = crate::load(&ctx.runtime, &guests.cluster_operators);
    compare(
        g,
        ctx,
        &operators,
        &ctx.sample().api,
        &format!("cluster-operators{suffix}"),
        "the 31 ClusterOperators of the Insights sample",
        |api| Box::pin(native::cluster_operators(api)),
    );
    let inventory = crate::load(&ctx.runtime, &guests.pod_inventory);
    compare(
        g,
        ctx,
        &inventory,
        &ctx.pod_server().api,
        &format!("pod-inventory{suffix}"),
        &ctx.pods_label(),
        |api| Box::pin(native::pod_inventory(api)),
    );
    if suffix.is_empty() {
        g.budget(
            "gather/cluster-operators/ratio",
            RATIO_BUDGET,
            Reason::new(
                "The gather is one list request, an instantiation and the guest's own work \
                 (decoding the list, writing the records); each is measured apart, the own \
                 work with and without the epoch interruption behind the deadline.",
                &[
                    "roundtrip/ratio/100KiB",
                    "instantiate/host",
                    "work/ratio",
                    "work/epoch_cost",
                ],
            ),
        );
        g.budget(
            "gather/pod-inventory/ratio",
            RATIO_BUDGET,
            Reason::new(
                "Most of this gather is decoding pods; decoding them in the guest and \
                 natively is measured apart, typed and into the few fields the summary reads.",
                &[
                    "decode/typed/ratio",
                    "decode/slim/ratio",
                    "decode/request/wasm",
                    "work/epoch_cost",
                ],
            ),
        );
    }
}

fn compare(
    g: &mut Group<'_>,
    ctx: &Context,
    gatherer: &LoadedGatherer,
    api: &kube::Client,
    name: &str,
    input: &str,
    native_twin: impl for<'a> Fn(&'a kube::Client) -> NativeFuture<'a>,
) {
    let limits = Limits {
        deadline: Duration::from_secs(600),
        ..Limits::default()
    };
    let wasm_run = || {
        ctx.tokio
            .block_on(wagather_bench::run(
                &ctx.runtime,
                gatherer,
                api,
                &limits,
                &[],
            ))
            .1
    };
    let native_run = || {
        ctx.tokio
            .block_on(native_twin(api))
            .unwrap_or_else(|e| panic!("{name} (native) failed: {e}"))
    };
    // Both must do the same work.
    let (wasm_records, native_records) = (wasm_run(), native_run());
    assert!(!wasm_records.is_empty(), "{name} wrote no records");
    assert!(
        comparable(&wasm_records) == sdk_comparable(&native_records),
        "{name}: the wasm and native gatherers wrote different records"
    );
    let (wasm, native) = (
        format!("gather/{name}/wasm"),
        format!("gather/{name}/native"),
    );
    g.interleave()
        .op(
            &wasm,
            &format!(
                "{name} as a wasm guest in the host, {input} (instantiation, gather, record checks)"
            ),
            wasm_run,
        )
        .op(
            &native,
            &format!("{name}'s native twin with `kube` in the same process, the same records"),
            native_run,
        )
        .ratio(
            &format!("gather/{name}/ratio"),
            &format!("{name}: wasm / native time, per round"),
            &wasm,
            &native,
        )
        .run();
}
