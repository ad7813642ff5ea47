//! `/stint/v1/outbox`: the notification outbox (SPEC N3) for Global and Privileged Role
//! Administrators: what waits, what was sent, what was given up, and re-driving the dead.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_app::webhooks::MessageState;
use utoipa_axum::routes;

use super::stint_webhooks::outbox_message;
use crate::call::Call;
use crate::collection::values;
use crate::documented::{MessagePath, NotWebhookManager};
use crate::error::{ApiError, ApiResult};
use crate::extract::{query_params, Params};
use crate::wire::parse_id;
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_outbox))
        .routes(routes!(redrive))
}

query_params! {
    struct OutboxParams {
        /// `pending`, `sent` or `dead`; every state when absent.
        state: Option<String>,
    }
}

/// The newest 100 messages of the outbox, e-mail and webhooks, in one state or all.
#[utoipa::path(get, path = "/stint/v1/outbox", tag = "stint", params(OutboxParams),
    responses((status = 200, description = "Messages, newest first"),
              (status = 400, description = "An unknown state"),
              NotWebhookManager))]
async fn list_outbox(call: Call, Params(params): Params<OutboxParams>) -> ApiResult<Json<Value>> {
    let state = params
        .state
        .map(|text| {
            MessageState::parse(&text)
                .ok_or_else(|| ApiError::invalid_field("state", "expected pending, sent or dead."))
        })
        .transpose()?;
    let entries = call.app().outbox_messages(&call.session, state).await?;
    Ok(Json(values(entries.iter().map(outbox_message).collect())))
}

/// Makes a dead message pending again, due now, with its attempts counted afresh.
#[utoipa::path(post, path = "/stint/v1/outbox/{id}/redrive", tag = "stint",
    params(MessagePath),
    responses((status = 204, description = "Pending again"),
              NotWebhookManager,
              (status = 404, description = "No dead message has that id")))]
async fn redrive(call: Call, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: uuid::Uuid = parse_id("id", &id)?;
    call.app()
        .redrive_message(&call.session, &call.meta, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
