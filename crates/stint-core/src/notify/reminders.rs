//! E5: the principal and the group's administrators are reminded 14 days and 1 day before an
//! assignment ends, once each. The scheduler finds what is due in the due queues and records on
//! the schedule that it reminded; [`events_of`](super::events_of) tells of the reminder.

use chrono::{DateTime, TimeDelta, Utc};

use crate::schedule::{MemberType, Schedule};

/// How long before an assignment's end each reminder falls due, longest first.
pub const REMINDER_LEADS: [TimeDelta; 2] = [TimeDelta::days(14), TimeDelta::days(1)];

/// When the next reminder of `schedule` falls due, if one is left: a reminder that would have
/// fallen due before the schedule was made is never sent.
pub fn next_reminder(schedule: &Schedule) -> Option<DateTime<Utc>> {
    if schedule.ended.is_some() || schedule.member_type != MemberType::Direct {
        return None;
    }
    let end = schedule.window.end?;
    REMINDER_LEADS
        .iter()
        .skip(usize::from(schedule.reminders_sent))
        .map(|lead| end - *lead)
        .find(|due| *due > schedule.created_at)
}

/// The schedule with its reminders due at `now` recorded as sent: only the latest of several
/// that fell due together is sent. `None` when nothing is due or the end has passed.
pub fn remind(schedule: &Schedule, now: DateTime<Utc>) -> Option<Schedule> {
    let end = schedule.window.end?;
    if next_reminder(schedule)? > now || end <= now {
        return None;
    }
    let passed = REMINDER_LEADS
        .iter()
        .take_while(|lead| end - **lead <= now)
        .count();
    let mut reminded = schedule.clone();
    reminded.reminders_sent = u8::try_from(passed).unwrap_or(u8::MAX);
    Some(reminded)
}
