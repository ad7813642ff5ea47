//! `GET /stint/v1/changes`: the change feed (SPEC X3). Long-poll JSON: every commit after
//! `after` that can change a membership or ownership (schedules, group deletions, users), each
//! entry with its revision, oldest first; `lastRevision` is where to resume. Whole commits only,
//! so resuming with `after=lastRevision` misses and repeats nothing.

use std::time::Duration;

use axum::Json;
use serde_json::{json, Value};
use stint_app::feed::{FeedChange, FeedEntry};
use utoipa_axum::routes;

use crate::call::Call;
use crate::error::{ApiError, ApiResult};
use crate::extract::{query_params, Params};
use crate::wire::{optional_time, position, time};
use crate::ApiRouter;

/// The longest a call waits for a new commit.
const MAX_WAIT_SECONDS: u64 = 30;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(list_changes))
}

query_params! {
    struct ChangesParams {
        /// Changes committed after this revision (default 0: from the beginning).
        after: Option<u64>,
        /// When nothing is new, wait up to this many seconds (0–30, default 0) for the next commit.
        wait: Option<u64>,
    }
}

/// Membership and ownership changes after a revision, oldest first, at most 1000 per page
/// (one commit is never split). Global and Privileged Role Administrators only.
#[utoipa::path(get, path = "/stint/v1/changes", tag = "stint", params(ChangesParams),
    responses((status = 200, description = "`value`: changes with their revision; `lastRevision`: resume after it"),
              (status = 400, description = "A parameter is out of range"),
              (status = 403, description = "Not a Global or Privileged Role Administrator")))]
async fn list_changes(call: Call, Params(params): Params<ChangesParams>) -> ApiResult<Json<Value>> {
    let wait = params.wait.unwrap_or(0);
    if wait > MAX_WAIT_SECONDS {
        return Err(ApiError::invalid_field(
            "wait",
            format!("must be from 0 to {MAX_WAIT_SECONDS} seconds."),
        ));
    }
    let page = call
        .app()
        .changes(
            &call.session,
            position("after", params.after.unwrap_or(0))?,
            Duration::from_secs(wait),
        )
        .await?;
    Ok(Json(json!({
        "value": page.entries.iter().map(entry).collect::<Vec<_>>(),
        "lastRevision": page.last_revision,
    })))
}

fn entry(entry: &FeedEntry) -> Value {
    let (kind, change) = match &entry.change {
        FeedChange::Schedule(schedule) => (
            "schedule",
            json!({
                "id": schedule.id.to_string(),
                "groupId": schedule.group_id().to_string(),
                "principalId": schedule.principal_id.to_string(),
                "accessId": schedule.access().as_str(),
                "kind": serde_json::to_value(schedule.kind).unwrap_or(Value::Null),
                "memberType": serde_json::to_value(schedule.member_type).unwrap_or(Value::Null),
                "assignmentType": serde_json::to_value(schedule.assignment_type).unwrap_or(Value::Null),
                "startDateTime": time(schedule.window.start),
                "endDateTime": optional_time(schedule.window.end),
                "endedDateTime": optional_time(schedule.ended.map(|ended| ended.at)),
                "endReason": schedule.ended.map(|ended| serde_json::to_value(ended.reason).unwrap_or(Value::Null)),
            }),
        ),
        FeedChange::GroupDeleted(group) => (
            "groupDeleted",
            json!({
                "id": group.id.to_string(),
                "displayName": group.display_name,
                "deletedDateTime": optional_time(group.deleted_at),
            }),
        ),
        FeedChange::User(user) => (
            "user",
            json!({
                "id": user.id.to_string(),
                "userPrincipalName": user.user_principal_name,
                "accountEnabled": user.account_enabled,
            }),
        ),
    };
    json!({
        "revision": entry.revision,
        "committedDateTime": time(entry.committed_at),
        "kind": kind,
        "change": change,
    })
}
