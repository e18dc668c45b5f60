//! Project automation for wagather, run as `cargo xtask <command>`.
//!
//! Everything a newcomer or CI needs is one command away:
//! - `cargo xtask demo`: build the example guests and the host, gather from the bundled snapshot, write an
//!   archive and print a summary;
//! - `cargo xtask ci`: every check CI runs, in the order that fails fastest.

mod bench;
#[path = "gen.rs"]
mod generate;
// The guests' builder, compiled in rather than depended on: depending on `wagather-guests`
// would build every guest before `cargo xtask` could even start.
#[path = "../../guests/src/build.rs"]
mod guest_build;
#[path = "../../guests/src/polyglot.rs"]
#[allow(
    dead_code,
    reason = "shared with the guests crate, which uses all of it"
)]
mod polyglot;

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

/// The target every gatherer is built for.
const GUEST_TARGET: &str = "wasm32-wasip2";

#[derive(Parser)]
#[command(name = "cargo xtask", about = "wagather project automation")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Regenerate sdk/src/apis from the bundled specs.
    Gen {
        /// Fail if the committed output differs from what the generator writes, instead of writing.
        #[arg(long)]
        check: bool,
    },
    /// Build every guest (examples and test guests) for wasm32-wasip2 in release.
    BuildGuests,
    /// Build the guests and the host, gather from the bundled snapshot, print a summary.
    Demo,
    /// Run every check: formatting, generated code, clippy, guests, tests, benchmarks in quick mode.
    Ci,
    /// Run the benchmarks (`--quick` only checks that they still run).
    Bench {
        #[arg(long)]
        quick: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root()?;
    std::env::set_current_dir(&root).with_context(|| format!("entering {}", root.display()))?;
    match cli.command {
        Cmd::Gen { check } => generate::run(check),
        Cmd::BuildGuests => build_guests(false).map(drop),
        Cmd::Demo => demo(&root),
        Cmd::Ci => ci(),
        Cmd::Bench { quick } => bench::run(quick),
    }
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask must live one level below the workspace root")
}

/// `cargo`, as the one that runs us (so `+toolchain` overrides carry through).
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(OsStr::to_string_lossy)
            .collect::<Vec<_>>()
            .join(" ")
    );
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed with {status}");
    }
    Ok(())
}

fn target_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let metadata = cargo_metadata()?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

fn cargo_metadata() -> Result<serde_json::Value> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
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

fn ensure_guest_target() -> Result<()> {
    if guest_build::check_target().is_ok() {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", GUEST_TARGET]))
}

/// Builds every guest (with cargo's progress on the terminal) and returns the Rust ones.
fn build_guests(require_polyglot: bool) -> Result<Vec<guest_build::Guest>> {
    ensure_guest_target()?;
    let root = workspace_root()?;
    let guests = guest_build::build(&root, &[], false).map_err(anyhow::Error::msg)?;
    // The JavaScript and Python guests: a language whose tools are missing is skipped with the
    // reason, unless `require_polyglot` (ci) makes that an error.
    polyglot::build(&root, &guest_build::target_dir(&root), require_polyglot)?;
    for guest in &guests {
        let size = std::fs::metadata(&guest.path)
            .with_context(|| format!("{} is missing", guest.path.display()))?
            .len();
        eprintln!(
            "  {}: {} ({:.1} KiB)",
            guest.package,
            guest.path.display(),
            size as f64 / 1024.0
        );
    }
    Ok(guests)
}

fn demo(root: &Path) -> Result<()> {
    let started = Instant::now();
    let guests = build_guests(false)?;
    run(cargo().args(["build", "-p", "wagather-cli", "--bin", "wagather"]))?;
    let target = target_dir()?;
    let host = target.join("debug").join("wagather");
    let snapshot = root.join("testdata").join("insights-archive-sample");
    let out = target.join("wagather-demo");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut gather = Command::new(&host);
    gather.arg("gather");
    for guest in guests.iter().filter(|g| is_demo_gatherer(root, &g.package)) {
        gather.arg("--gatherer").arg(&guest.path);
    }
    run(gather
        .arg("--snapshot")
        .arg(&snapshot)
        .arg("--out")
        .arg(&out))?;
    eprintln!(
        "demo finished in {:.1?}; archives are in {}",
        started.elapsed(),
        out.display()
    );
    Ok(())
}

/// The demo runs the real gatherers: `examples/` and `gatherers/`, not the test guests.
fn is_demo_gatherer(root: &Path, package: &str) -> bool {
    ["examples", "gatherers"]
        .iter()
        .any(|dir| root.join(dir).join(package).join("Cargo.toml").is_file())
}

/// Crates only the CLI may use: the host library stays embeddable without a CLI framework, a
/// log subscriber or the snapshot server's HTTP stack.
const NOT_IN_THE_HOST_LIBRARY: &[&str] =
    &["clap", "axum", "tracing-subscriber", "wagather-snapshot"];

/// Fails if the host library depends (normally, at any depth) on a crate only the CLI may use.
fn check_layering() -> Result<()> {
    let output = cargo()
        .args([
            "tree",
            "-p",
            "wagather-host",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .context("running cargo tree")?;
    if !output.status.success() {
        bail!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let tree = String::from_utf8_lossy(&output.stdout);
    let found: Vec<&str> = NOT_IN_THE_HOST_LIBRARY
        .iter()
        .copied()
        .filter(|krate| {
            tree.lines()
                .any(|line| line.split_whitespace().next() == Some(*krate))
        })
        .collect();
    if !found.is_empty() {
        bail!(
            "wagather-host depends on {}: those belong to the CLI (`cargo tree -p wagather-host -e normal -i <crate>` shows the path)",
            found.join(", ")
        );
    }
    eprintln!(
        "layering: wagather-host uses none of {}",
        NOT_IN_THE_HOST_LIBRARY.join(", ")
    );
    Ok(())
}

fn ci() -> Result<()> {
    let started = Instant::now();
    run(cargo().args(["fmt", "--all", "--check"]))?;
    generate::run(true)?;
    check_layering()?;
    // CI has node, npm and python3: the JavaScript and Python guests must build there.
    let guests = build_guests(true)?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    let mut guest_clippy = cargo();
    guest_clippy.args(["clippy", "--target", GUEST_TARGET, "-p", "wagather-sdk"]);
    for guest in &guests {
        guest_clippy.args(["-p", &guest.package]);
    }
    run(guest_clippy.args(["--", "-D", "warnings"]))?;
    if has_nextest() {
        run(cargo().args(["nextest", "run", "--workspace", "--no-fail-fast"]))?;
        // nextest does not run doctests.
        run(cargo().args(["test", "--workspace", "--doc"]))?;
    } else {
        run(cargo().args(["test", "--workspace", "--no-fail-fast"]))?;
    }
    bench::run(true)?;
    eprintln!("all checks passed in {:.1?}", started.elapsed());
    Ok(())
}

fn has_nextest() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|output| output.status.success())
}
