//! Everything a run produces: records as they arrive (the `output` import), the archive they
//! go into, and `gathers.json`.
//!
//! - [`records`]: the checks a record passes on arrival (name rules, budgets, path claims);
//! - [`archive`]: the period's archive, written while the gatherers run and published whole;
//! - [`gathers`]: `insights-operator/gathers.json`, a view of the period's run reports.
//!
//! The import itself lives here: `write-record` runs the checks and writes the record to the
//! run's spool before it returns, so a record the guest was told is written is kept even if
//! the guest traps on the next instruction; `report-error` adds the guest's typed error to the
//! run's events.

pub mod archive;
pub mod gathers;
pub mod records;

use wagather_contract::RecordFormat;

use crate::report::{DropReason, GuestError, RecordError, RequestError};
use crate::state::bindings::wagather::gatherer::{kube as wit_kube, output as wit};
use crate::state::{HostState, Sink};
use records::Record;

impl wit::Host for HostState {
    async fn write_record(
        &mut self,
        name: String,
        format: wit::RecordFormat,
        data: Vec<u8>,
    ) -> Result<(), wit::RecordError> {
        let format = match format {
            wit::RecordFormat::Json => RecordFormat::Json,
            wit::RecordFormat::Raw => RecordFormat::Raw,
        };
        let path = match wagather_contract::check_record_name(&name, format) {
            Ok(path) => path,
            Err(e) => {
                let message = e.to_string();
                self.events.dropped(
                    &name,
                    DropReason::InvalidName {
                        message: message.clone(),
                    },
                );
                return Err(wit::RecordError::InvalidName(message));
            }
        };
        let len = data.len() as u64;
        if let Err(limit) = self.records.check(len) {
            let message = limit.message.clone();
            self.events.dropped(
                &name,
                DropReason::Limit {
                    limit: limit.limit,
                    message: message.clone(),
                },
            );
            return Err(wit::RecordError::LimitExceeded(message));
        }
        let claimed = match &mut self.sink {
            Sink::Archive(spool) => spool.claim(&path),
            Sink::Collect { claims, .. } => claims.claim(&path, &self.name),
        };
        if let Err(taken) = claimed {
            let reason = DropReason::Duplicate {
                path,
                owner: taken.owner,
            };
            let message = reason.message();
            self.events.dropped(&name, reason);
            return Err(wit::RecordError::Duplicate(message));
        }
        match &mut self.sink {
            Sink::Archive(spool) => {
                if let Err(e) = spool.write(&path, &data) {
                    // The disk failed: assembling the period reports it. The guest goes on as
                    // if written; nothing it does can help.
                    tracing::error!(gatherer = %self.name, "could not spool record {path}: {e}");
                }
            }
            Sink::Collect { records, .. } => records.push(Record { name, format, data }),
        }
        self.records.commit(len);
        Ok(())
    }

    async fn report_error(&mut self, error: wit::GatherError) {
        self.events.guest_error(guest_error(error), false);
    }
}

/// The host's copy of the contract's `gather-error`.
pub(crate) fn guest_error(error: wit::GatherError) -> GuestError {
    match error {
        wit::GatherError::Request(failure) => GuestError::Request {
            path: failure.path,
            error: match failure.error {
                wit_kube::Error::Denied(r) => RequestError::Denied(r),
                wit_kube::Error::LimitExceeded(r) => RequestError::LimitExceeded(r),
                wit_kube::Error::Timeout => RequestError::Timeout,
                wit_kube::Error::Transport(r) => RequestError::Transport(r),
            },
        },
        wit::GatherError::Api(failure) => GuestError::Api {
            path: failure.path,
            code: failure.status.code,
            reason: failure.status.reason,
            message: failure.status.message,
        },
        wit::GatherError::Decode(failure) => GuestError::Decode {
            what: failure.what,
            message: failure.message,
        },
        wit::GatherError::Record(failure) => GuestError::Record {
            name: failure.name,
            error: match failure.error {
                wit::RecordError::InvalidName(m) => RecordError::InvalidName(m),
                wit::RecordError::Duplicate(m) => RecordError::Duplicate(m),
                wit::RecordError::LimitExceeded(m) => RecordError::LimitExceeded(m),
            },
        },
        wit::GatherError::Other(message) => GuestError::Other { message },
    }
}
