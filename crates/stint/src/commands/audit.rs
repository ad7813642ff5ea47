//! `stint audit` (the audit log, newest first; its chain's `export`, `verify` and `head` are in
//! [`super::audit_trail`]) and `stint check` (is someone an effective member of a group right now).

use chrono::{DateTime, Utc};
use clap::Args;

use super::audit_trail::{self, AuditCommand};
use serde_json::{json, Value};

use super::resolve::{self, Names};
use super::Ctx;
use crate::client::{odata_string, segment, CliError, CliResult};
use crate::output::{format_time, Cell, Table};
use crate::when::{parse_since, parse_time, rfc3339};

/// The most events one page of the audit log holds.
const MAX_LIMIT: usize = 999;

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint audit --since 7d
  stint audit --group \"Tier 0 Admins\" --since 2026-05-01 --limit 500
  stint audit --mine --output json | jq '.[] | select(.result == \"failure\")'
  stint audit export > audit.jsonl
  stint audit verify --file audit.jsonl

Administrators see their groups' events; everyone sees their own activity.")]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    #[command(flatten)]
    list: ListArgs,
}

/// The options of the listing, `stint audit` without a subcommand.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only events about this group (id or display name).
    #[arg(long)]
    group: Option<String>,
    /// Only events since then: a duration ago (7d, 12h) or a time (2026-05-01).
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    since: Option<DateTime<Utc>>,
    /// Only events before this time.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<DateTime<Utc>>,
    /// Only your own activity and what happened to you.
    #[arg(long)]
    mine: bool,
    /// At most this many events (1 to 999), newest first.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=999))]
    limit: u16,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint check alice@contoso.com \"Tier 0 Admins\"
  stint check \"Ops Team\" \"Tier 0 Admins\" --output json

Prints yes or no and exits 0 either way; membership through nested groups counts.")]
pub struct CheckArgs {
    /// Who: a user principal name or user id, or a group name or id.
    principal: String,
    /// The group: its id, or its display name.
    group: String,
}

pub fn audit(ctx: &Ctx, args: AuditArgs) -> CliResult<()> {
    match args.command {
        Some(command) => audit_trail::run(ctx, command),
        None => list(ctx, args.list),
    }
}

fn list(ctx: &Ctx, args: ListArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let mut query = vec![("$top", usize::from(args.limit).min(MAX_LIMIT).to_string())];
    let group = match &args.group {
        Some(wanted) => Some(resolve::group(&client, wanted)?),
        None => None,
    };
    if let Some(group) = &group {
        query.push(("groupId", group.id.clone()));
    }
    if let Some(since) = args.since {
        query.push(("since", rfc3339(since)));
    }
    if let Some(until) = args.until {
        query.push(("until", rfc3339(until)));
    }
    if args.mine {
        query.push(("mine", "true".into()));
    }
    let page = client.get("/stint/v1/audit", &query)?;
    let events = page
        .get("value")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut names = Names::default();
    let rows: Vec<Value> = events
        .iter()
        .map(|event| {
            let actor = event.get("actorId").and_then(Value::as_str);
            let actor_name = actor.and_then(|id| names.name(&client, id));
            row(event, actor_name)
        })
        .collect();
    if ctx.out.is_json() {
        ctx.out.json(&Value::Array(rows));
        return Ok(());
    }
    let mut table = Table::new(&["TIME", "ACTOR", "ACTION", "RESULT", "MESSAGE"]);
    for row in &rows {
        let actor = row["actorName"]
            .as_str()
            .or_else(|| row["actorId"].as_str())
            .unwrap_or("system");
        table.row(vec![
            format_time(row["activityDateTime"].as_str().unwrap_or("-")).into(),
            actor.into(),
            row["action"]
                .as_str()
                .map_or_else(
                    || "-".into(),
                    |action| stint_core::in_words::audit_action(action, row["result"] == "success"),
                )
                .into(),
            Cell::status(row["result"].as_str().unwrap_or("-")),
            row["message"]
                .as_str()
                .map_or_else(|| "-".into(), stint_core::in_words::audit_message)
                .into(),
        ]);
    }
    ctx.out.table(&table, "No audit events match.");
    if page.get("@odata.nextLink").is_some() {
        ctx.out.note(&format!(
            "Showing the newest {} events; narrow with --since/--until or raise --limit.",
            rows.len()
        ));
    }
    Ok(())
}

/// An audit event: `sequence, id, activityDateTime, actorId, actorName, action, result, groupId,
/// principalId, justification, ticket, requestId, message`.
fn row(event: &Value, actor_name: Option<String>) -> Value {
    let get = |key: &str| event.get(key).cloned().unwrap_or(Value::Null);
    json!({
        "sequence": get("sequence"),
        "id": get("id"),
        "activityDateTime": get("activityDateTime"),
        "actorId": get("actorId"),
        "actorName": actor_name,
        "action": get("action"),
        "result": get("result"),
        "groupId": get("groupId"),
        "principalId": get("principalId"),
        "justification": get("justification"),
        "ticket": get("ticket"),
        "requestId": get("requestId"),
        "message": get("message"),
    })
}

pub fn check(ctx: &Ctx, args: CheckArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let principal = resolve::principal(&client, &args.principal)?;
    let group = resolve::group(&client, &args.group)?;
    let found = client
        .get_all(
            &format!("/v1.0/groups/{}/transitiveMembers", segment(&group.id)),
            &[
                ("$filter", format!("id eq {}", odata_string(&principal.id))),
                ("$select", "id".into()),
            ],
        )
        .map_err(|error| match error {
            CliError::Refused { .. } => {
                error.with_hint("Reading a group's members needs the right to see the group.")
            }
            other => other,
        })?;
    let member = found
        .iter()
        .any(|item| item.get("id").and_then(Value::as_str) == Some(principal.id.as_str()));
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "member": member,
            "principalId": principal.id,
            "principalName": principal.user_principal_name.clone().unwrap_or_else(|| principal.display_name.clone()),
            "groupId": group.id,
            "groupName": group.display_name,
        }));
    } else if member {
        ctx.out.line(&format!(
            "yes: {} is a member of {} now.",
            principal.label(),
            group.display_name
        ));
    } else {
        ctx.out.line(&format!(
            "no: {} is not a member of {} now.",
            principal.label(),
            group.display_name
        ));
    }
    Ok(())
}
