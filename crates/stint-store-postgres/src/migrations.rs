//! PostgreSQL's schema migrations, and how they run: every newer migration in one transaction
//! that first takes a transaction-scoped advisory lock, so two nodes opening the same database at
//! once migrate it once, one after the other; PostgreSQL's DDL is transactional, so a failed
//! migration leaves the database as it was. The versions mirror the SQLite adapter's: version N
//! is the same logical schema. The bookkeeping is shared with it ([`stint_store::sql::schema`]).

use sqlx::PgPool;
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

/// The advisory lock that migrations hold: the bytes of "STINTMIG". Advisory locks are scoped to
/// the database, so Stints on other databases of the same server do not wait for each other.
const MIGRATION_LOCK: i64 = 0x5354_494E_544D_4947;

const STATEMENTS: SchemaStatements = SchemaStatements {
    create_version_table: "CREATE TABLE IF NOT EXISTS schema_version (
    singleton integer PRIMARY KEY CHECK (singleton = 1),
    version   bigint  NOT NULL
)",
    select_version: "SELECT version FROM schema_version",
    set_version: "INSERT INTO schema_version (singleton, version) VALUES (1, $1)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
};

/// Brings the database up to [`SCHEMA_VERSION`], or refuses one that is newer.
pub(crate) async fn run(pool: &PgPool) -> Result<(), StoreError> {
    let mut transaction = pool.begin().await.map_err(from_sqlx)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *transaction)
        .await
        .map_err(from_sqlx)?;
    let mut session = Session(&mut *transaction);
    schema::migrate(&mut session, &STATEMENTS, MIGRATIONS, SCHEMA_VERSION).await?;
    transaction.commit().await.map_err(from_sqlx)
}

/// Refuses, changing nothing, a database that is not at [`SCHEMA_VERSION`].
pub(crate) async fn verify(pool: &PgPool) -> Result<(), StoreError> {
    let mut connection = pool.acquire().await.map_err(from_sqlx)?;
    let versioned: bool = sqlx::query_scalar("SELECT to_regclass('schema_version') IS NOT NULL")
        .fetch_one(&mut *connection)
        .await
        .map_err(from_sqlx)?;
    let found = if versioned {
        schema::current_version(&mut Session(&mut *connection), &STATEMENTS).await?
    } else {
        0
    };
    schema::compare(found, SCHEMA_VERSION)
}
