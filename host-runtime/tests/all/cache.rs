//! Compiled components are cached on disk and reused, by another runtime too.

use std::path::Path;

use wagather_host::{GathererSpec, Runtime, RuntimeOptions, load_all};

#[test]
fn compiled_component_is_cached_and_reused() {
    let component = Path::new(wagather_guests::TEST_GUEST_HOSTILE);
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = || {
        Runtime::new(RuntimeOptions {
            cache_dir: Some(cache.path().to_owned()),
            ..RuntimeOptions::default()
        })
        .expect("runtime")
    };

    // The runtimes map their entries, so they end before the entries are damaged below (the
    // host never changes an entry in place; a damaged one is what a disk or a person leaves).
    let digest = {
        let first = runtime();
        let loaded = first.load(component).expect("first load");
        assert_eq!(
            (first.cache_stats().hits, first.cache_stats().misses),
            (0, 1)
        );
        first.load(component).expect("second load");
        assert_eq!(first.cache_stats().hits, 1);

        // A second runtime (another process, as far as the cache can tell) loads from the cache.
        let second = runtime();
        let again = second.load(component).expect("load in a new runtime");
        assert_eq!(again.digest, loaded.digest);
        assert_eq!(
            (second.cache_stats().hits, second.cache_stats().misses),
            (1, 0)
        );
        loaded.digest
    };

    // A damaged cache entry is not trusted: the component is compiled again.
    let mut damaged = 0;
    for entry in walk(cache.path()) {
        if entry.metadata().expect("metadata").len() > 1024 {
            std::fs::write(&entry, b"garbage").expect("damage the cache");
            damaged += 1;
        }
    }
    assert!(
        damaged >= 1,
        "no cache entry found in {}",
        cache.path().display()
    );
    let third = runtime();
    let recompiled = third.load(component).expect("load after damage");
    assert_eq!(recompiled.digest, digest);
    assert_eq!(
        (third.cache_stats().hits, third.cache_stats().misses),
        (0, 1)
    );
}

/// `load_all` loads several components at once; what it returns is in the order it was given,
/// a failed load included, and each load from a warm cache is a hit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_all_keeps_the_order_of_its_gatherers() {
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let not_wasm = cache.path().join("not-a-component.wasm");
    std::fs::write(&not_wasm, b"not wasm").expect("write");
    let specs = [
        GathererSpec::file(wagather_guests::CLUSTERCONFIG_VERSION),
        GathererSpec::named("first-echo", wagather_guests::TEST_GUEST_BENCH_ECHO),
        GathererSpec::file(&not_wasm),
        GathererSpec::file(wagather_guests::CLUSTER_OPERATORS),
        GathererSpec::file(wagather_guests::CLUSTERCONFIG_NODES),
        GathererSpec::named("second-echo", wagather_guests::TEST_GUEST_BENCH_ECHO),
    ];
    let names = |planned: &[wagather_host::Planned]| {
        planned
            .iter()
            .map(|p| (p.name.clone(), p.gatherer.is_ok()))
            .collect::<Vec<_>>()
    };
    let expected = [
        ("clusterconfig/version", true),
        ("first-echo", true),
        ("not-a-component", false),
        ("cluster-operators", true),
        ("clusterconfig/nodes", true),
        ("second-echo", true),
    ]
    .map(|(name, ok)| (name.to_owned(), ok));
    assert_eq!(names(&load_all(&runtime, &specs).await), expected);

    let warm = runtime.cache_stats().hits;
    assert_eq!(names(&load_all(&runtime, &specs).await), expected);
    assert_eq!(runtime.cache_stats().hits - warm, 5, "five cached loads");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
