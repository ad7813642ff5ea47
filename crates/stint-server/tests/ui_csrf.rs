//! I3: every state-changing form of the web console is refused (403, nothing changed — not even an
//! audited refusal, so the store's revision stays the same) when it comes without its CSRF value,
//! or with the value of another session; and with its own session's value the same form works,
//! and whatever it refuses is said in words (issue 19).
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use chrono::TimeDelta;
use common::{Client, TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use serde_json::json;
use stint_core::directory::BuiltInRole;
use ui_kit::Browser;

const REQUESTS: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// Everything the forms act on.
struct World {
    group: String,
    unmanaged: String,
    alice: String,
    bob: String,
    request: String,
    role_assignment: String,
}

async fn world(server: &TestServer, admin: &Client) -> World {
    let alice = admin.create_user("alice@contoso.com").await;
    let bob = admin.create_user("bob@contoso.com").await;
    let carol = admin.create_user("carol@contoso.com").await;
    let group = admin.create_group("Payments Admins", false).await;
    let unmanaged = admin.create_group("Unmanaged", false).await;
    admin
        .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    let policy = admin
        .get(&format!("/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{group}' and scopeType eq 'Group' and roleDefinitionId eq 'member'"))
        .await
        .expect(200)["value"][0]["policyId"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .patch(
            &format!("/v1.0/policies/roleManagementPolicies/{policy}/rules/Approval_EndUser_Assignment"),
            json!({
                "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
                "id": "Approval_EndUser_Assignment",
                "setting": {
                    "isApprovalRequired": true,
                    "isApprovalRequiredForExtension": false,
                    "isRequestorJustificationRequired": true,
                    "approvalMode": "SingleStage",
                    "approvalStages": [{
                        "approvalStageTimeOutInDays": 1,
                        "isApproverJustificationRequired": true,
                        "escalationTimeInMinutes": 0,
                        "isEscalationEnabled": false,
                        "primaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": carol}],
                        "escalationApprovers": []
                    }]
                }
            }),
        )
        .await
        .expect(204);
    let start = common::graph_time(server.now());
    admin
        .post(
            &format!("{REQUESTS}/eligibilityScheduleRequests"),
            json!({"accessId": "member", "principalId": alice, "groupId": group, "action": "adminAssign",
                   "scheduleInfo": {"startDateTime": start, "expiration": {"type": "afterDuration", "duration": "P10D"}}}),
        )
        .await
        .expect(201);
    let alice_api = server.client_as("alice@contoso.com", PASSWORD).await;
    let request = alice_api
        .post(
            &format!("{REQUESTS}/assignmentScheduleRequests"),
            json!({"accessId": "member", "principalId": alice, "groupId": group, "action": "selfActivate",
                   "justification": "INC-1", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT1H"}}}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let role_assignment = admin
        .assign_role(&bob, BuiltInRole::HelpdeskAdministrator, "/")
        .await;
    server.advance(TimeDelta::minutes(6));
    World {
        group,
        unmanaged,
        alice,
        bob,
        request,
        role_assignment,
    }
}

/// Every state-changing form of the console, with fields that make a valid request.
fn forms(w: &World) -> Vec<(String, Vec<(&'static str, String)>)> {
    let g = &w.group;
    let owned = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    };
    vec![
        ("/ui/profile/totp".into(), vec![]),
        (
            "/ui/profile/totp/confirm".into(),
            owned(&[("code", "123456")]),
        ),
        ("/ui/profile/step-up".into(), owned(&[("code", "123456")])),
        ("/ui/profile/totp/remove".into(), vec![]),
        (
            "/ui/profile/time-zone".into(),
            owned(&[("time_zone", "Asia/Tokyo")]),
        ),
        (
            "/ui/my-roles/activate".into(),
            owned(&[
                ("group", g),
                ("access", "member"),
                ("duration", "PT1H"),
                ("justification", "x"),
            ]),
        ),
        (
            "/ui/my-roles/deactivate".into(),
            owned(&[("group", g), ("access", "member")]),
        ),
        (
            "/ui/my-roles/extend".into(),
            owned(&[
                ("group", g),
                ("access", "member"),
                ("kind", "eligible"),
                ("justification", "x"),
            ]),
        ),
        (
            "/ui/my-roles/renew".into(),
            owned(&[
                ("group", g),
                ("access", "member"),
                ("kind", "eligible"),
                ("justification", "x"),
            ]),
        ),
        (format!("/ui/my-requests/{}/cancel", w.request), vec![]),
        (
            format!("/ui/approvals/{}", w.request),
            owned(&[("decision", "approve"), ("justification", "ok")]),
        ),
        (
            format!("/ui/groups/{}/manage", w.unmanaged),
            owned(&[("confirm", "yes")]),
        ),
        (
            format!("/ui/groups/{g}/assignments"),
            owned(&[
                ("access", "member"),
                ("principal", &w.bob),
                ("kind", "eligible"),
            ]),
        ),
        (
            format!("/ui/groups/{g}/assignments/update"),
            owned(&[
                ("access", "member"),
                ("principal", &w.alice),
                ("kind", "eligible"),
                ("end", "2026-01-20T09:00"),
            ]),
        ),
        (
            format!("/ui/groups/{g}/assignments/remove"),
            owned(&[
                ("access", "member"),
                ("principal", &w.alice),
                ("kind", "eligible"),
                ("confirm", "yes"),
            ]),
        ),
        (
            format!("/ui/groups/{g}/settings/member"),
            owned(&[
                ("act_max", "PT4H"),
                ("act_justification", "on"),
                ("elig_max", "P365D"),
                ("active_max", "P180D"),
            ]),
        ),
        (
            "/ui/directory/users".into(),
            owned(&[
                ("upn", "dave@contoso.com"),
                ("display_name", "Dave"),
                ("password", "dave-password-1"),
                ("enabled", "on"),
            ]),
        ),
        (
            format!("/ui/directory/users/{}/enabled", w.alice),
            owned(&[("enabled", "false")]),
        ),
        (
            format!("/ui/directory/users/{}/reset", w.alice),
            owned(&[("new_password", "new-password-1")]),
        ),
        (
            "/ui/directory/groups".into(),
            owned(&[("display_name", "New group"), ("kind", "security")]),
        ),
        (
            "/ui/directory/roles".into(),
            owned(&[
                ("principal", &w.bob),
                ("role", &BuiltInRole::GroupsAdministrator.id().to_string()),
                ("scope", "/"),
            ]),
        ),
        (
            format!("/ui/directory/roles/{}/remove", w.role_assignment),
            owned(&[("confirm", "yes")]),
        ),
        ("/ui/sign-out".into(), vec![]),
    ]
}

#[common::both_backends]
async fn i3_every_state_changing_form_needs_its_own_sessions_csrf_value() {
    let server = TestServer::start().await;
    let admin_api = server.admin().await;
    let w = world(&server, &admin_api).await;
    let admin = Browser::new(&server.base_url);
    admin.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let other_session = Browser::new(&server.base_url);
    other_session.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let carol = Browser::new(&server.base_url);
    carol.sign_in("carol@contoso.com", PASSWORD, None).await;
    let own = admin.csrf().await;
    let foreign = [other_session.csrf().await, carol.csrf().await];
    assert!(foreign.iter().all(|value| *value != own));

    for (path, fields) in forms(&w) {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut attempts: Vec<Vec<(&str, &str)>> = vec![fields.clone()];
        for value in &foreign {
            let mut forged = vec![("csrf", value.as_str())];
            forged.extend_from_slice(&fields);
            attempts.push(forged);
        }
        let mut empty = vec![("csrf", "")];
        empty.extend_from_slice(&fields);
        attempts.push(empty);
        for attempt in attempts {
            let before = server.app.revision();
            let answer = admin.post_raw(&path, &attempt).await;
            assert_eq!(
                answer.status, 403,
                "POST {path} {attempt:?} was not refused"
            );
            assert!(answer.contains("nothing was changed"));
            assert_eq!(
                server.app.revision(),
                before,
                "POST {path} changed something"
            );
        }
    }
    // The session is still there: the forged sign-out did nothing.
    assert_eq!(admin.get("/ui/my-roles").await.status, 200);
}

#[common::both_backends]
async fn i3_the_same_forms_work_with_their_sessions_csrf_value() {
    let server = TestServer::start().await;
    let admin_api = server.admin().await;
    let w = world(&server, &admin_api).await;
    let admin = Browser::new(&server.base_url);
    admin.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let csrf = admin.csrf().await;
    // Each of these changes something (a refusal by a rule is audited, which changes the
    // revision too), so the body reached the app.
    for (path, fields) in forms(&w) {
        if path == "/ui/sign-out" {
            continue;
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let before = server.app.revision();
        let answer = admin.post(&path, &csrf, &fields).await;
        assert_ne!(answer.status, 403, "POST {path}: {}", answer.body);
        answer.assert_errors_in_words(&format!("POST {path}"));
        assert!(
            server.app.revision() > before || [400, 404].contains(&answer.status),
            "POST {path} answered {} and changed nothing",
            answer.status
        );
    }
    let out = admin.post("/ui/sign-out", &csrf, &[]).await;
    assert_eq!(out.status, 303);
}

#[common::both_backends]
async fn i3_sign_in_forms_need_the_double_submit_value() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server.base_url);
    let form = browser.get("/ui/sign-in").await;
    let good = form.csrf();
    assert_eq!(
        browser.cookie("stint_presession").as_deref(),
        Some(good.as_str())
    );
    for path in ["/ui/sign-in", "/ui/sign-in/totp"] {
        for value in [None, Some("forged-value-from-elsewhere"), Some("")] {
            let before = server.app.revision();
            let mut fields = vec![
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("code", "123456"),
            ];
            if let Some(value) = value {
                fields.push(("csrf", value));
            }
            let answer = browser.post_raw(path, &fields).await;
            assert_eq!(answer.status, 403, "POST {path} with {value:?}");
            assert_eq!(
                server.app.revision(),
                before,
                "a sign-in attempt was recorded"
            );
        }
    }
    // Without the cookie, even the right-looking value is refused (login CSRF).
    let stranger = Browser::new(&server.base_url);
    let answer = stranger
        .post(
            "/ui/sign-in",
            &good,
            &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(answer.status, 403);
    let ok = browser
        .post(
            "/ui/sign-in",
            &good,
            &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(ok.status, 303);
}
