//! The life of a request after it is made: cancelling a pending one (SPEC V4).

use crate::authz::Authority;
use crate::change::{Change, Decision};
use crate::ids::RequestId;
use crate::request::{RequestStatus, ScheduleRequest};
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::ScheduleKind;
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

/// V4: the requester, or an administrator of the group, cancels a pending request.
pub fn cancel(
    state: &State,
    ctx: &Context,
    id: RequestId,
    kind: ScheduleKind,
) -> Result<Decision, Violation> {
    let request = state
        .requests
        .get(&id)
        .filter(|request| request.kind == kind)
        .ok_or_else(|| Violation::not_found(format!("Request '{id}'")))?;
    Authority::new(state, ctx.caller, ctx.now).canceler_of(request)?;
    if !request.status.is_pending() {
        return Err(not_pending(
            request,
            ErrorCode::RequestNotCancelable,
            "Only a pending request can be canceled; this one is",
        )
        .rule(Rule::V4));
    }
    let mut canceled = request.clone();
    canceled.status = RequestStatus::Canceled;
    canceled.completed_at = Some(ctx.now);
    let event = ctx
        .event("request.cancel", "request", id)
        .about(Some(request.target.group_id), Some(request.principal_id))
        .saying(format!("Canceled the pending {} request.", request.action));
    Ok(Decision::new()
        .change(Change::Request(canceled))
        .audit(event))
}

/// V3, V4: `request` is no longer pending, so it cannot be decided or canceled; `refusal` says
/// so, and the message ends with the request's status.
pub(crate) fn not_pending(request: &ScheduleRequest, code: ErrorCode, refusal: &str) -> Violation {
    Violation::new(code, format!("{refusal} {}.", request.status))
}

/// V3: whether `user` is one of the approvers the policy names for `request`. A requester never
/// approves their own request, even when listed.
pub fn is_approver(
    state: &State,
    user: crate::ids::UserId,
    request: &ScheduleRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    if request.created_by == user || request.principal_id == user.into() {
        return false;
    }
    // S5: the approvers named when the request was made, not the policy's current ones.
    request.approval.as_ref().is_some_and(|approval| {
        approval.approvers.iter().any(|approver| match approver {
            crate::policy::Approver::User(approver) => *approver == user,
            crate::policy::Approver::MembersOf(group) => {
                state.is_effective_member(user.into(), *group, now)
            }
        })
    })
}
