//! Migration bookkeeping: versioned schema migrations, embedded in the adapter's binary and
//! applied at open.
//!
//! `schema_version` holds the version the database is at. Opening applies every newer migration
//! inside the adapter's transaction (which keeps two processes from migrating at once), so a
//! failed migration leaves the database as it was. A database at a version newer than this code
//! knows is refused: it was written by a newer Stint, and this one could corrupt it.

use std::cmp::Ordering;

use super::{fetch_optional, Param, RowValues, Session};
use crate::StoreError;

/// One migration of an adapter's schema.
#[derive(Debug)]
pub struct Migration {
    pub version: i64,
    pub sql: &'static str,
}

impl Migration {
    pub const fn new(version: i64, sql: &'static str) -> Migration {
        Migration { version, sql }
    }
}

/// The statements that keep the schema version.
#[derive(Debug)]
pub struct SchemaStatements {
    /// Creates the `schema_version` table if it is missing.
    pub create_version_table: &'static str,
    /// Columns: the version, in the table's only row (none in a new database).
    pub select_version: &'static str,
    /// Parameters: the version the database is now at.
    pub set_version: &'static str,
}

/// Brings the database up to `supported`, the last of `migrations`, or refuses one that is
/// newer.
pub async fn migrate<S: Session>(
    session: &mut S,
    statements: &SchemaStatements,
    migrations: &[Migration],
    supported: i64,
) -> Result<(), StoreError> {
    session
        .execute(statements.create_version_table, Vec::new())
        .await?;
    let found = current_version(session, statements).await?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for migration in migrations.iter().filter(|m| m.version > found) {
        tracing::info!(version = migration.version, "applying a schema migration");
        session.execute_script(migration.sql).await?;
        let version = vec![Param::Integer(migration.version)];
        session.execute(statements.set_version, version).await?;
    }
    Ok(())
}

/// The version the database is at; 0 for a new database.
pub async fn current_version<S: Session>(
    session: &mut S,
    statements: &SchemaStatements,
) -> Result<i64, StoreError> {
    match fetch_optional(session, statements.select_version, Vec::new()).await? {
        Some(row) => row.integer(0),
        None => Ok(0),
    }
}

/// Refuses a database at `found` that is not at `supported`: for a start with migrations
/// disabled, where `stint migrate` is run on its own.
pub fn compare(found: i64, supported: i64) -> Result<(), StoreError> {
    match found.cmp(&supported) {
        Ordering::Equal => Ok(()),
        Ordering::Greater => Err(StoreError::SchemaTooNew { found, supported }),
        Ordering::Less => Err(StoreError::SchemaTooOld {
            found,
            needed: supported,
        }),
    }
}

/// The versions of `migrations`, in order.
pub fn versions(migrations: &[Migration]) -> Vec<i64> {
    migrations.iter().map(|m| m.version).collect()
}

/// The versions a schema at `supported` must have been built by: consecutive from 1.
pub fn consecutive_versions(supported: i64) -> Vec<i64> {
    (1..=supported).collect()
}
