//! Building the guests: shared by this crate's build script (which builds them when a test
//! or benchmark crate depending on it is compiled) and by `cargo xtask build-guests`, so there
//! is one way to build a guest and one place they land.
//!
//! Guests are the workspace's `cdylib` packages under `examples/`, `gatherers/` and
//! `test-guests/`. They are built for `wasm32-wasip2` in release, into their own target
//! directory (`<target>/guests`): the build script runs inside an outer cargo that holds the
//! main target directory's lock, so a nested build there would wait for itself.
//!
//! A [`Variant`] builds them with other settings (the benchmarks compare the release profile
//! with one optimized for size) into a subdirectory of their own, `<target>/guests/variants/
//! <name>`, so that the components tests and benchmarks use stay as they ship.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every guest is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// Folders whose `cdylib` packages are guests.
pub const GUEST_FOLDERS: &[&str] = &["examples", "gatherers", "test-guests"];

/// One built guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guest {
    /// The package name (`cluster-operators`).
    pub package: String,
    /// The component.
    pub path: PathBuf,
}

/// The directory guests are built in: `$CARGO_TARGET_DIR/guests`, else
/// `<workspace>/target/guests`.
pub fn target_dir(workspace: &Path) -> PathBuf {
    let base = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        }
        None => workspace.join("target"),
    };
    base.join("guests")
}

/// Where cargo puts the component of `package` built into `target`.
fn component_in(target: &Path, package: &str) -> PathBuf {
    target
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", package.replace('-', "_")))
}

/// A build of the guests with settings other than the ones they ship with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant<'a> {
    /// Names the build and its target directory, `<target>/guests/variants/<name>`.
    pub name: &'a str,
    /// Arguments added to `cargo build`, e.g. `["--config", "profile.release.opt-level=\"s\""]`.
    pub cargo_args: &'a [&'a str],
}

impl Variant<'_> {
    /// The target directory of this variant.
    pub fn target_dir(&self, workspace: &Path) -> PathBuf {
        target_dir(workspace).join("variants").join(self.name)
    }
}

/// `cargo`: the one running us, so `+toolchain` overrides carry through.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // Settings of an outer build (a build script's environment) are not the guests'.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_MANIFEST_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "TARGET",
        "HOST",
        "OUT_DIR",
        "PROFILE",
        "OPT_LEVEL",
        "DEBUG",
        "NUM_JOBS",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The guest packages of the workspace, sorted.
pub fn guest_packages(workspace: &Path) -> Result<Vec<String>, String> {
    let output = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed something else than JSON: {e}"))?;
    let mut guests = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
        let relative = manifest.strip_prefix(workspace).unwrap_or(manifest);
        let in_guest_folder = GUEST_FOLDERS.iter().any(|f| relative.starts_with(f));
        let is_cdylib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|target| target["crate_types"].as_array().into_iter().flatten())
            .any(|kind| kind == "cdylib");
        if in_guest_folder
            && is_cdylib
            && let Some(name) = package["name"].as_str()
        {
            guests.push(name.to_owned());
        }
    }
    guests.sort();
    Ok(guests)
}

/// Whether rustup has the guest target; the error says how to add it.
pub fn check_target() -> Result<(), String> {
    let sysroot = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("could not run rustc: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(TARGET).is_dir() {
        Ok(())
    } else {
        Err(format!(
            "the {TARGET} target is not installed for {}: run `rustup target add {TARGET}`",
            sysroot.display()
        ))
    }
}

/// Builds `packages` (every guest when empty) and returns their components. `quiet` keeps
/// cargo's progress off the terminal (a build script's output is captured anyway).
pub fn build(workspace: &Path, packages: &[String], quiet: bool) -> Result<Vec<Guest>, String> {
    build_variant(workspace, packages, quiet, None)
}

/// Like [`build`], as `variant` when there is one.
pub fn build_variant(
    workspace: &Path,
    packages: &[String],
    quiet: bool,
    variant: Option<&Variant<'_>>,
) -> Result<Vec<Guest>, String> {
    check_target()?;
    let target = match variant {
        Some(variant) => variant.target_dir(workspace),
        None => target_dir(workspace),
    };
    let packages = if packages.is_empty() {
        guest_packages(workspace)?
    } else {
        packages.to_vec()
    };
    if packages.is_empty() {
        return Err(format!(
            "no guest packages under {} in {}",
            GUEST_FOLDERS.join(", "),
            workspace.display()
        ));
    }
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .args(variant.map_or(&[][..], |v| v.cargo_args))
        .env("CARGO_TARGET_DIR", &target);
    if quiet {
        cmd.arg("--quiet");
    }
    for package in &packages {
        cmd.args(["-p", package]);
    }
    let output = cmd
        .output()
        .map_err(|e| format!("could not run cargo to build the guests: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the guests failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    packages
        .into_iter()
        .map(|package| {
            let path = component_in(&target, &package);
            if path.is_file() {
                Ok(Guest { package, path })
            } else {
                Err(format!(
                    "{package} built, but {} is missing",
                    path.display()
                ))
            }
        })
        .collect()
}
