//! `stint`: the binary. `stint serve` runs the server; `migrate` and `recover-admin` open the
//! database too; the other commands are a client that talks to a Stint server over HTTP.
//!
//! Exit codes of the client commands: 0 success, 1 refused by a rule (the server's code and
//! message are printed), 2 usage error, 3 authentication needed, 4 server unreachable.

/// jemalloc: the in-memory state's many small vectors stay packed by size class, so a check
/// touches fewer pages than with glibc's allocator.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod backup;
mod client;
mod commands;
mod migrate;
mod output;
mod recover;
mod serve;
mod serve_oidc;
mod when;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use client::CliResult;
use commands::{
    advisor, assign, audit, auth, connectors, groups, policy, requests, scim_tokens, selfservice,
    webhooks, Ctx,
};
use output::{Format, Output};

const EXAMPLES: &str = "Examples:
  stint login --server http://127.0.0.1:8080 --username alice
  stint eligible
  stint activate \"Tier 0 Admins\" --for 2h --reason \"INC-42\" --wait
  stint approvals
  stint approve 0f8fad5b-d9cb-469f-a165-70867728950e --reason \"Checked the ticket\"
  stint assign \"Tier 0 Admins\" bob@contoso.com --member --eligible --for 30d --reason \"On call\"
  stint audit --group \"Tier 0 Admins\" --since 7d --output json

Exit codes: 0 success, 1 refused by a rule (or another failure), 2 usage error,
3 authentication needed, 4 server unreachable.
Environment: STINT_SERVER, STINT_TOKEN, STINT_OUTPUT, STINT_CONFIG_DIR, NO_COLOR.";

#[derive(Debug, Parser)]
#[command(
    name = "stint",
    version,
    about = "Just-in-time membership and ownership of groups",
    long_about = "Just-in-time membership and ownership of groups.\n\n`stint serve` runs the server; every other command is a client of a Stint server's HTTP API.",
    after_long_help = EXAMPLES,
)]
struct Cli {
    /// How to print results: aligned tables for people, or JSON for scripts.
    #[arg(
        long,
        short = 'o',
        global = true,
        help_heading = "Global options",
        value_enum,
        env = "STINT_OUTPUT",
        default_value = "table"
    )]
    output: Format,
    /// The server's URL (default: the one you signed in to).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "STINT_SERVER",
        value_name = "URL"
    )]
    server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Stint server (API and scheduler) on embedded SQLite or a database URL.
    Serve(Box<serve::ServeArgs>),
    /// Bring the database's schema up to this version of Stint (serve also does it at start-up).
    Migrate(migrate::MigrateArgs),
    /// Re-enable or create a Global Administrator with a new one-time password, on the database
    /// itself (stop the servers first on SQLite).
    RecoverAdmin(recover::RecoverAdminArgs),
    /// Copy a SQLite database consistently while servers run (for PostgreSQL, print how).
    Backup(backup::BackupArgs),
    /// Sign in and save the token for the other commands.
    Login(auth::LoginArgs),
    /// End the saved sign-in on the server and forget it.
    Logout(auth::LogoutArgs),
    /// Who you are signed in as, and your directory roles.
    Whoami(auth::WhoamiArgs),
    /// List, discover and bring groups under PIM.
    #[command(subcommand)]
    Groups(groups::GroupsCommand),
    /// Make a user or group eligible for, or an active holder of, membership or ownership.
    Assign(assign::AssignArgs),
    /// Remove an eligible or active assignment.
    Unassign(assign::UnassignArgs),
    /// A group's eligible and active assignments.
    Assignments(assign::AssignmentsArgs),
    /// What you are eligible for and can activate.
    Eligible(selfservice::EligibleArgs),
    /// Activate your eligible membership or ownership of a group.
    Activate(selfservice::ActivateArgs),
    /// End your activation early.
    Deactivate(selfservice::DeactivateArgs),
    /// Your memberships and ownerships in force now.
    Active(selfservice::ActiveArgs),
    /// Your requests and their status.
    Requests(requests::RequestsArgs),
    /// Withdraw a pending request.
    Cancel(requests::CancelArgs),
    /// Requests waiting for your approval.
    Approvals(requests::ApprovalsArgs),
    /// Approve a request.
    Approve(requests::DecideArgs),
    /// Deny a request.
    Deny(requests::DecideArgs),
    /// Ask the administrators to extend your assignment that ends soon.
    Extend(selfservice::ExtendArgs),
    /// Ask the administrators to renew your assignment that ended recently.
    Renew(selfservice::ExtendArgs),
    /// Show or change a group's policy.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// The audit log; `export`, `verify` and `head` of its hash chain.
    Audit(audit::AuditArgs),
    /// Whether a user or group is an effective member of a group now.
    Check(audit::CheckArgs),
    /// Risky configurations found now, each with why it matters and the fix (administrators).
    Advisor(advisor::AdvisorArgs),
    /// Webhook subscriptions: add, list, remove, and what was sent to each.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// Notifications waiting, sent or given up (dead), and re-driving the dead.
    #[command(subcommand)]
    Outbox(webhooks::OutboxCommand),
    /// Connectors to LDAP, SCIM and PostgreSQL: add, link, list, status, reconcile.
    #[command(subcommand)]
    Connectors(connectors::ConnectorsCommand),
    /// SCIM provisioning tokens for the identity provider: add, list, revoke.
    #[command(subcommand)]
    ScimTokens(scim_tokens::ScimTokensCommand),
    /// Print a shell completion script.
    #[command(after_long_help = "Examples:
  stint completions bash > ~/.local/share/bash-completion/completions/stint
  stint completions zsh > \"${fpath[1]}/_stint\"
  stint completions fish > ~/.config/fish/completions/stint.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.output);
    let ctx = Ctx {
        out,
        server: cli.server.filter(|server| !server.trim().is_empty()),
    };
    let result = match cli.command {
        Command::Serve(args) => return serve_blocking(*args),
        Command::Migrate(args) => return migrate::run(args),
        Command::RecoverAdmin(args) => return recover::run(args),
        Command::Backup(args) => return backup::run(args),
        command => dispatch(&ctx, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            out.error(&error.to_string(), error.hint());
            error.exit_code()
        }
    }
}

/// The async runtime, or `None` once the failure to start it is told.
fn started(runtime: std::io::Result<tokio::runtime::Runtime>) -> Option<tokio::runtime::Runtime> {
    runtime
        .inspect_err(|error| eprintln!("error: cannot start the async runtime: {error}"))
        .ok()
}

fn serve_blocking(args: serve::ServeArgs) -> ExitCode {
    let Some(runtime) = started(args.runtime()) else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(serve::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(ctx: &Ctx, command: Command) -> CliResult<()> {
    use requests::Decision;
    use selfservice::Ask;
    match command {
        Command::Serve(_) | Command::Migrate(_) | Command::RecoverAdmin(_) | Command::Backup(_) => {
            Ok(())
        }
        Command::Login(args) => auth::login(ctx, args),
        Command::Logout(args) => auth::logout(ctx, args),
        Command::Whoami(args) => auth::whoami(ctx, args),
        Command::Groups(command) => groups::run(ctx, command),
        Command::Assign(args) => assign::assign(ctx, args),
        Command::Unassign(args) => assign::unassign(ctx, args),
        Command::Assignments(args) => assign::assignments(ctx, args),
        Command::Eligible(args) => selfservice::eligible(ctx, args),
        Command::Activate(args) => selfservice::activate(ctx, args),
        Command::Deactivate(args) => selfservice::deactivate(ctx, args),
        Command::Active(args) => selfservice::active(ctx, args),
        Command::Requests(args) => requests::requests(ctx, args),
        Command::Cancel(args) => requests::cancel(ctx, args),
        Command::Approvals(args) => requests::approvals(ctx, args),
        Command::Approve(args) => requests::decide(ctx, args, Decision::Approve),
        Command::Deny(args) => requests::decide(ctx, args, Decision::Deny),
        Command::Extend(args) => selfservice::extend_or_renew(ctx, args, Ask::Extend),
        Command::Renew(args) => selfservice::extend_or_renew(ctx, args, Ask::Renew),
        Command::Policy(command) => policy::run(ctx, command),
        Command::Audit(args) => audit::audit(ctx, args),
        Command::Check(args) => audit::check(ctx, args),
        Command::Webhooks(command) => webhooks::run(ctx, command),
        Command::Outbox(command) => webhooks::run_outbox(ctx, command),
        Command::Connectors(command) => connectors::run(ctx, command),
        Command::ScimTokens(command) => scim_tokens::run(ctx, command),
        Command::Advisor(args) => advisor::run(ctx, args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "stint", &mut std::io::stdout());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn conflicting_and_missing_options_are_usage_errors() {
        let cases: &[&[&str]] = &[
            &[
                "stint",
                "assign",
                "G",
                "alice",
                "--member",
                "--owner",
                "--eligible",
            ],
            &["stint", "assign", "G", "alice", "--member"],
            &[
                "stint",
                "assign",
                "G",
                "alice",
                "--member",
                "--eligible",
                "--for",
                "2h",
                "--permanent",
            ],
            &["stint", "activate", "G"],
            &["stint", "activate", "G", "--reason", "x", "--for", "banana"],
            &["stint", "activate", "G", "--reason", "x", "--timeout", "1h"],
            &[
                "stint",
                "policy",
                "set",
                "G",
                "--require-mfa",
                "--no-require-mfa",
            ],
            &["stint", "--output", "yaml", "eligible"],
        ];
        for args in cases {
            let error = Cli::try_parse_from(*args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}: {error}");
        }
        assert!(Cli::try_parse_from([
            "stint",
            "assign",
            "G",
            "alice",
            "--member",
            "--eligible",
            "--for",
            "30d"
        ])
        .is_ok());
    }
}
