//! The compiled-artifact cache: each component compiled once, its native code kept in a
//! directory only the host can write, and loaded from there at every later start.
//!
//! An entry is what `Component::serialize` writes, named by the SHA-256 of the component's
//! bytes (the digest the host names a gatherer by, so one hash serves both) inside a folder
//! named by the engine's compatibility hash, which covers the wasmtime version and every
//! setting that changes compiled code: an engine built otherwise finds a folder of its own, and
//! folders of other engines are removed when the cache opens. An entry that does not
//! deserialize is compiled again and replaced. When the folder holds more than [`MAX_ENTRIES`]
//! entries the oldest are removed (gatherers replaced long ago).
//!
//! Entries are mapped, not read: the code of a loaded component stays a private mapping of its
//! file, and a start copies nothing. With the whole catalog loaded the host's anonymous memory
//! is about 7 MB where the copies took most of 66 MB, and its start takes half the time
//! (`catalog/*/memory/wasm/loaded*` and `catalog/cached` in BENCHMARKS.md, bench/NOTES.md).
//! A mapped file must not change underneath, and none does: the host writes an entry to a
//! temporary file and renames it over the old one (the mapping keeps the old file), and removes
//! entries by unlinking them (the same); no one else can write the directory.
//!
//! The directory is created with mode 0700 and refused when others can write it: an entry is
//! native code the host runs. The host verifies what it compiles (digest, signature) before it
//! compiles it, so a verified component can only meet an entry made from exactly those bytes.
//!
//! Why not wasmtime's built-in cache, which the host used before: it hashes the bytes again,
//! reads, decompresses and deserializes each entry, several times a mapped entry's load
//! (`cache/*/builtin_over_host` in BENCHMARKS.md), which put the whole catalog's start over
//! its budget (`catalog/cached`). Its entries are a third the size on disk; that is the price.

use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::Engine;
use wasmtime::component::Component;

/// Entries kept per engine; beyond it the oldest go when the cache opens.
pub const MAX_ENTRIES: usize = 512;

/// The extension of an entry.
const ENTRY: &str = "cwasm";

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
}

/// Hits and misses of the cache since the runtime started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Components loaded from the cache.
    pub hits: u64,
    /// Components compiled (and stored).
    pub misses: u64,
}

/// The cache of one engine.
#[derive(Debug)]
pub(crate) struct ArtifactCache {
    /// The engine's folder.
    dir: PathBuf,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ArtifactCache {
    /// Opens the cache under `root` (created 0700 if needed) for `engine`, removing the folders
    /// of other engines and the oldest entries beyond [`MAX_ENTRIES`].
    pub(crate) fn open(root: &Path, engine: &Engine) -> Result<ArtifactCache, CacheError> {
        let root = std::path::absolute(root).map_err(|source| CacheError::Directory {
            path: root.to_owned(),
            source,
        })?;
        prepare_directory(&root)?;
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let folder = format!("engine-{:016x}", hasher.finish());
        let dir = root.join(&folder);
        prepare_directory(&dir)?;
        remove_other_engines(&root, &folder);
        remove_oldest(&dir, MAX_ENTRIES);
        Ok(ArtifactCache {
            dir,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    /// The component whose bytes are `bytes` and whose SHA-256 is `sha256_hex`: from its entry,
    /// else compiled and stored.
    pub(crate) fn component(
        &self,
        engine: &Engine,
        sha256_hex: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<Component> {
        let path = self.dir.join(format!("{sha256_hex}.{ENTRY}"));
        match std::fs::metadata(&path) {
            Ok(_) => {
                #[allow(
                    unsafe_code,
                    reason = "the entry is native code this host serialized into a directory only \
                              its user can write; wasmtime checks that it was made by a compatible \
                              engine, and the host never changes an entry's file in place (it \
                              renames a new file over it or unlinks it), so the mapping cannot \
                              change under the running code"
                )]
                // SAFETY: see the reason above.
                match unsafe { Component::deserialize_file(engine, &path) } {
                    Ok(component) => {
                        self.hits.fetch_add(1, Ordering::Relaxed);
                        return Ok(component);
                    }
                    Err(e) => tracing::warn!(
                        "compiling {sha256_hex} again: its cached entry {} is unusable: {e:#}",
                        path.display()
                    ),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(
                "compiling {sha256_hex} again: cannot read its cached entry {}: {e}",
                path.display()
            ),
        }
        let component = Component::new(engine, bytes)?;
        self.misses.fetch_add(1, Ordering::Relaxed);
        match component.serialize() {
            Ok(artifact) => {
                if let Err(e) = write_atomically(&path, &artifact) {
                    tracing::warn!("cannot store compiled {sha256_hex} in the cache: {e}");
                }
            }
            Err(e) => tracing::warn!("cannot serialize compiled {sha256_hex}: {e:#}"),
        }
        Ok(component)
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// The engine's folder.
    pub(crate) fn directory(&self) -> &Path {
        &self.dir
    }
}

/// Writes `data` to a temporary file beside `path` and renames it over `path`: a reader sees
/// the old entry or the new one, never part of one.
fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(data)?;
    file.as_file().sync_data()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Removes the folders of engines other than `keep` (another wasmtime version or other
/// settings left them); what cannot be removed is left.
fn remove_other_engines(root: &Path, keep: &str) {
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("engine-")
            && name != keep
            && let Err(e) = std::fs::remove_dir_all(entry.path())
        {
            tracing::warn!(
                "cannot remove stale cache folder {}: {e}",
                entry.path().display()
            );
        }
    }
}

/// Removes the oldest entries of `dir` (by modification time) beyond `keep`.
fn remove_oldest(dir: &Path, keep: usize) {
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == ENTRY))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if entries.len() <= keep {
        return;
    }
    entries.sort();
    let excess = entries.len() - keep;
    for (_, path) in entries.into_iter().take(excess) {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!("cannot remove old cache entry {}: {e}", path.display());
        }
    }
}

/// Creates `dir` and its missing parents 0700 (what the host keeps there is native code or
/// what becomes it) and returns the permission bits `dir` has, which a directory that existed
/// already keeps: its caller refuses or tightens them.
#[cfg(unix)]
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<u32> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    Ok(std::fs::metadata(dir)?.permissions().mode() & 0o777)
}

#[cfg(unix)]
fn prepare_directory(dir: &Path) -> Result<(), CacheError> {
    let mode = create_private_dir(dir).map_err(|source| CacheError::Directory {
        path: dir.to_owned(),
        source,
    })?;
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

    fn engine() -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).expect("engine")
    }

    /// An empty component, compiled in a moment.
    const EMPTY: &[u8] = b"\0asm\x0d\0\x01\0";

    #[test]
    fn the_directory_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("a/b/cache");
        let cache = ArtifactCache::open(&dir, &engine()).expect("cache");
        for dir in [dir.as_path(), cache.directory()] {
            let mode = std::fs::metadata(dir).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", dir.display());
        }
    }

    #[test]
    fn a_directory_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("shared");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = ArtifactCache::open(&dir, &engine()).unwrap_err();
        assert!(
            matches!(err, CacheError::Unsafe { mode: 0o777, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("writable by the host's user only"));
    }

    #[test]
    fn an_entry_is_stored_then_loaded() {
        let root = tempfile::tempdir().expect("tempdir");
        let engine = engine();
        let cache = ArtifactCache::open(root.path(), &engine).expect("cache");
        cache.component(&engine, "aa", EMPTY).expect("compile");
        cache.component(&engine, "aa", EMPTY).expect("load");
        assert_eq!(cache.stats(), CacheStats { hits: 1, misses: 1 });
        assert!(cache.directory().join("aa.cwasm").is_file());
        // Nothing but the entry: the temporary file was renamed.
        assert_eq!(
            std::fs::read_dir(cache.directory()).expect("dir").count(),
            1
        );
    }

    /// A loaded component maps its entry: replacing the entry the way the host does (a new file
    /// renamed over it) or removing it must leave the loaded component's code intact.
    #[test]
    fn a_loaded_component_outlives_its_entry_being_replaced_or_removed() {
        let root = tempfile::tempdir().expect("tempdir");
        let engine = engine();
        let cache = ArtifactCache::open(root.path(), &engine).expect("cache");
        let compiled = cache.component(&engine, "cc", EMPTY).expect("compile");
        let expected = compiled.serialize().expect("serialize");
        let loaded = cache.component(&engine, "cc", EMPTY).expect("load");
        assert_eq!(cache.stats().hits, 1);

        let entry = cache.directory().join("cc.cwasm");
        write_atomically(&entry, &vec![0xa5; expected.len()]).expect("replace");
        // Reading every byte of the mapped code: a mapping of the replaced file would fault
        // or read the new bytes.
        assert_eq!(loaded.serialize().expect("serialize"), expected);
        std::fs::remove_file(&entry).expect("remove");
        assert_eq!(loaded.serialize().expect("serialize"), expected);
    }

    #[test]
    fn an_unusable_entry_is_compiled_again_and_replaced() {
        let root = tempfile::tempdir().expect("tempdir");
        let engine = engine();
        let cache = ArtifactCache::open(root.path(), &engine).expect("cache");
        let entry = cache.directory().join("bb.cwasm");
        std::fs::write(&entry, b"not an artifact").expect("write");
        cache.component(&engine, "bb", EMPTY).expect("compile");
        assert_eq!(cache.stats(), CacheStats { hits: 0, misses: 1 });
        assert_ne!(std::fs::read(&entry).expect("entry"), b"not an artifact");
        cache.component(&engine, "bb", EMPTY).expect("load");
        assert_eq!(cache.stats().hits, 1);
    }

    #[test]
    fn other_engines_folders_and_the_oldest_entries_are_removed() {
        let root = tempfile::tempdir().expect("tempdir");
        let stale = root.path().join("engine-0000000000000000");
        std::fs::create_dir(&stale).expect("mkdir");
        let other = root.path().join("not-an-engine");
        std::fs::create_dir(&other).expect("mkdir");
        let engine = engine();
        let dir = ArtifactCache::open(root.path(), &engine)
            .expect("cache")
            .directory()
            .to_owned();
        assert!(!stale.exists() && other.exists());

        let now = std::time::SystemTime::now();
        for i in 0..5u64 {
            let path = dir.join(format!("{i}.cwasm"));
            std::fs::write(&path, b"x").expect("write");
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .expect("open");
            file.set_modified(now - std::time::Duration::from_secs(100 - i))
                .expect("mtime");
        }
        remove_oldest(&dir, 3);
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["2.cwasm", "3.cwasm", "4.cwasm"]);
    }
}
