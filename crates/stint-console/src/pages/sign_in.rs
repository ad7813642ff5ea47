//! Sign-in (SPEC I5): user name and password, then a TOTP code when the account has an
//! authenticator; and sign-out, which ends the session on the server.
//!
//! The app signs in, audits failures, throttles wrong passwords (F3: 429 with `Retry-After` and
//! "Too many attempts. Try again in N minutes.") and applies the TOTP rate limit, as for the API. A
//! successful sign-in's token is the console session, issued for [`SESSION_LIFETIME`] (one
//! sign-in, one audit event); a new token at each sign-in. Before sign-in, the forms
//! are protected by a double-submit cookie.

use std::collections::HashMap;

use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::{AppError, CallMeta, Password};
use stint_core::rules::federation::LocalSignIn;
use stint_core::totp::TotpCode;
use stint_core::ErrorCode;

use crate::error::UiError;
use crate::forms::{read_form, Errors, FormData, Posted};
use crate::layout::{bare_page, error_summary, notice, Tone};
use crate::session::{
    self, call_meta, clear_cookie, cookie, is_secure, PendingSignIn, PENDING_COOKIE,
    PRESESSION_COOKIE, SESSION_COOKIE, SESSION_LIFETIME,
};
use crate::widgets::{Field, Kind};
use crate::{csrf, UiState};

const WRONG_PASSWORD: &str = "The user name or password is incorrect, or the account is disabled.";

/// `GET /ui/sign-in`
pub async fn form(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let next = safe_next(query.get("next").map(String::as_str));
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if ui.app.authenticate(&token).is_ok() {
            return Redirect::to(&next).into_response();
        }
    }
    let message = match query.get("notice").map(String::as_str) {
        Some("idle") => Some("You were signed out after 30 minutes without activity."),
        Some("session-ended") => Some("Your session has ended. Sign in again."),
        Some("signed-out") => Some("You are signed out."),
        _ => None,
    };
    let (value, set) = presession(&headers);
    let body = sign_in_page(&ui, &value, &next, "", &Errors::default(), message);
    with_presession(body, set.then_some(value.as_str()), is_secure(&headers))
}

/// `POST /ui/sign-in`
pub async fn submit(State(ui): State<UiState>, post: SignInPost) -> Response {
    let user_name = post.form.get("username").unwrap_or_default();
    let Some(password) = post.form.raw("password").map(Password::new) else {
        let mut errors = Errors::default();
        if user_name.is_empty() {
            errors.add("username", "Enter your user name.");
        }
        errors.add("password", "Enter your password.");
        let value = post.csrf_value();
        return (
            StatusCode::BAD_REQUEST,
            sign_in_page(&ui, &value, &post.next, &user_name, &errors, None),
        )
            .into_response();
    };
    let outcome = ui
        .app
        .sign_in_lasting(
            &user_name,
            password.clone(),
            None,
            SESSION_LIFETIME,
            &post.meta,
        )
        .await;
    match outcome {
        Ok(issued) => start_session(&ui, &post, &issued.token).await,
        Err(AppError::Rule(violation)) if violation.code == ErrorCode::MfaRequired => {
            let key = ui.tracker.hold(PendingSignIn {
                user_name: user_name.clone(),
                password,
                since: ui.app.now(),
            });
            let value = post.csrf_value();
            let mut response =
                totp_page(&value, &post.next, &user_name, &Errors::default()).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                session::sign_in_cookie(PENDING_COOKIE, &key, post.secure),
            );
            response
        }
        Err(error) => {
            let mut errors = Errors::default();
            let throttled = throttled_for(&error);
            match error {
                AppError::Unauthenticated => errors.add("password", WRONG_PASSWORD),
                other => errors = Errors::from_app(other, &|_| None),
            }
            let value = post.csrf_value();
            let page = sign_in_page(&ui, &value, &post.next, &user_name, &errors, None);
            refusal(page, throttled)
        }
    }
}

/// `GET /ui/sign-in/totp`: the TOTP step again, while the sign-in waits.
pub async fn totp_form(State(ui): State<UiState>, headers: HeaderMap) -> Response {
    let pending =
        cookie(&headers, PENDING_COOKIE).and_then(|key| ui.tracker.pending(&key, ui.app.now()));
    let Some(pending) = pending else {
        return Redirect::to("/ui/sign-in").into_response();
    };
    let (value, set) = presession(&headers);
    let body = totp_page(
        &value,
        "/ui/my-roles",
        &pending.user_name,
        &Errors::default(),
    );
    with_presession(body, set.then_some(value.as_str()), is_secure(&headers))
}

/// `POST /ui/sign-in/totp`
pub async fn totp_submit(State(ui): State<UiState>, post: SignInPost) -> Response {
    let key = cookie(&post.headers, PENDING_COOKIE).unwrap_or_default();
    let Some(pending) = ui.tracker.pending(&key, ui.app.now()) else {
        let value = post.csrf_value();
        let body = sign_in_page(
            &ui,
            &value,
            &post.next,
            "",
            &Errors::default(),
            Some("The sign-in waited too long for its code. Enter your password again."),
        );
        return (StatusCode::UNAUTHORIZED, body).into_response();
    };
    let Some(code) = post.form.get("code") else {
        let mut errors = Errors::default();
        errors.add(
            "code",
            "Enter the 6-digit code from your authenticator app.",
        );
        let value = post.csrf_value();
        return (
            StatusCode::BAD_REQUEST,
            totp_page(&value, &post.next, &pending.user_name, &errors),
        )
            .into_response();
    };
    let outcome = ui
        .app
        .sign_in_lasting(
            &pending.user_name,
            pending.password.clone(),
            Some(TotpCode::new(code)),
            SESSION_LIFETIME,
            &post.meta,
        )
        .await;
    match outcome {
        Ok(issued) => {
            ui.tracker.release(&key);
            let mut response = start_session(&ui, &post, &issued.token).await;
            response.headers_mut().append(
                header::SET_COOKIE,
                clear_cookie(PENDING_COOKIE, "/ui/sign-in", post.secure),
            );
            response
        }
        Err(error) => {
            let mut errors = Errors::default();
            let throttled = throttled_for(&error);
            match error {
                AppError::Rule(violation) if violation.code == ErrorCode::MfaRequired => {
                    errors.add(
                        "code",
                        "That code is not correct or was already used. Type the current code of your authenticator app.",
                    );
                }
                AppError::Rule(violation) if violation.code == ErrorCode::TooManyAttempts => {
                    errors.add("code", violation.in_words());
                }
                AppError::Unauthenticated => {
                    ui.tracker.release(&key);
                    errors.general(WRONG_PASSWORD);
                }
                other => errors = Errors::from_app(other, &|_| Some("code")),
            }
            let value = post.csrf_value();
            refusal(
                totp_page(&value, &post.next, &pending.user_name, &errors),
                throttled,
            )
        }
    }
}

/// `POST /ui/sign-out`: revokes the session token and forgets it.
pub async fn sign_out(Posted { console, .. }: Posted) -> Response {
    let _ = console.app.sign_out(&console.token, &console.meta).await;
    console
        .tracker
        .forget(&stint_core::auth::TokenHash::of(&console.token));
    let mut response = Redirect::to("/ui/sign-in?notice=signed-out").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(SESSION_COOKIE, "/", console.secure),
    );
    response
}

/// Makes the sign-in's token the console session and goes on to `next`.
async fn start_session(ui: &UiState, post: &SignInPost, token: &str) -> Response {
    let session = match open_session(ui, &post.headers, &post.meta, token).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let secure = post.secure;
    let mut response = Redirect::to(&post.next).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session::session_cookie(&session, secure),
    );
    headers.append(
        header::SET_COOKIE,
        clear_cookie(PRESESSION_COOKIE, "/ui/sign-in", secure),
    );
    response
}

/// Makes the token of a sign-in, issued with [`SESSION_LIFETIME`], the browser's session,
/// ending the browser's previous session.
pub(super) async fn open_session(
    ui: &UiState,
    headers: &HeaderMap,
    meta: &CallMeta,
    token: &str,
) -> Result<String, Response> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        if ui.app.authenticate(&old).is_ok() {
            let _ = ui.app.sign_out(&old, meta).await;
        }
    }
    ui.app
        .authenticate(token)
        .map_err(|error| UiError::from(error).into_response())?;
    ui.tracker.start(token, ui.app.now());
    Ok(token.to_owned())
}

/// F3: the `Retry-After` of a throttled sign-in.
fn throttled_for(error: &AppError) -> Option<u64> {
    match error {
        AppError::Throttled {
            retry_after_seconds,
        } => Some(*retry_after_seconds),
        _ => None,
    }
}

/// A refused sign-in's page: 401, or 429 with `Retry-After` when throttled (F3).
fn refusal(page: Markup, throttled: Option<u64>) -> Response {
    match throttled {
        Some(seconds) => {
            let mut response = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
            response
        }
        None => (StatusCode::UNAUTHORIZED, page).into_response(),
    }
}

/// The double-submit value: the request's cookie, or a new one (`true`: set it).
fn presession(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, PRESESSION_COOKIE) {
        Some(value) if value.len() >= 16 && value.len() <= 64 => (value, false),
        _ => (csrf::random_value(), true),
    }
}

/// A posted sign-in form that passed the double-submit check, with what its answer needs.
pub struct SignInPost {
    headers: HeaderMap,
    meta: CallMeta,
    form: FormData,
    secure: bool,
    /// Where to go once signed in.
    next: String,
}

impl SignInPost {
    /// The double-submit value, to put back in the page that answers.
    fn csrf_value(&self) -> String {
        self.form.value(csrf::FIELD)
    }
}

impl FromRequest<UiState> for SignInPost {
    type Rejection = Response;

    async fn from_request(request: Request, ui: &UiState) -> Result<SignInPost, Response> {
        let headers = request.headers().clone();
        let (parts, body) = request.into_parts();
        let meta = call_meta(&parts);
        let form = read_form(Request::from_parts(parts, body), ui).await?;
        check_presession(&headers, &form).map_err(|refused| *refused)?;
        Ok(SignInPost {
            secure: is_secure(&headers),
            next: safe_next(form.get("next").as_deref()),
            headers,
            meta,
            form,
        })
    }
}

fn check_presession(headers: &HeaderMap, form: &FormData) -> Result<(), Box<Response>> {
    let expected = cookie(headers, PRESESSION_COOKIE).unwrap_or_default();
    let given = form.raw(csrf::FIELD).unwrap_or_default();
    if csrf::same(given, &expected) {
        Ok(())
    } else {
        Err(Box::new(UiError::csrf().into_response()))
    }
}

fn with_presession(body: Markup, set: Option<&str>, secure: bool) -> Response {
    let mut response = body.into_response();
    if let Some(value) = set {
        response.headers_mut().append(
            header::SET_COOKIE,
            session::sign_in_cookie(PRESESSION_COOKIE, value, secure),
        );
    }
    response
}

/// Only a console path: never another site (no open redirect).
pub(super) fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with("/ui/") && !n.contains("//") && !n.contains('\\'))
        .filter(|n| n.len() <= 512 && n.chars().all(|c| c.is_ascii_graphic()))
        .filter(|n| !n.starts_with("/ui/sign-in"))
        .unwrap_or("/ui/my-roles")
        .to_string()
}

fn sign_in_page(
    ui: &UiState,
    csrf_value: &str,
    next: &str,
    user_name: &str,
    errors: &Errors,
    message: Option<&str>,
) -> Markup {
    let provider = ui.app.oidc().map(|oidc| oidc.display_name().to_owned());
    let passwords = ui.app.config().local_sign_in;
    bare_page(
        "Sign in",
        html! {
            div.card.narrow {
                h1 { "Sign in" }
                p.subtitle { "Privileged Identity Management for groups" }
                @if let Some(message) = message { (notice(Tone::Info, message, None)) }
                (error_summary(errors))
                @if let Some(provider) = &provider {
                    div.actions {
                        a.button.primary href=(format!("/ui/auth/oidc/start?next={}", session::encode(next))) {
                            "Sign in with " (provider)
                        }
                    }
                }
                @if passwords != LocalSignIn::Off {
                    @if provider.is_some() && passwords == LocalSignIn::Admins {
                        p.hint { "Administrators may also sign in with a password." }
                    }
                    form method="post" action="/ui/sign-in" novalidate {
                        input type="hidden" name=(csrf::FIELD) value=(csrf_value);
                        input type="hidden" name="next" value=(next);
                        (Field::new(Kind::Text, "username", "User name")
                            .value(user_name).required(true).autocomplete("username")
                            .autofocus(user_name.is_empty()).errors(errors).render())
                        (Field::new(Kind::Password, "password", "Password")
                            .required(true).autocomplete("current-password")
                            .autofocus(!user_name.is_empty()).errors(errors).render())
                        div.actions {
                            @if provider.is_some() {
                                button.button.secondary type="submit" { "Sign in with a password" }
                            } @else {
                                button.button.primary type="submit" { "Sign in" }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn totp_page(csrf_value: &str, next: &str, user_name: &str, errors: &Errors) -> Markup {
    bare_page(
        "Enter your code",
        html! {
            div.card.narrow {
                h1 { "Enter your code" }
                p.subtitle { "Signing in as " strong { (user_name) } }
                (error_summary(errors))
                form method="post" action="/ui/sign-in/totp" novalidate {
                    input type="hidden" name=(csrf::FIELD) value=(csrf_value);
                    input type="hidden" name="next" value=(next);
                    (Field::new(Kind::Code, "code", "Authenticator code")
                        .hint("The 6-digit code your authenticator app shows for Stint.")
                        .required(true).autofocus(true).errors(errors).render())
                    div.actions {
                        button.button.primary type="submit" { "Verify and sign in" }
                        a.button.secondary href="/ui/sign-in" { "Start again" }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_in_the_console() {
        assert_eq!(safe_next(Some("/ui/groups")), "/ui/groups");
        assert_eq!(safe_next(Some("https://evil.example")), "/ui/my-roles");
        assert_eq!(safe_next(Some("/ui//evil.example")), "/ui/my-roles");
        assert_eq!(safe_next(None), "/ui/my-roles");
    }
}
