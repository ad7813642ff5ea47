//! `/stint/v1/connectors/{id}/status` and `…/reconcile` (issue 18): how far a connector's targets
//! are behind (revisions and seconds), its last error, reconcile and drift, and the p50 and p99 of
//! the time from an end to its confirmed removal; and a reconcile on demand. For Global and
//! Privileged Role Administrators.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use stint_core::connector::ConnectorId;
use utoipa_axum::routes;

use crate::call::Call;
use crate::documented::{ConnectorPath, ConnectorRefusals};
use crate::error::ApiResult;
use crate::wire::{self, time};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(connector_status))
        .routes(routes!(reconcile_connector))
}

/// Where a connector stands: `state` is `ok`, `error` (see `lastError`; retried with backoff) or
/// `pending` (no round yet).
#[utoipa::path(get, path = "/stint/v1/connectors/{id}/status", tag = "stint", params(ConnectorPath),
    responses((status = 200, description = "The connector's state, lag, last error, last reconcile, drift found and removal latency p50 and p99"),
              ConnectorRefusals))]
async fn connector_status(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    let report = call.app().connector_status(&call.session, id).await?;
    let status = &report.status;
    Ok(Json(json!({
        "state": report.state,
        "lagRevisions": report.lag_revisions,
        "lagSeconds": report.lag_seconds,
        "lastError": status.last_error,
        "lastErrorAt": status.last_error_at.map(time),
        "lastSync": status.last_sync.map(time),
        "lastReconcile": status.last_reconcile.map(time),
        "drift": status.drift,
        "removalLatencyP50Ms": status.removal_latency_p50_ms(),
        "removalLatencyP99Ms": status.removal_latency_p99_ms(),
        "unresolved": status.unresolved.len(),
    })))
}

/// Asks for every link of the connector to be read and compared now (C3), by whichever node
/// drives it: the ask is a commit, which wakes that node's worker through the change feed.
#[utoipa::path(post, path = "/stint/v1/connectors/{id}/reconcile", tag = "stint", params(ConnectorPath),
    responses((status = 202, description = "The reconcile was asked for"), ConnectorRefusals))]
async fn reconcile_connector(call: Call, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    (call.app())
        .request_reconcile(&call.session, &call.meta, id)
        .await?;
    Ok(StatusCode::ACCEPTED)
}
