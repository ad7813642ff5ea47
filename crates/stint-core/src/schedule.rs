//! Schedules: who holds membership or ownership of a group, eligible or active, from when until when.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, PrincipalId, RequestId, ScheduleId};

/// What an assignment grants in a group (Graph's `accessId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Access {
    Member,
    Owner,
}

impl Access {
    pub const ALL: [Access; 2] = [Access::Member, Access::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Member => "member",
            Access::Owner => "owner",
        }
    }
}

graph_names!(Access);

/// Eligible (must be activated) or active (holds the access).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScheduleKind {
    Eligible,
    Active,
}

/// Whether a schedule was given to the principal itself or derived through a group (V6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MemberType {
    Direct,
    Group,
}

/// How an active schedule came to be: assigned by an administrator, or activated from an eligibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AssignmentType {
    Assigned,
    Activated,
}

/// How finely Stint tells instants apart: to the microsecond, which Graph's 7 fractional digits,
/// PostgreSQL's `timestamptz` and the usual clients' times all hold exactly. The clock is read at
/// this precision and every time a client gives is taken at it (see [`at_time_precision`]), so a
/// client that sends back a time Stint wrote (its now, a start) sends that very instant: a start
/// given as "now" is now, never a few nanoseconds later that the client cannot write.
pub const TIME_PRECISION: TimeDelta = TimeDelta::microseconds(1);

/// `at` truncated to [`TIME_PRECISION`].
pub fn at_time_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A half-open time window `[start, end)`; no end means permanent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

impl Window {
    pub fn permanent_from(start: DateTime<Utc>) -> Self {
        Window { start, end: None }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && self.end.is_none_or(|end| at < end)
    }

    pub fn overlaps(&self, other: &Window) -> bool {
        let starts_before_other_ends = other.end.is_none_or(|end| self.start < end);
        let other_starts_before_self_ends = self.end.is_none_or(|end| other.start < end);
        starts_before_other_ends && other_starts_before_self_ends
    }

    pub fn length(&self) -> Option<TimeDelta> {
        self.end.map(|end| end - self.start)
    }

    pub fn has_ended_by(&self, at: DateTime<Utc>) -> bool {
        self.end.is_some_and(|end| end <= at)
    }
}

/// Why a schedule stopped before or at its planned end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EndReason {
    /// An administrator removed it (`adminRemove`, or a direct removal from the group).
    Removed,
    /// The principal ended their activation (`selfDeactivate`).
    Deactivated,
    /// Replaced by a new schedule from `adminUpdate`, `adminExtend` or `adminRenew`.
    Superseded,
    /// The group was deleted (P5).
    GroupDeleted,
    /// The principal was deleted or can no longer hold it.
    PrincipalRemoved,
    /// It reached its planned end and the scheduler recorded that (V7: it stopped counting at the
    /// end whether or not this was recorded).
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: ScheduleId,
    pub kind: ScheduleKind,
    pub principal_id: PrincipalId,
    pub member_type: MemberType,
    pub assignment_type: AssignmentType,
    /// The planned window.
    pub window: Window,
    /// The request that created it; `None` for direct changes made through the groups API (D7).
    pub created_using: Option<RequestId>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    /// Set when the schedule stopped early, or was tidied up at its end.
    pub ended: Option<Ended>,
    /// E5: how many of the reminders before its end were sent (see
    /// [`REMINDER_LEADS`](crate::notify::REMINDER_LEADS)).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reminders_sent: u8,
}

fn is_zero(count: &u8) -> bool {
    *count == 0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    pub at: DateTime<Utc>,
    pub reason: EndReason,
}

impl Schedule {
    pub fn group_id(&self) -> GroupId {
        self.id.group
    }

    pub fn access(&self) -> Access {
        self.id.access
    }

    /// The window actually in force: the planned one, cut short where it stopped early.
    pub fn effective_window(&self) -> Window {
        let end = match (self.window.end, self.ended) {
            (Some(planned), Some(ended)) => Some(planned.min(ended.at)),
            (None, Some(ended)) => Some(ended.at),
            (planned, None) => planned,
        };
        Window {
            start: self.window.start,
            end: end.map(|end| end.max(self.window.start)),
        }
    }

    /// V7: a decision compares the window with `now`; whether a tidy-up has run does not matter.
    pub fn is_in_force_at(&self, now: DateTime<Utc>) -> bool {
        self.effective_window().contains(now)
    }

    /// Current or future: not yet over at `now`.
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        !self.effective_window().has_ended_by(now)
    }

    /// Graph's `status` of the schedule.
    pub fn status_at(&self, now: DateTime<Utc>) -> &'static str {
        match self.ended {
            Some(Ended {
                reason:
                    EndReason::Removed
                    | EndReason::Deactivated
                    | EndReason::GroupDeleted
                    | EndReason::PrincipalRemoved,
                ..
            }) => "Revoked",
            Some(Ended {
                reason: EndReason::Superseded,
                ..
            }) => "Canceled",
            _ if self.effective_window().has_ended_by(now) => "Expired",
            _ => "Provisioned",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::minutes(minute)
    }

    #[test]
    fn windows_are_half_open() {
        let window = Window {
            start: at(0),
            end: Some(at(10)),
        };
        assert!(window.contains(at(0)));
        assert!(window.contains(at(9)));
        assert!(!window.contains(at(10)));
        assert!(Window::permanent_from(at(0)).contains(at(1_000_000)));
    }

    #[test]
    fn v7_in_force_at_start_instant_times_are_kept_to_the_microsecond() {
        let second = DateTime::UNIX_EPOCH + TimeDelta::seconds(1_767_603_600);
        let precise = second + TimeDelta::nanoseconds(123_456_789);
        let kept = at_time_precision(precise);
        assert_eq!(kept, second + TimeDelta::nanoseconds(123_456_000));
        assert_eq!(at_time_precision(kept), kept);
        assert!(precise - kept < TIME_PRECISION);
        // Graph's 7 digits of the same microsecond are that microsecond.
        let graph: DateTime<Utc> = "2026-01-05T09:00:00.1234568Z".parse().unwrap();
        assert_eq!(at_time_precision(graph), kept);
        let before_epoch = DateTime::UNIX_EPOCH - TimeDelta::nanoseconds(1);
        assert_eq!(
            at_time_precision(before_epoch),
            DateTime::UNIX_EPOCH - TIME_PRECISION
        );
    }

    #[test]
    fn touching_windows_do_not_overlap() {
        let first = Window {
            start: at(0),
            end: Some(at(10)),
        };
        let second = Window {
            start: at(10),
            end: None,
        };
        assert!(!first.overlaps(&second));
        assert!(!second.overlaps(&first));
        let third = Window {
            start: at(5),
            end: Some(at(6)),
        };
        assert!(first.overlaps(&third) && third.overlaps(&first));
    }
}
