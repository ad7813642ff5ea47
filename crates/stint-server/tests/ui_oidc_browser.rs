//! I3, O1 in headless Chromium: a person signs in to the console through a real OpenID Provider
//! (panva's `oidc-provider`, see `oidc_kit`) by clicking "Sign in with …". Needs both
//! `STINT_TEST_CHROMIUM` and `STINT_TEST_OIDC` (`.ci/run` sets both); else one `SKIPPED` line.
#![allow(clippy::unwrap_used)]

mod common;
mod oidc_kit;
mod ui_chrome;
mod ui_kit;

use std::time::Duration;

use serde_json::json;
use stint_core::rules::federation::Enrolment;
use ui_chrome::Chrome;

#[tokio::test]
async fn o1_i3_a_person_signs_in_through_the_provider_from_the_console() {
    if !ui_chrome::enabled("o1_i3_a_person_signs_in_through_the_provider_from_the_console") {
        return;
    }
    let link = Enrolment {
        link_by_email: true,
        create_users: false,
    };
    let Some(world) = oidc_kit::World::start("ui_oidc_browser", link, None).await else {
        return;
    };
    let admin = world.server.admin().await;
    let lena = admin.create_user("lena").await;
    admin
        .patch(
            &format!("/v1.0/users/{lena}"),
            json!({ "mail": "lena@example.com", "displayName": "Lena Larsen" }),
        )
        .await
        .expect(204);
    world
        .provider
        .add_account("lena-sub", "lena@example.com", true)
        .await;

    let mut chrome = Chrome::start(&world.server.base_url).await;
    chrome.goto("/ui/sign-in").await;
    chrome.check_accessibility().await;
    chrome.shot("oidc-sign-in").await;
    chrome.click_text("Sign in with Test IdP").await;
    let mut path = String::new();
    for _ in 0..200 {
        path = chrome.path().await;
        if path.starts_with("/ui/my-roles") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(path.starts_with("/ui/my-roles"), "ended at {path}");
    assert!(
        chrome.text().await.contains("Lena Larsen"),
        "{}",
        chrome.text().await
    );
    chrome.shot("oidc-signed-in").await;
    chrome.stop().await;
}
