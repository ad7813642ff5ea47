//! Issue 14, item 9, without a browser: "Add assignments" is one form, so a search keeps the role,
//! type, dates and justification chosen, and Assign assigns exactly those; a post whose role, type
//! or principal is missing or unknown is refused under its field in plain words and changes nothing.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use common::{Client, TestServer, ADMIN, ADMIN_PASSWORD};
use serde_json::{json, Value};
use ui_kit::{Browser, Page};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// A form's fields, as posted.
type Fields<'a> = Vec<(&'a str, &'a str)>;

struct World {
    server: TestServer,
    api: Client,
    admin: Browser,
    group: String,
    bob: String,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let api = server.admin().await;
    let bob = api.create_user("bob@contoso.com").await;
    api.create_user("carol@contoso.com").await;
    let group = api.create_group("Payments Admins", false).await;
    api.post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    let admin = Browser::new(&server.base_url);
    admin.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    World {
        server,
        api,
        admin,
        group,
        bob,
    }
}

/// Every schedule of the group, eligible and active, as `(principalId, accessId, kind)`.
async fn schedules(api: &Client, group: &str) -> Vec<(String, String, &'static str, Value)> {
    let mut all = Vec::new();
    for (collection, kind) in [
        ("eligibilitySchedules", "eligible"),
        ("assignmentSchedules", "active"),
    ] {
        let body = api
            .get(&format!("{PIM}/{collection}?$filter=groupId eq '{group}'"))
            .await
            .expect(200);
        for schedule in body["value"].as_array().unwrap() {
            all.push((
                schedule["principalId"].as_str().unwrap().to_string(),
                schedule["accessId"].as_str().unwrap().to_string(),
                kind,
                schedule["scheduleInfo"].clone(),
            ));
        }
    }
    all
}

/// The add form of `page`: from its `<form>` to its `</form>`.
fn add_form<'a>(page: &'a Page, group: &str) -> &'a str {
    let open = format!("<form method=\"post\" action=\"/ui/groups/{group}/assignments\"");
    let start = page
        .body
        .find(&open)
        .unwrap_or_else(|| panic!("no add form: {}", page.body));
    let end = start + page.body[start..].find("</form>").unwrap();
    &page.body[start..end]
}

#[common::both_backends]
async fn console_add_assignment_search_keeps_the_role_type_dates_and_justification_picked() {
    let w = world().await;
    let g = &w.group;
    let empty = w
        .admin
        .get(&format!("/ui/groups/{g}/assignments/new"))
        .await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    // One form holds the role, the search, who, the type and the dates, and both buttons.
    let form = add_form(&empty, g);
    for part in [
        "name=\"access\"",
        "name=\"q\"",
        "name=\"principal\"",
        "name=\"kind\"",
        "name=\"start\"",
        "name=\"end\"",
        "name=\"justification\"",
        &format!("formaction=\"/ui/groups/{g}/assignments/new\""),
        ">Assign</button>",
    ] {
        assert!(form.contains(part), "{part} is not in the add form: {form}");
    }

    let picked = [
        ("access", "owner"),
        ("kind", "active"),
        ("start", "2026-01-06T09:00"),
        ("end", "2026-01-20T17:00"),
        ("justification", "On call for INC-7"),
    ];
    let mut searched = picked.to_vec();
    searched.push(("q", "bob"));
    let before = w.server.app.revision();
    let found = w
        .admin
        .post(
            &format!("/ui/groups/{g}/assignments/new"),
            &empty.csrf(),
            &searched,
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(w.server.app.revision(), before, "a search changes nothing");
    let form = add_form(&found, g);
    for kept in [
        "<option value=\"owner\" selected>Owner</option>",
        "id=\"f-kind-active\" name=\"kind\" value=\"active\" checked",
        "value=\"2026-01-06T09:00\"",
        "value=\"2026-01-20T17:00\"",
        ">On call for INC-7</textarea>",
        "value=\"bob\"",
        &format!("id=\"f-principal-{}\"", w.bob),
    ] {
        assert!(form.contains(kept), "the search lost {kept}: {form}");
    }
    assert!(!form.contains("carol@contoso.com"), "the search filters");
    assert!(!form.contains("<option value=\"member\" selected"));

    // Assign sends what the page holds: bob becomes an active owner over the dates picked.
    let mut assign = picked.to_vec();
    assign.push(("q", "bob"));
    assign.push(("principal", &w.bob));
    let assigned = w
        .admin
        .post(
            &format!("/ui/groups/{g}/assignments"),
            &found.csrf(),
            &assign,
        )
        .await;
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let held = schedules(&w.api, g).await;
    assert_eq!(held.len(), 1, "{held:?}");
    let (principal, access, kind, window) = &held[0];
    assert_eq!(
        (principal.as_str(), access.as_str(), *kind),
        (w.bob.as_str(), "owner", "active")
    );
    assert_eq!(window["startDateTime"], "2026-01-06T09:00:00Z", "{window}");
    assert_eq!(
        window["expiration"]["endDateTime"], "2026-01-20T17:00:00Z",
        "{window}"
    );
}

#[common::both_backends]
async fn console_add_assignment_without_a_known_role_type_or_principal_is_refused_in_plain_words() {
    let w = world().await;
    let g = &w.group;
    let page = w
        .admin
        .get(&format!("/ui/groups/{g}/assignments/new"))
        .await;
    let csrf = page.csrf();
    let bob = w.bob.as_str();
    let role = "Select a role: Member or Owner.";
    let kind = "Select an assignment type: Eligible or Active.";
    let who = "Pick a user or group from the list.";
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            vec![("principal", bob), ("kind", "eligible")],
            "access",
            role,
        ),
        (
            vec![("access", ""), ("principal", bob), ("kind", "eligible")],
            "access",
            role,
        ),
        (
            vec![
                ("access", "admin"),
                ("principal", bob),
                ("kind", "eligible"),
            ],
            "access",
            role,
        ),
        (vec![("access", "owner"), ("principal", bob)], "kind", kind),
        (
            vec![
                ("access", "owner"),
                ("principal", bob),
                ("kind", "permanent"),
            ],
            "kind",
            kind,
        ),
        (
            vec![("access", "owner"), ("kind", "eligible")],
            "principal",
            who,
        ),
        (
            vec![
                ("access", "owner"),
                ("principal", "bob"),
                ("kind", "eligible"),
            ],
            "principal",
            who,
        ),
        (
            vec![
                ("access", "owner"),
                ("principal", bob),
                ("kind", "eligible"),
                ("start", "tomorrow"),
            ],
            "start",
            "Enter a date and time",
        ),
        (
            vec![
                ("access", "owner"),
                ("principal", bob),
                ("kind", "eligible"),
                ("end", "2026-01-20T17:00"),
                ("permanent", "on"),
            ],
            "end",
            "Either give an end or tick Permanently, not both.",
        ),
    ];
    for (fields, field, message) in cases {
        let before = w.server.app.revision();
        let refused = w
            .admin
            .post(&format!("/ui/groups/{g}/assignments"), &csrf, &fields)
            .await;
        assert_eq!(refused.status, 400, "{fields:?} was not refused");
        assert!(
            refused.shows_error_under(field, message),
            "{fields:?}: no '{message}' under {field}: {}",
            refused.body
        );
        assert_eq!(
            w.server.app.revision(),
            before,
            "{fields:?} changed something"
        );
    }
    assert_eq!(schedules(&w.api, g).await, vec![], "nothing was assigned");

    // The Update form names its assignment the same strict way.
    let before = w.server.app.revision();
    for access in ["", "admin"] {
        let refused = w
            .admin
            .post(
                &format!("/ui/groups/{g}/assignments/update"),
                &csrf,
                &[("principal", bob), ("access", access), ("kind", "eligible")],
            )
            .await;
        assert_eq!(refused.status, 400);
        assert!(
            refused.contains("does not name an assignment"),
            "{}",
            refused.body
        );
    }
    assert_eq!(w.server.app.revision(), before);
}
