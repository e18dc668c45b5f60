//! `cargo xtask bench [--quick]`: every benchmark of the workspace, and BENCHMARKS.md.
//!
//! Full mode runs each bench target of the workspace on its own (`cargo bench -p <crate> --bench
//! <name>`), so that each figure is reported with the command that produced it, then rewrites
//! `BENCHMARKS.md` from what they measured:
//! - criterion benchmarks: `<target>/criterion/**/new/{benchmark,estimates}.json` written
//!   during this run (median and median absolute deviation);
//! - the `wagather-bench` suite: `<target>/wagather-bench/suite.json`;
//! - other bench binaries (the snapshot server's): their output, verbatim.
//!
//! The crates' own benchmark notes (`*/BENCHMARKS*.md`: context, and figures measured outside
//! cargo bench such as build times) are appended to BENCHMARKS.md as they are.
//!
//! `WAGATHER_BENCH_ONLY=<package>[,<package>...]` limits a full run to those packages' bench
//! targets (for working on one benchmark; the file then lacks the others' figures).
//!
//! Quick mode (CI) only checks that every benchmark still runs: `cargo test --benches` builds
//! them in the dev profile and runs each once (criterion's test mode; the suite's quick mode),
//! and leaves BENCHMARKS.md alone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Budgets of criterion figures, by benchmark id: (at most, in nanoseconds; why this budget).
const CRITERION_BUDGETS: &[(&str, f64)] = &[("load/cached", 5e6), ("instantiate/host", 50e3)];

/// What criterion benchmarks measure, by id prefix (the first match wins).
const CRITERION_WHAT: &[(&str, &str)] = &[
    (
        "load/compile_cold",
        "compiling the cluster-operators component with Cranelift, no cache",
    ),
    (
        "load/cached",
        "`Runtime::load` from the compiled-artifact cache: read, sha256, manifest, deserialize, InstancePre",
    ),
    (
        "instantiate/host",
        "`Runtime::instantiate`: store, WASI context, limiter, policy and instantiation through the host's InstancePre (pooling allocator, copy-on-write images)",
    ),
    (
        "instantiate/ondemand_cow",
        "instantiation alone (imports stubbed), on-demand allocator, copy-on-write memory images (wasmtime's default)",
    ),
    (
        "instantiate/ondemand_nocow",
        "instantiation alone, on-demand allocator, memory images copied",
    ),
    (
        "instantiate/pooling_cow",
        "instantiation alone, pooling allocator, copy-on-write memory images",
    ),
    (
        "instantiate/pooling_nocow",
        "instantiation alone, pooling allocator, memory images copied",
    ),
    (
        "roundtrip/wasm/",
        "one `kube.http-request` guest -> host -> snapshot server -> guest (run time with n requests minus the run with none, per request)",
    ),
    (
        "roundtrip/native/",
        "the same GET made natively with the same `kube::Client`, body read whole",
    ),
    (
        "work/wasm_no_epoch",
        "cluster-operators' own work, its list served from memory (no network, no policy): the guest in an engine without epoch interruption, where a looping guest could not be stopped",
    ),
    (
        "work/wasm",
        "cluster-operators' own work, its list served from memory (no network, no policy): instantiation and `gather` in an engine like the host's (epoch interruption, pooling)",
    ),
    (
        "work/native",
        "cluster-operators' own work natively: the same list body decoded (as `kube::Client` does) into the same types, the same records",
    ),
    (
        "allowed_",
        "`GatherPolicy::check` of one guest request (see host-runtime/BENCHMARKS-sandbox.md)",
    ),
    (
        "denied_",
        "`GatherPolicy::check` of one guest request (see host-runtime/BENCHMARKS-sandbox.md)",
    ),
    (
        "compile_cold",
        "host bench: compiling cluster-operators, no cache",
    ),
    ("load_cached", "host bench: `Runtime::load` from the cache"),
    ("instantiate", "host bench: `Runtime::instantiate`"),
    (
        "gather_cluster_operators",
        "host bench: one `gather_to_archive` of cluster-operators against the bundled snapshot, archive written",
    ),
];

/// Why the size-optimized guests' ratios miss (they are there for comparison).
const SIZE_OPTIMIZED: &str = "The size-optimized build, kept for comparison: serde_json at \
     opt-level \"s\" is what the release profile's opt-level 3 buys back.";

/// Why a figure misses its budget and what would close it, by figure id. Shown next to the
/// figure only when it misses.
const MISSES: &[(&str, &str)] = &[
    (
        "size/cluster-operators",
        "Measured on the unstripped build's name section: of about 240 KB of code, serde and \
         serde_json are about 104 KB (a deserializer and serializer per struct of a \
         ClusterOperator and its metadata), core and alloc about 65 KB (formatting, float \
         printing, collections), std 11 KB, the SDK 30 KB, the gatherer 10 KB, the allocator \
         6 KB. The same gatherer decoding into `serde_json::Value` instead of typed structs is \
         192 KB, so typed decoding costs about 75 KB and the floor of std, serde_json and the \
         SDK is above the budget on its own. Generated kinds already carry the SDK's lean \
         `meta::ObjectMeta` (timestamps kept as text), which took jiff out (480 KB before). The \
         release profile is opt-level 3 for speed; opt-level \"s\" saves about a tenth \
         (`size/*/opt-level-s`). What would close it: wasm-opt on the core module before \
         componentization (`size/*/core-module/wasm-opt`: about a sixth less), and cutting the \
         std formatting and panic machinery the SDK's errors pull in.",
    ),
    (
        "load/cached",
        "Deserializing the cached artifact maps the file and checks it; the rest of \
         `Runtime::load` is reading the component, sha256 and the manifest scan.",
    ),
    (
        "instantiate/host",
        "`Runtime::instantiate` builds a WASI context, a store, the limiter and the policy for \
         each run on top of the instantiation itself; the `instantiate/pooling_*` and \
         `instantiate/ondemand_*` figures show the instantiation alone per allocator.",
    ),
    (
        "gather/cluster-operators/ratio",
        "The request costs what it does natively (`roundtrip/ratio/*`) and instantiation about \
         15 µs: the difference is the guest's own work, decoding 31 ClusterOperators and writing \
         their records, which takes more than twice its native time (`work/ratio`, the same work \
         with the list served from memory). Epoch interruption, the mechanism behind the \
         run's deadline, makes the guest about 1.2 x slower there (`work/epoch_cost`; wasmtime \
         measures 14% on its own benchmarks). The rest is Cranelift against LLVM on serde_json's byte loops: a perf \
         profile of repeated runs (wasmtime's perf map, functions named from the unstripped \
         build) has escaping strings while writing records and finding string ends while reading \
         as the top guest functions, and wasm32 scans 4 bytes per word where x86-64 scans 8. \
         Taken: records leave `managedFields` unwritten instead of cutting them out afterwards, \
         and bodies are checked for UTF-8 once instead of string by string (about 7% of the wasm \
         gather). Measured and left: talc instead of dlmalloc and a heap reserved in one step \
         (about 1% each), simd128 (nothing), Cranelift's inlining (1 to 2%, for longer \
         compiles). What would close it: cheaper interruption checks, which wasmtime has in \
         review (MMU-based epoch interruption, bytecodealliance/wasmtime#12990: about 3% \
         instead of 14%), and keeping byte-heavy work out of the guest where the guest adds \
         nothing to it, for example the host splitting list items and dropping `managedFields` \
         natively for gatherers that store objects unchanged.",
    ),
    (
        "gather/pod-inventory/ratio",
        "Decoding typed Pods in the guest is closer to native speed than cluster-operators' \
         work (`decode/typed/ratio` against `work/ratio`: allocation-heavy work, where the \
         guest's allocator keeps up with the host's); the rest is copying 24 MB of response \
         bodies into guest memory, the epoch checks and the byte loops that cluster-operators \
         shows (`work/*`). Decoding only the fields the gatherer \
         reads (`decode/slim/*`: several times less work on both sides), which generated \
         clients could offer as projection types, is the next lever for its time, not for the \
         ratio: `decode/slim/ratio` is the byte loops alone.",
    ),
    ("gather/cluster-operators-opt-level-s/ratio", SIZE_OPTIMIZED),
    ("gather/pod-inventory-opt-level-s/ratio", SIZE_OPTIMIZED),
];

/// What the figures decided, written under the table so that the choice and its evidence
/// stay together.
const DECISIONS: &[&str] = &[
    "Guests are built at opt-level 3, not \"s\": compare `gather/*/ratio` with \
     `gather/*-opt-level-s/ratio` and `size/*` with `size/*/opt-level-s`. Speed is the budget \
     that the size-optimized build misses by most, and size is missed either way.",
    "The host uses wasmtime's pooling instance allocator (`wagather_host::PoolOptions`), with \
     copy-on-write memory images and up to the default memory limit kept resident per slot: \
     instantiation alone is `instantiate/pooling_cow` against `instantiate/ondemand_cow`, and a \
     reused slot does not fault its memory in again, which took the 10,000-pod gather from \
     about 1.4 x native to about 1.0 x in the run that chose it (256 MiB resident) against \
     1.18 x with 64 MiB.",
    "The snapshot servers of the suite run in child processes, as a cluster's API server \
     would: sharing the benchmark's process (and its allocator) with the 10,000-pod server \
     slowed the native cluster-operators twin from about 0.7 to 1.2 ms, while the guests, with \
     a heap of their own, were unaffected, which made the wasm gather look faster than \
     native.",
    "The native twins decode into the same types as their guests (the generated \
     `ClusterOperator` through `kube::Client::request`, k8s-openapi's `Pod` through \
     `kube::Api`), so the ratios compare the same work.",
];

/// One figure for the table.
struct Row {
    id: String,
    what: String,
    median: String,
    spread: String,
    budget: String,
    verdict: &'static str,
    command: String,
}

/// Runs the benchmarks; see the module documentation.
pub fn run(quick: bool) -> Result<()> {
    let root = workspace_root()?;
    if quick {
        // Without `--bench`, criterion runs every benchmark once as a test and the suite runs in
        // its quick mode, in the dev profile the tests already built.
        return cmd(cargo()
            .args(["test", "--workspace", "--benches"])
            .current_dir(&root));
    }
    let target = target_dir(&root)?;
    let mut rows = Vec::new();
    let mut verbatim = Vec::new();
    let only: Option<Vec<String>> = std::env::var("WAGATHER_BENCH_ONLY")
        .ok()
        .map(|list| list.split(',').map(|p| p.trim().to_owned()).collect());
    for (package, bench) in bench_targets(&root)? {
        if only.as_ref().is_some_and(|only| !only.contains(&package)) {
            continue;
        }
        let command = format!("cargo bench -p {package} --bench {bench}");
        let started = SystemTime::now();
        let output = run_streaming(
            cargo()
                .args(["bench", "-p", &package, "--bench", &bench])
                .current_dir(&root),
        )?;
        let criterion = criterion_rows(&target.join("criterion"), started, &command)?;
        if !criterion.is_empty() {
            rows.extend(criterion);
        } else if package == "wagather-bench" && bench == "suite" {
            rows.extend(suite_rows(
                &target.join("wagather-bench/suite.json"),
                &command,
            )?);
        } else {
            verbatim.push((command, output));
        }
    }
    add_ratios(&mut rows);
    let notes = suite_notes(&target.join("wagather-bench/suite.json"));
    let mut markdown = render(&machine_facts(&root), &rows, &notes, &verbatim);
    markdown.push_str(&crate_notes(&root)?);
    let path = root.join("BENCHMARKS.md");
    std::fs::write(&path, markdown).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The workspace root: the current directory, where `cargo xtask` runs its commands.
fn workspace_root() -> Result<PathBuf> {
    let dir = std::env::current_dir().context("reading the current directory")?;
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
    if !manifest.contains("[workspace]") {
        bail!(
            "{} is not the workspace root (run through `cargo xtask bench`)",
            dir.display()
        );
    }
    Ok(dir)
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cmd(command: &mut Command) -> Result<()> {
    let text = shown(command);
    eprintln!("$ {text}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{text}`"))?;
    if !status.success() {
        bail!("`{text}` failed with {status}");
    }
    Ok(())
}

/// Runs `command`, passing its stdout through while keeping a copy.
fn run_streaming(command: &mut Command) -> Result<String> {
    let text = shown(command);
    eprintln!("$ {text}");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{text}`"))?;
    let mut kept = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.with_context(|| format!("reading the output of `{text}`"))?;
            println!("{line}");
            kept.push_str(&line);
            kept.push('\n');
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{text}` failed with {status}");
    }
    Ok(kept)
}

fn cargo_metadata(root: &Path) -> Result<Value> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("parsing cargo metadata")
}

fn target_dir(root: &Path) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(root.join(dir));
    }
    cargo_metadata(root)?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// Every `[[bench]]` target of the workspace as (package, bench), sorted.
fn bench_targets(root: &Path) -> Result<Vec<(String, String)>> {
    let metadata = cargo_metadata(root)?;
    let mut targets = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        for target in package["targets"].as_array().into_iter().flatten() {
            let is_bench = target["kind"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k == "bench");
            if is_bench && let Some(bench) = target["name"].as_str() {
                targets.push((name.to_owned(), bench.to_owned()));
            }
        }
    }
    targets.sort();
    Ok(targets)
}

/// Criterion results written since `since` under `dir`.
fn criterion_rows(dir: &Path, since: SystemTime, command: &str) -> Result<Vec<Row>> {
    let mut found = Vec::new();
    collect_new_dirs(dir, &mut found);
    let mut rows = Vec::new();
    for new in found {
        let estimates = new.join("estimates.json");
        let fresh = std::fs::metadata(&estimates)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= since);
        if !fresh {
            continue;
        }
        let read = |name: &str| -> Result<Value> {
            let path = new.join(name);
            let text =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))
        };
        let benchmark = read("benchmark.json")?;
        let estimates = read("estimates.json")?;
        let id = benchmark["full_id"]
            .as_str()
            .context("criterion benchmark.json without full_id")?
            .to_owned();
        let median = estimates["median"]["point_estimate"]
            .as_f64()
            .context("criterion estimates without a median")?;
        let mad = estimates["median_abs_dev"]["point_estimate"]
            .as_f64()
            .unwrap_or(0.0);
        let budget = CRITERION_BUDGETS
            .iter()
            .find(|(bid, _)| *bid == id)
            .map(|(_, b)| *b);
        let what = CRITERION_WHAT
            .iter()
            .find(|(prefix, _)| id.starts_with(prefix))
            .map_or_else(String::new, |(_, what)| (*what).to_owned());
        rows.push(Row {
            what,
            median: nanos(median),
            spread: format!("± {} (MAD)", nanos(mad)),
            budget: budget.map_or_else(String::new, |b| format!("≤ {}", nanos(b))),
            verdict: verdict(budget.map(|b| median <= b)),
            command: command.to_owned(),
            id,
        });
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}

fn collect_new_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            out.push(path);
        } else if path.file_name().is_none_or(|n| n != "report") {
            collect_new_dirs(&path, out);
        }
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "",
    }
}

fn nanos(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn number(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn suite_rows(path: &Path, command: &str) -> Result<Vec<Row>> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let results: Value =
        serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut rows = Vec::new();
    for figure in results["figures"].as_array().into_iter().flatten() {
        let unit = figure["unit"].as_str().unwrap_or_default();
        let value = &figure["value"];
        let median = value["median"].as_f64().unwrap_or(f64::NAN);
        let (min, max) = (
            value["min"].as_f64().unwrap_or(f64::NAN),
            value["max"].as_f64().unwrap_or(f64::NAN),
        );
        let samples = value["samples"].as_u64().unwrap_or(0);
        let budget = figure["budget"]["at_most"].as_f64();
        let mut what = figure["what"].as_str().unwrap_or_default().to_owned();
        if let Some(note) = figure["note"].as_str() {
            let _ = write!(what, " ({note})");
        }
        rows.push(Row {
            id: figure["id"].as_str().unwrap_or_default().to_owned(),
            what,
            median: format!("{} {unit}", number(median)),
            spread: if samples > 1 {
                format!("{} .. {} (n={samples})", number(min), number(max))
            } else {
                "single value".to_owned()
            },
            budget: budget.map_or_else(String::new, |b| format!("≤ {} {unit}", number(b))),
            verdict: verdict(budget.map(|b| median <= b)),
            command: command.to_owned(),
        });
    }
    Ok(rows)
}

fn suite_notes(path: &Path) -> Vec<String> {
    std::fs::read(path)
        .ok()
        .and_then(|text| serde_json::from_slice::<Value>(&text).ok())
        .and_then(|v| {
            v["notes"].as_array().map(|notes| {
                notes
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// Ratios of criterion medians, added as rows: (numerator id, denominator id, ratio id, what).
/// Each id may be followed by the same suffix (a body size); `{suffix}` in `what` names it.
const RATIOS: &[(&str, &str, &str, &str)] = &[
    (
        "roundtrip/wasm/",
        "roundtrip/native/",
        "roundtrip/ratio/",
        "one http-request round trip with a {suffix} body: wasm / native",
    ),
    (
        "work/wasm",
        "work/native",
        "work/ratio",
        "cluster-operators' own work (list served from memory): wasm / native",
    ),
    (
        "work/wasm",
        "work/wasm_no_epoch",
        "work/epoch_cost",
        "cluster-operators' own work in the guest: with / without epoch interruption (what the deadline costs)",
    ),
];

/// Adds the [`RATIOS`] whose two figures were measured.
fn add_ratios(rows: &mut Vec<Row>) {
    let medians: BTreeMap<String, (f64, String)> = rows
        .iter()
        .filter_map(|r| Some((r.id.clone(), (parse_nanos(&r.median)?, r.command.clone()))))
        .collect();
    let mut added = Vec::new();
    for (numerator, denominator, ratio, what) in RATIOS {
        for (id, (value, command)) in &medians {
            let Some(suffix) = id.strip_prefix(numerator) else {
                continue;
            };
            if let Some((base, _)) = medians.get(&format!("{denominator}{suffix}")) {
                added.push(Row {
                    id: format!("{ratio}{suffix}"),
                    what: what.replace("{suffix}", suffix),
                    median: format!("{:.2} x", value / base),
                    spread: "ratio of medians".to_owned(),
                    budget: String::new(),
                    verdict: "",
                    command: command.clone(),
                });
            }
        }
    }
    rows.extend(added);
}

fn parse_nanos(text: &str) -> Option<f64> {
    let (value, unit) = text.split_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let scale = match unit {
        "s" => 1e9,
        "ms" => 1e6,
        "µs" => 1e3,
        "ns" => 1.0,
        _ => return None,
    };
    Some(value * scale)
}

fn first_line_of(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn machine_facts(root: &Path) -> Vec<(&'static str, String)> {
    let cores = std::thread::available_parallelism()
        .map_or_else(|_| "unknown".to_owned(), |n| n.to_string());
    let memory = first_line_of("/proc/meminfo", "MemTotal")
        .and_then(|kb| kb.trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown".to_owned(),
            |kb| format!("{:.1} GiB", kb / (1024.0 * 1024.0)),
        );
    let cpu = first_line_of("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned());
    let rustc = Command::new("rustc")
        .arg("-V")
        .current_dir(root)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    vec![
        (
            "date (UTC)",
            command_output("date", &["-u", "+%Y-%m-%d %H:%M"]),
        ),
        ("CPU", cpu),
        ("cores (nproc)", cores),
        ("memory", memory),
        ("load average at the end (1, 5, 15 min)", load),
        ("rustc", rustc),
        ("OS", command_output("uname", &["-sr"])),
    ]
}

fn render(
    facts: &[(&str, String)],
    rows: &[Row],
    notes: &[String],
    verbatim: &[(String, String)],
) -> String {
    let mut md = String::new();
    md.push_str(
        "# wagather benchmarks\n\n\
         Written by `cargo xtask bench`, which runs every benchmark of the workspace (each bench \
         target on its own, in the `bench` profile: opt-level 3, thin LTO; guests in the release \
         profile they ship with: opt-level 3, LTO, strip) and rewrites this file. `cargo xtask bench --quick` only checks \
         that they all still run. Do not edit by hand: change the benchmarks or \
         `xtask/src/bench.rs`.\n\n\
         Each figure has its median and spread (criterion: median absolute deviation; the suite: \
         smallest .. largest of its rounds), the command that produced it and, where the project \
         has one, its budget. Crate notes with more context: `snapshot-server/BENCHMARKS.md`, \
         `host-runtime/BENCHMARKS-sandbox.md`.\n\n## Machine\n\n| | |\n| --- | --- |\n",
    );
    for (key, value) in facts {
        let _ = writeln!(md, "| {key} | {value} |");
    }
    md.push_str(
        "\nThe machine is shared with other builds; absolute times vary with its load, ratios \
         measured in the same run (interleaved rounds) much less.\n\n## Figures\n\n\
         | figure | what | median | spread | budget | verdict | command |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for row in rows {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} | `{}` |",
            row.id, row.what, row.median, row.spread, row.budget, row.verdict, row.command
        );
    }
    md.push_str("\n## What the figures decided\n\n");
    for decision in DECISIONS {
        let _ = writeln!(md, "- {decision}");
    }
    let missed: Vec<&Row> = rows.iter().filter(|r| r.verdict == "**missed**").collect();
    if !missed.is_empty() {
        md.push_str("\n## Missed budgets: why, and what would close them\n\n");
        for row in missed {
            let why = MISSES
                .iter()
                .find(|(id, _)| *id == row.id)
                .map_or("Not analysed yet.", |(_, why)| why);
            let _ = writeln!(
                md,
                "- `{}` ({} against {}): {why}",
                row.id, row.median, row.budget
            );
        }
    }
    if !notes.is_empty() {
        md.push_str("\n## Notes from the suite\n\n");
        for note in notes {
            let _ = writeln!(md, "- {note}");
        }
    }
    for (command, output) in verbatim {
        let _ = write!(
            md,
            "\n## `{command}`\n\nIts output, verbatim:\n\n```text\n{}```\n",
            output
        );
    }
    md
}

/// The crates' `BENCHMARKS*.md` files, headings moved two levels down, under one heading.
fn crate_notes(root: &Path) -> Result<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).with_context(|| format!("listing {}", root.display()))? {
        let dir = entry?.path();
        if !dir.join("Cargo.toml").is_file() {
            continue;
        }
        for file in std::fs::read_dir(&dir)?.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.starts_with("BENCHMARKS") && name.ends_with(".md") {
                files.push(file.path());
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Ok(String::new());
    }
    let mut md = String::from(
        "\n## The crates' own benchmark notes\n\nAppended as they are, for their context and for \
         figures measured outside `cargo bench` (build times, load under other builds). Where they \
         overlap with the table above, the table is the newer run.\n",
    );
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let relative = file.strip_prefix(root).unwrap_or(&file);
        let _ = write!(md, "\n---\n\nFrom `{}`:\n\n", relative.display());
        let mut in_code = false;
        for line in text.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && line.starts_with('#') {
                let _ = writeln!(md, "##{line}");
            } else {
                let _ = writeln!(md, "{line}");
            }
        }
    }
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_pick_a_readable_unit_and_parse_back() {
        assert_eq!(nanos(1_234.0), "1.2 µs");
        assert_eq!(nanos(4_560_000.0), "4.56 ms");
        assert_eq!(parse_nanos("4.56 ms"), Some(4_560_000.0));
        assert_eq!(parse_nanos("3 x"), None);
    }

    #[test]
    fn ratios_pair_figures_with_the_same_suffix() {
        let row = |id: &str, median: &str| Row {
            id: id.into(),
            what: String::new(),
            median: median.into(),
            spread: String::new(),
            budget: String::new(),
            verdict: "",
            command: "c".into(),
        };
        let mut rows = vec![
            row("roundtrip/native/1KiB", "100.0 µs"),
            row("roundtrip/wasm/1KiB", "150.0 µs"),
            row("roundtrip/wasm/10MiB", "9.00 ms"),
            row("work/wasm", "600.0 µs"),
            row("work/wasm_no_epoch", "500.0 µs"),
            row("work/native", "250.0 µs"),
        ];
        add_ratios(&mut rows);
        let ratios: Vec<(&str, &str, &str)> = rows[6..]
            .iter()
            .map(|r| (r.id.as_str(), r.median.as_str(), r.what.as_str()))
            .collect();
        // 10MiB has no native figure, so no ratio; `work/wasm_no_epoch` has no native twin.
        assert_eq!(
            ratios,
            [
                (
                    "roundtrip/ratio/1KiB",
                    "1.50 x",
                    "one http-request round trip with a 1KiB body: wasm / native"
                ),
                (
                    "work/ratio",
                    "2.40 x",
                    "cluster-operators' own work (list served from memory): wasm / native"
                ),
                (
                    "work/epoch_cost",
                    "1.20 x",
                    "cluster-operators' own work in the guest: with / without epoch interruption (what the deadline costs)"
                ),
            ]
        );
    }

    #[test]
    fn a_missed_budget_gets_its_reason() {
        let rows = vec![Row {
            id: "size/cluster-operators".into(),
            what: "size".into(),
            median: "457 KB".into(),
            spread: "single value".into(),
            budget: "≤ 150 KB".into(),
            verdict: verdict(Some(false)),
            command: "cargo bench -p wagather-bench --bench suite".into(),
        }];
        let md = render(&[("cores (nproc)", "2".into())], &rows, &[], &[]);
        assert!(md.contains("| cores (nproc) | 2 |"), "{md}");
        assert!(md.contains("## Missed budgets"), "{md}");
        assert!(md.contains("jiff"), "{md}");
    }
}
