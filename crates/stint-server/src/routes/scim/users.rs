//! `/scim/v2/Users` (M2, M3): userName → user principal name, displayName (else the name) →
//! display name, active → account enabled, the primary (else first work) address → mail. Only
//! users SCIM created are seen or changed; a delete disables the user for good.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};
use stint_app::scim::ScimUserRecord;
use stint_core::directory::User;
use stint_core::rules::scim::ScimUserInput;
use stint_core::scim::{ScimEmail, ScimName, ScimObject};
use utoipa_axum::routes;
use uuid::Uuid;

use super::endpoint::{self, Endpoint, Refusal};
use super::error::{ScimError, ScimResult};
use super::filter::get_ci;
use super::resource::{self, Resource};
use super::{ScimBody, ScimCall};
use crate::ApiRouter;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, replace_user, patch_user, delete_user))
}

pub struct Users;

impl Resource for Users {
    const NAME: &'static str = "User";
    const ENDPOINT: &'static str = "Users";
    const SCHEMA: &'static str = USER_SCHEMA;
    type Record = ScimUserRecord;

    fn object(record: &ScimUserRecord) -> &ScimObject {
        &record.object
    }

    fn attributes(record: &ScimUserRecord, _base: &str) -> Map<String, Value> {
        attributes(&record.user, &record.object)
    }
}

impl Endpoint for Users {
    type Input = ScimUserInput;

    fn read(body: &Value) -> ScimResult<ScimUserInput> {
        read(body)
    }

    fn records(call: &ScimCall) -> Vec<ScimUserRecord> {
        call.app().scim_users(&call.session)
    }

    fn record(call: &ScimCall, id: Uuid) -> Option<ScimUserRecord> {
        call.app().scim_user(&call.session, id)
    }

    async fn create(call: &ScimCall, input: ScimUserInput) -> ScimResult<Uuid> {
        let app = call.app();
        Ok(app
            .scim_create_user(&call.session, &call.meta, input)
            .await?
            .value)
    }

    async fn write(
        call: &ScimCall,
        id: Uuid,
        edit: impl FnOnce(Value) -> ScimResult<ScimUserInput> + Send,
    ) -> ScimResult<()> {
        let mut refusal = Refusal::default();
        let written = (call.app())
            .scim_write_user(
                &call.session,
                &call.meta,
                id,
                call.if_match,
                |user, object| {
                    let mut current = Value::Object(attributes(user, object));
                    if let Some(external_id) = &object.external_id {
                        current["externalId"] = external_id.clone().into();
                    }
                    edit(current).map_err(|error| refusal.keep(error))
                },
            )
            .await;
        refusal.answer(written)
    }

    async fn delete(call: &ScimCall, id: Uuid) -> ScimResult<()> {
        let app = call.app();
        app.scim_delete_user(&call.session, &call.meta, id, call.if_match)
            .await?;
        Ok(())
    }
}

fn attributes(user: &User, object: &ScimObject) -> Map<String, Value> {
    let mut attributes = Map::new();
    attributes.insert("userName".into(), user.user_principal_name.clone().into());
    if let Some(display_name) = &object.display_name {
        attributes.insert("displayName".into(), display_name.clone().into());
    }
    let mut name = Map::new();
    for (key, part) in [
        ("formatted", &object.name.formatted),
        ("givenName", &object.name.given_name),
        ("familyName", &object.name.family_name),
    ] {
        if let Some(part) = part {
            name.insert(key.into(), part.clone().into());
        }
    }
    if !name.is_empty() {
        attributes.insert("name".into(), Value::Object(name));
    }
    if !object.emails.is_empty() {
        let emails: Vec<Value> = (object.emails.iter())
            .map(|email| {
                let mut value = json!({"value": email.value, "primary": email.primary});
                if let Some(kind) = &email.kind {
                    value["type"] = kind.clone().into();
                }
                value
            })
            .collect();
        attributes.insert("emails".into(), emails.into());
    }
    // Shown unless SCIM never gave it and the account is enabled (a removed `active` stays removed).
    if object.active.is_some() || !user.account_enabled {
        attributes.insert("active".into(), user.account_enabled.into());
    }
    attributes
}

/// A user as the identity provider wrote it. Unknown attributes (an enterprise extension, a
/// password) are ignored; roles and entitlements are refused, since SCIM grants no access.
fn read(body: &Value) -> ScimResult<ScimUserInput> {
    for granted in ["roles", "entitlements"] {
        if !resource::many(body, granted).is_empty() {
            return Err(ScimError::bad(
                "mutability",
                format!("Stint takes no {granted} over SCIM: access is granted by PIM, not by the identity provider."),
            ));
        }
    }
    let name = match get_ci(body, "name") {
        None | Some(Value::Null) => ScimName::default(),
        Some(name @ Value::Object(_)) => ScimName {
            formatted: resource::string(name, "formatted")?,
            given_name: resource::string(name, "givenName")?,
            family_name: resource::string(name, "familyName")?,
        },
        Some(_) => return Err(ScimError::invalid_value("name must be an object.")),
    };
    let emails = resource::many(body, "emails")
        .into_iter()
        .map(|email| {
            Ok(ScimEmail {
                value: resource::required(email, "value")
                    .map_err(|_| ScimError::invalid_value("each of emails needs a value."))?,
                kind: resource::string(email, "type")?,
                primary: match get_ci(email, "primary") {
                    None | Some(Value::Null) => false,
                    Some(flag) => resource::boolean(flag, "emails.primary")?,
                },
            })
        })
        .collect::<ScimResult<Vec<_>>>()?;
    Ok(ScimUserInput {
        user_name: resource::required(body, "userName")?,
        display_name: resource::string(body, "displayName")?,
        name,
        emails,
        active: match get_ci(body, "active") {
            None | Some(Value::Null) => None,
            Some(flag) => Some(resource::boolean(flag, "active")?),
        },
        external_id: resource::string(body, "externalId")?,
    })
}

/// Provisions a user.
#[utoipa::path(post, path = "/scim/v2/Users", tag = "scim",
    responses((status = 201, description = "The user"), (status = 409, description = "userName is taken")))]
async fn create_user(call: ScimCall, ScimBody(body): ScimBody) -> ScimResult<Response> {
    endpoint::create::<Users>(call, body).await
}

/// The users SCIM created, filtered and paged.
#[utoipa::path(get, path = "/scim/v2/Users", tag = "scim",
    responses((status = 200, description = "A list response")))]
async fn list_users(call: ScimCall) -> ScimResult<Response> {
    endpoint::list::<Users>(&call)
}

/// One user SCIM created.
#[utoipa::path(get, path = "/scim/v2/Users/{id}", tag = "scim",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "The user"), (status = 404, description = "No such user")))]
async fn get_user(call: ScimCall, Path(id): Path<String>) -> ScimResult<Response> {
    endpoint::get::<Users>(&call, &id)
}

/// Replaces a user (honouring `If-Match`).
#[utoipa::path(put, path = "/scim/v2/Users/{id}", tag = "scim",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "The user"), (status = 412, description = "If-Match names another version")))]
async fn replace_user(
    call: ScimCall,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    endpoint::replace::<Users>(call, id, body).await
}

/// Changes a user with PATCH operations (honouring `If-Match`).
#[utoipa::path(patch, path = "/scim/v2/Users/{id}", tag = "scim",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "The user"), (status = 412, description = "If-Match names another version")))]
async fn patch_user(
    call: ScimCall,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    endpoint::patch::<Users>(call, id, body).await
}

/// Deletes a user: disabled for good, hidden from SCIM, history kept (M3).
#[utoipa::path(delete, path = "/scim/v2/Users/{id}", tag = "scim",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such user")))]
async fn delete_user(call: ScimCall, Path(id): Path<String>) -> ScimResult<StatusCode> {
    endpoint::delete::<Users>(call, id).await
}
