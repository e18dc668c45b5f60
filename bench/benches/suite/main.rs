//! wagather's benchmarks, one bench binary measuring with `wagather-figures` (why not
//! criterion: that crate's documentation). Each group is a module:
//!
//! | group | what |
//! | --- | --- |
//! | `size` | component sizes of the example gatherers, their core module, after `wasm-opt -Oz` |
//! | `load` | compiling cluster-operators cold, and `Runtime::load` from the compiled-artifact cache |
//! | `cache` | the host's compiled-artifact cache (serialized components) against wasmtime's built-in compilation cache |
//! | `examples` | compiling each example gatherer cold against loading it from the cache |
//! | `polyglot` | cluster-operators in Rust, JavaScript and Python: size, cold compile, cached load, instantiation, a run, guest memory |
//! | `instantiate` | the host's instantiation, and instantiation alone per allocator |
//! | `roundtrip` | one `kube.http-request` guest -> host -> server -> guest, against the same GET natively |
//! | `work` | cluster-operators' own work with its list served from memory, in the guest and natively |
//! | `gather` | the example gatherers against loopback servers, as guests and as native twins |
//! | `decode` | decoding 10,000 pods inside the guest (timed by the guest) and natively |
//! | `opt-level-s` | `gather`, `decode` and sizes with the guests built for size |
//! | `memory` | peak memory of a host process per gather, and what a guest holds while it writes records |
//! | `policy` | `GatherPolicy::check` per request |
//! | `snapshot` | the snapshot server: loading snapshots, listing 10,000 pods |
//! | `catalog` | the whole gatherer catalog: sizes, cold and cached start, a period as wasm and natively (time, peak memory) on the sample and a large cluster |
//! | `service` | the service of `wagather run`, 1,000 periods of five gatherers: resident memory, open descriptors, period time |
//!
//! `cargo bench -p wagather-bench --bench suite [-- GROUP ...]` measures and writes
//! `<target>/wagather-figures/full/wagather-bench.suite.json`; without `--bench` (as under
//! `cargo test --benches`) it runs every benchmark once on small inputs (quick mode). The
//! snapshot servers run in child processes (this binary again), apart from the measured
//! gathers, as a cluster's API server would.
//!
//! # Adding a group
//!
//! 1. Write a module `benches/suite/<group>.rs` with `pub fn run(g: &mut Group<'_>, ctx:
//!    &Context)` (`wagather_figures::Group`). Measure with the group's methods: `g.time` for one
//!    operation, `g.interleave().op(..).op(..).ratio(..).run()` for operations compared with
//!    each other (wasm against native, one build against another): they are timed in rounds
//!    that take them in turn, so a change of the machine's load moves all of them alike;
//!    `g.value` / `g.samples` for what is not a timing (bytes, counts, memory read from a child
//!    process); `g.ratio_of_medians` for a figure derived from two others. `g.quick()` says a
//!    quick run (one iteration, `cargo xtask ci`): shrink inputs then, but run the same code.
//! 2. Name figures `<group>/<what>[/<detail>]`; an id is stable, `BENCHMARKS.md` and
//!    `bench/NOTES.md` refer to it.
//! 3. Where the project has a budget, add it to the figure (`.budget(at_most, Reason::new(..))`)
//!    with the reason it would be missed, citing the figures of the same run that show it. The
//!    reason is kept only when the run misses; the numbers come from the cited figures, never
//!    from the text. Longer analysis goes in `bench/NOTES.md`, by hand.
//! 4. Add `mod <group>;`, a row to the table above and `h.group("<group>", |g| <group>::run(g,
//!    &ctx));` to `main`. Whatever several groups need (a server, a loaded component, generated
//!    data) belongs in [`Context`], created on first use; a server runs as a child process
//!    (`--child-serve`) like the snapshot servers.
//! 5. `cargo test -p wagather-bench --bench suite -- <group>` runs it quickly;
//!    `cargo bench -p wagather-bench --bench suite -- <group>` measures it alone;
//!    `cargo xtask bench` measures everything and renders `BENCHMARKS.md`.
//!
//! A benchmark that cannot live in this crate (it would make a dependency cycle, as
//! `source/benches/update_check.rs` would) is its own bench target with `harness = false`
//! that measures with `wagather_figures::Harness::from_args(env!("CARGO_PKG_NAME"), "<bench>")`
//! and calls `finish()`; `cargo xtask bench` runs every bench target of the workspace and
//! fails when one wrote no figures.

mod cache;
mod catalog;
mod decode;
mod gather;
mod instantiate;
mod load;
mod memory;
mod policy;
mod polyglot;
mod roundtrip;
mod service;
mod size;
mod snapshot;
mod work;

use std::cell::OnceCell;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use wagather_bench::{ECHO_GUEST, data, workspace};
use wagather_figures::Harness;
use wagather_host::{ApiEndpoint, Runtime, RuntimeOptions};
use wagather_snapshot::{Snapshot, SnapshotServer};

/// The pods of the large gather in a full run, over [`NAMESPACES`] namespaces.
const PODS: usize = 10_000;
/// The pods of a quick run.
const QUICK_PODS: usize = 500;
/// Namespaces of the generated pods.
const NAMESPACES: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--child-gather") => return memory::child_gather(&args[2..]),
        Some("--child-serve") => return child_serve(&args[2..]),
        Some("--child-load") => return snapshot::child_load(&args[2..]),
        Some("--child-catalog") => return catalog::child(&args[2..]),
        Some("--child-service") => return service::child(&args[2..]),
        _ => {}
    }
    let mut h = Harness::from_args(env!("CARGO_PKG_NAME"), "suite");
    let ctx = Context::new(h.quick());
    h.group("size", |g| size::run(g, &ctx));
    h.group("load", |g| load::run(g, &ctx));
    h.group("cache", |g| cache::run(g, &ctx));
    h.group("examples", |g| load::every_example(g, &ctx));
    h.group("polyglot", |g| polyglot::run(g, &ctx));
    h.group("instantiate", |g| instantiate::run(g, &ctx));
    h.group("roundtrip", |g| roundtrip::run(g, &ctx));
    h.group("work", |g| work::run(g, &ctx));
    h.group("gather", |g| gather::run(g, &ctx, &ctx.guests, ""));
    h.group("decode", |g| decode::run(g, &ctx, &ctx.guests, ""));
    h.group("opt-level-s", |g| {
        let small = ctx.opt_level_s(g);
        size::opt_level_s(g, &small);
        gather::run(g, &ctx, &small, "-opt-level-s");
        decode::run(g, &ctx, &small, "-opt-level-s");
    });
    h.group("memory", |g| memory::run(g, &ctx));
    h.group("policy", policy::run);
    h.group("snapshot", |g| snapshot::run(g, &ctx));
    h.group("catalog", |g| catalog::run(g, &ctx));
    h.group("service", |g| service::run(g, &ctx));
    h.finish();
}

/// The guests a group measures, built one way.
#[derive(Clone, Debug)]
struct Guests {
    cluster_operators: PathBuf,
    pod_inventory: PathBuf,
    echo: PathBuf,
}

/// What the groups share, set up when first needed.
struct Context {
    quick: bool,
    /// Pods of the generated snapshot.
    pods: usize,
    tokio: tokio::runtime::Runtime,
    /// The guests as they ship (release profile), from `wagather-guests`.
    guests: Guests,
    cache_dir: tempfile::TempDir,
    /// A runtime as the host's, with the compilation cache in `cache_dir`.
    runtime: Runtime,
    /// The 31 ClusterOperators of the bundled Insights sample.
    sample: OnceCell<Server>,
    /// `pods` generated pods.
    pod_server: OnceCell<Server>,
    /// The bodies of the round-trip benchmark.
    echo_server: OnceCell<Server>,
}

impl Context {
    fn new(quick: bool) -> Context {
        let cache_dir = tempfile::tempdir().expect("tempdir");
        let runtime = Runtime::new(RuntimeOptions {
            cache_dir: Some(cache_dir.path().to_owned()),
            ..RuntimeOptions::default()
        })
        .expect("runtime");
        let guest = |package| {
            PathBuf::from(
                wagather_guests::path(package)
                    .unwrap_or_else(|| panic!("wagather-guests built no {package}")),
            )
        };
        Context {
            quick,
            pods: if quick { QUICK_PODS } else { PODS },
            tokio: tokio::runtime::Runtime::new().expect("tokio"),
            guests: Guests {
                cluster_operators: guest("cluster-operators"),
                pod_inventory: guest("pod-inventory"),
                echo: guest(ECHO_GUEST),
            },
            cache_dir,
            runtime,
            sample: OnceCell::new(),
            pod_server: OnceCell::new(),
            echo_server: OnceCell::new(),
        }
    }

    fn sample(&self) -> &Server {
        self.sample.get_or_init(|| serve(&self.tokio, &["sample"]))
    }

    fn pod_server(&self) -> &Server {
        self.pod_server
            .get_or_init(|| serve(&self.tokio, &["pods", &self.pods.to_string()]))
    }

    fn echo_server(&self) -> &Server {
        self.echo_server
            .get_or_init(|| serve(&self.tokio, &["echo"]))
    }

    /// What the large gather reads, in words.
    fn pods_label(&self) -> String {
        format!("{} pods in {NAMESPACES} namespaces", self.pods)
    }

    /// The guests built for size (opt-level "s"). A quick run does not build them (a second
    /// release build of every guest) and measures the shipped ones in their place, saying so.
    fn opt_level_s(&self, g: &mut wagather_figures::Group<'_>) -> Guests {
        if self.quick {
            g.note("quick run: the opt-level-s figures measure the release guests, not a build for size");
            return self.guests.clone();
        }
        let variant = wagather_guests::build::Variant {
            name: "opt-level-s",
            cargo_args: &["--config", "profile.release.opt-level=\"s\""],
        };
        let packages = ["cluster-operators", "pod-inventory", ECHO_GUEST].map(str::to_owned);
        let built =
            wagather_guests::build::build_variant(&workspace(), &packages, true, Some(&variant))
                .unwrap_or_else(|e| panic!("building the opt-level-s guests: {e}"));
        let path = |package: &str| {
            built
                .iter()
                .find(|guest| guest.package == package)
                .map(|guest| guest.path.clone())
                .unwrap_or_else(|| panic!("the opt-level-s build has no {package}"))
        };
        Guests {
            cluster_operators: path("cluster-operators"),
            pod_inventory: path("pod-inventory"),
            echo: path(ECHO_GUEST),
        }
    }
}

/// A snapshot server in a child process (this binary again), and a client of it.
///
/// The server runs apart from the measured gathers, as a cluster's API server does: sharing the
/// process (and its allocator) with a server holding 10,000 pods slows the native twins, and
/// not the guests, which have a heap of their own.
struct Server {
    child: std::process::Child,
    url: String,
    api: kube::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        // A benchmark's server has nothing to flush; a child whose parent dies without this
        // sees its stdin close and stops too.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a child serving `what` (`sample`, `echo`, `pods <count>` or `cluster <sizes>`) and
/// connects to it.
fn serve(tokio: &tokio::runtime::Runtime, what: &[&str]) -> Server {
    use std::io::BufRead as _;
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .arg("--child-serve")
        .args(what)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starting the snapshot server process");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("child stdout"))
        .read_line(&mut line)
        .expect("reading the server's URL");
    let url = line
        .trim()
        .strip_prefix("serving ")
        .unwrap_or_else(|| panic!("the snapshot server process said {line:?}"))
        .to_owned();
    let api = tokio
        .block_on(ApiEndpoint::Server(url.clone()).client())
        .expect("client");
    Server { child, url, api }
}

/// The child side of [`serve`]: serves the snapshot, prints `serving <url>`, and stops when its
/// stdin closes.
fn child_serve(args: &[String]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = match args {
        [what] if what == "sample" => workspace().join("testdata/insights-archive-sample"),
        [what] if what == "echo" => {
            data::write_echo_bodies(dir.path()).expect("writing the bodies");
            dir.path().to_owned()
        }
        [what, counts @ ..] if what == "cluster" => {
            catalog::write_large(dir.path(), counts);
            dir.path().to_owned()
        }
        [what, count] if what == "pods" => {
            let count = count.parse().expect("pod count");
            data::write_pods(dir.path(), count, NAMESPACES).expect("writing pods");
            dir.path().to_owned()
        }
        _ => panic!(
            "usage: --child-serve sample | echo | pods <count> | cluster <nodes> <pods> \
             <namespaces> <events> <config maps>"
        ),
    };
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let snapshot = Arc::new(Snapshot::load(&root).expect("loading the snapshot"));
    let server = tokio
        .block_on(SnapshotServer::start(snapshot, ([127, 0, 0, 1], 0).into()))
        .expect("starting the snapshot server");
    println!("serving {}", server.url());
    // Serve until the parent closes stdin (or exits).
    std::io::copy(&mut std::io::stdin(), &mut std::io::sink()).expect("stdin");
    tokio.block_on(server.shutdown());
}

/// Runs this binary again with `args` (a `--child-*` mode), waits for it, and returns what it
/// printed; panics with its output when it failed.
fn child_output<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> String {
    let mut command = Command::new(std::env::current_exe().expect("this binary"));
    command.args(args);
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Loads `path` with `runtime`, or panics naming it.
fn load(runtime: &Runtime, path: &std::path::Path) -> wagather_host::LoadedGatherer {
    runtime
        .load(path)
        .unwrap_or_else(|e| panic!("loading {}: {e}", path.display()))
}
