//! What the scheduler does when time passes (SPEC V3, V7): deny requests undecided for 24 hours,
//! and record the end of schedules that reached it. Decisions never wait for this: membership
//! compares schedules with the time (V7); the scheduler only tidies up and leaves a trace.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::change::{Change, Decision};
use crate::request::{Approval, ApprovalDecision, RequestStatus};
use crate::rules::activation::end_schedule;
use crate::rules::approval::APPROVAL_TIMEOUT;
use crate::schedule::EndReason;
use crate::state::State;

/// The most items one tick handles, so one commit stays small; the next tick takes the rest.
pub const BATCH: usize = 500;

/// One idempotent step: everything due at `now` that has not been recorded yet.
pub fn tick(state: &State, now: DateTime<Utc>, mut fresh_id: impl FnMut() -> Uuid) -> Decision {
    let mut decision = Decision::new();
    let mut event = |action: &str, target_type: &str, target_id: String, message: String| AuditRecord {
        id: fresh_id(),
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
    };
    let overdue = state
        .requests
        .values()
        .filter(|r| r.status.is_pending() && now - r.created_at >= APPROVAL_TIMEOUT)
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
        let mut record = event(
            "request.expire",
            "request",
            request.id.to_string(),
            format!("Denied the {} request automatically: no decision within 24 hours.", request.action),
        );
        record.group_id = Some(request.group_id);
        record.principal_id = Some(request.principal_id);
        decision.record(record);
        decision.push(Change::Request(denied));
    }
    let expired = state
        .schedules
        .values()
        .filter(|s| s.ended.is_none())
        .filter(|s| s.window.end.is_some_and(|end| end <= now))
        .take(BATCH);
    for schedule in expired {
        let end = schedule.window.end.unwrap_or(now);
        let mut record = event(
            "schedule.expire",
            "schedule",
            schedule.id.to_string(),
            format!("The {:?} {} schedule ended at {}.", schedule.kind, schedule.access(), end.to_rfc3339()),
        );
        record.group_id = Some(schedule.group_id());
        record.principal_id = Some(schedule.principal_id);
        decision.record(record);
        decision.push(Change::Schedule(end_schedule(schedule, end, EndReason::Expired)));
    }
    decision
}
