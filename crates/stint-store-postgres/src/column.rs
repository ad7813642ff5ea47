//! How values are written to and read from columns other than `doc`.

use chrono::{DateTime, SecondsFormat, Utc};
use stint_store::{Revision, StoreError};

use crate::error::out_of_range;

/// RFC 3339 in UTC with nanoseconds, always the same width, so that text order (the columns are
/// `COLLATE "C"`) is time order, to the nanosecond.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| StoreError::Backend(format!("a stored timestamp is malformed: {error}")))
}

/// PostgreSQL's `bigint` is signed; revisions and sequences are not.
pub(crate) fn to_bigint(number: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(number).map_err(|_| out_of_range(what))
}

pub(crate) fn from_bigint(number: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(number).map_err(|_| out_of_range(what))
}

pub(crate) fn revision_from(number: i64) -> Result<Revision, StoreError> {
    from_bigint(number, "revision")
}

/// A row limit from a caller's `usize`; anything beyond `i64` means "no limit" in practice.
pub(crate) fn limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
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
    fn numbers_beyond_bigint_are_refused_not_wrapped() {
        assert!(to_bigint(u64::MAX, "revision").is_err());
        assert!(from_bigint(-1, "revision").is_err());
        assert_eq!(limit(usize::MAX), i64::MAX);
    }
}
