//! Console sessions.
//!
//! A session is a bearer token the app issues at sign-in for [`SESSION_LIFETIME`] (and anew at
//! step-up, see `App::exchange_token`), carried in the
//! `stint_session` cookie (`HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` behind TLS). Because
//! it is an access token in the store, it works on every node and ends on the server at sign-out.
//!
//! - **Absolute timeout**: the token's lifetime, [`SESSION_LIFETIME`] from sign-in; rotation at
//!   step-up keeps the original end.
//! - **Idle timeout**: [`IDLE_TIMEOUT`] without a request ends the session. The last-seen times are
//!   kept per node in memory: behind a load balancer without sticky sessions a node that has not
//!   seen a session yet starts counting from the first request it sees.
//! - **Pending sign-ins**: between the password and the TOTP step, the user name and password wait
//!   in this node's memory for at most [`PENDING_SIGN_IN`], under a random key in the
//!   `stint_pending` cookie; the password never goes back to the browser.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, TimeDelta, Utc};
use stint_app::{App, AppResult, CallMeta, Committed, Password, Session, View};
use stint_core::auth::TokenHash;
use stint_core::ids::UserId;
use stint_core::request::ScheduleRequest;
use stint_core::rules::assignments::RequestInput;
use stint_core::time_zone::TimeZone;

use super::{csrf, UiState};
use crate::RequestId;

/// The session cookie.
pub const SESSION_COOKIE: &str = "stint_session";
/// The pre-session double-submit cookie of the sign-in forms.
pub const PRESESSION_COOKIE: &str = "stint_presession";
/// The key of a sign-in waiting for its TOTP code.
pub const PENDING_COOKIE: &str = "stint_pending";
/// How long a console session lasts at most (absolute timeout).
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(8);
/// How long a console session lasts without a request (idle timeout).
pub const IDLE_TIMEOUT: TimeDelta = TimeDelta::minutes(30);
/// How long a sign-in waits for its TOTP code.
pub const PENDING_SIGN_IN: TimeDelta = TimeDelta::minutes(5);
/// Bounds on what this node remembers, so that nobody can fill its memory.
const MAX_TRACKED: usize = 50_000;

/// A sign-in whose password was right, waiting for the TOTP code.
#[derive(Clone, Debug)]
pub struct PendingSignIn {
    pub user_name: String,
    pub password: Password,
    pub since: DateTime<Utc>,
}

/// What this node remembers about console sessions.
#[derive(Debug, Default)]
pub struct Tracker {
    last_seen: Mutex<HashMap<TokenHash, DateTime<Utc>>>,
    pending: Mutex<HashMap<String, PendingSignIn>>,
}

/// Whether a session may go on.
#[derive(Debug, PartialEq, Eq)]
pub enum Activity {
    Fresh,
    Idle,
}

impl Tracker {
    /// Records a request of the session `hash` at `now`; `Idle` when it was quiet too long.
    pub fn touch(&self, hash: &TokenHash, now: DateTime<Utc>) -> Activity {
        let mut seen = self
            .last_seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(last) = seen.get(hash) {
            if now - *last > IDLE_TIMEOUT {
                seen.remove(hash);
                return Activity::Idle;
            }
        }
        if seen.len() >= MAX_TRACKED {
            seen.retain(|_, last| now - *last <= IDLE_TIMEOUT);
        }
        seen.insert(hash.clone(), now);
        Activity::Fresh
    }

    /// Forgets a session (signed out or rotated).
    pub fn forget(&self, hash: &TokenHash) {
        self.last_seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(hash);
    }

    /// Starts counting a new session from `now`.
    pub fn start(&self, token: &str, now: DateTime<Utc>) {
        let _ = self.touch(&TokenHash::of(token), now);
    }

    /// Keeps a sign-in for its TOTP step; returns the key for the cookie.
    pub fn hold(&self, pending: PendingSignIn) -> String {
        let key = csrf::random_value();
        let mut held = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let now = pending.since;
        held.retain(|_, p| now - p.since <= PENDING_SIGN_IN);
        if held.len() >= MAX_TRACKED {
            return key;
        }
        held.insert(key.clone(), pending);
        key
    }

    /// The sign-in waiting under `key`, if it has not timed out.
    pub fn pending(&self, key: &str, now: DateTime<Utc>) -> Option<PendingSignIn> {
        let held = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(key)
            .filter(|p| now - p.since <= PENDING_SIGN_IN)
            .cloned()
    }

    pub fn release(&self, key: &str) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

/// The signed-in user as the pages show them.
#[derive(Clone, Debug)]
pub struct Me {
    pub id: UserId,
    pub user_principal_name: String,
    pub display_name: String,
    pub has_totp: bool,
    /// O1: linked to an identity at the OpenID Provider.
    pub federated: bool,
    /// Where notifications reach them.
    pub mail: Option<String>,
    /// The zone their times are shown and read in.
    pub zone: TimeZone,
}

/// Everything a console page knows about its request: who is signed in, with which token, the
/// CSRF value of their forms, and the facts that go into audit events.
#[derive(Clone, Debug)]
pub struct Console {
    pub app: Arc<App>,
    pub tracker: Arc<Tracker>,
    pub token: String,
    pub session: Session,
    pub me: Me,
    pub csrf: String,
    pub meta: CallMeta,
    pub secure: bool,
    pub now: DateTime<Utc>,
    /// A `Set-Cookie` to send with the response, when the session was rotated during the request.
    pub set_cookie: Option<HeaderValue>,
}

impl Console {
    /// Takes on a new session token (after a step-up rotated it): the next forms carry its CSRF
    /// value and the response sets its cookie.
    pub fn rotate_to(&mut self, new_token: String) -> Result<(), stint_app::AppError> {
        let session = self.app.authenticate(&new_token)?;
        self.tracker.forget(&TokenHash::of(&self.token));
        self.tracker.start(&new_token, self.now);
        self.set_cookie = Some(session_cookie(&new_token, self.secure));
        self.csrf = csrf::token_for(&new_token);
        self.session = session;
        self.token = new_token;
        Ok(())
    }

    /// Submits a schedule request as the signed-in user (the use case of every assignment form).
    pub async fn submit_request(
        &self,
        input: RequestInput,
    ) -> AppResult<Committed<ScheduleRequest>> {
        self.app
            .submit_request(&self.session, &self.meta, input)
            .await
    }

    /// `response` with the rotated session's cookie, if any.
    pub fn finish(&self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        if let Some(cookie) = &self.set_cookie {
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookie.clone());
        }
        response
    }

    /// The zone the signed-in user reads and types times in.
    pub fn zone(&self) -> TimeZone {
        self.me.zone
    }

    /// What the signed-in user may read now. Drop it before awaiting anything.
    pub fn view(&self) -> View<'_> {
        self.app.view(&self.session)
    }
}

impl FromRequestParts<UiState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ui: &UiState) -> Result<Self, Response> {
        let secure = is_secure(&parts.headers);
        let back_to_sign_in = |reason: Option<&str>| {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .filter(|p| parts.method == axum::http::Method::GET && p.starts_with("/ui/"))
                .unwrap_or("/ui/my-roles");
            let mut location = format!("/ui/sign-in?next={}", encode(next));
            if let Some(reason) = reason {
                location.push_str("&notice=");
                location.push_str(reason);
            }
            let mut response = Redirect::to(&location).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                clear_cookie(SESSION_COOKIE, "/", secure),
            );
            response
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(back_to_sign_in(None));
        };
        let app = ui.app.clone();
        let meta = call_meta(parts);
        let Ok(session) = app.authenticate(&token) else {
            return Err(back_to_sign_in(Some("session-ended")));
        };
        let now = app.now();
        if ui.tracker.touch(&TokenHash::of(&token), now) == Activity::Idle {
            let _ = app.sign_out(&token, &meta).await;
            return Err(back_to_sign_in(Some("idle")));
        }
        let me = app.view(&session).me().map(|user| Me {
            id: user.id,
            user_principal_name: user.user_principal_name.clone(),
            display_name: user.display_name.clone(),
            has_totp: user.authenticator.as_ref().is_some_and(|a| a.confirmed),
            federated: !user.identities.is_empty(),
            mail: user.mail.clone(),
            zone: user.time_zone.unwrap_or_default(),
        });
        let Some(me) = me else {
            return Err(back_to_sign_in(Some("session-ended")));
        };
        Ok(Console {
            csrf: csrf::token_for(&token),
            tracker: ui.tracker.clone(),
            app,
            token,
            session,
            me,
            meta,
            secure,
            now,
            set_cookie: None,
        })
    }
}

/// Request id and client address, for audit events.
pub fn call_meta(parts: &Parts) -> CallMeta {
    CallMeta {
        request_id: parts.extensions.get::<RequestId>().map(|id| id.0.clone()),
        client: parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip().to_string()),
    }
}

/// Whether the browser reached us over TLS (directly, or through a proxy that says so).
pub fn is_secure(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` for a session token.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let max_age = SESSION_LIFETIME.num_seconds();
    build_cookie(SESSION_COOKIE, token, "/", Some(max_age), secure)
}

/// `Set-Cookie` for a short-lived cookie of the sign-in pages.
pub fn sign_in_cookie(name: &str, value: &str, secure: bool) -> HeaderValue {
    build_cookie(
        name,
        value,
        "/ui/sign-in",
        Some(PENDING_SIGN_IN.num_seconds() * 6),
        secure,
    )
}

/// `Set-Cookie` that removes a cookie.
pub fn clear_cookie(name: &str, path: &str, secure: bool) -> HeaderValue {
    build_cookie(name, "", path, Some(0), secure)
}

fn build_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
    secure: bool,
) -> HeaderValue {
    let mut text = format!("{name}={value}; HttpOnly; SameSite=Strict; Path={path}");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("stint_invalid=1"))
}

/// Percent-encodes a path for a query parameter.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::minutes(minutes)
    }

    #[test]
    fn a_session_quiet_for_longer_than_the_idle_timeout_ends() {
        let tracker = Tracker::default();
        let hash = TokenHash::of("stint_x");
        assert_eq!(tracker.touch(&hash, at(0)), Activity::Fresh);
        assert_eq!(tracker.touch(&hash, at(29)), Activity::Fresh);
        assert_eq!(tracker.touch(&hash, at(59)), Activity::Fresh);
        assert_eq!(tracker.touch(&hash, at(90)), Activity::Idle);
    }

    #[test]
    fn a_pending_sign_in_times_out() {
        let tracker = Tracker::default();
        let key = tracker.hold(PendingSignIn {
            user_name: "alice".into(),
            password: Password::new("pw"),
            since: at(0),
        });
        assert!(tracker.pending(&key, at(4)).is_some());
        assert!(tracker.pending(&key, at(6)).is_none());
        assert!(tracker.pending("other", at(1)).is_none());
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; stint_session=tok; stint_session_x=2"),
        );
        assert_eq!(cookie(&headers, "stint_session").as_deref(), Some("tok"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_strict() {
        let text = session_cookie("tok", true);
        let text = text.to_str().unwrap_or_default();
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict"));
        assert!(text.contains("Path=/;") && text.ends_with("Secure"));
        assert!(!session_cookie("tok", false)
            .to_str()
            .unwrap_or_default()
            .contains("Secure"));
    }
}
