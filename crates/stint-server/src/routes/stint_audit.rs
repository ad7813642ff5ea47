//! `GET /stint/v1/audit`: the audit log (U1, U2), filtered by group, principal, actor and time,
//! newest first, paged.

use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use stint_core::audit::{AuditEvent, AuditQuery, Outcome};
use utoipa_axum::routes;

use crate::call::Call;
use crate::documented::NotYoursToRead;
use crate::error::{ApiError, ApiResult};
use crate::extract::{query_params, Params};
use crate::wire::{parse_id, position, time};
use crate::ApiRouter;

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 999;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(list_audit))
}

query_params! {
    struct AuditParams {
        /// Events about this group (resource audit).
        #[serde(rename = "groupId")]
        group_id: Option<String>,
        /// Events about this principal.
        #[serde(rename = "principalId")]
        principal_id: Option<String>,
        /// Events caused by this user.
        #[serde(rename = "actorId")]
        actor_id: Option<String>,
        /// Only your own activity and what happened to you ("my audit").
        mine: Option<bool>,
        /// Events with this action, such as `request.selfActivate`.
        action: Option<String>,
        /// Events at or after this time (RFC 3339).
        since: Option<String>,
        /// Events before this time (RFC 3339).
        until: Option<String>,
        /// Page size, 1–999 (default 100).
        #[serde(rename = "$top")]
        top: Option<usize>,
        /// From `@odata.nextLink`.
        #[serde(rename = "$skiptoken")]
        skip_token: Option<u64>,
    }
}

/// Audit events newest first. Privileged administrators see everything, group administrators their
/// groups, everyone their own activity.
#[utoipa::path(get, path = "/stint/v1/audit", tag = "stint", params(AuditParams),
    responses((status = 200, description = "Audit events, newest first"), NotYoursToRead))]
async fn list_audit(call: Call, Params(params): Params<AuditParams>) -> ApiResult<Json<Value>> {
    let limit = params.top.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid_field(
            "$top",
            format!("must be from 1 to {MAX_PAGE}."),
        ));
    }
    let query = AuditQuery {
        group_id: optional("groupId", params.group_id.as_deref(), parse_id)?,
        principal_id: optional("principalId", params.principal_id.as_deref(), parse_id)?,
        actor: optional("actorId", params.actor_id.as_deref(), parse_id)?,
        involving: params.mine.unwrap_or(false).then_some(call.session.user),
        action: params.action.map(audit_action).transpose()?,
        person: None,
        since: optional("since", params.since.as_deref(), parse_time)?,
        until: optional("until", params.until.as_deref(), parse_time)?,
        before_sequence: params
            .skip_token
            .map(|token| position("$skiptoken", token))
            .transpose()?,
        limit: limit + 1,
    };
    let mut events = call.app().audit(&call.session, query.clone()).await?;
    let more = events.len() > limit;
    events.truncate(limit);
    let mut body = Map::new();
    if more {
        if let Some(last) = events.last() {
            body.insert(
                "@odata.nextLink".into(),
                next_link(call.base(), &query, limit, last.sequence).into(),
            );
        }
    }
    body.insert(
        "value".into(),
        events.iter().map(event).collect::<Vec<_>>().into(),
    );
    Ok(Json(Value::Object(body)))
}

/// A query parameter read with `parse`, if given.
pub(super) fn optional<T>(
    field: &str,
    text: Option<&str>,
    parse: fn(&str, &str) -> ApiResult<T>,
) -> ApiResult<Option<T>> {
    text.map(|text| parse(field, text)).transpose()
}

pub(super) fn parse_time(field: &str, text: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::invalid_field(
                field,
                "expected an RFC 3339 time such as 2026-11-23T08:00:00Z.",
            )
        })
}

/// An action as the audit writes them: dotted words (`request.selfActivate`).
fn audit_action(action: String) -> ApiResult<String> {
    let shaped = !action.is_empty()
        && action.len() <= 100
        && action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.');
    if shaped {
        Ok(action)
    } else {
        Err(ApiError::invalid_field(
            "action",
            "must be an action of the audit, such as request.selfActivate.",
        ))
    }
}

fn next_link(base: &str, query: &AuditQuery, limit: usize, last_sequence: u64) -> String {
    let mut parts = vec![
        format!("$top={limit}"),
        format!("$skiptoken={last_sequence}"),
    ];
    let ids = [
        ("groupId", query.group_id.map(|id| id.to_string())),
        ("principalId", query.principal_id.map(|id| id.to_string())),
        ("actorId", query.actor.map(|id| id.to_string())),
        ("mine", query.involving.map(|_| "true".to_string())),
        ("action", query.action.clone()),
    ];
    for (name, value) in ids {
        if let Some(value) = value {
            parts.push(format!("{name}={value}"));
        }
    }
    for (name, at) in [("since", query.since), ("until", query.until)] {
        if let Some(at) = at {
            parts.push(format!("{name}={}", at.to_rfc3339().replace('+', "%2B")));
        }
    }
    format!("{base}/stint/v1/audit?{}", parts.join("&"))
}

fn event(event: &AuditEvent) -> Value {
    let record = &event.record;
    json!({
        "sequence": event.sequence,
        "id": record.id.to_string(),
        "activityDateTime": time(record.at),
        "actorId": record.actor.map(|id| id.to_string()),
        "action": record.action,
        "result": match record.outcome { Outcome::Success => "success", Outcome::Failure => "failure" },
        "targetType": record.target_type,
        "targetId": record.target_id,
        "groupId": record.group_id.map(|id| id.to_string()),
        "principalId": record.principal_id.map(|id| id.to_string()),
        "justification": record.justification,
        "ticket": record.ticket,
        "requestId": record.correlation_id,
        "client": record.client,
        "message": record.message,
        "previousHash": event.previous_hash,
        "hash": event.hash,
    })
}
