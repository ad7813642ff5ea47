//! Graph's `privilegedAccessGroup*` shapes: schedule requests, schedules and schedule instances.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use stint_core::request::{Expiration, ScheduleRequest};
use stint_core::schedule::{AssignmentType, MemberType, Schedule, ScheduleKind};
use stint_core::state::State;

use crate::shape::directory;
use crate::wire::{optional_time, time};

/// Which of Graph's two families an endpoint serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Eligibility,
    Assignment,
}

impl Family {
    pub fn kind(self) -> ScheduleKind {
        match self {
            Family::Eligibility => ScheduleKind::Eligible,
            Family::Assignment => ScheduleKind::Active,
        }
    }

    pub fn prefix(self) -> &'static str {
        match self {
            Family::Eligibility => "eligibility",
            Family::Assignment => "assignment",
        }
    }

    /// The entity set name after `identityGovernance/privilegedAccess/group/`.
    pub fn entity_set(self, collection: &str) -> String {
        format!(
            "identityGovernance/privilegedAccess/group/{}{collection}",
            self.prefix()
        )
    }
}

pub fn request(request: &ScheduleRequest) -> Value {
    let schedule_info = request.schedule.map(|schedule| {
        let start = request.resolved_start.or(schedule.start);
        json!({
            "startDateTime": optional_time(start),
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
        "approvalId": request.approval.as_ref().map(|_| request.id.to_string()),
        "customData": null,
        "createdBy": { "user": { "id": request.created_by.to_string() } },
        "action": request.action.as_str(),
        "isValidationOnly": request.is_validation_only,
        "justification": request.justification,
        "scheduleInfo": schedule_info,
        "ticketInfo": { "ticketNumber": ticket.number, "ticketSystem": ticket.system },
        "accessId": request.access.as_str(),
        "principalId": request.principal_id.to_string(),
        "groupId": request.group_id.to_string(),
        "targetScheduleId": request.target_schedule_id.map(|id| id.to_string()),
    })
}

pub fn expiration(expiration: &Expiration) -> Value {
    let (end, duration) = match expiration {
        Expiration::AfterDateTime(end) => (time(*end), Value::Null),
        Expiration::AfterDuration(duration) => (Value::Null, duration.to_string().into()),
        Expiration::NoExpiration | Expiration::NotSpecified => (Value::Null, Value::Null),
    };
    json!({ "type": expiration.type_name(), "endDateTime": end, "duration": duration })
}

pub fn schedule_expiration(end: Option<DateTime<Utc>>) -> Value {
    match end {
        Some(end) => json!({ "type": "afterDateTime", "endDateTime": time(end), "duration": null }),
        None => json!({ "type": "noExpiration", "endDateTime": null, "duration": null }),
    }
}

pub fn schedule(schedule: &Schedule, now: DateTime<Utc>) -> Value {
    let window = schedule.effective_window();
    let mut value = json!({
        "id": schedule.id.to_string(),
        "scheduleInfo": {
            "startDateTime": time(window.start),
            "recurrence": null,
            "expiration": schedule_expiration(window.end),
        },
        "createdUsing": schedule.created_using.map(|id| id.to_string()),
        "createdDateTime": time(schedule.created_at),
        "modifiedDateTime": time(schedule.modified_at),
        "status": schedule.status_at(now),
        "memberType": member_type(schedule.member_type),
        "accessId": schedule.access().as_str(),
        "principalId": schedule.principal_id.to_string(),
        "groupId": schedule.group_id().to_string(),
    });
    if schedule.kind == ScheduleKind::Active {
        insert(
            &mut value,
            "assignmentType",
            assignment_type(schedule.assignment_type).into(),
        );
    }
    value
}

pub fn instance(schedule: &Schedule) -> Value {
    let window = schedule.effective_window();
    let mut value = json!({
        "id": schedule.id.to_string(),
        "startDateTime": time(window.start),
        "endDateTime": optional_time(window.end),
        "accessId": schedule.access().as_str(),
        "principalId": schedule.principal_id.to_string(),
        "groupId": schedule.group_id().to_string(),
        "memberType": member_type(schedule.member_type),
    });
    match schedule.kind {
        ScheduleKind::Active => {
            insert(
                &mut value,
                "assignmentScheduleId",
                schedule.id.to_string().into(),
            );
            insert(
                &mut value,
                "assignmentType",
                assignment_type(schedule.assignment_type).into(),
            );
        }
        ScheduleKind::Eligible => {
            insert(
                &mut value,
                "eligibilityScheduleId",
                schedule.id.to_string().into(),
            );
        }
    }
    value
}

/// Adds `principal` and `group` objects when `$expand` asks for them.
pub fn expand(state: &State, mut value: Value, principal: bool, group: bool) -> Value {
    let principal_value = value
        .get("principalId")
        .and_then(Value::as_str)
        .and_then(|id| id.parse().ok())
        .map(|id| directory::principal(state, id));
    let group_value = value
        .get("groupId")
        .and_then(Value::as_str)
        .and_then(|id| id.parse().ok())
        .and_then(|id| state.groups.get(&id))
        .map(directory::group);
    if principal {
        insert(
            &mut value,
            "principal",
            principal_value.unwrap_or(Value::Null),
        );
    }
    if group {
        insert(&mut value, "group", group_value.unwrap_or(Value::Null));
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
        MemberType::Direct => "direct",
        MemberType::Group => "group",
    }
}

fn assignment_type(assignment_type: AssignmentType) -> &'static str {
    match assignment_type {
        AssignmentType::Assigned => "assigned",
        AssignmentType::Activated => "activated",
    }
}
