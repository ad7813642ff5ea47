//! TOTP multi-factor authentication (SPEC I5) and credential resets (D8) under `/stint/v1`:
//! enrol, confirm and remove one's authenticator, step up a token, and reset a user's credentials.
//!
//! Secrets and codes are never logged, echoed in errors, or shown by `Debug`.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use stint_app::mfa::CredentialReset;
use stint_app::Password;
use stint_core::totp::TotpCode;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::users::{resolve_id, MAX_PASSWORD, MIN_PASSWORD};
use crate::call::Call;
use crate::documented::{NoSuchUser, Removed, UserPath};
use crate::error::{ApiError, ApiResult};
use crate::extract::{bearer_token, GraphJson, Meta};
use crate::wire;
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(my_authenticators))
        .routes(routes!(enrol_totp, remove_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(step_up))
        .routes(routes!(reset_credentials))
}

/// A TOTP code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    /// The current 6-digit code of the authenticator app.
    code: String,
}

stint_core::redacted_debug!(CodeBody);

/// What to reset; at least one of the two.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ResetBody {
    /// A new password.
    #[serde(default)]
    password: Option<String>,
    /// `true` removes the user's TOTP authenticator; they sign in with the password alone.
    #[serde(default)]
    remove_authenticator: Option<bool>,
}

impl std::fmt::Debug for ResetBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetBody")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("remove_authenticator", &self.remove_authenticator)
            .finish()
    }
}

/// The caller's authenticators: `totp` is null or says whether it is confirmed (SPEC I5).
#[utoipa::path(get, path = "/stint/v1/me/authenticators", tag = "stint",
    responses((status = 200, description = "The caller's authenticators, without secrets")))]
async fn my_authenticators(call: Call) -> ApiResult<Json<Value>> {
    let totp = call.view().me().and_then(|user| {
        let authenticator = user.authenticator.as_ref()?;
        Some(json!({
            "confirmed": authenticator.confirmed,
            "createdDateTime": wire::time(authenticator.created_at),
        }))
    });
    Ok(Json(json!({ "totp": totp.unwrap_or(Value::Null) })))
}

/// Enrols a TOTP authenticator and returns its secret and `otpauth://` URI, once. It counts after
/// a first code confirms it; enrolling again replaces an unconfirmed one (SPEC I5).
#[utoipa::path(post, path = "/stint/v1/me/authenticators/totp", tag = "stint",
    responses((status = 201, description = "`secret` (base32), `otpauthUri` and `confirmed: false`"),
              (status = 400, description = "A confirmed authenticator exists: remove or reset it first")))]
async fn enrol_totp(call: Call) -> ApiResult<(StatusCode, Json<Value>)> {
    let enrolled = call.app().enrol_totp(&call.session, &call.meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "secret": enrolled.value.secret,
            "otpauthUri": enrolled.value.otpauth_uri,
            "confirmed": false,
        })),
    ))
}

/// Confirms the new TOTP authenticator with a first code; from then on sign-ins need a code.
#[utoipa::path(post, path = "/stint/v1/me/authenticators/totp/confirm", tag = "stint",
    request_body = CodeBody,
    responses((status = 204, description = "Confirmed"),
              (status = 400, description = "No authenticator to confirm, or it is confirmed already"),
              (status = 403, description = "The code is wrong or was already used (InvalidTotpCode)"),
              (status = 429, description = "Too many wrong codes lately; the message says when to retry")))]
async fn confirm_totp(call: Call, GraphJson(body): GraphJson<CodeBody>) -> ApiResult<StatusCode> {
    let code = TotpCode::new(body.code);
    call.app()
        .confirm_totp(&call.session, &call.meta, code)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the caller's TOTP authenticator. A confirmed one needs a recent step-up on this token.
#[utoipa::path(delete, path = "/stint/v1/me/authenticators/totp", tag = "stint",
    responses(Removed,
              (status = 403, description = "No recent TOTP check on this token (MfaRequired): step up first"),
              (status = 404, description = "The caller has no authenticator")))]
async fn remove_totp(call: Call) -> ApiResult<StatusCode> {
    call.app().remove_totp(&call.session, &call.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a TOTP code and records a fresh MFA on the bearer token of this call (SPEC I5, V2, A5).
#[utoipa::path(post, path = "/stint/v1/auth/step-up", tag = "stint", request_body = CodeBody,
    responses((status = 200, description = "`mfaAt`: the token's new MFA time"),
              (status = 400, description = "The caller has no confirmed authenticator"),
              (status = 403, description = "The code is wrong or was already used (InvalidTotpCode)"),
              (status = 429, description = "Too many wrong codes lately; the message says when to retry")))]
async fn step_up(
    Meta(meta): Meta,
    State(server): State<ServerState>,
    parts: Parts,
    GraphJson(body): GraphJson<CodeBody>,
) -> ApiResult<Json<Value>> {
    let token = bearer_token(&parts).ok_or_else(ApiError::unauthenticated)?;
    let stepped_up = server
        .app
        .step_up(token, &meta, TotpCode::new(body.code))
        .await?;
    Ok(Json(json!({ "mfaAt": wire::time(stepped_up.value) })))
}

/// Resets a user's password and/or removes their TOTP authenticator, and ends their sessions.
/// Helpdesk, Authentication and User Administrators may, except for users who hold privileged
/// access: those only a Global or Privileged Role Administrator may reset (SPEC D8).
#[utoipa::path(post, path = "/stint/v1/users/{id}/resetCredentials", tag = "stint",
    request_body = ResetBody,
    params(UserPath),
    responses((status = 204, description = "Reset"),
              (status = 400, description = "Nothing to reset, or an invalid password"),
              (status = 403, description = "The caller may not reset this user's credentials"),
              NoSuchUser))]
async fn reset_credentials(
    call: Call,
    Path(key): Path<String>,
    GraphJson(body): GraphJson<ResetBody>,
) -> ApiResult<StatusCode> {
    let password = body.password.map(password).transpose()?;
    let target = resolve_id(&call, &key)?;
    let reset = CredentialReset {
        password,
        remove_authenticator: body.remove_authenticator.unwrap_or(false),
    };
    call.app()
        .reset_credentials(&call.session, &call.meta, target, reset)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the length of a new password, without ever echoing it.
fn password(text: String) -> ApiResult<Password> {
    let length = text.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
        return Err(ApiError::invalid_field(
            "password",
            format!("a password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long."),
        ));
    }
    Ok(Password::new(text))
}
