//! Issue 18 (C2): a SIGKILL of `stint serve` while its connector worker pushes to a real slapd
//! loses nothing. The node links a group to `cn=ops`, gets all of its members pushed, then takes a
//! burst of removals and is killed right after acknowledging the last; started again on the same
//! database, it brings the directory to exactly the wanted members, and every removal is audited
//! as confirmed.
//!
//! What the design guarantees (docs/design/0015-connector-operations.md): confirmed removals are
//! audited **at least once**. A round commits its audit before it saves its progress, so a kill
//! between the two makes the next round find the value already gone and confirm it again (as
//! "found gone"); a kill before the audit commit loses no record either, for the same reason. A
//! second record for one removal is therefore possible, a missing one is not.
//! `STINT_TEST_LDAP=1` makes it mandatory; `.ci/run` installs slapd and sets it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../stint-connectors/tests/support/process.rs"]
#[allow(dead_code)]
mod process;
#[path = "../../stint-connectors/tests/support/slapd.rs"]
#[allow(dead_code)]
mod slapd;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use common::node::Node;
use process::{free_port, wait_until_accepting};
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

/// The users in `cn=ops`, by uid, without the placeholders.
fn people(slapd: &Slapd) -> BTreeSet<String> {
    let suffix = format!(",ou=people,{}", slapd::SUFFIX);
    (slapd.values(&group_dn("ops"), "member").into_iter())
        .filter_map(|dn| Some(dn.strip_prefix("uid=")?.strip_suffix(&suffix)?.to_owned()))
        .collect()
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
async fn c2_a_sigkill_mid_push_loses_no_membership_and_no_confirmed_removal() {
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
    let connector = json!({
        "displayName": "Test slapd", "type": "ldap", "url": slapd.url(),
        "bindDn": slapd::ROOT_DN, "bindPassword": slapd::ROOT_PASSWORD,
        "baseDn": slapd::SUFFIX, "userFilter": "(uid={userPrincipalName})",
    });
    let connector = api.created("/stint/v1/connectors", connector).await;
    let link = json!({ "groupId": ops, "target": group_dn("ops") });
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
        async || people(&slapd),
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
    let at_the_kill = people(&slapd);
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
        async || people(&slapd),
        |found| *found == wanted,
    )
    .await;
    assert_eq!(
        found, wanted,
        "the directory holds exactly the wanted users"
    );

    let removed_dns: BTreeSet<String> = (0..REMOVED).map(|n| user_dn(&name(n))).collect();
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
        .map(|n| (user_dn(&name(n)), users[n].clone()))
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
