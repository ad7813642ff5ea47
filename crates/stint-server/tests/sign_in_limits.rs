//! F3 (brute-force protection of passwords) and F4 (disabling or resetting an account ends its
//! tokens and console sessions for good), on a manual clock: no test sleeps.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use chrono::TimeDelta;
use common::{test_config, TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use serde_json::{json, Value};
use stint_app::config::SignInLimits;
use stint_app::AppConfig;
use ui_kit::Browser;

/// A sign-in answer with the header the throttle sets.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Answer {
    /// The error body without `innerError` (its request id and date differ on every call).
    fn error(&self) -> (Value, Value) {
        (
            self.body["error"]["code"].clone(),
            self.body["error"]["message"].clone(),
        )
    }
}

async fn try_sign_in(server: &TestServer, user: &str, password: &str) -> Answer {
    let response = reqwest::Client::new()
        .post(format!("{}/stint/v1/auth/token", server.base_url))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_string());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        body,
    }
}

async fn fail_times(server: &TestServer, user: &str, times: usize) {
    for _ in 0..times {
        let answer = try_sign_in(server, user, "not-the-password").await;
        assert_eq!(answer.status, 401, "{answer:?}");
    }
}

/// The `auth.signInFailed` events about user names (not sources), newest first: (count, message).
async fn failure_events(reader: &common::Client) -> Vec<(u32, String)> {
    let audit = reader.get("/stint/v1/audit?$top=999").await.expect(200);
    audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.signInFailed" && e["targetType"] != "source")
        .map(|e| {
            let message = e["message"].as_str().unwrap().to_string();
            let count = message.split(' ').next().unwrap().parse().unwrap();
            (count, message)
        })
        .collect()
}

#[common::both_backends]
async fn f3_the_sixth_try_within_the_window_is_429_with_retry_after_and_the_right_password_works_after_it(
) {
    let server = TestServer::start().await;
    fail_times(&server, ADMIN, 5).await;
    // Locked: even the right password is refused, without a check.
    let locked = try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(locked.status, 429, "{locked:?}");
    assert_eq!(locked.retry_after.as_deref(), Some("60"));
    assert_eq!(locked.body["error"]["code"], "TooManyRequests");
    assert!(locked.body["error"]["innerError"]["request-id"].is_string());
    server.advance(TimeDelta::seconds(59));
    let still = try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(
        (still.status, still.retry_after.as_deref()),
        (429, Some("1"))
    );
    server.advance(TimeDelta::seconds(1));
    let after = try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(after.status, 200, "{after:?}");
}

#[common::both_backends]
async fn f3_each_failure_after_a_lockout_doubles_it_up_to_fifteen_minutes() {
    let server = TestServer::start().await;
    fail_times(&server, ADMIN, 5).await;
    let mut waits = Vec::new();
    for _ in 0..6 {
        let refused = try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(refused.status, 429);
        let seconds: i64 = refused.retry_after.unwrap().parse().unwrap();
        waits.push(seconds);
        server.advance(TimeDelta::seconds(seconds));
        fail_times(&server, ADMIN, 1).await;
    }
    assert_eq!(waits, [60, 120, 240, 480, 900, 900]);
    // Fifteen quiet minutes after the last lock-out ends, the count is forgotten.
    server.advance(TimeDelta::minutes(30));
    fail_times(&server, ADMIN, 4).await;
    assert_eq!(
        try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await.status,
        200
    );
}

#[common::both_backends]
async fn f3_a_locked_existing_account_and_an_unknown_name_answer_alike() {
    let server = TestServer::start().await;
    fail_times(&server, ADMIN, 5).await;
    fail_times(&server, "nobody@contoso.com", 5).await;
    let existing = try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await;
    let unknown = try_sign_in(&server, "nobody@contoso.com", ADMIN_PASSWORD).await;
    assert_eq!(existing.status, 429);
    assert_eq!(
        (existing.status, &existing.retry_after, existing.error()),
        (unknown.status, &unknown.retry_after, unknown.error())
    );
    let message = existing.body["error"]["message"].as_str().unwrap();
    assert!(!message.to_lowercase().contains("locked"), "{message}");
}

#[common::both_backends]
async fn f3_one_source_is_throttled_across_many_user_names() {
    let config = AppConfig {
        sign_in: SignInLimits {
            source_failures: 12,
            ..SignInLimits::default()
        },
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    for i in 0..12 {
        fail_times(&server, &format!("guess{i}@contoso.com"), 1).await;
    }
    // A name never tried before, and the right password of a real account: refused alike.
    let fresh = try_sign_in(&server, "guess99@contoso.com", "x").await;
    assert_eq!(
        (fresh.status, fresh.retry_after.as_deref()),
        (429, Some("60"))
    );
    let right = try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(right.status, 429);
    server.advance(TimeDelta::minutes(1));
    assert_eq!(
        try_sign_in(&server, ADMIN, ADMIN_PASSWORD).await.status,
        200
    );
    let audit = server
        .admin()
        .await
        .get("/stint/v1/audit?$top=999")
        .await
        .expect(200);
    let source: Vec<&Value> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.signInFailed" && e["targetType"] == "source")
        .collect();
    assert_eq!(source.len(), 1, "{source:?}");
    assert!(source[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("12 failed sign-ins from 127.0.0.1"));
}

#[common::both_backends]
async fn f3_failed_sign_ins_are_audited_in_a_bounded_number_of_events_with_their_count() {
    let server = TestServer::start().await;
    let reader = server.admin().await;
    fail_times(&server, ADMIN, 5).await;
    for _ in 0..20 {
        assert_eq!(try_sign_in(&server, ADMIN, "guess").await.status, 429);
    }
    server.advance(TimeDelta::minutes(1));
    fail_times(&server, ADMIN, 1).await;
    let events = failure_events(&reader).await;
    // The first failure, the first lock-out, the second lock-out: 26 tries in 3 events.
    assert_eq!(
        events.iter().map(|(count, _)| *count).collect::<Vec<_>>(),
        [21, 4, 1],
        "{events:?}"
    );
    assert!(events[0].1.contains("as admin"), "{events:?}");
    assert!(events[0].1.contains("refused for 2 minutes"), "{events:?}");
    for (_, message) in &events {
        assert!(!message.contains("not-the-password") && !message.contains("guess"));
    }
}

#[common::both_backends]
async fn f3_the_console_sign_in_is_throttled_in_plain_words() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server.base_url);
    let form = browser.get("/ui/sign-in").await;
    let csrf = form.csrf();
    let post = |password: &'static str| {
        let browser = &browser;
        let csrf = csrf.clone();
        async move {
            browser
                .post(
                    "/ui/sign-in",
                    &csrf,
                    &[("username", ADMIN), ("password", password)],
                )
                .await
        }
    };
    for _ in 0..5 {
        assert_eq!(post("not-the-password").await.status, 401);
    }
    let refused = post(ADMIN_PASSWORD).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.headers["retry-after"], "60");
    assert!(
        refused.contains("Too many attempts. Try again in 1 minute."),
        "{}",
        refused.body
    );
    server.advance(TimeDelta::minutes(1));
    assert_eq!(post(ADMIN_PASSWORD).await.status, 303);
}

async fn console_session_works(browser: &Browser) -> bool {
    browser.get("/ui/my-roles").await.status == 200
}

#[common::both_backends]
async fn f4_a_disabled_users_tokens_and_console_sessions_stay_revoked_after_re_enabling() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let token = server.client_as("alice@contoso.com", PASSWORD).await;
    let browser = Browser::new(&server.base_url);
    browser.sign_in("alice@contoso.com", PASSWORD, None).await;
    token.get("/v1.0/me").await.expect(200);
    assert!(console_session_works(&browser).await);

    let path = format!("/v1.0/users/{alice}");
    admin
        .patch(&path, json!({ "accountEnabled": false }))
        .await
        .expect(204);
    token.get("/v1.0/me").await.expect(401);
    assert!(!console_session_works(&browser).await);
    admin
        .patch(&path, json!({ "accountEnabled": true }))
        .await
        .expect(204);
    token.get("/v1.0/me").await.expect(401);
    assert!(!console_session_works(&browser).await);
    // She signs in again and gets new ones.
    let again = server.client_as("alice@contoso.com", PASSWORD).await;
    again.get("/v1.0/me").await.expect(200);
}

#[common::both_backends]
async fn f4_a_password_reset_by_an_administrator_ends_tokens_and_console_sessions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let token = server.client_as("alice@contoso.com", PASSWORD).await;
    let browser = Browser::new(&server.base_url);
    browser.sign_in("alice@contoso.com", PASSWORD, None).await;
    admin
        .patch(
            &format!("/v1.0/users/{alice}"),
            json!({ "passwordProfile": { "password": "a-new-password-2" } }),
        )
        .await
        .expect(204);
    token.get("/v1.0/me").await.expect(401);
    assert!(!console_session_works(&browser).await);
    server
        .client_as("alice@contoso.com", "a-new-password-2")
        .await
        .get("/v1.0/me")
        .await
        .expect(200);
}
