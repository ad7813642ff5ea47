//! Graph's `user`, `group`, `directoryObject`, role and administrative unit shapes.

use serde_json::{json, Value};
use stint_app::View;
use stint_core::directory::{
    AdministrativeUnit, BuiltInRole, Group, GroupKind, GroupSource, RoleAssignment, User,
};
use stint_core::ids::PrincipalId;
use stint_core::state::Principal;

use crate::wire::time;

pub fn user(user: &User) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.user",
        "id": user.id.to_string(),
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "accountEnabled": user.account_enabled,
        "createdDateTime": time(user.created_at),
        "mail": user.mail,
    })
}

pub fn group(group: &Group) -> Value {
    let mut group_types = Vec::new();
    if group.kind == GroupKind::Microsoft365 {
        group_types.push("Unified");
    }
    if group.is_dynamic() {
        group_types.push("DynamicMembership");
    }
    json!({
        "@odata.type": "#microsoft.graph.group",
        "id": group.id.to_string(),
        "displayName": group.display_name,
        "description": group.description,
        "groupTypes": group_types,
        "securityEnabled": true,
        "mailEnabled": group.kind == GroupKind::Microsoft365,
        "isAssignableToRole": group.is_assignable_to_role,
        "membershipRule": group.membership_rule,
        "membershipRuleProcessingState": group.membership_rule.as_ref().map(|_| "On"),
        "onPremisesSyncEnabled": (group.source == GroupSource::Synced).then_some(true),
        "createdDateTime": time(group.created_at),
    })
}

/// A user or group as a `directoryObject`, or `null` if it no longer exists.
pub fn principal(view: &View<'_>, id: PrincipalId) -> Value {
    view.principal(id).map_or(Value::Null, directory_object)
}

/// A user or group as a `directoryObject`.
pub fn directory_object(principal: Principal<'_>) -> Value {
    match principal {
        Principal::User(found) => user(found),
        Principal::Group(found) => group(found),
    }
}

pub fn role_definition(role: BuiltInRole) -> Value {
    json!({
        "id": role.id().to_string(),
        "displayName": role.display_name(),
        "description": role.description(),
        "isBuiltIn": true,
        "isEnabled": true,
        "templateId": role.id().to_string(),
        "rolePermissions": [],
    })
}

pub fn role_assignment(assignment: &RoleAssignment) -> Value {
    json!({
        "id": assignment.id.to_string(),
        "principalId": assignment.principal_id.to_string(),
        "roleDefinitionId": assignment.role.id().to_string(),
        "directoryScopeId": assignment.scope.to_string(),
        "appScopeId": null,
    })
}

pub fn administrative_unit(unit: &AdministrativeUnit) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.administrativeUnit",
        "id": unit.id.to_string(),
        "displayName": unit.display_name,
        "description": unit.description,
        "visibility": null,
    })
}

/// Sorts shaped directory objects by `displayName` (ignoring case), then `id`, so that lists and
/// their pages are stable.
pub fn sort_by_display_name(items: &mut [Value]) {
    items.sort_by_cached_key(|item| {
        let name = item["displayName"].as_str().unwrap_or_default();
        (
            name.to_lowercase(),
            name.to_string(),
            item["id"].as_str().unwrap_or_default().to_string(),
        )
    });
}
