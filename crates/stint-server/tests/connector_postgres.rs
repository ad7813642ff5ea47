//! Issue 18 end to end against the PostgreSQL server of `STINT_TEST_POSTGRES_URL` (C2, C3, V7),
//! through the shared scenario of `connector_kit`: a Stint group linked to a role grants it to
//! the login roles of its effective members — nested groups flattened — on activation, revokes it
//! on deactivation and at the end instant with the removal confirmed, revokes a grant made by
//! hand and audits it, and loses nothing while Stint's role may not log in. Each test makes its
//! roles with a unique suffix and drops them at the end, even when it failed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod connector_kit;

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use common::TestServer;
use connector_kit::{scenario, Probe};

const VARIABLE: &str = "STINT_TEST_POSTGRES_URL";
const USERS: [&str; 4] = ["alice", "bob", "carol", "mallory"];

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The roles of one test: `ops.SUFFIX` (the linked role), a login role `NAME.SUFFIX` per user,
/// and `stint_SUFFIX`, the superuser Stint connects as. Dropped when this is dropped.
struct PostgresProbe {
    url: String,
    suffix: String,
}

impl PostgresProbe {
    async fn start(url: String) -> PostgresProbe {
        let probe = PostgresProbe {
            url,
            suffix: Uuid::new_v4().simple().to_string()[..10].to_owned(),
        };
        let mut sql = format!(
            "CREATE ROLE {} NOLOGIN; CREATE ROLE {} LOGIN SUPERUSER;",
            quoted(&probe.role("ops")),
            quoted(&probe.stint())
        );
        for user in USERS {
            sql.push_str(&format!("CREATE ROLE {} LOGIN;", quoted(&probe.role(user))));
        }
        probe.execute(&sql).await;
        probe
    }

    fn role(&self, base: &str) -> String {
        format!("{base}.{}", self.suffix)
    }

    fn stint(&self) -> String {
        format!("stint_{}", self.suffix)
    }

    async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.unwrap()
    }

    async fn execute(&self, sql: &str) {
        let mut connection = self.connect().await;
        sqlx::raw_sql(sql).execute(&mut connection).await.unwrap();
        connection.close().await.unwrap();
    }

    /// Stint's URL: this server, as `stint_SUFFIX`.
    fn stint_url(&self) -> String {
        let mut url = url::Url::parse(&self.url).unwrap();
        url.set_username(&self.stint()).unwrap();
        url.to_string()
    }
}

impl Drop for PostgresProbe {
    fn drop(&mut self) {
        let mut roles: Vec<String> = USERS.iter().map(|user| self.role(user)).collect();
        roles.extend([self.role("ops"), self.stint()]);
        let sql = (roles.iter())
            .map(|role| format!("DROP ROLE IF EXISTS {};", quoted(role)))
            .collect::<String>();
        let url = self.url.clone();
        // Drop runs inside the test's runtime: the cleanup gets a thread and a runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut connection) = PgConnection::connect(&url).await {
                    let _ = sqlx::raw_sql(&sql).execute(&mut connection).await;
                }
            });
        })
        .join();
    }
}

impl Probe for PostgresProbe {
    fn connector(&self) -> Value {
        json!({
            "displayName": "Test PostgreSQL", "type": "postgres", "url": self.stint_url(),
            "loginRole": format!("{{userPrincipalName}}.{}", self.suffix),
        })
    }

    fn link(&self, group: &str) -> Value {
        json!({ "groupId": group, "target": self.role("ops") })
    }

    fn secret(&self) -> Option<String> {
        None
    }

    /// The members of `ops.SUFFIX` as `pg_auth_members` says, without the suffix.
    async fn people(&self) -> Vec<String> {
        let mut connection = self.connect().await;
        let members: Vec<String> = sqlx::query_scalar(
            "SELECT m.rolname::text FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid \
             JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = $1",
        )
        .bind(self.role("ops"))
        .fetch_all(&mut connection)
        .await
        .unwrap();
        connection.close().await.unwrap();
        let tail = format!(".{}", self.suffix);
        let mut names: Vec<String> = (members.iter())
            .map(|role| role.strip_suffix(&tail).unwrap_or(role).to_owned())
            .collect();
        names.sort();
        names
    }

    async fn add_by_hand(&self, name: &str) -> String {
        let login = self.role(name);
        let sql = format!("GRANT {} TO {}", quoted(&self.role("ops")), quoted(&login));
        self.execute(&sql).await;
        login
    }

    /// Stint's role may no longer log in, and its sessions are ended.
    async fn stop(&mut self) {
        let stint = self.stint();
        self.execute(&format!(
            "ALTER ROLE {} NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{stint}';",
            quoted(&stint)
        ))
        .await;
    }

    async fn resume(&mut self) {
        self.execute(&format!("ALTER ROLE {} LOGIN", quoted(&self.stint())))
            .await;
    }
}

#[common::both_backends]
async fn c2_c3_v7_a_linked_postgres_role_follows_effective_membership_and_proves_removals() {
    if !connector_kit::enabled(VARIABLE, "connector_postgres", "PostgreSQL") {
        return;
    }
    let mut probe = PostgresProbe::start(std::env::var(VARIABLE).unwrap()).await;
    let server = TestServer::start().await;
    let linked = scenario(&server, &mut probe).await;
    assert_eq!(linked.first_drift, 0, "the role had no members");
}
