//! Verified component bytes on disk, addressed by sha256, and each gatherer's last good version.
//!
//! Layout under the store's root (created 0700: what is in it becomes code the host runs):
//!
//! ```text
//! <root>/blobs/sha256/<64 hex>     component bytes, 0600, written to a temp file and renamed
//! <root>/state/<gatherer>.json     the gatherer's last good version (LastGood), same atomic write
//!                                  (a `/` in the gatherer's name is written `%2F`)
//! ```
//!
//! Blobs are re-hashed on every load: a file that changed on disk is reported as corrupt and never
//! returned. A crash leaves either the old or the new file, never half of one. The state of a
//! gatherer is written only after its blob, so a state file never names bytes the store lacks.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::digest::Digest;
use crate::fetch::Revision;

/// A directory of verified components and last-good states.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// What the host last ran successfully for one gatherer: enough to run it again after a restart
/// without the network, and to ask the source whether something newer exists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastGood {
    /// The gatherer's name (from its manifest); also the state file's name.
    pub gatherer: String,
    /// The version its manifest declares.
    pub version: String,
    /// The sha256 of the component bytes, the blob's name.
    pub digest: Digest,
    /// The source it came from, as the config wrote it.
    pub source: String,
    /// When it became the last good version.
    pub stored_at: jiff::Timestamp,
    /// The https ETag it was served with, for the next conditional request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The OCI manifest digest it was pulled by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// The minisign signature it was accepted with, so it can be checked again after a restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl LastGood {
    /// What to tell [`crate::Fetcher::check`] about this version.
    pub fn revision(&self) -> Revision {
        Revision {
            digest: self.digest,
            etag: self.etag.clone(),
            manifest_digest: self.manifest_digest.clone(),
        }
    }
}

/// A store operation that failed; each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file system refused.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// A blob's bytes no longer hash to its name: it was changed or damaged on disk.
    #[error("{path}: corrupt: the bytes hash to {actual}, not {expected}; the blob is not used")]
    Corrupt {
        /// The blob file.
        path: PathBuf,
        /// Its name.
        expected: Digest,
        /// What its bytes hash to now.
        actual: Digest,
    },
    /// No blob with this digest.
    #[error("{path}: no component with digest {digest} in the store")]
    Missing {
        /// Where it would be.
        path: PathBuf,
        /// The digest asked for.
        digest: Digest,
    },
    /// A state file that is not valid.
    #[error("{path}: {why}")]
    State {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A gatherer name that cannot be a file name.
    #[error(
        "gatherer name `{0}` cannot name a state file: use `/`-separated segments of letters, digits, `.`, `_` and `-`, none empty or starting with `.`, at most 128 characters"
    )]
    Name(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |error| StoreError::Io {
        path: path.to_path_buf(),
        error,
    }
}

impl Store {
    /// Opens (and creates) the store at `root`; the root and its subdirectories are made 0700,
    /// also when they existed with wider permissions.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        let store = Self { root };
        for dir in [store.root.clone(), store.blob_dir(), store.state_dir()] {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(io(&dir))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io(&dir))?;
        }
        Ok(store)
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn blob_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    fn state_dir(&self) -> PathBuf {
        self.root.join("state")
    }

    /// Where the blob with `digest` lives.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blob_dir().join(digest.hex())
    }

    /// Stores `bytes` under their sha256 and returns it. Storing bytes that are already there (and
    /// intact) writes nothing; a damaged copy is replaced.
    pub fn put(&self, bytes: &[u8]) -> Result<Digest, StoreError> {
        let digest = Digest::of(bytes);
        match self.load(&digest) {
            Ok(_) => return Ok(digest),
            Err(StoreError::Missing { .. } | StoreError::Corrupt { .. }) => {}
            Err(e) => return Err(e),
        }
        write_atomic(&self.blob_dir(), &self.blob_path(&digest), bytes)?;
        Ok(digest)
    }

    /// Reads the blob with `digest` and checks that it still hashes to it.
    pub fn load(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let path = self.blob_path(digest);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    path,
                    digest: *digest,
                });
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(StoreError::Corrupt {
                path,
                expected: *digest,
                actual,
            });
        }
        Ok(bytes)
    }

    /// Deletes the blob with `digest` (absent is fine).
    pub fn remove(&self, digest: &Digest) -> Result<(), StoreError> {
        let path = self.blob_path(digest);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path)(e)),
            _ => Ok(()),
        }
    }

    /// The state file of `gatherer`. Gatherer names may have `/`-separated segments (the
    /// Insights Operator's `clusterconfig/nodes`); each `/` is written `%2F` in the file name, so
    /// every state is one file directly in `state/`.
    fn state_path(&self, gatherer: &str) -> Result<PathBuf, StoreError> {
        let segment_ok = |segment: &str| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        let ok = gatherer.len() <= 128 && gatherer.split('/').all(segment_ok);
        if !ok {
            return Err(StoreError::Name(gatherer.to_string()));
        }
        Ok(self
            .state_dir()
            .join(format!("{}.json", gatherer.replace('/', "%2F"))))
    }

    /// Records `state` as its gatherer's last good version. Its blob must already be in the store.
    pub fn set_last_good(&self, state: &LastGood) -> Result<(), StoreError> {
        let path = self.state_path(&state.gatherer)?;
        let blob = self.blob_path(&state.digest);
        if !blob.is_file() {
            return Err(StoreError::Missing {
                path: blob,
                digest: state.digest,
            });
        }
        let json = serde_json::to_vec_pretty(state).map_err(|e| StoreError::State {
            path: path.clone(),
            why: e.to_string(),
        })?;
        write_atomic(&self.state_dir(), &path, &json)
    }

    /// The last good version recorded for `gatherer`, if any.
    pub fn last_good(&self, gatherer: &str) -> Result<Option<LastGood>, StoreError> {
        let path = self.state_path(gatherer)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        let state: LastGood = serde_json::from_slice(&bytes).map_err(|e| StoreError::State {
            path: path.clone(),
            why: format!("not a last-good state: {e}"),
        })?;
        if state.gatherer != gatherer {
            return Err(StoreError::State {
                path,
                why: format!("names gatherer `{}`, not `{gatherer}`", state.gatherer),
            });
        }
        Ok(Some(state))
    }

    /// The last good state of `gatherer` with its bytes, re-hashed: what the host runs after a
    /// restart without touching the source.
    pub fn load_last_good(
        &self,
        gatherer: &str,
    ) -> Result<Option<(LastGood, Vec<u8>)>, StoreError> {
        let Some(state) = self.last_good(gatherer)? else {
            return Ok(None);
        };
        let bytes = self.load(&state.digest)?;
        Ok(Some((state, bytes)))
    }

    /// Every recorded last good state, sorted by gatherer name.
    pub fn all_last_good(&self) -> Result<Vec<LastGood>, StoreError> {
        let dir = self.state_dir();
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name();
            let Some(file) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            let gatherer = file.replace("%2F", "/");
            if let Some(state) = self.last_good(&gatherer)? {
                out.push(state);
            }
        }
        out.sort_by(|a, b| a.gatherer.cmp(&b.gatherer));
        Ok(out)
    }
}

/// Writes `bytes` to `path` through a temp file in `dir` (same file system), fsynced and renamed,
/// so readers see the old file or the whole new one.
fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io(dir))?;
    tmp.write_all(bytes).map_err(io(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    if let Ok(d) = fs::File::open(dir) {
        // Makes the rename itself durable; a failure here loses nothing already visible.
        let _ = d.sync_all();
    }
    Ok(())
}
