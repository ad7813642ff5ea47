//! `stint scim-tokens add|list|revoke`: provisioning tokens for the identity provider's SCIM
//! client (M1), for Global and Privileged Role Administrators.

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};

use super::{rows, Ctx};
use crate::client::{segment, CliResult};
use crate::output::Cell;

const TOKENS: &str = "/stint/v1/scim/tokens";

#[derive(Debug, Subcommand)]
pub enum ScimTokensCommand {
    /// Make a provisioning token; prints it and the SCIM URL, shown only this once.
    #[command(after_long_help = "Examples:
  stint scim-tokens add --name 'Entra ID'
  stint scim-tokens add --name Okta --output json | jq -r .token

Give the identity provider the SCIM URL (Tenant URL in Entra ID, SCIM connector base URL in
Okta) and the token (Secret Token; Okta's HTTP Header authentication).")]
    Add(AddArgs),
    /// The live provisioning tokens, without their secrets.
    #[command(after_long_help = "Examples:
  stint scim-tokens list
  stint scim-tokens list --output json | jq -r '.[].id'")]
    List,
    /// Revoke a token: SCIM calls with it are refused from now on.
    #[command(after_long_help = "Examples:
  stint scim-tokens revoke 0f8fad5b-d9cb-469f-a165-70867728950e")]
    Revoke(TokenArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// What the token is for, e.g. the identity provider's name.
    #[arg(long, value_name = "NAME")]
    name: String,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The token's id (from `stint scim-tokens list`).
    id: String,
}

pub fn run(ctx: &Ctx, command: ScimTokensCommand) -> CliResult<()> {
    match command {
        ScimTokensCommand::Add(args) => add(ctx, args),
        ScimTokensCommand::List => list(ctx),
        ScimTokensCommand::Revoke(args) => revoke(ctx, args),
    }
}

fn add(ctx: &Ctx, args: AddArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let created = client.post(TOKENS, &json!({ "displayName": args.name }))?;
    if ctx.out.is_json() {
        ctx.out.json(&created);
        return Ok(());
    }
    ctx.out.line(&format!(
        "Made the provisioning token {} ({}).",
        rows::text(&created, "displayName"),
        rows::text(&created, "id"),
    ));
    ctx.out
        .line(&format!("SCIM URL: {}", rows::text(&created, "scimUrl")));
    ctx.out
        .line(&format!("Token:    {}", rows::text(&created, "token")));
    ctx.out
        .line("The token is shown only now: give it to the identity provider as its bearer token.");
    Ok(())
}

fn list(ctx: &Ctx) -> CliResult<()> {
    let client = ctx.client()?;
    let tokens = client.get_all(TOKENS, &[])?;
    let headers = ["ID", "NAME", "CREATED"];
    let empty = "No provisioning tokens. `stint scim-tokens add --name NAME` makes one.";
    ctx.out.rows(tokens, &headers, token_cells, empty);
    Ok(())
}

fn token_cells(token: &Value) -> Vec<Cell> {
    vec![
        rows::cell(token, "id"),
        rows::cell(token, "displayName"),
        rows::time_cell(token, "createdAt", "-"),
    ]
}

fn revoke(ctx: &Ctx, args: TokenArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let path = format!("{TOKENS}/{}", segment(&args.id));
    client.send(Method::DELETE, &path, &[], None)?;
    ctx.out
        .either(&json!({ "id": args.id, "revoked": true }), || {
            format!(
                "Revoked provisioning token {}: SCIM calls with it are refused from now on.",
                args.id
            )
        });
    Ok(())
}
