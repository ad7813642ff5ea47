//! Issue 18 (C2): a SIGKILL of `stint serve` while its connector worker pushes loses nothing, into
//! a real slapd, a real PostgreSQL server's roles and a real SCIM application (scim2-server). The
//! node links a group to the target group, gets all of its members pushed, then takes a burst of
//! removals and is killed right after acknowledging the last; started again on the same database,
//! it brings the target to exactly the wanted members, and every removal is audited as confirmed,
//! naming its user.
//!
//! What the design guarantees (docs/design/0015-connector-operations.md): confirmed removals are
//! audited **at least once**. A round commits its audit before it saves its progress, so a kill
//! between the two makes the next round find the value already gone and confirm it again (as
//! "found gone"); a kill before the audit commit loses no record either, for the same reason. A
//! second record for one removal is therefore possible, a missing one is not.
//! `STINT_TEST_LDAP=1`, `STINT_TEST_POSTGRES_URL` and `STINT_TEST_SCIM_SERVER=1` make them
//! mandatory; `.ci/run` sets all three.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../stint-connectors/tests/support/scim_server.rs"]
#[allow(dead_code)]
mod scim_server;
#[path = "../../stint-connectors/tests/support/slapd.rs"]
#[allow(dead_code)]
mod slapd;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use common::node::Node;
use scim_server::ScimServer;
use slapd::{group_dn, user_dn, Slapd};

const ADMIN_PASSWORD: &str = "connector-kill-admin-password";
/// Users linked through the group; the first [`REMOVED`] of them leave it in a burst.
const USERS: usize = 120;
const REMOVED: usize = 80;
/// Concurrent clients of the burst.
const CLIENTS: usize = 4;

/// Signed-in calls to one node.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn sign_in(node: &Node) -> Api {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let body = json!({ "username": "admin", "password": ADMIN_PASSWORD });
        let response = (http.post(format!("{}/stint/v1/auth/token", node.base)))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        Api {
            token: body["access_token"].as_str().unwrap().to_owned(),
            http,
            base: node.base.clone(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request =
            (self.http.request(method, format!("{}{path}", self.base))).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn created(&self, path: &str, body: Value) -> String {
        let (status, body) = self.call(Method::POST, path, Some(body)).await;
        assert_eq!(status, 201, "{path}: {body}");
        body["id"].as_str().unwrap().to_owned()
    }
}

fn name(n: usize) -> String {
    format!("k{n:03}")
}

fn member_ref(id: &str) -> Value {
    json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") })
}

/// Where the connector pushes: a real slapd's `cn=ops`, a PostgreSQL role `ops.SUFFIX` granted
/// to login roles `NAME.SUFFIX`, or the group `ops` of scim2-server.
enum Directory {
    Ldap(Slapd),
    Roles {
        url: String,
        suffix: String,
    },
    /// The server, its users' ids in user order, and the group's id.
    Scim {
        server: ScimServer,
        ids: Vec<String>,
        ops: String,
    },
}

impl Directory {
    async fn ldap() -> Directory {
        let slapd = Slapd::start();
        let mut ldif = String::new();
        for n in 0..USERS {
            ldif.push_str(&format!(
                "dn: {}\nobjectClass: inetOrgPerson\nuid: {n}\ncn: {n}\nsn: {n}\n\n",
                user_dn(&name(n)),
                n = name(n)
            ));
        }
        slapd.load(&ldif);
        Directory::Ldap(slapd)
    }

    /// `None` without `STINT_TEST_POSTGRES_URL`.
    async fn roles() -> Option<Directory> {
        let url = std::env::var("STINT_TEST_POSTGRES_URL").ok()?;
        let suffix = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
        let directory = Directory::Roles { url, suffix };
        let logins = (0..USERS).map(|n| format!("CREATE ROLE \"{}\" LOGIN", directory.value(n)));
        let group = format!("CREATE ROLE \"{}\" NOLOGIN", directory.target());
        directory
            .execute(
                &[group]
                    .into_iter()
                    .chain(logins)
                    .collect::<Vec<_>>()
                    .join(";"),
            )
            .await;
        Some(directory)
    }

    async fn scim() -> Directory {
        let server = ScimServer::start();
        let mut ids = Vec::new();
        for n in 0..USERS {
            ids.push(server.create_user(&name(n)).await);
        }
        let ops = server.create_group("ops").await;
        Directory::Scim { server, ids, ops }
    }

    async fn execute(&self, sql: &str) {
        use sqlx::Connection as _;
        let Directory::Roles { url, .. } = self else {
            return;
        };
        let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut connection).await.unwrap();
        connection.close().await.unwrap();
    }

    fn connector(&self) -> Value {
        match self {
            Directory::Ldap(slapd) => json!({
                "displayName": "Test slapd", "type": "ldap", "url": slapd.url(),
                "bindDn": slapd::ROOT_DN, "bindPassword": slapd::ROOT_PASSWORD,
                "baseDn": slapd::SUFFIX, "userFilter": "(uid={userPrincipalName})",
            }),
            Directory::Roles { url, suffix } => json!({
                "displayName": "Test PostgreSQL", "type": "postgres", "url": url,
                "loginRole": format!("{{userPrincipalName}}.{suffix}"),
            }),
            Directory::Scim { server, .. } => json!({
                "displayName": "Test SCIM app", "type": "scim", "url": server.url(),
                "token": server.token,
            }),
        }
    }

    /// The linked group in the target.
    fn target(&self) -> String {
        match self {
            Directory::Ldap(_) => group_dn("ops"),
            Directory::Roles { suffix, .. } => format!("ops.{suffix}"),
            Directory::Scim { .. } => "ops".to_owned(),
        }
    }

    /// User `n` as the target names it (lowercase, as the tests compare audit messages).
    fn value(&self, n: usize) -> String {
        match self {
            Directory::Ldap(_) => user_dn(&name(n)),
            Directory::Roles { suffix, .. } => format!("{}.{suffix}", name(n)),
            Directory::Scim { ids, .. } => ids[n].clone(),
        }
    }

    /// The users in the linked group, by name, without the placeholders.
    async fn people(&self) -> BTreeSet<String> {
        let values: Vec<String> = match self {
            Directory::Ldap(slapd) => slapd.values(&group_dn("ops"), "member"),
            Directory::Roles { url, .. } => {
                use sqlx::Connection as _;
                let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
                let members = sqlx::query_scalar(
                    "SELECT m.rolname::text FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid \
                     JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = $1",
                )
                .bind(self.target())
                .fetch_all(&mut connection)
                .await
                .unwrap();
                connection.close().await.unwrap();
                members
            }
            Directory::Scim { server, ops, .. } => server.members(ops).await,
        };
        (0..USERS)
            .filter(|n| values.contains(&self.value(*n)))
            .map(name)
            .collect()
    }
}

impl Drop for Directory {
    fn drop(&mut self) {
        let Directory::Roles { url, .. } = &*self else {
            return;
        };
        let mut roles: Vec<String> = (0..USERS).map(|n| self.value(n)).collect();
        roles.push(self.target());
        let sql: Vec<String> = (roles.iter())
            .map(|role| format!("DROP ROLE IF EXISTS \"{role}\""))
            .collect();
        let (url, sql) = (url.clone(), sql.join(";"));
        // Dropped inside the test's runtime: the roles go on a thread of their own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                use sqlx::Connection as _;
                if let Ok(mut connection) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::raw_sql(&sql).execute(&mut connection).await;
                }
            });
        });
        let _ = dropped.join();
    }
}

/// Polls until `done` holds of what `read` gives or `limit` passes; the last reading.
async fn until<T>(limit: Duration, read: impl AsyncFn() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + limit;
    loop {
        let value = read().await;
        if done(&value) || Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn c2_a_sigkill_mid_push_to_ldap_loses_no_membership_and_no_confirmed_removal() {
    if std::env::var_os("STINT_TEST_LDAP").is_none_or(|value| value.is_empty()) {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED connector_kill into slapd: set STINT_TEST_LDAP=1 with Debian's slapd installed"
        );
        return;
    }
    sigkill_mid_push(Directory::ldap().await).await;
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn c2_a_sigkill_mid_push_to_postgres_roles_loses_no_membership_and_no_confirmed_removal() {
    let Some(directory) = Directory::roles().await else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED connector_kill into PostgreSQL roles: set STINT_TEST_POSTGRES_URL"
        );
        return;
    };
    sigkill_mid_push(directory).await;
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn c2_a_sigkill_mid_push_to_a_scim_app_loses_no_membership_and_no_confirmed_removal() {
    if std::env::var_os("STINT_TEST_SCIM_SERVER").is_none_or(|value| value.is_empty()) {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED connector_kill into scim2-server: set STINT_TEST_SCIM_SERVER=1 with scim2-server installed"
        );
        return;
    }
    sigkill_mid_push(Directory::scim().await).await;
}

async fn sigkill_mid_push(directory: Directory) {
    let database = common::Database::fresh().await;
    let mut node = Node::start(database.url(), ADMIN_PASSWORD).await;
    let api = Api::sign_in(&node).await;

    let mut users = Vec::new();
    for n in 0..USERS {
        let user = json!({
            "accountEnabled": true, "displayName": name(n), "userPrincipalName": name(n),
            "mailNickname": name(n),
            "passwordProfile": { "password": "user-password-1", "forceChangePasswordNextSignIn": false },
        });
        users.push(api.created("/v1.0/users", user).await);
    }
    let group = json!({
        "displayName": "Ops", "mailEnabled": false, "mailNickname": "Ops",
        "securityEnabled": true, "isAssignableToRole": false,
    });
    let ops = api.created("/v1.0/groups", group).await;
    let connector = api
        .created("/stint/v1/connectors", directory.connector())
        .await;
    let link = json!({ "groupId": ops, "target": directory.target() });
    api.created(&format!("/stint/v1/connectors/{connector}/links"), link)
        .await;
    let path = format!("/v1.0/groups/{ops}/members/$ref");
    for user in &users {
        let (status, body) = api.call(Method::POST, &path, Some(member_ref(user))).await;
        assert_eq!(status, 204, "{body}");
    }
    let everyone: BTreeSet<String> = (0..USERS).map(name).collect();
    let pushed = until(
        Duration::from_secs(30),
        async || directory.people().await,
        |found| *found == everyone,
    )
    .await;
    assert_eq!(pushed, everyone, "the worker pushed every member");

    // The burst of removals, from several clients; the kill follows the last acknowledgement.
    let api = std::sync::Arc::new(api);
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let (api, users, ops) = (api.clone(), users.clone(), ops.clone());
        clients.spawn(async move {
            for user in users[..REMOVED].iter().skip(client).step_by(CLIENTS) {
                let path = format!("/v1.0/groups/{ops}/members/{user}/$ref");
                let (status, body) = api.call(Method::DELETE, &path, None).await;
                assert_eq!(status, 204, "{body}");
            }
        });
    }
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }
    node.kill();
    let at_the_kill = directory.people().await;
    let wanted: BTreeSet<String> = (REMOVED..USERS).map(name).collect();
    let _ = writeln!(
        std::io::stderr(),
        "connector_kill: at the kill the directory held {} of the {REMOVED} removed users",
        at_the_kill.len() - at_the_kill.intersection(&wanted).count()
    );

    // Started again on the same database. The binary's clock is the test clock, which starts at
    // the process's start and stands still: the dead node's lease (30 s) lapses only when the
    // clock is moved past it. The new node then drives the connector and converges.
    let node = Node::start(database.url(), ADMIN_PASSWORD).await;
    let api = Api::sign_in(&node).await;
    let (status, body) = (api.call(
        Method::POST,
        "/stint/v1/test/clock",
        Some(json!({ "advance": "PT31S" })),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let found = until(
        Duration::from_secs(90),
        async || directory.people().await,
        |found| *found == wanted,
    )
    .await;
    assert_eq!(
        found, wanted,
        "the directory holds exactly the wanted users"
    );

    let removed_dns: BTreeSet<String> = (0..REMOVED)
        .map(|n| directory.value(n).to_lowercase())
        .collect();
    let audited = async || {
        let path = "/stint/v1/audit?$top=999";
        let (status, body) = api.call(Method::GET, path, None).await;
        assert_eq!(status, 200, "{body}");
        let confirmations: Vec<(String, Value)> = (body["value"].as_array().unwrap().iter())
            .filter(|event| event["action"] == "connector.removalConfirmed")
            .map(|event| {
                let message = event["message"].as_str().unwrap().to_lowercase();
                (message, event["principalId"].clone())
            })
            .collect();
        confirmations
    };
    let confirmed_dn = |message: &str| {
        let dn = message.strip_prefix("removed ")?;
        Some(dn[..dn.find(" from ")?].to_owned())
    };
    let confirmations = until(Duration::from_secs(30), audited, |confirmations| {
        let dns: BTreeSet<String> = (confirmations.iter())
            .filter_map(|(message, _)| confirmed_dn(message))
            .collect();
        removed_dns.is_subset(&dns)
    })
    .await;
    let dns: Vec<String> = (confirmations.iter())
        .filter_map(|(message, _)| confirmed_dn(message))
        .collect();
    let distinct: BTreeSet<String> = dns.iter().cloned().collect();
    assert_eq!(
        distinct, removed_dns,
        "every removal is confirmed, and only removals are"
    );
    // Whichever node confirmed it, each removal names the user it removed: what was pushed for
    // whom outlives the node that pushed it.
    let user_of: std::collections::BTreeMap<String, String> = (0..REMOVED)
        .map(|n| (directory.value(n).to_lowercase(), users[n].clone()))
        .collect();
    for (message, principal) in &confirmations {
        let dn = confirmed_dn(message).unwrap();
        assert_eq!(
            principal.as_str(),
            user_of.get(&dn).map(String::as_str),
            "the confirmation of {dn} names its user"
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "connector_kill: {} confirmations for {REMOVED} removals (at least once)",
        dns.len()
    );
}
