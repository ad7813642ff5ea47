//! Assignments made by administrators (SPEC A1–A10): `adminAssign`, `adminUpdate`, `adminRemove`,
//! `adminExtend`, `adminRenew`, on eligibility and assignment schedule requests alike.

use chrono::{DateTime, Utc};

use crate::change::{Change, Decision};
use crate::directory::Group;
use crate::ids::{RequestId, ScheduleId};
use crate::policy::PolicySettings;
use crate::request::{RequestAction, RequestStatus, ScheduleRequest, TicketInfo};
use crate::rules::assignment::{
    check_minimum_length, check_removable, end_all, ended_within_renewal, latest, new_request,
    overlaps_any, replacement_window, resolve_window, Assigned,
};
use crate::rules::directory::{check_group_nesting, live_group};
use crate::rules::onboarding::{ensure_managed, require_pim_administrator};
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::{AssignmentType, EndReason, MemberType, Schedule, ScheduleKind, Window};
use crate::spec::Rule;
use crate::state::{Principal, State};
use crate::text::capitalised;
use crate::violation::{ErrorCode, PolicyRule, Violation};

pub use crate::rules::assignment::{RequestInput, RENEWAL_WINDOW};

/// V2: the longest justification.
pub const MAX_JUSTIFICATION_CHARS: usize = 500;

/// Decides an administrator's request. On success the request is `Provisioned` (or `Revoked` for a
/// removal, `Granted` for a validation-only call, which changes nothing).
pub fn admin_request(
    state: &State,
    ctx: &Context,
    input: RequestInput,
) -> Result<(Decision, ScheduleRequest), Violation> {
    if !input.action.is_admin() {
        return Err(Violation::bad_request(
            "action",
            format!("'{}' is not an administrator action.", input.action),
        ));
    }
    check_justification_length(input.justification.as_deref())?;
    let group = requested_group(state, &input)?;
    require_pim_administrator(state, ctx, group)?;
    let mut decision = ensure_managed(state, ctx, group)?;
    check_principal(state, ctx.now, group, &input)?;
    let settings = state.policy_settings(group.id, input.target.access);

    let request_id = RequestId(ctx.fresh_id());
    let target = ScheduleId {
        group: group.id,
        access: input.target.access,
        origin: request_id.0,
    };
    let mut request = new_request(ctx, &input, request_id, Some(target), ctx.now);

    let call = AdminCall {
        state,
        ctx,
        input: &input,
        settings,
        target,
    };
    let outcome = match input.action {
        RequestAction::AdminAssign => call.assign()?,
        RequestAction::AdminUpdate | RequestAction::AdminExtend => call.replace_open()?,
        RequestAction::AdminRenew => call.renew()?,
        RequestAction::AdminRemove => call.remove()?,
        _ => unreachable_action(input.action)?,
    };
    request.resolved_start = outcome.created.as_ref().map(|s| s.window.start);
    if input.action == RequestAction::AdminRemove {
        request.status = RequestStatus::Revoked;
        request.target_schedule_id = outcome.ended.first().map(|s| s.id);
    }
    if input.is_validation_only {
        request.status = RequestStatus::Granted;
        return Ok((Decision::new(), request));
    }

    let summary = describe(&input, group, outcome.created.as_ref());
    for schedule in outcome.ended.into_iter().chain(outcome.created) {
        decision.push(Change::Schedule(schedule));
    }
    decision.push(Change::Request(request.clone()));
    decision.record(
        ctx.event(&format!("request.{}", input.action), "request", request.id)
            .about(Some(group.id), Some(input.principal_id))
            .justified(
                input.justification.clone(),
                input.ticket.as_ref().map(ticket_text),
            )
            .saying(summary),
    );
    Ok((decision, request))
}

/// The live group a request is about.
pub(crate) fn requested_group<'a>(
    state: &'a State,
    input: &RequestInput,
) -> Result<&'a Group, Violation> {
    live_group(state, input.target.group_id).map_err(|_| {
        Violation::new(
            ErrorCode::InvalidRoleAssignmentRequest,
            format!("The group '{}' does not exist.", input.target.group_id),
        )
        .field("groupId")
    })
}

fn unreachable_action(action: RequestAction) -> Result<Outcome, Violation> {
    Err(Violation::bad_request(
        "action",
        format!("'{action}' is not an administrator action."),
    ))
}

/// A7: what an `adminExtend` that does not extend is told.
const NOT_LATER: &str = "An extension must end later than the assignment it extends; a permanent assignment cannot be extended.";

/// The schedules a request ends and creates.
#[derive(Debug, Default)]
struct Outcome {
    ended: Vec<Schedule>,
    created: Option<Schedule>,
}

/// An administrator's request on its way: what every action reads.
struct AdminCall<'a, 'c> {
    state: &'a State,
    ctx: &'a Context<'c>,
    input: &'a RequestInput,
    settings: PolicySettings,
    /// The id of the schedule the request creates.
    target: ScheduleId,
}

impl AdminCall<'_, '_> {
    /// `adminAssign`: a new schedule for the requested window.
    fn assign(&self) -> Result<Outcome, Violation> {
        let (ctx, input) = (self.ctx, self.input);
        let window = resolve_window(input, ctx.now, ctx.now)?;
        check_window(ctx, input, &self.settings, &window)?;
        check_no_overlap(self.state, input, &window, None)?;
        Ok(Outcome {
            ended: Vec::new(),
            created: Some(new_schedule(ctx, input, self.target, window)),
        })
    }

    /// `adminUpdate` and `adminExtend`: the open schedule is superseded by a new one (Graph gives
    /// the result a new schedule id, named after the new request).
    fn replace_open(&self) -> Result<Outcome, Violation> {
        let (ctx, input) = (self.ctx, self.input);
        let current = latest(open_schedules(self.state, input, ctx.now))
            .ok_or_else(|| does_not_exist(input, "update or extend"))?;
        let window = replacement_window(input, current, ctx.now, NOT_LATER)?;
        check_window(ctx, input, &self.settings, &window)?;
        check_no_overlap(self.state, input, &window, Some(current.id))?;
        let superseded = current.ended_at(ctx.now, EndReason::Superseded);
        let mut created = new_schedule(ctx, input, self.target, window);
        created.member_type = current.member_type;
        created.assignment_type = current.assignment_type;
        Ok(Outcome {
            ended: vec![superseded],
            created: Some(created),
        })
    }

    /// `adminRenew`: an assignment that ended within the last 30 days gets a new schedule.
    fn renew(&self) -> Result<Outcome, Violation> {
        let (ctx, input) = (self.ctx, self.input);
        let renewable = self
            .state
            .schedules_for(
                input.target.group_id,
                input.principal_id,
                input.target.access,
                input.kind,
            )
            .filter(|s| ended_within_renewal(*s, ctx.now) && !s.is_superseded());
        if latest(renewable).is_none() {
            return Err(does_not_exist(
                input,
                "renew (it must have ended within the last 30 days)",
            ));
        }
        self.assign()
    }

    /// `adminRemove`: ends every open schedule of the (group, principal, access, kind), but not
    /// within five minutes of its creation (A3).
    fn remove(&self) -> Result<Outcome, Violation> {
        let (ctx, input) = (self.ctx, self.input);
        let open: Vec<&Schedule> = open_schedules(self.state, input, ctx.now).collect();
        if open.is_empty() {
            return Err(does_not_exist(input, "remove"));
        }
        check_removable(&open, ctx.now, "An assignment")?;
        Ok(Outcome {
            ended: end_all(open, ctx.now, EndReason::Removed),
            created: None,
        })
    }
}

fn open_schedules<'a>(
    state: &'a State,
    input: &RequestInput,
    now: DateTime<Utc>,
) -> impl Iterator<Item = &'a Schedule> + 'a {
    state
        .schedules_for(
            input.target.group_id,
            input.principal_id,
            input.target.access,
            input.kind,
        )
        .filter(move |s| s.is_open_at(now))
}

pub(crate) fn new_schedule(
    ctx: &Context,
    input: &RequestInput,
    id: ScheduleId,
    window: Window,
) -> Schedule {
    Schedule {
        id,
        kind: input.kind,
        principal_id: input.principal_id,
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window,
        created_using: Some(RequestId(id.origin)),
        created_at: ctx.now,
        modified_at: ctx.now,
        ended: None,
        reminders_sent: 0,
    }
}

/// A2, A4, A5 on the window and the request's justification.
pub(crate) fn check_window(
    ctx: &Context,
    input: &RequestInput,
    settings: &PolicySettings,
    window: &Window,
) -> Result<(), Violation> {
    check_minimum_length(window, "An assignment")?;
    let mut failed = Vec::new();
    let mut details = Vec::new();
    let expiration = settings.assignment_expiration(input.kind);
    if expiration.expiration_required {
        let maximum_end = window
            .start
            .checked_add_signed(expiration.maximum.as_delta());
        match window.end {
            None => {
                failed.push(PolicyRule::ExpirationRule);
                details.push(format!(
                    "The policy does not allow permanent {} assignments; give an end no later than {} after the start.",
                    kind_word(input.kind),
                    expiration.maximum
                ));
            }
            Some(end) if maximum_end.is_some_and(|max| end > max) => {
                failed.push(PolicyRule::ExpirationRule);
                details.push(format!(
                    "{} assignments may last at most {}.",
                    capitalised(kind_word(input.kind)),
                    expiration.maximum
                ));
            }
            Some(_) => {}
        }
    }
    if input.kind == ScheduleKind::Active {
        let requirements = &settings.active_assignment_requirements;
        if requirements.justification && is_blank(input.justification.as_deref()) {
            failed.push(PolicyRule::JustificationRule);
            details.push("The policy requires a justification for active assignments.".into());
        }
        if requirements.mfa && !ctx.has_fresh_mfa() {
            failed.push(PolicyRule::MfaRule);
            details.push("The policy requires a recent multi-factor authentication of the administrator; step up with a TOTP code and retry.".into());
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    let rule = if failed.contains(&PolicyRule::ExpirationRule) {
        Rule::A4
    } else {
        Rule::A5
    };
    Err(Violation::policy_failed(&failed, &details.join(" ")).rule(rule))
}

/// A8: one open schedule per (group, principal, access, kind) at a time.
pub(crate) fn check_no_overlap(
    state: &State,
    input: &RequestInput,
    window: &Window,
    replacing: Option<ScheduleId>,
) -> Result<(), Violation> {
    let existing = state.schedules_for(
        input.target.group_id,
        input.principal_id,
        input.target.access,
        input.kind,
    );
    if overlaps_any(existing, window, replacing) {
        return Err(Violation::new(
            ErrorCode::RoleAssignmentExists,
            format!(
                "The Role assignment already exists: the principal already has an {} {} assignment in this group for an overlapping time. Update or extend it instead.",
                kind_word(input.kind),
                input.target.access
            ),
        )
        .rule(Rule::A8));
    }
    Ok(())
}

/// A1, D4: who can hold what.
fn check_principal(
    state: &State,
    now: DateTime<Utc>,
    group: &Group,
    input: &RequestInput,
) -> Result<(), Violation> {
    match state.principal(input.principal_id) {
        None => Err(Violation::new(
            ErrorCode::SubjectNotFound,
            format!("The subject '{}' is not found.", input.principal_id),
        )
        .field("principalId")),
        Some(Principal::User(_)) => Ok(()),
        Some(Principal::Group(_)) if input.action == RequestAction::AdminRemove => Ok(()),
        Some(Principal::Group(child)) => {
            check_group_nesting(state, now, child.id, group, input.target.access, input.kind)
        }
    }
}

pub fn check_justification_length(justification: Option<&str>) -> Result<(), Violation> {
    if justification.is_some_and(|text| text.chars().count() > MAX_JUSTIFICATION_CHARS) {
        return Err(Violation::new(
            ErrorCode::InvalidRoleAssignmentRequest,
            format!("justification may be at most {MAX_JUSTIFICATION_CHARS} characters."),
        )
        .field("justification")
        .rule(Rule::V2));
    }
    Ok(())
}

fn does_not_exist(input: &RequestInput, verb: &str) -> Violation {
    Violation::new(
        ErrorCode::RoleAssignmentDoesNotExist,
        format!(
            "There is no {} {} assignment of this principal in this group to {verb}.",
            kind_word(input.kind),
            input.target.access
        ),
    )
    .rule(Rule::A7)
}

fn describe(input: &RequestInput, group: &Group, created: Option<&Schedule>) -> String {
    let until = match created.and_then(|s| s.window.end) {
        Some(end) => format!(" until {}", end.to_rfc3339()),
        None if created.is_some() => " permanently".to_string(),
        None => String::new(),
    };
    format!(
        "{} of {} {} {} in {}{until}.",
        input.action,
        kind_word(input.kind),
        input.target.access,
        input.principal_id,
        group.display_name
    )
}

pub(crate) fn kind_word(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Eligible => "eligible",
        ScheduleKind::Active => "active",
    }
}

pub(crate) fn is_blank(text: Option<&str>) -> bool {
    text.is_none_or(|t| t.trim().is_empty())
}

pub(crate) fn ticket_text(ticket: &TicketInfo) -> String {
    format!(
        "{}:{}",
        ticket.system.as_deref().unwrap_or(""),
        ticket.number.as_deref().unwrap_or("")
    )
}

#[cfg(test)]
#[path = "tests/assignments.rs"]
mod tests;
