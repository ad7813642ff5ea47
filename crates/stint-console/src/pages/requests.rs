//! My requests (SPEC V3, V4, E1, E2): the signed-in user's pending and past requests with their
//! status and decision, and Cancel for a pending one.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use stint_core::ids::RequestId;
use stint_core::request::{Expiration, RequestAction, ScheduleRequest};
use stint_core::time_zone::TimeZone;

use crate::error::UiError;
use crate::forms::{done_or_again, Errors, Posted};
use crate::layout::{badge, csrf_field, flash, page, tabs, Flash, Head, Nav};
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::wording;

/// What the list says after a request or a cancellation.
const NOTICES: &[Flash] = &[
    Flash::success("pending", "Request submitted: pending approval").saying(
        "An approver must approve it before you get access. You can follow it here, or cancel it.",
    ),
    Flash::success("sent", "Request sent").saying("An administrator of the group will decide it."),
    Flash::info("canceled", "Request canceled"),
];

/// `GET /ui/my-requests?tab=pending|past`
pub async fn show(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let past = query.get("tab").is_some_and(|t| t == "past");
    let message = flash(&query, NOTICES);
    let body = requests_page(&console, past, message, &Errors::default());
    console.finish(body)
}

pub fn action_label(action: RequestAction) -> &'static str {
    match action {
        RequestAction::SelfActivate => "Activate",
        RequestAction::SelfDeactivate => "Deactivate",
        RequestAction::SelfExtend => "Extend",
        RequestAction::SelfRenew => "Renew",
        RequestAction::AdminAssign => "Assigned by an administrator",
        RequestAction::AdminUpdate => "Updated by an administrator",
        RequestAction::AdminRemove => "Removed by an administrator",
        RequestAction::AdminExtend => "Extended by an administrator",
        RequestAction::AdminRenew => "Renewed by an administrator",
    }
}

/// The requested schedule in words.
pub fn schedule_text(request: &ScheduleRequest, zone: TimeZone) -> String {
    let Some(schedule) = request.schedule else {
        return "—".into();
    };
    let start = request
        .resolved_start
        .or(schedule.start)
        .map_or_else(|| "now".to_string(), |at| wording::time_text(at, zone));
    match schedule.expiration {
        Expiration::AfterDuration(duration) => {
            format!("{} from {start}", wording::duration(duration.as_delta()))
        }
        Expiration::AfterDateTime(end) => {
            format!("{start} until {}", wording::time_text(end, zone))
        }
        Expiration::NoExpiration | Expiration::NotSpecified => format!("From {start}"),
    }
}

/// A request's group, who decided it, and its status, in words.
type RequestNames = (String, Option<String>, &'static str);

fn requests_page(
    console: &Console,
    past: bool,
    message: Option<Markup>,
    errors: &Errors,
) -> Markup {
    let (pending, done, names) = {
        let view = console.view();
        let all = view.my_requests();
        let names: HashMap<RequestId, RequestNames> = all
            .iter()
            .map(|r| {
                let decider = r
                    .approval
                    .as_ref()
                    .and_then(|a| a.decision.as_ref())
                    .and_then(|d| d.reviewed_by)
                    .map(|u| wording::principal(&view, u.into()).0);
                (
                    r.id,
                    (
                        wording::group_name(&view, r.target.group_id),
                        decider,
                        wording::request_status(&view, r),
                    ),
                )
            })
            .collect();
        let (pending, done): (Vec<ScheduleRequest>, Vec<ScheduleRequest>) = all
            .into_iter()
            .cloned()
            .partition(|r| r.status.is_pending());
        (pending, done, names)
    };
    let shown = if past { &done } else { &pending };
    let nothing = if past {
        (
            "No past requests",
            "Requests that were decided, canceled or completed appear here.",
        )
    } else {
        (
            "No pending requests",
            "Requests that wait for an approver appear here.",
        )
    };
    let head = Head::new("My requests")
        .subtitle("Activations, extensions and renewals you asked for.")
        .notice(message)
        .errors(errors);
    let body = html! {
        (tabs("Requests", &[
            ("Pending requests", "/ui/my-requests".to_string(), !past, Some(pending.len())),
            ("Past requests", "/ui/my-requests?tab=past".to_string(), past, Some(done.len())),
        ]))
        (list_card(shown.is_empty(), nothing, requests_table(console, shown, &names)))
    };
    page(console, Nav::MyRequests, head, body)
}

fn requests_table(
    console: &Console,
    requests: &[ScheduleRequest],
    names: &HashMap<RequestId, RequestNames>,
) -> Markup {
    let columns = [
        "Group",
        "Request",
        "Status",
        "Schedule",
        "Reason",
        "Requested",
    ];
    Table::new(&columns).actions(true).rows(requests, |request| {
        let (group, decider, status) = names.get(&request.id).cloned().unwrap_or_default();
        html! {
            td data-label="Group" { strong { (group) } br; span.muted { (wording::access(request.target.access)) } }
            td data-label="Request" { (action_label(request.action)) }
            td data-label="Status" {
                (badge(status))
                @if let Some(decision) = request.approval.as_ref().and_then(|a| a.decision.as_ref()) {
                    p.small {
                        (if decision.approved { "Approved" } else { "Denied" })
                        " by " (decider.clone().unwrap_or_else(|| "Stint (no decision in 24 hours)".into()))
                        ": “" (decision.justification) "”"
                    }
                }
            }
            td data-label="Schedule" { (schedule_text(request, console.zone())) }
            td data-label="Reason" { (request.justification.clone().unwrap_or_else(|| "—".into())) }
            td data-label="Requested" { (wording::time(request.created_at, console.zone())) }
            td.actions-cell {
                @if request.status.is_pending() {
                    form method="post" action=(format!("/ui/my-requests/{}/cancel", request.id)) {
                        (csrf_field(console))
                        button.button.secondary.small type="submit"
                            aria-label=(format!("Cancel the request for {group}")) { "Cancel request" }
                    }
                }
            }
        }
    })
}

/// `POST /ui/my-requests/{id}/cancel`
pub async fn cancel(Path(id): Path<String>, Posted { console, .. }: Posted) -> Response {
    let Ok(id) = id.parse::<RequestId>() else {
        return UiError::not_found("That request").into_response();
    };
    let Some(kind) = console.view().request_family(id) else {
        return UiError::not_found("That request").into_response();
    };
    let canceled = console
        .app
        .cancel_request(&console.session, &console.meta, id, kind)
        .await;
    let done = "/ui/my-requests?tab=past&notice=canceled";
    done_or_again(&console, canceled, done, |errors| {
        requests_page(&console, false, None, errors)
    })
}
