//! Issue 19 item 4 without a browser: the console's audit reads as people read it. Actions are
//! phrases, ids are names, times go to the second, a console sign-in is one event, and the
//! events can be narrowed to an action and a person. The API keeps its action codes.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_chrome;
mod ui_kit;

use chrono::TimeDelta;
use common::{Client, TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use serde_json::{json, Value};
use ui_chrome::Chrome;
use ui_kit::{encode, text, Browser, Page};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// The text of every cell of the column `label` of the page's table.
fn column(page: &Page, label: &str) -> Vec<String> {
    let marker = format!("<td data-label=\"{label}\"");
    page.body
        .match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &page.body[at..];
            let open = rest.find('>')? + 1;
            let close = rest.find("</td>")?;
            Some(text(&rest[open..close]))
        })
        .collect()
}

/// Whether `cell` ends with a time to the second: `..., 14:30:07 UTC`.
fn to_the_second(cell: &str) -> bool {
    let Some(clock) = cell.strip_suffix(" UTC") else {
        return false;
    };
    let clock = &clock[clock.len().saturating_sub(8)..];
    clock.len() == 8
        && clock.chars().enumerate().all(|(i, c)| {
            if i == 2 || i == 5 {
                c == ':'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// A managed group "Payments Admins" that alice is eligible for, for the `reason` given.
async fn world(reason: &str) -> (TestServer, Client, String, String) {
    let server = TestServer::start().await;
    let api = server.admin().await;
    let alice = api.create_user("alice@contoso.com").await;
    let group = api.create_group("Payments Admins", false).await;
    api.post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    api.post(
        &format!("{PIM}/eligibilityScheduleRequests"),
        json!({"accessId": "member", "principalId": alice, "groupId": group, "action": "adminAssign",
               "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P10D"}},
               "justification": reason}),
    )
    .await
    .expect(201);
    (server, api, alice, group)
}

#[common::both_backends]
async fn the_console_audit_reads_as_phrases_names_and_seconds_and_filters_by_action_and_person() {
    let (server, api, alice, group) = world("On call").await;
    server.advance(TimeDelta::minutes(10));

    // Alice signs in to the console once, and activates there.
    let browser = Browser::new(&server.base_url);
    browser.sign_in("alice@contoso.com", PASSWORD, None).await;
    let activated = browser
        .post(
            "/ui/my-roles/activate",
            &browser.csrf().await,
            &[
                ("group", group.as_str()),
                ("access", "member"),
                ("duration", "PT2H"),
                ("justification", "INC-42"),
            ],
        )
        .await;
    assert_eq!(activated.status, 303, "{}", activated.body);

    // One sign-in, one event: no separate rotation of the console's session.
    let audit: Value = api
        .get(&format!("/stint/v1/audit?principalId={alice}&$top=100"))
        .await
        .expect(200);
    let actions: Vec<&str> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "auth.signIn").count(),
        1,
        "{actions:?}"
    );
    assert!(!actions.contains(&"auth.tokenRotated"), "{actions:?}");
    assert!(
        actions.contains(&"request.selfActivate"),
        "the API keeps its codes: {actions:?}"
    );

    // The group's audit, as its administrator reads it.
    let admin = Browser::new(&server.base_url);
    admin.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let page = admin.get(&format!("/ui/groups/{group}/audit")).await;
    assert_eq!(page.status, 200);
    let phrases = column(&page, "Action");
    for phrase in ["Activated", "Assigned", "Brought a group under PIM"] {
        assert!(
            phrases.iter().any(|p| p == phrase),
            "{phrase:?} not in {phrases:?}"
        );
    }
    assert!(
        phrases.iter().all(|p| !p.contains('.')),
        "codes shown: {phrases:?}"
    );
    let times = column(&page, "Time");
    assert!(times.iter().all(|t| to_the_second(t)), "{times:?}");
    let details = column(&page, "Details").join("\n");
    assert!(details.contains("'Payments Admins'"), "{details}");
    assert!(
        !details.contains(&group),
        "the group's id is shown: {details}"
    );
    assert!(
        !details.contains(".000"),
        "fractions of a second: {details}"
    );
    assert!(column(&page, "About").iter().any(|about| about == "alice"));

    // Narrowed to an action, and to a person.
    let signed_in = browser.get("/ui/audit?action=auth.signIn").await;
    assert_eq!(column(&signed_in, "Action"), ["Signed in"]);
    let hers = admin
        .get(&format!(
            "/ui/groups/{group}/audit?person={}",
            encode("alice@contoso.com")
        ))
        .await;
    let abouts = column(&hers, "About");
    assert!(
        !abouts.is_empty() && abouts.iter().all(|a| a == "alice"),
        "{abouts:?}"
    );
    assert!(column(&hers, "Action")
        .iter()
        .all(|a| a != "Brought a group under PIM"));
    let nobody = admin
        .get(&format!("/ui/groups/{group}/audit?person=nobody"))
        .await;
    assert!(
        nobody
            .error_messages()
            .iter()
            .any(|m| m.contains("No user has that user name")),
        "{:?}",
        nobody.error_messages()
    );
    nobody.assert_errors_in_words("an unknown person");
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 2)]
async fn audit_pages_fit_their_tables_at_desktop_and_phone_widths() {
    // Chrome::stop asserts that the tables of every page shot fit at both sizes.
    if !ui_chrome::enabled("audit_pages_fit_their_tables_at_desktop_and_phone_widths") {
        return;
    }
    let (server, api, alice, group) =
        world("On call for the payments platform during the quarter-end freeze").await;
    // A refusal, whose message is the longest a row carries.
    api.post(
        &format!("{PIM}/eligibilityScheduleRequests"),
        json!({"accessId": "member", "principalId": alice, "groupId": group, "action": "adminRemove"}),
    )
    .await
    .expect_error(400, "ActiveDurationTooShort");

    let mut chrome = Chrome::start(&server.base_url).await;
    chrome.goto("/ui/sign-in").await;
    chrome.fill("username", ADMIN).await;
    chrome.fill("password", ADMIN_PASSWORD).await;
    chrome.click_text("Sign in").await;
    for _ in 0..100 {
        if chrome.path().await.starts_with("/ui/my-roles") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for (path, name) in [
        (format!("/ui/groups/{group}/audit"), "group-audit"),
        ("/ui/audit".to_string(), "my-audit-admin"),
        (
            format!("/ui/groups/{group}/audit?person=alice%40contoso.com"),
            "group-audit-person",
        ),
    ] {
        chrome.goto(&path).await;
        chrome.shot(name).await;
        chrome.phone_shot(name).await;
    }
    chrome.stop().await;
}
