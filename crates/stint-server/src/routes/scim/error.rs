//! SCIM error bodies (RFC 7644 §3.12): `schemas`, `status` as a string, `scimType` where one
//! fits, and a `detail` that says what to change. Every answer of `/scim/v2` that is not a
//! success is one of these, the framework's own (404, 405, 413, 415) included.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use stint_app::AppError;
use stint_core::{ErrorCode, Violation};

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const SCIM_JSON: &str = "application/scim+json";

/// A SCIM refusal.
#[derive(Debug)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

/// Marks a response as already a SCIM answer, so the envelope leaves it alone.
#[derive(Clone, Copy, Debug)]
pub struct ScimAnswer;

pub type ScimResult<T> = Result<T, ScimError>;

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        ScimError::bad("invalidValue", detail)
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ScimError::new(
            StatusCode::NOT_FOUND,
            None,
            format!("{what} does not exist."),
        )
    }

    pub fn unauthenticated() -> Self {
        ScimError::new(
            StatusCode::UNAUTHORIZED,
            None,
            "A live provisioning token is required: send Authorization: Bearer <token>, made with POST /stint/v1/scim/tokens.",
        )
    }

    /// The SCIM error for a status the framework answered without a body.
    pub fn of_status(status: StatusCode) -> Self {
        let detail = match status {
            StatusCode::NOT_FOUND => "No such resource or endpoint under /scim/v2.",
            StatusCode::METHOD_NOT_ALLOWED => "This HTTP method is not supported on this endpoint.",
            StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large; the limit is 1 MiB.",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "Send the body as application/scim+json or application/json."
            }
            status if status.is_server_error() => {
                "Something went wrong on our side; the request id identifies it in the server log."
            }
            _ => "The request is not valid.",
        };
        ScimError::new(status, None, detail)
    }
}

impl From<Violation> for ScimError {
    fn from(violation: Violation) -> Self {
        let field = violation
            .field
            .map(|field| format!("{field}: "))
            .unwrap_or_default();
        let detail = format!("{field}{}", violation.message);
        let (status, scim_type) = match violation.code {
            ErrorCode::ObjectConflict => (StatusCode::CONFLICT, Some("uniqueness")),
            ErrorCode::ResourceNotFound => (StatusCode::NOT_FOUND, None),
            ErrorCode::PreconditionFailed => (StatusCode::PRECONDITION_FAILED, None),
            ErrorCode::Unauthenticated => (StatusCode::UNAUTHORIZED, None),
            ErrorCode::AuthorizationRequestDenied => (StatusCode::FORBIDDEN, None),
            ErrorCode::GroupMasteredByIdentityProvider => {
                (StatusCode::BAD_REQUEST, Some("mutability"))
            }
            code => (
                StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                (code.http_status() == 400).then_some("invalidValue"),
            ),
        };
        ScimError::new(status, scim_type, detail)
    }
}

impl From<AppError> for ScimError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rule(violation) => violation.into(),
            AppError::Unauthenticated => ScimError::unauthenticated(),
            AppError::Busy | AppError::Throttled { .. } => ScimError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                "The service is busy; retry.",
            ),
            AppError::Store(error) => {
                tracing::error!(%error, "a SCIM call failed in the store");
                ScimError::of_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = scim_type.into();
        }
        let mut response = Response::new(Body::from(body.to_string()));
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(ScimAnswer);
        response
    }
}

/// A response of `/scim/v2` as the client gets it: an error the framework made without a SCIM
/// body becomes one.
pub fn enveloped(response: Response) -> Response {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    if !is_error || response.extensions().get::<ScimAnswer>().is_some() {
        return response;
    }
    ScimError::of_status(status).into_response()
}
