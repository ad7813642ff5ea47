//! Deciding a pending request (SPEC V3, E3): the first approver's decision wins, a second gets a
//! conflict, the requester never decides their own request, and a decision needs a justification.

use chrono::{DateTime, Utc};

use crate::authz::Authority;
use crate::change::{Change, Decision};
use crate::ids::{RequestId, ScheduleId};
use crate::request::{
    ActivationSource, Approval, ApprovalDecision, RequestAction, RequestStatus, ScheduleRequest,
};
use crate::rules::activation::{activation_schedule, find_eligibility, holds_active};
use crate::rules::assignment::{check_extends, Assigned, RENEWAL_WINDOW};
use crate::rules::assignments::{check_no_overlap, check_window, new_schedule, RequestInput};
use crate::rules::requests::not_pending;
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::{EndReason, ScheduleKind, Window};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, PolicyRule, Violation};

/// V3: a request undecided this long is denied.
pub const APPROVAL_TIMEOUT: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// An approver's answer. For extend and renew (E3) the administrator may set the new window and kind.
#[derive(Clone, Debug)]
pub struct Review {
    pub approve: bool,
    pub justification: Option<String>,
    pub schedule: Option<ChosenSchedule>,
}

/// E3: what the administrator grants when approving an extension or renewal.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChosenSchedule {
    pub start: Option<DateTime<Utc>>,
    /// `None` means permanent (allowed only where the policy allows it, A4).
    pub end: Option<DateTime<Utc>>,
    pub kind: Option<ScheduleKind>,
}

pub fn review(
    state: &State,
    ctx: &Context,
    request_id: RequestId,
    stage_id: uuid::Uuid,
    review: Review,
) -> Result<Decision, Violation> {
    let request = state
        .requests
        .get(&request_id)
        .filter(|r| r.approval.as_ref().is_some_and(|a| a.stage_id == stage_id))
        .ok_or_else(|| {
            Violation::not_found(format!(
                "Approval stage '{stage_id}' of request '{request_id}'"
            ))
        })?;
    let approval = request
        .approval
        .as_ref()
        .ok_or_else(|| Violation::not_found("The approval"))?;
    // Graph answers a decided stage with 409 to whoever asks (the first decision won).
    if approval.decision.is_some() || !request.status.is_pending() {
        return Err(not_pending(
            request,
            ErrorCode::ApprovalAlreadyDecided,
            "This request was already decided; it is",
        )
        .rule(Rule::V3));
    }
    Authority::new(state, ctx.caller, ctx.now).approver_of(request)?;
    if ctx.now - request.created_at >= APPROVAL_TIMEOUT {
        return Err(Violation::new(
            ErrorCode::ApprovalAlreadyDecided,
            "This request was denied automatically: no decision within 24 hours.",
        )
        .rule(Rule::V3));
    }
    let justification = review
        .justification
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| {
            Violation::bad_request("justification", "An approver must give a justification.")
                .rule(Rule::V3)
        })?
        .to_string();
    if justification.chars().count() > crate::rules::assignments::MAX_JUSTIFICATION_CHARS {
        return Err(Violation::bad_request(
            "justification",
            "A justification may be at most 500 characters.",
        ));
    }

    let mut decided = request.clone();
    decided.completed_at = Some(ctx.now);
    decided.approval = Some(Approval {
        decision: Some(ApprovalDecision {
            approved: review.approve,
            reviewed_by: Some(ctx.caller.user),
            reviewed_at: ctx.now,
            justification: justification.clone(),
        }),
        ..approval.clone()
    });
    let mut decision = Decision::new();
    if review.approve {
        decided.status = RequestStatus::Provisioned;
        let (schedules, target) = match request.action {
            RequestAction::SelfActivate => {
                let (schedules, target, source) = grant_activation(state, ctx, request)?;
                decided.activated_using = Some(source);
                (schedules, target)
            }
            _ => grant_extension(state, ctx, request, review.schedule.unwrap_or_default())?,
        };
        decided.target_schedule_id = Some(target);
        for schedule in schedules {
            decision.push(Change::Schedule(schedule));
        }
    } else {
        decided.status = RequestStatus::Denied;
    }
    let verb = if review.approve { "approve" } else { "deny" };
    decision.record(
        ctx.event(&format!("approval.{verb}"), "request", request.id)
            .about(Some(request.target.group_id), Some(request.principal_id))
            .justified(Some(justification), None)
            .saying(format!(
                "{} the {} request {}.",
                if review.approve { "Approved" } else { "Denied" },
                request.action,
                request.id
            )),
    );
    decision.push(Change::Request(decided));
    Ok(decision)
}

/// V3: an approved activation starts when approved (or at its requested later start) and keeps its
/// length, never past its eligibility: the one in force at that start, which may be a newer one
/// than the request was made under, and is named as its source.
fn grant_activation(
    state: &State,
    ctx: &Context,
    request: &ScheduleRequest,
) -> Result<(Vec<crate::schedule::Schedule>, ScheduleId, ActivationSource), Violation> {
    let requested_start = request.resolved_start.unwrap_or(request.created_at);
    let start = requested_start.max(ctx.now);
    let source = find_eligibility(
        state,
        request.target.group_id,
        request.principal_id,
        request.target.access,
        start,
        ctx.now,
    )
    .ok_or_else(|| {
        Violation::policy_failed(
            &[PolicyRule::EligibilityRule],
            "The requester is no longer eligible; deny the request.",
        )
        .rule(Rule::V3)
    })?;
    let settings = state.policy_settings(request.target.group_id, request.target.access);
    let length = match request.schedule.map(|s| s.expiration) {
        Some(crate::request::Expiration::AfterDuration(duration)) => duration.as_delta(),
        Some(crate::request::Expiration::AfterDateTime(end)) => end - requested_start,
        _ => settings.activation_maximum.as_delta(),
    };
    let eligible_until = state.schedules[&source.eligibility].effective_window().end;
    let end = eligible_until.map_or(start + length, |until| (start + length).min(until));
    let window = Window {
        start,
        end: Some(end),
    };
    if holds_active(
        state,
        request.target.group_id,
        request.principal_id,
        request.target.access,
        &window,
    ) {
        return Err(Violation::new(
            ErrorCode::RoleAssignmentExists,
            "The requester already holds this access at that time.",
        )
        .rule(Rule::V8));
    }
    let id = ScheduleId {
        group: request.target.group_id,
        access: request.target.access,
        origin: request.id.0,
    };
    let schedule = activation_schedule(
        ctx,
        id,
        request.principal_id,
        source.member_type,
        window,
        request.id,
    );
    Ok((vec![schedule], id, source))
}

/// E3: the administrator sets the new start, end and kind; the result obeys A2, A4 and A5.
fn grant_extension(
    state: &State,
    ctx: &Context,
    request: &ScheduleRequest,
    chosen: ChosenSchedule,
) -> Result<(Vec<crate::schedule::Schedule>, ScheduleId), Violation> {
    let current = request
        .target_schedule_id
        .and_then(|id| state.schedules.get(&id));
    let kind = chosen.kind.unwrap_or(request.kind);
    let still_valid = current.filter(|s| match request.action {
        RequestAction::SelfExtend => s.is_open_at(ctx.now) && !s.is_superseded(),
        _ => s
            .effective_window()
            .end
            .is_some_and(|end| ctx.now - end <= RENEWAL_WINDOW),
    });
    let current = still_valid.ok_or_else(|| {
        Violation::new(
            ErrorCode::RoleAssignmentDoesNotExist,
            "The assignment this request is about no longer qualifies; deny the request.",
        )
        .rule(Rule::E3)
    })?;
    let default_start = if request.action == RequestAction::SelfExtend {
        current.window.start
    } else {
        ctx.now
    };
    let start = chosen
        .start
        .unwrap_or(default_start)
        .max(ctx.now.min(default_start));
    let end = match (chosen.end, request.schedule.map(|s| s.expiration)) {
        (Some(end), _) => Some(end),
        (None, Some(crate::request::Expiration::AfterDateTime(end))) => Some(end),
        (None, Some(crate::request::Expiration::AfterDuration(duration))) => {
            Some(start + duration.as_delta())
        }
        (None, _) => None,
    };
    if end.is_some_and(|end| end <= start) {
        return Err(Violation::bad_request(
            "endDateTime",
            "The new end must be after the new start.",
        ));
    }
    if request.action == RequestAction::SelfExtend {
        check_extends(
            current.window.end,
            end,
            "An extension must end later than the assignment it extends; choose a later end.",
            "endDateTime",
        )
        .map_err(|violation| violation.rule(Rule::E3))?;
    }
    let window = Window { start, end };
    let input = RequestInput {
        kind,
        action: RequestAction::AdminExtend,
        principal_id: request.principal_id,
        target: request.target,
        schedule: None,
        justification: request.justification.clone(),
        ticket: request.ticket.clone(),
        is_validation_only: false,
    };
    let settings = state.policy_settings(request.target.group_id, request.target.access);
    check_window(ctx, &input, &settings, &window)?;
    let replaced = (request.action == RequestAction::SelfExtend).then_some(current.id);
    let same_kind_replaced = replaced.filter(|_| current.kind == kind);
    check_no_overlap(state, &input, &window, same_kind_replaced)?;
    let id = ScheduleId {
        group: request.target.group_id,
        access: request.target.access,
        origin: request.id.0,
    };
    let mut schedules = vec![new_schedule(ctx, &input, id, window)];
    if replaced.is_some() {
        schedules.push(current.ended_at(ctx.now, EndReason::Superseded));
    }
    Ok((schedules, id))
}

#[cfg(test)]
#[path = "tests/approval.rs"]
mod tests;
