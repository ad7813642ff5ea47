//! Pages for requests the console cannot serve: a refused form (CSRF), something that does not
//! exist, a call the rules refuse outright, and failures of the service. Never a stack trace or a
//! store detail; the store detail goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use stint_app::AppError;

use super::layout::bare_page;

/// Why a console request failed as a whole.
#[derive(Debug, Clone)]
pub enum UiError {
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
    Unavailable,
}

impl UiError {
    /// A form without the session's CSRF value.
    pub fn csrf() -> UiError {
        UiError::Forbidden(
            "This form was not sent from this session's page, so nothing was changed. Go back, reload the page and try again."
                .into(),
        )
    }

    pub fn not_found(what: impl std::fmt::Display) -> UiError {
        UiError::NotFound(format!("{what} does not exist, or you may not see it."))
    }
}

impl From<AppError> for UiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rule(violation) => match violation.code.http_status() {
                403 => UiError::Forbidden(violation.in_words()),
                404 => UiError::NotFound(violation.in_words()),
                _ => UiError::BadRequest(violation.in_words()),
            },
            AppError::Unauthenticated => {
                UiError::Forbidden("Your session ended; sign in again.".into())
            }
            AppError::Store(store) => {
                tracing::error!(error = %store, "store failure");
                UiError::Unavailable
            }
            AppError::Busy => UiError::Unavailable,
            AppError::Throttled {
                retry_after_seconds,
            } => UiError::BadRequest(too_many_attempts(retry_after_seconds)),
        }
    }
}

/// F3: what the console says to a throttled sign-in, in whole minutes.
pub fn too_many_attempts(retry_after_seconds: u64) -> String {
    let minutes = retry_after_seconds.div_ceil(60).max(1);
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("Too many attempts. Try again in {minutes} {unit}.")
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            UiError::BadRequest(message) => (StatusCode::BAD_REQUEST, "That did not work", message),
            UiError::Forbidden(message) => (StatusCode::FORBIDDEN, "Not allowed", message),
            UiError::NotFound(message) => (StatusCode::NOT_FOUND, "Not found", message),
            UiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again shortly",
                "The service cannot complete this request right now.".to_string(),
            ),
        };
        let body = bare_page(
            title,
            html! {
                div.card.narrow {
                    h1 { (title) }
                    p { (message) }
                    p { a.button.secondary href="/ui" { "Back to Stint" } }
                }
            },
        );
        (status, body).into_response()
    }
}
