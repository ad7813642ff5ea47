//! Issue 19 without a browser: the console speaks to people. Refusals say what to do about the
//! field on the page, with no JSON path, SPEC rule id or bare Graph code (item 3); a request that
//! was approved and is in force reads "Active" or "Approved", never "Provisioned" (item 5);
//! irreversible actions ask first and act only on the confirming POST (item 6); a wrong code at
//! TOTP enrolment keeps the QR code and key (item 7); and the smaller things of item 10.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use chrono::TimeDelta;
use common::{Client, TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use serde_json::json;
use stint_core::directory::BuiltInRole;
use ui_kit::{between, Authenticator, Browser, Page};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

struct World {
    server: TestServer,
    api: Client,
    admin: Browser,
    group: String,
    alice: String,
    bob: String,
    carol: String,
}

/// A managed group whose activations need a reason; alice is eligible for it since 10 minutes.
async fn world() -> World {
    let server = TestServer::start().await;
    let api = server.admin().await;
    let alice = api.create_user("alice@contoso.com").await;
    let bob = api.create_user("bob@contoso.com").await;
    let carol = api.create_user("carol@contoso.com").await;
    let group = api.create_group("Payments Admins", false).await;
    api.post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    let admin = Browser::new(&server.base_url);
    admin.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let saved = admin
        .post(
            &format!("/ui/groups/{group}/settings/member"),
            &admin.csrf().await,
            &settings(&[]),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    eligible(&server, &api, &group, &alice).await;
    server.advance(TimeDelta::minutes(10));
    World {
        server,
        api,
        admin,
        group,
        alice,
        bob,
        carol,
    }
}

/// The member settings form: activations up to 4 hours with a reason, and `extra` fields.
fn settings<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("act_max", "PT4H"),
        ("act_justification", "on"),
        ("elig_max", "P365D"),
        ("active_max", "P180D"),
    ];
    fields.extend_from_slice(extra);
    fields
}

async fn eligible(server: &TestServer, api: &Client, group: &str, principal: &str) {
    let start = common::graph_time(server.now());
    api.post(
        &format!("{PIM}/eligibilityScheduleRequests"),
        json!({"accessId": "member", "principalId": principal, "groupId": group, "action": "adminAssign",
               "scheduleInfo": {"startDateTime": start, "expiration": {"type": "afterDuration", "duration": "P10D"}}}),
    )
    .await
    .expect(201);
}

/// Asserts that `page` is a refusal saying `expected`, and that none of its error messages has
/// API words in it.
#[track_caller]
fn refused_in_words(page: &Page, expected: &str) {
    assert!(page.status >= 400, "not refused: {}", page.body);
    let messages = page.error_messages();
    assert!(
        messages.iter().any(|m| m.contains(expected)),
        "{expected:?} is not among {messages:?}"
    );
    page.assert_errors_in_words(expected);
}

#[common::both_backends]
async fn console_refusals_say_what_to_do_about_the_field_without_api_words() {
    let w = world().await;
    let g = &w.group;
    let csrf = w.admin.csrf().await;

    let no_approver = w
        .admin
        .post(
            &format!("/ui/groups/{g}/settings/member"),
            &csrf,
            &settings(&[("approval", "on")]),
        )
        .await;
    refused_in_words(&no_approver, "Choose at least one approver.");

    let backwards = w
        .admin
        .post(
            &format!("/ui/groups/{g}/assignments"),
            &csrf,
            &[
                ("access", "member"),
                ("principal", &w.bob),
                ("kind", "eligible"),
                ("start", "2030-02-01T10:00"),
                ("end", "2030-02-01T09:00"),
            ],
        )
        .await;
    refused_in_words(&backwards, "End must be after start.");

    let again = w
        .admin
        .post(
            &format!("/ui/groups/{g}/assignments"),
            &csrf,
            &[
                ("access", "member"),
                ("principal", &w.alice),
                ("kind", "eligible"),
            ],
        )
        .await;
    refused_in_words(&again, "already");

    let alice = Browser::new(&w.server.base_url);
    alice.sign_in("alice@contoso.com", PASSWORD, None).await;
    let no_reason = alice
        .post(
            "/ui/my-roles/activate",
            &alice.csrf().await,
            &[("group", g), ("access", "member"), ("duration", "PT1H")],
        )
        .await;
    refused_in_words(&no_reason, "Give a reason.");

    // Removing an eligible assignment within 5 minutes of making it says so in words.
    eligible(&w.server, &w.api, g, &w.bob).await;
    let too_soon = w
        .admin
        .post(
            &format!("/ui/groups/{g}/assignments/remove"),
            &csrf,
            &[
                ("access", "member"),
                ("principal", &w.bob),
                ("kind", "eligible"),
                ("confirm", "yes"),
            ],
        )
        .await;
    refused_in_words(
        &too_soon,
        "An assignment cannot be removed within 5 minutes of being made",
    );
    assert!(!too_soon.contains("ActiveDurationTooShort"));
    // The group's audit tells the refusal in the same words, without rule id or code.
    let audit = w.admin.get(&format!("/ui/groups/{g}/audit")).await;
    assert!(
        audit.contains("Refused: An assignment cannot be removed within 5 minutes"),
        "{}",
        audit.body
    );
    assert!(!audit.contains("Refused ("), "{}", audit.body);

    // A refusal of the rules as a whole page: carol administers nothing.
    let carol = Browser::new(&w.server.base_url);
    carol.sign_in("carol@contoso.com", PASSWORD, None).await;
    let not_hers = carol.get(&format!("/ui/groups/{g}/settings/member")).await;
    refused_in_words(&not_hers, "You do not administer");
}

#[common::both_backends]
async fn an_approved_request_in_force_reads_active_and_approved_never_provisioned() {
    let w = world().await;
    let saved = w
        .admin
        .post(
            &format!("/ui/groups/{}/settings/member", w.group),
            &w.admin.csrf().await,
            &settings(&[
                ("approval", "on"),
                ("approver", &format!("user:{}", w.carol)),
            ]),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let alice = Browser::new(&w.server.base_url);
    alice.sign_in("alice@contoso.com", PASSWORD, None).await;
    let asked = alice
        .post(
            "/ui/my-roles/activate",
            &alice.csrf().await,
            &[
                ("group", &w.group),
                ("access", "member"),
                ("duration", "PT1H"),
                ("justification", "INC-7"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let carol = Browser::new(&w.server.base_url);
    carol.sign_in("carol@contoso.com", PASSWORD, None).await;
    let waiting = w
        .api
        .get(&format!(
            "{PIM}/assignmentScheduleRequests?$filter=groupId eq '{}' and status eq 'PendingApproval'",
            w.group
        ))
        .await
        .expect(200);
    let request = waiting["value"][0]["id"].as_str().unwrap().to_string();
    let decided = carol
        .post(
            &format!("/ui/approvals/{request}"),
            &carol.csrf().await,
            &[("decision", "approve"), ("justification", "Checked")],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);

    let mine = alice.get("/ui/my-requests?tab=past").await;
    assert!(mine.contains(">Active</span>"), "{}", mine.body);
    let by_carol = carol.get("/ui/approvals").await;
    assert!(by_carol.contains("Decided by you"), "{}", by_carol.body);
    for page in [&mine, &by_carol] {
        assert!(!page.contains("Provisioned"), "{}", page.body);
    }
    // Once the activation is over, the request reads "Approved".
    w.server.advance(TimeDelta::hours(2));
    let alice = Browser::new(&w.server.base_url);
    alice.sign_in("alice@contoso.com", PASSWORD, None).await;
    let later = alice.get("/ui/my-requests?tab=past").await;
    assert!(later.contains(">Approved</span>"), "{}", later.body);
}

async fn edit_body(w: &World) -> String {
    w.admin
        .get(&format!("/ui/groups/{}/settings/member", w.group))
        .await
        .body
}

/// Posts `fields` to `path` without and then with `confirm=yes`: the first shows a question and
/// changes nothing; the second acts.
async fn asks_first(w: &World, path: &str, fields: &[(&str, &str)], question: &str) {
    let csrf = w.admin.csrf().await;
    let before = w.server.app.revision();
    let asked = w.admin.post(path, &csrf, fields).await;
    assert_eq!(asked.status, 200, "POST {path}: {}", asked.body);
    assert!(asked.contains(question), "{}", asked.body);
    assert!(
        asked.contains(&format!("<form method=\"post\" action=\"{path}\">")),
        "{}",
        asked.body
    );
    assert!(
        asked.contains("name=\"confirm\" value=\"yes\""),
        "{}",
        asked.body
    );
    for (name, value) in fields {
        assert!(
            asked.contains(&format!("name=\"{name}\" value=\"{value}\"")),
            "{name} is not carried: {}",
            asked.body
        );
    }
    assert_eq!(w.server.app.revision(), before, "POST {path} acted at once");
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    let done = w.admin.post(path, &csrf, &confirmed).await;
    assert_eq!(done.status, 303, "POST {path} confirmed: {}", done.body);
    assert!(w.server.app.revision() > before);
}

#[common::both_backends]
async fn manage_remove_assignment_and_remove_role_ask_first_without_javascript() {
    let w = world().await;
    let unmanaged = w.api.create_group("Unmanaged", false).await;
    // Someone who may not manage it is refused at once, not asked.
    let carol = Browser::new(&w.server.base_url);
    carol.sign_in("carol@contoso.com", PASSWORD, None).await;
    let refused = carol
        .post(
            &format!("/ui/groups/{unmanaged}/manage"),
            &carol.csrf().await,
            &[],
        )
        .await;
    assert_ne!(refused.status, 200, "{}", refused.body);
    assert!(!refused.contains("in PIM?"), "{}", refused.body);
    refused.assert_errors_in_words("carol's manage");
    asks_first(
        &w,
        &format!("/ui/groups/{unmanaged}/manage"),
        &[],
        "Manage Unmanaged in PIM?",
    )
    .await;
    asks_first(
        &w,
        &format!("/ui/groups/{}/assignments/remove", w.group),
        &[
            ("principal", &w.alice),
            ("access", "member"),
            ("kind", "eligible"),
        ],
        "Remove this assignment?",
    )
    .await;
    let role = w
        .api
        .assign_role(&w.bob, BuiltInRole::HelpdeskAdministrator, "/")
        .await;
    asks_first(
        &w,
        &format!("/ui/directory/roles/{role}/remove"),
        &[],
        "Remove this role assignment?",
    )
    .await;
}

#[common::both_backends]
async fn a_wrong_code_at_totp_enrolment_keeps_the_qr_code_and_key_for_a_retry() {
    let w = world().await;
    let alice = Browser::new(&w.server.base_url);
    alice.sign_in("alice@contoso.com", PASSWORD, None).await;
    let csrf = alice.csrf().await;
    let setup = alice.post("/ui/profile/totp", &csrf, &[]).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let secret = setup.hidden("secret").unwrap();
    let uri = setup.hidden("otpauth_uri").unwrap().replace("&amp;", "&");
    let app = Authenticator::from_secret(&secret);
    let right = app.code(w.server.now());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };

    let retry = alice
        .post(
            "/ui/profile/totp/confirm",
            &csrf,
            &[("code", wrong), ("secret", &secret), ("otpauth_uri", &uri)],
        )
        .await;
    assert_eq!(retry.status, 400, "{}", retry.body);
    assert!(retry.contains("class=\"qr\""), "no QR code: {}", retry.body);
    assert!(retry.contains(&format!("<code class=\"secret\">{secret}</code>")));
    assert!(retry
        .error_messages()
        .iter()
        .any(|m| m.contains("not correct")));

    w.server.advance(TimeDelta::seconds(30));
    let code = app.code(w.server.now());
    let confirmed = alice
        .post(
            "/ui/profile/totp/confirm",
            &retry.csrf(),
            &[("code", &code), ("secret", &secret), ("otpauth_uri", &uri)],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
}

#[common::both_backends]
async fn sidebar_names_are_unique_non_administrators_get_no_discover_and_roles_default_to_no_choice(
) {
    let w = world().await;
    let page = w.admin.get("/ui/directory/roles").await;
    let nav = between(&page.body, "<nav class=\"sidenav\"", "</nav>").join(" ");
    assert!(
        nav.contains("PIM groups") && nav.contains("All groups"),
        "{nav}"
    );
    let groups_entries = page.body.matches(">Groups</a>").count();
    assert_eq!(groups_entries, 0, "an entry is still called just Groups");
    for (name, empty) in [
        ("principal", "Choose a user or group"),
        ("role", "Choose a role"),
    ] {
        let select = between(
            &page.body,
            &format!("<select id=\"f-{name}\" name=\"{name}\""),
            "</select>",
        );
        assert!(!select.is_empty());
        assert!(
            page.contains(&format!("<option value=\"\" selected>{empty}</option>")),
            "the {name} select does not start empty: {}",
            page.body
        );
    }

    let carol = Browser::new(&w.server.base_url);
    carol.sign_in("carol@contoso.com", PASSWORD, None).await;
    let roles = carol.get("/ui/my-roles").await;
    assert!(!roles.contains("PIM groups"), "{}", roles.body);
    let groups = carol.get("/ui/groups").await;
    assert!(!groups.contains("Discover groups"), "{}", groups.body);

    // Every notification control of the settings form has a label, in a fieldset whose legend
    // says which of the nine rules it sets.
    let legends = between(
        &edit_body(&w).await,
        "<fieldset class=\"notification\"><legend>",
        "</legend>",
    );
    assert_eq!(legends.len(), 9, "{legends:?}");
    let distinct: std::collections::BTreeSet<&String> = legends.iter().collect();
    assert_eq!(distinct.len(), 9, "legends repeat: {legends:?}");
    let edit = w
        .admin
        .get(&format!("/ui/groups/{}/settings/member", w.group))
        .await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    for n in 0..9 {
        for control in [
            format!("f-n{n}_level"),
            format!("f-n{n}_extra"),
            format!("f-n{n}_default"),
        ] {
            assert!(
                edit.contains(&format!("id=\"{control}\"")),
                "no control {control}"
            );
            assert!(
                edit.contains(&format!("<label for=\"{control}\"")),
                "{control} has no label"
            );
        }
    }
}

#[common::both_backends]
async fn searching_approvers_keeps_what_was_ticked_and_chosen_on_member_settings() {
    let w = world().await;
    let page = w
        .admin
        .post(
            &format!("/ui/groups/{}/settings/member", w.group),
            &w.admin.csrf().await,
            &[
                ("act_max", "PT3H"),
                ("act_ticket", "on"),
                ("approval", "on"),
                ("elig_max", "P365D"),
                ("active_max", "P180D"),
                ("q", "carol"),
                ("find", "yes"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.contains("<option value=\"PT3H\" selected>"),
        "{}",
        page.body
    );
    for ticked in ["f-act_ticket", "f-approval"] {
        assert!(
            page.contains(&format!("id=\"{ticked}\" name="))
                && page
                    .body
                    .split(&format!("id=\"{ticked}\""))
                    .nth(1)
                    .unwrap()
                    .split('>')
                    .next()
                    .unwrap()
                    .contains("checked"),
            "{ticked} is no longer ticked: {}",
            page.body
        );
    }
    assert!(page.contains(&format!("f-approver-user-{}", w.carol)));
    assert!(
        !page.contains(&format!("f-approver-user-{}", w.bob)),
        "the search did not filter"
    );
    // Nothing was saved.
    let settings = w
        .admin
        .get(&format!("/ui/groups/{}/settings", w.group))
        .await;
    assert!(settings.contains("4 hours"), "{}", settings.body);
}
