//! A group's assignments (SPEC A1–A10): eligible, active and expired tabs for members and owners,
//! with Update and Remove; adding and updating are in `assignment_form`.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use stint_app::view::{Whose, DEFAULT_PAGE_SIZE};
use stint_core::directory::Group;
use stint_core::ids::PrincipalId;
use stint_core::request::{GroupAccess, RequestAction};
use stint_core::rules::assignments::{RequestInput, RENEWAL_WINDOW};
use stint_core::schedule::{Access, AssignmentType, EndReason, MemberType, ScheduleKind};

use super::assignment_tabs::{ByTab, Tab};
use super::groups::{group_for, group_head, GroupPage, Section};
use crate::confirm::{self, Confirmation};
use crate::error::UiError;
use crate::forms::{done_or_again, Errors, Posted};
use crate::layout::{csrf_field, flash, page, Flash, Nav};
use crate::pager;
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::widgets::{Field, Kind};
use crate::wording;

#[derive(Clone, Debug)]
struct Row {
    principal: PrincipalId,
    name: (String, String),
    access: Access,
    kind: ScheduleKind,
    how: &'static str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    /// Removable and updatable: a schedule an administrator made (not an activation).
    managed: bool,
}

/// What the list says after a change.
const NOTICES: &[Flash] = &[
    Flash::success("managed", "Group managed by PIM").saying(
        "It has the default member and owner settings. Add assignments, or review the settings.",
    ),
    Flash::success("assigned", "Assignment added"),
    Flash::success("updated", "Assignment updated"),
    Flash::info("removed", "Assignment removed"),
];

/// Which rows a list page shows: those whose name or user name holds `search`, from `start`.
#[derive(Clone, Debug, Default)]
struct Shown {
    search: String,
    start: usize,
    size: usize,
}

impl Shown {
    fn first() -> Shown {
        Shown {
            size: DEFAULT_PAGE_SIZE,
            ..Shown::default()
        }
    }
}

/// `GET /ui/groups/{id}/assignments?tab=&q=&start=`: a page of a tab (issue 19 item 12).
pub async fn show(
    GroupPage { console, group }: GroupPage,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let tab = Tab::asked(&query);
    let message = flash(&query, NOTICES);
    let shown = Shown {
        search: pager::search(&query),
        start: pager::start(&query),
        size: pager::size(&query),
    };
    let body = list_page(&console, &group, tab, &shown, message, &Errors::default());
    console.finish(body)
}

fn rows(console: &Console, group: &Group, search: &str) -> ByTab<Row> {
    let needle = search.to_lowercase();
    let view = console.view();
    let now = view.now();
    let mut lists = ByTab {
        eligible: Vec::new(),
        active: Vec::new(),
        expired: Vec::new(),
    };
    let mut schedules: Vec<_> = [ScheduleKind::Eligible, ScheduleKind::Active]
        .into_iter()
        .flat_map(|kind| view.schedules(Whose::Group(group.id), kind))
        .filter(|s| !matches!(s.ended.map(|e| e.reason), Some(EndReason::Superseded)))
        .collect();
    schedules.sort_by_key(|s| (s.access(), s.effective_window().start, s.id));
    for schedule in schedules {
        let window = schedule.effective_window();
        // Names are looked up for a search, and otherwise only for the page shown (`named`).
        let name = if needle.is_empty() {
            Default::default()
        } else {
            let name = wording::principal(&view, schedule.principal_id);
            let found = |text: &str| text.to_lowercase().contains(&needle);
            if !found(&name.0) && !found(&name.1) {
                continue;
            }
            name
        };
        let row = Row {
            principal: schedule.principal_id,
            name,
            access: schedule.access(),
            kind: schedule.kind,
            how: match (
                schedule.assignment_type,
                schedule.member_type,
                schedule.created_using,
            ) {
                (AssignmentType::Activated, MemberType::Group, _) => "Activated through a group",
                (AssignmentType::Activated, _, _) => "Activated",
                (_, _, None) => "Direct (groups API)",
                _ => "Assigned",
            },
            start: window.start,
            end: window.end,
            managed: schedule.assignment_type == AssignmentType::Assigned,
        };
        if schedule.is_open_at(now) {
            match schedule.kind {
                ScheduleKind::Eligible => lists.eligible.push(row),
                ScheduleKind::Active => lists.active.push(row),
            }
        } else if window.end.is_some_and(|end| now - end <= RENEWAL_WINDOW) {
            lists.expired.push(row);
        }
    }
    lists.expired.sort_by_key(|row| std::cmp::Reverse(row.end));
    lists
}

/// `rows` with the names of their principals.
fn named(console: &Console, rows: &[Row]) -> Vec<Row> {
    let view = console.view();
    rows.iter()
        .map(|row| Row {
            name: wording::principal(&view, row.principal),
            ..row.clone()
        })
        .collect()
}

fn list_page(
    console: &Console,
    group: &Group,
    tab: Tab,
    shown: &Shown,
    message: Option<Markup>,
    errors: &Errors,
) -> Markup {
    let lists = rows(console, group, &shown.search);
    let all = lists.of(tab);
    let start = shown.start.min(all.len());
    let visible = &named(console, &all[start..(start + shown.size).min(all.len())]);
    let base = format!("/ui/groups/{}/assignments", group.id);
    let mut keep = vec![("tab", tab.name().to_string())];
    keep.extend(pager::kept(&shown.search, shown.size));
    let counts = (start, visible.len(), all.len());
    let pages = pager::by_position(counts, shown.size, &base, &keep);
    let nothing = match tab {
        Tab::Eligible => "No one is eligible for membership or ownership of this group.",
        Tab::Active => "No one holds membership or ownership of this group now.",
        Tab::Expired => "No assignment of this group ended in the last 30 days.",
    };
    let head = group_head(group, Section::Assignments, "Assignments")
        .notice(message)
        .errors(errors);
    let body = html! {
        div.toolbar {
            a.button.primary href=(format!("{base}/new")) { "Add assignments" }
        }
        (lists.links("Assignment lists", &base, tab))
        form.search method="get" action=(base) role="search" {
            input type="hidden" name="tab" value=(tab.name());
            (Field::new(Kind::Search, "q", "Search assignments").value(&shown.search)
                .hint("Part of a name or user name.").render())
            button.button.secondary type="submit" { "Search" }
        }
        (list_card(visible.is_empty(), ("Nothing here", nothing),
            html! { (assignments_table(console, group, tab, visible)) (pages) }))
    };
    page(console, Nav::Groups, head, body)
}

fn assignments_table(console: &Console, group: &Group, tab: Tab, rows: &[Row]) -> Markup {
    let open = tab != Tab::Expired;
    let table = Table::new(&["Name", "Role", "How", "Start", "End"]).actions(open);
    table.rows(rows, |row| {
        html! {
            td data-label="Name" { strong { (row.name.0) } br; span.muted { (row.name.1) } }
            td data-label="Role" { (wording::access(row.access)) }
            td data-label="How" { (row.how) }
            td data-label="Start" { (wording::time(row.start, console.zone())) }
            td data-label="End" { (wording::end(row.end, console.zone())) }
            @if open {
                td.actions-cell { (actions(console, group, row)) }
            }
        }
    })
}

fn actions(console: &Console, group: &Group, row: &Row) -> Markup {
    if !row.managed {
        return html! {};
    }
    let kind = match row.kind {
        ScheduleKind::Eligible => "eligible",
        ScheduleKind::Active => "active",
    };
    let label = format!(
        "{} {}",
        wording::access(row.access).to_lowercase(),
        row.name.0
    );
    html! {
        div.row-actions {
            a.button.secondary.small
                href=(format!("/ui/groups/{}/assignments/edit?principal={}&access={}&kind={kind}", group.id, row.principal, row.access))
                aria-label=(format!("Update {label}")) { "Update" }
            form method="post" action=(format!("/ui/groups/{}/assignments/remove", group.id)) {
                (csrf_field(console))
                input type="hidden" name="principal" value=(row.principal);
                input type="hidden" name="access" value=(row.access);
                input type="hidden" name="kind" value=(kind);
                button.button.danger.small type="submit" aria-label=(format!("Remove {label}")) { "Remove" }
            }
        }
    }
}

/// `POST /ui/groups/{id}/assignments/remove`
pub async fn remove(
    Path(id): Path<String>,
    Posted { console, form }: Posted,
) -> Result<Response, UiError> {
    let group = group_for(&console, &id)?;
    let kind = match form.get("kind").as_deref() {
        Some("active") => ScheduleKind::Active,
        _ => ScheduleKind::Eligible,
    };
    let (Some(principal), Some(access)) = (
        form.get("principal")
            .and_then(|p| p.parse::<PrincipalId>().ok()),
        form.get("access").and_then(|a| a.parse::<Access>().ok()),
    ) else {
        return Ok(
            crate::error::UiError::BadRequest("Choose an assignment to remove.".into())
                .into_response(),
        );
    };
    if !confirm::confirmed(&form) {
        let (name, _) = wording::principal(&console.view(), principal);
        let what = super::groups::access_kind(access, kind);
        let action = format!("/ui/groups/{}/assignments/remove", group.id);
        let back = format!("/ui/groups/{}/assignments", group.id);
        let fields = [
            ("principal", principal.to_string()),
            ("access", access.to_string()),
            ("kind", form.value("kind")),
        ];
        return Ok(confirm::ask(
            &console,
            Confirmation {
                question: "Remove this assignment?",
                consequence: format!(
                    "{name} will no longer be an {what} of {}. This cannot be undone; assign them again if it was a mistake.",
                    group.display_name
                ),
                button: "Remove",
                action: &action,
                fields: &fields,
                back: &back,
                nav: Nav::Groups,
            },
        ));
    }
    let input = RequestInput {
        kind,
        action: RequestAction::AdminRemove,
        target: GroupAccess {
            group_id: group.id,
            access,
        },
        principal_id: principal,
        schedule: None,
        justification: None,
        ticket: None,
        is_validation_only: false,
    };
    let tab = if kind == ScheduleKind::Active {
        Tab::Active
    } else {
        Tab::Eligible
    };
    let removed = console.submit_request(input).await;
    let done = format!(
        "/ui/groups/{}/assignments?tab=expired&notice=removed",
        group.id
    );
    Ok(done_or_again(&console, removed, &done, |errors| {
        list_page(&console, &group, tab, &Shown::first(), None, errors)
    }))
}
