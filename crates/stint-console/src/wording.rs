//! How the console words things: times, durations, and the names of principals and groups.
//! Reading only; the decisions are the app's.

use chrono::{DateTime, TimeDelta, Utc};
use stint_app::View;
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::request::ScheduleRequest;
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::state::Principal;

/// A time as people read it, always in UTC: `Mon 5 Jan 2026, 09:00 UTC`.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%a %-d %b %Y, %H:%M UTC").to_string()
}

/// The end of a window, or "Permanent".
pub fn end(end: Option<DateTime<Utc>>) -> String {
    end.map_or_else(|| "Permanent".to_string(), time)
}

/// `8 hours`, `1 hour 30 minutes`, `3 days`.
pub fn duration(delta: TimeDelta) -> String {
    let minutes = delta.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let mut parts = Vec::new();
    for (n, unit) in [(days, "day"), (hours, "hour"), (mins, "minute")] {
        if n > 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    if parts.is_empty() {
        "less than a minute".into()
    } else {
        parts.join(" ")
    }
}

/// A request's status as people read it: "Active" while the activation it made is in force,
/// "Approved" or "Completed" after (see `RequestStatus::in_words`).
pub fn request_status(view: &View<'_>, request: &ScheduleRequest) -> &'static str {
    let approved = request
        .approval
        .as_ref()
        .and_then(|approval| approval.decision.as_ref())
        .is_some_and(|decision| decision.approved);
    let in_force = request.kind == ScheduleKind::Active
        && request
            .target_schedule_id
            .and_then(|id| view.schedule(id))
            .is_some_and(|schedule| schedule.is_in_force_at(view.now()));
    request.status.in_words(approved, in_force)
}

pub fn access(access: Access) -> &'static str {
    match access {
        Access::Member => "Member",
        Access::Owner => "Owner",
    }
}

pub fn kind(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Eligible => "Eligible",
        ScheduleKind::Active => "Active",
    }
}

/// A principal's display name and, for users, their user name.
pub fn principal(view: &View<'_>, id: PrincipalId) -> (String, String) {
    match view.principal(id) {
        Some(Principal::User(user)) => {
            (user.display_name.clone(), user.user_principal_name.clone())
        }
        Some(Principal::Group(group)) => (group.display_name.clone(), "Group".into()),
        None => match view.any_group(GroupId(id.0)) {
            Some(group) => (group.display_name.clone(), "Deleted group".into()),
            None => (id.to_string(), "Unknown".into()),
        },
    }
}

pub fn group_name(view: &View<'_>, id: GroupId) -> String {
    view.any_group(id)
        .map_or_else(|| id.to_string(), |group| group.display_name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(TimeDelta::hours(8)), "8 hours");
        assert_eq!(duration(TimeDelta::minutes(90)), "1 hour 30 minutes");
        assert_eq!(duration(TimeDelta::days(1)), "1 day");
    }
}
