//! `roundtrip`: one `kube.http-request` guest -> host -> snapshot server -> guest with a
//! 1 KiB, 100 KiB and 10 MiB body (the bench-echo guest's run with n requests, minus its run
//! with none, per request), against the same GET made natively with the same `kube::Client`,
//! body read whole; in interleaved rounds.

use std::time::{Duration, Instant};

use wagather_bench::{data, native};
use wagather_figures::Group;
use wagather_host::{Limits, LoadedGatherer};

use crate::Context;

/// Limits that never stop a benchmark run; the harness decides how many requests one run
/// makes.
pub fn unlimited() -> Limits {
    Limits {
        deadline: Duration::from_secs(600),
        max_requests: u32::MAX,
        max_total_response_bytes: u64::MAX,
        ..Limits::default()
    }
}

fn run_echo(ctx: &Context, echo: &LoadedGatherer, path: &str, count: u64) -> Duration {
    let config = vec![
        ("mode".to_owned(), "echo".to_owned()),
        ("path".to_owned(), path.to_owned()),
        ("count".to_owned(), count.to_string()),
    ];
    let api = &ctx.echo_server().api;
    let started = Instant::now();
    let (report, _) = ctx.tokio.block_on(wagather_bench::run(
        &ctx.runtime,
        echo,
        api,
        &unlimited(),
        &config,
    ));
    let elapsed = started.elapsed();
    assert_eq!(u64::from(report.metrics.api_calls), count);
    elapsed
}

pub fn run(g: &mut Group<'_>, ctx: &Context) {
    let echo = crate::load(&ctx.runtime, &ctx.guests.echo);
    let api = &ctx.echo_server().api;
    for (size, _) in data::ECHO_SIZES {
        let path = data::echo_path(size);
        let (wasm, native_id) = (
            format!("roundtrip/wasm/{size}"),
            format!("roundtrip/native/{size}"),
        );
        g.interleave()
            .batches(
                &wasm,
                &format!(
                    "one `kube.http-request` of a {size} body, guest -> host -> snapshot server \
                     -> guest (a run with n requests minus a run with none, per request)"
                ),
                |n| {
                    // A run with no requests first: instantiation and the call itself are not
                    // part of a round trip.
                    let fixed = run_echo(ctx, &echo, &path, 0);
                    run_echo(ctx, &echo, &path, n).saturating_sub(fixed)
                },
            )
            .batches(
                &native_id,
                &format!(
                    "the same GET of a {size} body natively, same `kube::Client`, body read whole"
                ),
                |n| {
                    ctx.tokio.block_on(async {
                        let started = Instant::now();
                        for _ in 0..n {
                            std::hint::black_box(native::fetch(api, &path).await.expect("fetch"));
                        }
                        started.elapsed()
                    })
                },
            )
            .ratio(
                &format!("roundtrip/ratio/{size}"),
                &format!("one round trip with a {size} body: wasm / native, per round"),
                &wasm,
                &native_id,
            )
            .run();
    }
}
