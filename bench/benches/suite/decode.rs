//! `decode`: the generated pod list decoded inside the guest (the bench-echo guest pages through
//! it and times each step with its own clock), against the same pages decoded natively with
//! the same code, typed (k8s-openapi `Pod`) and slim (only what a summary reads). Each round
//! runs the guest, then the native decoding, so the ratios are per round.

use std::time::{Duration, Instant};

use wagather_bench::native;
use wagather_figures::Group;
use wagather_host::Limits;

use crate::{Context, Guests};

pub fn run(g: &mut Group<'_>, ctx: &Context, guests: &Guests, suffix: &str) {
    let echo = crate::load(&ctx.runtime, &guests.echo);
    let api = &ctx.pod_server().api;
    let config = vec![
        ("mode".to_owned(), "decode".to_owned()),
        ("path".to_owned(), "/api/v1/pods".to_owned()),
    ];
    let pages = ctx
        .tokio
        .block_on(native::pod_pages(api))
        .expect("pod pages");
    let rounds = g.settings().samples.min(10);
    let (mut guest, mut typed, mut slim) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (_, records) = ctx.tokio.block_on(wagather_bench::run(
            &ctx.runtime,
            &echo,
            api,
            &Limits::default(),
            &config,
        ));
        let record = records
            .iter()
            .find(|r| r.name == "decode")
            .expect("decode record");
        let timings: test_guest_bench_echo::DecodeTimings =
            serde_json::from_slice(&record.data).expect("decode timings");
        assert_eq!(timings.pods as usize, ctx.pods);
        guest.push(timings);
        // Page by page, as the guest does: each page's objects are dropped after its timing
        // (the guest drops them after its clock stops too), so freeing is outside both.
        let (mut typed_time, mut slim_time, mut count) = (Duration::ZERO, Duration::ZERO, 0);
        for page in &pages {
            let started = Instant::now();
            let decoded = test_guest_bench_echo::decode_typed(page).expect("typed");
            typed_time += started.elapsed();
            let started = Instant::now();
            let decoded_slim = test_guest_bench_echo::decode_slim(page).expect("slim");
            slim_time += started.elapsed();
            count += decoded.items.len();
            drop(std::hint::black_box((decoded, decoded_slim)));
        }
        assert_eq!(count, ctx.pods);
        typed.push(typed_time);
        slim.push(slim_time);
    }
    let guest_clock = |f: fn(&test_guest_bench_echo::DecodeTimings) -> u64| -> Vec<Duration> {
        guest.iter().map(|t| Duration::from_nanos(f(t))).collect()
    };
    let pods = ctx.pods;
    g.durations(
        &format!("decode/request/wasm{suffix}"),
        &format!(
            "{pods} pods: the `kube.http-request` calls as the guest's clock sees them ({} pages)",
            pages.len()
        ),
        &guest_clock(|t| t.request_ns),
    );
    for (kind, what, in_guest, natively) in [
        (
            "typed",
            "into k8s-openapi `Pod`",
            guest_clock(|t| t.typed_ns),
            typed,
        ),
        (
            "slim",
            "into the fields a summary reads",
            guest_clock(|t| t.slim_ns),
            slim,
        ),
    ] {
        let (wasm, native_id) = (
            format!("decode/{kind}/wasm{suffix}"),
            format!("decode/{kind}/native{suffix}"),
        );
        g.durations(
            &wasm,
            &format!("{pods} pods: JSON decoding {what}, inside the guest"),
            &in_guest,
        );
        g.durations(
            &native_id,
            &format!("{pods} pods: the same decoding natively"),
            &natively,
        );
        g.ratio_per_round(
            &format!("decode/{kind}/ratio{suffix}"),
            &format!("decoding {what}: wasm / native, per round"),
            &wasm,
            &native_id,
        );
    }
}
