//! `/stint/v1/pim/groups`: discover groups (P1), list managed ones, bring one under PIM (P2, P3).

use axum::extract::{Path, Query};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use stint_app::view::{Cursor, PageAsk};
use stint_core::directory::Group;
use stint_core::ids::GroupId;
use stint_core::rules::onboarding::why_not_manageable;
use utoipa::IntoParams;
use utoipa_axum::routes;

use crate::call::Call;
use crate::documented::{InvalidQuery, NotGroupAdministrator};
use crate::error::{ApiError, ApiResult};
use crate::shape::directory;
use crate::wire::{optional_time, parse_id};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_groups))
        .routes(routes!(manage_group))
}

/// Graph's largest page when the caller gives no `$top`, and its largest `$top`.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 999;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct GroupsQuery {
    /// `false` (default): groups you may bring under PIM; `true`: groups PIM manages.
    managed: Option<bool>,
    /// Page size, 1 to 999 (default 100).
    #[serde(rename = "$top")]
    #[param(rename = "$top", minimum = 1, maximum = 999)]
    top: Option<usize>,
    /// Continues the list where `@odata.nextLink` says.
    #[serde(rename = "$skiptoken")]
    #[param(rename = "$skiptoken")]
    skip_token: Option<String>,
}

/// Groups the caller administers, not yet managed (discover) or managed by PIM, by display name,
/// a page at a time (issue 19 item 12).
#[utoipa::path(get, path = "/stint/v1/pim/groups", tag = "stint", params(GroupsQuery),
    responses((status = 200, description = "Groups with whether and why they can be managed, and `@odata.nextLink` when more remain"),
              InvalidQuery))]
async fn list_groups(
    call: Call,
    query: Result<Query<GroupsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request(
            "Invalid query: 'managed' must be true or false, '$top' a whole number, and no other parameter is accepted.",
        )
    })?;
    let managed = query.managed.unwrap_or(false);
    let size = query.top.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&size) {
        return Err(ApiError::invalid_field(
            "$top",
            format!("must be from 1 to {MAX_PAGE}."),
        ));
    }
    let after = (query.skip_token.as_deref())
        .map(|token| parse_id::<GroupId>("$skiptoken", token))
        .transpose()?;
    let ask = PageAsk {
        cursor: after.map_or(Cursor::Start, Cursor::After),
        size,
        search: String::new(),
    };
    let view = call.view();
    let page = view.pim_groups_page(managed, &ask);
    let mut body = Map::new();
    if page.has_next() {
        if let Some(last) = page.items.last() {
            let path = format!("/stint/v1/pim/groups?managed={managed}&$top={size}");
            let next = next_link(call.base(), &path, last.id);
            body.insert("@odata.nextLink".into(), next.into());
        }
    }
    let groups: Vec<Value> = page.items.into_iter().map(pim_group).collect();
    body.insert("value".into(), groups.into());
    Ok(Json(Value::Object(body)))
}

fn next_link(base: &str, path: &str, last: GroupId) -> String {
    format!("{base}{path}&$skiptoken={last}")
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
