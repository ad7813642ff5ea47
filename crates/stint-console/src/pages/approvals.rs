//! Approve requests (SPEC V3, E3): what waits for the signed-in user's decision, with requester,
//! group, duration, reason and ticket; approve or deny with a required justification. For an
//! extension or renewal the administrator also sets the new start, end and type.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::View;
use stint_core::ids::RequestId;
use stint_core::request::{RequestAction, ScheduleRequest};
use stint_core::rules::approval::{ChosenSchedule, Review};
use stint_core::rules::assignments::MAX_JUSTIFICATION_CHARS;
use stint_core::schedule::ScheduleKind;
use stint_core::time_zone::TimeZone;

use super::requests::{action_label, schedule_text};
use crate::error::UiError;
use crate::forms::{Errors, FormData, Posted};
use crate::layout::{badge, csrf_field, empty, flash, page, Flash, Head, Nav};
use crate::session::Console;
use crate::table::Table;
use crate::widgets::{radios, Field, Kind};
use crate::wording;

/// A request as the approver sees it.
#[derive(Clone, Debug)]
struct Item {
    request: ScheduleRequest,
    requester: (String, String),
    group: String,
    ticket: Option<String>,
    status: &'static str,
}

fn item(view: &View<'_>, request: &ScheduleRequest) -> Item {
    Item {
        requester: wording::principal(view, request.principal_id),
        group: wording::group_name(view, request.target.group_id),
        status: wording::request_status(view, request),
        ticket: request.ticket.as_ref().map(|t| {
            format!(
                "{} {}",
                t.system.clone().unwrap_or_default(),
                t.number.clone().unwrap_or_default()
            )
            .trim()
            .to_string()
        }),
        request: request.clone(),
    }
}

/// What the list says after a decision.
const NOTICES: &[Flash] = &[
    Flash::success("approved", "Approved")
        .saying("The requester now has the access they asked for, from the time they asked."),
    Flash::info("denied", "Denied").saying("The requester sees your reason."),
];

/// `GET /ui/approvals`
pub async fn list(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let (waiting, mut decided): (Vec<Item>, Vec<Item>) = {
        let view = console.view();
        (
            view.requests_awaiting_me()
                .into_iter()
                .map(|awaiting| item(&view, awaiting.request))
                .collect(),
            view.requests_decided_by_me()
                .into_iter()
                .map(|request| item(&view, request))
                .collect(),
        )
    };
    decided.truncate(20);
    let message = flash(&query, NOTICES);
    let head = Head::new("Approve requests")
        .subtitle("Requests that wait for your decision. Any one approver decides.")
        .notice(message);
    let body = html! {
        section.card.flush {
            h2.card-title { "Waiting for you" }
            @if waiting.is_empty() {
                (empty("Nothing to approve", "Requests you can decide appear here."))
            } @else {
                (table(&waiting, true, console.zone()))
            }
        }
        @if !decided.is_empty() {
            section.card.flush {
                h2.card-title { "Decided by you" }
                (table(&decided, false, console.zone()))
            }
        }
    };
    console.finish(page(&console, Nav::Approvals, head, body))
}

fn table(items: &[Item], review: bool, zone: TimeZone) -> Markup {
    let last = if review { "Requested" } else { "Status" };
    let columns = [
        "Requester",
        "Group",
        "Request",
        "Schedule",
        "Reason",
        "Ticket",
        last,
    ];
    Table::new(&columns).actions(review).rows(items, |item| {
        html! {
            td data-label="Requester" { strong { (item.requester.0) } br; span.muted { (item.requester.1) } }
            td data-label="Group" { (item.group) br; span.muted { (wording::access(item.request.target.access)) } }
            td data-label="Request" { (action_label(item.request.action)) }
            td data-label="Schedule" { (schedule_text(&item.request, zone)) }
            td data-label="Reason" { (item.request.justification.clone().unwrap_or_else(|| "—".into())) }
            td data-label="Ticket" { (item.ticket.clone().unwrap_or_else(|| "—".into())) }
            @if review {
                td data-label="Requested" { (wording::time(item.request.created_at, zone)) }
                td.actions-cell {
                    a.button.primary.small href=(format!("/ui/approvals/{}", item.request.id))
                        aria-label=(format!("Review the request of {}", item.requester.0)) { "Review" }
                }
            } @else {
                td data-label="Status" { (badge(item.status)) }
            }
        }
    })
}

fn find(console: &Console, id: &str) -> Result<Item, UiError> {
    let id: RequestId = id.parse().map_err(|_| UiError::not_found("That request"))?;
    let view = console.view();
    view.request_awaiting_me(id)
        .map(|awaiting| item(&view, awaiting.request))
        .ok_or_else(|| {
            UiError::NotFound(
                "This request does not wait for your decision: it was decided, canceled, or is not yours to decide."
                    .into(),
            )
        })
}

/// `GET /ui/approvals/{id}`
pub async fn review(console: Console, Path(id): Path<String>) -> Response {
    match find(&console, &id) {
        Ok(item) => {
            let body = review_page(&console, &item, &FormData::default(), &Errors::default());
            console.finish(body)
        }
        Err(error) => error.into_response(),
    }
}

fn is_extension(item: &Item) -> bool {
    matches!(
        item.request.action,
        RequestAction::SelfExtend | RequestAction::SelfRenew
    )
}

fn review_page(console: &Console, item: &Item, form: &FormData, errors: &Errors) -> Markup {
    let request = &item.request;
    let kind = form.get("kind").unwrap_or_else(|| match request.kind {
        ScheduleKind::Eligible => "eligible".into(),
        ScheduleKind::Active => "active".into(),
    });
    let subtitle = format!(
        "{} asks to {} {} of {}",
        item.requester.0,
        action_label(request.action).to_lowercase(),
        wording::access(request.target.access).to_lowercase(),
        item.group
    );
    let head = Head::new("Review request")
        .subtitle(&subtitle)
        .trail(&[("Approve requests", "/ui/approvals")])
        .errors(errors);
    let body = html! {
        div.grid-2 {
            section.card {
                h2 { "Request" }
                dl.facts {
                    dt { "Requester" } dd { (item.requester.0) " (" (item.requester.1) ")" }
                    dt { "Group" } dd { (item.group) }
                    dt { "Role" } dd { (wording::access(request.target.access)) }
                    dt { "Request" } dd { (action_label(request.action)) }
                    dt { "Schedule" } dd { (schedule_text(request, console.zone())) }
                    dt { "Reason" } dd { (request.justification.clone().unwrap_or_else(|| "—".into())) }
                    dt { "Ticket" } dd { (item.ticket.clone().unwrap_or_else(|| "—".into())) }
                    dt { "Requested" } dd { (wording::time(request.created_at, console.zone())) }
                    dt { "Decide by" } dd { (wording::time(request.created_at + stint_core::rules::approval::APPROVAL_TIMEOUT, console.zone())) }
                }
            }
            section.card {
                h2 { "Your decision" }
                form.stack method="post" action=(format!("/ui/approvals/{}", request.id)) novalidate {
                    (csrf_field(console))
                    @if is_extension(item) {
                        (radios("kind", "Assignment type", &[
                            ("eligible", "Eligible", None),
                            ("active", "Active", None),
                        ], &kind, errors))
                        (Field::new(Kind::DateTime, "start", &wording::in_zone_label("New start", console.zone())).value(form.value("start"))
                            .hint("Leave empty to keep the current start (extension) or start now (renewal).")
                            .errors(errors).render())
                        (Field::new(Kind::DateTime, "end", &wording::in_zone_label("New end", console.zone())).value(form.value("end"))
                            .hint("Leave empty for the end the requester asked for.")
                            .errors(errors).render())
                    }
                    (Field::new(Kind::TextArea, "justification", "Justification")
                        .value(form.value("justification")).required(true)
                        .maxlength(MAX_JUSTIFICATION_CHARS)
                        .hint("The requester and the audit log see it.")
                        .errors(errors).render())
                    div.actions {
                        button.button.primary type="submit" name="decision" value="approve" { "Approve" }
                        button.button.danger type="submit" name="decision" value="deny" { "Deny" }
                    }
                }
            }
        }
    };
    page(console, Nav::Approvals, head, body)
}

/// `POST /ui/approvals/{id}`
pub async fn decide(Path(id): Path<String>, Posted { console, form }: Posted) -> Response {
    let item = match find(&console, &id) {
        Ok(item) => item,
        Err(error) => return error.into_response(),
    };
    let mut errors = Errors::default();
    let approve = match form.get("decision").as_deref() {
        Some("approve") => true,
        Some("deny") => false,
        _ => {
            errors.general("Choose Approve or Deny.");
            false
        }
    };
    let mut chosen = ChosenSchedule::default();
    if is_extension(&item) {
        chosen.kind = match form.get("kind").as_deref() {
            Some("eligible") => Some(ScheduleKind::Eligible),
            Some("active") => Some(ScheduleKind::Active),
            _ => None,
        };
        chosen.start = form.time("start", console.zone(), &mut errors);
        chosen.end = form.time("end", console.zone(), &mut errors);
    }
    if errors.is_empty() {
        let Some(approval) = item.request.approval.as_ref() else {
            return UiError::not_found("That approval").into_response();
        };
        let review = Review {
            approve,
            justification: form.get("justification"),
            schedule: is_extension(&item).then_some(chosen),
        };
        match console
            .app
            .review_request(
                &console.session,
                &console.meta,
                item.request.id,
                approval.stage_id,
                review,
            )
            .await
        {
            Ok(_) => {
                let to = if approve {
                    "/ui/approvals?notice=approved"
                } else {
                    "/ui/approvals?notice=denied"
                };
                return Redirect::to(to).into_response();
            }
            Err(error) => {
                errors = Errors::from_app(error, &|key| match key {
                    "justification" => Some("justification"),
                    "endDateTime" | "ExpirationRule" => Some("end"),
                    _ => None,
                });
            }
        }
    }
    let body = review_page(&console, &item, &form, &errors);
    (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
}
