//! The harness benchmarks measure with: groups of figures, timing by batches of iterations,
//! interleaved comparisons, and the run's file.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::render::value_text;
use crate::{
    Budget, DIR_VAR, Derivation, FORMAT, Figure, Machine, Reason, Run, Summary, Unit, machine,
};

/// How long a benchmark measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// A quick run: one sample of one iteration, no warm-up; benchmarks also shrink their
    /// inputs ([`Group::quick`]).
    pub quick: bool,
    /// How long a timed figure runs before its samples are taken; it also estimates how many
    /// iterations a sample needs.
    pub warm_up: Duration,
    /// Samples per timed figure (rounds of a comparison).
    pub samples: usize,
    /// The least time one sample runs for: fast operations are repeated in a batch, and the
    /// sample is the batch's time per iteration.
    pub sample_time: Duration,
}

impl Settings {
    /// What `cargo bench` measures with.
    pub fn full() -> Settings {
        Settings {
            quick: false,
            warm_up: Duration::from_millis(300),
            samples: 12,
            sample_time: Duration::from_millis(60),
        }
    }

    /// Every benchmark once, to check that it runs.
    pub fn quick() -> Settings {
        Settings {
            quick: true,
            warm_up: Duration::ZERO,
            samples: 1,
            sample_time: Duration::ZERO,
        }
    }
}

/// A benchmark run in progress; [`Harness::finish`] writes it.
#[derive(Debug)]
pub struct Harness {
    run: Run,
    settings: Settings,
    dir: PathBuf,
    groups_seen: Vec<String>,
}

impl Harness {
    /// The harness of bench target `bench` of `package`, set up from the command line: with
    /// `--bench` (which `cargo bench` passes) a full run, without it (`cargo test --benches`) a
    /// quick one; arguments that do not start with `-` name the groups to run (all without).
    /// Runs are written to [`DIR_VAR`], or else `<target>/wagather-figures/{full,quick}/`.
    pub fn from_args(package: &str, bench: &str) -> Harness {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let settings = if args.iter().any(|a| a == "--bench") {
            Settings::full()
        } else {
            Settings::quick()
        };
        let filter = args
            .iter()
            .filter(|a| !a.starts_with('-'))
            .cloned()
            .collect();
        let dir = match std::env::var_os(DIR_VAR) {
            Some(dir) => PathBuf::from(dir),
            None => default_dir(settings.quick),
        };
        Harness::new(package, bench, settings, filter, dir)
    }

    /// A harness with explicit settings, group filter and output directory.
    pub fn new(
        package: &str,
        bench: &str,
        settings: Settings,
        filter: Vec<String>,
        dir: PathBuf,
    ) -> Harness {
        Harness {
            run: Run {
                format: FORMAT,
                package: package.to_owned(),
                bench: bench.to_owned(),
                quick: settings.quick,
                filter,
                started: now(),
                finished: String::new(),
                machine: Machine::current(),
                figures: Vec::new(),
                notes: Vec::new(),
            },
            settings,
            dir,
            groups_seen: Vec::new(),
        }
    }

    /// Whether this is a quick run.
    pub fn quick(&self) -> bool {
        self.settings.quick
    }

    /// Whether the command line asked for `group` (or for every group).
    pub fn wants(&self, group: &str) -> bool {
        self.run.filter.is_empty() || self.run.filter.iter().any(|f| f == group)
    }

    /// A finding of the run that is not a figure.
    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        println!("note: {text}");
        self.run.notes.push(text);
    }

    /// Runs `body` as group `name`, unless the command line left the group out.
    pub fn group(&mut self, name: &str, body: impl FnOnce(&mut Group<'_>)) {
        self.groups_seen.push(name.to_owned());
        if !self.wants(name) {
            return;
        }
        println!("== {name}");
        body(&mut Group {
            harness: self,
            name: name.to_owned(),
        });
    }

    /// The figures so far.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// Checks the run and writes it; returns it. Panics when the figures contradict themselves
    /// or the command line named a group that does not exist: both are mistakes in the
    /// benchmark or its invocation, and a run that cannot be rendered is not worth keeping.
    pub fn finish(mut self) -> Run {
        let unknown: Vec<&String> = self
            .run
            .filter
            .iter()
            .filter(|f| !self.groups_seen.contains(f))
            .collect();
        assert!(
            unknown.is_empty(),
            "no group {unknown:?} in {}; its groups are {:?}",
            self.run.name(),
            self.groups_seen
        );
        self.run.finished = now();
        self.run.machine.load_end = machine::load_average();
        // Citations may point into groups a filtered run left out.
        if self.run.filter.is_empty()
            && let Err(e) = self.run.check()
        {
            panic!("{e}");
        }
        match self.run.write_to(&self.dir) {
            Ok(path) => println!("figures written to {}", path.display()),
            Err(e) => panic!("{e}"),
        }
        self.run
    }
}

/// `<target>/wagather-figures/{full,quick}`, found from this binary's path
/// (`<target>/<profile>/deps/<bench>-<hash>`).
fn default_dir(quick: bool) -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"));
    target
        .join("wagather-figures")
        .join(if quick { "quick" } else { "full" })
}

fn now() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
}

/// The figures of one group.
#[derive(Debug)]
pub struct Group<'h> {
    harness: &'h mut Harness,
    name: String,
}

impl<'h> Group<'h> {
    /// Whether this is a quick run: benchmarks shrink their inputs.
    pub fn quick(&self) -> bool {
        self.harness.settings.quick
    }

    /// The run's settings.
    pub fn settings(&self) -> &Settings {
        &self.harness.settings
    }

    /// A finding of the run that is not a figure.
    pub fn note(&mut self, text: impl Into<String>) {
        self.harness.note(text);
    }

    /// A figure of this run measured so far, by id.
    pub fn figure(&self, id: &str) -> Option<&Figure> {
        self.harness.run.figure(id)
    }

    fn push(&mut self, figure: Figure) -> FigureRef<'_> {
        println!("{:<48} {}", figure.id, crate::render::summary_text(&figure));
        let figures = &mut self.harness.run.figures;
        figures.push(figure);
        let last = figures.len() - 1;
        FigureRef {
            figure: &mut figures[last],
        }
    }

    fn figure_of(
        &self,
        id: &str,
        what: &str,
        unit: Unit,
        samples: Vec<f64>,
        summary: Summary,
    ) -> Figure {
        Figure {
            id: id.to_owned(),
            group: self.name.clone(),
            what: what.to_owned(),
            unit,
            samples,
            iterations: None,
            summary,
            derived: None,
            budget: None,
            missed: None,
        }
    }

    /// A figure from samples the benchmark took itself. Panics on no samples or one that is
    /// not a finite number (a broken benchmark).
    pub fn samples(
        &mut self,
        id: &str,
        what: &str,
        unit: Unit,
        samples: Vec<f64>,
    ) -> FigureRef<'_> {
        let summary = Summary::of(&samples)
            .unwrap_or_else(|| panic!("{id}: no samples, or one is not a number: {samples:?}"));
        let figure = self.figure_of(id, what, unit, samples, summary);
        self.push(figure)
    }

    /// A figure from durations the benchmark measured itself.
    pub fn durations(&mut self, id: &str, what: &str, samples: &[Duration]) -> FigureRef<'_> {
        let nanos = samples.iter().map(|d| d.as_secs_f64() * 1e9).collect();
        self.samples(id, what, Unit::Ns, nanos)
    }

    /// A figure of one value (a size).
    pub fn value(&mut self, id: &str, what: &str, unit: Unit, value: f64) -> FigureRef<'_> {
        self.samples(id, what, unit, vec![value])
    }

    /// Figure `id` of this run, which a derived figure is made from; panics when there is
    /// none (a benchmark deriving from a figure it did not take).
    fn earlier(&self, id: &str) -> &Figure {
        self.figure(id)
            .unwrap_or_else(|| panic!("no figure {id} in this run"))
    }

    /// The median of figure `numerator` over that of `denominator`, both of this run.
    pub fn ratio_of_medians(
        &mut self,
        id: &str,
        what: &str,
        numerator: &str,
        denominator: &str,
    ) -> FigureRef<'_> {
        let median = |id: &str| self.earlier(id).summary.median;
        let ratio = median(numerator) / median(denominator);
        let mut figure = self.figure_of(id, what, Unit::Ratio, Vec::new(), Summary::exact(ratio));
        figure.derived = Some(Derivation::RatioOfMedians {
            numerator: numerator.to_owned(),
            denominator: denominator.to_owned(),
        });
        self.push(figure)
    }

    /// Times `op`: samples of batches of iterations, each sample the batch's time per
    /// iteration.
    pub fn time<T>(&mut self, id: &str, what: &str, mut op: impl FnMut() -> T) -> FigureRef<'_> {
        self.time_batches(id, what, |iterations| {
            let started = Instant::now();
            for _ in 0..iterations {
                black_box(op());
            }
            started.elapsed()
        })
    }

    /// Times an operation that runs a batch itself: `batch(n)` runs it `n` times and returns
    /// the time that counts (for example without a fixed cost measured apart).
    pub fn time_batches(
        &mut self,
        id: &str,
        what: &str,
        mut batch: impl FnMut(u64) -> Duration,
    ) -> FigureRef<'_> {
        let iterations = calibrate(&self.harness.settings, &mut batch);
        let samples: Vec<f64> = (0..self.harness.settings.samples)
            .map(|_| per_iteration(batch(iterations), iterations))
            .collect();
        let summary = Summary::of(&samples)
            .unwrap_or_else(|| panic!("{id}: a sample is not a number: {samples:?}"));
        let mut figure = self.figure_of(id, what, Unit::Ns, samples, summary);
        figure.iterations = Some(iterations);
        self.push(figure)
    }

    /// Operations timed in interleaved rounds: add them with [`Interleave::op`] or
    /// [`Interleave::batches`], the ratios to derive with [`Interleave::ratio`], then
    /// [`Interleave::run`].
    pub fn interleave<'g, 'op>(&'g mut self) -> Interleave<'g, 'h, 'op> {
        Interleave {
            group: self,
            ops: Vec::new(),
            ratios: Vec::new(),
        }
    }

    /// A ratio per round of two figures of this group whose samples were taken in the same
    /// rounds (sample i of each in round i).
    pub fn ratio_per_round(
        &mut self,
        id: &str,
        what: &str,
        numerator: &str,
        denominator: &str,
    ) -> FigureRef<'_> {
        let samples = |id: &str| self.earlier(id).samples.clone();
        let (top, bottom) = (samples(numerator), samples(denominator));
        assert_eq!(
            top.len(),
            bottom.len(),
            "{id}: {numerator} and {denominator} were not sampled in the same rounds"
        );
        let ratios: Vec<f64> = top.iter().zip(&bottom).map(|(a, b)| a / b).collect();
        let summary = Summary::of(&ratios)
            .unwrap_or_else(|| panic!("{id}: a ratio is not a number: {ratios:?}"));
        let mut figure = self.figure_of(id, what, Unit::Ratio, ratios, summary);
        figure.derived = Some(Derivation::RatioPerRound {
            numerator: numerator.to_owned(),
            denominator: denominator.to_owned(),
        });
        self.push(figure)
    }

    /// Holds figure `id` of this run to a budget (see [`FigureRef::budget`]).
    pub fn budget(&mut self, id: &str, at_most: f64, if_missed: Reason) {
        let figure = self
            .harness
            .run
            .figures
            .iter_mut()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no figure {id} in this run"));
        FigureRef { figure }.budget(at_most, if_missed);
    }
}

/// Operations timed in interleaved rounds (see [`Group::interleave`]). In round `r` the
/// operations run in turn starting with the `r`-th, so that a change of the machine's load
/// during the run moves every operation alike and no operation always runs first.
pub struct Interleave<'g, 'h, 'op> {
    group: &'g mut Group<'h>,
    ops: Vec<Op<'op>>,
    ratios: Vec<[String; 4]>,
}

struct Op<'op> {
    id: String,
    what: String,
    batch: Box<dyn FnMut(u64) -> Duration + 'op>,
}

impl std::fmt::Debug for Interleave<'_, '_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interleave")
            .field("ops", &self.ops.iter().map(|op| &op.id).collect::<Vec<_>>())
            .field("ratios", &self.ratios)
            .finish()
    }
}

impl<'op> Interleave<'_, '_, 'op> {
    /// An operation timed by iterations, as [`Group::time`] times it.
    pub fn op<T>(self, id: &str, what: &str, mut op: impl FnMut() -> T + 'op) -> Self {
        self.batches(id, what, move |iterations| {
            let started = Instant::now();
            for _ in 0..iterations {
                black_box(op());
            }
            started.elapsed()
        })
    }

    /// An operation that runs a batch itself, as [`Group::time_batches`] times it.
    pub fn batches(
        mut self,
        id: &str,
        what: &str,
        batch: impl FnMut(u64) -> Duration + 'op,
    ) -> Self {
        self.ops.push(Op {
            id: id.to_owned(),
            what: what.to_owned(),
            batch: Box::new(batch),
        });
        self
    }

    /// A figure `id`: `numerator` over `denominator` (ids of operations), per round.
    pub fn ratio(mut self, id: &str, what: &str, numerator: &str, denominator: &str) -> Self {
        self.ratios.push([
            id.to_owned(),
            what.to_owned(),
            numerator.to_owned(),
            denominator.to_owned(),
        ]);
        self
    }

    /// Calibrates every operation, runs the rounds and adds the figures: the operations', then
    /// the ratios'.
    pub fn run(self) {
        let Interleave {
            group,
            mut ops,
            ratios,
        } = self;
        let settings = group.harness.settings.clone();
        let iterations: Vec<u64> = ops
            .iter_mut()
            .map(|op| calibrate(&settings, &mut op.batch))
            .collect();
        let mut samples = vec![Vec::new(); ops.len()];
        for round in 0..settings.samples {
            for turn in 0..ops.len() {
                let i = (round + turn) % ops.len();
                let time = (ops[i].batch)(iterations[i]);
                samples[i].push(per_iteration(time, iterations[i]));
            }
        }
        for ((op, samples), iterations) in ops.iter().zip(samples).zip(iterations) {
            let summary = Summary::of(&samples)
                .unwrap_or_else(|| panic!("{}: a sample is not a number: {samples:?}", op.id));
            let mut figure = group.figure_of(&op.id, &op.what, Unit::Ns, samples, summary);
            figure.iterations = Some(iterations);
            group.push(figure);
        }
        for [id, what, numerator, denominator] in ratios {
            assert!(
                ops.iter().any(|op| op.id == numerator)
                    && ops.iter().any(|op| op.id == denominator),
                "{id}: {numerator} and {denominator} are not both operations of this comparison"
            );
            group.ratio_per_round(&id, &what, &numerator, &denominator);
        }
    }
}

/// Runs `batch` for the warm-up time (at least once in a full run, not at all in a quick one)
/// and returns the iterations a sample needs to last `sample_time`.
fn calibrate(settings: &Settings, batch: &mut impl FnMut(u64) -> Duration) -> u64 {
    if settings.quick {
        return 1;
    }
    let started = Instant::now();
    let (mut runs, mut measured) = (0u64, Duration::ZERO);
    while runs == 0 || started.elapsed() < settings.warm_up {
        measured += batch(1);
        runs += 1;
    }
    let per_run = measured.as_secs_f64() / runs as f64;
    if per_run <= 0.0 {
        return 1;
    }
    ((settings.sample_time.as_secs_f64() / per_run).ceil() as u64).max(1)
}

fn per_iteration(time: Duration, iterations: u64) -> f64 {
    time.as_secs_f64() * 1e9 / iterations.max(1) as f64
}

/// A figure just added, to give it a budget.
#[derive(Debug)]
pub struct FigureRef<'a> {
    figure: &'a mut Figure,
}

impl FigureRef<'_> {
    /// Holds the figure to `at_most` (in its unit). `if_missed` says why it would miss and
    /// cites the figures of the run that show it; it is kept only when the figure misses.
    pub fn budget(self, at_most: f64, if_missed: Reason) -> Self {
        self.figure.budget = Some(Budget { at_most });
        if self.figure.met() == Some(false) {
            println!(
                "{:<48} misses its budget of {}",
                self.figure.id,
                value_text(self.figure.unit, at_most)
            );
            self.figure.missed = Some(if_missed);
        }
        self
    }

    /// The figure's median.
    pub fn median(&self) -> f64 {
        self.figure.summary.median
    }

    /// The figure.
    pub fn figure(&self) -> &Figure {
        self.figure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn harness(settings: Settings, filter: &[&str]) -> (Harness, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "wagather-figures-harness-{}-{}",
            std::process::id(),
            filter.join("-")
        ));
        let filter = filter.iter().map(|f| (*f).to_owned()).collect();
        (
            Harness::new("pkg", "bench", settings, filter, dir.clone()),
            dir,
        )
    }

    fn fast() -> Settings {
        Settings {
            quick: false,
            warm_up: Duration::from_millis(5),
            samples: 5,
            sample_time: Duration::from_millis(2),
        }
    }

    #[test]
    fn timed_figures_batch_fast_operations_and_keep_every_sample() {
        let (mut h, dir) = harness(fast(), &[]);
        let mut calls = 0u64;
        h.group("g", |g| {
            let figure = g.time("g/add", "adding", || {
                calls += 1;
                black_box(1 + 1)
            });
            let figure = figure.figure();
            assert_eq!(figure.samples.len(), 5);
            assert!(figure.iterations.unwrap() > 1, "{figure:?}");
            assert_eq!(figure.unit, Unit::Ns);
        });
        assert!(calls > 5);
        let run = h.finish();
        assert_eq!(run.figures[0].group, "g");
        assert!(!run.finished.is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn quick_runs_run_each_operation_once() {
        let (mut h, dir) = harness(Settings::quick(), &[]);
        let (mut one, mut a, mut b) = (0, 0, 0);
        h.group("g", |g| {
            g.time("g/one", "one", || one += 1);
            g.interleave()
                .op("g/a", "a", || a += 1)
                .op("g/b", "b", || b += 1)
                .ratio("g/ratio", "a over b", "g/a", "g/b")
                .run();
        });
        assert_eq!((one, a, b), (1, 1, 1));
        assert!(h.finish().quick);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn interleaved_operations_take_turns_and_give_ratios_per_round() {
        let (mut h, dir) = harness(fast(), &[]);
        let order = std::cell::RefCell::new(Vec::new());
        h.group("g", |g| {
            g.interleave()
                .op("g/slow", "sleeps 20 ms", || {
                    order.borrow_mut().push('s');
                    std::thread::sleep(Duration::from_millis(20))
                })
                .op("g/fast", "sleeps 5 ms", || {
                    order.borrow_mut().push('f');
                    std::thread::sleep(Duration::from_millis(5))
                })
                .ratio("g/ratio", "slow over fast", "g/slow", "g/fast")
                .run();
            let ratio = g.figure("g/ratio").unwrap().clone();
            assert_eq!(ratio.samples.len(), 5);
            assert!(ratio.summary.median > 1.2, "{ratio:?}");
            assert!(matches!(
                ratio.derived,
                Some(Derivation::RatioPerRound { .. })
            ));
        });
        // Warm-up runs each once or more in turn, then the rounds alternate who goes first.
        let order: String = order.into_inner().into_iter().collect();
        assert!(order.ends_with("sffssffssf"), "{order}");
        let run = h.finish();
        let ids: Vec<&str> = run.figures.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["g/slow", "g/fast", "g/ratio"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missed_budget_keeps_its_reason_and_a_met_one_does_not() {
        let (mut h, dir) = harness(Settings::quick(), &[]);
        h.group("size", |g| {
            g.value("size/a", "a", Unit::Bytes, 100.0)
                .budget(50.0, Reason::new("b is why", &["size/b"]));
            g.value("size/b", "b", Unit::Bytes, 10.0)
                .budget(50.0, Reason::new("never shown", &["size/a"]));
        });
        let run = h.finish();
        assert_eq!(
            run.figures[0].missed,
            Some(Reason::new("b is why", &["size/b"]))
        );
        assert_eq!(run.figures[1].missed, None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    #[should_panic(expected = "not another figure of this run")]
    fn a_reason_citing_nothing_of_the_run_stops_the_benchmark() {
        let (mut h, _dir) = harness(Settings::quick(), &[]);
        h.group("size", |g| {
            g.value("size/a", "a", Unit::Bytes, 100.0)
                .budget(50.0, Reason::new("see", &["size/elsewhere"]));
        });
        h.finish();
    }

    #[test]
    fn a_filter_runs_only_the_groups_it_names() {
        let (mut h, dir) = harness(Settings::quick(), &["b"]);
        let mut ran = Vec::new();
        h.group("a", |_| ran.push("a"));
        h.group("b", |_| ran.push("b"));
        assert_eq!(ran, ["b"]);
        assert_eq!(h.finish().filter, ["b"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    #[should_panic(expected = "no group [\"c\"]")]
    fn a_filter_naming_no_group_is_refused() {
        let (mut h, _dir) = harness(Settings::quick(), &["c"]);
        h.group("a", |_| {});
        h.finish();
    }

    #[test]
    fn ratios_of_medians_are_derived_from_figures_of_the_run() {
        let (mut h, dir) = harness(Settings::quick(), &[]);
        h.group("g", |g| {
            g.value("g/a", "a", Unit::Ns, 30.0);
            g.value("g/b", "b", Unit::Ns, 10.0);
            assert_eq!(
                g.ratio_of_medians("g/ratio", "a / b", "g/a", "g/b")
                    .median(),
                3.0
            );
        });
        h.finish();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
