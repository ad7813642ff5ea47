//! `GET /stint/v1/pim/groups/{id}/activationRules`: what an activation of a group must meet, for
//! those eligible for it as well as its PIM administrators (Entra shows a requester these, not the
//! policy's approvers or notification recipients).

use axum::extract::{Path, Query};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use stint_core::ids::GroupId;
use stint_core::schedule::Access;
use utoipa::IntoParams;
use utoipa_axum::routes;

use crate::call::Call;
use crate::documented::{GroupPath, NoSuchGroup};
use crate::error::{ApiError, ApiResult};
use crate::wire::parse_id;
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(activation_rules))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct RulesQuery {
    /// `member` (default) or `owner`.
    access: Option<String>,
}

/// The rules an activation of the group's membership (or ownership) must meet.
#[utoipa::path(get, path = "/stint/v1/pim/groups/{id}/activationRules", tag = "stint",
    params(GroupPath, RulesQuery),
    responses((status = 200, description = "The longest activation, and whether approval, MFA, a justification and a ticket are needed"),
              (status = 400, description = "access is neither member nor owner"),
              (status = 403, description = "Neither eligible for the group nor one of its PIM administrators"),
              NoSuchGroup))]
async fn activation_rules(
    call: Call,
    Path(id): Path<String>,
    query: Result<Query<RulesQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let id: GroupId = parse_id("id", &id)?;
    let invalid = || ApiError::bad_request("Invalid query: 'access' must be member or owner.");
    let Query(query) = query.map_err(|_| invalid())?;
    let access: Access = match query.access.as_deref() {
        None => Access::Member,
        Some(access) => access.parse().map_err(|_| invalid())?,
    };
    let rules = call.view().activation_rules(id, access)?;
    Ok(Json(json!({
        "groupId": id,
        "accessId": access,
        "maximumDuration": rules.maximum_duration,
        "isApprovalRequired": rules.approval_required,
        "isMfaRequired": rules.mfa_required,
        "isJustificationRequired": rules.justification_required,
        "isTicketRequired": rules.ticket_required,
    })))
}
