//! X2 and DESIGN "Revisions": every response carries `Stint-Revision`; a read that demands a
//! revision is answered only from state at least that new — on another node too.
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::json;
use stint_app::{ManualClock, Password};

use common::{start_time, test_config, SharedDatabase, TestServer, ADMIN_PASSWORD};

/// A node on `database`, served until dropped; the tenant is bootstrapped on first start only.
async fn node(database: &SharedDatabase, clock: &ManualClock) -> TestServer {
    let server = TestServer::serve(database.open().await, clock.clone(), test_config()).await;
    server
        .app
        .bootstrap(Some(Password::new(ADMIN_PASSWORD)))
        .await
        .unwrap();
    server
}

async fn token(http: &reqwest::Client, base: &str) -> String {
    let body: serde_json::Value = http
        .post(format!("{base}/stint/v1/auth/token"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

fn revision_of(response: &reqwest::Response) -> u64 {
    response.headers()["stint-revision"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[common::both_backends]
async fn x2_a_read_on_another_node_with_the_writes_revision_sees_the_write() {
    let database = SharedDatabase::fresh().await;
    let clock = ManualClock::starting_at(start_time());
    let server_a = node(&database, &clock).await;
    let server_b = node(&database, &clock).await;
    let (node_a, node_b) = (&server_a.base_url, &server_b.base_url);
    let app_b = &server_b.app;
    let http = reqwest::Client::new();
    let token_a = token(&http, node_a).await;
    let token_b = token(&http, node_b).await;

    let created = http
        .post(format!("{node_a}/v1.0/groups"))
        .bearer_auth(&token_a)
        .json(&json!({"displayName": "Seen everywhere", "securityEnabled": true, "mailEnabled": false, "groupTypes": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let revision = revision_of(&created);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        app_b.revision() < revision,
        "node B has not heard of the write yet"
    );

    let read = http
        .get(format!("{node_b}/v1.0/groups/{id}"))
        .bearer_auth(&token_b)
        .header("Stint-At-Least-Revision", revision.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert!(revision_of(&read) >= revision);

    let by_query = http
        .get(format!(
            "{node_b}/stint/v1/audit?groupId={id}&atLeast={revision}"
        ))
        .bearer_auth(&token_b)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_query.status(),
        200,
        "atLeast is taken out of the query before the endpoint reads it"
    );
}

#[common::both_backends]
async fn x2_a_revision_no_node_has_reached_is_a_503_with_retry_after_never_a_stale_answer() {
    let server = common::TestServer::start().await;
    let admin = server.admin().await;
    let _ = admin.get("/v1.0/groups").await;
    let http = reqwest::Client::new();
    let response = http
        .get(format!(
            "{}/stint/v1/health?atLeast={}",
            server.base_url,
            server.app.revision() + 1000
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RevisionNotYetReached");

    let bad = http
        .get(format!("{}/stint/v1/health", server.base_url))
        .header("Stint-At-Least-Revision", "soon")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}
