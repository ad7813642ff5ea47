//! The client commands, one module per group of commands, and what they share: the context
//! (output format, server override), options used by several commands, and the API's paths.

pub mod advisor;
pub mod assign;
pub mod audit;
pub mod audit_trail;
pub mod auth;
pub mod connectors;
pub mod groups;
pub mod policy;
pub mod requests;
pub mod resolve;
pub mod rows;
pub mod scim_tokens;
pub mod selfservice;
pub mod sso;
pub mod webhooks;

use std::io::IsTerminal;

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{json, Value};

use crate::client::{CliError, CliResult, Client};
use crate::output::Output;
use crate::when::rfc3339;

/// The base of the PIM for Groups endpoints.
pub const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// What every command gets.
#[derive(Debug)]
pub struct Ctx {
    pub out: Output,
    /// `--server` or `STINT_SERVER`.
    pub server: Option<String>,
}

impl Ctx {
    /// A client with the user's token.
    pub fn client(&self) -> CliResult<Client> {
        Client::authenticated(self.server.as_deref())
    }
}

/// `--member` or `--owner`, one of them required.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct AccessChoice {
    /// Membership of the group.
    #[arg(long)]
    pub member: bool,
    /// Ownership of the group.
    #[arg(long)]
    pub owner: bool,
}

impl AccessChoice {
    pub fn access_id(&self) -> &'static str {
        if self.owner {
            "owner"
        } else {
            "member"
        }
    }
}

/// `--eligible` or `--active`, one of them required.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct KindChoice {
    /// An eligibility: the principal may activate it when needed.
    #[arg(long)]
    pub eligible: bool,
    /// An active assignment: membership or ownership right away.
    #[arg(long)]
    pub active: bool,
}

impl KindChoice {
    pub fn family(&self) -> Family {
        if self.active {
            Family::Assignment
        } else {
            Family::Eligibility
        }
    }
}

/// Graph's two families of schedules and requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Eligibility,
    Assignment,
}

impl Family {
    pub const BOTH: [Family; 2] = [Family::Eligibility, Family::Assignment];

    /// `eligibility` or `assignment`, the prefix of the collection names.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Eligibility => "eligibility",
            Family::Assignment => "assignment",
        }
    }

    /// `eligible` or `active`, as the JSON output and tables say it.
    pub fn kind(self) -> &'static str {
        match self {
            Family::Eligibility => "eligible",
            Family::Assignment => "active",
        }
    }

    /// The path of a collection, e.g. `ScheduleRequests`.
    pub fn path(self, collection: &str) -> String {
        format!("{PIM}/{}{collection}", self.prefix())
    }
}

/// The body of a group schedule request: `action` on `access` of `group` for `principal`.
pub fn request_body(access: &str, principal: &str, group: &str, action: &str) -> Value {
    json!({
        "accessId": access,
        "principalId": principal,
        "groupId": group,
        "action": action,
    })
}

/// A request's `scheduleInfo`: `expiration`, from `start` when one is given.
pub fn schedule_info(expiration: Value, start: Option<DateTime<Utc>>) -> Value {
    let mut schedule = json!({ "expiration": expiration });
    if let Some(start) = start {
        schedule["startDateTime"] = Value::String(rfc3339(start));
    }
    schedule
}

/// A ticket as `SYSTEM:NUMBER`, e.g. `Jira:OPS-42`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub system: String,
    pub number: String,
}

impl Ticket {
    pub fn to_json(&self) -> Value {
        json!({ "ticketSystem": self.system, "ticketNumber": self.number })
    }
}

/// Parses `SYSTEM:NUMBER`, for clap.
pub fn parse_ticket(text: &str) -> Result<Ticket, String> {
    match text.split_once(':') {
        Some((system, number)) if !system.trim().is_empty() && !number.trim().is_empty() => {
            Ok(Ticket {
                system: system.trim().to_string(),
                number: number.trim().to_string(),
            })
        }
        _ => Err(format!(
            "'{text}' is not SYSTEM:NUMBER; write the ticket like Jira:OPS-42"
        )),
    }
}

/// Whether the user can be asked questions: stdin is a terminal.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks for a TOTP code on the terminal, without echo.
pub fn prompt_totp() -> CliResult<String> {
    rpassword::prompt_password("TOTP code from your authenticator app: ")
        .map(|code| code.trim().to_string())
        .map_err(|error| CliError::Auth {
            message: format!("Cannot read a TOTP code from the terminal: {error}"),
            hint: "Give the code with --totp CODE.".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_system_colon_number() {
        assert_eq!(
            parse_ticket("Jira:OPS-42").unwrap(),
            Ticket {
                system: "Jira".into(),
                number: "OPS-42".into()
            }
        );
        assert_eq!(parse_ticket("ServiceNow:INC:7").unwrap().number, "INC:7");
        assert!(parse_ticket("OPS-42").is_err());
        assert!(parse_ticket(":42").is_err());
    }

    #[test]
    fn families_name_their_collections() {
        assert_eq!(
            Family::Assignment.path("ScheduleRequests"),
            "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
        );
        assert_eq!(Family::Eligibility.kind(), "eligible");
    }
}
