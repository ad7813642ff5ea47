//! N3 over HTTP: webhook subscriptions and the outbox, managed by Global and Privileged Role
//! Administrators only, and delivered to a real receiver started here that checks the Standard
//! Webhooks signature. Retries are driven by the worker's rounds (`App::deliver_due`) and the
//! manual clock: nothing sleeps.
#![allow(clippy::unwrap_used)]

mod common;
mod policy_helpers;

use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_app::delivery::Courier;
use stint_app::{Clock, ManualClock};
use stint_core::directory::BuiltInRole;

use common::{Client, TestServer};
use policy_helpers::managed_group;

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// What the receiver got in one request, and what it answered.
#[derive(Clone, Debug)]
struct Received {
    webhook_id: Option<String>,
    /// The Standard Webhooks signature matched the subscription's secret, within 5 minutes.
    verified: bool,
    answered: u16,
    body: Value,
}

#[derive(Debug)]
struct Inbox {
    /// The subscription's secret, once Stint has shown it.
    secret: Option<String>,
    /// How many requests to answer 503 before answering 200.
    failures: usize,
    received: Vec<Received>,
    /// The server's clock: signatures are checked against the time Stint signed at.
    clock: ManualClock,
}

/// A webhook receiver on 127.0.0.1 for one test.
#[derive(Clone, Debug)]
struct Receiver {
    url: String,
    inbox: Arc<Mutex<Inbox>>,
}

impl Receiver {
    async fn start(server: &TestServer, failures: usize) -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox {
            secret: None,
            failures,
            received: Vec::new(),
            clock: server.clock().clone(),
        }));
        let router = axum::Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&inbox));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Receiver { url, inbox }
    }

    fn expect_secret(&self, secret: &str) {
        self.inbox.lock().unwrap().secret = Some(secret.to_string());
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().received.clone()
    }
}

async fn receive(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut inbox = inbox.lock().unwrap();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let webhook_id = header("webhook-id");
    let verified = match (
        &inbox.secret,
        &webhook_id,
        header("webhook-timestamp").and_then(|t| t.parse::<i64>().ok()),
        header("webhook-signature"),
    ) {
        (Some(secret), Some(id), Some(timestamp), Some(signature)) => {
            let secret = stint_notify::WebhookSecret::parse(secret).unwrap();
            let now = inbox.clock.now().timestamp();
            stint_notify::verify(&secret, id, timestamp, &body, &signature, now).is_ok()
        }
        _ => false,
    };
    let status = if inbox.received.len() < inbox.failures {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    inbox.received.push(Received {
        webhook_id,
        verified,
        answered: status.as_u16(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    status
}

/// Subscribes `url` and returns the answer's body.
async fn subscribe(admin: &Client, url: &str, events: &[&str], format: &str) -> Value {
    let body = json!({ "url": url, "events": events, "format": format });
    admin.post("/stint/v1/webhooks", body).await.expect(201)
}

/// Makes a fresh user an active member of a fresh managed group: one `assignment.assigned`.
async fn assign_someone(admin: &Client, name: &str) {
    let group = managed_group(admin, &format!("{name} group"), false).await;
    let user = admin.create_user(&format!("{name}@contoso.com")).await;
    let request = json!({
        "accessId": "member",
        "principalId": user,
        "groupId": group,
        "action": "adminAssign",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
        "justification": "Webhook test",
    });
    admin
        .post(&format!("{PIM}/assignmentScheduleRequests"), request)
        .await
        .expect(201);
}

/// Worker rounds, an hour apart on the manual clock (longer than any backoff wait), until the
/// receiver has had `requests` requests; then two more rounds, to see that nothing else comes.
async fn deliver_until(server: &TestServer, receiver: &Receiver, requests: usize) {
    let courier = Courier::new(None).unwrap();
    for _ in 0..20 {
        if receiver.received().len() >= requests {
            break;
        }
        server.app.deliver_due(&courier).await.unwrap();
        server.advance(TimeDelta::hours(1));
    }
    for _ in 0..2 {
        server.app.deliver_due(&courier).await.unwrap();
        server.advance(TimeDelta::hours(1));
    }
}

#[common::both_backends]
async fn n3_administrators_create_list_read_change_and_delete_subscriptions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let created = subscribe(
        &admin,
        "https://hooks.example.com/stint",
        &["request.pendingApproval", "assignment.activated"],
        "standard",
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{created}");
    assert_eq!(created["url"], "https://hooks.example.com/stint");
    assert_eq!(
        created["events"],
        json!(["assignment.activated", "request.pendingApproval"])
    );
    assert_eq!(created["format"], "standard");
    assert_eq!(created["createdAt"], common::graph_time(server.now()));

    let path = format!("/stint/v1/webhooks/{id}");
    let one = admin.get(&path).await.expect(200);
    let listed = admin.get("/stint/v1/webhooks").await.expect(200);
    assert_eq!(listed["value"], json!([one.clone()]));
    assert_eq!(one["id"], created["id"]);
    assert!(one.get("secret").is_none(), "{one}");

    admin
        .patch(
            &path,
            json!({ "events": ["request.approved"], "format": "SLACK" }),
        )
        .await
        .expect(204);
    let changed = admin.get(&path).await.expect(200);
    assert_eq!(changed["events"], json!(["request.approved"]));
    assert_eq!(changed["format"], "slack");
    assert_eq!(changed["url"], "https://hooks.example.com/stint");

    // A Privileged Role Administrator manages them too.
    let (_, pria) = server
        .user_with_role("pria@contoso.com", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    pria.patch(&path, json!({ "url": "http://hooks.example.com:8080/b" }))
        .await
        .expect(204);
    assert_eq!(
        pria.get(&path).await.expect(200)["url"],
        "http://hooks.example.com:8080/b"
    );

    pria.delete(&path).await.expect(204);
    admin
        .get(&path)
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .delete(&path)
        .await
        .expect_error(404, "Request_ResourceNotFound");
    assert_eq!(
        admin.get("/stint/v1/webhooks").await.expect(200)["value"],
        json!([])
    );
    let deliveries = admin.get(&format!("{path}/deliveries")).await.expect(200);
    assert_eq!(
        deliveries["value"],
        json!([]),
        "a deleted subscription's deliveries stay readable"
    );

    let unknown = "/stint/v1/webhooks/00000000-0000-0000-0000-000000000001";
    for reply in [
        admin.get(unknown).await,
        admin.patch(unknown, json!({ "format": "teams" })).await,
        admin.delete(unknown).await,
        admin.get(&format!("{unknown}/deliveries")).await,
    ] {
        reply.expect_error(404, "Request_ResourceNotFound");
    }
    admin
        .get("/stint/v1/webhooks/not-an-id")
        .await
        .expect_error(400, "BadRequest");
}

#[common::both_backends]
async fn n3_invalid_subscriptions_are_refused_naming_the_field() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let events = json!(["request.approved"]);
    let long = format!("https://hooks.example.com/{}", "a".repeat(2000));
    let cases = [
        (
            json!({ "url": "ftp://hooks.example.com/x", "events": events }),
            "url",
        ),
        (
            json!({ "url": "https://me:hunter2@hooks.example.com/x", "events": events }),
            "url",
        ),
        (json!({ "url": "not a url", "events": events }), "url"),
        (json!({ "url": long, "events": events }), "url"),
        (
            json!({ "url": "https://hooks.example.com/x", "events": [] }),
            "events",
        ),
        (
            json!({ "url": "https://hooks.example.com/x", "events": ["request.exploded"] }),
            "events",
        ),
        (
            json!({ "url": "https://hooks.example.com/x", "events": ["request.approved", "request.approved"] }),
            "events",
        ),
        (
            json!({ "url": "https://hooks.example.com/x", "events": events, "format": "discord" }),
            "format",
        ),
        (json!({ "events": events }), "url"),
        (json!({ "url": "https://hooks.example.com/x" }), "events"),
        (
            json!({ "url": "https://hooks.example.com/x", "events": events, "secret": "mine" }),
            "secret",
        ),
    ];
    for (body, field) in cases {
        let message = admin
            .post("/stint/v1/webhooks", body.clone())
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains(field), "{body}: {message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
    let created = subscribe(
        &admin,
        "https://hooks.example.com/x",
        &["request.approved"],
        "teams",
    )
    .await;
    let path = format!("/stint/v1/webhooks/{}", created["id"].as_str().unwrap());
    for (body, field) in [
        (json!({ "url": null }), "url"),
        (json!({ "events": [] }), "events"),
        (json!({ "format": "email" }), "format"),
        (json!({ "url": "javascript:alert(1)" }), "url"),
    ] {
        let message = admin
            .patch(&path, body.clone())
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains(field), "{body}: {message}");
    }
    assert!(
        admin.get("/stint/v1/webhooks").await.expect(200)["value"]
            .as_array()
            .unwrap()
            .len()
            == 1,
        "nothing refused was made"
    );
}

#[common::both_backends]
async fn n3_a_groups_administrator_may_not_manage_webhooks_or_the_outbox() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let created = subscribe(
        &admin,
        "https://hooks.example.com/x",
        &["request.approved"],
        "standard",
    )
    .await;
    let path = format!("/stint/v1/webhooks/{}", created["id"].as_str().unwrap());
    let (gus_id, gus) = server
        .user_with_role("gus@contoso.com", BuiltInRole::GroupsAdministrator)
        .await;
    let body = json!({ "url": "https://hooks.example.com/y", "events": ["request.approved"] });
    let redrive = "/stint/v1/outbox/00000000-0000-0000-0000-000000000001/redrive";
    for reply in [
        gus.post("/stint/v1/webhooks", body).await,
        gus.get("/stint/v1/webhooks").await,
        gus.get(&path).await,
        gus.patch(&path, json!({ "format": "slack" })).await,
        gus.delete(&path).await,
        gus.get(&format!("{path}/deliveries")).await,
        gus.get("/stint/v1/outbox").await,
        gus.post(redrive, json!({})).await,
    ] {
        let message = reply.expect_error(403, "Authorization_RequestDenied");
        assert!(message.contains("Global Administrator"), "{message}");
    }
    admin.get(&path).await.expect(200);
    server
        .anonymous()
        .get("/stint/v1/webhooks")
        .await
        .expect(401);
    let refused = admin
        .get(&format!("/stint/v1/audit?actorId={gus_id}"))
        .await
        .expect(200);
    let actions: Vec<&str> = refused["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["result"] == "failure")
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    for action in ["webhook.create", "webhook.update", "webhook.delete"] {
        assert!(
            actions.contains(&action),
            "{action} refusal audited: {actions:?}"
        );
    }
}

#[common::both_backends]
async fn n3_a_receiver_that_fails_three_times_gets_the_signed_message_once_on_the_fourth_attempt() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let receiver = Receiver::start(&server, 3).await;
    let url = format!("{}/stint/events", receiver.url);
    let created = subscribe(&admin, &url, &["assignment.assigned"], "standard").await;
    receiver.expect_secret(created["secret"].as_str().unwrap());
    let id = created["id"].as_str().unwrap();

    assign_someone(&admin, "alice").await;
    deliver_until(&server, &receiver, 4).await;

    let received = receiver.received();
    let answers: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(
        answers,
        [503, 503, 503, 200],
        "delivered once, after 3 failures"
    );
    assert!(received.iter().all(|r| r.verified), "{received:?}");
    let first_id = received[0].webhook_id.clone().unwrap();
    assert!(
        received
            .iter()
            .all(|r| r.webhook_id.as_ref() == Some(&first_id)),
        "every attempt carries the same webhook-id: {received:?}"
    );
    let body = &received[3].body;
    assert_eq!(body["type"], "assignment.assigned", "{body}");
    assert!(body["timestamp"].is_string(), "{body}");
    assert!(body["data"]["revision"].is_u64(), "{body}");

    let deliveries = admin
        .get(&format!("/stint/v1/webhooks/{id}/deliveries"))
        .await
        .expect(200);
    let messages = deliveries["value"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{deliveries}");
    let message = &messages[0];
    assert_eq!(message["eventType"], "assignment.assigned");
    assert_eq!(message["state"], "sent");
    assert_eq!(message["attemptCount"], 4);
    assert_eq!(message["nextAttemptAt"], Value::Null);
    assert_eq!(
        format!("msg_{}", message["id"].as_str().unwrap().replace('-', "")),
        first_id
    );
    let attempts = message["attempts"].as_array().unwrap();
    let outcomes: Vec<&str> = attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["failed", "failed", "failed", "sent"],
        "{message}"
    );
    let numbers: Vec<u64> = attempts
        .iter()
        .map(|a| a["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    let statuses: Vec<&Value> = attempts.iter().map(|a| &a["status"]).collect();
    assert_eq!(
        statuses,
        [503, 503, 503, 200],
        "each attempt keeps its HTTP code"
    );
    assert!(
        attempts[0]["error"].as_str().unwrap().contains("503"),
        "{message}"
    );
    let times: Vec<&str> = attempts.iter().map(|a| a["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|pair| pair[0] < pair[1]), "{times:?}");

    let sent = admin.get("/stint/v1/outbox?state=sent").await.expect(200);
    assert!(
        sent["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == message["id"] && m["channel"] == "webhook" && m["target"] == id),
        "{sent}"
    );
    let pending = admin
        .get("/stint/v1/outbox?state=pending")
        .await
        .expect(200);
    assert_eq!(pending["value"], json!([]));
}

#[common::both_backends]
async fn n3_a_slack_subscription_receives_text_and_blocks_unsigned() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let receiver = Receiver::start(&server, 0).await;
    let url = format!("{}/services/T000/B000/slack-token", receiver.url);
    subscribe(&admin, &url, &["assignment.assigned"], "slack").await;

    assign_someone(&admin, "bob").await;
    deliver_until(&server, &receiver, 1).await;

    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let body = &received[0].body;
    assert!(
        body["text"].as_str().is_some_and(|text| !text.is_empty()),
        "{body}"
    );
    assert!(
        body["blocks"]
            .as_array()
            .is_some_and(|blocks| !blocks.is_empty()),
        "{body}"
    );
    assert_eq!(
        received[0].webhook_id, None,
        "Slack messages are not signed"
    );
}

#[common::both_backends]
async fn n3_an_administrator_re_drives_a_dead_message_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let receiver = Receiver::start(&server, 0).await;
    let created = subscribe(&admin, &receiver.url, &["assignment.assigned"], "standard").await;
    let path = format!("/stint/v1/webhooks/{}", created["id"].as_str().unwrap());
    assign_someone(&admin, "carol").await;
    // Deleted before the worker's round: the message is given up at once.
    admin.delete(&path).await.expect(204);
    deliver_until(&server, &receiver, 0).await;

    let dead = admin.get("/stint/v1/outbox?state=dead").await.expect(200);
    let [message] = dead["value"].as_array().unwrap().as_slice() else {
        panic!("one dead message: {dead}")
    };
    assert_eq!(message["attemptCount"], 1);
    assert!(
        message["lastError"].as_str().unwrap().contains("deleted"),
        "{message}"
    );
    let id = message["id"].as_str().unwrap();
    let redrive = format!("/stint/v1/outbox/{id}/redrive");
    admin.post(&redrive, json!({})).await.expect(204);
    let pending = admin
        .get("/stint/v1/outbox?state=pending")
        .await
        .expect(200);
    assert_eq!(pending["value"][0]["id"], id, "{pending}");
    assert!(
        pending["value"][0]["nextAttemptAt"].is_string(),
        "{pending}"
    );
    admin
        .post(&redrive, json!({}))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .get("/stint/v1/outbox?state=lost")
        .await
        .expect_error(400, "BadRequest");
    admin
        .get("/stint/v1/outbox?colour=red")
        .await
        .expect_error(400, "BadRequest");

    let audit = admin.get("/stint/v1/audit").await.expect(200);
    let redriven = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|event| event["action"] == "outbox.redrive" && event["targetId"] == id);
    assert!(redriven, "{audit}");
}

/// Everything every test of this file logs, at every level.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    Arc::clone(LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(Arc::clone(&sink)))
            .init();
        log
    }))
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[common::both_backends]
async fn n3_the_secret_and_the_url_never_reach_reads_the_audit_or_the_log() {
    let log = captured_log();
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let receiver = Receiver::start(&server, 1).await;
    let token = format!("token{}", uuid::Uuid::new_v4().simple());
    let url = format!("{}/services/T000/B000/{token}", receiver.url);
    let created = subscribe(&admin, &url, &["assignment.assigned"], "slack").await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let path = format!("/stint/v1/webhooks/{}", created["id"].as_str().unwrap());
    admin
        .patch(
            &path,
            json!({ "format": "standard", "url": format!("{url}/2") }),
        )
        .await
        .expect(204);
    receiver.expect_secret(&secret);
    assign_someone(&admin, "dave").await;
    // One failed attempt (logged), then the delivery.
    deliver_until(&server, &receiver, 2).await;
    assert_eq!(receiver.received().len(), 2);
    admin.delete(&path).await.expect(204);

    let reads = [
        admin.get("/stint/v1/webhooks").await,
        admin.get(&format!("{path}/deliveries")).await,
        admin.get("/stint/v1/outbox").await,
    ];
    for reply in reads {
        let text = reply.expect(200).to_string();
        assert!(!text.contains(&secret), "{text}");
    }
    let audit = admin.get("/stint/v1/audit").await.expect(200);
    let webhook_events: Vec<&Value> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["targetType"] == "webhook")
        .collect();
    assert_eq!(webhook_events.len(), 3, "create, update, delete: {audit}");
    assert!(webhook_events
        .iter()
        .all(|event| event["message"].as_str().unwrap().contains("127.0.0.1")));
    let audit = audit.to_string();
    assert!(
        !audit.contains(&secret) && !audit.contains(&token),
        "{audit}"
    );
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(log.contains("delivery failed"), "the failure is logged");
    assert!(!log.contains(&secret), "the secret is in the log");
    assert!(!log.contains(&token), "the URL's path is in the log");
}
