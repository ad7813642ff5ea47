//! Audit views (SPEC U2): "My audit" (everything about or by the signed-in user) and a group's
//! resource audit, both filtered by a date range. Who may read what is the app's decision.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::response::Response;
use chrono::TimeDelta;
use maud::{html, Markup};
use stint_core::audit::{AuditEvent, AuditQuery, Outcome};

use super::groups::{group_for, group_head, Section};
use crate::error::UiError;
use crate::forms::{parse_date, Errors};
use crate::layout::{badge, empty, error_summary, heading, page, Nav};
use crate::session::Console;
use crate::widgets::{Field, Kind};
use crate::wording;

/// How many events a view shows.
const LIMIT: usize = 200;

/// The date range of the query string, with what could not be read.
fn range(query: &HashMap<String, String>, base: AuditQuery) -> (AuditQuery, Errors) {
    let mut errors = Errors::default();
    let mut read = |name: &'static str| {
        query
            .get(name)
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .and_then(|text| {
                let parsed = parse_date(text);
                if parsed.is_none() {
                    errors.add(name, "Enter a date such as 2026-01-05.");
                }
                parsed
            })
    };
    let since = read("from");
    let until = read("to").map(|day| day + TimeDelta::days(1));
    (
        AuditQuery {
            since,
            until,
            limit: LIMIT,
            ..base
        },
        errors,
    )
}

fn filter_form(action: &str, query: &HashMap<String, String>, errors: &Errors) -> Markup {
    let value = |name: &str| query.get(name).cloned().unwrap_or_default();
    html! {
        form.search.filters method="get" action=(action) {
            (Field::new(Kind::Date, "from", "From").value(value("from")).errors(errors).render())
            (Field::new(Kind::Date, "to", "To").value(value("to")).errors(errors).render())
            button.button.secondary type="submit" { "Apply" }
        }
    }
}

fn events_table(console: &Console, events: &[AuditEvent]) -> Markup {
    let names: Vec<(String, String)> = {
        let view = console.view();
        events
            .iter()
            .map(|e| {
                (
                    e.record
                        .actor
                        .map(|a| wording::principal(&view, a.into()).0)
                        .unwrap_or_else(|| "Stint".into()),
                    e.record
                        .principal_id
                        .map(|p| wording::principal(&view, p).0)
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    html! {
        div.table-wrap { table.audit {
            thead { tr {
                th scope="col" { "Time" }
                th scope="col" { "Who" }
                th scope="col" { "Action" }
                th scope="col" { "About" }
                th scope="col" { "Result" }
                th scope="col" { "Details" }
            } }
            tbody {
                @for (event, (actor, about)) in events.iter().zip(names) {
                    tr {
                        td data-label="Time" { (wording::time(event.record.at)) }
                        td data-label="Who" { (actor) }
                        td data-label="Action" { code { (event.record.action) } }
                        td data-label="About" { (about) }
                        td data-label="Result" {
                            (badge(match event.record.outcome { Outcome::Success => "Success", Outcome::Failure => "Failure" }))
                        }
                        td data-label="Details" {
                            (event.record.message)
                            @if let Some(j) = &event.record.justification { p.small { "Reason: " (j) } }
                            @if let Some(t) = &event.record.ticket { p.small { "Ticket: " (t) } }
                        }
                    }
                }
            }
        } }
    }
}

/// The events of `base` in the query's date range (none while the range cannot be read), and
/// the range's errors.
async fn events_in_range(
    console: &Console,
    query: &HashMap<String, String>,
    base: AuditQuery,
) -> Result<(Vec<AuditEvent>, Errors), UiError> {
    let (audit_query, errors) = range(query, base);
    if !errors.is_empty() {
        return Ok((Vec::new(), errors));
    }
    let events = console.app.audit(&console.session, audit_query).await?;
    Ok((events, errors))
}

/// The range filter posting to `action` and the events found, or `nothing` when there are none.
fn filtered_events(
    console: &Console,
    (action, query): (&str, &HashMap<String, String>),
    (events, errors): &(Vec<AuditEvent>, Errors),
    nothing: &str,
) -> Markup {
    html! {
        (error_summary(errors))
        (filter_form(action, query, errors))
        section.card.flush {
            @if events.is_empty() { (empty("No events", nothing)) }
            @else { (events_table(console, events)) }
        }
    }
}

/// `GET /ui/audit?from=&to=`
pub async fn mine(
    console: Console,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let base = AuditQuery {
        involving: Some(console.me.id),
        ..AuditQuery::default()
    };
    let found = events_in_range(&console, &query, base).await?;
    let body = page(
        &console,
        Nav::MyAudit,
        "My audit",
        html! {
            (heading("My audit", Some("Everything you did, and everything done about you, newest first.")))
            (filtered_events(&console, ("/ui/audit", &query), &found, "Nothing in this date range."))
        },
    );
    Ok(console.finish(body))
}

/// `GET /ui/groups/{id}/audit?from=&to=`
pub async fn resource(
    console: Console,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let group = group_for(&console, &id)?;
    let base = AuditQuery {
        group_id: Some(group.id),
        ..AuditQuery::default()
    };
    let found = events_in_range(&console, &query, base).await?;
    let action = format!("/ui/groups/{}/audit", group.id);
    let body = page(
        &console,
        Nav::Groups,
        &format!("{} · Resource audit", group.display_name),
        html! {
            (group_head(&group, Section::Audit, "Resource audit"))
            (filtered_events(&console, (&action, &query), &found, "Nothing happened to this group in this date range."))
        },
    );
    Ok(console.finish(body))
}
