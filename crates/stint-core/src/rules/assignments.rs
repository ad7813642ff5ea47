//! Assignments made by administrators (SPEC A1–A10): `adminAssign`, `adminUpdate`, `adminRemove`,
//! `adminExtend`, `adminRenew`, on eligibility and assignment schedule requests alike.

use chrono::{DateTime, TimeDelta, Utc};

use crate::change::{Change, Decision};
use crate::directory::Group;
use crate::ids::{GroupId, PrincipalId, RequestId, ScheduleId};
use crate::policy::PolicySettings;
use crate::request::{
    Expiration, RequestAction, RequestStatus, RequestedSchedule, ScheduleRequest, TicketInfo,
};
use crate::rules::directory::{check_group_nesting, live_group};
use crate::rules::onboarding::{ensure_managed, require_pim_administrator};
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::{
    Access, AssignmentType, EndReason, Ended, MemberType, Schedule, ScheduleKind, Window,
};
use crate::spec::Rule;
use crate::state::{Principal, State};
use crate::violation::{ErrorCode, PolicyRule, Violation};

/// A2, A3: the shortest assignment, and the shortest time before one may be removed.
pub const MINIMUM_LENGTH: TimeDelta = TimeDelta::minutes(5);
/// A10, E2: how long after its end an assignment stays renewable.
pub const RENEWAL_WINDOW: TimeDelta = TimeDelta::days(30);
/// V2: the longest justification.
pub const MAX_JUSTIFICATION_CHARS: usize = 500;

/// A schedule request as received, before any rule has looked at it.
#[derive(Clone, Debug)]
pub struct RequestInput {
    pub kind: ScheduleKind,
    pub action: RequestAction,
    pub group_id: GroupId,
    pub principal_id: PrincipalId,
    pub access: Access,
    pub schedule: Option<RequestedSchedule>,
    pub justification: Option<String>,
    pub ticket: Option<TicketInfo>,
    pub is_validation_only: bool,
}

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
    let group = live_group(state, input.group_id).map_err(|_| {
        Violation::new(
            ErrorCode::InvalidRoleAssignmentRequest,
            format!("The group '{}' does not exist.", input.group_id),
        )
        .field("groupId")
    })?;
    require_pim_administrator(state, ctx, group)?;
    let mut decision = ensure_managed(state, ctx, group)?;
    check_principal(state, ctx.now, group, &input)?;
    let settings = state
        .policies
        .get(&(group.id, input.access))
        .map(|policy| policy.settings.clone())
        .unwrap_or_default();

    let request_id = RequestId(ctx.fresh_id());
    let target = ScheduleId {
        group: group.id,
        access: input.access,
        origin: request_id.0,
    };
    let mut request = ScheduleRequest {
        id: request_id,
        kind: input.kind,
        action: input.action,
        group_id: group.id,
        principal_id: input.principal_id,
        access: input.access,
        status: RequestStatus::Provisioned,
        created_at: ctx.now,
        completed_at: Some(ctx.now),
        created_by: ctx.caller.user,
        justification: input.justification.clone(),
        ticket: input.ticket.clone(),
        schedule: input.schedule,
        resolved_start: None,
        target_schedule_id: Some(target),
        is_validation_only: input.is_validation_only,
        activated_using: None,
        approval: None,
    };

    let outcome = match input.action {
        RequestAction::AdminAssign => assign(state, ctx, &input, &settings, target)?,
        RequestAction::AdminUpdate | RequestAction::AdminExtend => {
            replace_open(state, ctx, &input, &settings, target)?
        }
        RequestAction::AdminRenew => renew(state, ctx, &input, &settings, target)?,
        RequestAction::AdminRemove => remove(state, ctx, &input)?,
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

fn unreachable_action(action: RequestAction) -> Result<Outcome, Violation> {
    Err(Violation::bad_request(
        "action",
        format!("'{action}' is not an administrator action."),
    ))
}

/// The schedules a request ends and creates.
#[derive(Debug, Default)]
struct Outcome {
    ended: Vec<Schedule>,
    created: Option<Schedule>,
}

fn assign(
    state: &State,
    ctx: &Context,
    input: &RequestInput,
    settings: &PolicySettings,
    target: ScheduleId,
) -> Result<Outcome, Violation> {
    let window = resolve_window(input, ctx.now, ctx.now)?;
    check_window(ctx, input, settings, &window)?;
    check_no_overlap(state, input, &window, None)?;
    Ok(Outcome {
        ended: Vec::new(),
        created: Some(new_schedule(ctx, input, target, window)),
    })
}

/// `adminUpdate` and `adminExtend`: the open schedule is superseded by a new one (Graph gives the
/// result a new schedule id, named after the new request).
fn replace_open(
    state: &State,
    ctx: &Context,
    input: &RequestInput,
    settings: &PolicySettings,
    target: ScheduleId,
) -> Result<Outcome, Violation> {
    let current = latest(open_schedules(state, input, ctx.now))
        .ok_or_else(|| does_not_exist(input, "update or extend"))?;
    let default_start = current.window.start;
    let window = resolve_window(input, default_start, ctx.now.min(default_start))?;
    if input.action == RequestAction::AdminExtend {
        let extends = match (current.window.end, window.end) {
            (Some(old), Some(new)) => new > old,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !extends {
            return Err(Violation::new(
                ErrorCode::InvalidRoleAssignmentRequest,
                "An extension must end later than the assignment it extends; a permanent assignment cannot be extended.",
            )
            .field("scheduleInfo.expiration")
            .rule(Rule::A7));
        }
    }
    check_window(ctx, input, settings, &window)?;
    check_no_overlap(state, input, &window, Some(current.id))?;
    let mut superseded = current.clone();
    superseded.ended = Some(Ended {
        at: ctx.now,
        reason: EndReason::Superseded,
    });
    superseded.modified_at = ctx.now;
    let mut created = new_schedule(ctx, input, target, window);
    created.member_type = current.member_type;
    created.assignment_type = current.assignment_type;
    Ok(Outcome {
        ended: vec![superseded],
        created: Some(created),
    })
}

/// `adminRenew`: an assignment that ended within the last 30 days gets a new schedule.
fn renew(
    state: &State,
    ctx: &Context,
    input: &RequestInput,
    settings: &PolicySettings,
    target: ScheduleId,
) -> Result<Outcome, Violation> {
    let renewable = state
        .schedules_for(input.group_id, input.principal_id, input.access, input.kind)
        .filter(|s| {
            let window = s.effective_window();
            window.has_ended_by(ctx.now)
                && window
                    .end
                    .is_some_and(|end| ctx.now - end <= RENEWAL_WINDOW)
                && !matches!(
                    s.ended,
                    Some(Ended {
                        reason: EndReason::Superseded,
                        ..
                    })
                )
        });
    if latest(renewable).is_none() {
        return Err(does_not_exist(
            input,
            "renew (it must have ended within the last 30 days)",
        ));
    }
    let window = resolve_window(input, ctx.now, ctx.now)?;
    check_window(ctx, input, settings, &window)?;
    check_no_overlap(state, input, &window, None)?;
    Ok(Outcome {
        ended: Vec::new(),
        created: Some(new_schedule(ctx, input, target, window)),
    })
}

/// `adminRemove`: ends every open schedule of the (group, principal, access, kind), but not within
/// five minutes of its creation (A3).
fn remove(state: &State, ctx: &Context, input: &RequestInput) -> Result<Outcome, Violation> {
    let open: Vec<&Schedule> = open_schedules(state, input, ctx.now).collect();
    if open.is_empty() {
        return Err(does_not_exist(input, "remove"));
    }
    if let Some(young) = open
        .iter()
        .find(|s| ctx.now - s.created_at < MINIMUM_LENGTH)
    {
        let wait = MINIMUM_LENGTH - (ctx.now - young.created_at);
        return Err(too_short(format!(
            "An assignment cannot be removed within 5 minutes of being made; try again in {} seconds.",
            wait.num_seconds().max(1)
        ))
        .rule(Rule::A3));
    }
    let ended = open
        .into_iter()
        .map(|schedule| {
            let mut ended = schedule.clone();
            ended.ended = Some(Ended {
                at: ctx.now,
                reason: EndReason::Removed,
            });
            ended.modified_at = ctx.now;
            ended
        })
        .collect();
    Ok(Outcome {
        ended,
        created: None,
    })
}

fn open_schedules<'a>(
    state: &'a State,
    input: &RequestInput,
    now: DateTime<Utc>,
) -> impl Iterator<Item = &'a Schedule> + 'a {
    state
        .schedules_for(input.group_id, input.principal_id, input.access, input.kind)
        .filter(move |s| s.is_open_at(now))
}

pub(crate) fn latest<'a>(schedules: impl Iterator<Item = &'a Schedule>) -> Option<&'a Schedule> {
    schedules.max_by_key(|s| (s.created_at, s.id))
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
    }
}

/// The window a request asks for. A start in the past means "now" (as Graph normalises it).
pub fn resolve_window(
    input: &RequestInput,
    default_start: DateTime<Utc>,
    earliest: DateTime<Utc>,
) -> Result<Window, Violation> {
    let schedule = input.schedule.ok_or_else(|| {
        Violation::new(
            ErrorCode::InvalidRoleAssignmentRequest,
            format!(
                "'{}' needs scheduleInfo with a startDateTime and an expiration.",
                input.action
            ),
        )
        .field("scheduleInfo")
    })?;
    let start = schedule.start.unwrap_or(default_start).max(earliest);
    let end = match schedule.expiration {
        Expiration::NotSpecified | Expiration::NoExpiration => None,
        Expiration::AfterDateTime(end) => {
            if end <= start {
                return Err(Violation::new(
                    ErrorCode::InvalidRoleAssignmentRequest,
                    "scheduleInfo.expiration.endDateTime must be after the start.",
                )
                .field("scheduleInfo.expiration.endDateTime"));
            }
            Some(end)
        }
        Expiration::AfterDuration(duration) => start.checked_add_signed(duration.as_delta()),
    };
    Ok(Window { start, end })
}

/// A2, A4, A5 on the window and the request's justification.
pub(crate) fn check_window(
    ctx: &Context,
    input: &RequestInput,
    settings: &PolicySettings,
    window: &Window,
) -> Result<(), Violation> {
    if window
        .length()
        .is_some_and(|length| length < MINIMUM_LENGTH)
    {
        return Err(too_short("An assignment must last at least 5 minutes.".into()).rule(Rule::A2));
    }
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
    let overlapping = state
        .schedules_for(input.group_id, input.principal_id, input.access, input.kind)
        .filter(|s| Some(s.id) != replacing)
        // A superseded schedule lives on in the one that replaced it (A7), which is checked itself.
        .filter(|s| {
            !matches!(
                s.ended,
                Some(Ended {
                    reason: EndReason::Superseded,
                    ..
                })
            )
        })
        .any(|s| s.effective_window().overlaps(window));
    if overlapping {
        return Err(Violation::new(
            ErrorCode::RoleAssignmentExists,
            format!(
                "The Role assignment already exists: the principal already has an {} {} assignment in this group for an overlapping time. Update or extend it instead.",
                kind_word(input.kind),
                input.access
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
            check_group_nesting(state, now, child.id, group, input.access, input.kind)
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
            input.access
        ),
    )
    .rule(Rule::A7)
}

pub(crate) fn too_short(message: String) -> Violation {
    Violation::new(
        ErrorCode::ActiveDurationTooShort,
        format!("The Active duration is too short. Minimum required is 5 minutes. {message}"),
    )
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
        input.access,
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

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
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
