//! The PostgreSQL target against the real server named by `STINT_TEST_POSTGRES_URL` (CI sets
//! it): each test creates roles with a unique suffix and drops them at the end, even if it
//! failed. Where the variable is unset, one loud `SKIPPED` line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use sqlx::{Connection, PgConnection};
use stint_connectors::postgres::{PostgresConfig, PostgresTarget};
use stint_connectors::{sync_link, AnyTarget, Link, Member, Mode, Target, TargetValue};
use support::{member, scenarios, TestClock};
use uuid::Uuid;

const VARIABLE: &str = "STINT_TEST_POSTGRES_URL";

fn server_url(test: &str) -> Option<String> {
    support::enabled(VARIABLE, test, "PostgreSQL").then(|| std::env::var(VARIABLE).unwrap())
}

/// Roles of one test: created with a unique suffix, dropped when this is dropped.
struct Roles {
    url: String,
    suffix: String,
    created: Vec<String>,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Roles {
    fn new(url: &str) -> Roles {
        Roles {
            url: url.to_string(),
            suffix: Uuid::new_v4().simple().to_string()[..10].to_string(),
            created: Vec::new(),
        }
    }

    /// The unique name of role `base` in this test.
    fn name(&self, base: &str) -> String {
        format!("{base}.{}", self.suffix)
    }

    /// A Stint user whose login role would be `name(base)`.
    fn member(&self, base: &str) -> Member {
        member(&self.name(base))
    }

    async fn execute(&self, sql: &str) {
        let mut connection = PgConnection::connect(&self.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut connection).await.unwrap();
        connection.close().await.unwrap();
    }

    async fn create(&mut self, base: &str, login: bool) -> String {
        let name = self.name(base);
        let kind = if login { "LOGIN" } else { "NOLOGIN" };
        self.execute(&format!("CREATE ROLE {} {kind}", quoted(&name)))
            .await;
        self.created.push(name.clone());
        name
    }

    async fn grant(&self, group: &str, login: &str) {
        self.execute(&format!("GRANT {} TO {}", quoted(group), quoted(login)))
            .await;
    }

    /// The members of `group`, as `pg_auth_members` says, sorted.
    async fn members(&self, group: &str) -> Vec<String> {
        let mut connection = PgConnection::connect(&self.url).await.unwrap();
        let mut members: Vec<String> = sqlx::query_scalar(
            "SELECT m.rolname::text FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid \
             JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = $1",
        )
        .bind(group)
        .fetch_all(&mut connection)
        .await
        .unwrap();
        members.sort();
        members
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        let (url, created) = (self.url.clone(), self.created.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&url).await?;
                for role in created.iter().rev() {
                    sqlx::raw_sql(&format!("DROP ROLE IF EXISTS {}", quoted(role)))
                        .execute(&mut connection)
                        .await?;
                }
                connection.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test roles {:?}", self.created);
        }
    }
}

fn target(url: &str) -> AnyTarget {
    AnyTarget::Postgres(PostgresTarget::new(PostgresConfig::new(url)).unwrap())
}

fn sorted(values: &[&str]) -> Vec<String> {
    let mut values: Vec<String> = values.iter().map(|value| value.to_string()).collect();
    values.sort();
    values
}

#[tokio::test]
async fn a_granted_login_appears_and_a_revoked_one_disappears_confirmed_by_read_back() {
    let Some(url) = server_url("postgres: grant and revoke, confirmed") else {
        return;
    };
    let mut roles = Roles::new(&url);
    let group = roles.create("db_admins", false).await;
    let alice = roles.create("alice", true).await;
    // A quote in a role name stays inside the identifier.
    let obrien = roles.create("o\"brien", true).await;
    scenarios::add_then_end(
        &target(&url),
        &Link::new(group.as_str()),
        (&roles.member("alice"), &alice),
        (&roles.member("o\"brien"), &obrien),
        async || roles.members(&group).await,
    )
    .await;
}

#[tokio::test]
async fn drift_is_revoked_in_enforce_mode_and_only_reported_in_report_mode() {
    let Some(url) = server_url("postgres: drift") else {
        return;
    };
    let mut roles = Roles::new(&url);
    let group = roles.create("db_admins", false).await;
    let alice = roles.create("alice", true).await;
    let mallory = roles.create("mallory", true).await;
    scenarios::drift(
        &target(&url),
        &Link::new(group.as_str()),
        (&roles.member("alice"), &alice),
        &mallory,
        async || roles.grant(&group, &mallory).await,
        async || roles.members(&group).await,
    )
    .await;
}

#[tokio::test]
async fn a_missing_login_role_is_unresolved_and_a_batch_naming_it_fails_only_for_it() {
    let Some(url) = server_url("postgres: unresolved and partial batch") else {
        return;
    };
    let mut roles = Roles::new(&url);
    let group = roles.create("db_admins", false).await;
    let alice = roles.create("alice", true).await;
    let bob = roles.create("bob", true).await;
    let target = target(&url);
    let link = Link::new(group.as_str());
    let observe = async || roles.members(&group).await;
    let stint_alice = roles.member("alice");
    scenarios::unresolved(
        &target,
        &link,
        (&stint_alice, &alice),
        &roles.member("zoe"),
        observe,
    )
    .await;
    target
        .remove(&link, &[TargetValue::new(alice.as_str())])
        .await
        .unwrap();
    // One GRANT naming a role that does not exist fails as a whole; split, only it fails.
    let ghost = roles.name("ghost");
    scenarios::partial_batch(&target, &link, [&bob, &alice], &ghost, observe).await;
}

#[tokio::test]
async fn a_lost_connection_is_taken_up_again_and_an_unreachable_server_is_transient() {
    let Some(url) = server_url("postgres: connection lost and back") else {
        return;
    };
    let mut roles = Roles::new(&url);
    let group = roles.create("db_admins", false).await;
    let alice = roles.create("alice", true).await;
    let bob = roles.create("bob", true).await;
    let application = format!("stint_test_{}", roles.suffix);
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = target(&format!("{url}{separator}application_name={application}"));
    let clock = TestClock::new();
    let now = || clock.now();
    let link = Link::new(group.as_str());
    let first = sync_link(
        &target,
        &link,
        &[roles.member("alice")],
        &BTreeSet::new(),
        Mode::Enforce,
        &now,
    )
    .await
    .unwrap();
    roles
        .execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{application}'"
        ))
        .await;
    let wanted = [roles.member("alice"), roles.member("bob")];
    let report = match sync_link(&target, &link, &wanted, &first.pushed, Mode::Enforce, &now).await
    {
        Ok(report) => report,
        // A connection found dead mid-use is transient; the retry connects again.
        Err(error) if error.is_transient() => {
            sync_link(&target, &link, &wanted, &first.pushed, Mode::Enforce, &now)
                .await
                .unwrap()
        }
        Err(error) => panic!("{error}"),
    };
    assert_eq!(
        report.added,
        [TargetValue::new(bob.as_str())],
        "{report:#?}"
    );
    assert_eq!(roles.members(&group).await, sorted(&[&alice, &bob]));

    let port = stint_testkit::free_port();
    let mut config = PostgresConfig::new(format!(
        "postgres://postgres:pw-4711@127.0.0.1:{port}/postgres"
    ));
    config.timeout = std::time::Duration::from_secs(2);
    let unreachable = PostgresTarget::new(config).unwrap();
    let error = unreachable.health().await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    assert!(!error.to_string().contains("pw-4711"));
}

#[tokio::test]
async fn a_missing_group_role_is_a_permanent_error() {
    let Some(url) = server_url("postgres: missing group") else {
        return;
    };
    let roles = Roles::new(&url);
    let target = target(&url);
    assert!(target.health().await.is_ok());
    let error = target
        .read_members(&Link::new(roles.name("nope")))
        .await
        .unwrap_err();
    assert!(!error.is_transient(), "{error}");
    assert!(error.message().contains("no such group role"), "{error}");
}
