//! `#[common::both_backends]` for the application's tests: each runs once on an in-memory SQLite
//! store and once on a fresh PostgreSQL database of its own ([`Backend::fresh_store`]).
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use stint_app::{App, AppConfig, CallMeta, ManualClock, Password, Session};
use stint_store::Store;
use stint_store_postgres::testing::{self, TestDatabase};
use stint_store_sqlite::SqliteStore;

pub use stint_test_macros::both_backends;

/// The store a test runs on; chosen by `#[both_backends]`, SQLite elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    static BACKEND: Backend;
}

/// What must live as long as a fresh store: its PostgreSQL database, dropped with this.
pub type Keep = Option<TestDatabase>;

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

    /// A fresh, empty store on the current test's backend, and what must outlive it.
    pub async fn fresh_store() -> (Arc<dyn Store>, Keep) {
        match Backend::current() {
            Backend::Sqlite => (
                Arc::new(SqliteStore::open("sqlite::memory:").await.unwrap()),
                None,
            ),
            Backend::Postgres => {
                let database = TestDatabase::create()
                    .await
                    .expect("PostgreSQL is configured for a postgres test");
                (Arc::new(database.open().await), Some(database))
            }
        }
    }
}

/// The administrator's password of [`bootstrapped`] apps.
pub const ADMIN_PASSWORD: &str = "admin-password";

/// An app with `config` on a fresh store of the test's backend, its clock at 2026-03-02 09:00,
/// bootstrapped with [`ADMIN_PASSWORD`]; the store; what must outlive both.
pub async fn bootstrapped(config: AppConfig) -> (App, Arc<dyn Store>, Keep) {
    let (store, keep) = Backend::fresh_store().await;
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
    let app = App::open(store.clone(), Arc::new(clock), config)
        .await
        .unwrap();
    app.bootstrap(Some(Password::new(ADMIN_PASSWORD)))
        .await
        .unwrap();
    (app, store, keep)
}

/// A session of the administrator of a [`bootstrapped`] app.
pub async fn admin_session(app: &App) -> Session {
    let password = Password::new(ADMIN_PASSWORD);
    let issued = app
        .sign_in("admin", password, &CallMeta::default())
        .await
        .unwrap();
    app.authenticate(&issued.token).unwrap()
}
