//! SQLite's schema migrations, and how they run: every newer migration in one
//! `BEGIN IMMEDIATE` transaction, so two processes opening the same file at once cannot both
//! migrate. The bookkeeping is shared with the PostgreSQL adapter ([`stint_store::sql::schema`]).

use sqlx::SqlitePool;
use stint_store::sql::schema::{self, Migration, SchemaStatements};
use stint_store::StoreError;

use crate::error::from_sqlx;
use crate::session::Session;

/// Every migration, oldest first; versions are consecutive from 1.
const MIGRATIONS: &[Migration] = &[
    Migration::new(1, include_str!("../migrations/0001_initial.sql")),
    Migration::new(2, include_str!("../migrations/0002_role_requests.sql")),
];

/// The schema version this code writes and understands.
pub const SCHEMA_VERSION: i64 = 2;

#[test]
fn migration_versions_are_consecutive_and_end_at_the_schema_version() {
    let expected = schema::consecutive_versions(SCHEMA_VERSION);
    assert_eq!(schema::versions(MIGRATIONS), expected);
}

const STATEMENTS: SchemaStatements = SchemaStatements {
    create_version_table: "CREATE TABLE IF NOT EXISTS schema_version (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version   INTEGER NOT NULL
)",
    select_version: "SELECT version FROM schema_version",
    set_version: "INSERT INTO schema_version (singleton, version) VALUES (1, ?)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
};

/// Brings the database up to [`SCHEMA_VERSION`], or refuses one that is newer.
pub(crate) async fn run(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut transaction = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(from_sqlx)?;
    let mut session = Session(&mut *transaction);
    schema::migrate(&mut session, &STATEMENTS, MIGRATIONS, SCHEMA_VERSION).await?;
    transaction.commit().await.map_err(from_sqlx)
}

/// Refuses, changing nothing, a database that is not at [`SCHEMA_VERSION`].
pub(crate) async fn verify(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut connection = pool.acquire().await.map_err(from_sqlx)?;
    let versioned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
    )
    .fetch_one(&mut *connection)
    .await
    .map_err(from_sqlx)?;
    let found = if versioned == 0 {
        0
    } else {
        schema::current_version(&mut Session(&mut *connection), &STATEMENTS).await?
    };
    schema::compare(found, SCHEMA_VERSION)
}
