//! Compiled components are cached on disk and reused.

use wagather_host::{Runtime, RuntimeOptions};

use crate::guests::guest;

fn cached_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn compiled_component_is_cached_and_reused() {
    let component = guest("test-guest-hostile-spin");
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");

    let first = runtime.load(&component).expect("first load");
    let files = cached_files(cache.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let digest = first.digest.strip_prefix("sha256:").expect("digest");
    let name = files[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with(digest) && name.ends_with(".cwasm"),
        "{name}"
    );
    let modified = std::fs::metadata(&files[0])
        .expect("metadata")
        .modified()
        .expect("mtime");

    // A second runtime (another process, as far as the cache can tell) reuses the file.
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeOptions::default()
    })
    .expect("runtime");
    let second = runtime.load(&component).expect("second load");
    assert_eq!(second.digest, first.digest);
    assert_eq!(cached_files(cache.path()), files);
    assert_eq!(
        std::fs::metadata(&files[0])
            .expect("metadata")
            .modified()
            .expect("mtime"),
        modified
    );

    // A damaged cache entry is replaced, not trusted.
    std::fs::write(&files[0], b"garbage").expect("damage the cache");
    runtime.load(&component).expect("load after damage");
    assert!(std::fs::metadata(&files[0]).expect("metadata").len() > 7);
}
