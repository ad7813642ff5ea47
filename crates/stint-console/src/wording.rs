//! How the console words things: times, durations, and the names of principals and groups.
//! Reading only; the decisions are the app's.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use maud::{html, Markup};
use stint_app::View;
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::request::ScheduleRequest;
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::state::Principal;
use stint_core::time_zone::TimeZone;

/// A time as people read it, on the clocks of `zone`: `Mon 5 Jan 2026, 10:00 CET`.
pub fn time_text(at: DateTime<Utc>, zone: TimeZone) -> String {
    in_zone(at, zone, "%a %-d %b %Y, %H:%M")
}

/// [`time_text`] to the second, as the audit shows it.
pub fn second_text(at: DateTime<Utc>, zone: TimeZone) -> String {
    in_zone(at, zone, "%a %-d %b %Y, %H:%M:%S")
}

/// [`time_text`] as markup, with the time in UTC on hover when the zone is another.
pub fn time(at: DateTime<Utc>, zone: TimeZone) -> Markup {
    time_element(at, zone, time_text)
}

/// [`second_text`] as markup, with the time in UTC on hover when the zone is another.
pub fn second(at: DateTime<Utc>, zone: TimeZone) -> Markup {
    time_element(at, zone, second_text)
}

/// The end of a window, or "Permanent".
pub fn end(end: Option<DateTime<Utc>>, zone: TimeZone) -> Markup {
    match end {
        Some(at) => time(at, zone),
        None => html! { "Permanent" },
    }
}

/// A time field's label naming the zone it is read in: `Start (Europe/Paris)`.
pub fn in_zone_label(label: &str, zone: TimeZone) -> String {
    format!("{label} ({zone})")
}

fn time_element(
    at: DateTime<Utc>,
    zone: TimeZone,
    text: fn(DateTime<Utc>, TimeZone) -> String,
) -> Markup {
    let utc = (!zone.is_utc()).then(|| text(at, TimeZone::UTC));
    html! {
        time datetime=(at.to_rfc3339_opts(SecondsFormat::Secs, true)) title=[utc] { (text(at, zone)) }
    }
}

/// `format` on the clocks of `zone`, then the zone's abbreviation (`CET`), or its offset from
/// UTC where it has none (`UTC-03`).
fn in_zone(at: DateTime<Utc>, zone: TimeZone, format: &str) -> String {
    let local = zone.local(at);
    let abbreviation = local.format("%Z").to_string();
    let label = if abbreviation.starts_with(['+', '-']) {
        format!("UTC{abbreviation}")
    } else {
        abbreviation
    };
    format!("{} {label}", local.format(format))
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
    use chrono::TimeZone as _;

    #[test]
    fn times_read_in_the_persons_zone_with_utc_on_hover() {
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 7).unwrap();
        let utc = time(at, TimeZone::UTC).into_string();
        assert_eq!(
            utc,
            r#"<time datetime="2026-01-05T09:00:07Z">Mon 5 Jan 2026, 09:00 UTC</time>"#
        );
        let paris = TimeZone::named("Europe/Paris").unwrap();
        let shown = second(at, paris).into_string();
        assert!(
            shown.contains(r#"title="Mon 5 Jan 2026, 09:00:07 UTC""#),
            "{shown}"
        );
        assert!(
            shown.contains(">Mon 5 Jan 2026, 10:00:07 CET</time>"),
            "{shown}"
        );
        let sao_paulo = TimeZone::named("America/Sao_Paulo").unwrap();
        assert_eq!(time_text(at, sao_paulo), "Mon 5 Jan 2026, 06:00 UTC-03");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(TimeDelta::hours(8)), "8 hours");
        assert_eq!(duration(TimeDelta::minutes(90)), "1 hour 30 minutes");
        assert_eq!(duration(TimeDelta::days(1)), "1 day");
    }
}
