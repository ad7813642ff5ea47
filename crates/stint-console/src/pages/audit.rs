//! Audit views (SPEC U2): "My audit" (everything about or by the signed-in user) and a group's
//! resource audit, filtered by a date range, an action and a person, and read as people read it:
//! actions as phrases, names for ids, times to the second. Who may read what is the app's
//! decision; the API keeps the recorded codes and messages.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::Response;
use chrono::TimeDelta;
use maud::{html, Markup};
use stint_core::audit::{AuditEvent, AuditQuery, Outcome};
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::in_words::{audit_action, audit_actions, audit_details};
use stint_core::time_zone::TimeZone;
use uuid::Uuid;

use super::groups::{group_head, GroupPage, Section};
use crate::error::UiError;
use crate::forms::{parse_date, Errors};
use crate::layout::{badge, page, Head, Nav};
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::widgets::{select, Field, Kind};
use crate::wording;

/// How many events a view shows.
const LIMIT: usize = 200;

/// `audit_query` narrowed to the action and person of the query string; a person nobody is
/// called is an error on the field.
fn narrowed(
    console: &Console,
    query: &HashMap<String, String>,
    audit_query: AuditQuery,
    errors: &mut Errors,
) -> AuditQuery {
    let given = |name: &str| {
        query
            .get(name)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let person = given("person").and_then(|name| {
        let found = console.view().user_by_key(&name).map(|user| user.id);
        if found.is_none() {
            errors.add(
                "person",
                "No user has that user name. Enter one such as alice@contoso.com.",
            );
        }
        found
    });
    AuditQuery {
        action: given("action"),
        person,
        ..audit_query
    }
}

/// The date range of the query string, with what could not be read.
fn range(
    query: &HashMap<String, String>,
    base: AuditQuery,
    zone: TimeZone,
) -> (AuditQuery, Errors) {
    let mut errors = Errors::default();
    let mut read = |name: &'static str| {
        query
            .get(name)
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .and_then(|text| {
                let parsed = parse_date(text, zone);
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
    let mut actions: Vec<(String, String)> = vec![(String::new(), "Any action".into())];
    actions.extend(
        audit_actions()
            .into_iter()
            .map(|(code, phrase)| (code.to_owned(), phrase.to_owned())),
    );
    html! {
        form.search.filters method="get" action=(action) {
            (Field::new(Kind::Date, "from", "From").value(value("from")).errors(errors).render())
            (Field::new(Kind::Date, "to", "To").value(value("to")).errors(errors).render())
            (select("action", "Action", &actions, &value("action"), errors, None))
            (Field::new(Kind::Text, "person", "Person's user name").value(value("person"))
                .errors(errors).render())
            button.button.secondary type="submit" { "Apply" }
        }
    }
}

/// What a row shows of an event's people and message, read under one view.
struct Said {
    actor: String,
    about: String,
    details: String,
}

fn events_table(console: &Console, events: &[AuditEvent]) -> Markup {
    let said: Vec<Said> = {
        let view = console.view();
        let zone = console.zone();
        let time_of = |at| wording::second_text(at, zone);
        let name_of = |id: Uuid| match view.principal(PrincipalId(id)) {
            Some(_) => Some(wording::principal(&view, PrincipalId(id)).0),
            None => view.any_group(GroupId(id)).map(|g| g.display_name.clone()),
        };
        events
            .iter()
            .map(|e| Said {
                actor: e
                    .record
                    .actor
                    .map(|a| wording::principal(&view, a.into()).0)
                    .unwrap_or_else(|| "Stint".into()),
                about: e
                    .record
                    .principal_id
                    .map(|p| wording::principal(&view, p).0)
                    .unwrap_or_default(),
                details: audit_details(&e.record.message, &name_of, &time_of),
            })
            .collect()
    };
    let columns = ["Time", "Who", "Action", "About", "Result", "Details"];
    let table = Table::new(&columns).class("audit");
    table.rows(events.iter().zip(said), |(event, said)| {
        let succeeded = event.record.outcome == Outcome::Success;
        html! {
            td data-label="Time" { (wording::second(event.record.at, console.zone())) }
            td data-label="Who" { (said.actor) }
            td data-label="Action" title=(event.record.action) { (audit_action(&event.record.action, succeeded)) }
            td data-label="About" { (said.about) }
            td data-label="Result" {
                (badge(if succeeded { "Success" } else { "Failure" }))
            }
            td data-label="Details" {
                (said.details)
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
    let (audit_query, mut errors) = range(query, base, console.zone());
    let audit_query = narrowed(console, query, audit_query, &mut errors);
    let events: Vec<AuditEvent> = if errors.is_empty() {
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
