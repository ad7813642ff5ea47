//! Migration bookkeeping: versioned schema migrations, embedded in the adapter's binary and
//! applied at open.
//!
//! `schema_version` holds the version the database is at. Opening applies every newer migration
//! inside one transaction of the adapter (which keeps two processes from migrating at once), so
//! a failed migration leaves the database as it was. A database at a version newer than this code
//! knows is refused: it was written by a newer Stint, and this one could corrupt it.

use std::cmp::Ordering;

use super::{fetch_one, fetch_optional, Param, RowValues, Session, Transaction};
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

/// An adapter's schema: its migrations and the statements that keep the version.
#[derive(Debug)]
pub struct Schema {
    /// The version this code writes and understands.
    pub version: i64,
    /// Every migration, oldest first; versions are consecutive from 1 to `version`.
    pub migrations: &'static [Migration],
    /// Creates the `schema_version` table if it is missing.
    pub create_version_table: &'static str,
    /// Columns: how many `schema_version` tables there are (0 or 1).
    pub count_version_tables: &'static str,
    /// Columns: the version, in the table's only row (none in a new database).
    pub select_version: &'static str,
    /// Parameters: the version the database is now at.
    pub set_version: &'static str,
}

impl Schema {
    /// The versions of the migrations, in order.
    pub fn versions(&self) -> Vec<i64> {
        self.migrations.iter().map(|m| m.version).collect()
    }
}

/// Brings the database up to the schema's version, or refuses one that is newer, inside
/// `transaction`, which it commits: all of it, or nothing.
pub async fn migrate<T: Transaction>(
    mut transaction: T,
    schema: &Schema,
) -> Result<(), StoreError> {
    transaction
        .execute(schema.create_version_table, Vec::new())
        .await?;
    let found = current_version(&mut transaction, schema).await?;
    if found > schema.version {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: schema.version,
        });
    }
    for migration in schema.migrations.iter().filter(|m| m.version > found) {
        tracing::info!(version = migration.version, "applying a schema migration");
        transaction.execute_script(migration.sql).await?;
        let version = vec![Param::Integer(migration.version)];
        transaction.execute(schema.set_version, version).await?;
    }
    transaction.commit().await
}

/// Refuses, changing nothing, a database that is not at the schema's version: for a start with
/// migrations disabled, where `stint migrate` is run on its own.
pub async fn verify<S: Session>(session: &mut S, schema: &Schema) -> Result<(), StoreError> {
    let tables = fetch_one(session, schema.count_version_tables, Vec::new())
        .await?
        .integer(0)?;
    let found = if tables == 0 {
        0
    } else {
        current_version(session, schema).await?
    };
    compare(found, schema.version)
}

/// The version the database is at; 0 for a new database.
async fn current_version<S: Session>(session: &mut S, schema: &Schema) -> Result<i64, StoreError> {
    match fetch_optional(session, schema.select_version, Vec::new()).await? {
        Some(row) => row.integer(0),
        None => Ok(0),
    }
}

/// Refuses a database at `found` that is not at `supported`.
fn compare(found: i64, supported: i64) -> Result<(), StoreError> {
    match found.cmp(&supported) {
        Ordering::Equal => Ok(()),
        Ordering::Greater => Err(StoreError::SchemaTooNew { found, supported }),
        Ordering::Less => Err(StoreError::SchemaTooOld {
            found,
            needed: supported,
        }),
    }
}

/// The versions a schema at `supported` must have been built by: consecutive from 1.
pub fn consecutive_versions(supported: i64) -> Vec<i64> {
    (1..=supported).collect()
}
