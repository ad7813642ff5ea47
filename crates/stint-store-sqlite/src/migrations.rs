//! SQLite's schema and how its migrations run: every newer migration in one `BEGIN IMMEDIATE`
//! transaction, so two processes opening the same file at once cannot both migrate. The
//! bookkeeping is shared with the PostgreSQL adapter ([`stint_store::sql::schema`]).

use sqlx::SqlitePool;
use stint_store::sql::schema::{self, Migration, Schema};
use stint_store::StoreError;

use crate::error::from_sqlx;
use crate::session::Session;

/// The schema version this code writes and understands.
pub const SCHEMA_VERSION: i64 = 6;

const SCHEMA: Schema = Schema {
    version: SCHEMA_VERSION,
    migrations: &[
        Migration::new(1, include_str!("../migrations/0001_initial.sql")),
        Migration::new(2, include_str!("../migrations/0002_role_requests.sql")),
        Migration::new(3, include_str!("../migrations/0003_outbox.sql")),
        Migration::new(4, include_str!("../migrations/0004_connectors.sql")),
        Migration::new(5, include_str!("../migrations/0005_scim.sql")),
        Migration::new(6, include_str!("../migrations/0006_connector_progress.sql")),
    ],
    create_version_table: "CREATE TABLE IF NOT EXISTS schema_version (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version   INTEGER NOT NULL
)",
    count_version_tables:
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
    select_version: "SELECT version FROM schema_version",
    set_version: "INSERT INTO schema_version (singleton, version) VALUES (1, ?)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
};

/// Brings the database up to [`SCHEMA_VERSION`], or refuses one that is newer.
pub(crate) async fn run(pool: &SqlitePool) -> Result<(), StoreError> {
    let transaction = pool.begin_with("BEGIN IMMEDIATE").await;
    schema::migrate(Session(transaction.map_err(from_sqlx)?), &SCHEMA).await
}

/// Refuses, changing nothing, a database that is not at [`SCHEMA_VERSION`].
pub(crate) async fn verify(pool: &SqlitePool) -> Result<(), StoreError> {
    let connection = pool.acquire().await.map_err(from_sqlx)?;
    schema::verify(&mut Session(connection), &SCHEMA).await
}

#[test]
fn migration_versions_are_consecutive_and_end_at_the_schema_version() {
    let expected = schema::consecutive_versions(SCHEMA_VERSION);
    assert_eq!(SCHEMA.versions(), expected);
}
