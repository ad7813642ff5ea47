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

/// Starts `stint serve --no-migrate` on an ephemeral port; returns the exit status if it stopped
/// on its own, or `None` once it says it is serving (it is then killed).
fn serve_without_migrating(database: &str) -> (Option<std::process::ExitStatus>, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(["serve", "--no-migrate", "--listen", "127.0.0.1:0"])
        .args(["--database", database])
        .env_remove("STINT_DATABASE_URL")
        .env("STINT_ADMIN_PASSWORD", "admin-password-1")
        .env("STINT_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.contains("Stint is serving") {
            child.kill().unwrap();
            child.wait().unwrap();
            return (None, said);
        }
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (Some(status), said + &stderr)
}

#[common::both_backends]
async fn serve_with_no_migrate_refuses_an_unmigrated_database_and_serves_a_migrated_one() {
    let database = Database::fresh().await;
    let url = database.url().to_string();

    let (stopped, said) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || serve_without_migrating(&url)
    })
    .await
    .unwrap();
    assert!(
        stopped.is_some_and(|status| !status.success()),
        "an unmigrated database is refused: {said}"
    );
    assert!(said.contains("run `stint migrate`"), "{said}");

    assert!(migrate(&url).status.success());
    let (stopped, said) = tokio::task::spawn_blocking(move || serve_without_migrating(&url))
        .await
        .unwrap();
    assert!(stopped.is_none(), "a migrated database is served: {said}");
}
