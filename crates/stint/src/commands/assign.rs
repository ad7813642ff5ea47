//! Administrators' commands: `stint assign` (adminAssign), `stint unassign` (adminRemove) and
//! `stint assignments` (a group's eligibility and assignment schedules).

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{json, Value};

use super::resolve::{self, GroupRef, PrincipalRef};
use super::{
    policy, request_body, rows, schedule_info, AccessChoice, Ctx, Family, KindChoice, Ticket,
};
use crate::client::{odata_string, CliResult, Client};
use crate::output::{format_time, Cell};
use crate::when::{parse_span, parse_time, rfc3339, Span};

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint assign \"Tier 0 Admins\" alice@contoso.com --member --eligible --for 30d --reason \"On call this quarter\"
  stint assign \"Tier 0 Admins\" bob@contoso.com --owner --active --until 2026-07-01 --reason \"Covering\"
  stint assign \"Tier 0 Admins\" \"Break Glass\" --member --eligible --permanent --reason \"Emergency access\"

Without --for, --until or --permanent the assignment lasts as long as the group's policy allows
(permanent where it allows that). PRINCIPAL is a user principal name or user id, or a group's name or id.")]
pub struct AssignArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    length: Length,
    /// When it starts (default now): 2026-05-01, "2026-05-01 14:00" (UTC), RFC 3339 or +2h.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    start: Option<DateTime<Utc>>,
    /// Why (the policy may require it).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// A ticket as SYSTEM:NUMBER, e.g. Jira:OPS-42.
    #[arg(long, value_name = "SYSTEM:NUMBER", value_parser = super::parse_ticket)]
    ticket: Option<Ticket>,
}

/// Which assignment `assign` makes and `unassign` removes.
#[derive(Debug, Args)]
pub struct Target {
    /// The group: its id, or its display name.
    group: String,
    /// Who: a user principal name or user id, or a group name or id.
    principal: String,
    #[command(flatten)]
    access: AccessChoice,
    #[command(flatten)]
    kind: KindChoice,
}

impl Target {
    /// The group and the principal, looked up by id or name.
    fn resolve(&self, client: &Client) -> CliResult<(GroupRef, PrincipalRef)> {
        Ok((
            resolve::group(client, &self.group)?,
            resolve::principal(client, &self.principal)?,
        ))
    }
}

/// How long an assignment lasts; at most one of the three.
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct Length {
    /// For this long, e.g. 30d, 12h or P30D.
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_span)]
    duration: Option<Span>,
    /// Until this time: 2026-07-01, "2026-07-01 18:00" (UTC) or RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<DateTime<Utc>>,
    /// With no end (if the group's policy allows it).
    #[arg(long)]
    permanent: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint unassign \"Tier 0 Admins\" alice@contoso.com --member --eligible --reason \"Left the team\"
  stint unassign \"Tier 0 Admins\" bob@contoso.com --owner --active

Nothing can be removed within 5 minutes of being assigned.")]
pub struct UnassignArgs {
    #[command(flatten)]
    target: Target,
    /// Why.
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint assignments \"Tier 0 Admins\"
  stint assignments \"Tier 0 Admins\" --expired
  stint assignments \"Tier 0 Admins\" --output json | jq '.[] | select(.kind == \"eligible\")'")]
pub struct AssignmentsArgs {
    /// The group: its id, or its display name.
    group: String,
    /// Ended assignments (expired or removed) instead of current and future ones.
    #[arg(long)]
    expired: bool,
}

pub fn assign(ctx: &Ctx, args: AssignArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let (group, principal) = args.target.resolve(&client)?;
    let family = args.target.kind.family();
    let access = args.target.access.access_id();
    let expiration = match (
        &args.length.duration,
        &args.length.until,
        args.length.permanent,
    ) {
        (Some(span), _, _) => json!({ "type": "afterDuration", "duration": span.to_iso() }),
        (_, Some(until), _) => json!({ "type": "afterDateTime", "endDateTime": rfc3339(*until) }),
        (_, _, true) => json!({ "type": "noExpiration" }),
        _ => policy_default(&client, &group, access, family),
    };
    let mut body = request_body(access, &principal.id, &group.id, "adminAssign");
    body["scheduleInfo"] = schedule_info(expiration, args.start);
    if let Some(reason) = &args.reason {
        body["justification"] = Value::String(reason.clone());
    }
    if let Some(ticket) = &args.ticket {
        body["ticketInfo"] = ticket.to_json();
    }
    let request = client.post(&family.path("ScheduleRequests"), &body)?;
    if ctx.out.is_json() {
        ctx.out.json(&request);
        return Ok(());
    }
    let until = match request
        .pointer("/scheduleInfo/expiration/endDateTime")
        .and_then(Value::as_str)
    {
        Some(end) => format!("until {}", format_time(end)),
        None => match request
            .pointer("/scheduleInfo/expiration/duration")
            .and_then(Value::as_str)
        {
            Some(duration) => format!("for {}", crate::when::humane(duration)),
            None => "with no end".into(),
        },
    };
    ctx.out.line(&format!(
        "Made {} {} {} of {} {until} (request {}).",
        principal.label(),
        article(family.kind()),
        sentence_access(family, access),
        group.display_name,
        request.get("id").and_then(Value::as_str).unwrap_or("-"),
    ));
    Ok(())
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn sentence_access(family: Family, access: &str) -> String {
    format!("{} {access}", family.kind())
}

/// The longest the policy allows, or no end when it allows that; `notSpecified` if unreadable.
fn policy_default(client: &Client, group: &GroupRef, access: &str, family: Family) -> Value {
    let rule_id = match family {
        Family::Eligibility => "Expiration_Admin_Eligibility",
        Family::Assignment => "Expiration_Admin_Assignment",
    };
    let rule = policy::read(client, &group.id, access)
        .ok()
        .and_then(|policy| policy.rule(rule_id).cloned());
    match rule {
        Some(rule) if rule.get("isExpirationRequired") == Some(&Value::Bool(false)) => {
            json!({ "type": "noExpiration" })
        }
        Some(rule) => match rule.get("maximumDuration").and_then(Value::as_str) {
            Some(maximum) => json!({ "type": "afterDuration", "duration": maximum }),
            None => json!({ "type": "notSpecified" }),
        },
        None => json!({ "type": "notSpecified" }),
    }
}

pub fn unassign(ctx: &Ctx, args: UnassignArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let (group, principal) = args.target.resolve(&client)?;
    let family = args.target.kind.family();
    let access = args.target.access.access_id();
    let mut body = request_body(access, &principal.id, &group.id, "adminRemove");
    if let Some(reason) = &args.reason {
        body["justification"] = Value::String(reason.clone());
    }
    let request = client.post(&family.path("ScheduleRequests"), &body)?;
    ctx.out.either(&request, || {
        format!(
            "Removed the {} of {} from {} (request {}).",
            sentence_access(family, access),
            group.display_name,
            principal.label(),
            request.get("id").and_then(Value::as_str).unwrap_or("-"),
        )
    });
    Ok(())
}

pub fn assignments(ctx: &Ctx, args: AssignmentsArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let group = resolve::group(&client, &args.group)?;
    let mut filter = format!("groupId eq {}", odata_string(&group.id));
    if args.expired {
        filter.push_str(" and (status eq 'Expired' or status eq 'Revoked')");
    }
    let mut rows = Vec::new();
    for family in Family::BOTH {
        let schedules = client.get_all(
            &family.path("Schedules"),
            &[("$filter", filter.clone()), ("$expand", "principal".into())],
        )?;
        rows.extend(
            schedules
                .iter()
                .map(|schedule| rows::schedule(schedule, family, Some(&group.display_name))),
        );
    }
    rows.sort_by_key(|row| {
        (
            rows::text(row, "kind"),
            rows::text(row, "accessId"),
            rows::text(row, "principalName"),
        )
    });
    let empty = if args.expired {
        format!("No ended assignments in {}.", group.display_name)
    } else {
        format!(
            "No current or future assignments in {}.",
            group.display_name
        )
    };
    let headers = [
        "PRINCIPAL",
        "TYPE",
        "ACCESS",
        "KIND",
        "STATUS",
        "START",
        "END",
    ];
    ctx.out.rows(rows, &headers, assignment_cells, &empty);
    Ok(())
}

fn assignment_cells(row: &Value) -> Vec<Cell> {
    let how = match row.get("assignmentType").and_then(Value::as_str) {
        Some(kind) => format!("{} ({kind})", rows::text(row, "kind")),
        None => rows::text(row, "kind"),
    };
    vec![
        rows::cell(row, "principalName"),
        rows::cell(row, "principalType"),
        rows::cell(row, "accessId"),
        how.into(),
        Cell::status(&rows::text(row, "status")),
        rows::time_cell(row, "startDateTime", "-"),
        rows::time_cell(row, "endDateTime", "permanent"),
    ]
}
