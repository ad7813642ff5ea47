//! X2 and DESIGN "Revisions": every response carries `Stint-Revision`; a read that demands a
//! revision is answered only from state at least that new — on another node too.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use serde_json::json;
use stint_app::{App, ManualClock, Password};
use stint_store::Store;
use stint_store_sqlite::SqliteStore;

use common::{start_time, test_config, ADMIN_PASSWORD};

async fn node(database: &str, clock: &ManualClock) -> (String, Arc<App>) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(database).await.unwrap());
    let app = Arc::new(
        App::open(store, Arc::new(clock.clone()), test_config())
            .await
            .unwrap(),
    );
    app.bootstrap(Some(Password::new(ADMIN_PASSWORD)))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving = app.clone();
    tokio::spawn(
        async move { stint_server::serve(listener, serving, std::future::pending()).await },
    );
    (base, app)
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
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("stint.db").display().to_string();
    let clock = ManualClock::starting_at(start_time());
    let (node_a, _) = node(&database, &clock).await;
    let (node_b, app_b) = node(&database, &clock).await;
    let http = reqwest::Client::new();
    let token_a = token(&http, &node_a).await;
    let token_b = token(&http, &node_b).await;

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
