//! Requests and their approval: `stint requests`, `stint cancel`, `stint approvals`,
//! `stint approve` and `stint deny`.

use clap::Args;
use serde_json::{json, Value};
use stint_core::request::RequestStatus;

use super::{rows, Ctx, Family, PIM};
use crate::client::{segment, CliError, CliResult, Client};
use crate::output::Cell;

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint requests
  stint requests --pending
  stint requests --output json | jq '.[] | select(.status == \"Denied\")'")]
pub struct RequestsArgs {
    /// Only requests waiting for approval.
    #[arg(long)]
    pending: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint cancel 0f8fad5b-d9cb-469f-a165-70867728950e")]
pub struct CancelArgs {
    /// The request id (from `stint requests`).
    request: String,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint approvals
  stint approvals --output json | jq -r '.[].id'")]
pub struct ApprovalsArgs {}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint approve 0f8fad5b-d9cb-469f-a165-70867728950e --reason \"Checked INC-42\"
  stint deny 0f8fad5b-d9cb-469f-a165-70867728950e --reason \"No ticket for this\"")]
pub struct DecideArgs {
    /// The request id (from `stint approvals`).
    request: String,
    /// Why: the requester sees it.
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

/// Approve or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Deny,
}

fn request_path(family: Family, id: &str) -> String {
    format!("{}/{}", family.path("ScheduleRequests"), segment(id))
}

/// The caller's requests of both families through `filterByCurrentUser(on=...)`, newest first.
fn list_mine(client: &Client, on: &str, pending: bool) -> CliResult<Vec<Value>> {
    let mut query = vec![("$expand", "principal,group".to_string())];
    if pending {
        query.push(("$filter", "status eq 'PendingApproval'".to_string()));
    }
    let mut rows = Vec::new();
    for family in Family::BOTH {
        let path = format!(
            "{}/filterByCurrentUser(on='{on}')",
            family.path("ScheduleRequests")
        );
        let items = client.get_all(&path, &query)?;
        rows.extend(items.iter().map(|item| rows::request(item, family)));
    }
    rows.sort_by_key(|row| std::cmp::Reverse(rows::text(row, "createdDateTime")));
    Ok(rows)
}

pub fn requests(ctx: &Ctx, args: RequestsArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let rows = list_mine(&client, "principal", args.pending)?;
    let headers = [
        "ID", "CREATED", "ACTION", "GROUP", "WHAT", "STATUS", "LENGTH",
    ];
    let empty = if args.pending {
        "You have no pending requests."
    } else {
        "You have no requests."
    };
    ctx.out.rows(rows, &headers, request_cells, empty);
    Ok(())
}

fn request_cells(row: &Value) -> Vec<Cell> {
    vec![
        rows::cell(row, "id"),
        rows::time_cell(row, "createdDateTime", "-"),
        rows::cell(row, "action"),
        rows::cell(row, "groupName"),
        rows::what(row).into(),
        Cell::status(&status_in_words(row)),
        rows::request_length(row).into(),
    ]
}

/// The status of a request row as people read it: "Approved" rather than "Provisioned" when an
/// approver let it through. Whether what it made is still in force is for `stint active`.
fn status_in_words(row: &Value) -> String {
    let wire = rows::text(row, "status");
    let approved = rows::text(row, "approvalId") != "-";
    RequestStatus::from_wire(&wire)
        .map_or(wire, |status| status.in_words(approved, false).to_string())
}

pub fn approvals(ctx: &Ctx, _args: ApprovalsArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let rows = list_mine(&client, "approver", true)?;
    let headers = [
        "ID",
        "CREATED",
        "REQUESTER",
        "ACTION",
        "GROUP",
        "WHAT",
        "LENGTH",
        "REASON",
        "TICKET",
    ];
    let empty = "Nothing waits for your approval.";
    ctx.out.rows(rows, &headers, approval_cells, empty);
    Ok(())
}

fn approval_cells(row: &Value) -> Vec<Cell> {
    let ticket = match (row["ticketSystem"].as_str(), row["ticketNumber"].as_str()) {
        (Some(system), Some(number)) => format!("{system}:{number}"),
        (None, Some(number)) => number.to_string(),
        _ => "-".into(),
    };
    vec![
        rows::cell(row, "id"),
        rows::time_cell(row, "createdDateTime", "-"),
        rows::cell(row, "principalName"),
        rows::cell(row, "action"),
        rows::cell(row, "groupName"),
        rows::what(row).into(),
        rows::request_length(row).into(),
        rows::cell(row, "justification"),
        ticket.into(),
    ]
}

/// Finds which family a request belongs to.
fn find_request(client: &Client, id: &str) -> CliResult<(Family, Value)> {
    let mut last = None;
    for family in [Family::Assignment, Family::Eligibility] {
        match client.get(&request_path(family, id), &[]) {
            Ok(request) => return Ok((family, request)),
            Err(error) if error.code() == Some("Request_ResourceNotFound") => last = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last.unwrap_or_else(|| CliError::local(format!("No request {id}."), None)))
}

pub fn cancel(ctx: &Ctx, args: CancelArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let id = args.request.trim();
    let (family, _) = find_request(&client, id).map_err(|error| {
        error.with_hint("`stint requests --pending` shows your pending requests and their ids.")
    })?;
    client.post_empty(&format!("{}/cancel", request_path(family, id)))?;
    let request = client.get(&request_path(family, id), &[])?;
    ctx.out
        .either(&request, || format!("Canceled request {id}."));
    Ok(())
}

pub fn decide(ctx: &Ctx, args: DecideArgs, decision: Decision) -> CliResult<()> {
    let client = ctx.client()?;
    let id = args.request.trim();
    let approval_path = format!("{PIM}/assignmentApprovals/{}", segment(id));
    let approval = client.get(&approval_path, &[]).map_err(|error| {
        error.with_hint("`stint approvals` lists the requests waiting for you, with their ids.")
    })?;
    let stage = pick_stage(&approval).ok_or_else(|| {
        CliError::local(
            format!("Request {id} has no approval stage to decide."),
            Some("`stint approvals` lists the requests waiting for you.".into()),
        )
    })?;
    let result = match decision {
        Decision::Approve => "Approve",
        Decision::Deny => "Deny",
    };
    client.patch(
        &format!("{approval_path}/stages/{}", segment(&stage)),
        &json!({ "reviewResult": result, "justification": args.reason }),
    )?;
    let decided = client.get(&approval_path, &[])?;
    if ctx.out.is_json() {
        ctx.out.json(&decided);
    } else {
        let done = match decision {
            Decision::Approve => "Approved",
            Decision::Deny => "Denied",
        };
        ctx.out.line(&format!("{done} request {id}."));
    }
    Ok(())
}

/// The stage to decide: the one assigned to the caller and in progress, else the first in
/// progress, else the first.
fn pick_stage(approval: &Value) -> Option<String> {
    let stages = approval.get("stages")?.as_array()?;
    let id = |stage: &Value| stage.get("id").and_then(Value::as_str).map(str::to_string);
    let in_progress =
        |stage: &&Value| stage.get("status").and_then(Value::as_str) == Some("InProgress");
    stages
        .iter()
        .filter(in_progress)
        .find(|stage| stage.get("assignedToMe") == Some(&Value::Bool(true)))
        .or_else(|| stages.iter().find(in_progress))
        .or_else(|| stages.first())
        .and_then(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_assigned_to_me_is_decided() {
        let approval = json!({"id": "r", "stages": [
            {"id": "done", "status": "Completed", "assignedToMe": false},
            {"id": "other", "status": "InProgress", "assignedToMe": false},
            {"id": "mine", "status": "InProgress", "assignedToMe": true},
        ]});
        assert_eq!(pick_stage(&approval).as_deref(), Some("mine"));
        let approval = json!({"stages": [{"id": "only", "status": "Completed"}]});
        assert_eq!(pick_stage(&approval).as_deref(), Some("only"));
        assert_eq!(pick_stage(&json!({"stages": []})), None);
    }
}
