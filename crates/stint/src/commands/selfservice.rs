//! What people do for themselves: `stint eligible`, `stint activate` (with the MFA step-up and
//! `--wait`), `stint deactivate`, `stint active`, `stint extend` and `stint renew`.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{json, Value};

use super::resolve::{self, GroupRef, PrincipalRef};
use super::{interactive, prompt_totp, request_body, rows, schedule_info, Ctx, Family, Ticket};
use crate::client::{segment, CliError, CliResult, Client};
use crate::output::{format_time, Cell};
use crate::when::{parse_span, parse_time, rfc3339, Span};

/// The first pause between two looks at a pending request, and the longest.
const FIRST_POLL: Duration = Duration::from_millis(500);
const LONGEST_POLL: Duration = Duration::from_secs(5);

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint eligible
  stint eligible --output json | jq -r '.[].groupName'")]
pub struct EligibleArgs {}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint activate \"Tier 0 Admins\" --for 2h --reason \"INC-42: restart the payment service\"
  stint activate \"Tier 0 Admins\" --owner --reason \"Rotate the owners\" --ticket Jira:OPS-7
  stint activate \"Tier 0 Admins\" --at \"2026-05-01 22:00\" --for 1h --reason \"Maintenance window\"
  stint activate \"Tier 0 Admins\" --reason \"Deploy\" --wait --timeout 30m

Without --for, the activation lasts as long as the policy allows. When the policy requires MFA you are
asked for a TOTP code (or give it with --totp). When it requires approval the request waits for an
approver; --wait waits with it and exits 0 once active, 1 if it is denied or canceled.")]
pub struct ActivateArgs {
    /// The group: its id, or its display name.
    group: String,
    /// Activate ownership instead of membership.
    #[arg(long)]
    owner: bool,
    /// How long, e.g. 2h, 30m or PT2H (default: the policy's maximum).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_span)]
    duration: Option<Span>,
    /// When it starts (default now): "2026-05-01 22:00" (UTC), RFC 3339 or +2h.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    at: Option<DateTime<Utc>>,
    /// Why you need it.
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// A ticket as SYSTEM:NUMBER, e.g. Jira:OPS-42.
    #[arg(long, value_name = "SYSTEM:NUMBER", value_parser = super::parse_ticket)]
    ticket: Option<Ticket>,
    /// Wait for the approval: exit 0 once active, 1 if denied, canceled or failed.
    #[arg(long)]
    wait: bool,
    /// With --wait, give up after this long (the request stays pending).
    #[arg(long, value_name = "DURATION", value_parser = parse_span, requires = "wait")]
    timeout: Option<Span>,
    /// A TOTP code, used when the policy requires MFA (instead of asking).
    #[arg(long, value_name = "CODE")]
    totp: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint deactivate \"Tier 0 Admins\"
  stint deactivate \"Tier 0 Admins\" --owner

An activation cannot be ended within 5 minutes of its start.")]
pub struct DeactivateArgs {
    /// The group: its id, or its display name.
    group: String,
    /// Deactivate ownership instead of membership.
    #[arg(long)]
    owner: bool,
    /// Why (optional).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint active
  stint active --output json | jq -r '.[] | \"\\(.groupName) until \\(.endDateTime)\"'")]
pub struct ActiveArgs {}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint extend \"Tier 0 Admins\" --reason \"Still on call next month\"
  stint extend \"Tier 0 Admins\" --owner --active --reason \"Project runs longer\"
  stint renew \"Tier 0 Admins\" --reason \"Back on call\"

The group's administrators decide (`stint approvals`). Extend works on an assignment ending within
14 days; renew on one that ended within the last 30 days.")]
pub struct ExtendArgs {
    /// The group: its id, or its display name.
    group: String,
    /// Ownership instead of membership.
    #[arg(long)]
    owner: bool,
    /// Your eligible assignment (the default).
    #[arg(long, conflicts_with = "active")]
    eligible: bool,
    /// Your active assignment.
    #[arg(long)]
    active: bool,
    /// Why.
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// A ticket as SYSTEM:NUMBER, e.g. Jira:OPS-42.
    #[arg(long, value_name = "SYSTEM:NUMBER", value_parser = super::parse_ticket)]
    ticket: Option<Ticket>,
}

fn access(owner: bool) -> &'static str {
    if owner {
        "owner"
    } else {
        "member"
    }
}

fn requests_path(family: Family, id: &str) -> String {
    format!("{}/{}", family.path("ScheduleRequests"), segment(id))
}

pub fn eligible(ctx: &Ctx, _args: EligibleArgs) -> CliResult<()> {
    mine(ctx, Family::Eligibility, "Schedules")
}

pub fn active(ctx: &Ctx, _args: ActiveArgs) -> CliResult<()> {
    mine(ctx, Family::Assignment, "ScheduleInstances")
}

/// The caller's eligibilities, or the memberships and ownerships in force now.
fn mine(ctx: &Ctx, family: Family, collection: &str) -> CliResult<()> {
    let client = ctx.client()?;
    let path = format!(
        "{}/filterByCurrentUser(on='principal')",
        family.path(collection)
    );
    let items = client.get_all(&path, &[("$expand", "principal,group".into())])?;
    let mut rows: Vec<Value> = items
        .iter()
        .map(|item| rows::schedule(item, family, None))
        .collect();
    rows.sort_by_key(|row| (rows::text(row, "groupName"), rows::text(row, "accessId")));
    let headers = match family {
        Family::Eligibility => ["GROUP", "ACCESS", "STATUS", "FROM", "UNTIL", "VIA"],
        Family::Assignment => ["GROUP", "ACCESS", "TYPE", "FROM", "UNTIL", "VIA"],
    };
    let cells = |row: &Value| {
        let third = match family {
            Family::Eligibility => Cell::status(&rows::text(row, "status")),
            Family::Assignment => rows::cell(row, "assignmentType"),
        };
        vec![
            rows::cell(row, "groupName"),
            rows::cell(row, "accessId"),
            third,
            rows::time_cell(row, "startDateTime", "-"),
            rows::time_cell(row, "endDateTime", "permanent"),
            rows::cell(row, "memberType"),
        ]
    };
    let empty = match family {
        Family::Eligibility => "You are not eligible for any group.",
        Family::Assignment => {
            "You hold no membership or ownership through PIM now. `stint eligible` shows what you can activate."
        }
    };
    ctx.out.rows(rows, &headers, cells, empty);
    Ok(())
}

pub fn activate(ctx: &Ctx, args: ActivateArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let me = resolve::me(&client)?;
    let group = resolve::group(&client, &args.group)?;
    let access = access(args.owner);
    let expiration = match &args.duration {
        Some(span) => json!({ "type": "afterDuration", "duration": span.to_iso() }),
        None => json!({ "type": "notSpecified" }),
    };
    let mut body = request_body(access, &me.id, &group.id, "selfActivate");
    body["scheduleInfo"] = schedule_info(expiration, args.at);
    body["justification"] = json!(args.reason);
    if let Some(ticket) = &args.ticket {
        body["ticketInfo"] = ticket.to_json();
    }
    let path = Family::Assignment.path("ScheduleRequests");
    let request = match client.post(&path, &body) {
        Err(error) if needs_mfa(&error) => {
            step_up(ctx, &client, args.totp.as_deref(), error)?;
            client.post(&path, &body)?
        }
        other => other?,
    };
    let pending = status(&request) == "PendingApproval";
    if pending && args.wait {
        let id = request
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !ctx.out.is_json() {
            ctx.out.note(&format!(
                "Request {id} is waiting for approval; waiting with it (Ctrl-C stops waiting, the request stays pending)..."
            ));
        }
        let timeout = args
            .timeout
            .map(|span| span.as_delta().to_std().unwrap_or(Duration::MAX));
        let done = wait_for(&client, id, timeout)?;
        return finish(ctx, &client, &group, access, &done);
    }
    finish(ctx, &client, &group, access, &request)
}

fn status(request: &Value) -> &str {
    request.get("status").and_then(Value::as_str).unwrap_or("")
}

/// Whether a refusal is the policy's MFA rule, which a step-up satisfies.
fn needs_mfa(error: &CliError) -> bool {
    error.code() == Some("RoleAssignmentRequestPolicyValidationFailed")
        && error
            .message()
            .is_some_and(|message| message.contains("MfaRule"))
}

/// Checks a TOTP code on this token (`/stint/v1/auth/step-up`): `--totp`, or asked for.
fn step_up(ctx: &Ctx, client: &Client, given: Option<&str>, refusal: CliError) -> CliResult<()> {
    let code = match given {
        Some(code) => code.trim().to_string(),
        None if interactive() => {
            ctx.out
                .note("The group's policy requires a recent MFA check for this activation.");
            prompt_totp()?
        }
        None => {
            return Err(refusal.with_hint(
                "The policy requires MFA: run the command again with --totp CODE (the current code of your authenticator app).",
            ))
        }
    };
    client.post("/stint/v1/auth/step-up", &json!({ "code": code }))?;
    Ok(())
}

/// Polls a pending activation until it is decided, with a growing pause of at most 5 seconds.
fn wait_for(client: &Client, id: &str, timeout: Option<Duration>) -> CliResult<Value> {
    let started = Instant::now();
    let mut pause = FIRST_POLL;
    loop {
        let request = client.get(&requests_path(Family::Assignment, id), &[])?;
        if status(&request) != "PendingApproval" {
            return Ok(request);
        }
        if timeout.is_some_and(|limit| started.elapsed() >= limit) {
            return Err(CliError::local(
                format!("Request {id} is still waiting for approval; stopped waiting."),
                Some(format!(
                    "It stays pending: `stint requests --pending` shows it, `stint cancel {id}` withdraws it."
                )),
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 3 / 2).min(LONGEST_POLL);
    }
}

/// Prints an activation request, and fails (exit 1) if it ended up denied, canceled or failed.
fn finish(
    ctx: &Ctx,
    client: &Client,
    group: &GroupRef,
    access: &str,
    request: &Value,
) -> CliResult<()> {
    let id = request.get("id").and_then(Value::as_str).unwrap_or("-");
    let state = status(request);
    if ctx.out.is_json() {
        ctx.out.json(request);
    } else {
        match state {
            "Provisioned" | "Granted" => ctx.out.line(&format!(
                "Activated {access} of {} {} (request {id}).",
                group.display_name,
                window(request)
            )),
            "PendingApproval" => ctx.out.line(&format!(
                "Requested {access} of {} {}; it waits for approval (request {id}).\n`stint requests --pending` shows it; `stint cancel {id}` withdraws it.",
                group.display_name,
                window(request)
            )),
            _ => {}
        }
    }
    match state {
        "Denied" | "Canceled" | "Failed" | "Revoked" => {
            let said = decision_justification(client, id)
                .map(|text| format!(": {text}"))
                .unwrap_or_default();
            Err(CliError::local(
                format!("Request {id} was {}{said}", state.to_lowercase()),
                Some("`stint requests` shows your requests and their status.".into()),
            ))
        }
        _ => Ok(()),
    }
}

/// What the approver wrote when deciding, if anything.
fn decision_justification(client: &Client, id: &str) -> Option<String> {
    let approval = client
        .get(
            &format!("{}/assignmentApprovals/{}", super::PIM, segment(id)),
            &[],
        )
        .ok()?;
    approval
        .pointer("/stages/0/justification")
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

/// `from X until Y` of a request, as far as it says.
fn window(request: &Value) -> String {
    let start = request
        .pointer("/scheduleInfo/startDateTime")
        .and_then(Value::as_str);
    let end = request
        .pointer("/scheduleInfo/expiration/endDateTime")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let duration = request
                .pointer("/scheduleInfo/expiration/duration")
                .and_then(Value::as_str)?;
            let begins = DateTime::parse_from_rfc3339(start?).ok()?;
            let span = parse_span(duration).ok()?;
            Some(rfc3339(begins.with_timezone(&Utc) + span.as_delta()))
        });
    match (start, end) {
        (Some(start), Some(end)) => {
            format!("from {} until {}", format_time(start), format_time(&end))
        }
        (Some(start), None) => format!("from {}", format_time(start)),
        _ => String::new(),
    }
}

pub fn deactivate(ctx: &Ctx, args: DeactivateArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let me = resolve::me(&client)?;
    let group = resolve::group(&client, &args.group)?;
    let access = access(args.owner);
    let mut body = json!({
        "accessId": access,
        "principalId": me.id,
        "groupId": group.id,
        "action": "selfDeactivate",
    });
    if let Some(reason) = &args.reason {
        body["justification"] = Value::String(reason.clone());
    }
    let request = client.post(&Family::Assignment.path("ScheduleRequests"), &body)?;
    ctx.out.either(&request, || {
        format!("Deactivated your {access}ship of {}.", group.display_name)
    });
    Ok(())
}

/// `selfExtend` or `selfRenew`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    Extend,
    Renew,
}

pub fn extend_or_renew(ctx: &Ctx, args: ExtendArgs, ask: Ask) -> CliResult<()> {
    let client = ctx.client()?;
    let me: PrincipalRef = resolve::me(&client)?;
    let group = resolve::group(&client, &args.group)?;
    let family = if args.active {
        Family::Assignment
    } else {
        Family::Eligibility
    };
    let access = access(args.owner);
    let (action, verb) = match ask {
        Ask::Extend => ("selfExtend", "extend"),
        Ask::Renew => ("selfRenew", "renew"),
    };
    let mut body = json!({
        "accessId": access,
        "principalId": me.id,
        "groupId": group.id,
        "action": action,
        "justification": args.reason,
    });
    if let Some(ticket) = &args.ticket {
        body["ticketInfo"] = ticket.to_json();
    }
    let request = client.post(&family.path("ScheduleRequests"), &body)?;
    ctx.out.either(&request, || format!(
            "Asked the administrators of {} to {verb} your {} {access}ship (request {}).\n`stint requests --pending` shows it.",
            group.display_name,
            family.kind(),
            request.get("id").and_then(Value::as_str).unwrap_or("-"),
        ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_mfa_rule_triggers_a_step_up() {
        let mfa = CliError::refused(
            "RoleAssignmentRequestPolicyValidationFailed",
            "The following policy rules failed: [\"MfaRule\"]. Step up.",
        );
        assert!(needs_mfa(&mfa));
        let ticket = CliError::refused(
            "RoleAssignmentRequestPolicyValidationFailed",
            "The following policy rules failed: [\"TicketingRule\"].",
        );
        assert!(!needs_mfa(&ticket));
        assert!(!needs_mfa(&CliError::refused(
            "RoleAssignmentExists",
            "MfaRule"
        )));
    }

    #[test]
    fn a_window_is_computed_from_a_duration() {
        let request = json!({"scheduleInfo": {"startDateTime": "2026-05-01T10:00:00Z",
            "expiration": {"type": "afterDuration", "endDateTime": null, "duration": "PT2H"}}});
        assert_eq!(
            window(&request),
            "from 2026-05-01 10:00 UTC until 2026-05-01 12:00 UTC"
        );
        assert_eq!(window(&json!({})), "");
    }
}
