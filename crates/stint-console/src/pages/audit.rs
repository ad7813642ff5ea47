//! Audit views (SPEC U2): "My audit" (everything about or by the signed-in user) and a group's
//! resource audit, both filtered by a date range. Who may read what is the app's decision.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::Response;
use chrono::TimeDelta;
use maud::{html, Markup};
use stint_core::audit::{AuditEvent, AuditQuery, Outcome};

use super::groups::{group_head, GroupPage, Section};
use crate::error::UiError;
use crate::forms::{parse_date, Errors};
use crate::layout::{badge, page, Head, Nav};
use crate::session::Console;
use crate::table::{list_card, Table};
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
    let columns = ["Time", "Who", "Action", "About", "Result", "Details"];
    let table = Table::new(&columns).class("audit");
    table.rows(events.iter().zip(names), |(event, (actor, about))| {
        html! {
            td data-label="Time" { (wording::time(event.record.at)) }
            td data-label="Who" { (actor) }
            td data-label="Action" { code { (event.record.action) } }
            td data-label="About" { (about) }
            td data-label="Result" {
                (badge(match event.record.outcome { Outcome::Success => "Success", Outcome::Failure => "Failure" }))
            }
            td data-label="Details" {
                (stint_core::in_words::audit_message(&event.record.message))
                @if let Some(j) = &event.record.justification { p.small { "Reason: " (j) } }
                @if let Some(t) = &event.record.ticket { p.small { "Ticket: " (t) } }
            }
        }
    })
}

/// The page of the events of `base` in the query's date range (none while the range cannot be
/// read), under `head` and the range filter posting to `action`; `nothing` is what an empty
/// range says.
async fn events_page(
    console: &Console,
    (nav, head): (Nav, Head),
    (action, query): (&str, &HashMap<String, String>),
    base: AuditQuery,
    nothing: &str,
) -> Result<Response, UiError> {
    let (audit_query, errors) = range(query, base);
    let events = if errors.is_empty() {
        console.app.audit(&console.session, audit_query).await?
    } else {
        Vec::new()
    };
    let body = html! {
        (filter_form(action, query, &errors))
        (list_card(events.is_empty(), ("No events", nothing), events_table(console, &events)))
    };
    Ok(console.finish(page(console, nav, head.errors(&errors), body)))
}

/// `GET /ui/audit?from=&to=`
pub async fn mine(
    console: Console,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let head = Head::new("My audit")
        .subtitle("Everything you did, and everything done about you, newest first.");
    let base = AuditQuery {
        involving: Some(console.me.id),
        ..AuditQuery::default()
    };
    let nothing = "Nothing in this date range.";
    events_page(
        &console,
        (Nav::MyAudit, head),
        ("/ui/audit", &query),
        base,
        nothing,
    )
    .await
}

/// `GET /ui/groups/{id}/audit?from=&to=`
pub async fn resource(
    GroupPage { console, group }: GroupPage,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let head = group_head(&group, Section::Audit, "Resource audit");
    let action = format!("/ui/groups/{}/audit", group.id);
    let base = AuditQuery {
        group_id: Some(group.id),
        ..AuditQuery::default()
    };
    let nothing = "Nothing happened to this group in this date range.";
    events_page(
        &console,
        (Nav::Groups, head),
        (&action, &query),
        base,
        nothing,
    )
    .await
}
