//! What an eligible principal asks for themselves (SPEC V1, V2, V5, V6, V8, E1, E2):
//! `selfActivate`, `selfDeactivate`, `selfExtend`, `selfRenew`.

use chrono::{DateTime, TimeDelta, Utc};

use crate::change::{Change, Decision};
use crate::ids::{GroupId, PrincipalId, RequestId, ScheduleId};
use crate::policy::PolicySettings;
use crate::request::{ActivationSource, RequestAction, RequestStatus, ScheduleRequest};
use crate::rules::assignment::{
    activation_start, activation_window, already_held, check_deactivatable, end_all,
    ended_within_renewal, latest, new_request, no_activation, not_eligible, overlaps_any,
    require_active_kind, require_own, Assigned,
};
use crate::rules::assignments::{
    check_justification_length, is_blank, kind_word, requested_group, ticket_text, RequestInput,
};
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::{
    Access, AssignmentType, EndReason, MemberType, Schedule, ScheduleKind, Window,
};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, PolicyRule, Violation};

/// E1: how close to its end an assignment may be extended by its principal.
pub const EXTENSION_WINDOW: TimeDelta = TimeDelta::days(14);

/// Decides a principal's request for themselves.
pub fn self_request(
    state: &State,
    ctx: &Context,
    input: RequestInput,
) -> Result<(Decision, ScheduleRequest), Violation> {
    require_own(&input, ctx.caller.user)?;
    check_justification_length(input.justification.as_deref())?;
    let group = requested_group(state, &input)?;
    let settings = state.policy_settings(group.id, input.target.access);
    let request = match input.action {
        RequestAction::SelfActivate => activate(state, ctx, &input, &settings)?,
        RequestAction::SelfDeactivate => deactivate(state, ctx, &input)?,
        RequestAction::SelfExtend | RequestAction::SelfRenew => {
            extend_or_renew(state, ctx, &input)?
        }
        other => {
            return Err(Violation::bad_request(
                "action",
                format!("'{other}' is not a self-service action."),
            ))
        }
    };
    if input.is_validation_only {
        let mut checked = request.request;
        checked.status = RequestStatus::Granted;
        return Ok((Decision::new(), checked));
    }
    let mut decision = Decision::new();
    for schedule in request.schedules {
        decision.push(Change::Schedule(schedule));
    }
    decision.push(Change::Request(request.request.clone()));
    decision.record(
        ctx.event(
            &format!("request.{}", input.action),
            "request",
            request.request.id,
        )
        .about(Some(group.id), Some(input.principal_id))
        .justified(
            input.justification.clone(),
            input.ticket.as_ref().map(ticket_text),
        )
        .saying(request.summary),
    );
    Ok((decision, request.request))
}

/// What a self-service request produces.
struct Outcome {
    request: ScheduleRequest,
    schedules: Vec<Schedule>,
    summary: String,
}

fn activate(
    state: &State,
    ctx: &Context,
    input: &RequestInput,
    settings: &PolicySettings,
) -> Result<Outcome, Violation> {
    require_active_kind(input, ASSIGNMENT_REQUESTS, ELIGIBILITY_REQUESTS)?;
    if !state
        .users
        .get(&ctx.caller.user)
        .is_some_and(|user| user.account_enabled)
    {
        return Err(Violation::forbidden("A disabled account cannot activate.").rule(Rule::D1));
    }
    check_no_pending(state, input)?;
    let requested_start = activation_start(input, ctx.now);
    let source = find_eligibility(
        state,
        input.target.group_id,
        input.principal_id,
        input.target.access,
        requested_start,
        ctx.now,
    )
    .ok_or_else(|| not_eligible(&format!("{} of this group", input.target.access), ""))?;
    let window = activation_window(
        input,
        requested_start,
        settings.activation_maximum.as_delta(),
        &format!(
            "An activation may last at most {}; ask for less.",
            settings.activation_maximum
        ),
        source_end(state, input.principal_id, &source, ctx.now),
    )?;
    check_requirements(ctx, input, settings)?;
    check_not_active(state, input, &window)?;

    let request_id = RequestId(ctx.fresh_id());
    let target = ScheduleId {
        group: input.target.group_id,
        access: input.target.access,
        origin: request_id.0,
    };
    let mut request = new_request(ctx, input, request_id, Some(target), window.start);
    request.activated_using = Some(source);
    if settings.approval.required {
        request.await_approval(ctx.fresh_id(), settings.approval.approvers.clone(), false);
        let summary = format!(
            "Requested {} of group {} from {}, pending approval.",
            input.target.access,
            input.target.group_id,
            window.start.to_rfc3339()
        );
        return Ok(Outcome {
            request,
            schedules: Vec::new(),
            summary,
        });
    }
    let schedule = activation_schedule(
        ctx,
        target,
        input.principal_id,
        source.member_type,
        window,
        request_id,
    );
    let through = match source.member_type {
        MemberType::Group => format!(
            " through group {}",
            state.schedules[&source.eligibility].principal_id
        ),
        _ => String::new(),
    };
    let summary = format!(
        "Activated {} of group {}{through} until {}.",
        input.target.access,
        input.target.group_id,
        window.end.map(|end| end.to_rfc3339()).unwrap_or_default()
    );
    Ok(Outcome {
        request,
        schedules: vec![schedule],
        summary,
    })
}

/// V1, V6: the eligibility that lets `principal` activate at `at`: their own, or one held by a
/// group they are an effective member of now (membership only).
pub fn find_eligibility(
    state: &State,
    group: GroupId,
    principal: PrincipalId,
    access: Access,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<ActivationSource> {
    let in_force = |s: &&Schedule| s.is_in_force_at(at) && s.is_open_at(now);
    if let Some(own) = state
        .schedules_for(group, principal, access, ScheduleKind::Eligible)
        .find(in_force)
    {
        return Some(ActivationSource {
            eligibility: own.id,
            member_type: MemberType::Direct,
        });
    }
    if access != Access::Member {
        return None;
    }
    let memberships = state.transitive_member_of(principal, now);
    state
        .schedules_of_group(group)
        .filter(|s| s.kind == ScheduleKind::Eligible && s.access() == Access::Member)
        .filter(in_force)
        .find(|s| memberships.contains(&GroupId(s.principal_id.0)))
        .map(|s| ActivationSource {
            eligibility: s.id,
            member_type: MemberType::Group,
        })
}

/// V1, V6, V7: when what lets `principal` activate ends, if nothing changes: the eligibility's
/// end, and through a group also the end of the principal's way into that group, so that an
/// activation never outlasts its source even before the scheduler records the expiry.
fn source_end(
    state: &State,
    principal: PrincipalId,
    source: &ActivationSource,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let eligibility = &state.schedules[&source.eligibility];
    let eligible_until = eligibility.effective_window().end;
    if source.member_type != MemberType::Group {
        return eligible_until;
    }
    let via = GroupId(eligibility.principal_id.0);
    let reach_until = state
        .index()
        .member_reach(principal, via, now)
        .and_then(|reach| reach.until);
    [eligible_until, reach_until].into_iter().flatten().min()
}

/// V2: justification, ticket and a recent MFA, as the policy requires; all failures named at once.
fn check_requirements(
    ctx: &Context,
    input: &RequestInput,
    settings: &PolicySettings,
) -> Result<(), Violation> {
    let required = &settings.activation_requirements;
    let mut failed = Vec::new();
    let mut details = Vec::new();
    if required.justification && is_blank(input.justification.as_deref()) {
        failed.push(PolicyRule::JustificationRule);
        details.push("Give a justification (at most 500 characters).");
    }
    if required.ticket && !input.ticket.as_ref().is_some_and(|t| t.is_complete()) {
        failed.push(PolicyRule::TicketingRule);
        details.push("Give ticketInfo with ticketNumber and ticketSystem.");
    }
    if settings.activation_requires_mfa() && !ctx.has_fresh_mfa() {
        failed.push(PolicyRule::MfaRule);
        details.push("Step up with a TOTP code (POST /stint/v1/auth/step-up), then retry.");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Violation::policy_failed(&failed, &details.join(" ")).rule(Rule::V2))
    }
}

/// V8: an overlapping activation or active assignment already exists.
fn check_not_active(state: &State, input: &RequestInput, window: &Window) -> Result<(), Violation> {
    if holds_active(
        state,
        input.target.group_id,
        input.principal_id,
        input.target.access,
        window,
    ) {
        return Err(already_held(&format!(
            "{} of this group",
            input.target.access
        )));
    }
    Ok(())
}

/// V8: one pending request per (group, principal, access, kind).
fn check_no_pending(state: &State, input: &RequestInput) -> Result<(), Violation> {
    let pending = state.requests_of_principal(input.principal_id).any(|r| {
        r.status.is_pending()
            && r.target.group_id == input.target.group_id
            && r.target.access == input.target.access
            && r.kind == input.kind
    });
    if pending {
        return Err(Violation::new(
            ErrorCode::PendingRoleAssignmentRequest,
            "There already exists a pending request for this access; wait for its decision or cancel it.",
        )
        .rule(Rule::V8));
    }
    Ok(())
}

/// V5: end one's own activation, not within 5 minutes of its start (A3).
fn deactivate(state: &State, ctx: &Context, input: &RequestInput) -> Result<Outcome, Violation> {
    require_active_kind(input, ASSIGNMENT_REQUESTS, ELIGIBILITY_REQUESTS)?;
    let activations: Vec<&Schedule> = state
        .schedules_for(
            input.target.group_id,
            input.principal_id,
            input.target.access,
            ScheduleKind::Active,
        )
        .filter(|s| s.assignment_type == AssignmentType::Activated && s.is_open_at(ctx.now))
        .collect();
    if activations.is_empty() {
        return Err(no_activation(&format!(
            "{} in this group",
            input.target.access
        )));
    }
    check_deactivatable(&activations, ctx.now)?;
    let request_id = RequestId(ctx.fresh_id());
    let mut request = new_request(
        ctx,
        input,
        request_id,
        activations.first().map(|s| s.id),
        ctx.now,
    );
    request.status = RequestStatus::Revoked;
    let schedules = end_all(activations, ctx.now, EndReason::Deactivated);
    let summary = format!(
        "Deactivated {} of group {}.",
        input.target.access, input.target.group_id
    );
    Ok(Outcome {
        request,
        schedules,
        summary,
    })
}

/// E1, E2: ask the group's administrators to extend an assignment ending within 14 days, or to
/// renew one that ended within the last 30 days.
fn extend_or_renew(
    state: &State,
    ctx: &Context,
    input: &RequestInput,
) -> Result<Outcome, Violation> {
    check_no_pending(state, input)?;
    let own = state.schedules_for(
        input.target.group_id,
        input.principal_id,
        input.target.access,
        input.kind,
    );
    let (target, rule) = if input.action == RequestAction::SelfExtend {
        let ending_soon = own.filter(|s| is_extendable(s, ctx.now));
        (latest(ending_soon), Rule::E1)
    } else {
        let has_open = state
            .schedules_for(
                input.target.group_id,
                input.principal_id,
                input.target.access,
                input.kind,
            )
            .any(|s| s.is_open_at(ctx.now));
        let recently_ended = own.filter(|s| is_renewable(s, ctx.now));
        (latest(recently_ended).filter(|_| !has_open), Rule::E2)
    };
    let target = target.ok_or_else(|| {
        let what = if rule == Rule::E1 {
            "that ends within the next 14 days"
        } else {
            "that ended within the last 30 days (and none in force)"
        };
        Violation::new(
            ErrorCode::RoleAssignmentDoesNotExist,
            format!(
                "You have no {} {} assignment in this group {what}.",
                kind_word(input.kind),
                input.target.access
            ),
        )
        .rule(rule)
    })?;
    let request_id = RequestId(ctx.fresh_id());
    let mut request = new_request(ctx, input, request_id, Some(target.id), ctx.now);
    request.await_approval(ctx.fresh_id(), Vec::new(), true);
    let summary = format!(
        "Asked the administrators to {} the {} {} assignment {}.",
        if rule == Rule::E1 { "extend" } else { "renew" },
        kind_word(input.kind),
        input.target.access,
        target.id
    );
    Ok(Outcome {
        request,
        schedules: Vec::new(),
        summary,
    })
}

/// Where group activations are asked, and where they are not.
const ASSIGNMENT_REQUESTS: &str = "assignmentScheduleRequests";
const ELIGIBILITY_REQUESTS: &str = "eligibilityScheduleRequests";

/// E1: an assignment its principal may ask to extend at `now`: assigned to them directly, not
/// yet ended, and ending within [`EXTENSION_WINDOW`].
pub fn is_extendable(schedule: &Schedule, now: DateTime<Utc>) -> bool {
    is_direct_assignment(schedule)
        && schedule.is_open_at(now)
        && schedule
            .effective_window()
            .end
            .is_some_and(|end| end - now <= EXTENSION_WINDOW)
}

/// E2: an assignment its principal may ask to renew at `now`: assigned to them directly, ended
/// within the last [`RENEWAL_WINDOW`](crate::rules::assignment::RENEWAL_WINDOW), and not removed
/// by an administrator. (The request also needs no assignment of the same access and kind in
/// force.)
pub fn is_renewable(schedule: &Schedule, now: DateTime<Utc>) -> bool {
    is_direct_assignment(schedule)
        && ended_within_renewal(schedule, now)
        && !schedule
            .ended
            .is_some_and(|ended| ended.reason == EndReason::Removed)
}

/// Assigned by an administrator to the principal themselves (not an activation, not through a
/// group), and not replaced by a later schedule.
fn is_direct_assignment(schedule: &Schedule) -> bool {
    schedule.member_type == MemberType::Direct
        && schedule.assignment_type == AssignmentType::Assigned
        && !schedule.is_superseded()
}

/// V8: whether `principal` holds `access` in `group`, activated or assigned, at a time of `window`.
pub(crate) fn holds_active(
    state: &State,
    group: GroupId,
    principal: PrincipalId,
    access: Access,
    window: &Window,
) -> bool {
    let active = state.schedules_for(group, principal, access, ScheduleKind::Active);
    overlaps_any(active, window, None)
}

/// An activation's schedule: active, `activated`, direct or through a group.
pub(crate) fn activation_schedule(
    ctx: &Context,
    id: ScheduleId,
    principal: PrincipalId,
    member_type: MemberType,
    window: Window,
    request: RequestId,
) -> Schedule {
    Schedule {
        id,
        kind: ScheduleKind::Active,
        principal_id: principal,
        member_type,
        assignment_type: AssignmentType::Activated,
        window,
        created_using: Some(request),
        created_at: ctx.now,
        modified_at: ctx.now,
        ended: None,
        reminders_sent: 0,
    }
}

#[cfg(test)]
#[path = "tests/activation.rs"]
mod tests;
