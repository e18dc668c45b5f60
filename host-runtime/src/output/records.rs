//! The checks a record passes on its way into the archive, as it arrives.
//!
//! In order: the contract's name rules ([`wagather_contract::check_record_name`]), the run's
//! record budgets ([`RecordBudget`]: count, bytes of one record, bytes in all), and the claim
//! of its archive path (the first writer owns a path; a path cannot also be a folder of
//! another). A record refused at any step is not written, the guest is told why
//! (`output.record-error`), the run's report lists it, and the run goes on. Records dropped
//! for their name or path do not count towards the budgets.

use std::collections::{HashMap, HashSet};

use crate::limits::{Limit, LimitExceeded, Limits, human_bytes};

/// One record as the host kept it (for callers that collect records rather than archive
/// them): the contract's record.
pub use wagather_contract::Record;

/// One run's use of the record budgets.
#[derive(Clone, Debug)]
pub struct RecordBudget {
    max_records: u32,
    max_record_bytes: u64,
    max_total_record_bytes: u64,
    records: u32,
    bytes: u64,
}

impl RecordBudget {
    pub fn new(limits: &Limits) -> Self {
        Self {
            max_records: limits.max_records,
            max_record_bytes: limits.max_record_bytes,
            max_total_record_bytes: limits.max_total_record_bytes,
            records: 0,
            bytes: 0,
        }
    }

    /// Whether one more record of `len` bytes fits.
    pub fn check(&self, len: u64) -> Result<(), LimitExceeded> {
        if self.records >= self.max_records {
            return Err(LimitExceeded::new(
                Limit::MaxRecords,
                format!(
                    "the limit of {} records per run is reached",
                    self.max_records
                ),
            ));
        }
        if len > self.max_record_bytes {
            return Err(LimitExceeded::new(
                Limit::MaxRecordBytes,
                format!(
                    "{} exceeds the limit of {} per record",
                    human_bytes(len),
                    human_bytes(self.max_record_bytes)
                ),
            ));
        }
        if self.bytes.saturating_add(len) > self.max_total_record_bytes {
            return Err(LimitExceeded::new(
                Limit::MaxTotalRecordBytes,
                format!(
                    "the run's records would exceed the limit of {} in all",
                    human_bytes(self.max_total_record_bytes)
                ),
            ));
        }
        Ok(())
    }

    /// Counts a record that was written.
    pub fn commit(&mut self, len: u64) {
        self.records += 1;
        self.bytes = self.bytes.saturating_add(len);
    }

    pub fn records(&self) -> u32 {
        self.records
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// Which writer owns which archive path: the first to write a path owns it, and a path
/// cannot be both a file and a folder of another file (`a` and `a/b`), since an archive
/// cannot hold both.
#[derive(Debug, Default)]
pub struct Claims {
    /// File path -> who wrote it.
    files: HashMap<String, String>,
    /// Every folder some file path lies in.
    folders: HashSet<String>,
}

/// Why a path could not be claimed: who or what has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    pub owner: String,
}

impl Claims {
    /// Claims with `reserved` paths already owned by `owner`.
    pub fn with_reserved(reserved: &[&str], owner: &str) -> Self {
        let mut claims = Claims::default();
        for path in reserved {
            // Reserved paths are valid record paths; claiming one cannot fail.
            let _ = claims.claim(path, owner);
        }
        claims
    }

    /// Claims `path` for `writer`.
    pub fn claim(&mut self, path: &str, writer: &str) -> Result<(), Taken> {
        if let Some(owner) = self.files.get(path) {
            return Err(Taken {
                owner: owner.clone(),
            });
        }
        if self.folders.contains(path) {
            return Err(Taken {
                owner: "a folder of other records".to_owned(),
            });
        }
        let folders: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
        if let Some(file) = folders.iter().find(|f| self.files.contains_key(**f)) {
            return Err(Taken {
                owner: format!("the record {file}, so it cannot be a folder"),
            });
        }
        for folder in folders {
            self.folders.insert(folder.to_owned());
        }
        self.files.insert(path.to_owned(), writer.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            max_records: 2,
            max_record_bytes: 10,
            max_total_record_bytes: 15,
            ..Limits::default()
        }
    }

    #[test]
    fn budgets_name_the_limit_they_refuse_for() {
        let mut budget = RecordBudget::new(&small());
        let err = budget.check(11).unwrap_err();
        assert_eq!(err.limit, Limit::MaxRecordBytes);
        assert_eq!(err.message, "11 B exceeds the limit of 10 B per record");
        budget.check(10).expect("fits");
        budget.commit(10);
        let err = budget.check(6).unwrap_err();
        assert_eq!(err.limit, Limit::MaxTotalRecordBytes);
        budget.check(5).expect("fits exactly");
        budget.commit(5);
        let err = budget.check(0).unwrap_err();
        assert_eq!(err.limit, Limit::MaxRecords);
        assert_eq!(err.message, "the limit of 2 records per run is reached");
        assert_eq!((budget.records(), budget.bytes()), (2, 15));
    }

    #[test]
    fn the_first_writer_owns_a_path_and_files_cannot_be_folders() {
        let mut claims = Claims::with_reserved(&["insights-operator/gathers.json"], "the host");
        claims.claim("config/a.json", "first").expect("free");
        assert_eq!(
            claims.claim("config/a.json", "second").unwrap_err().owner,
            "first"
        );
        claims.claim("config/b", "second").expect("free");
        assert_eq!(
            claims.claim("config/b/c", "third").unwrap_err().owner,
            "the record config/b, so it cannot be a folder"
        );
        assert_eq!(
            claims.claim("config", "third").unwrap_err().owner,
            "a folder of other records"
        );
        assert_eq!(
            claims
                .claim("insights-operator/gathers.json", "g")
                .unwrap_err()
                .owner,
            "the host"
        );
        assert_eq!(
            claims.claim("insights-operator", "g").unwrap_err().owner,
            "a folder of other records"
        );
    }
}
