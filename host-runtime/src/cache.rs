//! The compiled-artifact cache: wasmtime's built-in compilation cache, in a directory the
//! host names.
//!
//! A cached artifact is native code the host will run, so the cache is kept where only the
//! host can write: the directory is created with mode 0700 and refused when others can write
//! it. wasmtime keys each entry by a SHA-256 of the component's bytes and the engine's
//! compilation settings, writes entries atomically (temporary file, then rename), reads them
//! into memory rather than mapping them (a file changed underneath cannot crash the host),
//! and evicts old entries on a worker thread. The host verifies what it compiles (digest,
//! signature) before it compiles it, so a verified component can only hit an entry made from
//! exactly those bytes.
//!
//! The built-in cache replaced a hand-written one that serialized components next to their
//! digest: it costs a decompression per load, but brings eviction and versioning, and the
//! cached start stays well within its budget (BENCHMARKS.md, `load/cached`).

use std::path::{Path, PathBuf};

/// Why the cache could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The directory could not be created or inspected.
    #[error("could not prepare the compilation cache directory {}", path.display())]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Someone other than the host's user can write the directory.
    #[error(
        "the compilation cache directory {} can be written by others (mode {mode:o}); it holds native code the host runs, so it must be writable by the host's user only",
        path.display()
    )]
    Unsafe { path: PathBuf, mode: u32 },
    /// wasmtime refused the cache configuration.
    #[error("wasmtime could not use the compilation cache in {}", path.display())]
    Wasmtime {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Hits and misses of the cache since the runtime started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Components loaded from the cache.
    pub hits: u64,
    /// Components compiled (and stored).
    pub misses: u64,
}

/// wasmtime's cache for `dir`, which is created (0700) if needed.
pub(crate) fn open(dir: &Path) -> Result<wasmtime::Cache, CacheError> {
    let dir = std::path::absolute(dir).map_err(|source| CacheError::Directory {
        path: dir.to_owned(),
        source,
    })?;
    prepare_directory(&dir)?;
    let mut config = wasmtime::CacheConfig::new();
    config.with_directory(&dir);
    wasmtime::Cache::new(config).map_err(|e| CacheError::Wasmtime {
        path: dir.clone(),
        source: e.into(),
    })
}

pub(crate) fn stats(cache: &wasmtime::Cache) -> CacheStats {
    CacheStats {
        hits: cache.cache_hits() as u64,
        misses: cache.cache_misses() as u64,
    }
}

#[cfg(unix)]
fn prepare_directory(dir: &Path) -> Result<(), CacheError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let fail = |source| CacheError::Directory {
        path: dir.to_owned(),
        source,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(fail)?;
    let mode = std::fs::metadata(dir).map_err(fail)?.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(CacheError::Unsafe {
            path: dir.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn prepare_directory(dir: &Path) -> Result<(), CacheError> {
    std::fs::create_dir_all(dir).map_err(|source| CacheError::Directory {
        path: dir.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("a/b/cache");
        open(&dir).expect("cache");
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn a_directory_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("shared");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = open(&dir).unwrap_err();
        assert!(
            matches!(err, CacheError::Unsafe { mode: 0o777, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("writable by the host's user only"));
    }
}
