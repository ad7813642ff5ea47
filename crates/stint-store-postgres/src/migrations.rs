//! PostgreSQL's schema and how its migrations run: every newer migration in one transaction that
//! first takes a transaction-scoped advisory lock, so two nodes opening the same database at once
//! migrate it once, one after the other; PostgreSQL's DDL is transactional, so a failed
//! migration leaves the database as it was. The versions mirror the SQLite adapter's: version N
//! is the same logical schema. The bookkeeping is shared with it ([`stint_store::sql::schema`]).

use sqlx::PgPool;
use stint_store::sql::schema::{self, Migration, Schema};
use stint_store::sql::{Param, Session as _};
use stint_store::StoreError;

use crate::error::from_sqlx;
use crate::session::Session;

/// The schema version this code writes and understands.
pub const SCHEMA_VERSION: i64 = 6;

/// The advisory lock that migrations hold: the bytes of "STINTMIG". Advisory locks are scoped to
/// the database, so Stints on other databases of the same server do not wait for each other.
const MIGRATION_LOCK: i64 = 0x5354_494E_544D_4947;

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
    singleton integer PRIMARY KEY CHECK (singleton = 1),
    version   bigint  NOT NULL
)",
    // `count` of the one `to_regclass`, which is NULL where the table is missing.
    count_version_tables: "SELECT count(to_regclass('schema_version'))",
    select_version: "SELECT version FROM schema_version",
    set_version: "INSERT INTO schema_version (singleton, version) VALUES (1, $1)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
};

/// Brings the database up to [`SCHEMA_VERSION`], or refuses one that is newer.
pub(crate) async fn run(pool: &PgPool) -> Result<(), StoreError> {
    let mut transaction = Session(pool.begin().await.map_err(from_sqlx)?);
    let lock = vec![Param::Integer(MIGRATION_LOCK)];
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", lock)
        .await?;
    schema::migrate(transaction, &SCHEMA).await
}

/// Refuses, changing nothing, a database that is not at [`SCHEMA_VERSION`].
pub(crate) async fn verify(pool: &PgPool) -> Result<(), StoreError> {
    let connection = pool.acquire().await.map_err(from_sqlx)?;
    schema::verify(&mut Session(connection), &SCHEMA).await
}

#[test]
fn migration_versions_are_consecutive_and_end_at_the_schema_version() {
    let expected = schema::consecutive_versions(SCHEMA_VERSION);
    assert_eq!(SCHEMA.versions(), expected);
}
