//! `stint groups list|discover|manage`: the groups PIM manages, those the caller could bring under
//! PIM (and why not), and onboarding one.

use clap::{Args, Subcommand};
use serde_json::Value;

use super::{resolve, rows, Ctx};
use crate::client::{segment, CliResult};
use crate::output::{format_time, Cell, Table};

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Groups PIM manages that you administer.
    #[command(after_long_help = "Examples:
  stint groups list
  stint groups list --output json | jq -r '.[].displayName'")]
    List,
    /// Groups you administer that PIM does not manage yet, and whether they can be.
    #[command(after_long_help = "Examples:
  stint groups discover")]
    Discover,
    /// Bring a group under PIM with the default member and owner policies (there is no way back).
    #[command(after_long_help = "Examples:
  stint groups manage \"Tier 0 Admins\"
  stint groups manage 2b5ed229-4072-478d-9504-a047ebd4b07d")]
    Manage(ManageArgs),
}

#[derive(Debug, Args)]
pub struct ManageArgs {
    /// The group: its id, or its display name.
    group: String,
}

pub fn run(ctx: &Ctx, command: GroupsCommand) -> CliResult<()> {
    match command {
        GroupsCommand::List => list(ctx, true),
        GroupsCommand::Discover => list(ctx, false),
        GroupsCommand::Manage(args) => manage(ctx, args),
    }
}

fn list(ctx: &Ctx, managed: bool) -> CliResult<()> {
    let client = ctx.client()?;
    let groups = client.get_all("/stint/v1/pim/groups", &[("managed", managed.to_string())])?;
    let rows: Vec<Value> = groups.iter().map(rows::group).collect();
    if ctx.out.is_json() {
        ctx.out.json(&Value::Array(rows));
        return Ok(());
    }
    if managed {
        let mut table = Table::new(&["NAME", "ID", "ROLE-ASSIGNABLE", "MANAGED SINCE"]);
        for row in &rows {
            table.row(vec![
                rows::cell(row, "displayName"),
                rows::cell(row, "id"),
                yes_no(row, "isAssignableToRole"),
                rows::time_cell(row, "managedSince", "-"),
            ]);
        }
        ctx.out.table(
            &table,
            "No managed groups that you administer. `stint groups discover` shows those that could be.",
        );
    } else {
        let mut table = Table::new(&["NAME", "ID", "MANAGEABLE", "WHY NOT"]);
        for row in &rows {
            table.row(vec![
                rows::cell(row, "displayName"),
                rows::cell(row, "id"),
                Cell::status(if row["manageable"] == true {
                    "yes"
                } else {
                    "no"
                }),
                rows::cell(row, "notManageableReason"),
            ]);
        }
        ctx.out
            .table(&table, "No unmanaged groups that you administer.");
    }
    Ok(())
}

fn yes_no(row: &Value, key: &str) -> Cell {
    Cell::from(if row[key] == true { "yes" } else { "no" })
}

fn manage(ctx: &Ctx, args: ManageArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let group = resolve::group(&client, &args.group)?;
    let managed = client.post_empty(&format!(
        "/stint/v1/pim/groups/{}/manage",
        segment(&group.id)
    ))?;
    if ctx.out.is_json() {
        ctx.out.json(&managed);
    } else {
        let since = managed
            .get("managedSince")
            .and_then(Value::as_str)
            .map(|at| format!(" since {}", format_time(at)))
            .unwrap_or_default();
        ctx.out.line(&format!(
            "{} ({}) is managed by PIM{since}. `stint policy show \"{}\"` shows its policy.",
            group.display_name, group.id, group.display_name
        ));
    }
    Ok(())
}
