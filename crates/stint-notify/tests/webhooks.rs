//! `WebhookSender` against a real HTTP receiver (`receiver.py`, started by each test) whose
//! Standard Webhooks signature check is the `standardwebhooks` library's, not ours.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use stint_notify::{slack_body, teams_body, Card, WebhookSecret, WebhookSender};
use support::{now, received, Server};

const VARIABLE: &str = "STINT_TEST_WEBHOOKS";

fn body() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "request.approved",
        "timestamp": "2026-03-01T09:00:00Z",
        "data": {"group": "Payroll admins", "principal": "Zoë", "revision": 42},
    }))
    .unwrap()
}

#[tokio::test]
async fn the_standard_webhooks_library_verifies_our_signature() {
    if !support::enabled(
        VARIABLE,
        "the_standard_webhooks_library_verifies_our_signature",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let secret = WebhookSecret::generate();
    let receiver = Server::receiver(&["verify", &secret.expose()], &log);
    let url = format!("http://127.0.0.1:{}/hooks/stint", receiver.port);
    let sender = WebhookSender::new().unwrap();

    let status = sender
        .post_standard(&url, &secret, "msg_2f1c", now(), &body())
        .await
        .unwrap();
    assert_eq!(status, 204);

    let wrong = sender
        .post_standard(&url, &WebhookSecret::generate(), "msg_2f1d", now(), &body())
        .await
        .unwrap_err();
    assert!(
        !wrong.is_transient() && wrong.text().starts_with("HTTP 400"),
        "{wrong}"
    );
    let stale = sender
        .post_standard(&url, &secret, "msg_2f1e", now() - 600, &body())
        .await
        .unwrap_err();
    assert!(
        !stale.is_transient() && stale.text().contains("too old"),
        "{stale}"
    );

    let got = received(&log);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0]["verdict"], "verified");
    assert_eq!(got[0]["path"], "/hooks/stint");
    assert_eq!(got[0]["body"].as_str().unwrap().as_bytes(), body());
    let headers = &got[0]["headers"];
    assert_eq!(headers["webhook-id"], "msg_2f1c");
    assert!(headers["webhook-signature"]
        .as_str()
        .unwrap()
        .starts_with("v1,"));
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers["user-agent"]
        .as_str()
        .unwrap()
        .starts_with("Stint/"));
    assert_ne!(got[1]["verdict"], "verified");
    assert_ne!(got[2]["verdict"], "verified");
}

#[tokio::test]
async fn what_a_failing_receiver_answers_decides_whether_to_retry() {
    if !support::enabled(
        VARIABLE,
        "what_a_failing_receiver_answers_decides_whether_to_retry",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let secret = WebhookSecret::generate();
    let sender = WebhookSender::new().unwrap();
    for (status, transient) in [
        (500, true),
        (503, true),
        (408, true),
        (429, true),
        (410, false),
        (404, false),
        (302, false),
    ] {
        let log = dir.path().join(format!("{status}.jsonl"));
        let receiver = Server::receiver(&[&status.to_string()], &log);
        let url = format!("http://127.0.0.1:{}/secret-token", receiver.port);

        let error = sender
            .post_standard(&url, &secret, "msg_1", now(), &body())
            .await
            .unwrap_err();

        assert_eq!(error.is_transient(), transient, "HTTP {status}: {error}");
        assert!(
            error.text().starts_with(&format!("HTTP {status}")),
            "{error}"
        );
        assert!(error.text().chars().count() <= 200, "{error}");
        assert!(!error.text().contains("secret-token"), "{error}");
        assert_eq!(
            received(&log).len(),
            1,
            "HTTP {status}: one request, no redirect followed"
        );
    }
}

#[tokio::test]
async fn slack_and_teams_messages_are_posted_as_json() {
    if !support::enabled(VARIABLE, "slack_and_teams_messages_are_posted_as_json") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let receiver = Server::receiver(&["200"], &log);
    let url = format!("http://127.0.0.1:{}/services/T0/B0/x", receiver.port);
    let card = Card {
        title: "PIM: Request to approve an activation".into(),
        text: "Alice asks to be a member of Payroll admins.".into(),
        facts: vec![("Group".into(), "Payroll admins".into())],
        link: Some((
            "Review".into(),
            "https://stint.example.com/console/approvals/42".into(),
        )),
    };
    let sender = WebhookSender::new().unwrap();

    assert_eq!(
        sender.post_json(&url, &slack_body(&card)).await.unwrap(),
        200
    );
    assert_eq!(
        sender.post_json(&url, &teams_body(&card)).await.unwrap(),
        200
    );

    let got = received(&log);
    assert_eq!(got.len(), 2);
    for (request, expected) in got.iter().zip([slack_body(&card), teams_body(&card)]) {
        assert_eq!(request["headers"]["content-type"], "application/json");
        let body: serde_json::Value =
            serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, expected);
    }
}
