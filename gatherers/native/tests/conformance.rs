//! The whole catalog, run natively against the sample archive served as a snapshot, against
//! the sample: every path it writes must equal the sample's or be explained by the exception
//! table, and it must cover enough of `config/` (see `catalog-conformance`). The same check
//! runs the catalog as components through the host with `cargo xtask conformance`.

use std::path::PathBuf;
use std::sync::Arc;

use catalog_conformance::{EXCEPTIONS, Files, compare, run_config};
use catalog_native::{CATALOG, Target};
use wagather_snapshot::{Snapshot, SnapshotServer};

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/insights-archive-sample")
}

#[test]
fn the_catalog_writes_the_sample() {
    let snapshot = Snapshot::load(&sample_dir()).expect("the sample loads");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the snapshot server");
    let server = runtime
        .block_on(SnapshotServer::start(
            Arc::new(snapshot),
            "127.0.0.1:0".parse().expect("an address"),
        ))
        .expect("the snapshot server starts");
    let target = Target::Url(server.url());
    let mut runs = Vec::new();
    for entry in CATALOG {
        let config = run_config(&entry.name());
        // Reads outside a manifest are refused, as the host refuses them.
        runs.push(catalog_native::run(entry, &target, &config, true).expect("the gatherer runs"));
    }
    runtime.block_on(server.shutdown());
    for run in &runs {
        for error in &run.output.errors {
            eprintln!("{}: {error}", run.name);
        }
    }
    let out = tempfile::tempdir().expect("a temporary directory");
    catalog_native::write_records(&runs, out.path()).expect("records are written");
    let sample = Files::from_dir(&sample_dir()).expect("the sample reads");
    let produced = Files::from_dir(out.path()).expect("the records read");
    let report = compare(&sample, &produced, EXCEPTIONS);
    println!("{}", report.markdown());
    let failures = report.failures();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
