//! `stint connectors list|add|link|status|reconcile`: the systems Stint writes effective
//! memberships into (issue 18), for Global and Privileged Role Administrators. Credentials are
//! read from an environment variable named on the command line, never taken as an argument
//! (arguments show in `ps` and shell history).

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::{resolve, rows, Ctx};
use crate::client::{segment, CliError, CliResult};
use crate::output::Cell;

const CONNECTORS: &str = "/stint/v1/connectors";

#[derive(Debug, Subcommand)]
pub enum ConnectorsCommand {
    /// The connectors, without their credentials.
    #[command(after_long_help = "Examples:
  stint connectors list
  stint connectors list --output json | jq -r '.[].id'")]
    List,
    /// Make a connector: an LDAP directory, a SCIM application or a PostgreSQL server.
    #[command(after_long_help = "Examples:
  STINT_LDAP_PASSWORD=... stint connectors add --name 'Corporate LDAP' --type ldap \\
    --url ldap://ldap.example.com --bind-dn cn=stint,dc=example,dc=org --base-dn dc=example,dc=org \\
    --user-filter '(uid={userPrincipalName})' --secret-env STINT_LDAP_PASSWORD
  SCIM_TOKEN=... stint connectors add --name Wiki --type scim --url https://wiki.example.com/scim/v2 --secret-env SCIM_TOKEN
  PG_URL=postgres://stint:...@db/app stint connectors add --name 'App database' --type postgres --secret-env PG_URL")]
    Add(AddArgs),
    /// Link a Stint group to a target group: its DN, SCIM group, or PostgreSQL role.
    #[command(after_long_help = "Examples:
  stint connectors link 0f8fad5b-d9cb-469f-a165-70867728950e --group Ops --target cn=ops,ou=groups,dc=example,dc=org
  stint connectors link 0f8fad5b-d9cb-469f-a165-70867728950e --group 'DB admins' --target app_admin --owners")]
    Link(LinkArgs),
    /// Where a connector stands: state, lag, last error, last reconcile, drift, removal latency.
    #[command(after_long_help = "Examples:
  stint connectors status 0f8fad5b-d9cb-469f-a165-70867728950e")]
    Status(ConnectorArgs),
    /// Read and compare every link of a connector now.
    #[command(after_long_help = "Examples:
  stint connectors reconcile 0f8fad5b-d9cb-469f-a165-70867728950e")]
    Reconcile(ConnectorArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The connector's display name.
    #[arg(long)]
    name: String,
    /// ldap, scim or postgres.
    #[arg(long = "type", value_parser = ["ldap", "scim", "postgres"])]
    kind: String,
    /// LDAP: ldap:// or ldaps:// URL; SCIM: the base URL. PostgreSQL's URL holds a password: give
    /// it with --secret-env.
    #[arg(long)]
    url: Option<String>,
    /// LDAP: the DN Stint binds as.
    #[arg(long)]
    bind_dn: Option<String>,
    /// LDAP: where users are searched.
    #[arg(long)]
    base_dn: Option<String>,
    /// LDAP: the filter finding a user, e.g. (uid={userPrincipalName}).
    #[arg(long)]
    user_filter: Option<String>,
    /// The environment variable holding the LDAP bind password, the SCIM token or the
    /// PostgreSQL URL.
    #[arg(long, value_name = "VARIABLE")]
    secret_env: String,
    /// enforce (remove drift, the default) or report.
    #[arg(long, value_parser = ["enforce", "report"])]
    drift_mode: Option<String>,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The connector's id (from `stint connectors list`).
    id: String,
    /// The Stint group: its name or id.
    #[arg(long)]
    group: String,
    /// The target group: an LDAP DN, a SCIM group's id or name, a PostgreSQL role.
    #[arg(long)]
    target: String,
    /// LDAP: member, uniqueMember or memberUid.
    #[arg(long, value_parser = ["member", "uniqueMember", "memberUid"])]
    member_attribute: Option<String>,
    /// Push the group's owners rather than its members.
    #[arg(long)]
    owners: bool,
}

#[derive(Debug, Args)]
pub struct ConnectorArgs {
    /// The connector's id (from `stint connectors list`).
    id: String,
}

pub fn run(ctx: &Ctx, command: ConnectorsCommand) -> CliResult<()> {
    match command {
        ConnectorsCommand::List => list(ctx),
        ConnectorsCommand::Add(args) => add(ctx, args),
        ConnectorsCommand::Link(args) => link(ctx, args),
        ConnectorsCommand::Status(args) => status(ctx, args),
        ConnectorsCommand::Reconcile(args) => reconcile(ctx, args),
    }
}

fn list(ctx: &Ctx) -> CliResult<()> {
    let client = ctx.client()?;
    let connectors = client.get_all(CONNECTORS, &[])?;
    let headers = ["ID", "NAME", "TYPE", "URL", "DRIFT", "LINKS"];
    let empty = "No connectors. `stint connectors add --help` shows how to make one.";
    ctx.out.rows(connectors, &headers, cells, empty);
    Ok(())
}

fn cells(connector: &Value) -> Vec<Cell> {
    let links = connector["links"].as_array().map_or(0, Vec::len);
    vec![
        rows::cell(connector, "id"),
        rows::cell(connector, "displayName"),
        rows::cell(connector, "type"),
        rows::cell(connector, "url"),
        rows::cell(connector, "driftMode"),
        links.to_string().into(),
    ]
}

fn add(ctx: &Ctx, args: AddArgs) -> CliResult<()> {
    let secret = std::env::var(&args.secret_env).map_err(|_| {
        CliError::local(
            format!("the environment variable {} is not set", args.secret_env),
            Some("export it with the password, token or URL, then run the command again".into()),
        )
    })?;
    let mut body = json!({ "displayName": args.name, "type": args.kind });
    match args.kind.as_str() {
        "ldap" => {
            body["url"] = args.url.into();
            body["bindDn"] = args.bind_dn.into();
            body["baseDn"] = args.base_dn.into();
            body["userFilter"] = args.user_filter.into();
            body["bindPassword"] = secret.into();
        }
        "scim" => {
            body["url"] = args.url.into();
            body["token"] = secret.into();
        }
        _ => body["url"] = secret.into(),
    }
    if let Some(mode) = args.drift_mode {
        body["driftMode"] = mode.into();
    }
    let client = ctx.client()?;
    let created = client.post(CONNECTORS, &body)?;
    ctx.out.either(&created, || format!(
            "Made connector {} ({}). `stint connectors link {} --group GROUP --target TARGET` links a group.",
            rows::text(&created, "displayName"),
            rows::text(&created, "id"),
            rows::text(&created, "id"),
        ));
    Ok(())
}

fn link(ctx: &Ctx, args: LinkArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let group = resolve::group(&client, &args.group)?;
    let mut body = json!({
        "groupId": group.id,
        "target": args.target,
        "accessId": if args.owners { "owner" } else { "member" },
    });
    if let Some(attribute) = args.member_attribute {
        body["memberAttribute"] = attribute.into();
    }
    let path = format!("{CONNECTORS}/{}/links", segment(&args.id));
    let created = client.post(&path, &body)?;
    ctx.out.either(&created, || {
        format!(
            "Linked {} to {} ({}).",
            group.display_name,
            args.target,
            rows::text(&created, "id"),
        )
    });
    Ok(())
}

fn status(ctx: &Ctx, args: ConnectorArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let path = format!("{CONNECTORS}/{}/status", segment(&args.id));
    let status = client.get(&path, &[])?;
    if ctx.out.is_json() {
        ctx.out.json(&status);
        return Ok(());
    }
    for (label, key) in [
        ("State", "state"),
        ("Behind by (revisions)", "lagRevisions"),
        ("Behind by (seconds)", "lagSeconds"),
        ("Last error", "lastError"),
        ("Last reconcile", "lastReconcile"),
        ("Drift found", "drift"),
        ("Removal latency p50 (ms)", "removalLatencyP50Ms"),
        ("Removal latency p99 (ms)", "removalLatencyP99Ms"),
    ] {
        let value = match &status[key] {
            Value::Null => "-".to_owned(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        ctx.out.line(&format!("{label}: {value}"));
    }
    Ok(())
}

fn reconcile(ctx: &Ctx, args: ConnectorArgs) -> CliResult<()> {
    let client = ctx.client()?;
    client.post_empty(&format!("{CONNECTORS}/{}/reconcile", segment(&args.id)))?;
    if ctx.out.is_json() {
        ctx.out
            .json(&json!({ "id": args.id, "reconcile": "asked" }));
    } else {
        ctx.out.line(&format!(
            "Asked for a reconcile of {}; `stint connectors status {}` shows when it ran.",
            args.id, args.id
        ));
    }
    Ok(())
}
