//! `/v1.0/groups/{id}/members`, `/owners` (with `$ref`) and `/transitiveMembers` (SPEC D4, D7).
//!
//! A change made here is an active, permanent, direct assignment that PIM shows (D7).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_app::view::Holders;
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::schedule::Access;
use utoipa_axum::routes;

use super::groups::{group_not_found, group_properties};
use crate::call::Call;
use crate::collection::ListSpec;
use crate::documented::{Added, GroupPath, NoSuchGroup, Removed};
use crate::error::ApiResult;
use crate::extract::GraphJson;
use crate::shape::directory as shape;
use crate::wire::graph_body;
use crate::wire::{self, ListOptions};
use crate::ApiRouter;

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
pub(super) const DIRECTORY_OBJECTS: ListSpec =
    ListSpec::graph("directoryObjects", DIRECTORY_OBJECT_PROPERTIES);

/// A group's properties, and the user's own.
const DIRECTORY_OBJECT_PROPERTIES: &[&str] =
    group_properties!("userPrincipalName", "accountEnabled");

graph_body! {
    /// `{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}`.
    pub(super) struct ReferenceBody {
        #[serde(rename = "@odata.id")]
        odata_id: String,
    }
}

impl ReferenceBody {
    /// The id of the directory object referred to.
    pub(super) fn object_id(&self) -> ApiResult<uuid::Uuid> {
        wire::directory_object_reference("@odata.id", &self.odata_id)
    }
}

/// The lists of a group's holders, documented alike: each entry is its doc comment, its name, its
/// path and the holders it lists.
macro_rules! holders_at {
    ($($(#[doc = $doc:tt])* $name:ident $path:tt $which:expr;)*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(get, path = $path, tag = "directory",
            params(GroupPath, ListOptions),
            responses((status = 200, description = "A collection of directoryObjects"),
                      NoSuchGroup))]
        async fn $name(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
            holders(&call, &id, $which)
        }
    )*};
}

holders_at! {
    /// The direct, active members of the group now: users and groups.
    list_members "/v1.0/groups/{id}/members" Holders::Direct(Access::Member);
    /// The direct, active owners of the group now.
    list_owners "/v1.0/groups/{id}/owners" Holders::Direct(Access::Owner);
    /// The effective members of the group now, through nested groups.
    list_transitive_members "/v1.0/groups/{id}/transitiveMembers" Holders::Transitive;
}

/// The `$ref` additions, documented alike: each entry is its doc comment, its name, its path, the
/// access it gives, and what its 400 and 403 answers say.
macro_rules! additions_at {
    ($($(#[doc = $doc:tt])* $name:ident $path:tt $access:expr, $invalid:tt, $forbidden:tt;)*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(post, path = $path, tag = "directory", request_body = ReferenceBody,
            params(GroupPath),
            responses(Added,
                      (status = 400, description = $invalid),
                      (status = 403, description = $forbidden),
                      (status = 404, description = "No such group or directory object")))]
        async fn $name(
            call: Call,
            Path(id): Path<String>,
            GraphJson(body): GraphJson<ReferenceBody>,
        ) -> ApiResult<StatusCode> {
            add(call, &id, &body, $access).await
        }
    )*};
}

additions_at! {
    /// Adds a user or group as a member (SPEC D4, D7).
    add_member "/v1.0/groups/{id}/members/$ref" Access::Member,
        "Invalid reference, already a member, or nesting not allowed",
        "The caller may not manage this group's members";
    /// Adds a user as an owner (SPEC D7).
    add_owner "/v1.0/groups/{id}/owners/$ref" Access::Owner,
        "Invalid reference, or already an owner",
        "The caller may not manage this group's owners";
}

/// The `$ref` removals, documented alike: each entry is its doc comment, its name, its path, the
/// access it takes away, and what its `memberId`, 403 and 404 answers say.
macro_rules! removals_at {
    ($($(#[doc = $doc:tt])* $name:ident $path:tt $access:expr, $member:tt, $forbidden:tt, $missing:tt;)*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(delete, path = $path, tag = "directory",
            params(GroupPath,
                   ("memberId" = String, Path, description = $member)),
            responses(Removed,
                      (status = 403, description = $forbidden),
                      (status = 404, description = $missing)))]
        async fn $name(call: Call, Path(ids): Path<(String, String)>) -> ApiResult<StatusCode> {
            remove(call, ids, $access).await
        }
    )*};
}

removals_at! {
    /// Removes a member (SPEC D7).
    remove_member "/v1.0/groups/{id}/members/{memberId}/$ref" Access::Member,
        "The member's id",
        "The caller may not manage this group's members",
        "No such group, or not a member";
    /// Removes an owner (SPEC D7).
    remove_owner "/v1.0/groups/{id}/owners/{memberId}/$ref" Access::Owner,
        "The owner's id",
        "The caller may not manage this group's owners",
        "No such group, or not an owner";
}

async fn add(call: Call, id: &str, body: &ReferenceBody, access: Access) -> ApiResult<StatusCode> {
    let group: GroupId = wire::parse_id("id", id)?;
    let principal = PrincipalId(body.object_id()?);
    call.app()
        .add_to_group(&call.session, &call.meta, group, principal, access)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    call: Call,
    (id, member): (String, String),
    access: Access,
) -> ApiResult<StatusCode> {
    let group: GroupId = wire::parse_id("id", &id)?;
    let principal: PrincipalId = wire::parse_id("memberId", &member)?;
    call.app()
        .remove_from_group(&call.session, &call.meta, group, principal, access)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn segment(which: Holders) -> &'static str {
    match which {
        Holders::Direct(Access::Member) => "members",
        Holders::Direct(Access::Owner) => "owners",
        Holders::Transitive => "transitiveMembers",
    }
}

fn holders(call: &Call, id: &str, which: Holders) -> ApiResult<Json<Value>> {
    let group: GroupId = wire::parse_id("id", id)?;
    let query = call.query(&DIRECTORY_OBJECTS)?;
    let objects = call
        .view()
        .holders_of(group, which)
        .map(|holders| holders.into_iter().map(shape::directory_object).collect());
    let objects = objects.ok_or_else(|| group_not_found(group))?;
    let path = format!("/v1.0/groups/{group}/{}", segment(which));
    call.directory_collection(&path, &DIRECTORY_OBJECTS, &query, objects)
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
