//! Fresh databases for tests (feature `testing`): each test gets a database of its own on the
//! server named by `STINT_TEST_POSTGRES_URL`, dropped (with `FORCE`) when the test lets go of it,
//! even if the test failed.

use std::io::Write as _;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::PostgresStore;

/// The variable naming the PostgreSQL server's maintenance database for tests.
pub const URL_VARIABLE: &str = "STINT_TEST_POSTGRES_URL";

/// The configured server's URL, or `None` where the variable is unset or empty.
pub fn server_url() -> Option<String> {
    std::env::var(URL_VARIABLE)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// Whether the PostgreSQL tests can run. Where they cannot, prints one `SKIPPED` line past the
/// test harness's output capture, so that it shows in every run.
pub fn available_or_say_skipped() -> bool {
    if server_url().is_some() {
        return true;
    }
    let current = std::thread::current();
    let test = current.name().unwrap_or("a PostgreSQL test");
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (set {URL_VARIABLE}): {test} needs PostgreSQL"
    );
    false
}

/// A database of its own for one test, dropped when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL of the server's maintenance database, where databases are created and dropped.
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates `stint_test_<random>` on the configured server; `None` (after saying so) where
    /// none is configured. Panics if the server is configured but unreachable.
    pub async fn create() -> Option<TestDatabase> {
        if !available_or_say_skipped() {
            return None;
        }
        let admin_url = server_url()?;
        let name = format!("stint_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| panic!("{URL_VARIABLE} is set but unreachable: {error}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("the test database {name} is not created: {error}"));
        let _ = admin.close().await;
        let url = PgConnectOptions::from_str(&admin_url)
            .unwrap_or_else(|error| panic!("{URL_VARIABLE} does not parse: {error}"))
            .database(&name)
            .to_url_lossy()
            .to_string();
        Some(TestDatabase {
            admin_url,
            name,
            url,
        })
    }

    /// The database's URL, for a store or a `stint serve --database`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A store on the database (migrating it on first open). Panics if that fails.
    pub async fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.url)
            .await
            .unwrap_or_else(|error| panic!("the test database does not open: {error}"))
    }

    /// A plain connection, for what a test reads or breaks behind the store's back.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("the test database refuses a connection: {error}"))
    }
}

impl Drop for TestDatabase {
    /// Drops the database from a thread with a runtime of its own: the test's runtime may be the
    /// one running this, and may be shutting down.
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .map_err(|error| error.to_string())?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .map_err(|error| error.to_string())?;
                admin.close().await.map_err(|error| error.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop the test database {}: {error}", self.name),
            Err(_) => eprintln!("dropping the test database {} panicked", self.name),
        }
    }
}
