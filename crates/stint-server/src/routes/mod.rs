//! Every route, one module per resource.

mod administrative_units;
mod group_members;
mod groups;
mod policies;
mod roles;
mod schedules;
mod stint_audit;
mod stint_auth;
mod stint_changes;
mod stint_check;
mod stint_health;
mod stint_mfa;
mod stint_onboarding;
mod stint_outbox;
mod stint_principals;
mod stint_webhooks;
mod users;

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::ApiRouter;

pub fn all() -> ApiRouter {
    ApiRouter::new()
        .merge(stint_health::routes())
        .merge(stint_auth::routes())
        .merge(stint_mfa::routes())
        .merge(schedules::routes())
        .merge(policies::routes())
        .merge(stint_onboarding::routes())
        .merge(stint_audit::routes())
        .merge(stint_changes::routes())
        .merge(stint_principals::routes())
        .merge(stint_check::routes())
        .merge(stint_webhooks::routes())
        .merge(stint_outbox::routes())
        .merge(users::routes())
        .merge(groups::routes())
        .merge(group_members::routes())
        .merge(roles::routes())
        .merge(administrative_units::routes())
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        "No such resource or route. The API lives under /v1.0 and /stint/v1; see /stint/v1/openapi.json.",
    )
}
