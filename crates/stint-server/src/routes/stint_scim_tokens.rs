//! `/stint/v1/scim/tokens`: SCIM provisioning tokens (M1), for Global and Privileged Role
//! Administrators. A token's secret is answered once, when it is made; only its hash is kept.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use stint_core::ids::ScimTokenId;
use stint_core::scim::ScimToken;
use utoipa_axum::routes;

use crate::call::Call;
use crate::collection::values;
use crate::documented::{Deleted, InvalidScimToken, NotWebhookManager, ScimTokenPath};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::wire::{self, graph_body, time};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
}

graph_body! {
    struct NewScimTokenBody {
        /// What the token is for, e.g. `Entra ID`; 1 to 200 characters.
        display_name: String,
    }
}

/// Makes a provisioning token for `/scim/v2`. The answer carries its secret, shown only here.
#[utoipa::path(post, path = "/stint/v1/scim/tokens", tag = "stint", request_body = NewScimTokenBody,
    responses((status = 201, description = "The token, with its secret (shown only here)"),
              InvalidScimToken,
              NotWebhookManager))]
async fn create_token(
    call: Call,
    GraphJson(body): GraphJson<NewScimTokenBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let made = call
        .app()
        .create_scim_token(&call.session, &call.meta, &body.display_name)
        .await?;
    let mut value = token(&made.value.token);
    value["token"] = made.value.secret.expose().into();
    value["scimUrl"] = format!("{}/scim/v2", call.base()).into();
    Ok((StatusCode::CREATED, Json(value)))
}

/// The live provisioning tokens, oldest first, without their secrets.
#[utoipa::path(get, path = "/stint/v1/scim/tokens", tag = "stint",
    responses((status = 200, description = "The tokens, without their secrets"), NotWebhookManager))]
async fn list_tokens(call: Call) -> ApiResult<Json<Value>> {
    let tokens = call.view().scim_tokens()?.into_iter().map(token).collect();
    Ok(Json(values(tokens)))
}

/// Revokes a provisioning token: SCIM calls with it are refused from now on.
#[utoipa::path(delete, path = "/stint/v1/scim/tokens/{id}", tag = "stint",
    params(ScimTokenPath),
    responses(Deleted, NotWebhookManager, (status = 404, description = "No such live token")))]
async fn revoke_token(call: Call, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: ScimTokenId = wire::parse_id("id", &id)?;
    call.app()
        .revoke_scim_token(&call.session, &call.meta, id)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A token as answered, without its secret or hash.
fn token(token: &ScimToken) -> Value {
    json!({
        "id": token.id.to_string(),
        "displayName": token.display_name,
        "createdAt": time(token.created_at),
        "createdBy": token.created_by.to_string(),
    })
}
