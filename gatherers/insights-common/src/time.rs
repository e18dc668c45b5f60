//! The little date arithmetic the gatherers need, without a date-time library in every
//! component: RFC 3339 timestamps as the API server writes them, Go's text for `time.Time`,
//! and Go durations (`2h`, `1h30m`) as the operator configures its gather interval.

/// A point in time: seconds and nanoseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Instant {
    /// The current time from the system clock (WASI's wall clock inside a component).
    pub fn now() -> Instant {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Instant {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                let d = e.duration();
                let mut secs = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                let mut nanos = d.subsec_nanos();
                if nanos > 0 {
                    secs -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
                Instant { secs, nanos }
            }
        }
    }

    /// Parses RFC 3339 (`2022-08-24T09:40:44Z`, `2022-08-24T11:40:44.5+02:00`).
    pub fn parse(text: &str) -> Option<Instant> {
        let b = text.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let s = text.get(range)?;
            if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut rest = &text[19..];
        let mut nanos = 0u32;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            let value: u32 = fraction[..digits].parse().ok()?;
            nanos = value * 10u32.pow(9 - u32::try_from(digits).ok()?);
            rest = &fraction[digits..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let b = rest.as_bytes();
                if b.len() != 6 || b[3] != b':' {
                    return None;
                }
                let hours: i64 = rest[1..3].parse().ok()?;
                let minutes: i64 = rest[4..6].parse().ok()?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                sign * (hours * 3600 + minutes * 60)
            }
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        Some(Instant { secs, nanos })
    }

    /// Nanoseconds from `earlier` to this time (negative when `earlier` is later).
    pub fn nanos_since(self, earlier: Instant) -> i128 {
        (i128::from(self.secs) - i128::from(earlier.secs)) * 1_000_000_000
            + (i128::from(self.nanos) - i128::from(earlier.nanos))
    }

    /// This time minus a duration.
    #[must_use]
    pub fn minus(self, duration: std::time::Duration) -> Instant {
        let total = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
            - i128::try_from(duration.as_nanos()).unwrap_or(i128::MAX);
        Instant {
            secs: i64::try_from(total.div_euclid(1_000_000_000)).unwrap_or(i64::MIN),
            nanos: u32::try_from(total.rem_euclid(1_000_000_000)).unwrap_or(0),
        }
    }

    /// How Go's `json.Marshal` writes a `time.Time` in UTC: RFC 3339 with as many fraction
    /// digits as needed (`2022-08-24T09:40:44Z`, `2022-08-24T09:40:44.5Z`).
    pub fn to_go_utc(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let in_day = self.secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let mut text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            in_day / 3600,
            in_day % 3600 / 60,
            in_day % 60
        );
        if self.nanos > 0 {
            let fraction = format!("{:09}", self.nanos);
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
        text.push('Z');
        text
    }

    /// Year and month in UTC, as Go's `t.UTC().Format("2006-01")`.
    pub fn year_month(self) -> String {
        let (year, month, _) = civil_from_days(self.secs.div_euclid(86_400));
        format!("{year:04}-{month:02}")
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses a Go duration (`time.ParseDuration`): a sequence of decimal numbers with units `ns`,
/// `us`, `µs`, `ms`, `s`, `m`, `h`, e.g. `2h`, `1h30m`, `1.5h`. Negative durations are refused.
pub fn parse_go_duration(text: &str) -> Option<std::time::Duration> {
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest == "0" {
        return Some(std::time::Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        nanos += number * scale;
        rest = &rest[unit_len..];
    }
    if !nanos.is_finite() || nanos > 1.8e19 {
        return None;
    }
    // Bounded and non-negative above; the cast is the rounding Go's parser also does.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(std::time::Duration::from_nanos(nanos as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_api_server_and_go_write() {
        let utc = Instant::parse("2022-08-24T09:40:44Z").unwrap();
        assert_eq!(utc.secs, 1_661_334_044);
        assert_eq!(Instant::parse("2022-08-24T11:40:44+02:00"), Some(utc));
        assert_eq!(
            Instant::parse("2022-08-24T09:40:44.25Z"),
            Some(Instant {
                secs: 1_661_334_044,
                nanos: 250_000_000
            })
        );
        assert_eq!(
            Instant::parse("1970-01-01T00:00:00Z"),
            Some(Instant::default())
        );
        assert_eq!(
            Instant::parse("1969-12-31T23:59:59Z").map(|i| i.secs),
            Some(-1)
        );
        for bad in [
            "",
            "2022-13-01T00:00:00Z",
            "2022-02-30T00:00:00Z",
            "2022-08-24 09:40",
            "2022-08-24T09:40:44",
            "2022-08-24T09:40:44+0200",
        ] {
            assert_eq!(Instant::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_go_text_in_utc() {
        let t = Instant::parse("2022-08-24T11:40:44+02:00").unwrap();
        assert_eq!(t.to_go_utc(), "2022-08-24T09:40:44Z");
        assert_eq!(
            Instant {
                nanos: 500_000_000,
                ..t
            }
            .to_go_utc(),
            "2022-08-24T09:40:44.5Z"
        );
        assert_eq!(
            Instant::parse("2024-02-29T23:59:59Z").unwrap().to_go_utc(),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(
            Instant::parse("2021-07-07T11:02:54Z").unwrap().year_month(),
            "2021-07"
        );
        assert_eq!(
            t.minus(std::time::Duration::from_secs(3600)).to_go_utc(),
            "2022-08-24T08:40:44Z"
        );
        assert_eq!(
            Instant { secs: 10, nanos: 0 }.minus(std::time::Duration::from_millis(1500)),
            Instant {
                secs: 8,
                nanos: 500_000_000
            }
        );
    }

    #[test]
    fn go_durations() {
        let h = std::time::Duration::from_secs(3600);
        assert_eq!(parse_go_duration("2h"), Some(2 * h));
        assert_eq!(parse_go_duration("1h30m"), Some(h + h / 2));
        assert_eq!(parse_go_duration("1.5h"), Some(h + h / 2));
        assert_eq!(parse_go_duration("0"), Some(std::time::Duration::ZERO));
        assert_eq!(
            parse_go_duration("300ms"),
            Some(std::time::Duration::from_millis(300))
        );
        for bad in ["", "h", "2", "2d", "-1h", "1h-"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }
}
