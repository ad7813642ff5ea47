//! N3: webhook subscriptions, made, changed and deleted by Global and Privileged Role
//! Administrators ([`WebhookManager`]).
//!
//! A subscription's URL is often a secret itself (Slack's and Teams' incoming webhooks carry
//! their token in the path), and its signing secret is one: neither ever reaches the audit, a
//! refusal's message or the log. The audit names the subscription's id and its URL's host only.
//!
//! [`WebhookManager`]: crate::authz::authority::WebhookManager

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::change::{Change, Decision};
use crate::ids::WebhookId;
use crate::notify::EventType;
use crate::rules::{AuditRecordExt, Context};
use crate::state::State;
use crate::violation::Violation;
use crate::webhook::{Webhook, WebhookFormat, WebhookSecret};

/// The longest URL a subscription may have, in characters.
pub const MAX_URL: usize = 2000;

/// A subscription as asked for: the events and format as the caller wrote them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    /// `None` is the standard format.
    pub format: Option<String>,
}

/// What a PATCH changes; `None` keeps the current value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub format: Option<String>,
}

/// Subscribes `input.url` to its events, signed with `secret` (made by the caller's driver, so
/// that this rule stays free of randomness).
pub fn create(
    state: &State,
    ctx: &Context,
    input: NewWebhook,
    secret: WebhookSecret,
) -> Result<(Decision, Webhook), Violation> {
    ctx.authority(state).webhook_manager()?;
    let url = check_url(&input.url)?;
    let events = check_events(&input.events)?;
    let format = check_format(input.format.as_deref())?;
    let webhook = Webhook {
        id: WebhookId(ctx.fresh_id()),
        url,
        events,
        format,
        secret,
        created_at: ctx.now,
        created_by: ctx.caller.user,
        deleted_at: None,
    };
    let event = ctx
        .event("webhook.create", "webhook", webhook.id)
        .saying(format!(
            "Subscribed a {} webhook at {} to {}.",
            webhook.format,
            host_of(&webhook.url),
            known(&webhook.events)
        ));
    Ok((
        Decision::of(Change::Webhook(webhook.clone()), event),
        webhook,
    ))
}

/// Changes the URL, events or format of a live subscription; its secret stays.
pub fn update(
    state: &State,
    ctx: &Context,
    id: WebhookId,
    patch: WebhookPatch,
) -> Result<(Decision, Webhook), Violation> {
    ctx.authority(state).webhook_manager()?;
    let mut webhook = live_webhook(state, id)?.clone();
    if let Some(url) = &patch.url {
        webhook.url = check_url(url)?;
    }
    if let Some(events) = &patch.events {
        webhook.events = check_events(events)?;
    }
    if let Some(format) = &patch.format {
        webhook.format = check_format(Some(format))?;
    }
    let event = ctx
        .event("webhook.update", "webhook", webhook.id)
        .saying(format!(
            "Changed the webhook at {}: {}, {}.",
            host_of(&webhook.url),
            webhook.format,
            known(&webhook.events)
        ));
    Ok((
        Decision::of(Change::Webhook(webhook.clone()), event),
        webhook,
    ))
}

/// Ends a subscription: it receives nothing more, and its deliveries stay readable.
pub fn delete(state: &State, ctx: &Context, id: WebhookId) -> Result<Decision, Violation> {
    ctx.authority(state).webhook_manager()?;
    let mut webhook = live_webhook(state, id)?.clone();
    webhook.deleted_at = Some(ctx.now);
    let event = ctx
        .event("webhook.delete", "webhook", webhook.id)
        .saying(format!("Deleted the webhook at {}.", host_of(&webhook.url)));
    Ok(Decision::of(Change::Webhook(webhook), event))
}

/// Records an administrator's re-drive of a dead outbox message, which the store makes pending
/// again (the outbox is not part of the state).
pub fn redrive(state: &State, ctx: &Context, message: Uuid) -> Result<Decision, Violation> {
    ctx.authority(state).webhook_manager()?;
    let event = ctx
        .event("outbox.redrive", "outboxMessage", message)
        .saying("Re-drove a dead notification: it is tried again from now.");
    Ok(Decision::new().audit(event))
}

/// A subscription that is not deleted.
pub fn live_webhook(state: &State, id: WebhookId) -> Result<&Webhook, Violation> {
    state
        .webhooks
        .get(&id)
        .filter(|webhook| webhook.deleted_at.is_none())
        .ok_or_else(|| Violation::not_found(format!("Webhook '{id}'")))
}

/// The host a URL names, for the audit and the log; `-` for a text that is not a URL.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "-".to_owned())
}

/// An absolute `http` or `https` URL without credentials, of at most [`MAX_URL`] characters, in
/// the form it will be called. The refusals never repeat the URL.
fn check_url(text: &str) -> Result<String, Violation> {
    let refuse = |message: &str| Violation::bad_request("url", message);
    let text = text.trim();
    if text.is_empty() {
        return Err(refuse("it must not be empty."));
    }
    if text.chars().count() > MAX_URL {
        return Err(refuse(&format!(
            "it must be at most {MAX_URL} characters long."
        )));
    }
    let url = url::Url::parse(text).map_err(|_| {
        refuse("it is not an absolute URL such as https://hooks.example.com/stint.")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https URLs can receive webhooks."));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("it names no host."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "it must not carry a user name or password; a standard webhook is authenticated by its signature.",
        ));
    }
    let normalised = url.to_string();
    if normalised.chars().count() > MAX_URL {
        return Err(refuse(&format!(
            "it must be at most {MAX_URL} characters long."
        )));
    }
    Ok(normalised)
}

/// A non-empty list of known event types, each once, returned in [`EventType`]'s order.
fn check_events(names: &[String]) -> Result<Vec<EventType>, Violation> {
    if names.is_empty() {
        return Err(Violation::bad_request(
            "events",
            format!("name at least one of {}.", known(&EventType::ALL)),
        ));
    }
    let mut events = BTreeSet::new();
    for name in names {
        let event: EventType = name.trim().parse().map_err(|()| {
            Violation::bad_request(
                "events",
                format!(
                    "'{}' is not an event type; the event types are {}.",
                    name.chars().take(60).collect::<String>(),
                    known(&EventType::ALL)
                ),
            )
        })?;
        if !events.insert(event) {
            return Err(Violation::bad_request(
                "events",
                format!("'{event}' is named more than once."),
            ));
        }
    }
    Ok(events.into_iter().collect())
}

/// `standard` when absent.
fn check_format(name: Option<&str>) -> Result<WebhookFormat, Violation> {
    let Some(name) = name else {
        return Ok(WebhookFormat::Standard);
    };
    name.trim().parse().map_err(|()| {
        Violation::bad_request(
            "format",
            format!(
                "'{}' is not one of {}.",
                name.chars().take(60).collect::<String>(),
                known(&WebhookFormat::ALL)
            ),
        )
    })
}

/// The values, comma-separated.
pub(crate) fn known(values: &[impl std::fmt::Display]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "tests/webhooks.rs"]
mod tests;
