//! The Insights-style archive of one period, written while the gatherers run.
//!
//! `insights-YYYY-MM-DD-HHMMSS.tar.gz` holds one regular file per record and
//! `insights-operator/gathers.json`. Records stream in from every gatherer of the period as
//! they are written: [`ArchiveWriter::claim`] decides which gatherer owns an archive path
//! (the first to write it), and a writer thread compresses entries into a hidden partial file
//! beside the archive. [`ArchiveWriter::finish`] appends `gathers.json` and moves the file to
//! its name in one step; [`ArchiveWriter::abort`] removes it. An uploader watching the
//! directory therefore sees a complete archive or none, never half of one, even when the host
//! is stopped in the middle of a period.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use flate2::Compression;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use tokio::sync::mpsc;
use wagather_contract::record::{GATHERS_JSON, RESERVED_PATHS};

use super::records::{Claims, Taken};

/// Permissions of every archive entry: readable by owner and group only, as gathered cluster
/// data should be.
const ENTRY_MODE: u32 = 0o640;

/// Entries queued for the writer thread before a gatherer writing a record waits: enough to
/// keep the compressor busy, little enough that a burst of records stays bounded in memory.
const QUEUE: usize = 64;

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
    /// Writing the archive file failed.
    #[error("could not write archive {}", path.display())]
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

/// The archive of one period, open for records.
#[derive(Debug)]
pub struct ArchiveWriter {
    path: PathBuf,
    partial: PathBuf,
    claims: Mutex<Claims>,
    /// `None` once finished or aborted.
    sender: Option<mpsc::Sender<(String, Vec<u8>)>>,
    writer: Option<JoinHandle<std::io::Result<()>>>,
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
        let partial = dir.join(format!(".{name}.partial"));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&partial)
            .map_err(|source| ArchiveError::Write {
                path: partial.clone(),
                source,
            })?;
        let (sender, receiver) = mpsc::channel(QUEUE);
        let mtime = u64::try_from(at.as_second()).unwrap_or(0);
        let writer = std::thread::Builder::new()
            .name("wagather-archive".to_owned())
            .spawn(move || write_entries(file, receiver, mtime))
            .map_err(|source| ArchiveError::Write {
                path: partial.clone(),
                source,
            })?;
        let claims = Claims::with_reserved(RESERVED_PATHS, "the host");
        Ok(ArchiveWriter {
            path,
            partial,
            claims: Mutex::new(claims),
            sender: Some(sender),
            writer: Some(writer),
        })
    }

    /// The archive's final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Claims `path` for `gatherer`: the first gatherer to write a path owns it, and a path
    /// cannot be both a file and a folder of another file.
    pub fn claim(&self, path: &str, gatherer: &str) -> Result<(), Taken> {
        // A poisoned lock means a panic while claiming; the claims are still consistent,
        // as each claim is checked before anything is inserted.
        self.claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .claim(path, gatherer)
    }

    /// Queues a claimed entry; waits while the writer is behind. Fails only when the writer
    /// has stopped (the period's archive is lost then, and [`ArchiveWriter::finish`] says why).
    pub async fn write(&self, path: String, data: Vec<u8>) -> Result<(), ()> {
        match &self.sender {
            Some(sender) => sender.send((path, data)).await.map_err(drop),
            None => Err(()),
        }
    }

    /// Writes `gathers_json` as the last entry and moves the archive to its name.
    pub async fn finish(mut self, gathers_json: Vec<u8>) -> Result<PathBuf, ArchiveError> {
        let queued = match self.sender.take() {
            Some(sender) => sender
                .send((GATHERS_JSON.to_owned(), gathers_json))
                .await
                .is_ok(),
            None => false,
        };
        let joined = join(self.writer.take()).await;
        let result = match (queued, joined) {
            (true, Ok(())) => publish(&self.partial, &self.path),
            (_, Err(source)) => Err(ArchiveError::Write {
                path: self.path.clone(),
                source,
            }),
            (false, Ok(())) => Err(ArchiveError::Write {
                path: self.path.clone(),
                source: std::io::Error::other("the archive writer stopped early"),
            }),
        };
        if result.is_err() {
            let _ = std::fs::remove_file(&self.partial);
        }
        result.map(|()| self.path.clone())
    }

    /// Discards the archive: nothing is left in the directory.
    pub async fn abort(mut self) {
        self.sender = None;
        let _ = join(self.writer.take()).await;
        let _ = std::fs::remove_file(&self.partial);
    }
}

impl Drop for ArchiveWriter {
    /// An archive dropped unfinished is discarded like an aborted one.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            self.sender = None;
            // The thread ends as soon as the queue is closed; at most the entry in hand is
            // still being compressed.
            let _ = writer.join();
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Waits for the writer thread without blocking an async worker.
async fn join(writer: Option<JoinHandle<std::io::Result<()>>>) -> std::io::Result<()> {
    let Some(handle) = writer else {
        return Ok(());
    };
    match tokio::task::spawn_blocking(move || handle.join()).await {
        Ok(Ok(result)) => result,
        Ok(Err(_panic)) => Err(std::io::Error::other("the archive writer panicked")),
        Err(join) => Err(std::io::Error::other(join)),
    }
}

/// Moves the finished partial file to its name without ever replacing a file: a hard link
/// fails if the name exists, then the partial name goes.
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
    })?;
    std::fs::remove_file(partial).map_err(|source| ArchiveError::Write {
        path: partial.to_owned(),
        source,
    })
}

/// The writer thread: every queued entry, then the end of the tar and gzip streams, flushed
/// to disk.
fn write_entries(
    file: File,
    mut receiver: mpsc::Receiver<(String, Vec<u8>)>,
    mtime: u64,
) -> std::io::Result<()> {
    let gz = GzEncoder::new(BufWriter::new(file), Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut gathers_seen = false;
    while let Some((path, data)) = receiver.blocking_recv() {
        gathers_seen |= path == GATHERS_JSON;
        append(&mut tar, &path, &data, mtime)?;
    }
    if !gathers_seen {
        // Aborted: the file is about to be removed, finishing it would be wasted work.
        return Ok(());
    }
    let gz = tar.into_inner()?;
    let mut out = gz.finish()?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
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
    use std::io::Read;

    use super::*;

    fn entries(path: &Path) -> Vec<(String, Vec<u8>, u32, u64)> {
        let mut archive =
            tar::Archive::new(flate2::read::GzDecoder::new(File::open(path).expect("open")));
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
    async fn records_stream_into_a_hidden_file_that_appears_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2024-03-05T07:08:09Z".parse().expect("timestamp");
        let writer = ArchiveWriter::create(dir.path(), at).expect("create");
        let long_name = format!("config/{}", "x".repeat(150));
        writer.claim("config/a.json", "g").expect("claim");
        writer
            .write("config/a.json".into(), br#"{"a":1}"#.to_vec())
            .await
            .expect("write");
        writer.claim(&long_name, "g").expect("claim");
        writer
            .write(long_name.clone(), b"raw bytes".to_vec())
            .await
            .expect("write");
        // Nothing under the archive's name until it is finished.
        assert_eq!(
            listing(dir.path()),
            [".insights-2024-03-05-070809.tar.gz.partial"]
        );
        let path = writer.finish(b"{\"status_reports\":[]}".to_vec()).await.expect("finish");
        assert_eq!(listing(dir.path()), ["insights-2024-03-05-070809.tar.gz"]);
        let entries = entries(&path);
        let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["config/a.json", long_name.as_str(), GATHERS_JSON]);
        assert_eq!(entries[0].1, br#"{"a":1}"#);
        for entry in &entries {
            assert_eq!((entry.2, entry.3), (0o640, 1_709_622_489));
        }
    }

    #[tokio::test]
    async fn an_aborted_archive_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = ArchiveWriter::create(dir.path(), Timestamp::now()).expect("create");
        writer.claim("a", "g").expect("claim");
        writer.write("a".into(), b"x".to_vec()).await.expect("write");
        writer.abort().await;
        assert!(listing(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn an_existing_archive_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2024-03-05T07:08:09Z".parse().expect("timestamp");
        let first = ArchiveWriter::create(dir.path(), at)
            .expect("create")
            .finish(b"{}".to_vec())
            .await
            .expect("first");
        let before = std::fs::read(&first).expect("read");
        let err = ArchiveWriter::create(dir.path(), at).unwrap_err();
        assert!(matches!(err, ArchiveError::Exists { .. }), "{err:?}");
        assert_eq!(std::fs::read(&first).expect("read"), before);
    }

    #[test]
    fn paths_are_claimed_once_and_an_unfinished_archive_is_discarded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = ArchiveWriter::create(dir.path(), Timestamp::now()).expect("create");
        writer.claim("config/a.json", "first").expect("free");
        assert_eq!(
            writer.claim("config/a.json", "second").unwrap_err().owner,
            "first"
        );
        assert_eq!(
            writer.claim(GATHERS_JSON, "g").unwrap_err().owner,
            "the host"
        );
        // Dropped unfinished: discarded.
        drop(writer);
        assert!(listing(dir.path()).is_empty());
    }
}
