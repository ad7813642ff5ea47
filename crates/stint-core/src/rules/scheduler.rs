//! What the scheduler does when time passes (SPEC V3, V7, A11, E5), as four jobs: deny requests
//! undecided for 24 hours, record the end of schedules that reached it, keep the last owner of a
//! group, and remind of ends to come. Decisions never wait for this: membership compares schedules with the time (V7); the
//! scheduler only tidies up and leaves a trace.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::change::{Change, Decision};
use crate::ids::{GroupId, ScheduleId};
use crate::notify::remind;
use crate::request::{Approval, ApprovalDecision, RequestStatus};
use crate::rules::approval::APPROVAL_TIMEOUT;
use crate::rules::assignment::Assigned;
use crate::rules::AuditRecordExt;
use crate::schedule::{
    Access, AssignmentType, EndReason, MemberType, Schedule, ScheduleKind, Window,
};
use crate::state::State;

/// A11: how long the removal of the last owner is retried before the owner stays.
pub const LAST_OWNER_RETRY: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// The most items one job handles in a tick, so one commit stays small; the next tick takes the
/// rest.
pub const BATCH: usize = 500;

/// One idempotent step: everything due at `now` that has not been recorded yet, the four jobs in
/// one decision.
pub fn tick(state: &State, now: DateTime<Utc>, fresh_id: impl FnMut() -> Uuid) -> Decision {
    let mut tick = Tick::new(state, now, fresh_id);
    let mut decision = tick.deny_overdue_approvals();
    decision.append(tick.record_expiries());
    decision.append(tick.keep_last_owners());
    decision.append(tick.send_reminders());
    decision
}

/// What every job reads: the state at `now`, and where fresh ids come from.
#[derive(Debug)]
pub struct Tick<'s, F> {
    state: &'s State,
    now: DateTime<Utc>,
    fresh_id: F,
}

impl<'s, F: FnMut() -> Uuid> Tick<'s, F> {
    pub fn new(state: &'s State, now: DateTime<Utc>, fresh_id: F) -> Self {
        Tick {
            state,
            now,
            fresh_id,
        }
    }

    /// V3: requests undecided for 24 hours are denied.
    pub fn deny_overdue_approvals(&mut self) -> Decision {
        let (state, now) = (self.state, self.now);
        let mut decision = Decision::new();
        let overdue = state
            .requests_pending_since(now - APPROVAL_TIMEOUT)
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
            decision.record(
                system_event(
                    (self.fresh_id)(),
                    now,
                    "request.expire",
                    "request",
                    request.id.to_string(),
                    format!(
                        "Denied the {} request automatically: no decision within 24 hours.",
                        request.action
                    ),
                )
                .about(Some(request.target.group_id), Some(request.principal_id)),
            );
            decision.push(Change::Request(denied));
        }
        decision
    }

    /// V7: schedules that reached their planned end are recorded as expired; where that was a group's
    /// last owner, that it stays (A11) is recorded too.
    pub fn record_expiries(&mut self) -> Decision {
        let (state, now) = (self.state, self.now);
        let mut decision = Decision::new();
        let expired = state.schedules_ending_by(now).take(BATCH);
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
                decision.record(schedule_event(
                (self.fresh_id)(),
                now,
                "owner.retained",
                schedule,
                format!(
                    "Kept {} as the last owner of the group (A11): the removal is retried until another owner exists, for up to 30 days.",
                    schedule.principal_id
                ),
            ));
            }
            decision.record(schedule_event(
                (self.fresh_id)(),
                now,
                "schedule.expire",
                schedule,
                format!(
                    "The {:?} {} schedule ended at {}.",
                    schedule.kind,
                    schedule.access(),
                    end.to_rfc3339()
                ),
            ));
            decision.push(Change::Schedule(schedule.ended_at(end, EndReason::Expired)));
        }
        decision
    }

    /// E5: the reminders due before assignments end, each recorded on its schedule so that it
    /// is sent once; the notification planner tells the principal and the administrators.
    pub fn send_reminders(&mut self) -> Decision {
        let (state, now) = (self.state, self.now);
        let mut decision = Decision::new();
        let due = state
            .due()
            .reminders_by(now)
            .filter_map(|id| state.schedules.get(&id))
            .take(BATCH);
        for schedule in due {
            let Some(reminded) = remind(schedule, now) else {
                continue;
            };
            decision.record(schedule_event(
                (self.fresh_id)(),
                now,
                "schedule.remind",
                schedule,
                format!(
                    "Reminded that the {:?} {} schedule ends at {}.",
                    schedule.kind,
                    schedule.access(),
                    schedule.window.end.unwrap_or(now).to_rfc3339()
                ),
            ));
            decision.push(Change::Schedule(reminded));
        }
        decision
    }

    /// A11 after 30 days: a last owner retained that long, with no other owner since, stays owner
    /// permanently.
    pub fn keep_last_owners(&mut self) -> Decision {
        let (state, now) = (self.state, self.now);
        let mut decision = Decision::new();
        // Only groups with an ownership that ended by itself that long ago can qualify, and most of
        // those have an owner in force again, which the index tells at once.
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
                    origin: (self.fresh_id)(),
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
                reminders_sent: 0,
            };
            decision.record(schedule_event(
                (self.fresh_id)(),
                now,
                "owner.kept",
                &kept,
                format!(
                    "No other owner for 30 days: {} stays owner of the group permanently (A11).",
                    retained.principal_id
                ),
            ));
            decision.push(Change::Schedule(kept));
        }
        decision
    }
}

/// The scheduler's audit record about `schedule`, in its group and of its principal.
fn schedule_event(
    id: Uuid,
    now: DateTime<Utc>,
    action: &str,
    schedule: &Schedule,
    message: String,
) -> AuditRecord {
    system_event(
        id,
        now,
        action,
        "schedule",
        schedule.id.to_string(),
        message,
    )
    .about(Some(schedule.group_id()), Some(schedule.principal_id))
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
