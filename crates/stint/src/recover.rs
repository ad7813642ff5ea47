//! `stint recover-admin`: the way back in when no Global Administrator can sign in (ADR 0008).
//! Opens the database itself, like `serve` and `migrate`, and commits one recovery through the
//! same write path as every other change: the named user is enabled (or created), holds Global
//! Administrator permanently, and gets a new one-time password, printed once.
//!
//! On SQLite it refuses to run while a `stint serve` has the database open (the `.lock` file
//! beside it). On PostgreSQL the commit is one more revision that the running nodes follow.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use stint_app::{App, AppConfig, SystemClock};
use stint_store_sqlite::{ProcessLock, ProcessLockError};

use crate::serve::{is_postgres, open_store, redacted, Database};

#[derive(Debug, Args)]
pub struct RecoverAdminArgs {
    #[command(flatten)]
    database: Database,
    /// The user to re-enable, or to create if there is none of that name.
    #[arg(long, default_value = "admin")]
    user: String,
}

pub fn run(args: RecoverAdminArgs) -> ExitCode {
    let shown = redacted(&args.database.url);
    let _only_writer = if is_postgres(&args.database.url) {
        None
    } else {
        match ProcessLock::exclusive(&args.database.url) {
            Ok(lock) => lock,
            Err(ProcessLockError::Held(path)) => {
                eprintln!(
                    "error: a `stint serve` is running on {shown} (it holds {}). Stop every server on this database, then run recover-admin again; nothing was changed.",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("error: {error}; nothing was changed.");
                return ExitCode::FAILURE;
            }
        }
    };
    let Some(runtime) = crate::started(tokio::runtime::Runtime::new()) else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(recover(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: could not recover an administrator on {shown}: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn recover(args: &RecoverAdminArgs) -> anyhow::Result<()> {
    let store = open_store(&args.database.url, true).await?;
    let app = App::open(store, Arc::new(SystemClock), AppConfig::default()).await?;
    let recovered = app.recover_admin(&args.user, operator()).await?;
    println!(
        "Recovered '{}': enabled, with an active, permanent Global Administrator assignment and no TOTP authenticator.\n\
         Sign in with this one-time password (it is not shown again):\n\n    {}\n\n\
         Stint has no forced password change: set a password of your own at once (console: Directory, Users, Reset credentials; or PATCH /v1.0/users/{{id}} with passwordProfile).",
        recovered.user_principal_name,
        recovered.password.expose()
    );
    Ok(())
}

/// Who ran the recovery, for the audit: this host and the operating-system user.
fn operator() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|host| host.trim().to_string())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "an unknown host".to_string());
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_string());
    format!("recover-admin on {host} as {user}")
}
