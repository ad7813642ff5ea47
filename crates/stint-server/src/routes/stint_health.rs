//! `GET /stint/v1/health`: liveness and the revision this node has reached.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::routes;

use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(health))
}

/// Whether the server is up, and the store revision it has reached.
#[utoipa::path(get, path = "/stint/v1/health", tag = "stint",
    responses((status = 200, description = "The server is serving")))]
async fn health(State(server): State<ServerState>) -> Json<Value> {
    Json(json!({ "status": "ok", "revision": server.app.revision() }))
}
