//! Directory role assignments through schedule requests (SPEC D5, D6, A2, A3, A8): what an
//! administrator asks for (`adminAssign`, `adminUpdate`, `adminExtend`, `adminRemove`) on eligible
//! and active role assignments. What a principal asks for themselves (`selfActivate`,
//! `selfDeactivate`: V1, V2, V5, V6) is in [`crate::rules::role_activation`].
//!
//! A role assignment is its own schedule: its id is the schedule id of Graph's
//! `unifiedRoleEligibilitySchedule` / `unifiedRoleAssignmentSchedule`, and an active one is also a
//! `unifiedRoleAssignment` while it is in force.

use chrono::{DateTime, Utc};

use crate::authz::RoleManager;
use crate::change::{Change, Decision};
use crate::directory::{DirectoryScope, RoleAssignment};
use crate::ids::{RequestId, RoleAssignmentId};
use crate::request::{RequestAction, RequestStatus};
use crate::role_request::{RoleAtScope, RoleScheduleRequest};
use crate::rules::assignment::{
    check_minimum_length, check_removable, end_all, latest, new_request, overlaps_any,
    replacement_window, resolve_window, Assigned, RequestInput,
};
use crate::rules::assignments::{check_justification_length, kind_word, ticket_text};
use crate::rules::role_activation;
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::{EndReason, MemberType, ScheduleKind, Window};
use crate::spec::Rule;
use crate::state::{Principal, State};
use crate::violation::{ErrorCode, Violation};

/// A role schedule request as received: `Eligible` on `roleEligibilityScheduleRequests`, `Active`
/// on `roleAssignmentScheduleRequests`.
pub type RoleRequestInput = RequestInput<RoleAtScope>;

/// A7: what an `adminExtend` that does not extend is told.
const NOT_LATER: &str = "An extension must end later than the role assignment it extends; a permanent one cannot be extended.";

/// The role assignments a request ends and creates, and what the audit says about it.
#[derive(Debug)]
pub(crate) struct RoleOutcome {
    pub ended: Vec<RoleAssignment>,
    pub created: Option<RoleAssignment>,
    pub summary: String,
}

/// Decides a role schedule request. On success the request is `Provisioned` (`Revoked` for a
/// removal or deactivation, `Granted` for a validation-only call, which changes nothing).
pub fn role_request(
    state: &State,
    ctx: &Context,
    input: RoleRequestInput,
) -> Result<(Decision, RoleScheduleRequest), Violation> {
    check_justification_length(input.justification.as_deref())?;
    let request_id = RequestId(ctx.fresh_id());
    let call = AdminCall {
        state,
        ctx,
        input: &input,
        request: request_id,
    };
    let outcome = match input.action {
        RequestAction::AdminAssign => call.assign()?,
        RequestAction::AdminUpdate | RequestAction::AdminExtend => call.replace_open()?,
        RequestAction::AdminRemove => call.remove()?,
        RequestAction::SelfActivate => role_activation::activate(state, ctx, &input, request_id)?,
        RequestAction::SelfDeactivate => role_activation::deactivate(state, ctx, &input)?,
        other => {
            return Err(Violation::bad_request(
                "action",
                format!("'{other}' is not supported for directory roles; use adminAssign, adminUpdate, adminExtend, adminRemove, selfActivate or selfDeactivate."),
            ))
        }
    };
    let removes = matches!(
        input.action,
        RequestAction::AdminRemove | RequestAction::SelfDeactivate
    );
    let target = match &outcome.created {
        Some(created) => Some(created.id),
        None => outcome.ended.first().map(|ended| ended.id),
    };
    let start = outcome
        .created
        .as_ref()
        .map_or(ctx.now, |created| created.window.start);
    let mut request = new_request(ctx, &input, request_id, target, start);
    if removes {
        request.status = RequestStatus::Revoked;
    }
    if input.is_validation_only {
        request.status = RequestStatus::Granted;
        return Ok((Decision::new(), request));
    }
    let mut decision = Decision::new();
    for assignment in outcome.ended.into_iter().chain(outcome.created) {
        decision.push(Change::RoleAssignment(assignment));
    }
    decision.push(Change::RoleRequest(request.clone()));
    decision.record(
        ctx.event(
            &format!("roleRequest.{}", input.action),
            "roleRequest",
            request.id,
        )
        .about(None, Some(input.principal_id))
        .justified(
            input.justification.clone(),
            input.ticket.as_ref().map(ticket_text),
        )
        .saying(outcome.summary),
    );
    Ok((decision, request))
}

/// An administrator's role schedule request on its way: what every action reads.
struct AdminCall<'a, 'c> {
    state: &'a State,
    ctx: &'a Context<'c>,
    input: &'a RoleRequestInput,
    /// The request, which names what it creates.
    request: RequestId,
}

impl AdminCall<'_, '_> {
    /// `adminAssign`: a new eligible or active role assignment, permanent or not.
    fn assign(&self) -> Result<RoleOutcome, Violation> {
        let (state, ctx, input) = (self.state, self.ctx, self.input);
        require_role_manager(ctx, input)?;
        check_principal(state, input)?;
        check_scope(state, input.target.scope)?;
        let window = resolve_window(input, ctx.now, ctx.now)?;
        check_minimum_length(&window, "A role assignment")?;
        check_no_overlap(state, input, &window, None)?;
        let created = new_assignment(ctx, input, self.request, window);
        let summary = format!(
            "Assigned {} to {}{}.",
            held(input),
            input.principal_id,
            until(&window)
        );
        Ok(RoleOutcome {
            ended: Vec::new(),
            created: Some(created),
            summary,
        })
    }

    /// `adminUpdate` and `adminExtend`: the open role assignment is replaced by a new one (ended now,
    /// as a superseded group schedule is).
    fn replace_open(&self) -> Result<RoleOutcome, Violation> {
        let (state, ctx, input) = (self.state, self.ctx, self.input);
        require_role_manager(ctx, input)?;
        check_principal(state, input)?;
        let current = latest(open_assignments(state, input, ctx.now))
            .ok_or_else(|| does_not_exist(input, "update or extend"))?;
        let window = replacement_window(input, current, ctx.now, NOT_LATER)?;
        check_minimum_length(&window, "A role assignment")?;
        check_no_overlap(state, input, &window, Some(current.id))?;
        let ended = current.ended_at(ctx.now, EndReason::Superseded);
        let mut created = new_assignment(ctx, input, self.request, window);
        created.member_type = current.member_type;
        created.activated = current.activated;
        let summary = format!(
            "{} the {} of {}{}.",
            if input.action == RequestAction::AdminExtend {
                "Extended"
            } else {
                "Updated"
            },
            held(input),
            input.principal_id,
            until(&window)
        );
        Ok(RoleOutcome {
            ended: vec![ended],
            created: Some(created),
            summary,
        })
    }

    /// `adminRemove`: ends every open role assignment of the (principal, role, scope, kind), but not
    /// within five minutes of its creation (A3).
    fn remove(&self) -> Result<RoleOutcome, Violation> {
        let (state, ctx, input) = (self.state, self.ctx, self.input);
        require_role_manager(ctx, input)?;
        let open: Vec<&RoleAssignment> = open_assignments(state, input, ctx.now).collect();
        if open.is_empty() {
            return Err(does_not_exist(input, "remove"));
        }
        check_removable(&open, ctx.now, "A role assignment")?;
        let ended = end_all(open, ctx.now, EndReason::Removed);
        let summary = format!("Removed the {} of {}.", held(input), input.principal_id);
        Ok(RoleOutcome {
            ended,
            created: None,
            summary,
        })
    }
}

/// Open (current or future) role assignments of the request's (principal, role, scope, kind).
pub(crate) fn open_assignments<'a>(
    state: &'a State,
    input: &'a RoleRequestInput,
    now: DateTime<Utc>,
) -> impl Iterator<Item = &'a RoleAssignment> + 'a {
    state
        .role_assignments
        .values()
        .filter(move |a| same_target(a, input) && a.is_open_at(now))
}

fn same_target(assignment: &RoleAssignment, input: &RoleRequestInput) -> bool {
    assignment.principal_id == input.principal_id
        && assignment.role == input.target.role
        && assignment.scope == input.target.scope
        && assignment.eligible == (input.kind == ScheduleKind::Eligible)
}

pub(crate) fn new_assignment(
    ctx: &Context,
    input: &RoleRequestInput,
    request: RequestId,
    window: Window,
) -> RoleAssignment {
    RoleAssignment {
        id: RoleAssignmentId(ctx.fresh_id()),
        principal_id: input.principal_id,
        role: input.target.role,
        scope: input.target.scope,
        eligible: input.kind == ScheduleKind::Eligible,
        window,
        created_at: ctx.now,
        removed_at: None,
        created_using: Some(request),
        member_type: MemberType::Direct,
        activated: false,
    }
}

/// Only Global and Privileged Role Administrators manage directory roles.
fn require_role_manager(ctx: &Context, input: &RoleRequestInput) -> Result<(), Violation> {
    let verb = match input.action {
        RequestAction::AdminRemove => "remove",
        RequestAction::AdminAssign => "make",
        _ => "change",
    };
    RoleManager::of(ctx.caller, &format!("{verb} directory role assignments")).map(drop)
}

/// D5: a role is held by a user, or by a role-assignable group.
fn check_principal(state: &State, input: &RoleRequestInput) -> Result<(), Violation> {
    match state.principal(input.principal_id) {
        None => Err(Violation::new(
            ErrorCode::SubjectNotFound,
            format!("The subject '{}' is not found.", input.principal_id),
        )
        .field("principalId")),
        Some(Principal::Group(group)) if !group.is_assignable_to_role => Err(Violation::new(
            ErrorCode::InvalidRoleAssignmentRequest,
            format!(
                "Only role-assignable groups can be assigned a role; '{}' is not role-assignable.",
                group.display_name
            ),
        )
        .field("principalId")
        .rule(Rule::D5)),
        Some(_) => Ok(()),
    }
}

/// D5: the whole directory, or an administrative unit that exists.
fn check_scope(state: &State, scope: DirectoryScope) -> Result<(), Violation> {
    match scope {
        DirectoryScope::AdministrativeUnit(unit)
            if !state.administrative_units.contains_key(&unit) =>
        {
            Err(Violation::new(
                ErrorCode::InvalidRoleAssignmentRequest,
                format!("The administrative unit '{unit}' does not exist."),
            )
            .field("directoryScopeId")
            .rule(Rule::D5))
        }
        _ => Ok(()),
    }
}

/// A8: one role assignment per (principal, role, scope, kind) at a time.
fn check_no_overlap(
    state: &State,
    input: &RoleRequestInput,
    window: &Window,
    replacing: Option<RoleAssignmentId>,
) -> Result<(), Violation> {
    if holds_overlapping(state, input, window, replacing) {
        return Err(Violation::new(
            ErrorCode::RoleAssignmentExists,
            format!(
                "The Role assignment already exists: the principal already has an {} {} assignment at scope {} for an overlapping time. Update or extend it instead.",
                kind_word(input.kind),
                input.target.role.display_name(),
                input.target.scope
            ),
        )
        .rule(Rule::A8));
    }
    Ok(())
}

/// A8, V8: whether the principal holds what `input` asks for (other than `replacing`) at a time of
/// `window`.
pub(crate) fn holds_overlapping(
    state: &State,
    input: &RoleRequestInput,
    window: &Window,
    replacing: Option<RoleAssignmentId>,
) -> bool {
    let existing = state
        .role_assignments
        .values()
        .filter(|a| same_target(a, input));
    overlaps_any(existing, window, replacing)
}

fn does_not_exist(input: &RoleRequestInput, verb: &str) -> Violation {
    Violation::new(
        ErrorCode::RoleAssignmentDoesNotExist,
        format!(
            "There is no {} {} assignment of this principal at scope {} to {verb}.",
            kind_word(input.kind),
            input.target.role.display_name(),
            input.target.scope
        ),
    )
    .rule(Rule::A7)
}

/// What a request is about, for its audit: "eligible Global Administrator at scope /".
fn held(input: &RoleRequestInput) -> String {
    format!("{} {}", kind_word(input.kind), input.target)
}

pub(crate) fn until(window: &Window) -> String {
    match window.end {
        Some(end) => format!(" until {}", end.to_rfc3339()),
        None => " permanently".to_string(),
    }
}

#[cfg(test)]
#[path = "tests/roles.rs"]
mod tests;
