//! `cargo xtask conformance`: the gatherer catalog, as WebAssembly components run by the real
//! host, against the Insights sample archive.
//!
//! It builds every catalog gatherer (`gatherers/`, the cdylib crates) for `wasm32-wasip2` and
//! the `wagather` CLI, gathers with all of them from the sample served as a snapshot
//! (`wagather gather --snapshot`), and compares the archive written with the sample path by
//! path (`catalog-conformance`): per top folder, the sample paths covered and those equal,
//! every difference and every exception used. It fails when a written path differs without an
//! exception, when an exception is stale, or when less than 65% of `config/` is covered.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use catalog_conformance::{EXCEPTIONS, Files, RUN_CONFIG, compare};

use super::{
    GUEST_TARGET, cargo, cargo_metadata, ensure_guest_target, run, target_dir, workspace_root,
};

/// The catalog: the cdylib packages under `gatherers/`.
fn catalog_packages() -> Result<Vec<String>> {
    let metadata = cargo_metadata()?;
    let root = workspace_root()?;
    let mut packages = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
        let in_catalog = manifest
            .strip_prefix(&root)
            .unwrap_or(manifest)
            .starts_with("gatherers");
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
        if in_catalog
            && is_cdylib
            && let Some(name) = package["name"].as_str()
        {
            packages.push(name.to_owned());
        }
    }
    packages.sort();
    Ok(packages)
}

/// Builds every catalog gatherer for the guest target and returns the components.
pub fn build_catalog() -> Result<Vec<PathBuf>> {
    ensure_guest_target()?;
    let packages = catalog_packages()?;
    if packages.is_empty() {
        bail!("no gatherer crates found under gatherers/");
    }
    let started = Instant::now();
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--target", GUEST_TARGET]);
    for package in &packages {
        cmd.args(["-p", package]);
    }
    run(&mut cmd)?;
    let out = target_dir()?.join(GUEST_TARGET).join("release");
    let mut components = Vec::new();
    let mut bytes = 0;
    let mut largest = (0, String::new());
    for package in &packages {
        let path = out.join(format!("{}.wasm", package.replace('-', "_")));
        let size = std::fs::metadata(&path)
            .with_context(|| format!("{package} built but {} is missing", path.display()))?
            .len();
        bytes += size;
        if size > largest.0 {
            largest = (size, package.clone());
        }
        components.push(path);
    }
    eprintln!(
        "built {} gatherers in {:.1?}: {:.1} MiB in all, largest {} ({:.0} KiB)",
        packages.len(),
        started.elapsed(),
        bytes as f64 / 1024.0 / 1024.0,
        largest.1,
        largest.0 as f64 / 1024.0
    );
    Ok(components)
}

/// Runs the conformance check; see the module documentation.
pub fn conformance(root: &Path) -> Result<()> {
    let components = build_catalog()?;
    run(cargo().args(["build", "-p", "wagather-host", "--bin", "wagather"]))?;
    let target = target_dir()?;
    let host = target.join("debug").join("wagather");
    let sample = root.join("testdata").join("insights-archive-sample");
    let out = target.join("wagather-conformance");
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("clearing {}", out.display()))?;
    }
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut gather = Command::new(&host);
    gather.arg("gather");
    for component in &components {
        gather.arg("--gatherer").arg(component);
    }
    gather.arg("--snapshot").arg(&sample).arg("--out").arg(&out);
    for (key, value) in RUN_CONFIG {
        gather.arg("--config").arg(format!("{key}={value}"));
    }
    run(&mut gather)?;
    let archive = std::fs::read_dir(&out)
        .with_context(|| format!("reading {}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .with_context(|| format!("wagather wrote no archive in {}", out.display()))?;
    let mut produced = Files::from_archive(&archive)?;
    // The host's own report of the run, not a gatherer's record: the sample's is IO's.
    if let Some(report) = produced.0.remove("insights-operator/gathers.json") {
        print_run_errors(&report);
    }
    let sample_files = Files::from_dir(&sample)?;
    let report = compare(&sample_files, &produced, EXCEPTIONS);
    println!("{}", report.markdown());
    println!("archive: {}", archive.display());
    let failures = report.failures();
    if !failures.is_empty() {
        bail!(
            "{} conformance failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
    Ok(())
}

/// Prints the errors gatherers reported in the host's `gathers.json`.
fn print_run_errors(report: &[u8]) {
    let Ok(report) = serde_json::from_slice::<serde_json::Value>(report) else {
        return;
    };
    let gatherers = report
        .get("status_reports")
        .and_then(|g| g.as_array())
        .cloned()
        .unwrap_or_default();
    for gatherer in gatherers {
        let name = gatherer.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        for error in gatherer
            .get("errors")
            .and_then(|e| e.as_array())
            .into_iter()
            .flatten()
        {
            eprintln!(
                "  {name}: {}",
                error
                    .as_str()
                    .map_or_else(|| error.to_string(), str::to_owned)
            );
        }
    }
}
