//! The Insights-style archive of one period.
//!
//! `insights-YYYY-MM-DD-HHMMSS.tar.gz` holds one regular file per record and
//! `insights-operator/gathers.json`. It is made in two steps:
//!
//! 1. **While the gatherers run**, each run writes its records as they arrive into a
//!    [`Spool`] of its own: an uncompressed tar in a hidden staging folder beside the archive.
//!    Neither the guest nor the host holds the records in memory, and a run that is stopped
//!    keeps what it wrote. Within a run, the first record to take a path owns it.
//! 2. **When every run has ended**, [`ArchiveWriter::assemble`] copies the spools into the
//!    compressed archive in the order the gatherers were given: where two gatherers wrote the
//!    same path, the earlier one's record is kept and the later one's is dropped and reported.
//!    The order is the operator's, so no gatherer can take another's path by being faster.
//!    [`Assembled::publish`] appends `gathers.json` and moves the archive to its name in one
//!    step.
//!
//! An uploader watching the directory sees a complete archive or none: the archive is only
//! ever written under a hidden name, and an archive that is dropped unfinished (a period
//! cancelled by shutdown, a failed write) leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use wagather_contract::record::{GATHERS_JSON, RESERVED_PATHS};

use super::records::{Claims, Taken};

/// Permissions of every archive entry: readable by owner and group only, as gathered cluster
/// data should be.
const ENTRY_MODE: u32 = 0o640;

/// Why the archive could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The output directory could not be created.
    #[error("could not create output directory {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing the archive or a spool failed.
    #[error("could not write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An archive of that name exists already; it is never overwritten.
    #[error("archive {} exists already; it is never overwritten", path.display())]
    Exists { path: PathBuf },
}

/// `insights-YYYY-MM-DD-HHMMSS.tar.gz` for a gather started at `at` (UTC).
pub fn archive_file_name(at: Timestamp) -> String {
    format!(
        "insights-{}.tar.gz",
        at.to_zoned(TimeZone::UTC).strftime("%Y-%m-%d-%H%M%S")
    )
}

/// The archive of one period, open for spools.
#[derive(Debug)]
pub struct ArchiveWriter {
    path: PathBuf,
    staging: PathBuf,
    mtime: u64,
}

/// One run's records, written as they arrive.
pub struct Spool {
    owner: String,
    path: PathBuf,
    tar: Option<tar::Builder<BufWriter<File>>>,
    claims: Claims,
    mtime: u64,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool")
            .field("owner", &self.owner)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A record the assembly dropped because an earlier gatherer wrote its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overwritten {
    /// The archive path.
    pub path: String,
    /// Its bytes.
    pub bytes: u64,
    /// The gatherer whose record was kept.
    pub owner: String,
}

/// The archive with every record in it, waiting for `gathers.json`.
pub struct Assembled {
    writer: ArchiveWriter,
    partial: PathBuf,
    tar: Option<tar::Builder<GzEncoder<BufWriter<File>>>>,
}

impl std::fmt::Debug for Assembled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assembled")
            .field("path", &self.writer.path)
            .finish_non_exhaustive()
    }
}

impl ArchiveWriter {
    /// Opens the archive for a period started at `at` in `dir` (created if needed). The
    /// archive's name must not exist yet.
    pub fn create(dir: &Path, at: Timestamp) -> Result<ArchiveWriter, ArchiveError> {
        std::fs::create_dir_all(dir).map_err(|source| ArchiveError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let name = archive_file_name(at);
        let path = dir.join(&name);
        if path.exists() {
            return Err(ArchiveError::Exists { path });
        }
        // Hidden, so that nothing collecting `insights-*.tar.gz` picks it up.
        let staging = dir.join(format!(".{name}.d"));
        std::fs::create_dir(&staging).map_err(|source| ArchiveError::Write {
            path: staging.clone(),
            source,
        })?;
        Ok(ArchiveWriter {
            path,
            staging,
            mtime: u64::try_from(at.as_second()).unwrap_or(0),
        })
    }

    /// The archive's final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A spool for the gatherer that comes `index`th in the period, named `owner`.
    pub fn spool(&self, index: usize, owner: &str) -> Result<Spool, ArchiveError> {
        let path = self.staging.join(format!("{index}.tar"));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| ArchiveError::Write {
                path: path.clone(),
                source,
            })?;
        Ok(Spool {
            owner: owner.to_owned(),
            path,
            tar: Some(tar::Builder::new(BufWriter::new(file))),
            claims: Claims::with_reserved(RESERVED_PATHS, "the host"),
            mtime: self.mtime,
        })
    }

    /// Copies the spools into the compressed archive in order; returns, per spool, the
    /// records dropped because an earlier spool wrote their path.
    pub async fn assemble(
        self,
        spools: Vec<Option<Spool>>,
    ) -> Result<(Assembled, Vec<Vec<Overwritten>>), ArchiveError> {
        tokio::task::spawn_blocking(move || self.assemble_blocking(spools))
            .await
            .map_err(|join| ArchiveError::Write {
                path: PathBuf::new(),
                source: std::io::Error::other(join),
            })?
    }

    fn assemble_blocking(
        self,
        spools: Vec<Option<Spool>>,
    ) -> Result<(Assembled, Vec<Vec<Overwritten>>), ArchiveError> {
        let partial = self.staging.join("archive.tar.gz");
        let fail = |path: &Path| {
            let path = path.to_owned();
            move |source| ArchiveError::Write { path, source }
        };
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&partial)
            .map_err(fail(&partial))?;
        let mut out =
            tar::Builder::new(GzEncoder::new(BufWriter::new(file), Compression::default()));
        let mut claims = Claims::with_reserved(RESERVED_PATHS, "the host");
        let mut overwritten = Vec::with_capacity(spools.len());
        for spool in spools {
            let mut dropped = Vec::new();
            let Some(spool) = spool else {
                overwritten.push(dropped);
                continue;
            };
            let (owner, path) = spool.close().map_err(fail(&self.staging))?;
            let file = File::open(&path).map_err(fail(&path))?;
            let mut archive = tar::Archive::new(std::io::BufReader::new(file));
            for entry in archive.entries().map_err(fail(&path))? {
                let mut entry = entry.map_err(fail(&path))?;
                let name = entry
                    .path()
                    .map_err(fail(&path))?
                    .to_string_lossy()
                    .into_owned();
                let size = entry.size();
                if let Err(Taken { owner: kept }) = claims.claim(&name, &owner) {
                    dropped.push(Overwritten {
                        path: name,
                        bytes: size,
                        owner: kept,
                    });
                    continue;
                }
                let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                entry.read_to_end(&mut data).map_err(fail(&path))?;
                append(&mut out, &name, &data, self.mtime).map_err(fail(&partial))?;
            }
            // The spool is copied; its disk space is no longer needed.
            let _ = std::fs::remove_file(&path);
            overwritten.push(dropped);
        }
        Ok((
            Assembled {
                writer: self,
                partial,
                tar: Some(out),
            },
            overwritten,
        ))
    }
}

impl Drop for ArchiveWriter {
    /// An archive dropped unfinished leaves nothing behind. (After `assemble`, the staging
    /// folder belongs to the [`Assembled`] archive, which removes it.)
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

impl Spool {
    /// Claims `path` within this run: a run writes each path once, and a path cannot be both
    /// a file and a folder of another file.
    pub fn claim(&mut self, path: &str) -> Result<(), Taken> {
        self.claims.claim(path, &self.owner)
    }

    /// Appends a claimed record. The write goes to the page cache; a failure (a full disk)
    /// loses this run's records, and assembling the period reports it.
    pub fn write(&mut self, path: &str, data: &[u8]) -> std::io::Result<()> {
        match &mut self.tar {
            Some(tar) => append(tar, path, data, self.mtime),
            None => Err(std::io::Error::other("the spool is closed")),
        }
    }

    /// Finishes the tar; returns the owner and the spool's file.
    fn close(mut self) -> std::io::Result<(String, PathBuf)> {
        if let Some(tar) = self.tar.take() {
            tar.into_inner()?.flush()?;
        }
        Ok((
            std::mem::take(&mut self.owner),
            std::mem::take(&mut self.path),
        ))
    }
}

impl Assembled {
    /// Appends `gathers_json` as the last entry, finishes the file and moves it to the
    /// archive's name; returns that path.
    pub async fn publish(mut self, gathers_json: Vec<u8>) -> Result<PathBuf, ArchiveError> {
        let tar = self.tar.take();
        let partial = self.partial.clone();
        let path = self.writer.path.clone();
        let mtime = self.writer.mtime;
        tokio::task::spawn_blocking(move || {
            let fail = |path: &Path| {
                let path = path.to_owned();
                move |source| ArchiveError::Write { path, source }
            };
            let Some(mut tar) = tar else {
                return Err(ArchiveError::Write {
                    path: partial,
                    source: std::io::Error::other("the archive was published already"),
                });
            };
            append(&mut tar, GATHERS_JSON, &gathers_json, mtime).map_err(fail(&partial))?;
            let gz = tar.into_inner().map_err(fail(&partial))?;
            let mut out = gz.finish().map_err(fail(&partial))?;
            out.flush().map_err(fail(&partial))?;
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|file| file.sync_all())
                .map_err(fail(&partial))?;
            publish(&partial, &path)?;
            Ok(path)
        })
        .await
        .map_err(|join| ArchiveError::Write {
            path: self.writer.path.clone(),
            source: std::io::Error::other(join),
        })?
        // Dropping `self` removes the staging folder, published or not.
    }
}

/// Moves the finished file to its name without ever replacing a file: a hard link fails if
/// the name exists.
fn publish(partial: &Path, path: &Path) -> Result<(), ArchiveError> {
    std::fs::hard_link(partial, path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            ArchiveError::Exists {
                path: path.to_owned(),
            }
        } else {
            ArchiveError::Write {
                path: path.to_owned(),
                source,
            }
        }
    })
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    data: &[u8],
    mtime: u64,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(data.len() as u64);
    header.set_mode(ENTRY_MODE);
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    // `append_data` sets the path (with GNU long-name entries when needed) and the checksum.
    tar.append_data(&mut header, path, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(path: &Path) -> Vec<(String, Vec<u8>, u32, u64)> {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
            File::open(path).expect("open"),
        ));
        let mut out = Vec::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let header = entry.header().clone();
            assert_eq!(header.entry_type(), tar::EntryType::Regular);
            let name = entry.path().expect("path").to_string_lossy().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read");
            out.push((
                name,
                data,
                header.mode().expect("mode"),
                header.mtime().expect("mtime"),
            ));
        }
        out
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn names_archive_after_utc_time() {
        let at: Timestamp = "2024-03-05T07:08:09.5Z".parse().expect("timestamp");
        assert_eq!(archive_file_name(at), "insights-2024-03-05-070809.tar.gz");
        let at: Timestamp = "2024-03-05T23:59:59+02:00".parse().expect("timestamp");
        assert_eq!(archive_file_name(at), "insights-2024-03-05-215959.tar.gz");
    }

    #[tokio::test]
    async fn spools_are_assembled_in_order_and_the_archive_appears_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2024-03-05T07:08:09Z".parse().expect("timestamp");
        let writer = ArchiveWriter::create(dir.path(), at).expect("create");
        let mut first = writer.spool(0, "first").expect("spool");
        let mut second = writer.spool(1, "second").expect("spool");
        let long_name = format!("config/{}", "x".repeat(150));
        // The second gatherer writes the shared path before the first: order decides, not time.
        second.claim("shared.json").expect("free in its run");
        second.write("shared.json", b"second").expect("write");
        first.claim("shared.json").expect("free in its run");
        first.write("shared.json", b"first").expect("write");
        first.claim(&long_name).expect("free");
        first.write(&long_name, b"raw bytes").expect("write");
        second.claim("only-second").expect("free");
        second.write("only-second", b"2").expect("write");
        assert_eq!(first.claim("shared.json").unwrap_err().owner, "first");

        // Nothing under the archive's name until it is published.
        assert_eq!(
            listing(dir.path()),
            [".insights-2024-03-05-070809.tar.gz.d"]
        );
        let (assembled, overwritten) = writer
            .assemble(vec![Some(first), Some(second)])
            .await
            .expect("assemble");
        assert_eq!(overwritten[0], []);
        assert_eq!(
            overwritten[1],
            [Overwritten {
                path: "shared.json".into(),
                bytes: 6,
                owner: "first".into()
            }]
        );
        let path = assembled.publish(b"{}".to_vec()).await.expect("publish");
        assert_eq!(listing(dir.path()), ["insights-2024-03-05-070809.tar.gz"]);
        let entries = entries(&path);
        let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "shared.json",
                long_name.as_str(),
                "only-second",
                GATHERS_JSON
            ]
        );
        assert_eq!(entries[0].1, b"first");
        for entry in &entries {
            assert_eq!((entry.2, entry.3), (0o640, 1_709_622_489));
        }
    }

    #[tokio::test]
    async fn an_unfinished_archive_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = ArchiveWriter::create(dir.path(), Timestamp::now()).expect("create");
        let mut spool = writer.spool(0, "g").expect("spool");
        spool.claim("a").expect("claim");
        spool.write("a", b"x").expect("write");
        drop(spool);
        drop(writer);
        assert!(listing(dir.path()).is_empty());

        let writer = ArchiveWriter::create(dir.path(), Timestamp::now()).expect("create");
        let (assembled, _) = writer.assemble(Vec::new()).await.expect("assemble");
        drop(assembled);
        assert!(listing(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn an_existing_archive_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2024-03-05T07:08:09Z".parse().expect("timestamp");
        let (assembled, _) = ArchiveWriter::create(dir.path(), at)
            .expect("create")
            .assemble(Vec::new())
            .await
            .expect("assemble");
        let first = assembled.publish(b"{}".to_vec()).await.expect("first");
        let before = std::fs::read(&first).expect("read");
        let err = ArchiveWriter::create(dir.path(), at).unwrap_err();
        assert!(matches!(err, ArchiveError::Exists { .. }), "{err:?}");
        assert_eq!(std::fs::read(&first).expect("read"), before);
    }

    #[test]
    fn a_run_claims_each_path_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = ArchiveWriter::create(dir.path(), Timestamp::now()).expect("create");
        let mut spool = writer.spool(0, "g").expect("spool");
        spool.claim("config/a.json").expect("free");
        assert_eq!(spool.claim("config/a.json").unwrap_err().owner, "g");
        assert_eq!(spool.claim(GATHERS_JSON).unwrap_err().owner, "the host");
    }
}
