//! `stint migrate`: migrates a database and prints its schema version; refuses a database from a
//! newer Stint with exit code 1 and leaves it as it was. On SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Output};

use sqlx::Connection;

use common::Database;

fn migrate(database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(["migrate", "--database", database])
        .env_remove("STINT_DATABASE_URL")
        .output()
        .unwrap()
}

/// The schema version the backend's store migrates to.
fn schema_version(database: &Database) -> i64 {
    match database {
        Database::Sqlite { .. } => stint_store_sqlite::SCHEMA_VERSION,
        Database::Postgres(_) => stint_store_postgres::SCHEMA_VERSION,
    }
}

/// Sets the version recorded in the database behind Stint's back.
async fn set_version(database: &Database, version: i64) {
    match database {
        Database::Sqlite { url, .. } => {
            let mut connection = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query("UPDATE schema_version SET version = ?")
                .bind(version)
                .execute(&mut connection)
                .await
                .unwrap();
            connection.close().await.unwrap();
        }
        Database::Postgres(database) => {
            let mut connection = database.connect().await;
            sqlx::query("UPDATE schema_version SET version = $1")
                .bind(version)
                .execute(&mut connection)
                .await
                .unwrap();
            connection.close().await.unwrap();
        }
    }
}

/// The version recorded in the database.
async fn recorded_version(database: &Database) -> i64 {
    let query = "SELECT version FROM schema_version";
    match database {
        Database::Sqlite { url, .. } => {
            let mut connection = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query_scalar(query)
                .fetch_one(&mut connection)
                .await
                .unwrap()
        }
        Database::Postgres(database) => {
            let mut connection = database.connect().await;
            sqlx::query_scalar(query)
                .fetch_one(&mut connection)
                .await
                .unwrap()
        }
    }
}

#[common::both_backends]
async fn migrate_reports_the_schema_version_and_refuses_a_newer_database() {
    let database = Database::fresh().await;
    let version = schema_version(&database);

    for run in 0..2 {
        let migrated = migrate(database.url());
        let stdout = String::from_utf8_lossy(&migrated.stdout);
        assert!(migrated.status.success(), "run {run}: {migrated:?}");
        assert!(
            stdout.contains(&format!("schema version {version}")),
            "{stdout}"
        );
        assert_eq!(recorded_version(&database).await, version, "run {run}");
    }

    set_version(&database, version + 1).await;

    let refused = migrate(database.url());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(stderr.contains("newer Stint"), "{stderr}");
    assert!(
        stderr.contains(&format!("version {}", version + 1)),
        "{stderr}"
    );
    assert_eq!(
        recorded_version(&database).await,
        version + 1,
        "the refused database is left as it was"
    );
}
