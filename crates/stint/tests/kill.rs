//! Issue 6, X2: two `stint serve` processes on one database take writes from concurrent clients;
//! node A is killed with SIGKILL in the middle of the load. Every write that either node
//! acknowledged (a 201 with its id and revision) is readable on node B, which keeps serving, and on
//! node A once it is started again. On a SQLite file shared by both processes, and on PostgreSQL.
//! The nodes run with group commit on (ADR 0017): the writes in flight at the kill include whole
//! batches. `STINT_TEST_KILL_ROUNDS` (default 1) repeats the scenario, each round on a fresh
//! database.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stint_store_postgres::testing::TestDatabase;

use common::node::Node;

const ADMIN_PASSWORD: &str = "kill-test-admin-password";

/// Concurrent writers on each node (so that group commit makes batches of several).
const CLIENTS_PER_NODE: usize = 8;
/// Node A is killed once it has acknowledged this many writes...
const ACKED_ON_A_BEFORE_THE_KILL: usize = 100;
/// ...and the load stops once node B has acknowledged this many more after the kill.
const ACKED_ON_B_AFTER_THE_KILL: usize = 40;

/// A write some node answered 201 to.
#[derive(Clone, Debug)]
struct Acknowledged {
    node: &'static str,
    id: String,
    revision: u64,
}

fn revision_of(response: &reqwest::Response) -> u64 {
    response.headers()["stint-revision"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Signs in as admin on `base`, with the node at least at `at_least`; returns the token and the
/// sign-in's revision.
async fn sign_in(http: &reqwest::Client, base: &str, at_least: u64) -> (String, u64) {
    let response = http
        .post(format!("{base}/stint/v1/auth/token"))
        .header("Stint-At-Least-Revision", at_least.to_string())
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let revision = revision_of(&response);
    let body: Value = response.json().await.unwrap();
    (body["access_token"].as_str().unwrap().to_string(), revision)
}

/// What the clients of one node saw.
#[derive(Default)]
struct Load {
    acknowledged: Mutex<Vec<Acknowledged>>,
    acked: AtomicUsize,
    /// Answers other than 201 (with the status and body), and requests with no answer.
    refused: Mutex<Vec<String>>,
    unanswered: AtomicUsize,
}

/// Creates groups on `base` until `stop`, or until the node stops answering.
async fn write_until(
    node: &'static str,
    base: String,
    token: String,
    client: usize,
    load: Arc<Load>,
    stop: Arc<AtomicBool>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let name = format!("{node}-{client}-{n}");
        let sent = http
            .post(format!("{base}/v1.0/groups"))
            .bearer_auth(&token)
            .json(
                &json!({ "displayName": name, "mailEnabled": false, "securityEnabled": true,
                           "mailNickname": name, "groupTypes": [] }),
            )
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(_) => {
                // No answer: the write may or may not have happened; nobody was told it did.
                load.unanswered.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        let status = response.status().as_u16();
        let revision = response
            .headers()
            .get("stint-revision")
            .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        let Ok(body) = response.text().await else {
            load.unanswered.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if status != 201 {
            load.refused
                .lock()
                .unwrap()
                .push(format!("{node}: {status} {body}"));
            continue;
        }
        let body: Value = serde_json::from_str(&body).unwrap();
        load.acknowledged.lock().unwrap().push(Acknowledged {
            node,
            id: body["id"].as_str().unwrap().to_string(),
            revision: revision.expect("a 201 carries Stint-Revision"),
        });
        load.acked.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits (for the load running on other tasks) until `counter` reaches `target`.
async fn wait_for(counter: &AtomicUsize, target: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while counter.load(Ordering::Relaxed) < target {
        assert!(Instant::now() < deadline, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Reads every acknowledged group on `base` (demanding its revision if `demand`), and returns
/// those missing.
async fn missing_on(base: &str, token: &str, writes: &[Acknowledged], demand: bool) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut missing = Vec::new();
    for write in writes {
        let mut request = http
            .get(format!("{base}/v1.0/groups/{}", write.id))
            .bearer_auth(token);
        if demand {
            request = request.header("Stint-At-Least-Revision", write.revision.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        if status != 200 {
            missing.push(format!(
                "{} (acknowledged by node {} at revision {}): {status} {}",
                write.id,
                write.node,
                write.revision,
                response.text().await.unwrap_or_default()
            ));
        }
    }
    missing
}

async fn acknowledged_writes_survive_a_sigkill_of_one_node(database: &str) {
    let mut a = Node::start(database, ADMIN_PASSWORD).await;
    let b = Node::start(database, ADMIN_PASSWORD).await;
    let http = reqwest::Client::new();
    let (token_a, signed_in) = sign_in(&http, &a.base, 0).await;
    let (token_b, _) = sign_in(&http, &b.base, signed_in).await;

    let (load_a, load_b) = (Arc::new(Load::default()), Arc::new(Load::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..CLIENTS_PER_NODE {
        clients.push(tokio::spawn(write_until(
            "A",
            a.base.clone(),
            token_a.clone(),
            client,
            load_a.clone(),
            stop.clone(),
        )));
        clients.push(tokio::spawn(write_until(
            "B",
            b.base.clone(),
            token_b.clone(),
            client,
            load_b.clone(),
            stop.clone(),
        )));
    }

    wait_for(&load_a.acked, ACKED_ON_A_BEFORE_THE_KILL, "load on node A").await;
    a.kill();
    let acked_on_b_at_the_kill = load_b.acked.load(Ordering::Relaxed);
    wait_for(
        &load_b.acked,
        acked_on_b_at_the_kill + ACKED_ON_B_AFTER_THE_KILL,
        "node B serving after the kill",
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }

    let mut writes = load_a.acknowledged.lock().unwrap().clone();
    let on_a = writes.len();
    writes.extend(load_b.acknowledged.lock().unwrap().iter().cloned());
    let refused: Vec<String> = [&load_a, &load_b]
        .iter()
        .flat_map(|load| load.refused.lock().unwrap().clone())
        .collect();
    println!(
        "{database}: {} writes acknowledged ({on_a} by node A before its SIGKILL, {} by node B, {} \
         of them after it); {} unanswered requests to node A; {} refused",
        writes.len(),
        writes.len() - on_a,
        load_b.acked.load(Ordering::Relaxed) - acked_on_b_at_the_kill,
        load_a.unanswered.load(Ordering::Relaxed),
        refused.len(),
    );
    assert!(
        refused.is_empty(),
        "every write was answered 201: {refused:?}"
    );
    assert_eq!(
        load_b.unanswered.load(Ordering::Relaxed),
        0,
        "node B answered every request"
    );
    assert!(
        load_a.unanswered.load(Ordering::Relaxed) >= 1,
        "node A died with writes in flight"
    );

    let missing = missing_on(&b.base, &token_b, &writes, true).await;
    assert!(missing.is_empty(), "missing on node B: {missing:#?}");

    // Node A comes back with everything, its own acknowledged writes and B's.
    let a = Node::start(database, ADMIN_PASSWORD).await;
    let missing = missing_on(&a.base, &token_a, &writes, false).await;
    assert!(
        missing.is_empty(),
        "missing on node A after the restart: {missing:#?}"
    );
}

/// How many times the scenario runs (`STINT_TEST_KILL_ROUNDS`, default 1).
fn rounds() -> usize {
    std::env::var("STINT_TEST_KILL_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn x2_acknowledged_writes_survive_a_sigkill_of_one_node_on_sqlite() {
    for _ in 0..rounds() {
        let directory = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}", directory.path().join("stint.db").display());
        acknowledged_writes_survive_a_sigkill_of_one_node(&database).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn x2_acknowledged_writes_survive_a_sigkill_of_one_node_on_postgres() {
    for _ in 0..rounds() {
        let Some(database) = TestDatabase::create().await else {
            return;
        };
        acknowledged_writes_survive_a_sigkill_of_one_node(database.url()).await;
    }
}
