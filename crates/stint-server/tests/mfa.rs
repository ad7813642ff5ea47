//! I5, D8, U1 over HTTP: TOTP enrolment, sign-in with a code, replay protection, step-up, the
//! rate limit, and administrators' credential resets. Codes are made here with `totp-rs` from the
//! secret the server returns, at the server's manual clock.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::{graph_time, Client, TestServer, PASSWORD};
use serde_json::{json, Value};
use stint_core::directory::BuiltInRole::*;
use totp_rs::{Algorithm, Secret, TOTP};

/// A person's authenticator app.
struct App(TOTP);

impl App {
    fn from_secret(secret: &str) -> App {
        let bytes = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
        App(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes))
    }

    fn code(&self, at: DateTime<Utc>) -> String {
        self.0.generate(at.timestamp() as u64)
    }

    /// A code that is not the one of `at` nor of the steps either side.
    fn wrong_code(&self, at: DateTime<Utc>) -> String {
        let near: Vec<String> = [-30, 0, 30]
            .iter()
            .map(|s| self.code(at + TimeDelta::seconds(*s)))
            .collect();
        (0..1_000_000)
            .map(|n| format!("{n:06}"))
            .find(|candidate| !near.contains(candidate))
            .unwrap()
    }
}

async fn sign_in_with(
    server: &TestServer,
    user: &str,
    password: &str,
    totp: &str,
) -> common::Reply {
    server
        .anonymous()
        .post(
            "/stint/v1/auth/token",
            json!({ "username": user, "password": password, "totp": totp }),
        )
        .await
}

fn client_with(server: &TestServer, body: Value) -> Client {
    let token = body["access_token"].as_str().unwrap();
    server.anonymous().with_token(token)
}

/// Creates `user` with [`PASSWORD`], signs in, enrols and confirms a TOTP authenticator, and moves
/// the clock to the next step so that the confirming code is not the current one any more.
async fn enrolled(server: &TestServer, admin: &Client, user: &str) -> (String, Client, App) {
    let id = admin.create_user(user).await;
    let client = server.client_as(user, PASSWORD).await;
    let enrolment = client
        .post("/stint/v1/me/authenticators/totp", json!({}))
        .await
        .expect(201);
    let app = App::from_secret(enrolment["secret"].as_str().unwrap());
    client
        .post(
            "/stint/v1/me/authenticators/totp/confirm",
            json!({ "code": app.code(server.now()) }),
        )
        .await
        .expect(204);
    server.advance(TimeDelta::seconds(30));
    (id, client, app)
}

async fn audit_of(admin: &Client, user: &str) -> Vec<(String, String, String)> {
    let audit = admin
        .get(&format!("/stint/v1/audit?principalId={user}&$top=999"))
        .await
        .expect(200);
    audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            (
                event["action"].as_str().unwrap().to_string(),
                event["result"].as_str().unwrap().to_string(),
                event["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[common::both_backends]
async fn i5_enrol_confirm_then_sign_in_needs_the_code() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice_id = admin.create_user("alice@contoso.com").await;
    let alice = server.client_as("alice@contoso.com", PASSWORD).await;

    let enrolment = alice
        .post("/stint/v1/me/authenticators/totp", json!({}))
        .await
        .expect(201);
    let secret = enrolment["secret"].as_str().unwrap();
    assert_eq!(enrolment["confirmed"], false);
    assert_eq!(
        enrolment["otpauthUri"],
        format!("otpauth://totp/Stint:alice@contoso.com?secret={secret}&issuer=Stint&algorithm=SHA1&digits=6&period=30")
    );
    let authenticators = alice.get("/stint/v1/me/authenticators").await.expect(200);
    assert_eq!(authenticators["totp"]["confirmed"], false);
    assert!(!authenticators.to_string().contains(secret));

    // Unconfirmed, it is not asked for.
    server
        .sign_in("alice@contoso.com", PASSWORD)
        .await
        .expect(200);

    let app = App::from_secret(secret);
    alice
        .post(
            "/stint/v1/me/authenticators/totp/confirm",
            json!({ "code": app.wrong_code(server.now()) }),
        )
        .await
        .expect_error(403, "InvalidTotpCode");
    alice
        .post(
            "/stint/v1/me/authenticators/totp/confirm",
            json!({ "code": app.code(server.now()) }),
        )
        .await
        .expect(204);
    let authenticators = alice.get("/stint/v1/me/authenticators").await.expect(200);
    assert_eq!(authenticators["totp"]["confirmed"], true);

    // Confirmed, the password alone is not enough; the message says what to send.
    let message = server
        .sign_in("alice@contoso.com", PASSWORD)
        .await
        .expect_error(401, "MfaRequired");
    assert_eq!(
        message,
        "This account needs a TOTP code: send \"totp\" with the user name and password."
    );
    // A wrong password says nothing about TOTP, even with a right code.
    server.advance(TimeDelta::seconds(30));
    sign_in_with(
        &server,
        "alice@contoso.com",
        "wrong-password",
        &app.code(server.now()),
    )
    .await
    .expect_error(401, "InvalidCredentials");

    let code = app.code(server.now());
    let body = sign_in_with(&server, "alice@contoso.com", PASSWORD, &code)
        .await
        .expect(200);
    let signed_in = client_with(&server, body);
    signed_in.get("/v1.0/me").await.expect(200);

    // The same code is accepted once only.
    sign_in_with(&server, "alice@contoso.com", PASSWORD, &code)
        .await
        .expect_error(401, "MfaRequired");

    // A code is never echoed, and everything is audited.
    let events = audit_of(&admin, &alice_id).await;
    assert!(events
        .iter()
        .all(|(_, _, message)| !message.contains(&code)));
    let mfa: Vec<&str> = events
        .iter()
        .filter(|(action, _, _)| action == "auth.mfa")
        .map(|(_, result, _)| result.as_str())
        .collect();
    // Newest first: the replay, the sign-in, the confirmation, the wrong first code.
    assert_eq!(mfa, ["failure", "success", "success", "failure"]);
    for action in [
        "user.authenticator.enrol",
        "user.authenticator.confirm",
        "auth.signIn",
    ] {
        assert!(
            events.iter().any(|(a, r, _)| a == action && r == "success"),
            "no {action} in {events:?}"
        );
    }
    assert!(events
        .iter()
        .any(|(a, r, m)| a == "auth.signIn" && r == "failure" && m.contains("no TOTP code")));
}

#[common::both_backends]
async fn i5_a_confirmed_authenticator_cannot_be_enrolled_over() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, alice, _) = enrolled(&server, &admin, "alice@contoso.com").await;
    let message = alice
        .post("/stint/v1/me/authenticators/totp", json!({}))
        .await
        .expect_error(400, "Request_MultipleObjectsWithSameKeyValue");
    assert!(message.contains("reset"), "{message}");
}

#[common::both_backends]
async fn i5_step_up_records_a_fresh_mfa_on_the_token() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, alice, app) = enrolled(&server, &admin, "alice@contoso.com").await;

    let code = app.code(server.now());
    let body = alice
        .post("/stint/v1/auth/step-up", json!({ "code": code }))
        .await
        .expect(200);
    assert_eq!(body["mfaAt"], graph_time(server.now()));

    alice
        .post("/stint/v1/auth/step-up", json!({ "code": code }))
        .await
        .expect_error(403, "InvalidTotpCode");

    // A user without an authenticator has nothing to step up with.
    admin
        .post("/stint/v1/auth/step-up", json!({ "code": "123456" }))
        .await
        .expect_error(400, "BadRequest");
    server
        .anonymous()
        .post("/stint/v1/auth/step-up", json!({ "code": "123456" }))
        .await
        .expect_error(401, "InvalidAuthenticationToken");
}

#[common::both_backends]
async fn i5_removing_ones_authenticator_needs_a_recent_step_up() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, alice, app) = enrolled(&server, &admin, "alice@contoso.com").await;

    let message = alice
        .delete("/stint/v1/me/authenticators/totp")
        .await
        .expect_error(403, "MfaRequired");
    assert!(message.contains("step-up"), "{message}");

    alice
        .post(
            "/stint/v1/auth/step-up",
            json!({ "code": app.code(server.now()) }),
        )
        .await
        .expect(200);
    alice
        .delete("/stint/v1/me/authenticators/totp")
        .await
        .expect(204);
    server
        .sign_in("alice@contoso.com", PASSWORD)
        .await
        .expect(200);
    alice
        .delete("/stint/v1/me/authenticators/totp")
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

#[common::both_backends]
async fn i5_five_wrong_codes_lock_for_five_minutes() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, _, app) = enrolled(&server, &admin, "alice@contoso.com").await;

    for _ in 0..5 {
        sign_in_with(
            &server,
            "alice@contoso.com",
            PASSWORD,
            &app.wrong_code(server.now()),
        )
        .await
        .expect_error(401, "MfaRequired");
    }
    let locked_at = server.now();
    let message = sign_in_with(&server, "alice@contoso.com", PASSWORD, &app.code(locked_at))
        .await
        .expect_error(429, "TooManyRequests");
    let retry_at =
        (locked_at + TimeDelta::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(message.contains(&retry_at), "{message}");

    server.advance(TimeDelta::minutes(4));
    sign_in_with(
        &server,
        "alice@contoso.com",
        PASSWORD,
        &app.code(server.now()),
    )
    .await
    .expect_error(429, "TooManyRequests");

    server.advance(TimeDelta::minutes(1));
    sign_in_with(
        &server,
        "alice@contoso.com",
        PASSWORD,
        &app.code(server.now()),
    )
    .await
    .expect(200);
}

#[common::both_backends]
async fn d8_helpdesk_resets_an_ordinary_user_who_then_signs_in_with_the_new_password() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, helpdesk) = server
        .user_with_role("hana@contoso.com", HelpdeskAdministrator)
        .await;
    let (alice_id, alice, _) = enrolled(&server, &admin, "alice@contoso.com").await;

    helpdesk
        .post(
            &format!("/stint/v1/users/{alice_id}/resetCredentials"),
            json!({ "password": "new-password-2", "removeAuthenticator": true }),
        )
        .await
        .expect(204);

    // The reset ends alice's sessions; she signs in with the new password and no code.
    alice
        .get("/v1.0/me")
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    server
        .sign_in("alice@contoso.com", PASSWORD)
        .await
        .expect_error(401, "InvalidCredentials");
    server
        .sign_in("alice@contoso.com", "new-password-2")
        .await
        .expect(200);

    let events = audit_of(&admin, &alice_id).await;
    assert!(
        events
            .iter()
            .any(|(a, r, _)| a == "user.resetCredentials" && r == "success"),
        "{events:?}"
    );
    assert!(events
        .iter()
        .all(|(_, _, message)| !message.contains("new-password-2")));
}

#[common::both_backends]
async fn d8_helpdesk_cannot_reset_an_active_member_of_a_role_assignable_group() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, helpdesk) = server
        .user_with_role("hana@contoso.com", HelpdeskAdministrator)
        .await;
    let (_, pra) = server
        .user_with_role("pra@contoso.com", PrivilegedRoleAdministrator)
        .await;
    let (bob_id, _, app) = enrolled(&server, &admin, "bob@contoso.com").await;
    let tier0 = admin.create_group("Tier 0", true).await;
    admin.add_member(&tier0, &bob_id).await;

    let path = format!("/stint/v1/users/{bob_id}/resetCredentials");
    let message = helpdesk
        .post(&path, json!({ "removeAuthenticator": true }))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(
        message.contains("Privileged Role Administrator"),
        "{message}"
    );
    let events = audit_of(&admin, &bob_id).await;
    assert!(
        events
            .iter()
            .any(|(a, r, _)| a == "user.resetCredentials" && r == "failure"),
        "{events:?}"
    );
    // Still needs the code.
    sign_in_with(
        &server,
        "bob@contoso.com",
        PASSWORD,
        &app.code(server.now()),
    )
    .await
    .expect(200);

    pra.post(&path, json!({ "removeAuthenticator": true }))
        .await
        .expect(204);
    server
        .sign_in("bob@contoso.com", PASSWORD)
        .await
        .expect(200);
}

#[common::both_backends]
async fn d8_resets_need_an_administrator_and_something_to_reset() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice_id = admin.create_user("alice@contoso.com").await;
    admin.create_user("bob@contoso.com").await;
    let bob = server.client_as("bob@contoso.com", PASSWORD).await;
    let path = format!("/stint/v1/users/{alice_id}/resetCredentials");

    bob.post(&path, json!({ "password": "new-password-2" }))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    admin
        .post(&path, json!({}))
        .await
        .expect_error(400, "BadRequest");
    let message = admin
        .post(&path, json!({ "password": "short" }))
        .await
        .expect_error(400, "BadRequest");
    assert!(!message.contains("short"), "{message}");
    admin
        .post(
            "/stint/v1/users/nobody@contoso.com/resetCredentials",
            json!({ "removeAuthenticator": true }),
        )
        .await
        .expect_error(404, "Request_ResourceNotFound");
    // By userPrincipalName, like /v1.0/users/{id}.
    admin
        .post(
            "/stint/v1/users/alice@contoso.com/resetCredentials",
            json!({ "password": "new-password-2" }),
        )
        .await
        .expect(204);
}
