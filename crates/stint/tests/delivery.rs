//! N3: a notification is written with its decision, so a `stint serve` killed with SIGKILL before
//! the mail went out sends it after the restart. The mail server (Python's `aiosmtpd`) is not
//! listening while the first process runs, so delivery cannot happen before the kill; it is started
//! on the same port before the second. Mandatory where `STINT_TEST_SMTP` is set (`.ci/run`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use stint_testkit::{free_port, Aiosmtpd, Process};

const ADMIN_PASSWORD: &str = "delivery-test-admin-password";

async fn serve(database: &str, smtp_port: u16) -> (Process, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_stint"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            database,
        ])
        .args(["--smtp-url", &format!("smtp://127.0.0.1:{smtp_port}")])
        .args(["--public-url", "https://stint.example"])
        .env("STINT_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("STINT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let process = Process(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..400 {
        let health = http.get(format!("{base}/stint/v1/health")).send().await;
        if health.is_ok_and(|answer| answer.status().is_success()) {
            return (process, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("stint serve did not become healthy at {base}");
}

/// The files of the Maildir's `new` folder: one per mail received.
fn received(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|entries| {
            entries
                .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

struct Admin {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Admin {
    async fn sign_in(base: &str) -> Admin {
        let http = reqwest::Client::new();
        let body: Value = http
            .post(format!("{base}/stint/v1/auth/token"))
            .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Admin {
            http,
            base: base.to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn n3_a_mail_not_sent_when_the_server_is_killed_is_sent_once_after_the_restart() {
    if std::env::var_os("STINT_TEST_SMTP").is_none() {
        eprintln!("SKIPPED n3 delivery after SIGKILL: set STINT_TEST_SMTP=1 (after `pip install aiosmtpd`) to run it against a real SMTP server");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("stint.db").display());
    let maildir = dir.path().join("mail");
    let smtp_port = free_port();

    let (mut first, base) = serve(&database, smtp_port).await;
    let admin = Admin::sign_in(&base).await;
    let (status, bob) = admin
        .post("/v1.0/users", json!({
            "accountEnabled": true, "displayName": "Bob", "userPrincipalName": "bob@contoso.com",
            "mail": "bob@mail.test", "passwordProfile": { "password": "bob-password-1" },
        }))
        .await;
    assert_eq!(status, 201, "{bob}");
    let (status, group) = admin
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Finance", "mailEnabled": false, "mailNickname": "finance",
                "securityEnabled": true,
            }),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_str().unwrap();
    let (status, _) = admin
        .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, request) = admin
        .post("/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests", json!({
            "accessId": "member", "principalId": bob["id"], "groupId": group, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "On call",
        }))
        .await;
    assert_eq!(status, 201, "{request}");
    first.0.kill().unwrap();
    assert!(!first.0.wait().unwrap().success(), "killed, not stopped");
    assert!(received(&maildir).is_empty());

    let _smtp = Aiosmtpd::start(smtp_port, &maildir, &[]);
    let (_second, base) = serve(&database, smtp_port).await;
    // A retry waits up to 30 s; a test-clock build is moved past it, a plain build waits.
    let admin = Admin::sign_in(&base).await;
    admin
        .post("/stint/v1/test/clock", json!({ "advance": "PT1H" }))
        .await;
    let mut mails = Vec::new();
    for _ in 0..1200 {
        mails = received(&maildir);
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 1, "one mail, sent once");
    assert!(mails[0].contains("bob@mail.test"), "{}", mails[0]);
    assert!(
        mails[0].contains("Subject: PIM: You are eligible for member of Finance"),
        "{}",
        mails[0]
    );
}
