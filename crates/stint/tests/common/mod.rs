//! What the binary's tests share: `#[common::both_backends]`, which runs a test once on SQLite and
//! once on PostgreSQL, and [`Database`], the fresh database a `stint serve` or `stint migrate`
//! under test gets with `--database` on the test's [`Backend`].
//!
//! ```ignore
//! mod common;
//! #[common::both_backends]
//! async fn i5_example() {
//! let database = common::Database::fresh().await;
//! // stint serve --database database.url()
//! }
//! ```
#![allow(dead_code, clippy::unwrap_used)]

pub mod node;

use std::path::PathBuf;

use stint_store_postgres::testing::{self, TestDatabase};

#[allow(unused_imports)] // a test file with no test on both backends
pub use stint_test_macros::both_backends;

/// The store backend of a test's database; chosen by `#[both_backends]`, SQLite elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    static BACKEND: Backend;
}

impl Backend {
    /// The backend of the test running on this task.
    pub fn current() -> Backend {
        BACKEND
            .try_with(|backend| *backend)
            .unwrap_or(Backend::Sqlite)
    }

    /// Runs a test's body with this backend. Where PostgreSQL is not configured, its run says
    /// `SKIPPED` and passes; `.ci/run` configures it, so nothing is skipped there.
    pub async fn run<T: Default>(self, body: impl std::future::Future<Output = T>) -> T {
        if self == Backend::Postgres && !testing::available_or_say_skipped() {
            return T::default();
        }
        BACKEND.scope(self, body).await
    }
}

/// A fresh database for one test: a SQLite file in a temporary directory, or a PostgreSQL
/// database of its own, dropped with this.
#[derive(Debug)]
pub enum Database {
    Sqlite {
        url: String,
        path: PathBuf,
        _directory: tempfile::TempDir,
    },
    Postgres(TestDatabase),
}

impl Database {
    /// A fresh database on the current test's [`Backend`].
    pub async fn fresh() -> Database {
        match Backend::current() {
            Backend::Sqlite => {
                let directory = tempfile::tempdir().unwrap();
                let path = directory.path().join("stint.db");
                Database::Sqlite {
                    url: format!("sqlite://{}", path.display()),
                    path,
                    _directory: directory,
                }
            }
            Backend::Postgres => Database::Postgres(
                TestDatabase::create()
                    .await
                    .expect("PostgreSQL is configured for a postgres test"),
            ),
        }
    }

    /// What `--database` takes.
    pub fn url(&self) -> &str {
        match self {
            Database::Sqlite { url, .. } => url,
            Database::Postgres(database) => database.url(),
        }
    }

    /// The SQLite file, for the plain-path form of `--database`; `None` on PostgreSQL.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            Database::Sqlite { path, .. } => Some(path),
            Database::Postgres(_) => None,
        }
    }
}

/// Runs a synchronous part of a test (blocking HTTP clients, child processes) on a thread of its
/// own, outside the async runtime, and passes its panic on.
pub fn blocking<T: Send>(body: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(body).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}
