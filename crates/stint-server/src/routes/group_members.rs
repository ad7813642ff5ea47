//! `/v1.0/groups/{id}/members`, `/owners` (with `$ref`) and `/transitiveMembers` (SPEC D4, D7).
//!
//! A change made here is an active, permanent, direct assignment that PIM shows (D7).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::schedule::Access;
use stint_odata::Allowed;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::collection::{self, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson, Meta};
use crate::shape::directory as shape;
use crate::wire::{self, ListOptions};
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(list_owners))
        .routes(routes!(list_transitive_members))
        .routes(routes!(add_member))
        .routes(routes!(add_owner))
        .routes(routes!(remove_member))
        .routes(routes!(remove_owner))
}

/// Lists of users and groups as `directoryObject`s: the properties of both may be named.
pub(super) const DIRECTORY_OBJECTS: ListSpec = ListSpec {
    context: "directoryObjects",
    allowed: Allowed {
        filter: true,
        select: true,
        expand: &[],
        top: true,
    },
    properties: DIRECTORY_OBJECT_PROPERTIES,
};

const DIRECTORY_OBJECT_PROPERTIES: &[&str] = &[
    // groups::GROUP_PROPERTIES
    "id",
    "displayName",
    "description",
    "groupTypes",
    "securityEnabled",
    "mailEnabled",
    "isAssignableToRole",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesSyncEnabled",
    "createdDateTime",
    // and the user's own
    "userPrincipalName",
    "accountEnabled",
];

/// `{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReferenceBody {
    #[serde(rename = "@odata.type", default)]
    #[schema(value_type = Option<String>)]
    _odata_type: Option<Value>,
    #[serde(rename = "@odata.id")]
    odata_id: String,
}

impl ReferenceBody {
    /// The id of the directory object referred to.
    pub(super) fn object_id(&self) -> ApiResult<uuid::Uuid> {
        wire::directory_object_reference("@odata.id", &self.odata_id)
    }
}

/// The direct, active members of the group now: users and groups.
#[utoipa::path(get, path = "/v1.0/groups/{id}/members", tag = "directory",
    params(("id" = String, Path, description = "The group's id"), ListOptions),
    responses((status = 200, description = "A collection of directoryObjects"),
              (status = 404, description = "No such group")),
    security(("bearer" = [])))]
async fn list_members(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    holders(&server, &headers, raw, &id, Holders::Direct(Access::Member))
}

/// The direct, active owners of the group now.
#[utoipa::path(get, path = "/v1.0/groups/{id}/owners", tag = "directory",
    params(("id" = String, Path, description = "The group's id"), ListOptions),
    responses((status = 200, description = "A collection of directoryObjects"),
              (status = 404, description = "No such group")),
    security(("bearer" = [])))]
async fn list_owners(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    holders(&server, &headers, raw, &id, Holders::Direct(Access::Owner))
}

/// The effective members of the group now, through nested groups.
#[utoipa::path(get, path = "/v1.0/groups/{id}/transitiveMembers", tag = "directory",
    params(("id" = String, Path, description = "The group's id"), ListOptions),
    responses((status = 200, description = "A collection of directoryObjects"),
              (status = 404, description = "No such group")),
    security(("bearer" = [])))]
async fn list_transitive_members(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    holders(&server, &headers, raw, &id, Holders::Transitive)
}

/// Adds a user or group as a member (SPEC D4, D7).
#[utoipa::path(post, path = "/v1.0/groups/{id}/members/$ref", tag = "directory", request_body = ReferenceBody,
    params(("id" = String, Path, description = "The group's id")),
    responses((status = 204, description = "Added"),
              (status = 400, description = "Invalid reference, already a member, or nesting not allowed"),
              (status = 403, description = "The caller may not manage this group's members"),
              (status = 404, description = "No such group or directory object")),
    security(("bearer" = [])))]
async fn add_member(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<ReferenceBody>,
) -> ApiResult<StatusCode> {
    let group: GroupId = wire::parse_id("id", &id)?;
    let principal = PrincipalId(body.object_id()?);
    server
        .app
        .add_to_group(&session, &meta, group, principal, Access::Member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a user as an owner (SPEC D7).
#[utoipa::path(post, path = "/v1.0/groups/{id}/owners/$ref", tag = "directory", request_body = ReferenceBody,
    params(("id" = String, Path, description = "The group's id")),
    responses((status = 204, description = "Added"),
              (status = 400, description = "Invalid reference, or already an owner"),
              (status = 403, description = "The caller may not manage this group's owners"),
              (status = 404, description = "No such group or directory object")),
    security(("bearer" = [])))]
async fn add_owner(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<ReferenceBody>,
) -> ApiResult<StatusCode> {
    let group: GroupId = wire::parse_id("id", &id)?;
    let principal = PrincipalId(body.object_id()?);
    server
        .app
        .add_to_group(&session, &meta, group, principal, Access::Owner)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member (SPEC D7).
#[utoipa::path(delete, path = "/v1.0/groups/{id}/members/{memberId}/$ref", tag = "directory",
    params(("id" = String, Path, description = "The group's id"),
           ("memberId" = String, Path, description = "The member's id")),
    responses((status = 204, description = "Removed"),
              (status = 403, description = "The caller may not manage this group's members"),
              (status = 404, description = "No such group, or not a member")),
    security(("bearer" = [])))]
async fn remove_member(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let group: GroupId = wire::parse_id("id", &id)?;
    let principal: PrincipalId = wire::parse_id("memberId", &member)?;
    server
        .app
        .remove_from_group(&session, &meta, group, principal, Access::Member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an owner (SPEC D7).
#[utoipa::path(delete, path = "/v1.0/groups/{id}/owners/{memberId}/$ref", tag = "directory",
    params(("id" = String, Path, description = "The group's id"),
           ("memberId" = String, Path, description = "The owner's id")),
    responses((status = 204, description = "Removed"),
              (status = 403, description = "The caller may not manage this group's owners"),
              (status = 404, description = "No such group, or not an owner")),
    security(("bearer" = [])))]
async fn remove_owner(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    Path((id, owner)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let group: GroupId = wire::parse_id("id", &id)?;
    let principal: PrincipalId = wire::parse_id("memberId", &owner)?;
    server
        .app
        .remove_from_group(&session, &meta, group, principal, Access::Owner)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Clone, Copy)]
enum Holders {
    Direct(Access),
    Transitive,
}

impl Holders {
    fn segment(self) -> &'static str {
        match self {
            Holders::Direct(Access::Member) => "members",
            Holders::Direct(Access::Owner) => "owners",
            Holders::Transitive => "transitiveMembers",
        }
    }
}

fn holders(
    server: &ServerState,
    headers: &HeaderMap,
    raw: Option<String>,
    id: &str,
    which: Holders,
) -> ApiResult<Json<Value>> {
    let group: GroupId = wire::parse_id("id", id)?;
    let query = ListQuery::parse(raw, &DIRECTORY_OBJECTS)?;
    let now = server.app.now();
    let mut objects = server
        .app
        .read(|state| {
            state.live_group(group)?;
            let principals = match which {
                Holders::Direct(access) => state.direct_holders(group, access, now),
                Holders::Transitive => state.transitive_members(group, now),
            };
            Some(
                principals
                    .into_iter()
                    .map(|principal| shape::principal(state, principal))
                    .filter(|object| !object.is_null())
                    .collect::<Vec<_>>(),
            )
        })
        .ok_or_else(|| ApiError::not_found(format!("Group '{group}'")))?;
    shape::sort_by_display_name(&mut objects);
    let base = collection::base_url(headers);
    let path = format!("/v1.0/groups/{group}/{}", which.segment());
    Ok(Json(collection::collection(
        &base,
        &path,
        &DIRECTORY_OBJECTS,
        &query,
        objects,
    )?))
}

#[cfg(test)]
mod tests {
    use super::super::groups::GROUP_PROPERTIES;
    use super::*;

    #[test]
    fn directory_objects_can_be_filtered_on_every_group_property() {
        for property in GROUP_PROPERTIES {
            assert!(DIRECTORY_OBJECT_PROPERTIES.contains(property), "{property}");
        }
    }
}
