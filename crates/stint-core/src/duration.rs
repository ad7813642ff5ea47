//! ISO 8601 durations in days, hours, minutes and seconds (`P365D`, `PT8H`, `PT1H45M`).
//!
//! Months and years are refused: their length depends on the calendar, and Entra refuses them too.

use std::fmt;
use std::str::FromStr;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// A non-negative, calendar-independent duration.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct IsoDuration(TimeDelta);

/// Why a text is not an accepted duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("'{0}' is not an ISO 8601 duration such as PT8H or P30D")]
    Malformed(String),
    #[error("'{0}' uses months or years, whose length varies; give the duration in days, hours, minutes or seconds (for example P365D)")]
    CalendarUnit(String),
    #[error("'{0}' is longer than any assignment can be")]
    TooLong(String),
}

/// The longest duration accepted: beyond it, arithmetic on timestamps could overflow.
const MAX_SECONDS: i64 = 100 * 366 * 24 * 3600;

impl IsoDuration {
    pub fn from_delta(delta: TimeDelta) -> Self {
        IsoDuration(delta.max(TimeDelta::zero()))
    }

    pub fn minutes(minutes: i64) -> Self {
        IsoDuration(TimeDelta::minutes(minutes))
    }

    pub fn hours(hours: i64) -> Self {
        IsoDuration(TimeDelta::hours(hours))
    }

    pub fn days(days: i64) -> Self {
        IsoDuration(TimeDelta::days(days))
    }

    pub fn as_delta(&self) -> TimeDelta {
        self.0
    }
}

impl FromStr for IsoDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || DurationError::Malformed(truncate(text));
        let upper = text.trim().to_ascii_uppercase();
        let body = upper.strip_prefix('P').ok_or_else(malformed)?;
        if body.is_empty() {
            return Err(malformed());
        }
        let (date_part, time_part) = match body.split_once('T') {
            Some((_, "")) => return Err(malformed()),
            Some((date, time)) => (date, Some(time)),
            None => (body, None),
        };
        let mut millis: i128 = 0;
        for (value, unit) in components(date_part).ok_or_else(malformed)? {
            match unit {
                'D' => millis += value * 86_400_000,
                'W' => millis += value * 7 * 86_400_000,
                'Y' | 'M' => return Err(DurationError::CalendarUnit(truncate(text))),
                _ => return Err(malformed()),
            }
        }
        for (value, unit) in components(time_part.unwrap_or("")).ok_or_else(malformed)? {
            millis += match unit {
                'H' => value * 3_600_000,
                'M' => value * 60_000,
                'S' => value,
                _ => return Err(malformed()),
            };
        }
        if millis > i128::from(MAX_SECONDS) * 1000 {
            return Err(DurationError::TooLong(truncate(text)));
        }
        let millis = i64::try_from(millis).map_err(|_| DurationError::TooLong(truncate(text)))?;
        Ok(IsoDuration(TimeDelta::milliseconds(millis)))
    }
}

/// Splits `1H30M` into `[(1, 'H'), (30, 'M')]`. Seconds are returned in milliseconds so that
/// `PT0.5S` is exact; every other unit must be a whole number.
fn components(part: &str) -> Option<Vec<(i128, char)>> {
    let mut out = Vec::new();
    let mut number = String::new();
    for ch in part.chars() {
        if ch.is_ascii_digit() || ch == '.' {
            if number.len() >= 18 {
                return None;
            }
            number.push(ch);
            continue;
        }
        if number.is_empty() {
            return None;
        }
        let value = if ch == 'S' {
            parse_seconds_as_millis(&number)?
        } else {
            number.parse::<i128>().ok()?
        };
        out.push((value, ch));
        number.clear();
    }
    number.is_empty().then_some(out)
}

fn parse_seconds_as_millis(number: &str) -> Option<i128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.contains('.') {
        return None;
    }
    let whole: i128 = whole.parse().ok()?;
    let mut fraction: String = fraction.chars().take(3).collect();
    while fraction.len() < 3 {
        fraction.push('0');
    }
    Some(whole * 1000 + fraction.parse::<i128>().ok()?)
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total_millis = self.0.num_milliseconds();
        let days = total_millis / 86_400_000;
        let hours = total_millis / 3_600_000 % 24;
        let minutes = total_millis / 60_000 % 60;
        let millis = total_millis % 60_000;
        write!(f, "P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours == 0 && minutes == 0 && millis == 0 {
            return if days == 0 { write!(f, "T0S") } else { Ok(()) };
        }
        write!(f, "T")?;
        if hours > 0 {
            write!(f, "{hours}H")?;
        }
        if minutes > 0 {
            write!(f, "{minutes}M")?;
        }
        match (millis / 1000, millis % 1000) {
            (0, 0) => Ok(()),
            (seconds, 0) => write!(f, "{seconds}S"),
            (seconds, fraction) => write!(f, "{seconds}.{fraction:03}S"),
        }
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn days_hours_minutes_and_seconds_are_read() {
        assert_eq!("P365D".parse(), Ok(IsoDuration::days(365)));
        assert_eq!("PT8H".parse(), Ok(IsoDuration::hours(8)));
        assert_eq!("pt1h45m".parse(), Ok(IsoDuration::minutes(105)));
        assert_eq!(
            "P1DT2H".parse(),
            Ok(IsoDuration::from_delta(TimeDelta::hours(26)))
        );
        assert_eq!(
            "PT0.5S".parse(),
            Ok(IsoDuration::from_delta(TimeDelta::milliseconds(500)))
        );
    }

    #[test]
    fn months_and_years_are_refused_as_ambiguous() {
        for text in ["P1M", "P1Y", "P6M", "P1Y2D"] {
            assert!(
                matches!(
                    text.parse::<IsoDuration>(),
                    Err(DurationError::CalendarUnit(_))
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_durations_are_refused() {
        for text in [
            "", "P", "PT", "8H", "P-1D", "PTH", "P1.5D", "P1DT", "PT1.2.3S", "PT5X",
        ] {
            assert!(text.parse::<IsoDuration>().is_err(), "{text}");
        }
    }

    #[test]
    fn absurdly_long_durations_are_refused() {
        assert!(matches!(
            "P99999999D".parse::<IsoDuration>(),
            Err(DurationError::TooLong(_))
        ));
    }

    #[test]
    fn durations_are_written_as_graph_writes_them() {
        assert_eq!(IsoDuration::hours(8).to_string(), "PT8H");
        assert_eq!(IsoDuration::days(365).to_string(), "P365D");
        assert_eq!(IsoDuration::minutes(105).to_string(), "PT1H45M");
        assert_eq!(IsoDuration::minutes(0).to_string(), "PT0S");
    }

    proptest! {
        #[test]
        fn any_written_duration_reads_back(millis in 0i64..(MAX_SECONDS * 1000)) {
            let duration = IsoDuration::from_delta(TimeDelta::milliseconds(millis));
            prop_assert_eq!(duration.to_string().parse::<IsoDuration>(), Ok(duration));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,30}") {
            let _ = text.parse::<IsoDuration>();
        }
    }
}
