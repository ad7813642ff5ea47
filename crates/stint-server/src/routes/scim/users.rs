//! `/scim/v2/Users` (M2, M3): userName → user principal name, displayName (else the name) →
//! display name, active → account enabled, the primary (else first work) address → mail. Only
//! users SCIM created are seen or changed; a delete disables the user for good.

use serde_json::{json, Map, Value};
use stint_app::scim::ScimUserRecord;
use stint_core::directory::User;
use stint_core::rules::scim::ScimUserInput;
use stint_core::scim::{ScimEmail, ScimName, ScimObject};
use uuid::Uuid;

use super::endpoint::{Endpoint, Refusal};
use super::error::{ScimError, ScimResult};
use super::filter::get_ci;
use super::resource::{self, Resource};
use super::ScimCall;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

super::endpoint::endpoint_routes!(Users, "/scim/v2/Users", "/scim/v2/Users/{id}");

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
        edit: impl FnOnce(Value) -> ScimResult<ScimUserInput> + Send + 'static,
    ) -> ScimResult<()> {
        let refusal = Refusal::default();
        let kept = refusal.clone();
        let written = (call.app())
            .scim_write_user(
                &call.session,
                &call.meta,
                id,
                call.if_match,
                move |user, object| {
                    let mut current = Value::Object(attributes(user, object));
                    if let Some(external_id) = &object.external_id {
                        current["externalId"] = external_id.clone().into();
                    }
                    edit(current).map_err(|error| kept.keep(error))
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
