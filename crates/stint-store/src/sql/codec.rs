//! How values are written to and read from columns: times as fixed-width text, unsigned numbers
//! as signed integers, objects as JSON documents, enums as their names; and the errors of all
//! that.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use stint_core::audit::Outcome;
use stint_core::schedule::ScheduleKind;

use crate::{Revision, StoreError};

/// RFC 3339 in UTC with nanoseconds, always the same width, so that text order (PostgreSQL's
/// columns are `COLLATE "C"`) is time order, to the nanosecond.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| StoreError::Backend(format!("a stored timestamp is malformed: {error}")))
}

/// SQL integers are signed; revisions and sequences are not.
pub fn to_integer(number: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(number).map_err(|_| out_of_range(what))
}

pub fn from_integer(number: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(number).map_err(|_| out_of_range(what))
}

pub fn revision_from(number: i64) -> Result<Revision, StoreError> {
    from_integer(number, "revision")
}

/// A row limit from a caller's `usize`; anything beyond `i64` means "no limit" in practice.
pub fn limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The JSON document of an object.
pub fn json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| from_json(what, error))
}

/// The object of a JSON document.
pub fn decode<T: DeserializeOwned>(doc: &str) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(|error| from_json(std::any::type_name::<T>(), error))
}

pub fn kind_name(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Eligible => "eligible",
        ScheduleKind::Active => "active",
    }
}

pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
    }
}

/// An error of the database: a broken uniqueness rule (named as the application knows it), or
/// anything else, whose text is for logs only.
pub fn database_error(broken_rule: Option<&str>, error: &dyn std::fmt::Display) -> StoreError {
    match broken_rule {
        Some(rule) => StoreError::Duplicate(rule.to_owned()),
        None => StoreError::Backend(error.to_string()),
    }
}

/// Maps an error from encoding or decoding a stored JSON document.
fn from_json(what: &str, error: serde_json::Error) -> StoreError {
    StoreError::Backend(format!(
        "could not encode or decode a stored {what}: {error}"
    ))
}

/// Maps a number that does not fit the type it is stored as or read into.
fn out_of_range(what: &str) -> StoreError {
    StoreError::Backend(format!("the {what} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_a_fixed_width_and_sort_as_text() {
        let whole = DateTime::from_timestamp(1_750_000_000, 0).unwrap();
        let later = DateTime::from_timestamp(1_750_000_000, 5_000).unwrap();
        assert_eq!(timestamp(whole), "2025-06-15T15:06:40.000000000Z");
        assert_eq!(timestamp(whole).len(), timestamp(later).len());
        assert!(timestamp(whole) < timestamp(later));
        assert_eq!(parse_timestamp(&timestamp(later)).unwrap(), later);
    }

    #[test]
    fn numbers_beyond_a_signed_integer_are_refused_not_wrapped() {
        assert!(to_integer(u64::MAX, "revision").is_err());
        assert!(from_integer(-1, "revision").is_err());
        assert_eq!(limit(usize::MAX), i64::MAX);
    }
}
