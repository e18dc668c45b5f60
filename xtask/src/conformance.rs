//! The gatherer catalog run by the real host: `cargo xtask conformance`, and the catalog
//! directories `cargo xtask demo` gathers with.
//!
//! Conformance builds every guest (`wagather-guests`' builder), puts the catalog's components
//! (`gatherers/`) in one directory, gathers from the Insights sample served as a snapshot with
//! `wagather gather --catalog DIR`, and compares the archive written with the sample path by
//! path (`catalog-conformance`): per top folder, the sample paths covered and those equal,
//! every difference and every exception used. It fails when a written path differs without an
//! exception, when an exception is stale, or when less than 65% of `config/` is covered.
//! `cargo xtask ci` runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use catalog_conformance::{EXCEPTIONS, Files, RUN_CONFIG, compare};

use super::{build_guests, cargo, cargo_metadata, guest_build::Guest, run, target_dir};

/// The folders whose guests are real gatherers (not test guests), in the order a period runs
/// them: the catalog's ports of the Insights Operator own their archive paths, so they go
/// before the examples (`cluster-operators` writes some of the paths `clusterconfig/operators`
/// writes).
pub const CATALOG_FOLDERS: &[&str] = &["gatherers", "examples"];

/// The guests whose crates live under `folder` (a `CATALOG_FOLDERS` entry).
pub fn guests_in(root: &Path, guests: &[Guest], folder: &str) -> Result<Vec<Guest>> {
    let metadata = cargo_metadata()?;
    let under_folder: Vec<&str> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|package| {
            let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
            manifest
                .strip_prefix(root)
                .is_ok_and(|relative| relative.starts_with(folder))
        })
        .filter_map(|package| package["name"].as_str())
        .collect();
    Ok(guests
        .iter()
        .filter(|guest| under_folder.contains(&guest.package.as_str()))
        .cloned()
        .collect())
}

/// Makes `dir` a catalog directory holding exactly `guests`' components (hard links where the
/// file system allows, copies elsewhere).
pub fn catalog_dir(dir: &Path, guests: &[Guest]) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for guest in guests {
        let name = guest
            .path
            .file_name()
            .with_context(|| format!("{} has no file name", guest.path.display()))?;
        let to = dir.join(name);
        if std::fs::hard_link(&guest.path, &to).is_err() {
            std::fs::copy(&guest.path, &to)
                .with_context(|| format!("copying {} to {}", guest.path.display(), to.display()))?;
        }
    }
    Ok(())
}

/// Builds the `wagather` binary (debug, as the tests build it) and returns its path.
pub fn build_host() -> Result<PathBuf> {
    run(cargo().args(["build", "-p", "wagather-cli", "--bin", "wagather"]))?;
    Ok(target_dir()?.join("debug").join("wagather"))
}

/// `--config NAME:KEY=VALUE` for every setting of the conformance run.
pub fn config_args(gather: &mut Command) {
    for (name, key, value) in RUN_CONFIG {
        gather.arg("--config").arg(format!("{name}:{key}={value}"));
    }
}

/// `cargo xtask conformance`: builds the guests and runs [`check`].
pub fn conformance(root: &Path) -> Result<()> {
    let guests = build_guests(false)?;
    check(root, &guests)
}

/// Gathers with the catalog of `guests` from the sample through `wagather gather --catalog`
/// and compares the archive with the sample; see the module documentation.
pub fn check(root: &Path, guests: &[Guest]) -> Result<()> {
    let host = build_host()?;
    let target = target_dir()?;
    let sample = root.join("testdata").join("insights-archive-sample");
    let work = target.join("wagather-conformance");
    let catalog = work.join("catalog");
    catalog_dir(&catalog, &guests_in(root, guests, "gatherers")?)?;
    let out = work.join("out");
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("clearing {}", out.display()))?;
    }
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut gather = Command::new(&host);
    gather
        .arg("gather")
        .arg("--catalog")
        .arg(&catalog)
        .arg("--snapshot")
        .arg(&sample)
        .arg("--out")
        .arg(&out);
    config_args(&mut gather);
    run(&mut gather)?;
    let archive = std::fs::read_dir(&out)
        .with_context(|| format!("reading {}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .with_context(|| format!("wagather wrote no archive in {}", out.display()))?;
    let mut produced = Files::from_archive(&archive)?;
    // The host's own report of the run, not a gatherer's record: the sample's is IO's.
    produced.0.remove("insights-operator/gathers.json");
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
    eprintln!("conformance: the catalog run by the host writes the sample, exceptions aside");
    Ok(())
}
