//! The time zone a person reads times in: an IANA name from the tz database (`Europe/Paris`),
//! UTC until they choose one. Instants stay UTC everywhere else; a zone only turns them into the
//! wall-clock times people read and type.

use std::fmt;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A zone of the tz database.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(Tz);

/// A wall-clock time that the zone skips: clocks jump over it when summer time starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkippedTime;

impl TimeZone {
    pub const UTC: TimeZone = TimeZone(Tz::UTC);

    /// The zone called `name`, matched without regard to case (`europe/paris` is
    /// `Europe/Paris`); `None` when the tz database has no such zone.
    pub fn named(name: &str) -> Option<TimeZone> {
        let name = name.trim();
        TZ_VARIANTS
            .iter()
            .find(|zone| zone.name().eq_ignore_ascii_case(name))
            .map(|zone| TimeZone(*zone))
    }

    /// Every zone, in the database's order (alphabetical).
    pub fn all() -> impl Iterator<Item = TimeZone> {
        TZ_VARIANTS.iter().map(|zone| TimeZone(*zone))
    }

    /// The IANA name, as stored and shown: `Europe/Paris`.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    pub fn is_utc(&self) -> bool {
        self.0 == Tz::UTC || self.0 == Tz::Etc__UTC
    }

    /// `at` on this zone's clocks.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.0)
    }

    /// The instant a wall-clock time of this zone names. Of a time that comes twice (when summer
    /// time ends), the first; a time that never comes (when it starts) is an error.
    pub fn instant(&self, wall_clock: NaiveDateTime) -> Result<DateTime<Utc>, SkippedTime> {
        match self.0.from_local_datetime(&wall_clock) {
            LocalResult::Single(local) | LocalResult::Ambiguous(local, _) => {
                Ok(local.with_timezone(&Utc))
            }
            LocalResult::None => Err(SkippedTime),
        }
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::UTC
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        TimeZone::named(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown time zone {name:?}")))
    }
}

/// For a stored choice: a zone that a later tz database no longer knows reads as no choice
/// (UTC) instead of making the whole record unreadable.
pub fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<TimeZone>, D::Error> {
    let name = Option::<String>::deserialize(deserializer)?;
    Ok(name.as_deref().and_then(TimeZone::named))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn wall_clock(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, 0))
            .expect("a valid date")
    }

    #[test]
    fn names_are_matched_without_regard_to_case_and_unknown_ones_are_none() {
        assert_eq!(
            TimeZone::named(" europe/paris ").map(|z| z.name()),
            Some("Europe/Paris")
        );
        assert_eq!(TimeZone::named("Mars/Olympus_Mons"), None);
        assert!(TimeZone::all().any(|zone| zone.name() == "Asia/Kolkata"));
    }

    #[test]
    fn a_wall_clock_time_names_the_instant_of_that_zone() {
        let paris = TimeZone::named("Europe/Paris").expect("known");
        let winter = paris
            .instant(wall_clock(2026, 1, 5, 9, 30))
            .expect("exists");
        assert_eq!(winter.to_rfc3339(), "2026-01-05T08:30:00+00:00");
        let summer = paris
            .instant(wall_clock(2026, 7, 5, 9, 30))
            .expect("exists");
        assert_eq!(summer.to_rfc3339(), "2026-07-05T07:30:00+00:00");
        assert_eq!(
            paris.local(summer).format("%H:%M %Z").to_string(),
            "09:30 CEST"
        );
    }

    #[test]
    fn a_skipped_time_is_an_error_and_a_repeated_one_is_the_first() {
        let paris = TimeZone::named("Europe/Paris").expect("known");
        // Summer time starts at 02:00 on 29 March 2026; it ends at 03:00 on 25 October.
        assert_eq!(
            paris.instant(wall_clock(2026, 3, 29, 2, 30)),
            Err(SkippedTime)
        );
        let repeated = paris
            .instant(wall_clock(2026, 10, 25, 2, 30))
            .expect("exists");
        assert_eq!(repeated.to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn a_stored_zone_the_database_no_longer_knows_reads_as_utc() {
        #[derive(Deserialize)]
        struct Stored {
            #[serde(default, deserialize_with = "lenient")]
            zone: Option<TimeZone>,
        }
        let gone: Stored = serde_json::from_str(r#"{"zone":"Nowhere/Gone"}"#).expect("reads");
        assert_eq!(gone.zone, None);
        let kept: Stored = serde_json::from_str(r#"{"zone":"Asia/Tokyo"}"#).expect("reads");
        assert_eq!(kept.zone.map(|z| z.name()), Some("Asia/Tokyo"));
        assert!(serde_json::from_str::<TimeZone>(r#""Nowhere/Gone""#).is_err());
    }
}
