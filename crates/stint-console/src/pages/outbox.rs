//! The notification outbox (SPEC N3) for Global and Privileged Role Administrators: what waits to be
//! sent, what was given up (with the last error, and a button to try again), and what went out.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use stint_app::webhooks::{MessageState, OutboxEntry};
use stint_core::notify::Delivery;
use stint_core::rules::webhooks::host_of;
use stint_core::webhook::WebhookId;
use uuid::Uuid;

use crate::error::UiError;
use crate::forms::{done_or_again, Errors, Posted};
use crate::layout::{badge, csrf_field, notice, page, tabs, Head, Nav, Tone};
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::wording;

/// The tabs, in the order an administrator looks at them.
const STATES: [(MessageState, &str); 3] = [
    (MessageState::Dead, "Given up"),
    (MessageState::Pending, "Waiting"),
    (MessageState::Sent, "Sent"),
];

/// `GET /ui/outbox?state=`
pub async fn show(
    console: Console,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let state = query
        .get("state")
        .and_then(|text| MessageState::parse(text))
        .unwrap_or(MessageState::Dead);
    let message = (query.get("notice").map(String::as_str) == Some("redriven")).then(|| {
        notice(
            Tone::Success,
            "The message will be sent again",
            Some("It waits in the outbox and goes out within a few seconds."),
        )
    });
    let entries = console
        .app
        .outbox_messages(&console.session, Some(state))
        .await?;
    Ok(console.finish(outbox_page(
        &console,
        state,
        &entries,
        message,
        &Errors::default(),
    )))
}

/// `POST /ui/outbox/{id}/redrive`
pub async fn redrive(Path(id): Path<String>, Posted { console, .. }: Posted) -> Response {
    let Ok(id) = id.parse::<Uuid>() else {
        return UiError::not_found("That message").into_response();
    };
    let redriven = console
        .app
        .redrive_message(&console.session, &console.meta, id)
        .await;
    let again = |errors: &Errors| outbox_page(&console, MessageState::Dead, &[], None, errors);
    done_or_again(
        &console,
        redriven,
        "/ui/outbox?state=dead&notice=redriven",
        again,
    )
}

fn outbox_page(
    console: &Console,
    state: MessageState,
    entries: &[OutboxEntry],
    message: Option<Markup>,
    errors: &Errors,
) -> Markup {
    let links: Vec<(&str, String, bool, Option<usize>)> = STATES
        .iter()
        .map(|(tab, label)| {
            (
                *label,
                format!("/ui/outbox?state={}", tab.as_str()),
                *tab == state,
                None,
            )
        })
        .collect();
    let head = Head::new("Outbox")
        .subtitle("E-mails and webhook calls that tell people of decisions. Each is retried for about three hours before it is given up.")
        .tabs(tabs("Outbox", &links))
        .notice(message)
        .errors(errors);
    let hosts: HashMap<WebhookId, String> = console
        .view()
        .webhooks()
        .unwrap_or_default()
        .into_iter()
        .map(|webhook| (webhook.id, host_of(&webhook.url)))
        .collect();
    let columns = ["Created", "Event", "To", "Attempts", "Status"];
    let table = Table::new(&columns).actions(state == MessageState::Dead);
    let empty = match state {
        MessageState::Dead => (
            "Nothing given up",
            "Every message was delivered or is still being tried.",
        ),
        MessageState::Pending => (
            "Nothing waiting",
            "Messages appear here between a decision and their delivery.",
        ),
        MessageState::Sent => ("Nothing sent yet", "Delivered messages appear here."),
    };
    let body = html! {
        (list_card(entries.is_empty(), empty, table.rows(entries, |entry| html! {
            td data-label="Created" { (wording::time(entry.created_at, console.zone())) }
            td data-label="Event" { code { (entry.message.event.kind.as_str()) } br; span.muted { (entry.message.event.group.name) } }
            td data-label="To" { (recipient(&entry.message.delivery, &hosts)) }
            td data-label="Attempts" { (entry.attempts) }
            td data-label="Status" {
                (badge(match entry.state { MessageState::Pending => "Pending", MessageState::Sent => "Sent", MessageState::Dead => "Failed" }))
                @if let Some(error) = &entry.last_error { p.small { (error) } }
                @if entry.state == MessageState::Pending { p.small { "Next try " (wording::time(entry.next_attempt_at, console.zone())) } }
            }
            @if state == MessageState::Dead {
                td.actions-cell {
                    form method="post" action=(format!("/ui/outbox/{}/redrive", entry.message.id)) {
                        (csrf_field(console))
                        button.button.secondary.small type="submit" aria-label=(format!("Send the message to {} again", entry.message.delivery.target())) { "Send again" }
                    }
                }
            }
        })))
    };
    page(console, Nav::Outbox, head, body)
}

/// A mail's address, or the host a webhook posts to (the whole URL may be a secret).
fn recipient(delivery: &Delivery, hosts: &HashMap<WebhookId, String>) -> String {
    match delivery {
        Delivery::Mail(to) => to.address.clone(),
        Delivery::Webhook { subscription } => match hosts.get(subscription) {
            Some(host) => format!("Webhook to {host}"),
            None => "A deleted webhook".to_owned(),
        },
    }
}
