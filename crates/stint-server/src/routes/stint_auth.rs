//! `POST /stint/v1/auth/token` (sign in) and `POST /stint/v1/auth/signout`.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use stint_app::Password;
use stint_core::totp::TotpCode;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::extract::{bearer_token, GraphJson, Meta};
use crate::{ApiRouter, ServerState};

/// Signing in, which needs no token.
pub fn public_routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(token))
}

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(sign_out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    username: String,
    password: String,
    /// The current TOTP code, for an account with a TOTP authenticator (SPEC I5).
    #[serde(default)]
    totp: Option<String>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("totp", &self.totp.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Signs in with a user name and password (and a TOTP code, for an account with a TOTP
/// authenticator) and returns a bearer token.
#[utoipa::path(post, path = "/stint/v1/auth/token", tag = "stint", request_body = SignIn,
    responses((status = 200, description = "A bearer token"),
              (status = 401, description = "Wrong user name or password (InvalidCredentials), or a TOTP code is needed or was wrong (MfaRequired)"),
              (status = 429, description = "Too many failed sign-ins for this user name or from this address (no check was made; `Retry-After` says when to retry), or too many wrong TOTP codes lately"),
              (status = 503, description = "Too many password checks at once; retry after `Retry-After` seconds")))]
async fn token(
    State(server): State<ServerState>,
    Meta(meta): Meta,
    GraphJson(body): GraphJson<SignIn>,
) -> ApiResult<Json<Value>> {
    let issued = server
        .app
        .sign_in_with_totp(
            &body.username,
            Password::new(body.password),
            body.totp.map(TotpCode::new),
            &meta,
        )
        .await
        .map_err(|error| match error {
            stint_app::AppError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "InvalidCredentials",
                "The user name or password is incorrect, or the account is disabled.",
            ),
            other => other.into(),
        })?;
    Ok(Json(json!({
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in.num_seconds(),
    })))
}

/// Ends the bearer token used for this call.
#[utoipa::path(post, path = "/stint/v1/auth/signout", tag = "stint",
    responses((status = 204, description = "The token no longer works")))]
async fn sign_out(
    State(server): State<ServerState>,
    Meta(meta): Meta,
    parts: Parts,
) -> ApiResult<StatusCode> {
    let token = bearer_token(&parts).ok_or_else(ApiError::unauthenticated)?;
    server.app.sign_out(token, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
