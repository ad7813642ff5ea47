//! Issue 18 in headless Chromium: the console's "Connectors" page (C1, C3) shows each connector's
//! state, last error, lag, last reconcile, drift, removal latency p50/p99 and links, with
//! screenshots at 1280 and 390 px wide (`target/ui-screenshots/connectors*.png`); its "Reconcile
//! now" button asks for a reconcile (a plain POST form with the CSRF field); and anyone but Global
//! and Privileged Role Administrators sees no "Connectors" in the navigation and is refused the
//! page.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_chrome;

use serde_json::json;
use stint_app::connector_worker::{ConnectorDriver, Round};
use stint_core::connector::ConnectorId;
use stint_core::directory::BuiltInRole;

use common::{TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use ui_chrome::Chrome;

#[common::both_backends(flavor = "multi_thread", worker_threads = 2)]
async fn c1_c3_the_connectors_page_shows_health_and_asks_for_a_reconcile() {
    if !ui_chrome::enabled("c1_c3_the_connectors_page_shows_health_and_asks_for_a_reconcile") {
        return;
    }
    let server = TestServer::start().await;
    let api = server.admin().await;
    let ops = api.create_group("Ops", false).await;
    // A directory nobody listens on: the round fails, and the page says so.
    let closed = stint_testkit::free_port();
    let body = json!({
        "displayName": "Corporate LDAP", "type": "ldap", "url": format!("ldap://127.0.0.1:{closed}"),
        "bindDn": "cn=stint,dc=example,dc=org", "bindPassword": "bind-secret-1",
        "baseDn": "dc=example,dc=org", "userFilter": "(uid={userPrincipalName})",
    });
    let connector = api.post("/stint/v1/connectors", body).await.expect(201);
    let id = connector["id"].as_str().unwrap().to_owned();
    let dn = "cn=ops,ou=groups,dc=example,dc=org";
    let link = json!({ "groupId": ops, "target": dn });
    (api.post(&format!("/stint/v1/connectors/{id}/links"), link)
        .await)
        .expect(201);
    let round = (server.app)
        .drive_connector(
            &ConnectorDriver::new(),
            ConnectorId(id.parse().unwrap()),
            false,
        )
        .await
        .unwrap();
    assert!(matches!(round, Round::Failed { .. }), "{round:?}");

    let mut chrome = Chrome::start(&server.base_url).await;
    chrome.sign_in(ADMIN, ADMIN_PASSWORD).await;
    chrome.click_text("Connectors").await;
    let page = chrome.wait_text("Corporate LDAP").await;
    assert_eq!(chrome.h1().await, "Connectors");
    for shown in [
        "Failing",
        "LDAP",
        "Last error",
        "Behind the feed",
        "Last reconcile",
        "Drift found",
        "p50",
        "p99",
        "Ops",
        dn,
        "Reconcile now",
    ] {
        assert!(
            page.contains(shown),
            "'{shown}' is not on the page:\n{page}"
        );
    }
    assert!(!page.contains("bind-secret-1"), "{page}");
    chrome.shot("connectors").await;
    chrome.phone_shot("connectors").await;

    chrome.click_text("Reconcile now").await;
    chrome.wait_text("A reconcile was asked for").await;
    assert!(chrome.path().await.starts_with("/ui/connectors"));
    let audit = api.get("/stint/v1/audit?$top=50").await.expect(200);
    let asked = (audit["value"].as_array().unwrap().iter())
        .filter(|event| event["action"] == "connector.reconcile")
        .count();
    assert_eq!(asked, 1, "{audit}");
    chrome.shot("connectors-reconcile-asked").await;

    // A Helpdesk Administrator has no such page.
    chrome.click_text("Sign out").await;
    server
        .user_with_role("helen", BuiltInRole::HelpdeskAdministrator)
        .await;
    chrome.sign_in("helen", PASSWORD).await;
    assert!(!chrome.text().await.contains("Connectors"));
    chrome.goto("/ui/connectors").await;
    assert_eq!(chrome.h1().await, "Not allowed");
    chrome.stop().await;
}
