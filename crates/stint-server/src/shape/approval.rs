//! Graph's `approval` and `approvalStage` for PIM for Groups: the approval id is the request id.

use serde_json::{json, Value};
use stint_core::request::{Approval, ScheduleRequest};

use crate::wire::optional_time;

/// The approval of `request` with its one stage.
pub fn approval(request: &ScheduleRequest, assigned_to_me: bool) -> Value {
    let stages: Vec<Value> = request
        .approval
        .iter()
        .map(|approval| stage(approval, assigned_to_me))
        .collect();
    json!({
        "id": request.id.to_string(),
        "stages": stages,
    })
}

pub fn stage(approval: &Approval, assigned_to_me: bool) -> Value {
    let decision = approval.decision.as_ref();
    json!({
        "id": approval.stage_id.to_string(),
        "displayName": null,
        "reviewedDateTime": optional_time(decision.map(|d| d.reviewed_at)),
        "reviewResult": match decision {
            None => "NotReviewed",
            Some(d) if d.approved => "Approved",
            Some(_) => "Denied",
        },
        "status": if decision.is_some() { "Completed" } else { "InProgress" },
        "assignedToMe": assigned_to_me && decision.is_none(),
        "justification": decision.map(|d| d.justification.clone()).unwrap_or_default(),
        "reviewedBy": decision
            .and_then(|d| d.reviewed_by)
            .map(|user| json!({ "id": user.to_string(), "displayName": null })),
    })
}
