//! The Insights-style archive: `insights-YYYY-MM-DD-HHMMSS.tar.gz` with one
//! regular file per record and `insights-operator/gathers.json` describing
//! every gatherer's run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::records::Record;

/// Archive path of the run metadata; no record may use it.
pub const GATHERS_JSON: &str = "insights-operator/gathers.json";

/// Permissions of every archive entry: readable by owner and group only, as
/// gathered cluster data should be.
const ENTRY_MODE: u32 = 0o640;

/// One gatherer's line in `gathers.json`, in the Insights Operator's shape
/// with wagather's extra fields.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct StatusReport {
    pub name: String,
    pub version: String,
    /// `sha256:<hex>` of the component.
    pub digest: String,
    pub duration_in_ms: u64,
    pub records_count: usize,
    pub api_calls: u32,
    pub denied_requests: u32,
    pub response_bytes: u64,
    /// `null` when there are none, like the Insights Operator writes it.
    pub errors: Option<Vec<String>>,
    pub warnings: Option<Vec<String>>,
    pub panic: Option<String>,
}

/// The whole `gathers.json`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct GathersJson {
    pub status_reports: Vec<StatusReport>,
    /// Seconds the host process had been running when the archive was written.
    pub uptime_seconds: f64,
    /// Version of the wagather host that wrote the archive.
    pub wagather_version: String,
    /// The gatherer contract the host implements.
    pub contract: String,
}

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
    /// `gathers.json` could not be serialized.
    #[error("could not serialize gathers.json")]
    Json(#[source] serde_json::Error),
}

/// `insights-YYYY-MM-DD-HHMMSS.tar.gz` for a gather started at `at` (UTC).
pub fn archive_file_name(at: Timestamp) -> String {
    format!(
        "insights-{}.tar.gz",
        at.to_zoned(TimeZone::UTC).strftime("%Y-%m-%d-%H%M%S")
    )
}

/// Writes the archive into `dir` (created if needed) and returns its path.
///
/// Entries are written in the order given, then `gathers.json`; every entry
/// gets mode 0640 and `at` as its modification time. An existing archive of
/// the same name is never overwritten.
pub fn write_archive(
    dir: &Path,
    at: Timestamp,
    records: &[Record],
    gathers: &GathersJson,
) -> Result<PathBuf, ArchiveError> {
    std::fs::create_dir_all(dir).map_err(|source| ArchiveError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let path = dir.join(archive_file_name(at));
    let gathers_json = serde_json::to_vec_pretty(gathers).map_err(ArchiveError::Json)?;
    let write = || -> std::io::Result<()> {
        let file = File::options().write(true).create_new(true).open(&path)?;
        let gz = GzEncoder::new(BufWriter::new(file), Compression::default());
        let mut tar = tar::Builder::new(gz);
        let mtime = u64::try_from(at.as_second()).unwrap_or(0);
        for record in records {
            append(&mut tar, &record.archive_path(), &record.data, mtime)?;
        }
        append(&mut tar, GATHERS_JSON, &gathers_json, mtime)?;
        let gz = tar.into_inner()?;
        let mut out = gz.finish()?;
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    if let Err(source) = write() {
        // Do not leave a truncated archive behind for an uploader to pick up,
        // but never remove a file that someone else created first.
        if source.kind() != std::io::ErrorKind::AlreadyExists {
            let _ = std::fs::remove_file(&path);
        }
        return Err(ArchiveError::Write { path, source });
    }
    Ok(path)
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
    // `append_data` sets the path (with GNU long-name entries when needed)
    // and the checksum.
    tar.append_data(&mut header, path, data)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::records::RecordFormat;

    fn gathers() -> GathersJson {
        GathersJson {
            status_reports: vec![StatusReport {
                name: "g".into(),
                version: "1".into(),
                digest: "sha256:00".into(),
                duration_in_ms: 5,
                records_count: 2,
                api_calls: 1,
                denied_requests: 0,
                response_bytes: 10,
                errors: None,
                warnings: None,
                panic: None,
            }],
            uptime_seconds: 1.5,
            wagather_version: "0.1.0".into(),
            contract: "wagather:gatherer@0.1.0".into(),
        }
    }

    #[test]
    fn names_archive_after_utc_time() {
        let at: Timestamp = "2024-03-05T07:08:09.5Z".parse().expect("timestamp");
        assert_eq!(archive_file_name(at), "insights-2024-03-05-070809.tar.gz");
        let at: Timestamp = "2024-03-05T23:59:59+02:00".parse().expect("timestamp");
        assert_eq!(archive_file_name(at), "insights-2024-03-05-215959.tar.gz");
    }

    #[test]
    fn writes_records_and_gathers_json() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2024-03-05T07:08:09Z".parse().expect("timestamp");
        let json = Record {
            name: "config/a".into(),
            format: RecordFormat::Json,
            data: br#"{"a":1}"#.to_vec(),
        };
        let long_name = format!("config/{}", "x".repeat(150));
        let raw = Record {
            name: long_name.clone(),
            format: RecordFormat::Raw,
            data: b"raw bytes".to_vec(),
        };
        let path =
            write_archive(&dir.path().join("out"), at, &[json, raw], &gathers()).expect("archive");
        assert_eq!(
            path.file_name().and_then(|n| n.to_str()),
            Some("insights-2024-03-05-070809.tar.gz")
        );

        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
            File::open(&path).expect("open"),
        ));
        let mut entries = Vec::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let header = entry.header();
            assert_eq!(header.entry_type(), tar::EntryType::Regular);
            assert_eq!(header.mode().expect("mode"), 0o640);
            assert_eq!(header.mtime().expect("mtime"), 1_709_622_489);
            let name = entry.path().expect("path").to_string_lossy().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read");
            entries.push((name, data));
        }
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0],
            ("config/a.json".to_owned(), br#"{"a":1}"#.to_vec())
        );
        assert_eq!(entries[1], (long_name, b"raw bytes".to_vec()));
        assert_eq!(entries[2].0, GATHERS_JSON);
        let read_back: serde_json::Value = serde_json::from_slice(&entries[2].1).expect("json");
        assert_eq!(read_back["status_reports"][0]["name"], "g");
        assert_eq!(
            read_back["status_reports"][0]["errors"],
            serde_json::Value::Null
        );
        assert_eq!(
            read_back["status_reports"][0]["panic"],
            serde_json::Value::Null
        );
        assert_eq!(read_back["uptime_seconds"], 1.5);
    }

    #[test]
    fn never_overwrites_an_archive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2024-03-05T07:08:09Z".parse().expect("timestamp");
        let first = write_archive(dir.path(), at, &[], &gathers()).expect("first");
        let before = std::fs::read(&first).expect("read");
        let err = write_archive(dir.path(), at, &[], &gathers()).unwrap_err();
        assert!(matches!(err, ArchiveError::Write { .. }), "{err:?}");
        assert_eq!(std::fs::read(&first).expect("read"), before);
    }
}
