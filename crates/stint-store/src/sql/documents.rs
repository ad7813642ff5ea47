//! Document mapping: each object is stored whole as a JSON document in its table's `doc` column,
//! next to the key and lookup columns. This says which table holds which kind of object, and
//! which values a change writes.

use stint_core::Change;

use super::codec::{decode, json, kind_name, timestamp};
use super::{Param, Upserts};
use crate::bulk::Decoder;
use crate::StoreError;

/// Every entity table, and how its documents become changes.
pub const TABLES: [(&str, Decoder); 14] = [
    ("tenant", |doc| decode(doc).map(Change::Tenant)),
    ("users", |doc| decode(doc).map(Change::User)),
    ("groups", |doc| decode(doc).map(Change::Group)),
    ("administrative_units", |doc| {
        decode(doc).map(Change::AdministrativeUnit)
    }),
    ("role_assignments", |doc| {
        decode(doc).map(Change::RoleAssignment)
    }),
    ("policies", |doc| decode(doc).map(Change::Policy)),
    ("schedules", |doc| decode(doc).map(Change::Schedule)),
    ("requests", |doc| decode(doc).map(Change::Request)),
    ("role_requests", |doc| decode(doc).map(Change::RoleRequest)),
    ("tokens", |doc| decode(doc).map(Change::Token)),
    ("webhooks", |doc| decode(doc).map(Change::Webhook)),
    ("scim_tokens", |doc| decode(doc).map(Change::ScimToken)),
    ("scim_objects", |doc| decode(doc).map(Change::ScimObject)),
    ("connectors", |doc| decode(doc).map(Change::Connector)),
];

/// The statement that writes a change and its parameters, all text: keys first, the JSON
/// document last. Every change is an upsert of a whole object by its key, except that a revoked
/// token is deleted.
pub fn change_params(
    upserts: &Upserts,
    change: &Change,
) -> Result<(&'static str, Vec<Param>), StoreError> {
    let (sql, params) = match change {
        Change::Tenant(tenant) => (
            upserts.tenant,
            vec![tenant.id.to_string(), json("tenant", tenant)?],
        ),
        Change::User(user) => (
            upserts.user,
            vec![
                user.id.to_string(),
                // D1 compares names by their key, exactly as `User::has_name` does.
                stint_core::names::user_name_key(&user.user_principal_name),
                json("user", user)?,
            ],
        ),
        Change::Group(group) => (
            upserts.group,
            vec![group.id.to_string(), json("group", group)?],
        ),
        Change::AdministrativeUnit(unit) => (
            upserts.administrative_unit,
            vec![unit.id.to_string(), json("administrative unit", unit)?],
        ),
        Change::RoleAssignment(assignment) => (
            upserts.role_assignment,
            vec![
                assignment.id.to_string(),
                assignment.principal_id.to_string(),
                json("role assignment", assignment)?,
            ],
        ),
        Change::Policy(policy) => (
            upserts.policy,
            vec![
                policy.group_id.to_string(),
                policy.access.to_string(),
                json("policy", policy)?,
            ],
        ),
        // The group and access are part of a schedule's id, so they never change.
        Change::Schedule(schedule) => (
            upserts.schedule,
            vec![
                schedule.id.to_string(),
                schedule.group_id().to_string(),
                schedule.principal_id.to_string(),
                schedule.access().to_string(),
                kind_name(schedule.kind).to_owned(),
                json("schedule", schedule)?,
            ],
        ),
        Change::Request(request) => (
            upserts.request,
            vec![
                request.id.to_string(),
                request.target.group_id.to_string(),
                request.principal_id.to_string(),
                request.status.as_str().to_owned(),
                json("request", request)?,
            ],
        ),
        Change::RoleRequest(request) => (
            upserts.role_request,
            vec![
                request.id.to_string(),
                request.principal_id.to_string(),
                request.status.as_str().to_owned(),
                json("role request", request)?,
            ],
        ),
        Change::Token(token) => (
            upserts.token,
            vec![
                token.hash.0.clone(),
                token.user_id.to_string(),
                timestamp(token.expires_at),
                json("token", token)?,
            ],
        ),
        Change::TokenRevoked(hash) => (upserts.delete_token, vec![hash.0.clone()]),
        Change::Webhook(webhook) => (
            upserts.webhook,
            vec![webhook.id.to_string(), json("webhook", webhook)?],
        ),
        Change::ScimToken(token) => (
            upserts.scim_token,
            vec![token.id.to_string(), json("SCIM token", token)?],
        ),
        Change::ScimObject(object) => (
            upserts.scim_object,
            vec![object.id.to_string(), json("SCIM object", object)?],
        ),
        Change::Connector(connector) => (
            upserts.connector,
            vec![connector.id.to_string(), json("connector", connector)?],
        ),
    };
    Ok((sql, params.into_iter().map(Param::Text).collect()))
}
