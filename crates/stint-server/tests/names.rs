//! F7: names refuse control characters and bidirectional overrides, user principal names compare
//! after NFKC and case folding, and a failed sign-in never stores an unknown name as typed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use serde_json::{json, Value};

fn new_user(user_principal_name: &str, display_name: &str) -> Value {
    json!({
        "accountEnabled": true,
        "displayName": display_name,
        "userPrincipalName": user_principal_name,
        "mailNickname": "x",
        "passwordProfile": { "password": PASSWORD },
    })
}

#[common::both_backends]
async fn f7_a_fullwidth_user_name_collides_with_its_ascii_twin_and_signs_in_as_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.create_user("alice@contoso.com").await;
    for twin in [
        "Ａｄｍｉｎ",
        "ＡＬＩＣＥ@contoso.com",
        "alice@ｃｏｎｔｏｓｏ.com",
    ] {
        let message = admin
            .post("/v1.0/users", new_user(twin, "Twin"))
            .await
            .expect_error(400, "Request_MultipleObjectsWithSameKeyValue");
        assert!(message.contains("userPrincipalName"), "{message}");
    }
    let me = server
        .client_as("Ａｄｍｉｎ", ADMIN_PASSWORD)
        .await
        .get("/v1.0/me")
        .await
        .expect(200);
    assert_eq!(me["userPrincipalName"], ADMIN);
}

#[common::both_backends]
async fn f7_names_with_controls_or_bidirectional_overrides_are_400_naming_the_field_and_change_nothing(
) {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Finance", false).await;
    let users_before = admin.ids("/v1.0/users").await;
    let groups_before = admin.ids("/v1.0/groups").await;

    let refusals = [
        (
            admin
                .post(
                    "/v1.0/users",
                    new_user("mallory\u{202E}moc.osotnoc@contoso.com", "Mallory"),
                )
                .await,
            "userPrincipalName",
        ),
        (
            admin
                .post("/v1.0/users", new_user("eve@contoso.com", "Eve\u{0}"))
                .await,
            "displayName",
        ),
        (
            admin
                .post(
                    "/v1.0/users",
                    new_user("eve@contoso.com", "Eve\u{2066}Admin"),
                )
                .await,
            "displayName",
        ),
        (
            admin
                .patch(
                    &format!("/v1.0/users/{alice}"),
                    json!({ "displayName": "Alice\u{200F}" }),
                )
                .await,
            "displayName",
        ),
        (
            admin
                .post(
                    "/v1.0/groups",
                    json!({
                        "displayName": "Tier\u{202D}0",
                        "mailEnabled": false,
                        "mailNickname": "tier0",
                        "securityEnabled": true,
                    }),
                )
                .await,
            "displayName",
        ),
        (
            admin
                .patch(
                    &format!("/v1.0/groups/{group}"),
                    json!({ "displayName": "Fin\u{7}ance" }),
                )
                .await,
            "displayName",
        ),
        (
            admin
                .post(
                    "/v1.0/directory/administrativeUnits",
                    json!({ "displayName": "Unit\u{202A}" }),
                )
                .await,
            "displayName",
        ),
    ];
    for (reply, field) in refusals {
        let path = reply.path.clone();
        let message = reply.expect_error(400, "BadRequest");
        assert!(message.contains(&format!("'{field}'")), "{path}: {message}");
    }
    assert_eq!(admin.ids("/v1.0/users").await, users_before);
    assert_eq!(admin.ids("/v1.0/groups").await, groups_before);
    let alice_now = admin.get(&format!("/v1.0/users/{alice}")).await.expect(200);
    assert_eq!(alice_now["displayName"], "alice");
    let units = admin
        .get("/v1.0/directory/administrativeUnits")
        .await
        .expect(200);
    assert_eq!(units["value"].as_array().unwrap().len(), 0);
}

#[common::both_backends]
async fn f7_a_failed_sign_in_as_an_unknown_name_is_audited_by_pseudonym_never_as_typed() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    server
        .sign_in("Hunter2-Secret!", "whatever")
        .await
        .expect_error(401, "InvalidCredentials");
    let audit = admin.get("/stint/v1/audit?$top=999").await.expect(200);
    let text = audit.to_string();
    assert!(!text.to_lowercase().contains("hunter2"), "{text}");
    let failed: Vec<&str> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.signInFailed")
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].starts_with("1 failed sign-in as an unknown user name #"),
        "{failed:?}"
    );
}
