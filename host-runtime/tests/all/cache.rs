//! Compiled components are cached on disk and reused, by another runtime too.

use std::path::Path;

use wagather_host::{Runtime, RuntimeOptions};

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
    third.load(component).expect("load after damage");
    assert_eq!(third.cache_stats().hits, 0);
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
