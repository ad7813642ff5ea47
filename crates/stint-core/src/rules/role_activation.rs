//! What an eligible principal asks for a directory role (SPEC V1, V2, V5, V6, V8 applied to D5 and
//! D6): `selfActivate` of an eligible role assignment held by the caller or by a role-assignable
//! group the caller is an active member of now, and `selfDeactivate`.
//!
//! Directory roles have no per-role policy in Stint: activation lasts at most
//! [`ROLE_ACTIVATION_MAXIMUM`] and needs a justification, as Entra's default role settings say.

use chrono::{DateTime, TimeDelta, Utc};

use crate::directory::RoleAssignment;
use crate::ids::{GroupId, RequestId, UserId};
use crate::rules::assignment::{
    activation_start, activation_window, already_held, check_deactivatable, end_all, no_activation,
    not_eligible, require_active_kind, require_own,
};
use crate::rules::assignments::is_blank;
use crate::rules::roles::{
    holds_overlapping, new_assignment, open_assignments, until, RoleOutcome, RoleRequestInput,
};
use crate::rules::Context;
use crate::schedule::{EndReason, MemberType};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{PolicyRule, Violation};

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
    let start = activation_start(input, ctx.now);
    let held = input.target.to_string();
    let (eligibility, member_type) =
        find_role_eligibility(state, ctx.caller.user, input, start, ctx.now).ok_or_else(|| {
            not_eligible(
                &held,
                ", neither yourself nor through a group you are a member of",
            )
        })?;
    let window = activation_window(
        input,
        start,
        ROLE_ACTIVATION_MAXIMUM,
        "An activation of a directory role may last at most PT8H; ask for less.",
        eligibility.effective_window().end,
    )?;
    if is_blank(input.justification.as_deref()) {
        return Err(Violation::policy_failed(
            &[PolicyRule::JustificationRule],
            "Give a justification (at most 500 characters).",
        )
        .rule(Rule::V2));
    }
    // `input` is for an active role assignment (`require_self`), so the same target is active.
    if holds_overlapping(state, input, &window, None) {
        return Err(already_held(&held));
    }
    let mut created = new_assignment(ctx, input, request, window);
    created.member_type = member_type;
    created.activated = true;
    let through = match member_type {
        MemberType::Group => format!(" through group {}", eligibility.principal_id),
        MemberType::Direct => String::new(),
    };
    let summary = format!("Activated {held}{through}{}.", until(&window));
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
                && a.role == input.target.role
                && a.scope == input.target.scope
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

/// V5: end one's own activation, not within 5 minutes of its start (A3).
pub(crate) fn deactivate(
    state: &State,
    ctx: &Context,
    input: &RoleRequestInput,
) -> Result<RoleOutcome, Violation> {
    require_self(ctx, input)?;
    let activations: Vec<&RoleAssignment> = open_assignments(state, input, ctx.now)
        .filter(|a| a.activated)
        .collect();
    let held = input.target.to_string();
    if activations.is_empty() {
        return Err(no_activation(&held));
    }
    check_deactivatable(&activations, ctx.now)?;
    Ok(RoleOutcome {
        ended: end_all(activations, ctx.now, EndReason::Deactivated),
        created: None,
        summary: format!("Deactivated {held}."),
    })
}

/// Self-service acts for the caller only, on `roleAssignmentScheduleRequests`.
fn require_self(ctx: &Context, input: &RoleRequestInput) -> Result<(), Violation> {
    require_own(input, ctx.caller.user)?;
    require_active_kind(
        input,
        "roleAssignmentScheduleRequests",
        "roleEligibilityScheduleRequests",
    )
}
