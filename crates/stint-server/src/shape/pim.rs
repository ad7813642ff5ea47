//! Graph's `privilegedAccessGroup*` shapes: schedule requests, schedules and schedule instances;
//! and the parts that Graph's directory-role shapes ([`super::role`]) share with them.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use stint_core::ids::{GroupId, PrincipalId, RequestId, UserId};
use stint_core::request::{
    Expiration, RequestAction, RequestStatus, RequestedSchedule, ScheduleRequest, TicketInfo,
};
use stint_core::schedule::{Access, AssignmentType, MemberType, Schedule, ScheduleKind, Window};

use crate::wire::{optional_time, time};

/// Properties of the entities this module shapes: those `$filter` and `$select` may name.
pub const REQUEST_PROPERTIES: &[&str] = properties!(requests and "accessId", "groupId");
pub const SCHEDULE_PROPERTIES: &[&str] = properties!(schedules and "accessId", "groupId");
pub const INSTANCE_PROPERTIES: &[&str] = properties!(
    instances and "accessId",
    "groupId",
    "assignmentScheduleId",
    "eligibilityScheduleId"
);

/// `privilegedAccessGroupEligibilityScheduleRequest` / `...AssignmentScheduleRequest`.
pub fn request(request: &ScheduleRequest) -> Value {
    let common = request_common!(request, request.approval.is_some());
    joined([
        common.head(),
        json!({
            "isValidationOnly": request.is_validation_only,
            "justification": request.justification,
            "scheduleInfo": common.schedule_info(),
            "ticketInfo": common.ticket_info(),
        }),
        group_fields(
            request.target.access,
            request.principal_id,
            request.target.group_id,
        ),
        json!({ "targetScheduleId": request.target_schedule_id.map(|id| id.to_string()) }),
    ])
}

/// `privilegedAccessGroupEligibilitySchedule` / `...AssignmentSchedule` (with `assignmentType`).
pub fn schedule(schedule: &Schedule, now: DateTime<Utc>) -> Value {
    let mut value = joined([
        json!({
            "id": schedule.id.to_string(),
            "scheduleInfo": window_info(schedule.effective_window()),
            "createdUsing": schedule.created_using.map(|id| id.to_string()),
            "createdDateTime": time(schedule.created_at),
            "modifiedDateTime": time(schedule.modified_at),
            "status": schedule.status_at(now),
            "memberType": member_type(schedule.member_type),
        }),
        schedule_group_fields(schedule),
    ]);
    if schedule.kind == ScheduleKind::Active {
        insert(
            &mut value,
            "assignmentType",
            assignment_type(schedule.assignment_type).into(),
        );
    }
    value
}

/// `privilegedAccessGroupEligibilityScheduleInstance` / `...AssignmentScheduleInstance`.
pub fn instance(schedule: &Schedule) -> Value {
    let window = schedule.effective_window();
    let id = schedule.id.to_string();
    let mut value = joined([
        json!({
            "id": id,
            "startDateTime": time(window.start),
            "endDateTime": optional_time(window.end),
        }),
        schedule_group_fields(schedule),
        json!({ "memberType": member_type(schedule.member_type) }),
    ]);
    match schedule.kind {
        ScheduleKind::Active => {
            insert(&mut value, "assignmentScheduleId", id.into());
            insert(
                &mut value,
                "assignmentType",
                assignment_type(schedule.assignment_type).into(),
            );
        }
        ScheduleKind::Eligible => insert(&mut value, "eligibilityScheduleId", id.into()),
    }
    value
}

fn schedule_group_fields(schedule: &Schedule) -> Value {
    group_fields(
        schedule.access(),
        schedule.principal_id,
        schedule.group_id(),
    )
}

fn group_fields(access: Access, principal: PrincipalId, group: GroupId) -> Value {
    json!({
        "accessId": access.as_str(),
        "principalId": principal.to_string(),
        "groupId": group.to_string(),
    })
}

/// What group and role schedule requests have in common, as Graph writes it.
pub(crate) struct RequestCommon<'a> {
    pub id: RequestId,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub has_approval: bool,
    pub created_by: UserId,
    pub action: RequestAction,
    pub schedule: Option<RequestedSchedule>,
    pub resolved_start: Option<DateTime<Utc>>,
    pub ticket: Option<&'a TicketInfo>,
}

/// The [`RequestCommon`] of a group or role request, whose fields are named alike.
macro_rules! request_common {
    ($request:expr, $has_approval:expr) => {
        $crate::shape::pim::RequestCommon {
            id: $request.id,
            status: $request.status,
            created_at: $request.created_at,
            completed_at: $request.completed_at,
            has_approval: $has_approval,
            created_by: $request.created_by,
            action: $request.action,
            schedule: $request.schedule,
            resolved_start: $request.resolved_start,
            ticket: $request.ticket.as_ref(),
        }
    };
}
pub(crate) use request_common;

/// The properties of a group or role schedule request, schedule or instance: those every one has
/// (for requests, [`RequestCommon::head`]'s first), then those given.
macro_rules! properties {
    (requests and $($own:literal),*) => {
        &[
            "id",
            "status",
            "createdDateTime",
            "completedDateTime",
            "approvalId",
            "customData",
            "createdBy",
            "action",
            "principalId",
            "isValidationOnly",
            "justification",
            "scheduleInfo",
            "ticketInfo",
            "targetScheduleId",
            $($own),*
        ]
    };
    (schedules and $($own:literal),*) => {
        &[
            "id",
            "principalId",
            "scheduleInfo",
            "createdUsing",
            "createdDateTime",
            "modifiedDateTime",
            "status",
            "memberType",
            "assignmentType",
            $($own),*
        ]
    };
    (instances and $($own:literal),*) => {
        &["id", "principalId", "startDateTime", "endDateTime", "memberType", "assignmentType", $($own),*]
    };
}
pub(crate) use properties;

impl RequestCommon<'_> {
    /// The properties every request starts with, `id` to `action`.
    pub fn head(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "status": self.status.as_str(),
            "createdDateTime": time(self.created_at),
            "completedDateTime": optional_time(self.completed_at),
            "approvalId": self.has_approval.then(|| self.id.to_string()),
            "customData": null,
            "createdBy": { "user": { "id": self.created_by.to_string() } },
            "action": self.action.as_str(),
        })
    }

    /// `scheduleInfo` as requested, with the start actually used.
    pub fn schedule_info(&self) -> Value {
        let Some(schedule) = self.schedule else {
            return Value::Null;
        };
        json!({
            "startDateTime": optional_time(self.resolved_start.or(schedule.start)),
            "recurrence": null,
            "expiration": expiration(&schedule.expiration),
        })
    }

    pub fn ticket_info(&self) -> Value {
        let ticket = self.ticket.cloned().unwrap_or_default();
        json!({ "ticketNumber": ticket.number, "ticketSystem": ticket.system })
    }
}

pub fn expiration(expiration: &Expiration) -> Value {
    let (end, duration) = match expiration {
        Expiration::AfterDateTime(end) => (time(*end), Value::Null),
        Expiration::AfterDuration(duration) => (Value::Null, duration.to_string().into()),
        Expiration::NoExpiration | Expiration::NotSpecified => (Value::Null, Value::Null),
    };
    json!({ "type": expiration.type_name(), "endDateTime": end, "duration": duration })
}

/// A schedule's `scheduleInfo`: the window in force.
pub(crate) fn window_info(window: Window) -> Value {
    let expiration = match window.end {
        Some(end) => json!({ "type": "afterDateTime", "endDateTime": time(end), "duration": null }),
        None => json!({ "type": "noExpiration", "endDateTime": null, "duration": null }),
    };
    json!({
        "startDateTime": time(window.start),
        "recurrence": null,
        "expiration": expiration,
    })
}

/// Adds the `principal` and the assigned object (`group`, `roleDefinition`) that `$expand` asked
/// for, each `None` when not asked for.
pub fn expanded(
    mut value: Value,
    principal: Option<Value>,
    target: Option<(&str, Value)>,
) -> Value {
    if let Some(principal) = principal {
        insert(&mut value, "principal", principal);
    }
    if let Some((name, target)) = target {
        insert(&mut value, name, target);
    }
    value
}

/// The objects of `parts`, in order, as one object.
pub(crate) fn joined<const N: usize>(parts: [Value; N]) -> Value {
    let mut map = Map::new();
    for part in parts {
        if let Value::Object(part) = part {
            map.extend(part);
        }
    }
    Value::Object(map)
}

pub(crate) fn insert(value: &mut Value, key: &str, field: Value) {
    if let Value::Object(map) = value {
        map.insert(key.to_string(), field);
    }
}

/// `direct` or `group`; directory roles capitalise it.
pub(crate) fn member_type(member_type: MemberType) -> &'static str {
    match member_type {
        MemberType::Direct => "direct",
        MemberType::Group => "group",
    }
}

/// `assigned` or `activated`; directory roles capitalise it.
pub(crate) fn assignment_type(assignment_type: AssignmentType) -> &'static str {
    match assignment_type {
        AssignmentType::Assigned => "assigned",
        AssignmentType::Activated => "activated",
    }
}
