//! `stint migrate`: migrates a database and prints its schema version; refuses a database from a
//! newer Stint with exit code 1 and leaves it as it was.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use sqlx::Connection;

fn migrate(database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(["migrate", "--database", database])
        .env_remove("STINT_DATABASE_URL")
        .output()
        .unwrap()
}

#[tokio::test]
async fn migrate_reports_the_schema_version_and_refuses_a_newer_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    let database = format!("sqlite://{}", path.display());
    let version = stint_store_sqlite::SCHEMA_VERSION;

    for run in 0..2 {
        let migrated = migrate(&database);
        let stdout = String::from_utf8_lossy(&migrated.stdout);
        assert!(migrated.status.success(), "run {run}: {migrated:?}");
        assert!(
            stdout.contains(&format!("schema version {version}")),
            "{stdout}"
        );
    }

    let mut connection = sqlx::SqliteConnection::connect(&database).await.unwrap();
    sqlx::query("UPDATE schema_version SET version = ?")
        .bind(version + 1)
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();

    let refused = migrate(&database);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(stderr.contains("newer Stint"), "{stderr}");
    assert!(
        stderr.contains(&format!("version {}", version + 1)),
        "{stderr}"
    );

    let mut connection = sqlx::SqliteConnection::connect(&database).await.unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT version FROM schema_version")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(kept, version + 1, "the refused database is left as it was");
}
