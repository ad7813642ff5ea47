//! My roles: the signed-in user's eligible, active and expired assignments (member and owner)
//! across groups, with Activate, Deactivate, Extend (within 14 days of the end) and Renew
//! (within 30 days after the end). The requests themselves are decided by the app.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use stint_app::view::MyAssignment;
use stint_app::View;
use stint_core::ids::GroupId;
use stint_core::request::{GroupAccess, RequestAction};
use stint_core::rules::assignments::RequestInput;
use stint_core::schedule::{Access, AssignmentType, EndReason, ScheduleKind};

use super::assignment_tabs::{ByTab, Tab};
use crate::forms::{done_or_again, Errors, Posted};
use crate::layout::{badge, csrf_field, flash, page, Flash, Head, Nav};
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::wording;

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
    let tab = Tab::asked(&query);
    let message = flash(&query, NOTICES);
    let body = list_page(&console, tab, message, &Errors::default());
    console.finish(body)
}

/// What the page says after an activation or a deactivation.
const NOTICES: &[Flash] = &[
    Flash::success("activated", "Activated")
        .saying("Your activation is in the Active tab with its end time."),
    Flash::success("scheduled", "Activation scheduled")
        .saying("It starts at the time you chose; see the Active tab."),
    Flash::success("deactivated", "Deactivated").saying("You no longer hold that access."),
];

fn list_page(console: &Console, tab: Tab, message: Option<Markup>, errors: &Errors) -> Markup {
    let lists = rows(&console.view());
    let shown = lists.of(tab);
    let nothing = match tab {
        Tab::Eligible => ("No eligible assignments", "When an administrator makes you eligible for a group, it appears here and you can activate it."),
        Tab::Active => ("No active assignments", "Activate an eligible assignment to hold it for a while."),
        Tab::Expired => ("No expired assignments", "Assignments that ended in the last 30 days appear here."),
    };
    let head = Head::new("My roles")
        .subtitle("Group memberships and ownerships you can activate or hold now.")
        .notice(message)
        .errors(errors);
    let body = html! {
        (lists.links("Assignments", "/ui/my-roles", tab))
        (list_card(shown.is_empty(), nothing, table(console, tab, shown)))
    };
    page(console, Nav::MyRoles, head, body)
}

fn table(console: &Console, tab: Tab, rows: &[Row]) -> Markup {
    let end = if tab == Tab::Expired { "Ended" } else { "End" };
    let columns = ["Group", "Role", "Type", "Start", end];
    let table = Table::new(&columns).actions(true);
    table.rows(rows, |row| {
        html! {
            td data-label="Group" { strong { (row.group_name) } }
            td data-label="Role" { (wording::access(row.access)) }
            td data-label="Type" {
                (row.how)
                @if let Some(reason) = row.ended { " · " (reason) }
            }
            td data-label="Start" { (wording::time(row.start, console.zone())) }
            td data-label="End" {
                @if tab == Tab::Active && row.end.is_some() { strong { (wording::end(row.end, console.zone())) } }
                @else { (wording::end(row.end, console.zone())) }
            }
            td.actions-cell { (actions(console, tab, row)) }
        }
    })
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
                        aria-label=(format!("Activate {} of {}", wording::access(row.access), row.group_name)) { "Activate" }
                }
            }
            @if tab == Tab::Active && row.activated {
                form method="post" action="/ui/my-roles/deactivate" {
                    (csrf_field(console))
                    input type="hidden" name="group" value=(row.group);
                    input type="hidden" name="access" value=(row.access);
                    button.button.danger.small type="submit"
                        aria-label=(format!("Deactivate {} of {}", wording::access(row.access), row.group_name)) { "Deactivate" }
                }
            }
            @if row.extendable {
                a.button.secondary.small href=(format!("/ui/my-roles/extend?{query}"))
                    aria-label=(format!("Extend {} of {}", wording::access(row.access), row.group_name)) { "Extend" }
            }
            @if row.renewable {
                a.button.secondary.small href=(format!("/ui/my-roles/renew?{query}"))
                    aria-label=(format!("Renew {} of {}", wording::access(row.access), row.group_name)) { "Renew" }
            }
        }
    }
}

/// The user's eligible, active and recently ended assignments, as rows.
fn rows(view: &View<'_>) -> ByTab<Row> {
    let mine = view.my_assignments();
    let shape = |items: &[MyAssignment<'_>]| -> Vec<Row> {
        items.iter().map(|item| row(view, item)).collect()
    };
    ByTab {
        eligible: shape(&mine.eligible),
        active: shape(&mine.active),
        expired: shape(&mine.expired),
    }
}

fn row(view: &View<'_>, item: &MyAssignment<'_>) -> Row {
    let schedule = item.schedule;
    let window = schedule.effective_window();
    let how = match (schedule.kind, schedule.assignment_type, item.through) {
        (_, _, Some(group)) => format!("Eligible through {}", wording::group_name(view, group)),
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
    let ended = !schedule.is_open_at(view.now());
    Row {
        group: schedule.group_id(),
        group_name: wording::group_name(view, schedule.group_id()),
        access: schedule.access(),
        kind: schedule.kind,
        how: if ended {
            format!("{how} ({})", wording::kind(schedule.kind).to_lowercase())
        } else {
            how
        },
        start: window.start,
        end: window.end,
        activated: schedule.assignment_type == AssignmentType::Activated,
        renewable: item.renewable,
        extendable: item.extendable,
        pending: item.activation_pending,
        ended: ended.then(|| match schedule.ended.map(|e| e.reason) {
            Some(EndReason::Deactivated) => "deactivated",
            Some(EndReason::Removed) => "removed",
            Some(EndReason::GroupDeleted) => "group deleted",
            Some(EndReason::PrincipalRemoved) => "ended",
            _ => "expired",
        }),
    }
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
        target: GroupAccess {
            group_id: group,
            access,
        },
        principal_id: console.me.id.into(),
        schedule: None,
        justification: None,
        ticket: None,
        is_validation_only: false,
    };
    let deactivated = console.submit_request(input).await;
    let done = "/ui/my-roles?tab=expired&notice=deactivated";
    done_or_again(&console, deactivated, done, |errors| {
        list_page(&console, Tab::Active, None, errors)
    })
}
