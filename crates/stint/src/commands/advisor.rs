//! `stint advisor`: the risky configurations Stint finds now (X1), for Global and Privileged Role
//! Administrators.

use clap::Args;
use serde_json::Value;

use super::{rows, Ctx};
use crate::client::CliResult;

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint advisor
  stint advisor --output json | jq '.value[] | select(.severity == \"high\") | .title'

Each finding says what was found, why it matters, how to fix it, and the console page to do it on.")]
pub struct AdvisorArgs {}

pub fn run(ctx: &Ctx, _args: AdvisorArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let answer = client.get("/stint/v1/advisor", &[])?;
    if ctx.out.is_json() {
        ctx.out.json(&answer);
        return Ok(());
    }
    let findings = answer["value"].as_array().cloned().unwrap_or_default();
    if findings.is_empty() {
        ctx.out.line("The advisor finds nothing to warn about.");
        return Ok(());
    }
    let counts = &answer["counts"];
    ctx.out.line(&format!(
        "{} findings: {} high, {} medium, {} low.",
        findings.len(),
        counts["high"],
        counts["medium"],
        counts["low"]
    ));
    for finding in &findings {
        print_finding(ctx, finding, client.server());
    }
    Ok(())
}

fn print_finding(ctx: &Ctx, finding: &Value, base: &str) {
    ctx.out.line("");
    ctx.out.line(&format!(
        "[{}] {}",
        rows::text(finding, "severity").to_uppercase(),
        rows::text(finding, "title")
    ));
    ctx.out
        .line(&format!("  Why: {}", rows::text(finding, "why")));
    ctx.out
        .line(&format!("  Fix: {}", rows::text(finding, "fix")));
    ctx.out.line(&format!(
        "  At:  {}{}",
        base.trim_end_matches('/'),
        rows::text(finding, "link")
    ));
}
