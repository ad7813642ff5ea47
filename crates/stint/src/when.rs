//! Durations (`30m`, `2h`, `30d`, `1h30m`, or ISO 8601 `PT2H`) and times (RFC 3339,
//! `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` in UTC, or `+2h` from now) as the command line takes them,
//! and turned into what the API wants: ISO 8601 durations and RFC 3339 times.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// A calendar-independent duration, in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    seconds: i64,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// A hundred years: longer than anything the server accepts.
const MAX_SECONDS: i64 = 36_600 * DAY;

impl Span {
    pub fn as_delta(self) -> TimeDelta {
        TimeDelta::seconds(self.seconds)
    }

    /// ISO 8601: `P30D`, `PT2H`, `PT1H30M`, `P1DT12H`.
    pub fn to_iso(self) -> String {
        let days = self.seconds / DAY;
        let rest = self.seconds % DAY;
        let (hours, minutes, seconds) = (rest / HOUR, rest % HOUR / MINUTE, rest % MINUTE);
        let mut text = String::from("P");
        if days > 0 {
            text.push_str(&format!("{days}D"));
        }
        if rest > 0 {
            text.push('T');
            for (value, unit) in [(hours, 'H'), (minutes, 'M'), (seconds, 'S')] {
                if value > 0 {
                    text.push_str(&format!("{value}{unit}"));
                }
            }
        }
        text
    }
}

/// Parses `30m`, `2h`, `30d`, `2w`, `1h30m`, `90s` or ISO 8601 (`PT2H`, `P30D`).
pub fn parse_span(text: &str) -> Result<Span, String> {
    let trimmed = text.trim();
    let seconds = if trimmed.starts_with(['P', 'p']) {
        parse_iso(trimmed)
    } else {
        parse_short(trimmed)
    }
    .ok_or_else(|| {
        format!("'{trimmed}' is not a duration; write it like 30m, 2h, 30d, 1h30m or PT2H")
    })?;
    if seconds <= 0 {
        return Err(format!(
            "'{trimmed}' is no time at all; give a positive duration"
        ));
    }
    if seconds > MAX_SECONDS {
        return Err(format!("'{trimmed}' is longer than anything Stint accepts"));
    }
    Ok(Span { seconds })
}

fn unit_seconds(unit: char) -> Option<i64> {
    match unit.to_ascii_lowercase() {
        'w' => Some(7 * DAY),
        'd' => Some(DAY),
        'h' => Some(HOUR),
        'm' => Some(MINUTE),
        's' => Some(1),
        _ => None,
    }
}

/// `1h30m`: numbers each followed by a unit.
fn parse_short(text: &str) -> Option<i64> {
    if text.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for character in text.chars() {
        if character.is_ascii_digit() {
            number.push(character);
        } else {
            let value: i64 = number.parse().ok()?;
            total = total.checked_add(value.checked_mul(unit_seconds(character)?)?)?;
            number.clear();
        }
    }
    number.is_empty().then_some(total)
}

/// ISO 8601 without months or years: `P2W`, `P30D`, `PT8H`, `P1DT2H30M`.
fn parse_iso(text: &str) -> Option<i64> {
    let upper = text.to_ascii_uppercase();
    let body = upper.strip_prefix('P')?;
    let (date, time) = match body.split_once('T') {
        Some((_, "")) => return None,
        Some((date, time)) => (date, time),
        None => (body, ""),
    };
    if date.is_empty() && time.is_empty() {
        return None;
    }
    let date_seconds = if date.is_empty() {
        0
    } else {
        if date.contains(['Y', 'M']) {
            return None;
        }
        parse_short(date)?
    };
    let time_seconds = if time.is_empty() {
        0
    } else {
        if time.contains(['W', 'D']) {
            return None;
        }
        parse_short(time)?
    };
    date_seconds.checked_add(time_seconds)
}

/// Parses a time: RFC 3339, `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DD HH:MM` (UTC), or `+2h`
/// (that long from `now`).
pub fn parse_time_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let trimmed = text.trim();
    if let Some(span) = trimmed.strip_prefix('+') {
        return Ok(now + parse_span(span)?.as_delta());
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(trimmed, format) {
            return Ok(at.and_utc());
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        if let Some(midnight) = day.and_hms_opt(0, 0, 0) {
            return Ok(midnight.and_utc());
        }
    }
    Err(format!(
        "'{trimmed}' is not a time; write it like 2026-05-01, '2026-05-01 14:00' (UTC), 2026-05-01T14:00:00+02:00 or +2h"
    ))
}

/// [`parse_time_at`] from now, for clap.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time_at(text, Utc::now())
}

/// A point in the past: a duration ago (`7d`) or a time.
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    let now = Utc::now();
    match parse_span(text) {
        Ok(span) => Ok(now - span.as_delta()),
        Err(_) => parse_time_at(text, now).map_err(|_| {
            format!(
                "'{}' is neither a duration ago (7d, 12h) nor a time (2026-05-01)",
                text.trim()
            )
        }),
    }
}

/// An RFC 3339 time as the API writes them: UTC, `Z`, whole seconds.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An ISO 8601 duration from the server (`PT8H`) said for people (`8h`); other text unchanged.
pub fn humane(iso: &str) -> String {
    match parse_span(iso) {
        Ok(span) => {
            let days = span.seconds / DAY;
            let rest = span.seconds % DAY;
            let mut parts = Vec::new();
            if days > 0 {
                parts.push(format!("{days}d"));
            }
            for (value, unit) in [
                (rest / HOUR, "h"),
                (rest % HOUR / MINUTE, "m"),
                (rest % MINUTE, "s"),
            ] {
                if value > 0 {
                    parts.push(format!("{value}{unit}"));
                }
            }
            parts.concat()
        }
        Err(_) => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_durations_become_iso() {
        for (text, iso) in [
            ("30m", "PT30M"),
            ("2h", "PT2H"),
            ("30d", "P30D"),
            ("1h30m", "PT1H30M"),
            ("90m", "PT1H30M"),
            ("1d12h", "P1DT12H"),
            ("2w", "P14D"),
            ("45s", "PT45S"),
            ("PT2H", "PT2H"),
            ("pt8h", "PT8H"),
            ("P30D", "P30D"),
            ("P1DT2H30M", "P1DT2H30M"),
            ("P2W", "P14D"),
        ] {
            assert_eq!(parse_span(text).unwrap().to_iso(), iso, "{text}");
        }
    }

    #[test]
    fn bad_durations_are_refused_with_an_example() {
        for text in [
            "", "2", "h", "2x", "P", "PT", "P1M", "P1Y", "0h", "-2h", "PT2D", "1h30",
        ] {
            let error = parse_span(text).unwrap_err();
            assert!(
                error.contains("30m") || error.contains("positive"),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn times_are_read_in_several_forms() {
        let now = parse_time_at("2026-05-01T10:00:00Z", Utc::now()).unwrap();
        let cases = [
            ("2026-05-02", "2026-05-02T00:00:00Z"),
            ("2026-05-02 14:30", "2026-05-02T14:30:00Z"),
            ("2026-05-02T14:30", "2026-05-02T14:30:00Z"),
            ("2026-05-02T14:30:00+02:00", "2026-05-02T12:30:00Z"),
            ("+2h", "2026-05-01T12:00:00Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(
                rfc3339(parse_time_at(text, now).unwrap()),
                expected,
                "{text}"
            );
        }
        assert!(parse_time_at("tomorrow", now).is_err());
    }

    #[test]
    fn since_takes_a_duration_ago_or_a_time() {
        let since = parse_since("7d").unwrap();
        let expected = Utc::now() - TimeDelta::days(7);
        assert!((since - expected).num_seconds().abs() < 5);
        assert_eq!(
            rfc3339(parse_since("2026-01-01").unwrap()),
            "2026-01-01T00:00:00Z"
        );
        assert!(parse_since("last week").is_err());
    }

    #[test]
    fn server_durations_read_for_people() {
        assert_eq!(humane("PT8H"), "8h");
        assert_eq!(humane("P365D"), "365d");
        assert_eq!(humane("PT1H30M"), "1h30m");
        assert_eq!(humane("odd"), "odd");
    }
}
