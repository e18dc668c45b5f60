//! Project automation for wagather, run as `cargo xtask <command>`.
//!
//! Everything a newcomer or CI needs is one command away:
//! - `cargo xtask demo`: build the example guests and the host, gather from the bundled snapshot, write an
//!   archive and print a summary;
//! - `cargo xtask ci`: every check CI runs, in the order that fails fastest.

mod bench;
#[path = "gen.rs"]
mod generate;

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
        Cmd::BuildGuests => build_guests().map(drop),
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

/// Guests are the workspace's cdylib crates under `examples/` and `test-guests/`.
fn guest_packages() -> Result<Vec<String>> {
    let metadata = cargo_metadata()?;
    let root = workspace_root()?;
    let mut guests = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
        let relative = manifest.strip_prefix(&root).unwrap_or(manifest);
        let in_guest_dir = relative.starts_with("examples") || relative.starts_with("test-guests");
        let is_cdylib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|target| {
                target["crate_types"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|kind| kind == "cdylib")
            });
        if in_guest_dir
            && is_cdylib
            && let Some(name) = package["name"].as_str()
        {
            guests.push(name.to_owned());
        }
    }
    guests.sort();
    Ok(guests)
}

fn ensure_guest_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (the wasm32-wasip2 target is installed through rustup)")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|line| line.trim() == GUEST_TARGET)
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", GUEST_TARGET]))
}

/// Builds every guest and returns the paths of the components.
fn build_guests() -> Result<Vec<PathBuf>> {
    ensure_guest_target()?;
    let guests = guest_packages()?;
    if guests.is_empty() {
        bail!("no guest crates found under examples/ or test-guests/");
    }
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--target", GUEST_TARGET]);
    for guest in &guests {
        cmd.args(["-p", guest]);
    }
    run(&mut cmd)?;
    let out_dir = target_dir()?.join(GUEST_TARGET).join("release");
    let mut components = Vec::new();
    for guest in &guests {
        let path = out_dir.join(format!("{}.wasm", guest.replace('-', "_")));
        let size = std::fs::metadata(&path)
            .with_context(|| format!("guest {guest} built but {} is missing", path.display()))?
            .len();
        eprintln!(
            "  {guest}: {} ({:.1} KiB)",
            path.display(),
            size as f64 / 1024.0
        );
        components.push(path);
    }
    Ok(components)
}

fn demo(root: &Path) -> Result<()> {
    let started = Instant::now();
    ensure_guest_target()?;
    run(cargo().args([
        "build",
        "--release",
        "--target",
        GUEST_TARGET,
        "-p",
        "cluster-operators",
    ]))?;
    run(cargo().args(["build", "-p", "wagather-host", "--bin", "wagather"]))?;
    let target = target_dir()?;
    let guest = target
        .join(GUEST_TARGET)
        .join("release")
        .join("cluster_operators.wasm");
    let host = target.join("debug").join("wagather");
    let snapshot = root.join("testdata").join("insights-archive-sample");
    let out = target.join("wagather-demo");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    run(Command::new(&host)
        .arg("gather")
        .arg("--gatherer")
        .arg(&guest)
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

fn ci() -> Result<()> {
    let started = Instant::now();
    run(cargo().args(["fmt", "--all", "--check"]))?;
    generate::run(true)?;
    build_guests()?;
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
    for guest in guest_packages()? {
        guest_clippy.args(["-p", &guest]);
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
