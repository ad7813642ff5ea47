//! My roles: the signed-in user's eligible, active and expired assignments (member and owner)
//! across groups, with Activate, Deactivate, Extend (within 14 days of the end) and Renew
//! (within 30 days after the end). The requests themselves are decided by the app.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::request::RequestAction;
use stint_core::rules::activation::EXTENSION_WINDOW;
use stint_core::rules::assignments::{RequestInput, RENEWAL_WINDOW};
use stint_core::schedule::{
    Access, AssignmentType, EndReason, Ended, MemberType, Schedule, ScheduleKind,
};
use stint_core::state::State;

use crate::forms::{Errors, Posted};
use crate::layout::{
    badge, csrf_field, empty, error_summary, heading, notice, page, tabs, Nav, Tone,
};
use crate::session::Console;
use crate::view;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Eligible,
    Active,
    Expired,
}

/// One row of a list.
#[derive(Clone, Debug)]
struct Row {
    group: GroupId,
    group_name: String,
    access: Access,
    kind: ScheduleKind,
    how: String,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    activated: bool,
    renewable: bool,
    extendable: bool,
    pending: bool,
    ended: Option<&'static str>,
}

/// `GET /ui/my-roles?tab=eligible|active|expired`
pub async fn show(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let tab = match query.get("tab").map(String::as_str) {
        Some("active") => Tab::Active,
        Some("expired") => Tab::Expired,
        _ => Tab::Eligible,
    };
    let message = query.get("notice").and_then(|n| notice_for(n));
    let body = list_page(&console, tab, message, &Errors::default());
    console.finish(body)
}

fn notice_for(code: &str) -> Option<Markup> {
    Some(match code {
        "activated" => notice(
            Tone::Success,
            "Activated",
            Some("Your activation is in the Active tab with its end time."),
        ),
        "scheduled" => notice(
            Tone::Success,
            "Activation scheduled",
            Some("It starts at the time you chose; see the Active tab."),
        ),
        "deactivated" => notice(
            Tone::Success,
            "Deactivated",
            Some("You no longer hold that access."),
        ),
        _ => return None,
    })
}

fn list_page(console: &Console, tab: Tab, message: Option<Markup>, errors: &Errors) -> Markup {
    let me: PrincipalId = console.me.id.into();
    let now = console.now;
    let (eligible, active, expired) = console.app.read(|state| rows(state, me, now));
    let shown = match tab {
        Tab::Eligible => &eligible,
        Tab::Active => &active,
        Tab::Expired => &expired,
    };
    let tab_link = |name: &str| format!("/ui/my-roles?tab={name}");
    page(
        console,
        Nav::MyRoles,
        "My roles",
        html! {
            (heading("My roles", Some("Group memberships and ownerships you can activate or hold now.")))
            @if let Some(message) = message { (message) }
            (error_summary(errors))
            (tabs("Assignments", &[
                ("Eligible assignments", tab_link("eligible"), tab == Tab::Eligible, Some(eligible.len())),
                ("Active assignments", tab_link("active"), tab == Tab::Active, Some(active.len())),
                ("Expired assignments", tab_link("expired"), tab == Tab::Expired, Some(expired.len())),
            ]))
            section.card.flush {
                @if shown.is_empty() {
                    @match tab {
                        Tab::Eligible => (empty("No eligible assignments", "When an administrator makes you eligible for a group, it appears here and you can activate it.")),
                        Tab::Active => (empty("No active assignments", "Activate an eligible assignment to hold it for a while.")),
                        Tab::Expired => (empty("No expired assignments", "Assignments that ended in the last 30 days appear here.")),
                    }
                } @else {
                    (table(console, tab, shown))
                }
            }
        },
    )
}

fn table(console: &Console, tab: Tab, rows: &[Row]) -> Markup {
    html! {
        div.table-wrap {
            table {
                thead {
                    tr {
                        th scope="col" { "Group" }
                        th scope="col" { "Role" }
                        th scope="col" { "Type" }
                        th scope="col" { "Start" }
                        th scope="col" { @if tab == Tab::Expired { "Ended" } @else { "End" } }
                        th scope="col" { span.visually-hidden { "Actions" } }
                    }
                }
                tbody {
                    @for row in rows {
                        tr {
                            td data-label="Group" { strong { (row.group_name) } }
                            td data-label="Role" { (view::access(row.access)) }
                            td data-label="Type" {
                                (row.how)
                                @if let Some(reason) = row.ended { " · " (reason) }
                            }
                            td data-label="Start" { (view::time(row.start)) }
                            td data-label="End" {
                                @if tab == Tab::Active && row.end.is_some() { strong { (view::end(row.end)) } }
                                @else { (view::end(row.end)) }
                            }
                            td.actions-cell { (actions(console, tab, row)) }
                        }
                    }
                }
            }
        }
    }
}

fn actions(console: &Console, tab: Tab, row: &Row) -> Markup {
    let query = format!(
        "group={}&access={}&kind={}",
        row.group,
        row.access,
        match row.kind {
            ScheduleKind::Eligible => "eligible",
            ScheduleKind::Active => "active",
        }
    );
    html! {
        div.row-actions {
            @if tab == Tab::Eligible {
                @if row.pending {
                    a href="/ui/my-requests" { (badge("PendingApproval")) }
                } @else {
                    a.button.primary.small href=(format!("/ui/my-roles/activate?{query}"))
                        aria-label=(format!("Activate {} of {}", view::access(row.access), row.group_name)) { "Activate" }
                }
            }
            @if tab == Tab::Active && row.activated {
                form method="post" action="/ui/my-roles/deactivate" {
                    (csrf_field(console))
                    input type="hidden" name="group" value=(row.group);
                    input type="hidden" name="access" value=(row.access);
                    button.button.danger.small type="submit"
                        aria-label=(format!("Deactivate {} of {}", view::access(row.access), row.group_name)) { "Deactivate" }
                }
            }
            @if row.extendable {
                a.button.secondary.small href=(format!("/ui/my-roles/extend?{query}"))
                    aria-label=(format!("Extend {} of {}", view::access(row.access), row.group_name)) { "Extend" }
            }
            @if row.renewable {
                a.button.secondary.small href=(format!("/ui/my-roles/renew?{query}"))
                    aria-label=(format!("Renew {} of {}", view::access(row.access), row.group_name)) { "Renew" }
            }
        }
    }
}

/// The user's eligible, active and recently ended assignments.
fn rows(state: &State, me: PrincipalId, now: DateTime<Utc>) -> (Vec<Row>, Vec<Row>, Vec<Row>) {
    let mut eligible = Vec::new();
    let mut active = Vec::new();
    let mut expired = Vec::new();
    let pending =
        |group: GroupId, access: Access, kind: ScheduleKind, action: fn(RequestAction) -> bool| {
            state.requests_of_principal(me).any(|r| {
                r.status.is_pending()
                    && r.group_id == group
                    && r.access == access
                    && r.kind == kind
                    && action(r.action)
            })
        };
    let mut own: Vec<&Schedule> = state
        .schedules_of_principal(me)
        .filter(|s| !superseded(s) && state.live_group(s.group_id()).is_some())
        .collect();
    // V6: eligibilities of groups the user is a member of now.
    let groups = state.transitive_member_of(me, now);
    let through_groups: Vec<&Schedule> = groups
        .iter()
        .flat_map(|group| state.schedules_of_principal((*group).into()))
        .filter(|s| {
            s.kind == ScheduleKind::Eligible && s.access() == Access::Member && !superseded(s)
        })
        .filter(|s| s.is_open_at(now) && state.live_group(s.group_id()).is_some())
        .collect();
    own.sort_by_key(|s| (s.effective_window().start, s.id));
    for schedule in own.iter().copied().chain(through_groups.iter().copied()) {
        let window = schedule.effective_window();
        let is_own = schedule.principal_id == me;
        let assigned_direct = is_own
            && schedule.member_type == MemberType::Direct
            && schedule.assignment_type == AssignmentType::Assigned;
        let how = match (schedule.kind, schedule.assignment_type, is_own) {
            (_, _, false) => format!(
                "Eligible through {}",
                view::group_name(state, stint_core::ids::GroupId(schedule.principal_id.0))
            ),
            (ScheduleKind::Active, AssignmentType::Activated, _) => "Activated".to_string(),
            (ScheduleKind::Active, AssignmentType::Assigned, _) => {
                if schedule.created_using.is_none() {
                    "Assigned (direct)".to_string()
                } else {
                    "Assigned".to_string()
                }
            }
            (ScheduleKind::Eligible, _, _) => "Eligible".to_string(),
        };
        let mut row = Row {
            group: schedule.group_id(),
            group_name: view::group_name(state, schedule.group_id()),
            access: schedule.access(),
            kind: schedule.kind,
            how,
            start: window.start,
            end: window.end,
            activated: schedule.assignment_type == AssignmentType::Activated,
            renewable: false,
            extendable: false,
            pending: false,
            ended: None,
        };
        if schedule.is_open_at(now) {
            row.extendable = assigned_direct
                && window.end.is_some_and(|end| end - now <= EXTENSION_WINDOW)
                && !pending(row.group, row.access, row.kind, |a| {
                    a == RequestAction::SelfExtend
                });
            match schedule.kind {
                ScheduleKind::Eligible => {
                    row.pending = pending(row.group, row.access, ScheduleKind::Active, |a| {
                        a == RequestAction::SelfActivate
                    });
                    eligible.push(row);
                }
                ScheduleKind::Active => active.push(row),
            }
        } else if window.end.is_some_and(|end| now - end <= RENEWAL_WINDOW) {
            let has_open = state
                .schedules_for(row.group, me, row.access, row.kind)
                .any(|s| s.is_open_at(now));
            let removed = matches!(
                schedule.ended,
                Some(Ended {
                    reason: EndReason::Removed,
                    ..
                })
            );
            row.renewable = assigned_direct
                && !removed
                && !has_open
                && !pending(row.group, row.access, row.kind, |a| {
                    a == RequestAction::SelfRenew
                });
            row.ended = Some(match schedule.ended.map(|e| e.reason) {
                Some(EndReason::Deactivated) => "deactivated",
                Some(EndReason::Removed) => "removed",
                Some(EndReason::GroupDeleted) => "group deleted",
                Some(EndReason::PrincipalRemoved) => "ended",
                _ => "expired",
            });
            row.how = format!("{} ({})", row.how, view::kind(row.kind).to_lowercase());
            expired.push(row);
        }
    }
    expired.sort_by_key(|row| std::cmp::Reverse(row.end));
    (eligible, active, expired)
}

fn superseded(schedule: &Schedule) -> bool {
    matches!(
        schedule.ended,
        Some(Ended {
            reason: EndReason::Superseded,
            ..
        })
    )
}

/// `POST /ui/my-roles/deactivate`
pub async fn deactivate(Posted { console, form }: Posted) -> Response {
    let (Some(group), Some(access)) = (
        form.get("group").and_then(|g| g.parse::<GroupId>().ok()),
        form.get("access").and_then(|a| a.parse::<Access>().ok()),
    ) else {
        return crate::error::UiError::BadRequest("Choose an assignment to deactivate.".into())
            .into_response();
    };
    let input = RequestInput {
        kind: ScheduleKind::Active,
        action: RequestAction::SelfDeactivate,
        group_id: group,
        principal_id: console.me.id.into(),
        access,
        schedule: None,
        justification: None,
        ticket: None,
        is_validation_only: false,
    };
    match console
        .app
        .submit_request(&console.session, &console.meta, input)
        .await
    {
        Ok(_) => Redirect::to("/ui/my-roles?tab=expired&notice=deactivated").into_response(),
        Err(error) => {
            let errors = Errors::from_app(error, &|_| None);
            let body = list_page(&console, Tab::Active, None, &errors);
            (axum::http::StatusCode::BAD_REQUEST, console.finish(body)).into_response()
        }
    }
}
