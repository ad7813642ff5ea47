//! Every route, one module per resource.

mod pim;
mod stint_auth;
mod stint_health;

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::ApiRouter;

pub fn all() -> ApiRouter {
    ApiRouter::new()
        .merge(stint_health::routes())
        .merge(stint_auth::routes())
        .merge(pim::routes())
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        "No such resource or route. The API lives under /v1.0 and /stint/v1; see /stint/v1/openapi.json.",
    )
}
