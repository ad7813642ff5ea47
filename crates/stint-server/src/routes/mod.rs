//! Every route, one module per resource. All but health and signing in need a signed-in caller.

mod administrative_units;
mod group_members;
mod groups;
pub mod metrics;
mod policies;
mod roles;
mod schedules;
pub mod scim;
mod stint_activation_rules;
mod stint_advisor;
mod stint_audit;
mod stint_audit_export;
mod stint_auth;
mod stint_changes;
mod stint_check;
mod stint_connector_status;
mod stint_connectors;
mod stint_health;
mod stint_identities;
mod stint_mfa;
mod stint_onboarding;
mod stint_outbox;
mod stint_principals;
mod stint_scim_tokens;
mod stint_sso;
mod stint_webhooks;
mod users;

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::openapi;
use crate::ApiRouter;

/// The routes of every module whose callers must be signed in.
const SIGNED_IN: &[fn() -> ApiRouter] = &[
    stint_auth::routes,
    stint_mfa::routes,
    schedules::routes,
    policies::routes,
    stint_onboarding::routes,
    stint_activation_rules::routes,
    stint_audit::routes,
    stint_audit_export::routes,
    stint_changes::routes,
    stint_principals::routes,
    stint_identities::routes,
    stint_check::routes,
    stint_webhooks::routes,
    stint_scim_tokens::routes,
    stint_advisor::routes,
    stint_connectors::routes,
    stint_connector_status::routes,
    stint_outbox::routes,
    users::routes,
    groups::routes,
    group_members::routes,
    roles::routes,
    administrative_units::routes,
    metrics::routes,
];

pub fn all() -> ApiRouter {
    let mut signed_in = SIGNED_IN
        .iter()
        .fold(ApiRouter::new(), |all, routes| all.merge(routes()));
    openapi::require_bearer(signed_in.get_openapi_mut());
    // SCIM calls carry a provisioning token (M1), a bearer token too.
    let mut provisioning = scim::routes();
    openapi::require_bearer(provisioning.get_openapi_mut());
    ApiRouter::new()
        .merge(stint_health::routes())
        .merge(stint_auth::public_routes())
        .merge(stint_sso::public_routes())
        .merge(signed_in)
        .merge(provisioning)
}

pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with(scim::PREFIX) {
        return scim::error::ScimError::of_status(StatusCode::NOT_FOUND).into_response();
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        "No such resource or route. The API lives under /v1.0 and /stint/v1; see /stint/v1/openapi.json.",
    )
    .into_response()
}
