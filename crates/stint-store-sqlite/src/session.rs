//! The sqlx glue through which the shared SQL code ([`stint_store::sql`]) runs on SQLite.

use crate::error::from_sqlx;

stint_store::sqlx_session!(
    sqlx::Sqlite,
    sqlx::SqliteConnection,
    sqlx::sqlite::SqliteRow,
    from_sqlx
);
