//! `GET /stint/v1/principals/{id}/roles`: the directory roles a principal holds now, and through
//! which group (SPEC D6).

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use stint_core::authz;
use stint_core::ids::UserId;
use utoipa_axum::routes;

use crate::collection::values;
use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::wire::parse_id;
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(roles_of_principal))
}

/// Roles held now: directly, or through an active membership of a role-assignable group.
/// Anyone may read their own; privileged role administrators may read anyone's.
#[utoipa::path(get, path = "/stint/v1/principals/{id}/roles", tag = "stint",
    params(("id" = String, Path, description = "A user id")),
    responses((status = 200, description = "Roles with their scope and the group they come through"),
              (status = 403, description = "Not yours to read"), (status = 404, description = "No such user")),
    security(("bearer" = [])))]
async fn roles_of_principal(
    State(server): State<ServerState>,
    Auth(session): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let user: UserId = parse_id("id", &id)?;
    let caller = server.app.caller(&session);
    if user != session.user && !authz::may_manage_roles(&caller) {
        return Err(stint_core::Violation::forbidden("You may read your own roles only.").into());
    }
    let now = server.app.now();
    let roles = server.app.read(|state| {
        state.users.get(&user)?;
        Some(
            state
                .roles_of(user, now)
                .into_iter()
                .map(|held| {
                    let via = held.via_group.and_then(|group| state.groups.get(&group)).map(|group| {
                        json!({ "id": group.id.to_string(), "displayName": group.display_name })
                    });
                    json!({
                        "roleDefinitionId": held.role.id().to_string(),
                        "displayName": held.role.display_name(),
                        "directoryScopeId": held.scope.to_string(),
                        "viaGroup": via,
                    })
                })
                .collect::<Vec<_>>(),
        )
    });
    roles
        .map(|roles| Json(values(roles)))
        .ok_or_else(|| ApiError::not_found(format!("User '{user}'")))
}
