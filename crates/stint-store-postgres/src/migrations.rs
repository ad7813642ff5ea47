//! Versioned schema migrations, embedded in the binary and applied at open.
//!
//! `schema_version` holds the version the database is at. Opening applies every newer migration
//! in one transaction that first takes a transaction-scoped advisory lock, so two nodes opening
//! the same database at once migrate it once, one after the other; PostgreSQL's DDL is
//! transactional, so a failed migration leaves the database as it was. A database at a version
//! newer than this code knows is refused: it was written by a newer Stint, and this one could
//! corrupt it. The versions mirror the SQLite adapter's: version N is the same logical schema.

use sqlx::{PgConnection, PgPool, Row};
use stint_store::StoreError;

use crate::error::from_sqlx;

struct Migration {
    version: i64,
    sql: &'static str,
}

/// Every migration, oldest first; versions are consecutive from 1.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../migrations/0002_role_requests.sql"),
    },
];

/// The schema version this code writes and understands.
pub const SCHEMA_VERSION: i64 = 2;

/// The advisory lock that migrations hold: the bytes of "STINTMIG". Advisory locks are scoped to
/// the database, so Stints on other databases of the same server do not wait for each other.
const MIGRATION_LOCK: i64 = 0x5354_494E_544D_4947;

const CREATE_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (
    singleton integer PRIMARY KEY CHECK (singleton = 1),
    version   bigint  NOT NULL
)";

/// Brings the database up to [`SCHEMA_VERSION`], or refuses one that is newer.
pub(crate) async fn run(pool: &PgPool) -> Result<(), StoreError> {
    let mut transaction = pool.begin().await.map_err(from_sqlx)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *transaction)
        .await
        .map_err(from_sqlx)?;
    sqlx::query(CREATE_VERSION_TABLE)
        .execute(&mut *transaction)
        .await
        .map_err(from_sqlx)?;
    let found = current_version(&mut transaction).await?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        apply(&mut transaction, migration).await?;
    }
    transaction.commit().await.map_err(from_sqlx)
}

/// Refuses, changing nothing, a database that is not at [`SCHEMA_VERSION`]: for a start with
/// migrations disabled, where `stint migrate` is run on its own.
pub(crate) async fn verify(pool: &PgPool) -> Result<(), StoreError> {
    let mut connection = pool.acquire().await.map_err(from_sqlx)?;
    let versioned: bool = sqlx::query_scalar("SELECT to_regclass('schema_version') IS NOT NULL")
        .fetch_one(&mut *connection)
        .await
        .map_err(from_sqlx)?;
    let found = if versioned {
        current_version(&mut connection).await?
    } else {
        0
    };
    compare(found)
}
fn compare(found: i64) -> Result<(), StoreError> {
    match found.cmp(&SCHEMA_VERSION) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        }),
        std::cmp::Ordering::Less => Err(StoreError::SchemaTooOld {
            found,
            needed: SCHEMA_VERSION,
        }),
    }
}

/// The version the database is at; 0 for a new database.
pub(crate) async fn current_version(connection: &mut PgConnection) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT version FROM schema_version")
        .fetch_optional(connection)
        .await
        .map_err(from_sqlx)?;
    row.map_or(Ok(0), |row| row.try_get("version").map_err(from_sqlx))
}

async fn apply(connection: &mut PgConnection, migration: &Migration) -> Result<(), StoreError> {
    tracing::info!(version = migration.version, "applying a schema migration");
    sqlx::raw_sql(migration.sql)
        .execute(&mut *connection)
        .await
        .map_err(from_sqlx)?;
    sqlx::query(
        "INSERT INTO schema_version (singleton, version) VALUES (1, $1)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
    )
    .bind(migration.version)
    .execute(connection)
    .await
    .map_err(from_sqlx)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_are_consecutive_and_end_at_the_schema_version() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let expected: Vec<i64> = (1..=SCHEMA_VERSION).collect();
        assert_eq!(versions, expected);
    }
}
