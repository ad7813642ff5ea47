//! Errors on the wire, in Microsoft Graph's shape:
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
//!
//! Policy: bad input is a 400 that names the field; a refused rule carries Graph's code where Graph
//! has one; a store failure is a 503 with no detail (the detail goes to the log). Never a stack
//! trace or SQL text in a response.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use stint_app::AppError;
use stint_core::{ErrorCode, Violation};

/// An error response. The request id and date are filled in by the response middleware.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// The `Retry-After` header, in seconds, of a 429 or 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// An error whose code, Graph string and status come from core's code table.
    pub fn of(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(code.http_status())
            .expect("the code table holds only HTTP error statuses");
        ApiError::new(status, code.as_str(), message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::of(ErrorCode::BadRequest, message)
    }

    pub fn invalid_field(field: &str, message: impl std::fmt::Display) -> Self {
        ApiError::bad_request(format!("Invalid value for '{field}': {message}"))
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::of(
            ErrorCode::ResourceNotFound,
            format!("{what} does not exist."),
        )
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token is missing, invalid or expired. Get one from POST /stint/v1/auth/token.",
        )
    }

    /// F3: a sign-in refused before any check, with when to try again.
    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after_seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!("Too many failed sign-ins for this user name or from this address. Try again in {retry_after_seconds} seconds."),
            )
        }
    }

    pub fn unavailable() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service cannot complete this request right now; retry shortly.",
        )
    }
}

impl From<Violation> for ApiError {
    fn from(violation: Violation) -> Self {
        let message = match violation.field {
            Some(field) if !violation.message.contains(field) => {
                format!("Invalid value for '{field}': {}", violation.message)
            }
            _ => violation.message,
        };
        ApiError::of(violation.code, message)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rule(violation) => violation.into(),
            AppError::Unauthenticated => ApiError::unauthenticated(),
            AppError::Store(store) => {
                tracing::error!(error = %store, "store failure");
                ApiError::unavailable()
            }
            AppError::Busy => ApiError {
                retry_after: Some(1),
                ..ApiError::unavailable()
            },
            AppError::Throttled {
                retry_after_seconds,
            } => ApiError::too_many_requests(retry_after_seconds),
        }
    }
}

impl From<stint_odata::ODataError> for ApiError {
    fn from(error: stint_odata::ODataError) -> Self {
        ApiError::bad_request(error.message())
    }
}

/// Marks a response as an error so the middleware can add `innerError`.
#[derive(Clone, Debug)]
pub struct ErrorBody;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer"),
            );
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(ErrorBody);
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
