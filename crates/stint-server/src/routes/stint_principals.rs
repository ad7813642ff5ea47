//! `GET /stint/v1/principals/{id}/roles`: the directory roles a principal holds now, and through
//! which group (SPEC D6).

use axum::extract::Path;
use axum::Json;
use serde_json::{json, Value};
use stint_app::view::RoleHeld;
use stint_core::ids::UserId;
use utoipa_axum::routes;

use crate::call::Call;
use crate::collection::values;
use crate::documented::{NoSuchUser, NotYoursToRead};
use crate::error::{ApiError, ApiResult};
use crate::wire::parse_id;
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(roles_of_principal))
}

/// Roles held now: directly, or through an active membership of a role-assignable group.
/// Anyone may read their own; privileged role administrators may read anyone's.
#[utoipa::path(get, path = "/stint/v1/principals/{id}/roles", tag = "stint",
    params(("id" = String, Path, description = "A user id")),
    responses((status = 200, description = "Roles with their scope and the group they come through"),
              NotYoursToRead, NoSuchUser))]
async fn roles_of_principal(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let user: UserId = parse_id("id", &id)?;
    let view = call.view();
    let roles = view.roles_of(user)?.map(|roles| {
        let roles = roles.into_iter().map(|RoleHeld { held, via_group }| {
            let via = via_group.map(
                |group| json!({ "id": group.id.to_string(), "displayName": group.display_name }),
            );
            json!({
                "roleDefinitionId": held.role.id().to_string(),
                "displayName": held.role.display_name(),
                "directoryScopeId": held.scope.to_string(),
                "viaGroup": via,
            })
        });
        Json(values(roles.collect()))
    });
    roles.ok_or_else(|| ApiError::not_found(format!("User '{user}'")))
}
