//! What the scheduler does when time passes (SPEC V3, V7, A11): deny requests undecided for 24
//! hours, record the end of schedules that reached it, and keep the last owner of a group.
//! Decisions never wait for this: membership compares schedules with the time (V7); the scheduler
//! only tidies up and leaves a trace.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::change::{Change, Decision};
use crate::ids::{GroupId, ScheduleId};
use crate::request::{Approval, ApprovalDecision, RequestStatus};
use crate::rules::activation::end_schedule;
use crate::rules::approval::APPROVAL_TIMEOUT;
use crate::schedule::{
    Access, AssignmentType, EndReason, MemberType, Schedule, ScheduleKind, Window,
};
use crate::state::State;

/// A11: how long the removal of the last owner is retried before the owner stays.
pub const LAST_OWNER_RETRY: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// The most items one tick handles, so one commit stays small; the next tick takes the rest.
pub const BATCH: usize = 500;

/// One idempotent step: everything due at `now` that has not been recorded yet.
pub fn tick(state: &State, now: DateTime<Utc>, mut fresh_id: impl FnMut() -> Uuid) -> Decision {
    let mut decision = Decision::new();
    let overdue = state
        .due()
        .pending_since(now - APPROVAL_TIMEOUT)
        .filter_map(|id| state.requests.get(&id))
        .take(BATCH);
    for request in overdue {
        let mut denied = request.clone();
        denied.status = RequestStatus::Denied;
        denied.completed_at = Some(now);
        denied.approval = request.approval.clone().map(|approval| Approval {
            decision: Some(ApprovalDecision {
                approved: false,
                reviewed_by: None,
                reviewed_at: now,
                justification: "No decision within 24 hours.".to_string(),
            }),
            ..approval
        });
        let mut record = system_event(
            fresh_id(),
            now,
            "request.expire",
            "request",
            request.id.to_string(),
            format!(
                "Denied the {} request automatically: no decision within 24 hours.",
                request.action
            ),
        );
        record.group_id = Some(request.group_id);
        record.principal_id = Some(request.principal_id);
        decision.record(record);
        decision.push(Change::Request(denied));
    }
    let expired = state
        .due()
        .ends_by(now)
        .filter_map(|id| state.schedules.get(&id))
        .take(BATCH);
    // The last owner each group retains, looked up once per group: a lookup reads all of the
    // group's schedules, so once per expiring schedule is quadratic in a large group.
    let mut retained_in = HashMap::<GroupId, Option<ScheduleId>>::new();
    for schedule in expired {
        let end = schedule.window.end.unwrap_or(now);
        let retained = *retained_in.entry(schedule.group_id()).or_insert_with(|| {
            state
                .retained_last_owner(schedule.group_id(), now)
                .map(|retained| retained.id)
        });
        if retained == Some(schedule.id) {
            let mut record = system_event(
            fresh_id(),
            now,
                "owner.retained",
                "schedule",
                schedule.id.to_string(),
                format!(
                    "Kept {} as the last owner of the group (A11): the removal is retried until another owner exists, for up to 30 days.",
                    schedule.principal_id
                ),
            );
            record.group_id = Some(schedule.group_id());
            record.principal_id = Some(schedule.principal_id);
            decision.record(record);
        }
        let mut record = system_event(
            fresh_id(),
            now,
            "schedule.expire",
            "schedule",
            schedule.id.to_string(),
            format!(
                "The {:?} {} schedule ended at {}.",
                schedule.kind,
                schedule.access(),
                end.to_rfc3339()
            ),
        );
        record.group_id = Some(schedule.group_id());
        record.principal_id = Some(schedule.principal_id);
        decision.record(record);
        decision.push(Change::Schedule(end_schedule(
            schedule,
            end,
            EndReason::Expired,
        )));
    }
    // A11 after 30 days: only groups with an ownership that ended by itself that long ago can
    // qualify, and most of those have an owner in force again, which the index tells at once.
    let mut candidates = HashSet::new();
    let retained_long_enough = state
        .due()
        .owner_ends_by(now - LAST_OWNER_RETRY)
        .filter_map(|id| state.schedules.get(&id))
        .map(Schedule::group_id)
        .filter(|group| candidates.insert(*group))
        .filter(|group| {
            !state
                .index()
                .owners_at(*group, now)
                .any(|owner| state.principal_can_hold(owner))
        })
        .filter_map(|group| state.retained_last_owner(group, now));
    for retained in retained_long_enough
        .filter(|s| {
            s.effective_window()
                .end
                .is_some_and(|end| now - end >= LAST_OWNER_RETRY)
        })
        .take(BATCH)
    {
        let kept = Schedule {
            id: ScheduleId {
                group: retained.group_id(),
                access: Access::Owner,
                origin: fresh_id(),
            },
            kind: ScheduleKind::Active,
            principal_id: retained.principal_id,
            member_type: MemberType::Direct,
            assignment_type: AssignmentType::Assigned,
            window: Window::permanent_from(retained.effective_window().end.unwrap_or(now)),
            created_using: None,
            created_at: now,
            modified_at: now,
            ended: None,
        };
        let mut record = system_event(
            fresh_id(),
            now,
            "owner.kept",
            "schedule",
            kept.id.to_string(),
            format!(
                "No other owner for 30 days: {} stays owner of the group permanently (A11).",
                retained.principal_id
            ),
        );
        record.group_id = Some(kept.group_id());
        record.principal_id = Some(kept.principal_id);
        decision.record(record);
        decision.push(Change::Schedule(kept));
    }
    decision
}

/// An audit record of the scheduler's own, with no actor.
fn system_event(
    id: Uuid,
    now: DateTime<Utc>,
    action: &str,
    target_type: &str,
    target_id: String,
    message: String,
) -> AuditRecord {
    AuditRecord {
        id,
        at: now,
        actor: None,
        action: action.to_string(),
        outcome: Outcome::Success,
        target_type: target_type.to_string(),
        target_id,
        group_id: None,
        principal_id: None,
        justification: None,
        ticket: None,
        correlation_id: Some("scheduler".to_string()),
        client: None,
        message,
    }
}

#[cfg(test)]
#[path = "tests/scheduler.rs"]
mod tests;
