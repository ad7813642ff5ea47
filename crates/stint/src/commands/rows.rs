//! The stable JSON shapes of list commands (documented in the README's "Command line" section),
//! built from the server's objects with fixed camelCase keys, and the table cells made from them.

use serde_json::{json, Value};

use super::Family;
use crate::output::{format_time, Cell};
use crate::when::humane;

fn string(value: &Value, pointer: &str) -> Value {
    match value.pointer(pointer) {
        Some(Value::String(text)) => Value::String(text.clone()),
        _ => Value::Null,
    }
}

fn name_of(object: Option<&Value>) -> Value {
    object
        .and_then(|o| o.get("userPrincipalName").or_else(|| o.get("displayName")))
        .and_then(Value::as_str)
        .map_or(Value::Null, |name| Value::String(name.to_string()))
}

fn principal_type(object: Option<&Value>) -> Value {
    match object
        .and_then(|o| o.get("@odata.type"))
        .and_then(Value::as_str)
    {
        Some("#microsoft.graph.user") => "user".into(),
        Some("#microsoft.graph.group") => "group".into(),
        _ => Value::Null,
    }
}

/// A group of `stint groups list|discover`: `id, displayName, description, isAssignableToRole,
/// managed, managedSince, manageable, notManageableReason`.
pub fn group(value: &Value) -> Value {
    json!({
        "id": string(value, "/id"),
        "displayName": string(value, "/displayName"),
        "description": string(value, "/description"),
        "isAssignableToRole": value.get("isAssignableToRole").and_then(Value::as_bool).unwrap_or(false),
        "managed": value.get("managed").and_then(Value::as_bool).unwrap_or(false),
        "managedSince": string(value, "/managedSince"),
        "manageable": value.get("manageable").and_then(Value::as_bool).unwrap_or(false),
        "notManageableReason": string(value, "/notManageableReason"),
    })
}

/// A schedule or schedule instance (`assignments`, `eligible`, `active`): `id, kind, accessId,
/// groupId, groupName, principalId, principalName, principalType, status, memberType,
/// assignmentType, startDateTime, endDateTime`. `status` is null for instances, `endDateTime`
/// null for a permanent one, `assignmentType` null for eligibilities.
pub fn schedule(value: &Value, family: Family, group_name: Option<&str>) -> Value {
    let principal = value.get("principal").filter(|p| !p.is_null());
    let group = value.get("group").filter(|g| !g.is_null());
    let start = string(value, "/startDateTime");
    let start = if start.is_null() {
        string(value, "/scheduleInfo/startDateTime")
    } else {
        start
    };
    let end = if value.get("endDateTime").is_some() {
        string(value, "/endDateTime")
    } else {
        string(value, "/scheduleInfo/expiration/endDateTime")
    };
    json!({
        "id": string(value, "/id"),
        "kind": family.kind(),
        "accessId": string(value, "/accessId"),
        "groupId": string(value, "/groupId"),
        "groupName": group_name.map_or_else(|| name_of(group), |name| Value::String(name.into())),
        "principalId": string(value, "/principalId"),
        "principalName": name_of(principal),
        "principalType": principal_type(principal),
        "status": string(value, "/status"),
        "memberType": string(value, "/memberType"),
        "assignmentType": string(value, "/assignmentType"),
        "startDateTime": start,
        "endDateTime": end,
    })
}

/// A schedule request (`requests`, `approvals`): `id, kind, action, status, accessId, groupId,
/// groupName, principalId, principalName, createdDateTime, startDateTime, endDateTime, duration,
/// justification, ticketSystem, ticketNumber, approvalId`.
pub fn request(value: &Value, family: Family) -> Value {
    let principal = value.get("principal").filter(|p| !p.is_null());
    let group = value.get("group").filter(|g| !g.is_null());
    json!({
        "id": string(value, "/id"),
        "kind": family.kind(),
        "action": string(value, "/action"),
        "status": string(value, "/status"),
        "accessId": string(value, "/accessId"),
        "groupId": string(value, "/groupId"),
        "groupName": name_of(group),
        "principalId": string(value, "/principalId"),
        "principalName": name_of(principal),
        "createdDateTime": string(value, "/createdDateTime"),
        "startDateTime": string(value, "/scheduleInfo/startDateTime"),
        "endDateTime": string(value, "/scheduleInfo/expiration/endDateTime"),
        "duration": string(value, "/scheduleInfo/expiration/duration"),
        "justification": string(value, "/justification"),
        "ticketSystem": string(value, "/ticketInfo/ticketSystem"),
        "ticketNumber": string(value, "/ticketInfo/ticketNumber"),
        "approvalId": string(value, "/approvalId"),
    })
}

/// The text of `key` in a row, or `-`.
pub fn cell(row: &Value, key: &str) -> Cell {
    Cell::from(text(row, key))
}

pub fn text(row: &Value, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(text)) if !text.is_empty() => text.clone(),
        _ => "-".into(),
    }
}

/// A time of a row, formatted; `none` when it is null.
pub fn time_cell(row: &Value, key: &str, none: &str) -> Cell {
    Cell::from(
        row.get(key)
            .and_then(Value::as_str)
            .map_or_else(|| none.to_string(), format_time),
    )
}

/// When a request's schedule ends: `until TIME`, `for 2h`, or `-`.
pub fn request_length(row: &Value) -> String {
    if let Some(end) = row.get("endDateTime").and_then(Value::as_str) {
        return format!("until {}", format_time(end));
    }
    if let Some(duration) = row.get("duration").and_then(Value::as_str) {
        return format!("for {}", humane(duration));
    }
    "-".into()
}

/// `eligible member`, `active owner`.
pub fn what(row: &Value) -> String {
    format!("{} {}", text(row, "kind"), text(row, "accessId"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_row_has_every_documented_key() {
        let server = json!({
            "id": "r1", "status": "PendingApproval", "createdDateTime": "2026-05-01T10:00:00Z",
            "action": "selfActivate", "justification": "INC-42", "accessId": "member",
            "principalId": "u1", "groupId": "g1", "approvalId": "r1",
            "scheduleInfo": {"startDateTime": "2026-05-01T10:00:00Z",
                             "expiration": {"type": "afterDuration", "endDateTime": null, "duration": "PT2H"}},
            "ticketInfo": {"ticketNumber": "42", "ticketSystem": "Jira"},
            "principal": {"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Alice", "userPrincipalName": "alice"},
            "group": {"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Tier 0"},
        });
        let row = request(&server, Family::Assignment);
        let keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "id",
                "kind",
                "action",
                "status",
                "accessId",
                "groupId",
                "groupName",
                "principalId",
                "principalName",
                "createdDateTime",
                "startDateTime",
                "endDateTime",
                "duration",
                "justification",
                "ticketSystem",
                "ticketNumber",
                "approvalId"
            ]
        );
        assert_eq!(row["kind"], "active");
        assert_eq!(row["groupName"], "Tier 0");
        assert_eq!(row["principalName"], "alice");
        assert_eq!(row["ticketSystem"], "Jira");
        assert_eq!(request_length(&row), "for 2h");
        assert_eq!(what(&row), "active member");
    }

    #[test]
    fn schedules_and_instances_share_one_shape() {
        let schedule_value = json!({
            "id": "s1", "status": "Provisioned", "memberType": "direct", "accessId": "member",
            "principalId": "u1", "groupId": "g1",
            "scheduleInfo": {"startDateTime": "2026-05-01T10:00:00Z",
                             "expiration": {"type": "noExpiration", "endDateTime": null, "duration": null}},
            "principal": {"@odata.type": "#microsoft.graph.group", "id": "u1", "displayName": "Ops"},
        });
        let row = schedule(&schedule_value, Family::Eligibility, Some("Tier 0"));
        assert_eq!(row["startDateTime"], "2026-05-01T10:00:00Z");
        assert_eq!(row["endDateTime"], Value::Null);
        assert_eq!(row["principalType"], "group");
        assert_eq!(row["groupName"], "Tier 0");
        let instance = json!({
            "id": "s2", "startDateTime": "2026-05-01T10:00:00Z", "endDateTime": "2026-05-01T12:00:00Z",
            "accessId": "owner", "principalId": "u1", "groupId": "g1", "memberType": "direct",
            "assignmentType": "activated",
        });
        let row = schedule(&instance, Family::Assignment, None);
        assert_eq!(row["endDateTime"], "2026-05-01T12:00:00Z");
        assert_eq!(row["status"], Value::Null);
        assert_eq!(row["assignmentType"], "activated");
        assert_eq!(
            row.as_object().unwrap().len(),
            13,
            "the documented keys, no more"
        );
    }
}
