//! `/stint/v1/pim/groups`: discover groups (P1), list managed ones, bring one under PIM (P2, P3).

use axum::extract::{Path, Query};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use stint_core::directory::Group;
use stint_core::ids::GroupId;
use stint_core::rules::onboarding::why_not_manageable;
use utoipa::IntoParams;
use utoipa_axum::routes;

use crate::call::Call;
use crate::collection::values;
use crate::documented::NotGroupAdministrator;
use crate::error::{ApiError, ApiResult};
use crate::shape::directory;
use crate::wire::{optional_time, parse_id};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_groups))
        .routes(routes!(manage_group))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct GroupsQuery {
    /// `false` (default): groups you may bring under PIM; `true`: groups PIM manages.
    managed: Option<bool>,
}

/// Groups the caller administers, not yet managed (discover) or managed by PIM.
#[utoipa::path(get, path = "/stint/v1/pim/groups", tag = "stint", params(GroupsQuery),
    responses((status = 200, description = "Groups with whether and why they can be managed")))]
async fn list_groups(
    call: Call,
    query: Result<Query<GroupsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request(
            "Invalid query: 'managed' must be true or false, and no other parameter is accepted.",
        )
    })?;
    let managed = query.managed.unwrap_or(false);
    let groups = (call.view().pim_groups(managed).into_iter())
        .map(pim_group)
        .collect();
    Ok(Json(values(groups)))
}

/// Brings a group under PIM management with the default member and owner policies. There is no way back (P4).
#[utoipa::path(post, path = "/stint/v1/pim/groups/{id}/manage", tag = "stint",
    params(("id" = String, Path, description = "The group id")),
    responses((status = 200, description = "The group, now managed"),
              (status = 400, description = "Dynamic or synced groups cannot be managed, or already managed"),
              NotGroupAdministrator))]
async fn manage_group(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: GroupId = parse_id("id", &id)?;
    call.app()
        .manage_group(&call.session, &call.meta, id)
        .await?;
    let group = call.view().any_group(id).map(pim_group);
    group
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("Group '{id}'")))
}

fn pim_group(group: &Group) -> Value {
    let reason = if group.is_managed() {
        Some(format!(
            "'{}' is already managed by PIM.",
            group.display_name
        ))
    } else {
        why_not_manageable(group)
    };
    let mut value = directory::group(group);
    if let Value::Object(fields) = &mut value {
        fields.insert("managed".into(), group.is_managed().into());
        fields.insert("managedSince".into(), optional_time(group.managed_since));
        fields.insert("manageable".into(), reason.is_none().into());
        fields.insert("notManageableReason".into(), json!(reason));
    }
    value
}
