//! Sign-in through the organisation's OpenID Provider (O1, O2): `GET /ui/auth/oidc/start` sends
//! the browser to the provider with the login state sealed in a short-lived cookie; the provider
//! sends it back to `GET /ui/auth/oidc/callback`, which signs the person in with a console session
//! as the password sign-in does, or shows in plain words why not. `GET /ui/auth/oidc/cli` is the
//! same sign-in for `stint login --sso` (O4): the callback then sends the browser on to the
//! command line's loopback address with a one-time code, or with why not. `GET /ui/auth/oidc/step-up`
//! sends a signed-in person back to the provider to authenticate again (`prompt=login`,
//! `max_age=0`, the policy's authentication context as `acr_values`) before an activation that
//! needs a fresh MFA; the session it comes back with replaces the one that left.
//!
//! The login-state cookie is `SameSite=Lax`, so that it comes back with the provider's redirect;
//! the session cookie is `Strict`, so the callback answers with a page that moves on to the
//! console by itself (a redirect would carry the provider's site and lose the new session).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use stint_app::oidc::provider::AuthorizationOptions;
use stint_app::oidc::{Callback, CliReturn, Landing, OidcError, SignInRequest, StepUp};
use stint_core::auth::TokenHash;

use crate::layout::bare_page;
use crate::session::{self, call_meta, cookie, is_secure, Console, SESSION_LIFETIME};
use crate::UiState;

/// The cookie that carries a sign-in's sealed state to the provider and back.
pub const LOGIN_STATE_COOKIE: &str = "stint_oidc";
const COOKIE_PATH: &str = "/ui/auth/oidc";

/// `GET /ui/auth/oidc/start?next=…&login_hint=…`
pub async fn start(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let request = SignInRequest {
        return_to: super::sign_in::safe_next(query.get("next").map(String::as_str)),
        options: AuthorizationOptions {
            login_hint: query.get("login_hint").filter(|h| h.len() <= 256).cloned(),
            ..AuthorizationOptions::default()
        },
        step_up: None,
        cli: None,
    };
    leave_for_provider(&ui, request, is_secure(&headers)).await
}

/// `GET /ui/auth/oidc/cli?redirect_uri=…&code_challenge=…&code_challenge_method=S256&state=…`:
/// the sign-in of `stint login --sso` (O4).
pub async fn cli(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let secure = is_secure(&headers);
    if ui.app.oidc().is_none() {
        return refusal(&OidcError::NotConfigured, secure);
    }
    let param = |name: &str| query.get(name).map(String::as_str);
    let back = CliReturn::parse(
        param("redirect_uri"),
        param("code_challenge"),
        param("code_challenge_method"),
        param("state"),
    );
    let back = match back {
        Ok(back) => back,
        Err(why) => return refusal(&OidcError::Unacceptable(why), secure),
    };
    let request = SignInRequest {
        return_to: "/ui/my-roles".into(),
        options: AuthorizationOptions {
            login_hint: param("login_hint")
                .filter(|h| h.len() <= 256)
                .map(str::to_owned),
            ..AuthorizationOptions::default()
        },
        step_up: None,
        cli: Some(back),
    };
    leave_for_provider(&ui, request, secure).await
}

/// `GET /ui/auth/oidc/step-up?next=…&acr=…`: authenticate again at the provider.
pub async fn step_up(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let ui = UiState {
        app: console.app.clone(),
        tracker: console.tracker.clone(),
    };
    let request = SignInRequest {
        return_to: super::sign_in::safe_next(query.get("next").map(String::as_str)),
        options: AuthorizationOptions {
            login_hint: console.me.mail.clone(),
            reauthenticate: true,
            acr_values: query
                .get("acr")
                .filter(|acr| !acr.is_empty() && acr.len() <= 128)
                .cloned()
                .into_iter()
                .collect(),
        },
        step_up: Some(StepUp {
            user: console.me.id,
            session: TokenHash::of(&console.token),
        }),
        cli: None,
    };
    leave_for_provider(&ui, request, console.secure).await
}

async fn leave_for_provider(ui: &UiState, request: SignInRequest, secure: bool) -> Response {
    match ui.app.start_oidc_sign_in(request).await {
        Ok(started) => {
            let mut response = Redirect::to(&started.url).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                login_state_cookie(&started.cookie, secure),
            );
            response
        }
        Err(error) => refusal(&error, secure),
    }
}

/// `GET /ui/auth/oidc/callback?state=…&code=…` (or `error=…`)
pub async fn callback(
    State(ui): State<UiState>,
    Query(query): Query<HashMap<String, String>>,
    parts: Parts,
) -> Response {
    let meta = call_meta(&parts);
    let headers = &parts.headers;
    let secure = is_secure(headers);
    let callback = Callback {
        state: query.get("state").cloned().unwrap_or_default(),
        code: query.get("code").cloned(),
        error: query.get("error").cloned(),
    };
    let sealed = cookie(headers, LOGIN_STATE_COOKIE);
    let outcome = ui
        .app
        .finish_oidc_sign_in(sealed.as_deref(), &callback, &meta, SESSION_LIFETIME)
        .await;
    let signed_in = match outcome {
        Ok(Landing::Console(signed_in)) => signed_in,
        Ok(Landing::Cli { redirect }) => {
            let mut response = Redirect::to(&redirect).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                session::clear_cookie(LOGIN_STATE_COOKIE, COOKIE_PATH, secure),
            );
            return response;
        }
        Err(error) => return refusal(&error, secure),
    };
    let session =
        match super::sign_in::open_session(&ui, headers, &meta, &signed_in.token.token).await {
            Ok(session) => session,
            Err(response) => return response,
        };
    let next = signed_in.return_to;
    let body = bare_page(
        "Signed in",
        html! {
            meta http-equiv="refresh" content=(format!("0;url={next}"));
            div.card.narrow {
                h1 { "Signed in" }
                p { a.button.primary href=(next) { "Continue to Stint" } }
            }
        },
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session::session_cookie(&session, secure),
    );
    headers.append(
        header::SET_COOKIE,
        session::clear_cookie(LOGIN_STATE_COOKIE, COOKIE_PATH, secure),
    );
    response
}

/// The page of a sign-in that did not succeed, in plain words.
fn refusal(error: &OidcError, secure: bool) -> Response {
    let (status, message) = match error {
        OidcError::NotConfigured => (
            StatusCode::NOT_FOUND,
            "Sign-in through an identity provider is not set up for this Stint.".to_string(),
        ),
        OidcError::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Your identity provider cannot be reached right now. Try again in a few minutes."
                .to_string(),
        ),
        OidcError::Invalid => (
            StatusCode::BAD_REQUEST,
            "This sign-in could not be verified: it took too long, was started in another browser, or your identity provider's answer was not valid. Start again.".to_string(),
        ),
        OidcError::Declined(_) => (
            StatusCode::UNAUTHORIZED,
            "Your identity provider did not sign you in. Start again.".to_string(),
        ),
        OidcError::Refused(message) => (StatusCode::FORBIDDEN, message.clone()),
        OidcError::Unacceptable(message) => (StatusCode::BAD_REQUEST, message.clone()),
        OidcError::Expired => (
            StatusCode::BAD_REQUEST,
            "This sign-in took too long. Start again.".to_string(),
        ),
        OidcError::NoDeviceFlow => (
            StatusCode::NOT_FOUND,
            "Your identity provider does not offer sign-in with a code.".to_string(),
        ),
        OidcError::App(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Stint cannot sign you in right now. Try again in a few minutes.".to_string(),
        ),
    };
    let body = bare_page(
        "Sign-in refused",
        html! {
            div.card.narrow {
                h1 { "You are not signed in" }
                p.refusal { (message) }
                p { a.button.secondary href="/ui/sign-in" { "Back to sign-in" } }
            }
        },
    );
    let mut response = (status, body).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(LOGIN_STATE_COOKIE, COOKIE_PATH, secure),
    );
    response
}

/// `Set-Cookie` of the sealed login state: `SameSite=Lax`, so that the provider's redirect
/// brings it back; only for the callback's path, for as long as a sign-in may take.
fn login_state_cookie(value: &str, secure: bool) -> HeaderValue {
    let max_age = stint_app::oidc::login_state::LOGIN_STATE_LIFETIME.num_seconds();
    let mut text = format!(
        "{LOGIN_STATE_COOKIE}={value}; HttpOnly; SameSite=Lax; Path={COOKIE_PATH}; Max-Age={max_age}"
    );
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("stint_invalid=1"))
}
