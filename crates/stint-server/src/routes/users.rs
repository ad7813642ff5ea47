//! `/v1.0/users`, `/v1.0/users/{id}`, `/v1.0/me` and the groups a user is a member of (SPEC D1, D8).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use stint_app::directory::{UserChanges, UserInput};
use stint_app::Password;
use stint_core::directory::User;
use stint_core::ids::UserId;
use stint_core::State as DirectoryState;
use stint_odata::Allowed;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::group_members::DIRECTORY_OBJECTS;
use crate::collection::{self, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson, Meta};
use crate::shape::directory as shape;
use crate::wire::{self, ListOptions, SelectOption};
use crate::{ApiRouter, ServerState};

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
];

const USERS: ListSpec = ListSpec {
    context: "users",
    allowed: Allowed {
        filter: true,
        select: true,
        expand: &[],
        top: true,
    },
    properties: USER_PROPERTIES,
};

const USER: ListSpec = ListSpec {
    context: "users",
    allowed: Allowed {
        filter: false,
        select: true,
        expand: &[],
        top: false,
    },
    properties: USER_PROPERTIES,
};

/// Graph's limits on a user principal name and a password.
const MAX_USER_PRINCIPAL_NAME: usize = 113;
const MAX_NAME: usize = 256;
const MAX_MAIL_NICKNAME: usize = 64;
pub(super) const MIN_PASSWORD: usize = 8;
pub(super) const MAX_PASSWORD: usize = 256;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewUserBody {
    #[serde(rename = "@odata.type", default)]
    #[schema(value_type = Option<String>)]
    _odata_type: Option<Value>,
    account_enabled: bool,
    display_name: String,
    user_principal_name: String,
    #[serde(deserialize_with = "crate::extract::object")]
    password_profile: PasswordProfile,
    /// Accepted for compatibility with Graph scripts; Stint keeps no mailbox.
    #[serde(default)]
    mail_nickname: Option<String>,
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

impl std::fmt::Debug for PasswordProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordProfile(<redacted>)")
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserPatchBody {
    #[serde(rename = "@odata.type", default)]
    #[schema(value_type = Option<String>)]
    _odata_type: Option<Value>,
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schema(value_type = Option<String>)]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schema(value_type = Option<bool>)]
    account_enabled: Option<Option<bool>>,
    /// A password reset (SPEC D8).
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schema(value_type = Option<PasswordProfile>)]
    password_profile: Option<Option<PasswordProfile>>,
}

/// Creates a user (SPEC D1).
#[utoipa::path(post, path = "/v1.0/users", tag = "directory", request_body = NewUserBody,
    responses((status = 201, description = "The new user"),
              (status = 400, description = "Invalid body, or the userPrincipalName is taken"),
              (status = 403, description = "The caller may not create users")),
    security(("bearer" = [])))]
async fn create_user(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    wire::optional_text("mailNickname", body.mail_nickname, MAX_MAIL_NICKNAME)?;
    let input = UserInput {
        user_principal_name: user_principal_name(body.user_principal_name)?,
        display_name: wire::required_text("displayName", body.display_name, MAX_NAME)?,
        account_enabled: body.account_enabled,
        password: password(body.password_profile)?,
    };
    let created = server.app.create_user(&session, &meta, input).await?;
    let base = collection::base_url(&headers);
    Ok((
        StatusCode::CREATED,
        Json(collection::entity(
            &base,
            USERS.context,
            shape::user(&created.value),
        )),
    ))
}

/// Lists users, sorted by display name.
#[utoipa::path(get, path = "/v1.0/users", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of users"),
              (status = 400, description = "An invalid query option")),
    security(("bearer" = [])))]
async fn list_users(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &USERS)?;
    let mut users = server
        .app
        .read(|state| state.users.values().map(shape::user).collect::<Vec<_>>());
    shape::sort_by_display_name(&mut users);
    let base = collection::base_url(&headers);
    Ok(Json(collection::collection(
        &base,
        "/v1.0/users",
        &USERS,
        &query,
        users,
    )?))
}

/// Reads a user by id or by userPrincipalName.
#[utoipa::path(get, path = "/v1.0/users/{id}", tag = "directory",
    params(("id" = String, Path, description = "The user's id or userPrincipalName"), SelectOption),
    responses((status = 200, description = "The user"),
              (status = 404, description = "No such user")),
    security(("bearer" = [])))]
async fn get_user(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &USER)?;
    let user = server
        .app
        .read(|state| resolve(state, &key).map(shape::user))?;
    let base = collection::base_url(&headers);
    Ok(Json(wire::selected_entity(&base, &USER, &query, user)))
}

/// Changes a user's displayName or accountEnabled, or resets the password (SPEC D1, D8).
#[utoipa::path(patch, path = "/v1.0/users/{id}", tag = "directory", request_body = UserPatchBody,
    params(("id" = String, Path, description = "The user's id or userPrincipalName")),
    responses((status = 204, description = "Changed"),
              (status = 400, description = "Invalid body"),
              (status = 403, description = "The caller may not change this user"),
              (status = 404, description = "No such user")),
    security(("bearer" = [])))]
async fn update_user(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
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
    };
    let id = server
        .app
        .read(|state| resolve(state, &key).map(|user| user.id))?;
    server.app.update_user(&session, &meta, id, changes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/v1.0/me", tag = "directory", params(SelectOption),
    responses((status = 200, description = "The signed-in user")),
    security(("bearer" = [])))]
async fn me(
    Auth(session): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &USER)?;
    let user = server
        .app
        .read(|state| state.users.get(&session.user).map(shape::user))
        .ok_or_else(ApiError::unauthenticated)?;
    let base = collection::base_url(&headers);
    Ok(Json(wire::selected_entity(&base, &USER, &query, user)))
}

/// The groups the user is an active direct member of now.
#[utoipa::path(get, path = "/v1.0/users/{id}/memberOf", tag = "directory",
    params(("id" = String, Path, description = "The user's id or userPrincipalName"), ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)"),
              (status = 404, description = "No such user")),
    security(("bearer" = [])))]
async fn member_of(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let path = format!("/v1.0/users/{key}/memberOf");
    groups_of(&server, &headers, raw, &path, Who::Key(&key), false)
}

/// The groups the user is an effective member of now, through nesting.
#[utoipa::path(get, path = "/v1.0/users/{id}/transitiveMemberOf", tag = "directory",
    params(("id" = String, Path, description = "The user's id or userPrincipalName"), ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)"),
              (status = 404, description = "No such user")),
    security(("bearer" = [])))]
async fn transitive_member_of(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let path = format!("/v1.0/users/{key}/transitiveMemberOf");
    groups_of(&server, &headers, raw, &path, Who::Key(&key), true)
}

/// The groups the signed-in user is an active direct member of now.
#[utoipa::path(get, path = "/v1.0/me/memberOf", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)")),
    security(("bearer" = [])))]
async fn my_member_of(
    Auth(session): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    groups_of(
        &server,
        &headers,
        raw,
        "/v1.0/me/memberOf",
        Who::Id(session.user),
        false,
    )
}

/// The groups the signed-in user is an effective member of now, through nesting.
#[utoipa::path(get, path = "/v1.0/me/transitiveMemberOf", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of directoryObjects (groups)")),
    security(("bearer" = [])))]
async fn my_transitive_member_of(
    Auth(session): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    groups_of(
        &server,
        &headers,
        raw,
        "/v1.0/me/transitiveMemberOf",
        Who::Id(session.user),
        true,
    )
}

enum Who<'a> {
    Key(&'a str),
    Id(UserId),
}

fn groups_of(
    server: &ServerState,
    headers: &HeaderMap,
    raw: Option<String>,
    path: &str,
    who: Who<'_>,
    transitive: bool,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &DIRECTORY_OBJECTS)?;
    let now = server.app.now();
    let mut groups = server.app.read(|state| {
        let user = match who {
            Who::Key(key) => resolve(state, key)?.id,
            Who::Id(id) => id,
        };
        Ok::<_, ApiError>(member_of_now(state, user, now, transitive))
    })?;
    shape::sort_by_display_name(&mut groups);
    let base = collection::base_url(headers);
    Ok(Json(collection::collection(
        &base,
        path,
        &DIRECTORY_OBJECTS,
        &query,
        groups,
    )?))
}

fn member_of_now(
    state: &DirectoryState,
    user: UserId,
    now: DateTime<Utc>,
    transitive: bool,
) -> Vec<Value> {
    let groups = if transitive {
        state.transitive_member_of(user.into(), now)
    } else {
        state.direct_member_of(user.into(), now)
    };
    groups
        .into_iter()
        .filter_map(|group| state.live_group(group))
        .map(shape::group)
        .collect()
}

/// A user by id, or by userPrincipalName as Graph allows in `/users/{id | userPrincipalName}`.
pub(super) fn resolve<'a>(state: &'a DirectoryState, key: &str) -> ApiResult<&'a User> {
    let found = match key.parse::<UserId>() {
        Ok(id) => state.users.get(&id),
        Err(_) => state.user_by_name(key),
    };
    found.ok_or_else(|| {
        ApiError::not_found(format!(
            "User '{}'",
            key.chars().take(120).collect::<String>()
        ))
    })
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
