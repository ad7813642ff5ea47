//! Where the database is and how the pool of connections to it is set up.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use stint_store::sql::multi_row::PREPARED_STATEMENTS;
use stint_store::StoreError;

use crate::error::from_sqlx;

/// Connections per node: readers run in parallel; writers queue on the revision row's lock.
const MAX_CONNECTIONS: u32 = 10;

/// How long a call waits for a free connection before giving up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server shows in `pg_stat_activity` unless the URL names something else.
const APPLICATION_NAME: &str = "stint";

/// Opens a pool on a `postgres://` (or `postgresql://`) URL, with at least one live connection.
pub(crate) async fn pool(url: &str) -> Result<PgPool, StoreError> {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options(url)?)
        .await
        .map_err(from_sqlx)
}

fn options(url: &str) -> Result<PgConnectOptions, StoreError> {
    let url = url.trim();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::Backend(
            "not a PostgreSQL URL: expected postgres://USER@HOST:PORT/DATABASE".to_owned(),
        ));
    }
    // The URL may hold a password: the error names what is wrong, never the URL itself.
    let options = PgConnectOptions::from_str(url)
        .map_err(|error| StoreError::Backend(format!("the PostgreSQL URL is malformed: {error}")))?
        .statement_cache_capacity(PREPARED_STATEMENTS);
    if options.get_application_name().is_some() {
        Ok(options)
    } else {
        Ok(options.application_name(APPLICATION_NAME))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_url_schemes_name_the_same_database() {
        let short = options("postgres://stint@db.example:6543/stint").unwrap();
        let long = options("postgresql://stint@db.example:6543/stint").unwrap();
        for parsed in [short, long] {
            assert_eq!(parsed.get_host(), "db.example");
            assert_eq!(parsed.get_port(), 6543);
            assert_eq!(parsed.get_username(), "stint");
            assert_eq!(parsed.get_database(), Some("stint"));
            assert_eq!(parsed.get_application_name(), Some("stint"));
        }
    }

    #[test]
    fn an_application_name_in_the_url_is_kept() {
        let parsed = options("postgres://stint@localhost/stint?application_name=node-a").unwrap();
        assert_eq!(parsed.get_application_name(), Some("node-a"));
    }

    #[test]
    fn other_locations_are_refused() {
        for url in [
            "sqlite://stint.db",
            "stint.db",
            "",
            "mysql://localhost/stint",
        ] {
            assert!(matches!(options(url), Err(StoreError::Backend(_))), "{url}");
        }
    }
}
