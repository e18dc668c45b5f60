//! `cargo xtask bench [--quick]`: runs every benchmark of the workspace and renders the figures
//! they wrote into `BENCHMARKS.md`.
//!
//! Every bench target measures with `wagather-figures` and writes what it measured as one file
//! of figures into the directory [`wagather_figures::DIR_VAR`] names. This task empties that
//! directory, runs the targets, checks that each one wrote its run, and renders the runs
//! ([`wagather_figures::render`]) with links to the hand-written notes (`bench/NOTES.md` and
//! every crate's `BENCHMARKS*.md`). It computes no figure and states nothing about one: the
//! figures come from the runs, what they mean from the notes.
//!
//! - Full: `cargo bench -p <package> --bench <target>` for each target, in the `bench`
//!   profile; then `BENCHMARKS.md` is rewritten.
//! - Quick (`cargo xtask ci`): `cargo test --workspace --benches` builds every target in the
//!   dev profile and runs it once on small inputs (the harness's quick mode); the runs are
//!   checked and rendered the same way, and `BENCHMARKS.md` is left alone.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use wagather_figures::{DIR_VAR, Document, Run};

use crate::{cargo, cargo_metadata, run as run_command, target_dir};

/// The hand-written notes on the figures, besides the crates' `BENCHMARKS*.md`.
const NOTES: &str = "bench/NOTES.md";

/// Runs the benchmarks; see the module documentation.
pub fn run(quick: bool) -> Result<()> {
    let root = std::env::current_dir().context("reading the current directory")?;
    let targets = bench_targets()?;
    let dir = target_dir()?
        .join("wagather-figures")
        .join(if quick { "quick" } else { "full" });
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    if quick {
        run_command(
            cargo()
                .args(["test", "--workspace", "--benches"])
                .env(DIR_VAR, &dir),
        )?;
    } else {
        for (package, bench) in &targets {
            run_command(
                cargo()
                    .args(["bench", "-p", package, "--bench", bench])
                    .env(DIR_VAR, &dir),
            )?;
        }
    }
    let runs = wagather_figures::read_dir(&dir)
        .with_context(|| format!("reading the figures in {}", dir.display()))?;
    check_complete(&targets, &runs)?;
    let markdown =
        wagather_figures::render(&runs, &documents(&root)?).context("rendering the figures")?;
    let figures: usize = runs.iter().map(|r| r.figures.len()).sum();
    if quick {
        eprintln!(
            "bench: {} targets ran, {figures} figures rendered (a quick run: BENCHMARKS.md left as it is)",
            runs.len()
        );
        return Ok(());
    }
    let path = root.join("BENCHMARKS.md");
    std::fs::write(&path, markdown).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {} ({figures} figures)", path.display());
    Ok(())
}

/// Every `[[bench]]` target of the workspace as (package, bench), sorted.
fn bench_targets() -> Result<Vec<(String, String)>> {
    let metadata = cargo_metadata()?;
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

/// Fails unless every target wrote exactly its run, complete (no group filter).
fn check_complete(targets: &[(String, String)], runs: &[Run]) -> Result<()> {
    for (package, bench) in targets {
        if !runs
            .iter()
            .any(|run| &run.package == package && &run.bench == bench)
        {
            bail!(
                "`cargo bench -p {package} --bench {bench}` wrote no figures: a benchmark must \
                 measure with wagather_figures::Harness::from_args({package:?}, {bench:?})"
            );
        }
    }
    for run in runs {
        if !targets
            .iter()
            .any(|(package, bench)| &run.package == package && &run.bench == bench)
        {
            bail!(
                "figures of {}, which is no bench target of the workspace",
                run.name()
            );
        }
        if !run.filter.is_empty() {
            bail!("{} measured only the groups {:?}", run.name(), run.filter);
        }
    }
    Ok(())
}

/// The hand-written notes `BENCHMARKS.md` links to: [`NOTES`] and every `BENCHMARKS*.md` of a
/// crate, each described by its first heading.
fn documents(root: &Path) -> Result<Vec<Document>> {
    let mut paths: Vec<PathBuf> = vec![root.join(NOTES)];
    let mut crates: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(root).with_context(|| format!("listing {}", root.display()))? {
        let dir = entry?.path();
        if dir.join("Cargo.toml").is_file() {
            crates.push(dir);
        }
    }
    crates.sort();
    for dir in crates {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("BENCHMARKS") && n.ends_with(".md"))
            })
            .collect();
        found.sort();
        paths.extend(found);
    }
    let mut documents = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let about = text
            .lines()
            .find_map(|line| line.strip_prefix("# "))
            .unwrap_or("notes")
            .trim()
            .to_owned();
        let relative = path.strip_prefix(root).unwrap_or(&path);
        documents.push(Document {
            path: relative.display().to_string(),
            about,
        });
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(package: &str, bench: &str) -> Run {
        serde_json::from_value(serde_json::json!({
            "format": wagather_figures::FORMAT, "package": package, "bench": bench, "quick": true,
            "started": "2026-12-01T10:00:00Z", "finished": "2026-12-01T10:01:00Z",
            "machine": {"cpu": "x", "cores": 2, "os": "Linux", "rustc": "rustc"},
            "figures": []
        }))
        .unwrap()
    }

    #[test]
    fn every_target_must_write_its_run_and_only_its_run() {
        let targets = vec![("wagather-bench".to_owned(), "suite".to_owned())];
        check_complete(&targets, &[run_of("wagather-bench", "suite")]).unwrap();

        let err = check_complete(&targets, &[]).unwrap_err();
        assert!(err.to_string().contains("wrote no figures"), "{err}");

        let err = check_complete(
            &targets,
            &[run_of("wagather-bench", "suite"), run_of("x", "y")],
        )
        .unwrap_err();
        assert!(err.to_string().contains("no bench target"), "{err}");

        let mut filtered = run_of("wagather-bench", "suite");
        filtered.filter = vec!["load".into()];
        assert!(check_complete(&targets, &[filtered]).is_err());
    }

    #[test]
    fn the_notes_are_linked_with_their_title() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let documents = documents(root).unwrap();
        assert_eq!(documents[0].path, NOTES);
        assert!(
            documents
                .iter()
                .any(|d| d.path == "codegen/BENCHMARKS.md" && d.about.contains("codegen")),
            "{documents:?}"
        );
    }
}
