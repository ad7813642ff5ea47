//! Graph's `unifiedRole*` PIM shapes: role eligibility and assignment schedule requests, schedules
//! and schedule instances. Graph writes `memberType` (`Direct`, `Group`) and `assignmentType`
//! (`Assigned`, `Activated`) capitalised for directory roles.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use stint_core::directory::{BuiltInRole, RoleAssignment};
use stint_core::ids::PrincipalId;
use stint_core::role_request::RoleScheduleRequest;
use stint_core::schedule::MemberType;
use stint_core::state::State;

use crate::shape::directory;
use crate::shape::pim::{expiration, schedule_expiration};
use crate::wire::{optional_time, time};

/// `unifiedRoleEligibilityScheduleRequest` / `unifiedRoleAssignmentScheduleRequest`.
pub fn request(request: &RoleScheduleRequest) -> Value {
    let schedule_info = request.schedule.map(|schedule| {
        json!({
            "startDateTime": optional_time(request.resolved_start.or(schedule.start)),
            "recurrence": null,
            "expiration": expiration(&schedule.expiration),
        })
    });
    let ticket = request.ticket.clone().unwrap_or_default();
    json!({
        "id": request.id.to_string(),
        "status": request.status.as_str(),
        "createdDateTime": time(request.created_at),
        "completedDateTime": optional_time(request.completed_at),
        "approvalId": null,
        "customData": null,
        "createdBy": { "user": { "id": request.created_by.to_string() } },
        "action": request.action.as_str(),
        "principalId": request.principal_id.to_string(),
        "roleDefinitionId": request.role.id().to_string(),
        "directoryScopeId": request.scope.to_string(),
        "appScopeId": null,
        "isValidationOnly": request.is_validation_only,
        "targetScheduleId": request.target_schedule_id.map(|id| id.to_string()),
        "justification": request.justification,
        "scheduleInfo": schedule_info,
        "ticketInfo": { "ticketNumber": ticket.number, "ticketSystem": ticket.system },
    })
}

/// `unifiedRoleEligibilitySchedule` / `unifiedRoleAssignmentSchedule` (with `assignmentType`).
pub fn schedule(assignment: &RoleAssignment, now: DateTime<Utc>) -> Value {
    let window = assignment.effective_window();
    let mut value = json!({
        "id": assignment.id.to_string(),
        "principalId": assignment.principal_id.to_string(),
        "roleDefinitionId": assignment.role.id().to_string(),
        "directoryScopeId": assignment.scope.to_string(),
        "appScopeId": null,
        "createdUsing": assignment.created_using.map(|id| id.to_string()),
        "createdDateTime": time(assignment.created_at),
        "modifiedDateTime": optional_time(assignment.removed_at),
        "status": assignment.status_at(now),
        "memberType": member_type(assignment.member_type),
        "scheduleInfo": {
            "startDateTime": time(window.start),
            "recurrence": null,
            "expiration": schedule_expiration(window.end),
        },
    });
    if !assignment.eligible {
        insert(
            &mut value,
            "assignmentType",
            assignment_type(assignment).into(),
        );
    }
    value
}

/// `unifiedRoleEligibilityScheduleInstance` / `unifiedRoleAssignmentScheduleInstance`.
pub fn instance(assignment: &RoleAssignment) -> Value {
    let window = assignment.effective_window();
    let id = assignment.id.to_string();
    let mut value = json!({
        "id": id,
        "principalId": assignment.principal_id.to_string(),
        "roleDefinitionId": assignment.role.id().to_string(),
        "directoryScopeId": assignment.scope.to_string(),
        "appScopeId": null,
        "startDateTime": time(window.start),
        "endDateTime": optional_time(window.end),
        "memberType": member_type(assignment.member_type),
    });
    if assignment.eligible {
        insert(&mut value, "roleEligibilityScheduleId", id.into());
    } else {
        insert(
            &mut value,
            "assignmentType",
            assignment_type(assignment).into(),
        );
        insert(&mut value, "roleAssignmentOriginId", id.clone().into());
        insert(&mut value, "roleAssignmentScheduleId", id.into());
    }
    value
}

/// Adds `principal` and `roleDefinition` objects when `$expand` asks for them.
pub fn expand(
    state: &State,
    mut value: Value,
    (principal_id, role): (PrincipalId, BuiltInRole),
    principal: bool,
    role_definition: bool,
) -> Value {
    if principal {
        insert(
            &mut value,
            "principal",
            directory::principal(state, principal_id),
        );
    }
    if role_definition {
        insert(
            &mut value,
            "roleDefinition",
            directory::role_definition(role),
        );
    }
    value
}

fn insert(value: &mut Value, key: &str, field: Value) {
    if let Value::Object(map) = value {
        map.insert(key.to_string(), field);
    }
}

fn member_type(member_type: MemberType) -> &'static str {
    match member_type {
        MemberType::Direct => "Direct",
        MemberType::Group => "Group",
    }
}

fn assignment_type(assignment: &RoleAssignment) -> &'static str {
    if assignment.activated {
        "Activated"
    } else {
        "Assigned"
    }
}
