//! Eligible and time-bound directory role assignments and their activation over HTTP, in Graph's
//! `unifiedRoleManagement` shape (SPEC D5, D6, A2, A3, A8, V1, V2, V5, V6).
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_core::directory::BuiltInRole::{self, *};

use common::{graph_time, Client, TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use ui_kit::Browser;

const ROLES: &str = "/v1.0/roleManagement/directory";
const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// An administrator's `adminAssign` of `role` at `/`, for `duration` or for ever.
fn admin_assign(principal: &str, role: BuiltInRole, duration: Option<&str>) -> Value {
    let expiration = match duration {
        Some(duration) => json!({ "type": "afterDuration", "duration": duration }),
        None => json!({ "type": "noExpiration" }),
    };
    json!({
        "action": "adminAssign",
        "principalId": principal,
        "roleDefinitionId": role.id().to_string(),
        "directoryScopeId": "/",
        "justification": "Tier 0 operations",
        "scheduleInfo": { "startDateTime": null, "expiration": expiration },
    })
}

fn self_activate(user: &str, role: BuiltInRole, duration: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
        "action": "selfActivate",
        "principalId": user,
        "roleDefinitionId": role.id().to_string(),
        "directoryScopeId": "/",
        "justification": "Mailbox migration",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } },
    })
}

fn action(name: &str, principal: &str, role: BuiltInRole) -> Value {
    json!({
        "action": name,
        "principalId": principal,
        "roleDefinitionId": role.id().to_string(),
        "directoryScopeId": "/",
    })
}

/// `GET /stint/v1/principals/{id}/roles` as `client`: (role name, via group id) pairs, sorted.
async fn held(client: &Client, user: &str) -> Vec<(String, Option<String>)> {
    let body = client
        .get(&format!("/stint/v1/principals/{user}/roles"))
        .await
        .expect(200);
    let mut roles: Vec<(String, Option<String>)> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| {
            (
                role["displayName"].as_str().unwrap().to_string(),
                role["viaGroup"]["id"].as_str().map(str::to_string),
            )
        })
        .collect();
    roles.sort();
    roles
}

#[common::both_backends]
async fn d6_activating_membership_of_a_group_holding_three_roles_grants_all_three_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let tier0 = admin.create_group("Tier 0 Office Admins", true).await;
    for role in [
        ExchangeAdministrator,
        HelpdeskAdministrator,
        AuthenticationAdministrator,
    ] {
        let request = admin
            .post(
                &format!("{ROLES}/roleAssignmentScheduleRequests"),
                admin_assign(&tier0, role, None),
            )
            .await
            .expect(201);
        assert_eq!(request["status"], "Provisioned");
        assert_eq!(request["directoryScopeId"], "/");
        assert_eq!(request["appScopeId"], Value::Null);
    }
    admin
        .post(
            &format!("{PIM}/eligibilityScheduleRequests"),
            json!({
                "accessId": "member", "principalId": alice, "groupId": tier0, "action": "adminAssign",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
                "justification": "Office on call",
            }),
        )
        .await
        .expect(201);
    let alice_client = server.client_as("alice", PASSWORD).await;
    assert!(held(&alice_client, &alice).await.is_empty());

    alice_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            json!({
                "accessId": "member", "principalId": alice, "groupId": tier0, "action": "selfActivate",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } },
                "justification": "Exchange incident",
            }),
        )
        .await
        .expect(201);
    let via = Some(tier0.clone());
    assert_eq!(
        held(&alice_client, &alice).await,
        [
            ("Authentication Administrator".to_string(), via.clone()),
            ("Exchange Administrator".to_string(), via.clone()),
            ("Helpdesk Administrator".to_string(), via),
        ]
    );

    // V7 for roles: at the end of the membership the roles are gone, with no scheduler run.
    server.advance(TimeDelta::hours(2));
    assert!(held(&alice_client, &alice).await.is_empty());
}

/// admin; "Tier 0" role-assignable with alice and bob as active members, eligible for Exchange
/// Administrator for 30 days; alice signed in.
async fn eligible_group(server: &TestServer) -> (Client, Client, String, String, String) {
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    let tier0 = admin.create_group("Tier 0", true).await;
    admin.add_member(&tier0, &alice).await;
    admin.add_member(&tier0, &bob).await;
    let request = admin
        .post(
            &format!("{ROLES}/roleEligibilityScheduleRequests"),
            admin_assign(&tier0, ExchangeAdministrator, Some("P30D")),
        )
        .await
        .expect(201);
    assert_eq!(request["action"], "adminAssign");
    let alice_client = server.client_as("alice", PASSWORD).await;
    (admin, alice_client, alice, bob, tier0)
}

#[common::both_backends]
async fn v6_a_member_of_an_eligible_group_activates_the_role_for_themselves_alone() {
    let server = TestServer::start().await;
    let (admin, alice_client, alice, bob, tier0) = eligible_group(&server).await;
    assert!(held(&alice_client, &alice).await.is_empty());

    // She sees the eligibility she may activate, held by her group.
    let eligible = alice_client
        .get(&format!(
            "{ROLES}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')"
        ))
        .await
        .expect(200);
    assert_eq!(eligible["value"][0]["principalId"], tier0.as_str());

    let request = alice_client
        .post(
            &format!("{ROLES}/roleAssignmentScheduleRequests"),
            self_activate(&alice, ExchangeAdministrator, "PT2H"),
        )
        .await
        .expect(201);
    assert_eq!(request["status"], "Provisioned");
    assert_eq!(request["action"], "selfActivate");
    assert_eq!(request["createdBy"]["user"]["id"], alice.as_str());
    assert!(request["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity"));
    let schedule_id = request["targetScheduleId"].as_str().unwrap().to_string();

    let mine = alice_client
        .get(&format!(
            "{ROLES}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')"
        ))
        .await
        .expect(200);
    let instance = &mine["value"][0];
    assert_eq!(instance["memberType"], "Group");
    assert_eq!(instance["assignmentType"], "Activated");
    assert_eq!(instance["roleAssignmentScheduleId"], schedule_id.as_str());
    assert_eq!(
        instance["endDateTime"],
        graph_time(server.now() + TimeDelta::hours(2))
    );
    let schedule = admin
        .get(&format!("{ROLES}/roleAssignmentSchedules/{schedule_id}"))
        .await
        .expect(200);
    assert_eq!(schedule["createdUsing"], request["id"]);
    assert_eq!(schedule["status"], "Provisioned");

    assert_eq!(
        held(&alice_client, &alice).await,
        [("Exchange Administrator".to_string(), None)]
    );
    assert!(held(&admin, &bob).await.is_empty());
    let filter = format!("$filter=principalId eq '{alice}'");
    let assignments = admin
        .ids(&format!("{ROLES}/roleAssignments?{filter}"))
        .await;
    assert_eq!(assignments, [schedule_id.as_str()]);

    // At the end she holds nothing, whether or not anything ran.
    server.advance(TimeDelta::hours(2));
    assert!(held(&alice_client, &alice).await.is_empty());
    assert!(admin
        .ids(&format!("{ROLES}/roleAssignments?{filter}"))
        .await
        .is_empty());
    assert!(admin
        .ids(&format!("{ROLES}/roleAssignmentScheduleInstances?{filter}"))
        .await
        .is_empty());
}

#[common::both_backends]
async fn d5_schedules_are_listed_in_graphs_shape_and_users_see_only_their_own() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    for user in [&alice, &bob] {
        admin
            .post(
                &format!("{ROLES}/roleEligibilityScheduleRequests"),
                admin_assign(user, HelpdeskAdministrator, Some("P90D")),
            )
            .await
            .expect(201);
    }
    let filtered = admin
        .get(&format!(
            "{ROLES}/roleEligibilitySchedules?$filter=principalId eq '{alice}'"
        ))
        .await
        .expect(200);
    let items = filtered["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let schedule = &items[0];
    assert_eq!(
        schedule["roleDefinitionId"],
        HelpdeskAdministrator.id().to_string()
    );
    assert_eq!(schedule["directoryScopeId"], "/");
    assert_eq!(schedule["memberType"], "Direct");
    assert_eq!(schedule["status"], "Provisioned");
    assert!(schedule.get("assignmentType").is_none());
    assert_eq!(
        schedule["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(server.now() + TimeDelta::days(90))
    );

    let alice_client = server.client_as("alice", PASSWORD).await;
    let seen = alice_client
        .get(&format!("{ROLES}/roleEligibilitySchedules"))
        .await
        .expect(200);
    let principals: Vec<&str> = seen["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["principalId"].as_str().unwrap())
        .collect();
    assert_eq!(principals, [alice.as_str()]);
    let bobs = admin
        .ids(&format!(
            "{ROLES}/roleEligibilitySchedules?$filter=principalId eq '{bob}'"
        ))
        .await;
    alice_client
        .get(&format!("{ROLES}/roleEligibilitySchedules/{}", bobs[0]))
        .await
        .expect_error(404, "Request_ResourceNotFound");

    let requests = alice_client
        .get(&format!(
            "{ROLES}/roleEligibilityScheduleRequests/filterByCurrentUser(on='principal')"
        ))
        .await
        .expect(200);
    assert_eq!(requests["value"].as_array().unwrap().len(), 1);
    let request_id = requests["value"][0]["id"].as_str().unwrap();
    let one = admin
        .get(&format!(
            "{ROLES}/roleEligibilityScheduleRequests/{request_id}?$select=id,status"
        ))
        .await
        .expect(200);
    assert_eq!(one["status"], "Provisioned");
    assert!(one.get("action").is_none());
}

#[common::both_backends]
async fn d5_only_role_administrators_assign_and_only_to_role_assignable_groups() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let sales = admin.create_group("Sales", false).await;
    let path = format!("{ROLES}/roleEligibilityScheduleRequests");
    let message = admin
        .post(
            &path,
            admin_assign(&sales, ExchangeAdministrator, Some("P30D")),
        )
        .await
        .expect_error(400, "InvalidRoleAssignmentRequest");
    assert!(message.contains("role-assignable"), "{message}");

    let (_, groups_admin) = server.user_with_role("gus", GroupsAdministrator).await;
    groups_admin
        .post(
            &path,
            admin_assign(&alice, ExchangeAdministrator, Some("P30D")),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");

    let mut in_unknown_unit = admin_assign(&alice, ExchangeAdministrator, Some("P30D"));
    in_unknown_unit["directoryScopeId"] =
        "/administrativeUnits/2b5ed229-4072-478d-9504-a047ebd4b07d".into();
    let message = admin
        .post(&path, in_unknown_unit)
        .await
        .expect_error(400, "InvalidRoleAssignmentRequest");
    assert!(message.contains("administrative unit"), "{message}");
}

#[common::both_backends]
async fn a2_a8_a3_short_duplicate_and_early_removal_are_refused_with_graphs_codes() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let path = format!("{ROLES}/roleAssignmentScheduleRequests");
    admin
        .post(
            &path,
            admin_assign(&alice, ExchangeAdministrator, Some("PT4M")),
        )
        .await
        .expect_error(400, "ActiveDurationTooShort");
    admin
        .post(
            &path,
            admin_assign(&alice, ExchangeAdministrator, Some("P1D")),
        )
        .await
        .expect(201);
    admin
        .post(
            &path,
            admin_assign(&alice, ExchangeAdministrator, Some("P1D")),
        )
        .await
        .expect_error(400, "RoleAssignmentExists");

    let removal = action("adminRemove", &alice, ExchangeAdministrator);
    admin
        .post(&path, removal.clone())
        .await
        .expect_error(400, "ActiveDurationTooShort");
    server.advance(TimeDelta::minutes(5));
    let removed = admin.post(&path, removal.clone()).await.expect(201);
    assert_eq!(removed["status"], "Revoked");
    assert!(held(&admin, &alice).await.is_empty());
    admin
        .post(&path, removal)
        .await
        .expect_error(400, "RoleAssignmentDoesNotExist");

    // Every refusal of a business rule is audited.
    let audit = admin
        .get(&format!("/stint/v1/audit?principalId={alice}"))
        .await
        .expect(200);
    let refusals = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "roleRequest.adminRemove" && e["result"] == "failure")
        .count();
    assert_eq!(refusals, 2);
}

#[common::both_backends]
async fn v1_v2_activation_needs_an_eligibility_and_a_justification_and_lasts_at_most_eight_hours() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let alice_client = server.client_as("alice", PASSWORD).await;
    let path = format!("{ROLES}/roleAssignmentScheduleRequests");
    let message = alice_client
        .post(&path, self_activate(&alice, ExchangeAdministrator, "PT1H"))
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("EligibilityRule"), "{message}");

    admin
        .post(
            &format!("{ROLES}/roleEligibilityScheduleRequests"),
            admin_assign(&alice, ExchangeAdministrator, Some("P30D")),
        )
        .await
        .expect(201);
    let mut unjustified = self_activate(&alice, ExchangeAdministrator, "PT1H");
    unjustified.as_object_mut().unwrap().remove("justification");
    let message = alice_client
        .post(&path, unjustified)
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("JustificationRule"), "{message}");
    let message = alice_client
        .post(&path, self_activate(&alice, ExchangeAdministrator, "PT9H"))
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("ExpirationRule"), "{message}");

    let mut checked = self_activate(&alice, ExchangeAdministrator, "PT1H");
    checked["isValidationOnly"] = true.into();
    let granted = alice_client.post(&path, checked).await.expect(201);
    assert_eq!(granted["status"], "Granted");
    assert!(held(&alice_client, &alice).await.is_empty());

    alice_client
        .post(&path, self_activate(&alice, ExchangeAdministrator, "PT1H"))
        .await
        .expect(201);
    alice_client
        .post(&path, self_activate(&alice, ExchangeAdministrator, "PT1H"))
        .await
        .expect_error(400, "RoleAssignmentExists");
}

#[common::both_backends]
async fn v5_deactivation_is_refused_within_five_minutes_and_ends_the_role_after() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    admin
        .post(
            &format!("{ROLES}/roleEligibilityScheduleRequests"),
            admin_assign(&alice, ExchangeAdministrator, None),
        )
        .await
        .expect(201);
    let alice_client = server.client_as("alice", PASSWORD).await;
    let path = format!("{ROLES}/roleAssignmentScheduleRequests");
    alice_client
        .post(&path, self_activate(&alice, ExchangeAdministrator, "PT4H"))
        .await
        .expect(201);
    let deactivation = action("SELFDEACTIVATE", &alice, ExchangeAdministrator);
    alice_client
        .post(&path, deactivation.clone())
        .await
        .expect_error(400, "ActiveDurationTooShort");
    server.advance(TimeDelta::minutes(5));
    let ended = alice_client.post(&path, deactivation).await.expect(201);
    assert_eq!(ended["status"], "Revoked");
    assert_eq!(ended["action"], "selfDeactivate");
    assert!(held(&alice_client, &alice).await.is_empty());
}

#[common::both_backends]
async fn i1_role_request_bodies_are_read_the_graph_way() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let path = format!("{ROLES}/roleEligibilityScheduleRequests");
    let mut unknown = admin_assign(&alice, ExchangeAdministrator, Some("P30D"));
    unknown["roleName"] = "Exchange".into();
    let message = admin
        .post(&path, unknown)
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("roleName"), "{message}");
    let mut bad_action = admin_assign(&alice, ExchangeAdministrator, Some("P30D"));
    bad_action["action"] = "promote".into();
    let message = admin
        .post(&path, bad_action)
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("action"), "{message}");
    let mut bad_role = admin_assign(&alice, ExchangeAdministrator, Some("P30D"));
    bad_role["roleDefinitionId"] = "2b5ed229-4072-478d-9504-a047ebd4b07d".into();
    let message = admin
        .post(&path, bad_role)
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("roleDefinitionId"), "{message}");
    let mut shouted = admin_assign(&alice, ExchangeAdministrator, Some("P30D"));
    shouted["action"] = "ADMINASSIGN".into();
    shouted["@odata.type"] = "#microsoft.graph.unifiedRoleEligibilityScheduleRequest".into();
    admin.post(&path, shouted).await.expect(201);
}

// Issue 14 item 8, ADR 0008: the last enabled, permanent Global Administrator is never taken away.

const LAST_GA: &str = "LastGlobalAdministrator";

/// The id of `user`'s active Global Administrator assignment.
async fn global_administrator_assignment(client: &Client, user: &str) -> String {
    let body = client
        .get(&format!("{ROLES}/roleAssignments"))
        .await
        .expect(200);
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["principalId"] == user
                && a["roleDefinitionId"] == GlobalAdministrator.id().to_string()
        })
        .map(|a| a["id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{user} holds no Global Administrator in {body}"))
}

async fn my_id(client: &Client) -> String {
    client.get("/v1.0/me").await.expect(200)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[common::both_backends]
async fn last_global_administrator_cannot_remove_their_own_role_assignment() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let me = my_id(&admin).await;
    let own = global_administrator_assignment(&admin, &me).await;
    let message = admin
        .delete(&format!("{ROLES}/roleAssignments/{own}"))
        .await
        .expect_error(409, LAST_GA);
    assert!(message.contains("Global Administrator"), "{message}");
    admin.create_user("still-admin@contoso.com").await;

    // Once bob holds it permanently, admin may go.
    let bob = admin.create_user("bob@contoso.com").await;
    admin.assign_role(&bob, GlobalAdministrator, "/").await;
    admin
        .delete(&format!("{ROLES}/roleAssignments/{own}"))
        .await
        .expect(204);
}

#[common::both_backends]
async fn last_global_administrator_cannot_be_disabled_removed_or_made_to_expire_by_schedule_requests(
) {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let me = my_id(&admin).await;
    admin
        .patch(
            &format!("/v1.0/users/{me}"),
            json!({ "accountEnabled": false }),
        )
        .await
        .expect_error(409, LAST_GA);
    server.advance(TimeDelta::minutes(10));
    let requests = format!("{ROLES}/roleAssignmentScheduleRequests");
    admin
        .post(&requests, action("adminRemove", &me, GlobalAdministrator))
        .await
        .expect_error(409, LAST_GA);
    let mut update = admin_assign(&me, GlobalAdministrator, Some("P30D"));
    update["action"] = json!("adminUpdate");
    admin
        .post(&requests, update)
        .await
        .expect_error(409, LAST_GA);
    admin.create_user("still-admin@contoso.com").await;
}

#[common::both_backends]
async fn last_global_administrator_through_a_group_keeps_its_last_member_and_the_group() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let me = my_id(&admin).await;
    let tier0 = admin.create_group("Tier0", true).await;
    admin.assign_role(&tier0, GlobalAdministrator, "/").await;
    let bob = admin.create_user("bob@contoso.com").await;
    admin.add_member(&tier0, &bob).await;
    let own = global_administrator_assignment(&admin, &me).await;
    admin
        .delete(&format!("{ROLES}/roleAssignments/{own}"))
        .await
        .expect(204);

    let bob_client = server.client_as("bob@contoso.com", PASSWORD).await;
    bob_client
        .delete(&format!("/v1.0/groups/{tier0}/members/{bob}/$ref"))
        .await
        .expect_error(409, LAST_GA);
    bob_client
        .delete(&format!("/v1.0/groups/{tier0}"))
        .await
        .expect_error(409, LAST_GA);
    bob_client.create_user("still-admin@contoso.com").await;
}

#[common::both_backends]
async fn last_global_administrator_one_click_in_the_console_is_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let me = my_id(&admin).await;
    let own = global_administrator_assignment(&admin, &me).await;
    let browser = Browser::new(&server.base_url);
    browser.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let csrf = browser.csrf().await;
    let page = browser
        .post(
            &format!("/ui/directory/roles/{own}/remove"),
            &csrf,
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.contains("nothing could bring it back"),
        "the console says why: {}",
        page.body
    );
    assert_eq!(global_administrator_assignment(&admin, &me).await, own);
}
