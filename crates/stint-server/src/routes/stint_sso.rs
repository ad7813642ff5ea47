//! The command line's sign-in through the identity provider (O4), which needs no token:
//! `POST /stint/v1/auth/sso/token` redeems the one-time code of a loopback sign-in;
//! `POST /stint/v1/auth/sso/device` starts a device sign-in at the provider and
//! `POST /stint/v1/auth/sso/device/token` polls it. Tokens come back as `POST /stint/v1/auth/token`
//! gives them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use stint_app::auth::IssuedToken;
use stint_app::oidc::device::DeviceOutcome;
use stint_app::oidc::OidcError;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::extract::{GraphJson, Meta};
use crate::{ApiRouter, ServerState};

pub fn public_routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(redeem))
        .routes(routes!(start_device))
        .routes(routes!(poll_device))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redeem {
    /// The code the browser brought to the command line's loopback address.
    code: String,
    /// The PKCE verifier whose S256 challenge started the sign-in.
    code_verifier: String,
    /// The loopback address the sign-in returned to.
    redirect_uri: String,
}

stint_core::redacted_debug!(Redeem { redirect_uri });

/// O4: redeems the code of a command-line sign-in through the identity provider for a bearer
/// token. A code works once, for two minutes, with its verifier only.
#[utoipa::path(post, path = "/stint/v1/auth/sso/token", tag = "stint", request_body = Redeem,
    responses((status = 200, description = "A bearer token"),
              (status = 400, description = "invalid_grant: the code was used already, expired, or does not match the verifier"),
              (status = 404, description = "No identity provider is configured")))]
async fn redeem(
    State(server): State<ServerState>,
    Meta(meta): Meta,
    GraphJson(body): GraphJson<Redeem>,
) -> ApiResult<Json<Value>> {
    let issued = server
        .app
        .redeem_cli_code(&body.code, &body.code_verifier, &body.redirect_uri, &meta)
        .await
        .map_err(wire)?;
    Ok(token(issued))
}

/// O4: starts a sign-in with the device authorization grant (RFC 8628) at the identity provider:
/// the code to enter and where, and the handle to poll with.
#[utoipa::path(post, path = "/stint/v1/auth/sso/device", tag = "stint",
    responses((status = 200, description = "user_code, verification_uri, handle, interval, expires_in"),
              (status = 400, description = "DeviceFlowNotOffered: the identity provider does not offer the grant"),
              (status = 404, description = "No identity provider is configured")))]
async fn start_device(State(server): State<ServerState>) -> ApiResult<Json<Value>> {
    let started = server.app.start_device_sign_in().await.map_err(wire)?;
    Ok(Json(json!({
        "handle": started.handle,
        "user_code": started.user_code,
        "verification_uri": started.verification_uri,
        "verification_uri_complete": started.verification_uri_complete,
        "expires_in": started.expires_in,
        "interval": started.interval,
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    /// The handle `POST /stint/v1/auth/sso/device` returned.
    handle: String,
}

impl std::fmt::Debug for Poll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Poll { .. }")
    }
}

/// O4: asks the identity provider once whether the device sign-in has finished; a bearer token
/// once it has.
#[utoipa::path(post, path = "/stint/v1/auth/sso/device/token", tag = "stint", request_body = Poll,
    responses((status = 200, description = "A bearer token"),
              (status = 400, description = "authorization_pending or slow_down: poll again after the interval; expired_token: start again"),
              (status = 401, description = "access_denied: the person declined at the identity provider"),
              (status = 403, description = "The identity is not allowed to sign in to Stint")))]
async fn poll_device(
    State(server): State<ServerState>,
    Meta(meta): Meta,
    GraphJson(body): GraphJson<Poll>,
) -> ApiResult<Json<Value>> {
    match server
        .app
        .poll_device_sign_in(&body.handle, &meta)
        .await
        .map_err(wire)?
    {
        DeviceOutcome::SignedIn(issued) => Ok(token(issued)),
        DeviceOutcome::Pending => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            "The sign-in at the identity provider has not finished yet; poll again.",
        )),
        DeviceOutcome::SlowDown => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "slow_down",
            "Polled too often; wait five seconds longer between polls.",
        )),
    }
}

fn token(issued: IssuedToken) -> Json<Value> {
    Json(json!({
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in.num_seconds(),
    }))
}

/// A sign-in's error on the wire; codes as RFC 6749 §5.2 and RFC 8628 §3.5 name them.
fn wire(error: OidcError) -> ApiError {
    let error = match error {
        OidcError::App(error) => return error.into(),
        other => other,
    };
    let (status, code) = match &error {
        OidcError::NotConfigured => (StatusCode::NOT_FOUND, "NotConfigured"),
        OidcError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
        OidcError::Invalid => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The sign-in code or handle is not valid: it was used already, has expired, or does not belong to this sign-in. Start the sign-in again.",
            )
        }
        OidcError::Declined(_) => (StatusCode::UNAUTHORIZED, "access_denied"),
        OidcError::Refused(_) => (StatusCode::FORBIDDEN, "Authorization_RequestDenied"),
        OidcError::NoDeviceFlow => (StatusCode::BAD_REQUEST, "DeviceFlowNotOffered"),
        OidcError::Expired => (StatusCode::BAD_REQUEST, "expired_token"),
        OidcError::Unacceptable(_) => (StatusCode::BAD_REQUEST, "BadRequest"),
        OidcError::App(_) => (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable"),
    };
    ApiError::new(status, code, capitalised(&error.to_string()))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
