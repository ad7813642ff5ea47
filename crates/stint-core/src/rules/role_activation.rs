//! What an eligible principal asks for a directory role (SPEC V1, V2, V5, V6, V8 applied to D5 and
//! D6): `selfActivate` of an eligible role assignment held by the caller or by a role-assignable
//! group the caller is an active member of now, and `selfDeactivate`.
//!
//! Directory roles have no per-role policy in Stint: activation lasts at most
//! [`ROLE_ACTIVATION_MAXIMUM`] and needs a justification, as Entra's default role settings say.

use chrono::{DateTime, TimeDelta, Utc};

use crate::directory::RoleAssignment;
use crate::ids::{GroupId, RequestId, UserId};
use crate::request::Expiration;
use crate::rules::assignments::{is_blank, too_short, MINIMUM_LENGTH};
use crate::rules::roles::{end_before_start, new_assignment, until, RoleOutcome, RoleRequestInput};
use crate::rules::Context;
use crate::schedule::{MemberType, ScheduleKind, Window};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, PolicyRule, Violation};

/// V1: the longest activation of a directory role.
pub const ROLE_ACTIVATION_MAXIMUM: TimeDelta = TimeDelta::hours(8);

/// V1, V2, V6, V8: activate an eligible role assignment for the caller alone.
pub(crate) fn activate(
    state: &State,
    ctx: &Context,
    input: &RoleRequestInput,
    request: RequestId,
) -> Result<RoleOutcome, Violation> {
    require_self(ctx, input)?;
    let start = input
        .schedule
        .and_then(|schedule| schedule.start)
        .unwrap_or(ctx.now)
        .max(ctx.now);
    let (eligibility, member_type) = find_role_eligibility(state, ctx.caller.user, input, start, ctx.now)
        .ok_or_else(|| {
            Violation::policy_failed(
                &[PolicyRule::EligibilityRule],
                &format!(
                    "You are not eligible for {} at scope {} at that time, neither yourself nor through a group you are a member of.",
                    input.role.display_name(),
                    input.scope
                ),
            )
            .rule(Rule::V1)
        })?;
    let window = activation_window(input, start, eligibility)?;
    if is_blank(input.justification.as_deref()) {
        return Err(Violation::policy_failed(
            &[PolicyRule::JustificationRule],
            "Give a justification (at most 500 characters).",
        )
        .rule(Rule::V2));
    }
    check_not_active(state, input, &window)?;
    let mut created = new_assignment(ctx, input, request, window);
    created.member_type = member_type;
    created.activated = true;
    let through = match member_type {
        MemberType::Group => format!(" through group {}", eligibility.principal_id),
        MemberType::Direct => String::new(),
    };
    let summary = format!(
        "Activated {} at scope {}{through}{}.",
        input.role.display_name(),
        input.scope,
        until(&window)
    );
    Ok(RoleOutcome {
        ended: Vec::new(),
        created: Some(created),
        summary,
    })
}

/// V1, V6: the eligible role assignment that lets `user` activate at `at`: their own, or one held
/// by a role-assignable group they are an effective active member of now.
pub fn find_role_eligibility<'a>(
    state: &'a State,
    user: UserId,
    input: &RoleRequestInput,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<(&'a RoleAssignment, MemberType)> {
    let candidates = || {
        state.role_assignments.values().filter(move |a| {
            a.eligible
                && a.role == input.role
                && a.scope == input.scope
                && a.is_in_force_at(at)
                && a.is_open_at(now)
        })
    };
    if let Some(own) = candidates()
        .filter(|a| a.principal_id == user.into())
        .min_by_key(|a| (a.created_at, a.id))
    {
        return Some((own, MemberType::Direct));
    }
    let groups = state.transitive_member_of(user.into(), now);
    candidates()
        .filter(|a| groups.contains(&GroupId(a.principal_id.0)))
        .min_by_key(|a| (a.created_at, a.id))
        .map(|a| (a, MemberType::Group))
}

/// V1: the requested window, at most [`ROLE_ACTIVATION_MAXIMUM`], never past the eligibility.
fn activation_window(
    input: &RoleRequestInput,
    start: DateTime<Utc>,
    eligibility: &RoleAssignment,
) -> Result<Window, Violation> {
    let expiration = input
        .schedule
        .map_or(Expiration::NotSpecified, |s| s.expiration);
    let end = match expiration {
        Expiration::AfterDuration(duration) => start + duration.as_delta(),
        Expiration::AfterDateTime(end) if end <= start => return Err(end_before_start()),
        Expiration::AfterDateTime(end) => end,
        Expiration::NoExpiration | Expiration::NotSpecified => start + ROLE_ACTIVATION_MAXIMUM,
    };
    if end - start > ROLE_ACTIVATION_MAXIMUM {
        return Err(Violation::policy_failed(
            &[PolicyRule::ExpirationRule],
            "An activation of a directory role may last at most PT8H; ask for less.",
        )
        .rule(Rule::V1));
    }
    let end = match eligibility.effective_window().end {
        Some(eligible_until) => end.min(eligible_until),
        None => end,
    };
    if end - start < MINIMUM_LENGTH {
        return Err(too_short(
            "An activation must last at least 5 minutes (and the eligibility must last that long)."
                .into(),
        )
        .rule(Rule::A2));
    }
    Ok(Window {
        start,
        end: Some(end),
    })
}

/// V8: the caller already holds the role at that scope, for an overlapping time.
fn check_not_active(
    state: &State,
    input: &RoleRequestInput,
    window: &Window,
) -> Result<(), Violation> {
    let active = state.role_assignments.values().any(|a| {
        !a.eligible
            && a.principal_id == input.principal_id
            && a.role == input.role
            && a.scope == input.scope
            && a.effective_window().overlaps(window)
    });
    if active {
        return Err(Violation::new(
            ErrorCode::RoleAssignmentExists,
            format!(
                "The Role assignment already exists: you already hold {} at scope {} at that time.",
                input.role.display_name(),
                input.scope
            ),
        )
        .rule(Rule::V8));
    }
    Ok(())
}

/// V5: end one's own activation, not within 5 minutes of its start (A3).
pub(crate) fn deactivate(
    state: &State,
    ctx: &Context,
    input: &RoleRequestInput,
) -> Result<RoleOutcome, Violation> {
    require_self(ctx, input)?;
    let activations: Vec<&RoleAssignment> = state
        .role_assignments
        .values()
        .filter(|a| {
            a.activated
                && a.principal_id == input.principal_id
                && a.role == input.role
                && a.scope == input.scope
                && a.is_open_at(ctx.now)
        })
        .collect();
    if activations.is_empty() {
        return Err(Violation::new(
            ErrorCode::RoleAssignmentDoesNotExist,
            format!(
                "You have no activation of {} at scope {} to deactivate.",
                input.role.display_name(),
                input.scope
            ),
        )
        .rule(Rule::V5));
    }
    if let Some(recent) = activations
        .iter()
        .find(|a| a.window.start <= ctx.now && ctx.now - a.window.start < MINIMUM_LENGTH)
    {
        let wait = MINIMUM_LENGTH - (ctx.now - recent.window.start);
        return Err(too_short(format!(
            "An activation cannot be ended within 5 minutes of its start; try again in {} seconds.",
            wait.num_seconds().max(1)
        ))
        .rule(Rule::V5));
    }
    let ended = activations
        .into_iter()
        .map(|activation| {
            let mut ended = activation.clone();
            ended.removed_at = Some(ctx.now);
            ended
        })
        .collect();
    Ok(RoleOutcome {
        ended,
        created: None,
        summary: format!(
            "Deactivated {} at scope {}.",
            input.role.display_name(),
            input.scope
        ),
    })
}

/// Self-service acts for the caller only, on `roleAssignmentScheduleRequests`.
fn require_self(ctx: &Context, input: &RoleRequestInput) -> Result<(), Violation> {
    if input.principal_id != ctx.caller.user.into() {
        return Err(Violation::forbidden(format!(
            "'{}' acts for the caller only: principalId must be your own id.",
            input.action
        ))
        .field("principalId"));
    }
    if input.kind != ScheduleKind::Active {
        return Err(Violation::bad_request(
            "action",
            format!(
                "'{}' is made on roleAssignmentScheduleRequests, not roleEligibilityScheduleRequests.",
                input.action
            ),
        ));
    }
    Ok(())
}
