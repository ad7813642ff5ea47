//! `GET /stint/v1/users/{id}/identities` and `DELETE /stint/v1/users/{id}/identities/{identity}`:
//! a user's identities at identity providers, read and unlinked by whoever may reset the user's
//! credentials (O5).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use utoipa::IntoParams;
use utoipa_axum::routes;

use super::users::resolve_id;
use crate::call::Call;
use crate::documented::{NoSuchUser, UserPath};
use crate::error::ApiResult;
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_identities))
        .routes(routes!(unlink_identity))
}

/// The path of one identity.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct IdentityPath {
    /// The user's id or userPrincipalName.
    id: String,
    /// The identity's `id`, as the list gives it.
    identity: String,
}

/// O5: the user's identities at identity providers (`issuer`, `subject`), each with the `id` that
/// unlinks it. For the user, or whoever may reset the user's credentials.
#[utoipa::path(get, path = "/stint/v1/users/{id}/identities", tag = "stint", params(UserPath),
    responses((status = 200, description = "The identities"),
              (status = 403, description = "The caller may not reset this user's credentials"),
              NoSuchUser))]
async fn list_identities(call: Call, Path(key): Path<String>) -> ApiResult<Json<Value>> {
    let id = resolve_id(&call, &key)?;
    let identities = call.view().identities_of(id)?;
    let value: Vec<Value> = identities
        .iter()
        .map(|link| json!({ "id": link.id(), "issuer": link.issuer, "subject": link.subject }))
        .collect();
    Ok(Json(json!({ "value": value })))
}

/// O5: unlinks an identity from the user and ends the user's sessions; the identity's next
/// sign-in links anew (by verified e-mail, where configured) or is refused.
#[utoipa::path(delete, path = "/stint/v1/users/{id}/identities/{identity}", tag = "stint",
    params(IdentityPath),
    responses((status = 204, description = "Unlinked"),
              (status = 403, description = "The caller may not reset this user's credentials"),
              (status = 404, description = "No such user, or the user has no such identity")))]
async fn unlink_identity(
    call: Call,
    Path((key, identity)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = resolve_id(&call, &key)?;
    call.app()
        .unlink_identity(&call.session, &call.meta, id, &identity)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
