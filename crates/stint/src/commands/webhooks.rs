//! `stint webhooks add|list|remove|deliveries` and `stint outbox list|redrive`: webhook
//! subscriptions and the notification outbox, for Global and Privileged Role Administrators.

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};
use stint_core::notify::EventType;
use stint_core::webhook::WebhookFormat;

use super::{rows, Ctx};
use crate::client::{segment, CliResult};
use crate::output::{Cell, Tone};

const WEBHOOKS: &str = "/stint/v1/webhooks";

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Subscribe a URL to events; prints the signing secret, which is shown only this once.
    #[command(after_long_help = "Examples:
  stint webhooks add --url https://hooks.example.com/stint --event request.pendingApproval --event request.approved
  stint webhooks add --url https://hooks.slack.com/services/T0/B0/XXXX --event assignment.activated --format slack

A standard webhook is signed the Standard Webhooks way (webhook-id, webhook-timestamp,
webhook-signature): keep the secret where the receiver can check each message with it.")]
    Add(AddArgs),
    /// The subscriptions, without their secrets.
    #[command(after_long_help = "Examples:
  stint webhooks list
  stint webhooks list --output json | jq -r '.[].id'")]
    List,
    /// Delete a subscription: nothing more is sent to it; its deliveries stay readable.
    #[command(after_long_help = "Examples:
  stint webhooks remove 0f8fad5b-d9cb-469f-a165-70867728950e")]
    Remove(WebhookArgs),
    /// The newest 100 messages to a subscription, with their attempts.
    #[command(after_long_help = "Examples:
  stint webhooks deliveries 0f8fad5b-d9cb-469f-a165-70867728950e
  stint webhooks deliveries 0f8fad5b-d9cb-469f-a165-70867728950e --output json | jq '.[].attempts'")]
    Deliveries(WebhookArgs),
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// The newest 100 notifications, e-mail and webhooks, in one state or all.
    #[command(after_long_help = "Examples:
  stint outbox list --state dead
  stint outbox list --output json | jq '.[] | select(.channel == \"mail\")'")]
    List(OutboxListArgs),
    /// Try a dead notification again, from now.
    #[command(after_long_help = "Examples:
  stint outbox redrive 6b29fc40-ca47-1067-b31d-00dd010662da")]
    Redrive(RedriveArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Where to post: an http or https URL without credentials.
    #[arg(long, value_name = "URL")]
    url: String,
    /// An event to receive; repeat it, or separate events with commas.
    #[arg(long = "event", value_name = "EVENT", required = true, value_delimiter = ',',
          value_parser = PossibleValuesParser::new(EventType::ALL.map(EventType::as_str)))]
    events: Vec<String>,
    /// The body: standard (signed JSON), slack or teams.
    #[arg(long, default_value = "standard",
          value_parser = PossibleValuesParser::new(WebhookFormat::ALL.map(WebhookFormat::as_str)))]
    format: String,
}

#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// The subscription's id (from `stint webhooks list`).
    id: String,
}

#[derive(Debug, Args)]
pub struct OutboxListArgs {
    /// Only notifications in this state.
    #[arg(long, value_parser = ["pending", "sent", "dead"])]
    state: Option<String>,
}

#[derive(Debug, Args)]
pub struct RedriveArgs {
    /// The dead notification's id (from `stint outbox list --state dead`).
    id: String,
}

pub fn run(ctx: &Ctx, command: WebhooksCommand) -> CliResult<()> {
    match command {
        WebhooksCommand::Add(args) => add(ctx, args),
        WebhooksCommand::List => list(ctx),
        WebhooksCommand::Remove(args) => remove(ctx, args),
        WebhooksCommand::Deliveries(args) => deliveries(ctx, args),
    }
}

pub fn run_outbox(ctx: &Ctx, command: OutboxCommand) -> CliResult<()> {
    match command {
        OutboxCommand::List(args) => outbox(ctx, args),
        OutboxCommand::Redrive(args) => redrive(ctx, args),
    }
}

fn add(ctx: &Ctx, args: AddArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let body = json!({ "url": args.url, "events": args.events, "format": args.format });
    let created = client.post(WEBHOOKS, &body)?;
    if ctx.out.is_json() {
        ctx.out.json(&created);
        return Ok(());
    }
    ctx.out.line(&format!(
        "Subscribed {} ({}) to {} as {}.",
        rows::text(&created, "url"),
        rows::text(&created, "id"),
        events(&created),
        rows::text(&created, "format"),
    ));
    ctx.out
        .line(&format!("Secret: {}", rows::text(&created, "secret")));
    ctx.out.line(
        "This secret is shown only now: give it to the receiver, which checks each message's webhook-signature with it.",
    );
    Ok(())
}

fn list(ctx: &Ctx) -> CliResult<()> {
    let client = ctx.client()?;
    let webhooks = client.get_all(WEBHOOKS, &[])?;
    let headers = ["ID", "URL", "FORMAT", "EVENTS", "CREATED"];
    let empty = "No webhooks. `stint webhooks add --url URL --event EVENT` subscribes one.";
    ctx.out.rows(webhooks, &headers, webhook_cells, empty);
    Ok(())
}

fn webhook_cells(webhook: &Value) -> Vec<Cell> {
    vec![
        rows::cell(webhook, "id"),
        rows::cell(webhook, "url"),
        rows::cell(webhook, "format"),
        events(webhook).into(),
        rows::time_cell(webhook, "createdAt", "-"),
    ]
}

fn remove(ctx: &Ctx, args: WebhookArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let path = format!("{WEBHOOKS}/{}", segment(&args.id));
    client.send(Method::DELETE, &path, &[], None)?;
    ctx.out
        .either(&json!({ "id": args.id, "deleted": true }), || {
            format!(
            "Deleted webhook {}. `stint webhooks deliveries {}` still shows what was sent to it.",
            args.id, args.id
        )
        });
    Ok(())
}

fn deliveries(ctx: &Ctx, args: WebhookArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let path = format!("{WEBHOOKS}/{}/deliveries", segment(&args.id));
    let messages = client.get_all(&path, &[])?;
    show_messages(ctx, messages, "Nothing was sent to this webhook yet.")
}

fn outbox(ctx: &Ctx, args: OutboxListArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let query: Vec<(&str, String)> = args.state.map(|s| ("state", s)).into_iter().collect();
    let messages = client.get_all("/stint/v1/outbox", &query)?;
    show_messages(ctx, messages, "No notifications match.")
}

fn redrive(ctx: &Ctx, args: RedriveArgs) -> CliResult<()> {
    let client = ctx.client()?;
    client.post_empty(&format!("/stint/v1/outbox/{}/redrive", segment(&args.id)))?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({ "id": args.id, "state": "pending" }));
    } else {
        ctx.out.line(&format!(
            "Notification {} is pending again; the next worker round sends it.",
            args.id
        ));
    }
    Ok(())
}

/// Outbox messages as the server answers them (JSON), or one row each.
fn show_messages(ctx: &Ctx, messages: Vec<Value>, empty: &str) -> CliResult<()> {
    let headers = [
        "CREATED",
        "ID",
        "EVENT",
        "TO",
        "STATE",
        "ATTEMPTS",
        "NEXT TRY",
        "LAST ERROR",
    ];
    ctx.out.rows(messages, &headers, message_cells, empty);
    Ok(())
}

fn message_cells(message: &Value) -> Vec<Cell> {
    let to = format!(
        "{} {}",
        rows::text(message, "channel"),
        rows::text(message, "target")
    );
    vec![
        rows::time_cell(message, "createdAt", "-"),
        rows::cell(message, "id"),
        rows::cell(message, "eventType"),
        to.into(),
        state_cell(message),
        Cell::from(message["attemptCount"].to_string()),
        rows::time_cell(message, "nextAttemptAt", "-"),
        rows::cell(message, "lastError"),
    ]
}

fn state_cell(message: &Value) -> Cell {
    let state = rows::text(message, "state");
    let tone = match state.as_str() {
        "sent" => Tone::Good,
        "dead" => Tone::Bad,
        _ => Tone::Waiting,
    };
    Cell::toned(state, tone)
}

/// A subscription's events, comma-separated.
fn events(webhook: &Value) -> String {
    webhook["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
