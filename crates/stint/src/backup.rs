//! `stint backup`: a consistent copy of a SQLite database taken while `stint serve` runs (SQLite's
//! `VACUUM INTO`); for PostgreSQL it prints the procedure with PostgreSQL's own tools.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::serve::{is_postgres, redacted};

/// What to do for a PostgreSQL database, which Stint does not copy itself.
const POSTGRES_PROCEDURE: &str = "Stint does not copy PostgreSQL databases itself; use PostgreSQL's tools, which take a consistent snapshot while the servers run:

  pg_dump --format=custom --file=stint.dump 'postgres://USER@HOST/DB'
      (restore: createdb NEWDB && pg_restore --dbname='postgres://USER@HOST/NEWDB' stint.dump)
  pg_basebackup --pgdata=BACKUP_DIR --format=tar --wal-method=stream --checkpoint=fast
      (a copy of the whole cluster, for point-in-time recovery with archived WAL)

Then check the restored copy: stint audit verify --database 'postgres://USER@HOST/NEWDB'";

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint backup --database /var/lib/stint/stint.db --to /backups/stint-2026-12-07.db
  stint audit verify --database /backups/stint-2026-12-07.db

The copy holds every write committed before the backup began. It never overwrites a file.")]
pub struct BackupArgs {
    /// The database: a SQLite file path or `sqlite://PATH` (for postgres:// the procedure is
    /// printed).
    #[arg(long, env = "STINT_DATABASE_URL", default_value = "sqlite://stint.db")]
    database: String,
    /// The new file to write the copy to.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

pub fn run(args: BackupArgs) -> ExitCode {
    if is_postgres(&args.database) {
        eprintln!("{POSTGRES_PROCEDURE}");
        return ExitCode::FAILURE;
    }
    let Some(runtime) = crate::started(tokio::runtime::Runtime::new()) else {
        return ExitCode::FAILURE;
    };
    let shown = redacted(&args.database);
    match runtime.block_on(stint_store_sqlite::backup::backup(&args.database, &args.to)) {
        Ok(()) => {
            println!(
                "Backed up {shown} to {}. Check it with: stint audit verify --database {}",
                args.to.display(),
                args.to.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: could not back up {shown}: {error}");
            ExitCode::FAILURE
        }
    }
}
