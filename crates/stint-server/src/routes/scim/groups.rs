//! `/scim/v2/Groups` (M2): groups the identity provider masters, with their members (users and
//! groups SCIM created). PIM cannot manage them, but they can be eligible members of groups it
//! manages; a member taken out loses the membership at once.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use stint_app::scim::ScimGroupRecord;
use stint_core::directory::Group;
use stint_core::rules::scim::ScimGroupInput;
use stint_core::scim::{ScimKind, ScimObject};
use uuid::Uuid;

use super::endpoint::{Endpoint, Refusal};
use super::error::{ScimError, ScimResult};
use super::resource::{self, location, Resource};
use super::users::Users;
use super::ScimCall;

pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

super::endpoint::endpoint_routes!(Groups, "/scim/v2/Groups", "/scim/v2/Groups/{id}");

pub struct Groups;

impl Resource for Groups {
    const NAME: &'static str = "Group";
    const ENDPOINT: &'static str = "Groups";
    const SCHEMA: &'static str = GROUP_SCHEMA;
    type Record = ScimGroupRecord;

    fn object(record: &ScimGroupRecord) -> &ScimObject {
        &record.object
    }

    fn attributes(record: &ScimGroupRecord, base: &str) -> Map<String, Value> {
        let members = (record.members.iter())
            .map(|member| {
                let (kind, endpoint) = match member.kind {
                    ScimKind::User => (Users::NAME, Users::ENDPOINT),
                    ScimKind::Group => (Groups::NAME, Groups::ENDPOINT),
                };
                json!({
                    "value": member.id.to_string(),
                    "type": kind,
                    "$ref": location(base, endpoint, member.id),
                })
            })
            .collect();
        attributes(&record.group, members)
    }
}

impl Endpoint for Groups {
    type Input = ScimGroupInput;

    fn read(body: &Value) -> ScimResult<ScimGroupInput> {
        read(body)
    }

    fn records(call: &ScimCall) -> Vec<ScimGroupRecord> {
        call.app().scim_groups(&call.session)
    }

    fn record(call: &ScimCall, id: Uuid) -> Option<ScimGroupRecord> {
        call.app().scim_group(&call.session, id)
    }

    async fn create(call: &ScimCall, input: ScimGroupInput) -> ScimResult<Uuid> {
        let app = call.app();
        Ok(app
            .scim_create_group(&call.session, &call.meta, input)
            .await?
            .value)
    }

    async fn write(
        call: &ScimCall,
        id: Uuid,
        edit: impl FnOnce(Value) -> ScimResult<ScimGroupInput> + Send + 'static,
    ) -> ScimResult<()> {
        let refusal = Refusal::default();
        let kept = refusal.clone();
        let written = (call.app())
            .scim_write_group(
                &call.session,
                &call.meta,
                id,
                call.if_match,
                move |group, object, members| {
                    let members = (members.iter())
                        .map(|member| json!({"value": member.to_string()}))
                        .collect();
                    let mut current = Value::Object(attributes(group, members));
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
        app.scim_delete_group(&call.session, &call.meta, id, call.if_match)
            .await?;
        Ok(())
    }
}

fn attributes(group: &Group, members: Vec<Value>) -> Map<String, Value> {
    let mut attributes = Map::new();
    attributes.insert("displayName".into(), group.display_name.clone().into());
    if !members.is_empty() {
        attributes.insert("members".into(), members.into());
    }
    attributes
}

/// A group as the identity provider wrote it; of each member only its `value` counts.
fn read(body: &Value) -> ScimResult<ScimGroupInput> {
    let members = resource::many(body, "members")
        .into_iter()
        .map(|member| {
            let value = resource::required(member, "value")
                .map_err(|_| ScimError::invalid_value("each of members needs a value."))?;
            Uuid::parse_str(value.trim()).map_err(|_| {
                ScimError::invalid_value(format!(
                    "members: '{value}' is not the id of a user or group provisioned over SCIM."
                ))
            })
        })
        .collect::<ScimResult<BTreeSet<Uuid>>>()?;
    Ok(ScimGroupInput {
        display_name: resource::required(body, "displayName")?,
        external_id: resource::string(body, "externalId")?,
        members,
    })
}
