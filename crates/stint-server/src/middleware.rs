//! Per-request plumbing: request ids, Graph's `innerError` on every error, security headers,
//! and Graph-shaped bodies for errors the framework produces itself (405, 413, ...).

use axum::body::{to_bytes, Body};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, ErrorBody};
use crate::ServerState;

/// The id of the current request, as sent back in the `request-id` header.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn graph_envelope(
    State(server): State<ServerState>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = Uuid::new_v4().to_string();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|value| value.len() <= 128)
        .map(str::to_string);
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));

    let scim = request
        .uri()
        .path()
        .starts_with(crate::routes::scim::PREFIX);
    let mut response = next.run(request).await;
    let status = response.status();
    if scim {
        response = crate::routes::scim::error::enveloped(response);
    } else if status.is_client_error() || status.is_server_error() {
        let date = server.app.now().to_rfc3339_opts(SecondsFormat::Secs, true);
        response =
            with_inner_error(response, &request_id, client_request_id.as_deref(), &date).await;
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", value);
    }
    if let Some(value) = client_request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        headers.insert("client-request-id", value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn with_inner_error(
    response: Response,
    request_id: &str,
    client_request_id: Option<&str>,
    date: &str,
) -> Response {
    let is_ours = response.extensions().get::<ErrorBody>().is_some();
    let (mut parts, body) = response.into_parts();
    let mut json: Value = if is_ours {
        match to_bytes(body, MAX_ERROR_BODY)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
        {
            Some(json) => json,
            None => fallback_body(parts.status),
        }
    } else {
        fallback_body(parts.status)
    };
    if let Some(error) = json.get_mut("error").and_then(Value::as_object_mut) {
        let mut inner = serde_json::Map::new();
        inner.insert("date".into(), date.into());
        inner.insert("request-id".into(), request_id.into());
        inner.insert(
            "client-request-id".into(),
            client_request_id.map_or(Value::Null, Into::into),
        );
        error.insert("innerError".into(), Value::Object(inner));
    }
    if !is_ours && parts.status == StatusCode::PAYLOAD_TOO_LARGE {
        parts.status = StatusCode::BAD_REQUEST;
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(json.to_string()))
}

/// A Graph error body for responses the framework made without one.
fn fallback_body(status: StatusCode) -> Value {
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "Request_BadRequest",
            "This HTTP method is not supported on this resource.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::bad_request("The request body is too large; the limit is 1 MiB.")
        }
        StatusCode::NOT_FOUND => ApiError::new(
            status,
            "Request_ResourceNotFound",
            "No such resource or route.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::bad_request("Send the body as application/json.")
        }
        status if status.is_server_error() => ApiError::new(
            status,
            "InternalServerError",
            "Something went wrong on our side; the request id identifies it in the server log.",
        ),
        status => ApiError::new(status, "BadRequest", "The request is not valid."),
    };
    serde_json::json!({"error": {"code": error.code, "message": error.message}})
}

/// I2: counts each request under the route template it matched (never its path) and times it.
pub async fn track(State(server): State<ServerState>, request: Request, next: Next) -> Response {
    let route = (request.extensions().get::<MatchedPath>()).map(|path| path.as_str().to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    server.app.telemetry().http_request(
        route.as_deref().unwrap_or("unmatched"),
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Graph clients may send `$ref` as `%24ref`; routes are matched on the raw path, so decode it
/// before routing. Only the path changes; the query keeps its own encoding.
pub fn decode_dollar(mut request: Request) -> Request {
    let uri = request.uri();
    if !uri.path().contains("%24") {
        return request;
    }
    let path = uri.path().replace("%24", "$");
    let rebuilt = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    if let Ok(path_and_query) = rebuilt.parse::<axum::http::uri::PathAndQuery>() {
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(path_and_query);
        if let Ok(decoded) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = decoded;
        }
    }
    request
}

/// Turns a panic into a plain Graph 500 without any detail.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "Something went wrong on our side; the request id identifies it in the server log.",
    )
    .into_response()
}
