//! Runs of figures as `BENCHMARKS.md`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::{Derivation, Figure, FigureError, Run, Unit};

/// A hand-written document `BENCHMARKS.md` links to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Path relative to the workspace root.
    pub path: String,
    /// What it holds, in a few words.
    pub about: String,
}

/// `BENCHMARKS.md` for `runs`, linking `documents`. Fails when a run is inconsistent
/// ([`Run::check`]) or two runs report the same figure id.
pub fn render(runs: &[Run], documents: &[Document]) -> Result<String, FigureError> {
    let mut ids = BTreeSet::new();
    for run in runs {
        run.check()?;
        for figure in &run.figures {
            if !ids.insert(figure.id.as_str()) {
                return Err(FigureError::Invalid {
                    run: run.name(),
                    problem: format!("figure `{}` is reported by another run too", figure.id),
                });
            }
        }
    }
    let mut md = String::from("# wagather benchmarks\n\n");
    md.push_str(
        "Written by `cargo xtask bench` from the figures each benchmark wrote as data in this \
         run; do not edit it, run it again. Figures only: what they mean and what was decided \
         from them is in hand-written notes",
    );
    if documents.is_empty() {
        md.push_str(".\n");
    } else {
        md.push_str(":\n\n");
        for doc in documents {
            let _ = writeln!(md, "- [{}]({}): {}", doc.path, doc.path, doc.about);
        }
    }
    md.push_str(
        "\nA figure is the median of its samples, with their spread: the median absolute \
         deviation (MAD), the smallest and largest sample and their number. A timed sample is \
         the mean time of a batch of iterations. A ratio is taken per round of two operations \
         timed in turns, or of two medians. A budget is the most the project accepts; a \
         missed budget is listed at the end with the figures that explain it. Each table \
         gives the command that measures its group alone.\n",
    );
    for run in runs {
        render_run(&mut md, run);
    }
    let missed: Vec<(&Run, &Figure)> = runs
        .iter()
        .flat_map(|run| run.figures.iter().map(move |f| (run, f)))
        .filter(|(_, f)| f.met() == Some(false))
        .collect();
    if !missed.is_empty() {
        md.push_str("\n## Missed budgets\n\n");
        for (run, figure) in missed {
            let Some(reason) = &figure.missed else {
                continue; // `check` refused this already.
            };
            let budget = figure.budget.as_ref().map_or(f64::NAN, |b| b.at_most);
            let _ = write!(
                md,
                "- `{}`: {} against at most {}. {}",
                figure.id,
                value_text(figure.unit, figure.summary.median),
                value_text(figure.unit, budget),
                reason.text.trim_end()
            );
            let cited: Vec<String> = reason
                .cites
                .iter()
                .filter_map(|id| run.figure(id))
                .map(|f| format!("`{}` {}", f.id, value_text(f.unit, f.summary.median)))
                .collect();
            let _ = writeln!(md, " In this run: {}.", cited.join(", "));
        }
    }
    Ok(md)
}

fn render_run(md: &mut String, run: &Run) {
    let _ = write!(md, "\n## `{}`\n\n", run.command());
    if run.quick {
        md.push_str(
            "A quick run (every benchmark once, on small inputs): it shows that the benchmarks \
             run, not what they measure.\n\n",
        );
    }
    if !run.filter.is_empty() {
        let _ = write!(md, "Only the groups {}.\n\n", run.filter.join(", "));
    }
    let _ = write!(
        md,
        "From {} to {} (UTC).\n\n| machine | |\n| --- | --- |\n",
        run.started, run.finished
    );
    let machine = &run.machine;
    let load = |load: Option<[f64; 3]>| {
        load.map_or_else(
            || "unknown".to_owned(),
            |[a, b, c]| format!("{a:.2} {b:.2} {c:.2}"),
        )
    };
    let memory = machine.memory_bytes.map_or_else(
        || "unknown".to_owned(),
        |m| format!("{:.1} GiB", m as f64 / f64::from(1u32 << 30)),
    );
    for (key, value) in [
        ("CPU", machine.cpu.clone()),
        ("cores", machine.cores.to_string()),
        ("memory", memory),
        ("OS", machine.os.clone()),
        ("rustc", machine.rustc.clone()),
        (
            "load average (1, 5, 15 min) at the start",
            load(machine.load_start),
        ),
        ("load average at the end", load(machine.load_end)),
    ] {
        let _ = writeln!(md, "| {key} | {} |", cell(&value));
    }
    if !run.notes.is_empty() {
        md.push_str("\nNotes of the run:\n\n");
        for note in &run.notes {
            let _ = writeln!(md, "- {note}");
        }
    }
    let mut groups: Vec<&str> = Vec::new();
    for figure in &run.figures {
        if !groups.contains(&figure.group.as_str()) {
            groups.push(&figure.group);
        }
    }
    for group in groups {
        let _ = write!(
            md,
            "\n### {group}\n\n`{}`\n\n| figure | what | median | spread | budget |\n\
             | --- | --- | --- | --- | --- |\n",
            run.group_command(group)
        );
        for figure in run.figures.iter().filter(|f| f.group == group) {
            let budget = match (&figure.budget, figure.met()) {
                (Some(b), Some(true)) => format!("≤ {}: met", value_text(figure.unit, b.at_most)),
                (Some(b), _) => format!("≤ {}: **missed**", value_text(figure.unit, b.at_most)),
                (None, _) => String::new(),
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {} |",
                figure.id,
                cell(&figure.what),
                value_text(figure.unit, figure.summary.median),
                cell(&spread_text(figure)),
                budget
            );
        }
    }
}

/// Text for a table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Three significant digits, at most.
fn significant(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// A value of `unit` in a readable scale: `1.23 ms`, `292 kB`, `1.75 x`.
pub fn value_text(unit: Unit, value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let scaled = |steps: &[(f64, &str)]| {
        let (scale, name) = steps
            .iter()
            .rev()
            .find(|(scale, _)| value.abs() >= *scale)
            .unwrap_or(&steps[0]);
        format!("{} {name}", significant(value / scale))
    };
    match unit {
        Unit::Ns => scaled(&[(1.0, "ns"), (1e3, "µs"), (1e6, "ms"), (1e9, "s")]),
        Unit::Bytes => scaled(&[(1.0, "B"), (1e3, "kB"), (1e6, "MB"), (1e9, "GB")]),
        Unit::Ratio => format!("{value:.2} x"),
        Unit::Count if value.fract() == 0.0 => format!("{value:.0}"),
        Unit::Count => significant(value),
    }
}

/// The spread of a figure in words: `± 1.2 µs MAD, 10.1 µs .. 14.0 µs, n = 20`.
pub fn spread_text(figure: &Figure) -> String {
    let s = &figure.summary;
    let unit = figure.unit;
    match &figure.derived {
        Some(Derivation::RatioOfMedians {
            numerator,
            denominator,
        }) => return format!("median of `{numerator}` / median of `{denominator}`"),
        Some(Derivation::RatioPerRound { .. }) | None => {}
    }
    if s.n <= 1 {
        return "one value".to_owned();
    }
    format!(
        "± {} MAD, {} .. {}, n = {}",
        value_text(unit, s.mad),
        value_text(unit, s.min),
        value_text(unit, s.max),
        s.n
    )
}

/// Median and spread on one line, as a benchmark prints a figure it measured.
pub(crate) fn summary_text(figure: &Figure) -> String {
    format!(
        "{} ({})",
        value_text(figure.unit, figure.summary.median),
        spread_text(figure)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{figure, run};
    use crate::{Budget, Reason, Summary};

    #[test]
    fn values_get_a_readable_scale() {
        assert_eq!(value_text(Unit::Ns, 547.0), "547 ns");
        assert_eq!(value_text(Unit::Ns, 14_100.0), "14.1 µs");
        assert_eq!(value_text(Unit::Ns, 4_560_000.0), "4.56 ms");
        assert_eq!(value_text(Unit::Ns, 2.5e9), "2.50 s");
        assert_eq!(value_text(Unit::Bytes, 292_400.0), "292 kB");
        assert_eq!(value_text(Unit::Bytes, 162_000_000.0), "162 MB");
        assert_eq!(value_text(Unit::Ratio, 1.754), "1.75 x");
        assert_eq!(value_text(Unit::Count, 31.0), "31");
        assert_eq!(value_text(Unit::Ns, 0.0), "0.00 ns");
    }

    fn sample_run() -> Run {
        let mut cached = figure("load/cached", 836_200.0);
        cached.samples = vec![830_000.0, 836_200.0, 900_000.0];
        cached.summary = Summary::of(&cached.samples).unwrap();
        cached.budget = Some(Budget { at_most: 5e6 });
        let mut ratio = figure("gather/small/ratio", 1.75);
        ratio.unit = Unit::Ratio;
        ratio.budget = Some(Budget { at_most: 1.15 });
        ratio.missed = Some(Reason::new(
            "The guest's own work is measured apart.",
            &["work/ratio"],
        ));
        let mut work = figure("work/ratio", 2.29);
        work.unit = Unit::Ratio;
        work.what = "wasm | native".into();
        run(vec![cached, ratio, work])
    }

    #[test]
    fn figures_render_with_their_command_machine_and_date() {
        let md = render(
            &[sample_run()],
            &[Document {
                path: "bench/NOTES.md".into(),
                about: "what the figures mean".into(),
            }],
        )
        .unwrap();
        assert!(
            md.contains("## `cargo bench -p wagather-bench --bench suite`"),
            "{md}"
        );
        assert!(
            md.contains("`cargo bench -p wagather-bench --bench suite -- load`"),
            "{md}"
        );
        assert!(
            md.contains("From 2026-12-01T10:00:00Z to 2026-12-01T10:05:00Z"),
            "{md}"
        );
        assert!(md.contains("| cores | 0 |"), "{md}");
        assert!(
            md.contains("[bench/NOTES.md](bench/NOTES.md): what the figures mean"),
            "{md}"
        );
        assert!(
            md.contains(
                "| `load/cached` | what load/cached measures | 836 µs | ± 6.20 µs MAD, 830 µs .. 900 µs, n = 3 | ≤ 5.00 ms: met |"
            ),
            "{md}"
        );
        assert!(md.contains("wasm \\| native"), "{md}");
        assert!(md.contains("| ≤ 1.15 x: **missed** |"), "{md}");
        assert!(
            md.contains(
                "- `gather/small/ratio`: 1.75 x against at most 1.15 x. The guest's own work is \
                 measured apart. In this run: `work/ratio` 2.29 x."
            ),
            "{md}"
        );
    }

    #[test]
    fn nothing_is_rendered_from_inconsistent_runs() {
        let mut broken = sample_run();
        broken.figures[1].missed = None;
        assert!(render(&[broken], &[]).is_err());

        let mut other = run(vec![figure("load/cached", 1.0)]);
        other.bench = "other".into();
        let err = render(&[sample_run(), other], &[]).unwrap_err();
        assert!(err.to_string().contains("another run"), "{err}");
    }

    #[test]
    fn a_quick_run_says_so() {
        let mut quick = sample_run();
        quick.quick = true;
        let md = render(&[quick], &[]).unwrap();
        assert!(md.contains("A quick run"), "{md}");
    }
}
