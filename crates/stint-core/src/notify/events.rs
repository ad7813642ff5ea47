//! N1: the events in a decision, read from what it changes against the state it was made on, so
//! that no rule has to remember to announce what it did.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Event, EventType, Named};
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::request::{Expiration, RequestStatus, ScheduleRequest};
use crate::schedule::{AssignmentType, EndReason, MemberType, Schedule, ScheduleKind};
use crate::{Change, Decision, State};

/// The events `decision` makes happen on `state`, in the order of its changes, each with the
/// request it is about when there is one.
pub fn events_of<'a>(
    state: &'a State,
    decision: &'a Decision,
    revision: u64,
    now: DateTime<Utc>,
    fresh_id: fn() -> Uuid,
) -> Vec<(Event, Option<&'a ScheduleRequest>)> {
    let context = Context {
        state,
        decision,
        revision,
        now,
        fresh_id,
        actor: decision
            .audit
            .first()
            .and_then(|record| record.actor)
            .map(|user| user_named(state, user)),
    };
    decision
        .changes
        .iter()
        .filter_map(|change| match change {
            Change::Schedule(schedule) => context.schedule_event(schedule),
            Change::Request(request) => context.request_event(request),
            _ => None,
        })
        .collect()
}

struct Context<'a> {
    state: &'a State,
    decision: &'a Decision,
    revision: u64,
    now: DateTime<Utc>,
    fresh_id: fn() -> Uuid,
    actor: Option<Named<UserId>>,
}

type Found<'a> = (Event, Option<&'a ScheduleRequest>);

impl<'a> Context<'a> {
    /// A schedule given (eligible, assigned or activated) or ended; derived schedules (V6) are
    /// told of through the group they come from.
    fn schedule_event(&self, schedule: &Schedule) -> Option<Found<'a>> {
        if schedule.member_type != MemberType::Direct {
            return None;
        }
        let previous = self.state.schedules.get(&schedule.id);
        let kind = match (previous.map(|p| p.ended.is_some()), schedule.ended) {
            (Some(false), None)
                if previous.is_some_and(|p| p.reminders_sent < schedule.reminders_sent) =>
            {
                EventType::ReminderExpiringSoon
            }
            (None, None) => match (schedule.kind, schedule.assignment_type) {
                (ScheduleKind::Eligible, _) => EventType::EligibilityAssigned,
                (ScheduleKind::Active, AssignmentType::Activated) => EventType::AssignmentActivated,
                (ScheduleKind::Active, AssignmentType::Assigned) => EventType::AssignmentAssigned,
            },
            (Some(false), Some(ended)) => match (ended.reason, schedule.kind) {
                (EndReason::Superseded, _) => return None,
                (EndReason::Expired, _) => EventType::AssignmentExpired,
                (EndReason::Deactivated, _) => EventType::AssignmentDeactivated,
                (_, ScheduleKind::Eligible) => EventType::EligibilityRemoved,
                (_, ScheduleKind::Active) => EventType::AssignmentRemoved,
            },
            _ => return None,
        };
        let request = self.request_about(schedule);
        let window = schedule.effective_window();
        let event = Event {
            schedule_id: Some(schedule.id),
            ..self.event(
                kind,
                schedule.group_id(),
                schedule.access(),
                schedule.kind,
                schedule.principal_id,
                (Some(window.start), window.end),
                request,
            )
        };
        Some((event, request))
    }

    /// A request that starts waiting for approval, or stops waiting (N1: requested, approved,
    /// denied, timed out, canceled).
    fn request_event(&self, request: &'a ScheduleRequest) -> Option<Found<'a>> {
        let was_pending = self
            .state
            .requests
            .get(&request.id)
            .is_some_and(|previous| previous.status.is_pending());
        let kind = match (was_pending, request.status) {
            (false, RequestStatus::PendingApproval) => EventType::RequestPendingApproval,
            (true, RequestStatus::Provisioned | RequestStatus::Granted) => {
                EventType::RequestApproved
            }
            (true, RequestStatus::Denied) => {
                let reviewed = request
                    .approval
                    .as_ref()
                    .and_then(|approval| approval.decision.as_ref())
                    .and_then(|decision| decision.reviewed_by);
                if reviewed.is_some() {
                    EventType::RequestDenied
                } else {
                    EventType::RequestTimedOut
                }
            }
            (true, RequestStatus::Canceled) => EventType::RequestCanceled,
            _ => return None,
        };
        let event = self.event(
            kind,
            request.target.group_id,
            request.target.access,
            request.kind,
            request.principal_id,
            requested_window(request),
            Some(request),
        );
        Some((event, Some(request)))
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        kind: EventType,
        group: GroupId,
        access: crate::schedule::Access,
        assignment: ScheduleKind,
        principal: PrincipalId,
        (start, end): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        request: Option<&ScheduleRequest>,
    ) -> Event {
        let reason = request
            .and_then(|request| request.approval.as_ref())
            .and_then(|approval| approval.decision.as_ref())
            .map(|decision| decision.justification.clone())
            .filter(|words| !words.is_empty());
        Event {
            id: (self.fresh_id)(),
            kind,
            at: self.now,
            revision: self.revision,
            group: Named {
                id: group,
                name: self
                    .state
                    .groups
                    .get(&group)
                    .map_or_else(|| group.to_string(), |group| group.display_name.clone()),
            },
            access,
            assignment,
            principal: principal_named(self.state, principal),
            actor: self.actor.clone(),
            start,
            end,
            action: request.map(|request| request.action),
            request_id: request.map(|request| request.id),
            schedule_id: request.and_then(|request| request.target_schedule_id),
            justification: request.and_then(|request| request.justification.clone()),
            ticket: request
                .and_then(|request| request.ticket.as_ref())
                .and_then(|ticket| {
                    let words: Vec<&str> = [&ticket.system, &ticket.number]
                        .into_iter()
                        .filter_map(|part| part.as_deref())
                        .filter(|part| !part.trim().is_empty())
                        .collect();
                    (!words.is_empty()).then(|| words.join(" "))
                }),
            reason,
        }
    }

    /// The request behind a schedule's change: one of this decision's requests that targets it,
    /// else the request that created it.
    fn request_about(&self, schedule: &Schedule) -> Option<&'a ScheduleRequest> {
        let in_decision = self
            .decision
            .changes
            .iter()
            .find_map(|change| match change {
                Change::Request(request) if request.target_schedule_id == Some(schedule.id) => {
                    Some(request)
                }
                _ => None,
            });
        in_decision.or_else(|| {
            let id = schedule.created_using?;
            self.decision
                .changes
                .iter()
                .find_map(|change| match change {
                    Change::Request(request) if request.id == id => Some(request),
                    _ => None,
                })
                .or_else(|| self.state.requests.get(&id))
        })
    }
}

/// The window a request asks for, as far as it says.
fn requested_window(request: &ScheduleRequest) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let Some(schedule) = request.schedule else {
        return (None, None);
    };
    let start = request.resolved_start.or(schedule.start);
    let end = match schedule.expiration {
        Expiration::AfterDateTime(end) => Some(end),
        Expiration::AfterDuration(duration) => start.map(|start| start + duration.as_delta()),
        Expiration::NoExpiration | Expiration::NotSpecified => None,
    };
    (start, end)
}

pub(super) fn user_named(state: &State, user: UserId) -> Named<UserId> {
    Named {
        id: user,
        name: state
            .users
            .get(&user)
            .map_or_else(|| user.to_string(), |user| user.display_name.clone()),
    }
}

fn principal_named(state: &State, principal: PrincipalId) -> Named<PrincipalId> {
    let name = match state.principal(principal) {
        Some(crate::state::Principal::User(user)) => user.display_name.clone(),
        Some(crate::state::Principal::Group(group)) => group.display_name.clone(),
        None => principal.to_string(),
    };
    Named {
        id: principal,
        name,
    }
}
