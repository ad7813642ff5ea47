//! `stint migrate`: brings a database's schema to this version of Stint and says which version it
//! is at. `stint serve` does the same at start-up; this lets an operator do it first, on its own.
//! A database written by a newer Stint is refused, untouched (exit code 1).

use std::process::ExitCode;

use clap::Args;
use stint_store::StoreError;

use crate::serve::{open_store, redacted, Database};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    database: Database,
}

/// The schema version this Stint writes for the database's kind.
fn schema_version(database: &str) -> i64 {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        stint_store_postgres::SCHEMA_VERSION
    } else {
        stint_store_sqlite::SCHEMA_VERSION
    }
}

pub fn run(args: MigrateArgs) -> ExitCode {
    let Some(runtime) = crate::started(tokio::runtime::Runtime::new()) else {
        return ExitCode::FAILURE;
    };
    let shown = redacted(&args.database.url);
    match runtime.block_on(open_store(&args.database.url, true)) {
        Ok(_store) => {
            println!(
                "The database {shown} is at schema version {}.",
                schema_version(&args.database.url)
            );
            ExitCode::SUCCESS
        }
        Err(StoreError::SchemaTooNew { found, supported }) => {
            eprintln!(
                "error: the database {shown} is at schema version {found}, written by a newer Stint; \
                 this Stint knows versions up to {supported}. Upgrade Stint; the database was not changed."
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: could not migrate the database {shown}: {error}");
            ExitCode::FAILURE
        }
    }
}
