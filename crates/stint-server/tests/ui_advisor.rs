//! The advisor's console page in headless Chromium (SPEC X1): an administrator reaches it from the
//! navigation and sees the counts and each finding with why, fix and a link that opens the page
//! where it is fixed; a Helpdesk Administrator has neither the entry nor the page. Screenshots at
//! 1280 and 390 px wide (`target/ui-screenshots/advisor*.png`; the README shows the first).
#![allow(clippy::unwrap_used)]

mod common;
mod ui_chrome;

use serde_json::json;
use stint_core::directory::BuiltInRole;

use common::{TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use ui_chrome::Chrome;

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

#[common::both_backends(flavor = "multi_thread", worker_threads = 2)]
async fn x1_the_advisor_page_lists_findings_with_why_fix_and_the_page_to_fix_them() {
    if !ui_chrome::enabled(
        "x1_the_advisor_page_lists_findings_with_why_fix_and_the_page_to_fix_them",
    ) {
        return;
    }
    let server = TestServer::start().await;
    let api = server.admin().await;
    let tier0 = api.create_group("Tier 0", true).await;
    api.assign_role(&tier0, BuiltInRole::GlobalAdministrator, "/")
        .await;
    let alice = api.create_user("alice").await;
    let eligible = json!({
        "accessId": "member", "principalId": alice, "groupId": tier0, "action": "adminAssign",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
        "justification": "Break-glass rota",
    });
    (api.post(&format!("{PIM}/eligibilityScheduleRequests"), eligible)
        .await)
        .expect(201);
    let findings = api.get("/stint/v1/advisor").await.expect(200);
    let high = findings["counts"]["high"].as_u64().unwrap();
    assert!(high >= 1, "{findings}");

    let mut chrome = Chrome::start(&server.base_url).await;
    chrome.sign_in(ADMIN, ADMIN_PASSWORD).await;
    chrome.click_text("Advisor").await;
    let page = chrome
        .wait_text("Members of Tier 0 activate without approval")
        .await;
    assert_eq!(chrome.h1().await, "Advisor");
    let medium = findings["counts"]["medium"].as_u64().unwrap();
    let low = findings["counts"]["low"].as_u64().unwrap();
    let counts = format!("{high} high, {medium} medium and {low} low-severity findings.");
    assert!(
        page.contains(&counts),
        "'{counts}' is not on the page:\n{page}"
    );
    for shown in [
        "High",
        "Why it matters:",
        "Fix:",
        "Go to the page where it is fixed",
    ] {
        assert!(
            page.contains(shown),
            "'{shown}' is not on the page:\n{page}"
        );
    }
    chrome.shot("advisor").await;
    chrome.phone_shot("advisor").await;

    chrome
        .click(&format!("a[href='/ui/groups/{tier0}/settings/member']"))
        .await;
    chrome.wait_text("Require approval").await;
    assert_eq!(
        chrome.path().await,
        format!("/ui/groups/{tier0}/settings/member")
    );

    chrome.click_text("Sign out").await;
    server
        .user_with_role("helen", BuiltInRole::HelpdeskAdministrator)
        .await;
    chrome.sign_in("helen", PASSWORD).await;
    assert!(!chrome.text().await.contains("Advisor"));
    chrome.goto("/ui/advisor").await;
    assert_eq!(chrome.h1().await, "Not allowed");
    chrome.stop().await;
}
