//! The sqlx glue through which the shared SQL code ([`stint_store::sql`]) runs on PostgreSQL.

use crate::error::from_sqlx;

stint_store::sqlx_session!(
    sqlx::Postgres,
    sqlx::PgConnection,
    sqlx::postgres::PgRow,
    from_sqlx
);
