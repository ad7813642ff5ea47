//! `/v1.0/users`, `/v1.0/users/{id}`, `/v1.0/me` and the groups a user is a member of (SPEC D1, D8).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use stint_app::directory::{UserChanges, UserInput};
use stint_app::{Password, View};
use stint_core::directory::User;
use stint_core::ids::UserId;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::group_members::DIRECTORY_OBJECTS;
use crate::call::Call;
use crate::collection::ListSpec;
use crate::documented::{Changed, InvalidBody, InvalidQuery, NoSuchUser, UserPath};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::shape::directory as shape;
use crate::wire::{self, ListOptions, SelectOption};
use crate::wire::{graph_body, graph_patch_body, MAX_MAIL_NICKNAME, MAX_NAME};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user))
        .routes(routes!(me))
        .routes(routes!(member_of))
        .routes(routes!(transitive_member_of))
        .routes(routes!(my_member_of))
        .routes(routes!(my_transitive_member_of))
}

const USER_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "userPrincipalName",
    "accountEnabled",
    "createdDateTime",
    "mail",
];

const USERS: ListSpec = ListSpec::graph("users", USER_PROPERTIES);
const USER: ListSpec = USERS.entity();

/// Graph's limits on a user principal name and a password.
const MAX_USER_PRINCIPAL_NAME: usize = 113;
pub(super) const MIN_PASSWORD: usize = 8;
pub(super) const MAX_PASSWORD: usize = 256;

graph_body! {
    struct NewUserBody {
        account_enabled: bool,
        display_name: String,
        user_principal_name: String,
        #[serde(deserialize_with = "crate::extract::object")]
        password_profile: PasswordProfile,
        /// Accepted for compatibility with Graph scripts; Stint keeps no mailbox.
        #[serde(default)]
        mail_nickname: Option<String>,
        /// Where notifications reach the user (SPEC N2).
        #[serde(default)]
        mail: Option<String>,
    }
}

/// Graph's `passwordProfile`. Stint has no "change at next sign-in"; the flags are accepted and ignored.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PasswordProfile {
    password: String,
    #[serde(rename = "forceChangePasswordNextSignIn", default)]
    _force_change_password_next_sign_in: Option<bool>,
    #[serde(rename = "forceChangePasswordNextSignInWithMfa", default)]
    _force_change_password_next_sign_in_with_mfa: Option<bool>,
}

stint_core::redacted_debug!(PasswordProfile);

graph_patch_body! {
    struct UserPatchBody {
        display_name: String,
        account_enabled: bool,
        /// A password reset (SPEC D8).
        password_profile: PasswordProfile,
        /// Where notifications reach the user (SPEC N2); `null` removes it.
        mail: String,
    }
}

/// Creates a user (SPEC D1).
#[utoipa::path(post, path = "/v1.0/users", tag = "directory", request_body = NewUserBody,
    responses((status = 201, description = "The new user"),
              (status = 400, description = "Invalid body, or the userPrincipalName is taken"),
              (status = 403, description = "The caller may not create users")))]
async fn create_user(
    call: Call,
    GraphJson(body): GraphJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    wire::optional_text("mailNickname", body.mail_nickname, MAX_MAIL_NICKNAME)?;
    let input = UserInput {
        user_principal_name: user_principal_name(body.user_principal_name)?,
        display_name: wire::required_text("displayName", body.display_name, MAX_NAME)?,
        account_enabled: body.account_enabled,
        password: password(body.password_profile)?,
        mail: body.mail,
    };
    let created = call
        .app()
        .create_user(&call.session, &call.meta, input)
        .await?;
    Ok(call.created(&USERS, shape::user(&created.value)))
}

/// Lists users, sorted by display name; a page is read from the name order, not sorted (issue 19
/// item 12).
#[utoipa::path(get, path = "/v1.0/users", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of users"),
              InvalidQuery))]
async fn list_users(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&USERS)?;
    let view = call.view();
    let users = view.users_in_order();
    call.collection_in_order("/v1.0/users", &USERS, &query, users, shape::user)
}

/// Reads a user by id or by userPrincipalName.
#[utoipa::path(get, path = "/v1.0/users/{id}", tag = "directory",
    params(UserPath, SelectOption),
    responses((status = 200, description = "The user"),
              NoSuchUser))]
async fn get_user(call: Call, Path(key): Path<String>) -> ApiResult<Json<Value>> {
    let query = call.query(&USER)?;
    let user = resolve(&call.view(), &key).map(shape::user)?;
    Ok(call.entity(&USER, &query, user))
}

/// Changes a user's displayName or accountEnabled, or resets the password (SPEC D1, D8).
#[utoipa::path(patch, path = "/v1.0/users/{id}", tag = "directory", request_body = UserPatchBody,
    params(UserPath),
    responses(Changed,
              InvalidBody,
              (status = 403, description = "The caller may not change this user"),
              NoSuchUser))]
async fn update_user(
    call: Call,
    Path(key): Path<String>,
    GraphJson(body): GraphJson<UserPatchBody>,
) -> ApiResult<StatusCode> {
    let changes = UserChanges {
        display_name: wire::not_null("displayName", body.display_name)?
            .map(|name| wire::required_text("displayName", name, MAX_NAME))
            .transpose()?,
        account_enabled: wire::not_null("accountEnabled", body.account_enabled)?,
        password: wire::not_null("passwordProfile", body.password_profile)?
            .map(password)
            .transpose()?,
        mail: body.mail,
    };
    let id = resolve_id(&call, &key)?;
    call.app()
        .update_user(&call.session, &call.meta, id, changes)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/v1.0/me", tag = "directory", params(SelectOption),
    responses((status = 200, description = "The signed-in user")))]
async fn me(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&USER)?;
    let user = call.view().me().map(shape::user);
    Ok(call.entity(&USER, &query, user.ok_or_else(ApiError::unauthenticated)?))
}

/// The groups the user is an active direct member of now.
#[utoipa::path(get, path = "/v1.0/users/{id}/memberOf", tag = "directory",
    params(UserPath, ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)"),
              NoSuchUser))]
async fn member_of(call: Call, Path(key): Path<String>) -> ApiResult<Json<Value>> {
    groups_of(
        &call,
        &format!("/v1.0/users/{key}/memberOf"),
        Some(&key),
        false,
    )
}

/// The groups the user is an effective member of now, through nesting.
#[utoipa::path(get, path = "/v1.0/users/{id}/transitiveMemberOf", tag = "directory",
    params(UserPath, ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)"),
              NoSuchUser))]
async fn transitive_member_of(call: Call, Path(key): Path<String>) -> ApiResult<Json<Value>> {
    let path = format!("/v1.0/users/{key}/transitiveMemberOf");
    groups_of(&call, &path, Some(&key), true)
}

/// The groups the signed-in user is an active direct member of now.
#[utoipa::path(get, path = "/v1.0/me/memberOf", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)")))]
async fn my_member_of(call: Call) -> ApiResult<Json<Value>> {
    groups_of(&call, "/v1.0/me/memberOf", None, false)
}

/// The groups the signed-in user is an effective member of now, through nesting.
#[utoipa::path(get, path = "/v1.0/me/transitiveMemberOf", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)")))]
async fn my_transitive_member_of(call: Call) -> ApiResult<Json<Value>> {
    groups_of(&call, "/v1.0/me/transitiveMemberOf", None, true)
}

/// The live groups of the user `key` names (the caller if `None`) as directory objects.
fn groups_of(
    call: &Call,
    path: &str,
    key: Option<&str>,
    transitive: bool,
) -> ApiResult<Json<Value>> {
    let query = call.query(&DIRECTORY_OBJECTS)?;
    let groups = {
        let view = call.view();
        let user = match key {
            Some(key) => resolve(&view, key)?.id,
            None => call.session.user,
        };
        let groups = view.member_of(user, transitive);
        groups.into_iter().map(shape::group).collect()
    };
    call.directory_collection(path, &DIRECTORY_OBJECTS, &query, groups)
}

/// A user by id, or by userPrincipalName as Graph allows in `/users/{id | userPrincipalName}`.
fn resolve<'v>(view: &'v View<'_>, key: &str) -> ApiResult<&'v User> {
    view.user_by_key(key).ok_or_else(|| {
        ApiError::not_found(format!(
            "User '{}'",
            key.chars().take(120).collect::<String>()
        ))
    })
}

/// The id of the user `key` names, for a change.
pub(super) fn resolve_id(call: &Call, key: &str) -> ApiResult<UserId> {
    resolve(&call.view(), key).map(|user| user.id)
}

fn user_principal_name(text: String) -> ApiResult<String> {
    let name = wire::required_text("userPrincipalName", text, MAX_USER_PRINCIPAL_NAME)?;
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "/\\?#%\"".contains(c))
    {
        return Err(ApiError::invalid_field(
            "userPrincipalName",
            "it must not contain spaces or any of / \\ ? # % \".",
        ));
    }
    if name.parse::<uuid::Uuid>().is_ok() {
        return Err(ApiError::invalid_field(
            "userPrincipalName",
            "it must not be a GUID, since /users/{id} accepts both.",
        ));
    }
    Ok(name)
}

/// Checks the length of a new password, without ever echoing it.
fn password(profile: PasswordProfile) -> ApiResult<Password> {
    let length = profile.password.chars().count();
    if length < MIN_PASSWORD {
        return Err(ApiError::invalid_field(
            "passwordProfile.password",
            format!("a password must be at least {MIN_PASSWORD} characters long."),
        ));
    }
    if length > MAX_PASSWORD {
        return Err(ApiError::invalid_field(
            "passwordProfile.password",
            format!("a password must be at most {MAX_PASSWORD} characters long."),
        ));
    }
    Ok(Password::new(profile.password))
}
