//! One run's report: what a gatherer did, what it cost and what went wrong.
//!
//! [`RunReport`] is the only record of a run: the host fills it while the gatherer runs,
//! `gathers.json` is a serde view of it ([`crate::output::gathers`]), and the CLI, the
//! service's metrics and its status table read it. What went wrong is a list of typed
//! [`Event`]s, never sentences to parse: a denial names its path and reason, a limit names its
//! [`Limit`], a dropped record names its name and why, and a guest's own error keeps the
//! contract's kind.

use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitExceeded};

/// Most distinct host refusals (denials, request limits) listed per run; identical ones are
/// counted on the first.
pub const MAX_REFUSALS: usize = 20;
/// Most dropped records listed per run; the rest are counted.
pub const MAX_DROPPED_RECORDS: usize = 10;
/// Most errors of the guest's own listed per run; the rest are counted.
pub const MAX_GUEST_ERRORS: usize = 100;

/// What one gatherer run did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The name the host ran it under (the manifest's, unless the operator named the instance).
    pub name: String,
    /// The component, when it loaded.
    pub gatherer: Option<GathererInfo>,
    /// When the run started.
    pub started: Timestamp,
    /// Wall-clock time, instantiation included.
    pub duration: Duration,
    pub outcome: Outcome,
    pub metrics: RunMetrics,
    /// What went wrong, in the order it happened (counted repeats on the first).
    pub events: Vec<Event>,
    /// What the service's update check of this gatherer found before the period (none
    /// outside the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateReport>,
}

/// What the service's update check of one gatherer found: the swap protocol's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateReport {
    /// When the check ended.
    pub checked: Timestamp,
    /// The source as configured.
    pub source: String,
    #[serde(flatten)]
    pub result: UpdateResult,
}

/// The outcome of an update check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum UpdateResult {
    /// The source has what runs.
    Unchanged { digest: String },
    /// A new version passed every stage and runs from this period on; `from` is the digest it
    /// replaced (none at the first load).
    Updated {
        from: Option<String>,
        to: String,
        version: String,
    },
    /// The last good version was loaded from the store at start, without the network.
    Restored { digest: String, version: String },
    /// A stage failed; `running` is the digest that keeps running (none: no version ever
    /// loaded, the gatherer does not run).
    Failed {
        stage: wagather_source::Stage,
        cause: String,
        running: Option<String>,
    },
}

impl UpdateReport {
    /// The failure as one line, for `gathers.json`'s `warnings` and the log: gatherer,
    /// source, stage and cause, and what keeps running.
    pub fn failure_line(&self) -> Option<String> {
        let UpdateResult::Failed {
            stage,
            cause,
            running,
        } = &self.result
        else {
            return None;
        };
        let keeps = match running {
            Some(digest) => format!("still running {digest}"),
            None => "no version of it has loaded, so it does not run".to_owned(),
        };
        Some(format!(
            "update from {} failed at stage {stage}: {cause}; {keeps}",
            self.source
        ))
    }
}

/// The component a run used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GathererInfo {
    /// The manifest's name.
    pub manifest_name: String,
    /// The manifest's version.
    pub version: String,
    /// `sha256:<hex>` of the component bytes: what ran, whatever its source says now.
    pub digest: String,
    /// Where it came from (a path or the source the operator configured).
    pub source: String,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// `gather` returned success.
    Completed,
    /// `gather` returned an error (the last [`Event::GuestError`], marked fatal).
    Failed,
    /// The guest trapped on its own (a panic, `unreachable`, a stack overflow).
    Trapped { message: String },
    /// The host stopped it for a limit (the deadline, memory).
    Stopped { limit: Limit },
    /// It never ran: the component did not load, or its limits do not fit the runtime.
    NotRun { reason: String },
}

/// What a run used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Records written to the archive.
    pub records: u32,
    /// Their bytes.
    pub record_bytes: u64,
    /// Requests sent to the API server.
    pub api_calls: u32,
    /// Requests the policy refused.
    pub denied_requests: u32,
    /// Response body bytes handed to the guest.
    pub response_bytes: u64,
    /// The most linear memory the guest held at once.
    pub peak_memory_bytes: u64,
}

/// Something that went wrong in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// The policy refused a request.
    Denied {
        method: String,
        path: String,
        reason: String,
        count: u32,
    },
    /// A budget was spent: a request, a response or a record was refused, or the run stopped.
    LimitExceeded {
        limit: Limit,
        message: String,
        count: u32,
    },
    /// The host refused a record.
    RecordDropped { name: String, reason: DropReason },
    /// The guest trapped; `message` is wasmtime's, with the guest's backtrace when it has one.
    Trap { message: String },
    /// An error of the guest's own, typed by the contract. `fatal` when `gather` returned it.
    GuestError { error: GuestError, fatal: bool },
    /// Events of one kind past their cap, counted rather than listed.
    Omitted { what: String, count: u32 },
}

/// Why the host refused a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DropReason {
    /// The name breaks the contract's record-name rules.
    InvalidName { message: String },
    /// Another record already took the archive path.
    Duplicate { path: String, owner: String },
    /// A record budget is spent.
    Limit { limit: Limit, message: String },
}

impl DropReason {
    /// What the guest is told, as the contract's `record-error`.
    pub(crate) fn message(&self) -> String {
        match self {
            DropReason::InvalidName { message } | DropReason::Limit { message, .. } => {
                message.clone()
            }
            DropReason::Duplicate { path, owner } => {
                format!("{path} is already written by {owner}")
            }
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            DropReason::InvalidName { .. } => "invalid names",
            DropReason::Duplicate { .. } => "duplicate paths",
            DropReason::Limit { .. } => "record limits",
        }
    }
}

/// The contract's `gather-error`, as the host keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum GuestError {
    /// A request got no response.
    Request { path: String, error: RequestError },
    /// The API answered with an error status.
    Api {
        path: String,
        code: u16,
        reason: String,
        message: String,
    },
    /// A response could not be decoded.
    Decode { what: String, message: String },
    /// The host refused a record.
    Record { name: String, error: RecordError },
    /// Anything else, in the guest's words.
    Other { message: String },
}

/// The contract's `kube.error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "kebab-case")]
pub enum RequestError {
    Denied(String),
    LimitExceeded(String),
    Timeout,
    Transport(String),
}

/// The contract's `output.record-error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "kebab-case")]
pub enum RecordError {
    InvalidName(String),
    Duplicate(String),
    LimitExceeded(String),
}

impl std::fmt::Display for GuestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuestError::Request { path, error } => match error {
                RequestError::Denied(reason) => write!(f, "{path}: denied by the host: {reason}"),
                RequestError::LimitExceeded(reason) => {
                    write!(f, "{path}: host limit exceeded: {reason}")
                }
                RequestError::Timeout => write!(f, "{path}: the run's deadline passed"),
                RequestError::Transport(reason) => write!(f, "{path}: transport error: {reason}"),
            },
            GuestError::Api {
                path,
                code,
                reason,
                message,
            } => {
                write!(f, "{path}: API error {code}")?;
                if !reason.is_empty() {
                    write!(f, " {reason}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            GuestError::Decode { what, message } => write!(f, "cannot decode {what}: {message}"),
            GuestError::Record { name, error } => {
                let (kind, message) = match error {
                    RecordError::InvalidName(m) => ("invalid name", m),
                    RecordError::Duplicate(m) => ("duplicate", m),
                    RecordError::LimitExceeded(m) => ("limit exceeded", m),
                };
                write!(f, "record {name:?} refused: {kind}: {message}")
            }
            GuestError::Other { message } => f.write_str(message),
        }
    }
}

impl Event {
    /// The event as one line of `gathers.json`'s `errors`, as the Insights Operator lists
    /// them.
    pub fn render(&self) -> String {
        let counted = |text: String, count: u32| {
            if count > 1 {
                format!("{text} ({count} times)")
            } else {
                text
            }
        };
        match self {
            Event::Denied {
                method,
                path,
                reason,
                count,
            } => counted(format!("request denied: {method} {path}: {reason}"), *count),
            Event::LimitExceeded { message, count, .. } => counted(message.clone(), *count),
            Event::RecordDropped { name, reason } => {
                format!("record {name} dropped: {}", reason.message())
            }
            Event::Trap { message } => format!("gatherer trapped: {message}"),
            Event::GuestError { error, .. } => error.to_string(),
            Event::Omitted { what, count } => format!("{count} more {what} not listed"),
        }
    }
}

impl RunReport {
    /// A report for a gatherer that never ran.
    pub fn not_run(name: &str, gatherer: Option<GathererInfo>, reason: String) -> Self {
        Self {
            name: name.to_owned(),
            gatherer,
            started: Timestamp::now(),
            duration: Duration::ZERO,
            outcome: Outcome::NotRun { reason },
            metrics: RunMetrics::default(),
            events: Vec::new(),
            update: None,
        }
    }

    /// Whether anything went wrong (the outcome or any event).
    pub fn has_errors(&self) -> bool {
        self.outcome != Outcome::Completed || !self.events.is_empty()
    }

    /// Every problem as a line: the outcome's, then the events'.
    pub fn errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        match &self.outcome {
            Outcome::NotRun { reason } => errors.push(reason.clone()),
            Outcome::Completed | Outcome::Failed | Outcome::Trapped { .. } => {}
            // The limit's own event says it with its value.
            Outcome::Stopped { .. } => {}
        }
        errors.extend(self.events.iter().map(Event::render));
        errors
    }
}

impl RunReport {
    /// Accounts a record the archive's assembly dropped because a gatherer earlier in the
    /// period wrote its path.
    pub(crate) fn record_overwritten(&mut self, record: crate::output::archive::Overwritten) {
        self.metrics.records = self.metrics.records.saturating_sub(1);
        self.metrics.record_bytes = self.metrics.record_bytes.saturating_sub(record.bytes);
        // Capped on their own: a gatherer's own refused records must not hide that another
        // gatherer overwrote it.
        let listed = self
            .events
            .iter()
            .filter(|e| {
                matches!(e, Event::RecordDropped { reason: DropReason::Duplicate { owner, .. }, .. }
                    if *owner != self.name)
            })
            .count();
        if listed < MAX_DROPPED_RECORDS {
            self.events.push(Event::RecordDropped {
                name: record.path.clone(),
                reason: DropReason::Duplicate {
                    path: record.path,
                    owner: record.owner,
                },
            });
            return;
        }
        let what = "records dropped for paths written earlier by another gatherer";
        match self.events.iter_mut().find_map(|e| match e {
            Event::Omitted { what: w, count } if w == what => Some(count),
            _ => None,
        }) {
            Some(count) => *count = count.saturating_add(1),
            None => self.events.push(Event::Omitted {
                what: what.to_owned(),
                count: 1,
            }),
        }
    }
}

/// Collects a run's events under their caps while it runs.
#[derive(Debug, Default)]
pub(crate) struct EventLog {
    events: Vec<Event>,
    refusals: usize,
    refusals_omitted: u32,
    dropped: usize,
    dropped_omitted: Vec<(&'static str, u32)>,
    guest_errors: usize,
    guest_errors_omitted: u32,
}

impl EventLog {
    /// A denial; an identical one is counted on the first.
    pub(crate) fn denied(&mut self, method: &str, path: &str, reason: &str) {
        let same = self.events.iter_mut().find_map(|e| match e {
            Event::Denied {
                method: m,
                path: p,
                reason: r,
                count,
            } if m == method && p == path && r == reason => Some(count),
            _ => None,
        });
        if let Some(count) = same {
            *count = count.saturating_add(1);
        } else if self.refusals < MAX_REFUSALS {
            self.refusals += 1;
            self.events.push(Event::Denied {
                method: method.to_owned(),
                path: path.to_owned(),
                reason: reason.to_owned(),
                count: 1,
            });
        } else {
            self.refusals_omitted += 1;
        }
    }

    /// A refusal for a limit; an identical one is counted on the first.
    pub(crate) fn limit(&mut self, exceeded: &LimitExceeded) {
        let same = self.events.iter_mut().find_map(|e| match e {
            Event::LimitExceeded {
                limit,
                message,
                count,
            } if *limit == exceeded.limit && *message == exceeded.message => Some(count),
            _ => None,
        });
        if let Some(count) = same {
            *count = count.saturating_add(1);
        } else if self.refusals < MAX_REFUSALS {
            self.refusals += 1;
            self.events.push(Event::LimitExceeded {
                limit: exceeded.limit,
                message: exceeded.message.clone(),
                count: 1,
            });
        } else {
            self.refusals_omitted += 1;
        }
    }

    /// A dropped record.
    pub(crate) fn dropped(&mut self, name: &str, reason: DropReason) {
        if self.dropped < MAX_DROPPED_RECORDS {
            self.dropped += 1;
            self.events.push(Event::RecordDropped {
                name: name.to_owned(),
                reason,
            });
        } else {
            let kind = reason.kind();
            match self.dropped_omitted.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, count)) => *count = count.saturating_add(1),
                None => self.dropped_omitted.push((kind, 1)),
            }
        }
    }

    /// The guest's trap.
    pub(crate) fn trap(&mut self, message: String) {
        self.events.push(Event::Trap { message });
    }

    /// An error of the guest's. One that only restates a refusal the host listed itself
    /// (a denial or a record drop passed on with `?`) is not listed twice.
    pub(crate) fn guest_error(&mut self, error: GuestError, fatal: bool) {
        // Even a fatal restatement is not listed again: the outcome says the run failed.
        if self.restates(&error) {
            return;
        }
        if self.guest_errors < MAX_GUEST_ERRORS || fatal {
            self.guest_errors += 1;
            self.events.push(Event::GuestError { error, fatal });
        } else {
            self.guest_errors_omitted += 1;
        }
    }

    fn restates(&self, error: &GuestError) -> bool {
        match error {
            GuestError::Request {
                path,
                error: RequestError::Denied(reason),
            } => self.events.iter().any(|e| {
                matches!(e, Event::Denied { path: p, reason: r, .. } if p == path && r == reason)
            }),
            GuestError::Request {
                error: RequestError::LimitExceeded(message),
                ..
            } => self.events.iter().any(
                |e| matches!(e, Event::LimitExceeded { message: m, .. } if m == message),
            ),
            GuestError::Record { name, .. } => self
                .events
                .iter()
                .any(|e| matches!(e, Event::RecordDropped { name: n, .. } if n == name)),
            _ => false,
        }
    }

    /// The events, with what was counted past the caps last.
    pub(crate) fn finish(mut self) -> Vec<Event> {
        if self.refusals_omitted > 0 {
            self.events.push(Event::Omitted {
                what: "refused requests".to_owned(),
                count: self.refusals_omitted,
            });
        }
        for (kind, count) in self.dropped_omitted {
            self.events.push(Event::Omitted {
                what: format!("records dropped for {kind}"),
                count,
            });
        }
        if self.guest_errors_omitted > 0 {
            self.events.push(Event::Omitted {
                what: "errors of the gatherer".to_owned(),
                count: self.guest_errors_omitted,
            });
        }
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_denials_are_counted_once() {
        let mut log = EventLog::default();
        for _ in 0..3 {
            log.denied("DELETE", "/api/v1/nodes", "method DELETE is not allowed");
        }
        log.denied(
            "GET",
            "/api/v1/nodes",
            "core/v1 nodes is not in this gatherer's reads",
        );
        let events = log.finish();
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0].render(),
            "request denied: DELETE /api/v1/nodes: method DELETE is not allowed (3 times)"
        );
        assert_eq!(
            events[1].render(),
            "request denied: GET /api/v1/nodes: core/v1 nodes is not in this gatherer's reads"
        );
    }

    #[test]
    fn refusals_past_the_cap_are_counted() {
        let mut log = EventLog::default();
        for i in 0..MAX_REFUSALS + 5 {
            log.denied("GET", &format!("/api/v1/x{i}"), "no");
        }
        let events = log.finish();
        assert_eq!(events.len(), MAX_REFUSALS + 1);
        assert_eq!(
            events.last().map(Event::render).as_deref(),
            Some("5 more refused requests not listed")
        );
    }

    #[test]
    fn a_guest_restating_a_host_refusal_is_not_listed_twice() {
        let mut log = EventLog::default();
        log.denied(
            "GET",
            "/api/v1/nodes",
            "core/v1 nodes is not in this gatherer's reads",
        );
        log.guest_error(
            GuestError::Request {
                path: "/api/v1/nodes".into(),
                error: RequestError::Denied("core/v1 nodes is not in this gatherer's reads".into()),
            },
            false,
        );
        // The same denial of another path is the guest's own news.
        log.guest_error(
            GuestError::Request {
                path: "/api/v1/pods".into(),
                error: RequestError::Denied("core/v1 nodes is not in this gatherer's reads".into()),
            },
            false,
        );
        log.guest_error(
            GuestError::Other {
                message: "nodes: denied by the host: core/v1 nodes is not in this gatherer's reads"
                    .into(),
            },
            false,
        );
        let events = log.finish();
        assert_eq!(events.len(), 3, "{events:#?}");
        assert!(
            matches!(&events[1], Event::GuestError { error: GuestError::Request { path, .. }, .. } if path == "/api/v1/pods")
        );
        assert!(matches!(
            &events[2],
            Event::GuestError {
                error: GuestError::Other { .. },
                ..
            }
        ));
    }

    #[test]
    fn guest_errors_past_the_cap_are_counted_but_the_fatal_one_is_kept() {
        let mut log = EventLog::default();
        for i in 0..MAX_GUEST_ERRORS + 250 {
            log.guest_error(
                GuestError::Other {
                    message: format!("e{i}"),
                },
                false,
            );
        }
        log.guest_error(
            GuestError::Other {
                message: "the end".into(),
            },
            true,
        );
        let events = log.finish();
        assert_eq!(events.len(), MAX_GUEST_ERRORS + 2);
        assert_eq!(events[0].render(), "e0");
        assert_eq!(events[MAX_GUEST_ERRORS].render(), "the end");
        assert_eq!(
            events[MAX_GUEST_ERRORS + 1].render(),
            "250 more errors of the gatherer not listed"
        );
    }

    #[test]
    fn guest_errors_render_like_the_sdk() {
        let api = GuestError::Api {
            path: "/apis/x".into(),
            code: 404,
            reason: "NotFound".into(),
            message: "gone".into(),
        };
        assert_eq!(api.to_string(), "/apis/x: API error 404 NotFound: gone");
        let record = GuestError::Record {
            name: "a".into(),
            error: RecordError::Duplicate("a.json is already written by b".into()),
        };
        assert_eq!(
            record.to_string(),
            "record \"a\" refused: duplicate: a.json is already written by b"
        );
    }

    #[test]
    fn events_serialize_with_their_kind() {
        let event = Event::LimitExceeded {
            limit: Limit::MaxRequests,
            message: "request limit of 3 per run reached".into(),
            count: 2,
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({"kind": "limit-exceeded", "limit": "max_requests",
                               "message": "request limit of 3 per run reached", "count": 2})
        );
        let event = Event::GuestError {
            error: GuestError::Request {
                path: "/api".into(),
                error: RequestError::Timeout,
            },
            fatal: true,
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({"kind": "guest-error", "fatal": true,
                               "error": {"type": "request", "path": "/api", "error": {"kind": "timeout"}}})
        );
    }
}
