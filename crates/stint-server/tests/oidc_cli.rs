//! The command line's sign-in through a real OpenID Provider (issue 17 item 4; O4, with O1): the
//! browser's part of `stint login --sso` played by a cookie jar, and the codes and device grant of
//! `/stint/v1/auth/sso/*` (the `stint` binary's own run is in `crates/stint/tests/sso.rs`).
//! Mandatory where `STINT_TEST_OIDC` is set; elsewhere each test prints one `SKIPPED` line.
#![allow(clippy::unwrap_used)]

mod common;
mod oidc_kit;
mod ui_kit;

use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_core::rules::federation::Enrolment;

use common::{TestServer, ADMIN, ADMIN_PASSWORD};
use oidc_kit::{Person, World};

const LINK_BY_EMAIL: Enrolment = Enrolment {
    link_by_email: true,
    create_users: false,
};
/// RFC 7636's example: this verifier's S256 challenge is [`CHALLENGE`].
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const LOOPBACK: &str = "http://127.0.0.1:4711/callback";

/// A world where alice (mail alice@example.com) has the account `alice-sub` at the provider.
async fn world(test: &str, device_flow: bool) -> Option<World> {
    let world = World::start_with(test, LINK_BY_EMAIL, None, device_flow).await?;
    world.add_person("alice").await;
    Some(world)
}

fn cli_start(redirect_uri: &str, login_hint: &str) -> String {
    format!(
        "/ui/auth/oidc/cli?redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256&state=st-1&login_hint={}",
        ui_kit::encode(redirect_uri),
        ui_kit::encode(login_hint)
    )
}

/// The browser's part of a command-line sign-in as `login_hint`: where Stint's callback sends it.
async fn to_loopback(person: &Person, login_hint: &str) -> String {
    let start = person.get(&cli_start(LOOPBACK, login_hint)).await;
    assert_eq!(start.status, 303, "{}", start.body);
    let callback = person.through_provider(&start.location.unwrap()).await;
    let landing = person.get(&callback).await;
    assert_eq!(landing.status, 303, "{}", landing.body);
    assert!(person.session().is_none(), "no console session for the CLI");
    landing.location.unwrap()
}

/// The value of `name` in the query of `url`, decoded.
fn query_value(url: &str, name: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).unwrap();
    parsed
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

async fn redeem(server: &TestServer, code: &str, verifier: &str) -> common::Reply {
    server
        .anonymous()
        .post(
            "/stint/v1/auth/sso/token",
            json!({ "code": code, "code_verifier": verifier, "redirect_uri": LOOPBACK }),
        )
        .await
}

async fn me(server: &TestServer, token: &str) -> String {
    let me = server.anonymous().with_token(token).get("/v1.0/me").await;
    me.expect(200)["userPrincipalName"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn o4_o1_a_loopback_code_gives_a_token_once_and_only_with_its_verifier() {
    let Some(world) = world("oidc_cli", true).await else {
        return;
    };
    let server = &world.server;
    let landing = to_loopback(&world.person(), "alice-sub").await;
    assert!(landing.starts_with(LOOPBACK), "{landing}");
    assert_eq!(query_value(&landing, "state").as_deref(), Some("st-1"));
    let code = query_value(&landing, "code").unwrap();

    let answer = redeem(server, &code, VERIFIER).await.expect(200);
    assert_eq!(answer["token_type"], "Bearer");
    let password = server.sign_in(ADMIN, ADMIN_PASSWORD).await.expect(200);
    assert_eq!(
        answer["expires_in"], password["expires_in"],
        "as a password's"
    );
    let token = answer["access_token"].as_str().unwrap();
    assert_eq!(me(server, token).await, "alice");

    // Replayed: refused, and the first token still works.
    let message = redeem(server, &code, VERIFIER)
        .await
        .expect_error(400, "invalid_grant");
    assert!(message.contains("used already"), "{message}");
    assert_eq!(me(server, token).await, "alice");

    // A wrong verifier is refused, and ends the code: the right one no longer works either.
    let code = query_value(&to_loopback(&world.person(), "alice-sub").await, "code").unwrap();
    let wrong = VERIFIER.replace('d', "e");
    redeem(server, &code, &wrong)
        .await
        .expect_error(400, "invalid_grant");
    redeem(server, &code, VERIFIER)
        .await
        .expect_error(400, "invalid_grant");
    // Not a code at all.
    redeem(server, "stint_forged", VERIFIER)
        .await
        .expect_error(400, "invalid_grant");

    let issued = world.audit("auth.tokenIssued").await;
    assert_eq!(issued.len(), 1, "{issued:?}");
    oidc_kit::assert_refusal_audited(&world, "used already").await;
    oidc_kit::assert_refusal_audited(&world, "PKCE verifier").await;
    oidc_kit::assert_refusal_audited(&world, "not a code Stint issued").await;
}

#[tokio::test]
async fn o4_a_code_expires_after_two_minutes() {
    let Some(world) = world("oidc_cli", true).await else {
        return;
    };
    let landing = to_loopback(&world.person(), "alice-sub").await;
    let code = query_value(&landing, "code").unwrap();
    world.server.advance(TimeDelta::minutes(3));
    redeem(&world.server, &code, VERIFIER)
        .await
        .expect_error(400, "invalid_grant");
}

#[tokio::test]
async fn o4_only_a_loopback_redirect_uri_is_accepted() {
    let Some(world) = world("oidc_cli", true).await else {
        return;
    };
    for refused in [
        "https://evil.example/callback",
        "http://localhost:4711/callback",
        "http://127.0.0.1.evil.example:4711/callback",
    ] {
        let person = world.person();
        let page = person.get(&cli_start(refused, "alice-sub")).await;
        assert_eq!(page.status, 400, "{refused}: {}", page.body);
        assert!(page.location.is_none(), "{refused}");
        assert!(
            page.body
                .contains("redirect_uri must be http://127.0.0.1:PORT"),
            "{}",
            page.body
        );
    }
    let plain = world
        .person()
        .get(&cli_start(LOOPBACK, "alice-sub").replace("S256", "plain"))
        .await;
    assert_eq!(plain.status, 400);
    assert!(plain.body.contains("code_challenge_method must be S256"));
}

#[tokio::test]
async fn o4_o1_a_refused_identity_goes_back_to_the_command_line_with_why() {
    let Some(world) = world("oidc_cli", true).await else {
        return;
    };
    world
        .provider
        .add_account("carol-sub", "carol@example.com", true)
        .await;
    let landing = to_loopback(&world.person(), "carol-sub").await;
    assert!(landing.starts_with(LOOPBACK), "{landing}");
    assert_eq!(
        query_value(&landing, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_value(&landing, "state").as_deref(), Some("st-1"));
    assert!(query_value(&landing, "code").is_none());
    let why = query_value(&landing, "error_description").unwrap();
    assert!(why.contains("You have no account in Stint yet"), "{why}");
    oidc_kit::assert_refusal_audited(&world, "carol-sub").await;
}

async fn poll(server: &TestServer, handle: &str) -> common::Reply {
    server
        .anonymous()
        .post(
            "/stint/v1/auth/sso/device/token",
            json!({ "handle": handle }),
        )
        .await
}

#[tokio::test]
async fn o4_o1_the_device_grant_signs_in_through_the_provider() {
    let Some(world) = world("oidc_cli", true).await else {
        return;
    };
    let server = &world.server;
    let started: Value = server
        .anonymous()
        .post("/stint/v1/auth/sso/device", json!({}))
        .await
        .expect(200);
    let handle = started["handle"].as_str().unwrap();
    let user_code = started["user_code"].as_str().unwrap();
    let verification_uri = started["verification_uri"].as_str().unwrap();
    assert!(verification_uri.starts_with(&world.provider.issuer));
    assert!(started["interval"].as_i64().unwrap() >= 1);
    assert!(!started.to_string().contains("device_code"), "{started}");

    poll(server, handle)
        .await
        .expect_error(400, "authorization_pending");
    world
        .person()
        .enter_user_code(verification_uri, user_code)
        .await;
    // The provider enforces no interval; the person has finished, so the next poll signs in.
    let answer = poll(server, handle).await.expect(200);
    let token = answer["access_token"].as_str().unwrap();
    assert_eq!(me(server, token).await, "alice");
    // The provider's device code works once.
    poll(server, handle)
        .await
        .expect_error(400, "invalid_grant");
    let sign_ins = world.audit("auth.signIn").await;
    assert!(
        sign_ins
            .iter()
            .any(|(_, message)| message.contains("alice-sub")),
        "{sign_ins:?}"
    );
}

#[tokio::test]
async fn o4_without_the_providers_device_grant_device_sign_in_is_refused_clearly() {
    let Some(world) = world("oidc_cli", false).await else {
        return;
    };
    let message = world
        .server
        .anonymous()
        .post("/stint/v1/auth/sso/device", json!({}))
        .await
        .expect_error(400, "DeviceFlowNotOffered");
    assert!(message.contains("does not offer"), "{message}");
}
