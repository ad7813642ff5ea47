//! `GET /metrics` (I2): every series in Prometheus's text format, for the token of a Global or
//! Privileged Role Administrator or the configured scrape token. With `--metrics-listen` a
//! listener of its own serves it without authentication ([`crate::metrics_router`]) and the main
//! address answers 404.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use stint_app::telemetry;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::extract::bearer_token_in;
use crate::{ApiRouter, ServerState};

/// Where the metrics are served, on either listener.
pub const PATH: &str = "/metrics";

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(metrics))
}

/// Every series, gauges read now (Prometheus text format 0.0.4).
#[utoipa::path(get, path = "/metrics", tag = "stint",
    responses((status = 200, description = "The metrics", content_type = "text/plain"),
              (status = 401, description = "No token, or neither a valid token nor the scrape token"),
              (status = 403, description = "Not a Global or Privileged Role Administrator"),
              (status = 404, description = "Served by a listener of its own (--metrics-listen)")))]
async fn metrics(State(server): State<ServerState>, headers: HeaderMap) -> ApiResult<Response> {
    if !server.app.config().metrics.on_main_address {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "No such resource or route.",
        ));
    }
    let token = bearer_token_in(&headers).ok_or_else(ApiError::unauthenticated)?;
    let text = server.app.metrics_for_token(token).await?;
    Ok(exposition(text))
}

/// The metrics with no authentication, for the listener of their own.
pub async fn unauthenticated(State(server): State<ServerState>) -> Response {
    exposition(server.app.metrics_exposition().await)
}

fn exposition(text: String) -> Response {
    ([(header::CONTENT_TYPE, telemetry::CONTENT_TYPE)], text).into_response()
}
