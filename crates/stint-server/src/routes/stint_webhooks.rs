//! `/stint/v1/webhooks`: webhook subscriptions (SPEC N3) and what was sent to each, for Global
//! and Privileged Role Administrators. A subscription's secret is answered once, when it is made.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use stint_app::webhooks::{DeliveryAttempt, MessageDeliveries, MessageState, OutboxEntry};
use stint_core::ids::WebhookId;
use stint_core::rules::webhooks::{NewWebhook, WebhookPatch};
use stint_core::webhook::Webhook;
use utoipa_axum::routes;

use crate::call::Call;
use crate::collection::values;
use crate::documented::{
    Changed, Deleted, InvalidWebhook, NotWebhookManager, SubscriptionRefusals, WebhookPath,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::wire::{self, graph_body, optional_time, time};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(list_deliveries))
}

graph_body! {
    struct NewWebhookBody {
        /// Where to post: an http or https URL without credentials, at most 2,000 characters.
        url: String,
        /// The event types to receive, e.g. `request.pendingApproval`.
        events: Vec<String>,
        /// `standard` (default, signed), `slack` or `teams`.
        #[serde(default)]
        format: Option<String>,
    }
}

graph_body! {
    struct WebhookPatchBody {
        #[serde(default, deserialize_with = "wire::nullable")]
        #[schema(value_type = Option<String>)]
        url: Option<Option<String>>,
        #[serde(default, deserialize_with = "wire::nullable")]
        #[schema(value_type = Option<Vec<String>>)]
        events: Option<Option<Vec<String>>>,
        #[serde(default, deserialize_with = "wire::nullable")]
        #[schema(value_type = Option<String>)]
        format: Option<Option<String>>,
    }
}

/// Subscribes a URL to events. The answer carries the signing secret, which is never shown again.
#[utoipa::path(post, path = "/stint/v1/webhooks", tag = "stint", request_body = NewWebhookBody,
    responses((status = 201, description = "The subscription, with its secret (shown only here)"),
              InvalidWebhook,
              NotWebhookManager))]
async fn create_webhook(
    call: Call,
    GraphJson(body): GraphJson<NewWebhookBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = NewWebhook {
        url: body.url,
        events: body.events,
        format: body.format,
    };
    let created = call
        .app()
        .create_webhook(&call.session, &call.meta, input)
        .await?;
    let mut value = webhook(&created.value);
    value["secret"] = created.value.secret.expose().into();
    Ok((StatusCode::CREATED, Json(value)))
}

/// The live subscriptions, oldest first.
#[utoipa::path(get, path = "/stint/v1/webhooks", tag = "stint",
    responses((status = 200, description = "The subscriptions, without their secrets"),
              NotWebhookManager))]
async fn list_webhooks(call: Call) -> ApiResult<Json<Value>> {
    let webhooks = call.view().webhooks()?.into_iter().map(webhook).collect();
    Ok(Json(values(webhooks)))
}

/// One live subscription.
#[utoipa::path(get, path = "/stint/v1/webhooks/{id}", tag = "stint",
    params(WebhookPath),
    responses((status = 200, description = "The subscription, without its secret"), SubscriptionRefusals))]
async fn get_webhook(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: WebhookId = wire::parse_id("id", &id)?;
    let found = call.view().webhook(id)?.map(webhook);
    found.map(Json).ok_or_else(|| not_found(id))
}

/// Changes a subscription's URL, events or format; its secret stays.
#[utoipa::path(patch, path = "/stint/v1/webhooks/{id}", tag = "stint", request_body = WebhookPatchBody,
    params(WebhookPath),
    responses(Changed, InvalidWebhook, SubscriptionRefusals))]
async fn update_webhook(
    call: Call,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<WebhookPatchBody>,
) -> ApiResult<StatusCode> {
    let id: WebhookId = wire::parse_id("id", &id)?;
    let patch = WebhookPatch {
        url: wire::not_null("url", body.url)?,
        events: wire::not_null("events", body.events)?,
        format: wire::not_null("format", body.format)?,
    };
    call.app()
        .update_webhook(&call.session, &call.meta, id, patch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a subscription: nothing more is sent to it; its deliveries stay readable.
#[utoipa::path(
    delete,
    path = "/stint/v1/webhooks/{id}",
    tag = "stint",
    params(WebhookPath),
    responses(Deleted, SubscriptionRefusals)
)]
async fn delete_webhook(call: Call, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: WebhookId = wire::parse_id("id", &id)?;
    call.app()
        .delete_webhook(&call.session, &call.meta, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The newest 100 messages to a subscription (a deleted one too), each with its attempts.
#[utoipa::path(get, path = "/stint/v1/webhooks/{id}/deliveries", tag = "stint",
    params(WebhookPath),
    responses((status = 200, description = "Messages, newest first, each with its attempts, oldest first"), SubscriptionRefusals))]
async fn list_deliveries(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: WebhookId = wire::parse_id("id", &id)?;
    let deliveries = call
        .app()
        .webhook_deliveries(&call.session, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let messages = deliveries
        .iter()
        .map(|MessageDeliveries { entry, attempts }| {
            let mut value = outbox_message(entry);
            value["attempts"] = attempts.iter().map(attempt).collect::<Vec<_>>().into();
            value
        })
        .collect();
    Ok(Json(values(messages)))
}

fn not_found(id: WebhookId) -> ApiError {
    ApiError::not_found(format!("Webhook '{id}'"))
}

/// A subscription as answered, without its secret.
fn webhook(webhook: &Webhook) -> Value {
    json!({
        "id": webhook.id.to_string(),
        "url": webhook.url,
        "events": webhook.events.iter().map(|event| event.as_str()).collect::<Vec<_>>(),
        "format": webhook.format.as_str(),
        "createdAt": time(webhook.created_at),
        "createdBy": webhook.created_by.to_string(),
    })
}

/// An outbox message as administrators read it: where it goes and where it stands.
pub(super) fn outbox_message(entry: &OutboxEntry) -> Value {
    let message = &entry.message;
    json!({
        "id": message.id.to_string(),
        "eventId": message.event.id.to_string(),
        "eventType": message.event.kind.as_str(),
        "revision": entry.revision,
        "channel": message.delivery.channel(),
        "target": message.delivery.target(),
        "state": entry.state.as_str(),
        "attemptCount": entry.attempts,
        "createdAt": time(entry.created_at),
        "nextAttemptAt": (entry.state == MessageState::Pending).then(|| time(entry.next_attempt_at)),
        "lastError": entry.last_error,
        "settledAt": optional_time(entry.settled_at),
    })
}

/// One attempt: `sent`, `failed` (tried again later) or `dead` (the last; given up).
fn attempt(attempt: &DeliveryAttempt) -> Value {
    let outcome = match attempt.outcome {
        MessageState::Sent => "sent",
        MessageState::Pending => "failed",
        MessageState::Dead => "dead",
    };
    json!({
        "attempt": attempt.attempt,
        "at": time(attempt.at),
        "outcome": outcome,
        "status": attempt.status,
        "error": attempt.detail,
    })
}
