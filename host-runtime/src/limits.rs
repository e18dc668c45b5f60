//! Per-run limits: what one gatherer run may use before it fails alone.
//!
//! Three mechanisms enforce them, each where the guest cannot route around it:
//!
//! - [`GuestLimiter`] is the store's `wasmtime::ResourceLimiter`: it caps the
//!   total linear memory, table elements, and the number of instances, tables
//!   and memories. A refused `memory.grow` returns -1 to the guest, whose
//!   allocator then aborts, which traps; the limiter remembers why, so the
//!   host can report "memory limit of 256 MiB reached" instead of a bare trap.
//! - [`Meter`] counts the run's requests (every `kube.http-request`, denied
//!   by the policy or not) and response bytes; the host calls it around
//!   every request and answers the guest with `error::limit-exceeded` once a
//!   budget is spent.
//! - The deadline is enforced by the host with epoch interruption: at every
//!   epoch tick a running guest yields its worker thread, and the host
//!   compares the wall clock with the run's deadline.
//!
//! The record budgets are applied as each record arrives
//! ([`crate::output`]). Every refusal names its [`Limit`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Most linear memories one gatherer store may create. A Rust component uses
/// one or two (the program and shims); the cap stops a component that
/// declares thousands.
pub const MAX_MEMORIES: usize = 16;

/// The limits of one gatherer run. Deserializes from the operator's config
/// (every field optional, `deadline` written like `"30s"` or `"2m 30s"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock time for the whole run, instantiation to returned output.
    #[serde(with = "duration_text")]
    pub deadline: Duration,
    /// Total linear memory of the gatherer's store, in bytes.
    pub memory_bytes: usize,
    /// Most tables in the store.
    pub max_tables: usize,
    /// Most elements of any one table.
    pub max_table_elements: usize,
    /// Most core instances in the store (a component instantiates several).
    pub max_instances: usize,
    /// Most `kube.http-request` calls per run, denied or not.
    pub max_requests: u32,
    /// Largest single response body.
    pub max_response_bytes: u64,
    /// Sum of all response bodies of the run.
    pub max_total_response_bytes: u64,
    /// Most records kept from one run.
    pub max_records: u32,
    /// Largest single record.
    pub max_record_bytes: u64,
    /// Sum of the kept records' bytes.
    pub max_total_record_bytes: u64,
    /// Captured stdout and stderr, together; the rest is discarded.
    pub max_log_bytes: u64,
}

impl Default for Limits {
    /// Sized for the Insights Operator's largest gatherers: a full list of a
    /// big cluster's pods is tens of MiB of JSON, its archive stays well
    /// below 64 MiB, and a run over 30 s means a stuck gatherer.
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(30),
            memory_bytes: 256 << 20,
            max_tables: 20,
            max_table_elements: 100_000,
            max_instances: 50,
            max_requests: 1_000,
            max_response_bytes: 64 << 20,
            max_total_response_bytes: 256 << 20,
            max_records: 10_000,
            max_record_bytes: 16 << 20,
            max_total_record_bytes: 64 << 20,
            max_log_bytes: 64 << 10,
        }
    }
}

/// Reads and writes durations as text (`"30s"`, `"1m 30s"`, `"500ms"`).
mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text)
            .map_err(|e| D::Error::custom(format!("invalid duration {text:?}: {e}")))
    }
}

/// The limits a run can break, named as in the limits file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    Deadline,
    MemoryBytes,
    MaxTableElements,
    MaxRequests,
    MaxResponseBytes,
    MaxTotalResponseBytes,
    MaxRecords,
    MaxRecordBytes,
    MaxTotalRecordBytes,
    MaxLogBytes,
}

impl Limit {
    /// The limit's key in a limits file (`max_requests`).
    pub fn key(self) -> &'static str {
        match self {
            Limit::Deadline => "deadline",
            Limit::MemoryBytes => "memory_bytes",
            Limit::MaxTableElements => "max_table_elements",
            Limit::MaxRequests => "max_requests",
            Limit::MaxResponseBytes => "max_response_bytes",
            Limit::MaxTotalResponseBytes => "max_total_response_bytes",
            Limit::MaxRecords => "max_records",
            Limit::MaxRecordBytes => "max_record_bytes",
            Limit::MaxTotalRecordBytes => "max_total_record_bytes",
            Limit::MaxLogBytes => "max_log_bytes",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A budget was used up: which limit, and a message naming its value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LimitExceeded {
    pub limit: Limit,
    pub message: String,
}

impl LimitExceeded {
    pub fn new(limit: Limit, message: impl Into<String>) -> Self {
        Self {
            limit,
            message: message.into(),
        }
    }
}

/// Formats a byte count for people: `64 MiB`, `1.5 KiB`, `12 B`. Exact
/// multiples print without decimals so that limits read as configured.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
        ("B", 1),
    ];
    for (unit, size) in UNITS {
        if n >= size || size == 1 {
            if n.is_multiple_of(size) {
                return format!("{} {unit}", n / size);
            }
            // Precision is for people; f64 holds any realistic size exactly enough.
            #[allow(clippy::cast_precision_loss)]
            let value = n as f64 / size as f64;
            return format!("{value:.1} {unit}");
        }
    }
    format!("{n} B")
}

/// One run's use of the request budgets.
#[derive(Clone, Debug)]
pub struct Meter {
    max_requests: u32,
    max_response_bytes: u64,
    max_total_response_bytes: u64,
    requests: u32,
    response_bytes: u64,
}

impl Meter {
    pub fn new(limits: &Limits) -> Self {
        Self {
            max_requests: limits.max_requests,
            max_response_bytes: limits.max_response_bytes,
            max_total_response_bytes: limits.max_total_response_bytes,
            requests: 0,
            response_bytes: 0,
        }
    }

    /// Counts one request; refuses it once `max_requests` were made. Call it
    /// before the policy check so that a guest looping on denied requests
    /// also runs out.
    pub fn before_request(&mut self) -> Result<(), LimitExceeded> {
        if self.requests >= self.max_requests {
            return Err(LimitExceeded::new(
                Limit::MaxRequests,
                format!("request limit of {} per run reached", self.max_requests),
            ));
        }
        self.requests += 1;
        Ok(())
    }

    /// How many body bytes the next response may have: the host can stop
    /// reading a body past this instead of buffering it whole.
    pub fn response_budget(&self) -> u64 {
        self.max_response_bytes.min(
            self.max_total_response_bytes
                .saturating_sub(self.response_bytes),
        )
    }

    /// Accounts a response body; refuses one that is too large on its own or
    /// that would take the run past its total. A refused body is not counted
    /// (the guest never receives it).
    pub fn on_response(&mut self, body_len: u64) -> Result<(), LimitExceeded> {
        if body_len > self.max_response_bytes {
            return Err(LimitExceeded::new(
                Limit::MaxResponseBytes,
                format!(
                    "response of {} exceeds the limit of {} per response",
                    human_bytes(body_len),
                    human_bytes(self.max_response_bytes)
                ),
            ));
        }
        let total = self.response_bytes.saturating_add(body_len);
        if total > self.max_total_response_bytes {
            return Err(LimitExceeded::new(
                Limit::MaxTotalResponseBytes,
                format!(
                    "response of {} would take the run past its limit of {} of responses ({} received so far)",
                    human_bytes(body_len),
                    human_bytes(self.max_total_response_bytes),
                    human_bytes(self.response_bytes)
                ),
            ));
        }
        self.response_bytes = total;
        Ok(())
    }

    /// Requests counted so far: every request within the limit, including
    /// those the policy denied; those refused for the limit itself are not.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// Response body bytes handed to the guest so far.
    pub fn response_bytes(&self) -> u64 {
        self.response_bytes
    }
}

/// The store's resource limiter for one gatherer run.
#[derive(Clone, Debug)]
pub struct GuestLimiter {
    memory_bytes: usize,
    max_table_elements: usize,
    max_tables: usize,
    max_instances: usize,
    /// Linear memory of every memory in the store. Memories only grow, and
    /// each growth (including the initial allocation, from 0) is reported
    /// as `current -> desired`, so summing the increments gives the total.
    memory_in_use: usize,
    /// The most linear memory the store held at once.
    memory_peak: usize,
    hit: Option<LimitExceeded>,
}

impl GuestLimiter {
    pub fn new(limits: &Limits) -> Self {
        Self {
            memory_bytes: limits.memory_bytes,
            max_table_elements: limits.max_table_elements,
            max_tables: limits.max_tables,
            max_instances: limits.max_instances,
            memory_in_use: 0,
            memory_peak: 0,
            hit: None,
        }
    }

    /// The first limit the guest ran into, if any. Instance, table and memory
    /// counts are enforced by wasmtime itself, which then fails instantiation
    /// with its own message; they are not recorded here.
    pub fn hit(&self) -> Option<LimitExceeded> {
        self.hit.clone()
    }

    /// The most linear memory granted at once.
    pub fn memory_peak(&self) -> usize {
        self.memory_peak
    }

    /// Total linear memory granted so far.
    pub fn memory_in_use(&self) -> usize {
        self.memory_in_use
    }

    fn record_hit(&mut self, limit: Limit, message: String) {
        if self.hit.is_none() {
            self.hit = Some(LimitExceeded::new(limit, message));
        }
    }
}

impl wasmtime::ResourceLimiter for GuestLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        let total = self.memory_in_use.saturating_add(growth);
        if total > self.memory_bytes {
            // Ok(false), not an error: the guest sees a failed `memory.grow`,
            // as on a machine out of memory, and its allocator decides.
            self.record_hit(
                Limit::MemoryBytes,
                format!(
                    "memory limit of {} reached (the guest asked to grow to {})",
                    human_bytes(self.memory_bytes as u64),
                    human_bytes(total as u64)
                ),
            );
            return Ok(false);
        }
        self.memory_in_use = total;
        self.memory_peak = self.memory_peak.max(total);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_table_elements {
            self.record_hit(
                Limit::MaxTableElements,
                format!(
                    "table limit of {} elements reached (the guest asked for {desired})",
                    self.max_table_elements
                ),
            );
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.max_instances
    }

    fn tables(&self) -> usize {
        self.max_tables
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::ResourceLimiter;

    use super::*;

    fn small() -> Limits {
        Limits {
            max_requests: 3,
            max_response_bytes: 100,
            max_total_response_bytes: 250,
            memory_bytes: 1 << 20,
            max_table_elements: 10,
            ..Limits::default()
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let l = Limits::default();
        assert_eq!(l.deadline, Duration::from_secs(30));
        assert_eq!(l.memory_bytes, 256 * 1024 * 1024);
        assert_eq!(l.max_requests, 1000);
        assert_eq!(l.max_response_bytes, 64 * 1024 * 1024);
        assert_eq!(l.max_total_response_bytes, 256 * 1024 * 1024);
        assert_eq!(l.max_records, 10_000);
        assert_eq!(l.max_record_bytes, 16 * 1024 * 1024);
        assert_eq!(l.max_total_record_bytes, 64 * 1024 * 1024);
        assert_eq!(l.max_log_bytes, 64 * 1024);
    }

    #[test]
    fn byte_counts_read_as_configured() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(64 << 10), "64 KiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(256 << 20), "256 MiB");
        assert_eq!(human_bytes(3 << 30), "3 GiB");
    }

    #[test]
    fn requests_are_counted_and_refused_past_the_limit() {
        let mut m = Meter::new(&small());
        for _ in 0..3 {
            m.before_request().expect("within the limit");
        }
        let err = m.before_request().expect_err("the fourth request");
        assert_eq!(err.message, "request limit of 3 per run reached");
        assert_eq!(err.limit, Limit::MaxRequests);
        assert_eq!(m.requests(), 3);
    }

    #[test]
    fn a_response_too_large_on_its_own_is_refused_and_not_counted() {
        let mut m = Meter::new(&small());
        let err = m.on_response(101).expect_err("over 100 bytes");
        assert_eq!(
            err.message,
            "response of 101 B exceeds the limit of 100 B per response"
        );
        assert_eq!(m.response_bytes(), 0);
        m.on_response(100).expect("exactly at the limit");
        assert_eq!(m.response_bytes(), 100);
    }

    #[test]
    fn responses_are_refused_past_the_run_total() {
        let mut m = Meter::new(&small());
        m.on_response(100).expect("first");
        m.on_response(100).expect("second");
        assert_eq!(m.response_budget(), 50);
        let err = m.on_response(51).expect_err("would reach 251");
        assert!(
            err.message
                .contains("past its limit of 250 B of responses (200 B received so far)"),
            "{err}"
        );
        m.on_response(50).expect("reaches 250 exactly");
        assert_eq!(m.response_bytes(), 250);
        assert_eq!(m.response_budget(), 0);
    }

    #[test]
    fn memory_growth_is_summed_over_memories_and_refused_past_the_limit() {
        let mut l = GuestLimiter::new(&small());
        assert!(l.memory_growing(0, 512 << 10, None).unwrap());
        assert!(
            l.memory_growing(0, 256 << 10, None).unwrap(),
            "a second memory"
        );
        assert_eq!(l.memory_in_use(), 768 << 10);
        assert!(l.hit().is_none());
        // 512 KiB -> 1 MiB on the first memory would make 1.25 MiB in all.
        assert!(!l.memory_growing(512 << 10, 1 << 20, None).unwrap());
        assert_eq!(
            l.hit().map(|h| h.message).as_deref(),
            Some("memory limit of 1 MiB reached (the guest asked to grow to 1.2 MiB)")
        );
        assert_eq!(
            l.memory_in_use(),
            768 << 10,
            "a refused growth is not counted"
        );
        assert!(
            l.memory_growing(512 << 10, 768 << 10, None).unwrap(),
            "up to 1 MiB"
        );
    }

    #[test]
    fn table_growth_is_refused_past_the_limit_and_the_first_hit_is_kept() {
        let mut l = GuestLimiter::new(&small());
        assert!(l.table_growing(0, 10, None).unwrap());
        assert!(!l.table_growing(10, 11, None).unwrap());
        assert!(!l.memory_growing(0, 2 << 20, None).unwrap());
        assert_eq!(
            l.hit().map(|h| h.message).as_deref(),
            Some("table limit of 10 elements reached (the guest asked for 11)")
        );
    }

    #[test]
    fn counts_come_from_the_limits() {
        let l = GuestLimiter::new(&Limits {
            max_instances: 7,
            max_tables: 5,
            ..Limits::default()
        });
        assert_eq!(l.instances(), 7);
        assert_eq!(l.tables(), 5);
        assert_eq!(l.memories(), MAX_MEMORIES);
    }

    #[test]
    fn limits_read_from_config_text_with_defaults_for_the_rest() {
        let l: Limits =
            serde_json::from_str(r#"{"deadline": "1m 30s", "max_requests": 5}"#).unwrap();
        assert_eq!(l.deadline, Duration::from_secs(90));
        assert_eq!(l.max_requests, 5);
        assert_eq!(l.memory_bytes, Limits::default().memory_bytes);
        let err = serde_json::from_str::<Limits>(r#"{"deadline": "soon"}"#).unwrap_err();
        assert!(
            err.to_string().contains("invalid duration \"soon\""),
            "{err}"
        );
        let err = serde_json::from_str::<Limits>(r#"{"max_request": 5}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `max_request`"),
            "{err}"
        );
        let back: Limits = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
    }
}
