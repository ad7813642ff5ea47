//! `stint-console` owns Stint's web console (SPEC I3): server-rendered HTML pages under `/ui` for the people who use
//! Stint, mirroring Entra's "Privileged Identity Management > Groups" blades.
//!
//! Plain HTML forms that work without JavaScript; every state-changing form carries a CSRF value
//! ([`csrf`]); sessions are app-issued tokens in an `HttpOnly` cookie ([`session`]); every
//! response carries a strict Content-Security-Policy and the API's security headers. Handlers
//! read state for display and call one use case of `stint-app` per action: no rule lives here.

mod assets;
mod confirm;
mod csrf;
mod error;
mod forms;
mod layout;
mod pager;
mod pages;
mod qr;
mod session;
mod table;
mod widgets;
mod wording;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{Redirect, Response};
use axum::Router;
use stint_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use uuid::Uuid;

/// The console's Content-Security-Policy: no script at all, styles from our stylesheet only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The largest form the console accepts.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The id of the current console request, sent back in the `request-id` header and audited.
#[derive(Clone, Debug)]
pub(crate) struct RequestId(pub String);

/// What the console's handlers reach.
#[derive(Clone, Debug)]
pub struct UiState {
    pub app: Arc<App>,
    pub tracker: Arc<session::Tracker>,
}

/// The console's routes: `/` (which leads to `/ui`) and everything under `/ui`.
pub fn router(app: Arc<App>) -> Router {
    let state = UiState {
        app,
        tracker: Arc::new(session::Tracker::default()),
    };
    let (pages, _) = pages().into_parts();
    pages
        .with_state(state)
        .layer(axum::middleware::from_fn(security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a console handler panicked");
            axum::response::IntoResponse::into_response(error::UiError::Unavailable)
        }))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

/// Every route [`router`] answers, as (method, path template), recorded as it registers them.
pub fn routes() -> Vec<(Method, String)> {
    pages().into_parts().1
}

fn pages() -> pages::Pages {
    let pages = pages::Pages::new()
        .get("/", || async { Redirect::to("/ui") })
        .get("/ui", pages::home)
        .get("/ui/", pages::home)
        .get(assets::CSS_PATH, assets::css)
        .get(assets::ICON_PATH, assets::icon);
    pages::register(pages)
}

/// Request ids and the security headers on every console response.
async fn security_headers(mut request: Request, next: Next) -> Response {
    let request_id = Uuid::new_v4().to_string();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
