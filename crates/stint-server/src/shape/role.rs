//! Graph's `unifiedRole*` PIM shapes: role eligibility and assignment schedule requests, schedules
//! and schedule instances. Graph writes `memberType` (`Direct`, `Group`) and `assignmentType`
//! (`Assigned`, `Activated`) capitalised for directory roles.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use stint_core::directory::{BuiltInRole, DirectoryScope, RoleAssignment};
use stint_core::ids::PrincipalId;
use stint_core::role_request::RoleScheduleRequest;
use stint_core::schedule::AssignmentType;
use stint_core::text::capitalised;

use crate::shape::pim::{
    assignment_type, insert, joined, member_type, properties, request_common, window_info,
};
use crate::wire::{optional_time, time};

/// Properties of the entities this module shapes: those `$filter` and `$select` may name.
pub const REQUEST_PROPERTIES: &[&str] = properties!(
    requests and "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "principal",
    "roleDefinition"
);
pub const SCHEDULE_PROPERTIES: &[&str] = properties!(
    schedules and "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "principal",
    "roleDefinition"
);
pub const INSTANCE_PROPERTIES: &[&str] = properties!(
    instances and "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "principal",
    "roleDefinition",
    "roleEligibilityScheduleId",
    "roleAssignmentOriginId",
    "roleAssignmentScheduleId"
);

/// `unifiedRoleEligibilityScheduleRequest` / `unifiedRoleAssignmentScheduleRequest`.
pub fn request(request: &RoleScheduleRequest) -> Value {
    let common = request_common!(request, false);
    joined([
        common.head(),
        role_fields(
            request.principal_id,
            request.target.role,
            request.target.scope,
        ),
        json!({
            "isValidationOnly": request.is_validation_only,
            "targetScheduleId": request.target_schedule_id.map(|id| id.to_string()),
            "justification": request.justification,
            "scheduleInfo": common.schedule_info(),
            "ticketInfo": common.ticket_info(),
        }),
    ])
}

/// `unifiedRoleEligibilitySchedule` / `unifiedRoleAssignmentSchedule` (with `assignmentType`).
pub fn schedule(assignment: &RoleAssignment, now: DateTime<Utc>) -> Value {
    let mut value = joined([
        json!({ "id": assignment.id.to_string() }),
        assignment_role_fields(assignment),
        json!({
            "createdUsing": assignment.created_using.map(|id| id.to_string()),
            "createdDateTime": time(assignment.created_at),
            "modifiedDateTime": optional_time(assignment.removed_at),
            "status": assignment.status_at(now),
            "memberType": capitalised(member_type(assignment.member_type)),
            "scheduleInfo": window_info(assignment.effective_window()),
        }),
    ]);
    if !assignment.eligible {
        insert(
            &mut value,
            "assignmentType",
            role_assignment_type(assignment),
        );
    }
    value
}

/// `unifiedRoleEligibilityScheduleInstance` / `unifiedRoleAssignmentScheduleInstance`.
pub fn instance(assignment: &RoleAssignment) -> Value {
    let window = assignment.effective_window();
    let id = assignment.id.to_string();
    let mut value = joined([
        json!({ "id": id }),
        assignment_role_fields(assignment),
        json!({
            "startDateTime": time(window.start),
            "endDateTime": optional_time(window.end),
            "memberType": capitalised(member_type(assignment.member_type)),
        }),
    ]);
    if assignment.eligible {
        insert(&mut value, "roleEligibilityScheduleId", id.into());
    } else {
        insert(
            &mut value,
            "assignmentType",
            role_assignment_type(assignment),
        );
        insert(&mut value, "roleAssignmentOriginId", id.clone().into());
        insert(&mut value, "roleAssignmentScheduleId", id.into());
    }
    value
}

fn assignment_role_fields(assignment: &RoleAssignment) -> Value {
    role_fields(assignment.principal_id, assignment.role, assignment.scope)
}

fn role_fields(principal: PrincipalId, role: BuiltInRole, scope: DirectoryScope) -> Value {
    json!({
        "principalId": principal.to_string(),
        "roleDefinitionId": role.id().to_string(),
        "directoryScopeId": scope.to_string(),
        "appScopeId": null,
    })
}

fn role_assignment_type(assignment: &RoleAssignment) -> Value {
    let assignment_type = if assignment.activated {
        AssignmentType::Activated
    } else {
        AssignmentType::Assigned
    };
    capitalised(self::assignment_type(assignment_type)).into()
}
