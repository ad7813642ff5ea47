//! Approval over HTTP (SPEC V3, V4, E1–E3): pending requests, the approver's queue, first decision
//! wins, automatic denial after 24 hours, cancel, and extensions decided by administrators.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::TimeDelta;
use serde_json::{json, Value};

use common::{graph_time, Client, TestServer, PASSWORD};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

struct World {
    server: TestServer,
    admin: Client,
    alice: Client,
    carol: Client,
    alice_id: String,
    group: String,
}

/// alice eligible in a managed group whose member policy requires carol's approval.
async fn world() -> World {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice_id = admin.create_user("alice").await;
    let carol_id = admin.create_user("carol").await;
    let group = admin.create_group("Production access", false).await;
    admin
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": alice_id, "groupId": group, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "On call",
        }))
        .await
        .expect(201);
    require_approval_by(&admin, &group, &carol_id).await;
    let alice = server.client_as("alice", PASSWORD).await;
    let carol = server.client_as("carol", PASSWORD).await;
    World {
        server,
        admin,
        alice,
        carol,
        alice_id,
        group,
    }
}

async fn require_approval_by(admin: &Client, group: &str, approver: &str) {
    let assignments = admin
        .get(&format!(
            "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{group}' and scopeType eq 'Group' and roleDefinitionId eq 'member'"
        ))
        .await
        .expect(200);
    let policy = assignments["value"][0]["policyId"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .patch(
            &format!("/v1.0/policies/roleManagementPolicies/{policy}/rules/Approval_EndUser_Assignment"),
            json!({
                "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
                "id": "Approval_EndUser_Assignment",
                "target": { "caller": "EndUser", "operations": ["all"], "level": "Assignment",
                            "inheritableSettings": [], "enforcedSettings": [] },
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
                        "primaryApprovers": [{ "@odata.type": "#microsoft.graph.singleUser", "userId": approver }],
                        "escalationApprovers": [],
                    }],
                },
            }),
        )
        .await
        .expect(204);
}

fn activation(principal: &str, group: &str) -> Value {
    json!({
        "accessId": "member", "principalId": principal, "groupId": group, "action": "selfActivate",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } },
        "justification": "Deploying the fix", "ticketInfo": { "ticketNumber": "INC-42", "ticketSystem": "Jira" },
    })
}

async fn request_activation(world: &World) -> Value {
    world
        .alice
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&world.alice_id, &world.group),
        )
        .await
        .expect(201)
}

async fn stage_id(client: &Client, request: &str) -> String {
    let approval = client
        .get(&format!("{PIM}/assignmentApprovals/{request}"))
        .await
        .expect(200);
    approval["stages"][0]["id"].as_str().unwrap().to_string()
}

fn review(result: &str) -> Value {
    json!({ "reviewResult": result, "justification": "Checked the ticket" })
}

#[common::both_backends]
async fn v3_an_activation_waits_for_the_approver_and_the_first_decision_wins() {
    let world = world().await;
    let pending = request_activation(&world).await;
    assert_eq!(pending["status"], "PendingApproval");
    let id = pending["id"].as_str().unwrap();
    assert_eq!(pending["approvalId"], id);
    assert!(world
        .admin
        .ids(&format!("/v1.0/groups/{}/members", world.group))
        .await
        .is_empty());

    let queue = world
        .carol
        .get(&format!("{PIM}/assignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=status eq 'PendingApproval'"))
        .await
        .expect(200);
    assert_eq!(queue["value"][0]["id"], id);
    assert_eq!(queue["value"][0]["ticketInfo"]["ticketNumber"], "INC-42");

    let approval = world
        .carol
        .get(&format!("{PIM}/assignmentApprovals/{id}"))
        .await
        .expect(200);
    let stage = &approval["stages"][0];
    assert_eq!(stage["status"], "InProgress");
    assert_eq!(stage["reviewResult"], "NotReviewed");
    assert_eq!(stage["assignedToMe"], true);
    let stage = stage["id"].as_str().unwrap();

    world
        .alice
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            review("Approve"),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");

    world.server.advance(TimeDelta::minutes(30));
    world
        .carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/steps/{stage}"),
            review("Approve"),
        )
        .await
        .expect(204);
    world
        .carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            review("Deny"),
        )
        .await
        .expect_error(409, "Conflict");

    let request = world
        .alice
        .get(&format!("{PIM}/assignmentScheduleRequests/{id}"))
        .await
        .expect(200);
    assert_eq!(request["status"], "Provisioned");
    let members = world
        .admin
        .ids(&format!("/v1.0/groups/{}/members", world.group))
        .await;
    assert_eq!(members, [world.alice_id.as_str()]);
    let schedule = world
        .alice
        .get(&format!(
            "{PIM}/assignmentSchedules/{}",
            request["targetScheduleId"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(
        schedule["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(world.server.now() + TimeDelta::hours(2)),
        "the approved activation starts at approval and keeps its length"
    );
}

#[common::both_backends]
async fn v3_a_denied_request_grants_nothing() {
    let world = world().await;
    let id = request_activation(&world).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stage = stage_id(&world.carol, &id).await;
    world
        .carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            review("Deny"),
        )
        .await
        .expect(204);
    let request = world
        .alice
        .get(&format!("{PIM}/assignmentScheduleRequests/{id}"))
        .await
        .expect(200);
    assert_eq!(request["status"], "Denied");
    assert!(world
        .admin
        .ids(&format!("/v1.0/groups/{}/members", world.group))
        .await
        .is_empty());
}

#[common::both_backends]
async fn v3_a_decision_needs_a_justification() {
    let world = world().await;
    let id = request_activation(&world).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stage = stage_id(&world.carol, &id).await;
    let message = world
        .carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            json!({ "reviewResult": "Approve" }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("justification"), "{message}");
}

#[common::both_backends]
async fn v3_a_request_undecided_for_24_hours_is_denied_by_the_scheduler() {
    let world = world().await;
    let id = request_activation(&world).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    world.server.advance(TimeDelta::hours(24));
    world.server.app.tick().await.unwrap();
    let request = world
        .alice
        .get(&format!("{PIM}/assignmentScheduleRequests/{id}"))
        .await
        .expect(200);
    assert_eq!(request["status"], "Denied");
    let stage = stage_id(&world.carol, &id).await;
    world
        .carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            review("Approve"),
        )
        .await
        .expect_error(409, "Conflict");
}

#[common::both_backends]
async fn v8_a_second_request_while_one_is_pending_is_refused() {
    let world = world().await;
    request_activation(&world).await;
    world
        .alice
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&world.alice_id, &world.group),
        )
        .await
        .expect_error(400, "PendingRoleAssignmentRequest");
}

#[common::both_backends]
async fn v4_the_requester_cancels_a_pending_request() {
    let world = world().await;
    let id = request_activation(&world).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    world
        .carol
        .post(
            &format!("{PIM}/assignmentScheduleRequests/{id}/cancel"),
            json!({}),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    world
        .alice
        .post(
            &format!("{PIM}/assignmentScheduleRequests/{id}/cancel"),
            json!({}),
        )
        .await
        .expect(204);
    let request = world
        .alice
        .get(&format!("{PIM}/assignmentScheduleRequests/{id}"))
        .await
        .expect(200);
    assert_eq!(request["status"], "Canceled");
    let queue = world
        .carol
        .get(&format!(
            "{PIM}/assignmentScheduleRequests/filterByCurrentUser(on='approver')"
        ))
        .await
        .expect(200);
    assert!(queue["value"].as_array().unwrap().is_empty());
}

#[common::both_backends]
async fn e1_e3_an_extension_is_decided_by_an_administrator_who_sets_the_new_end() {
    let world = world().await;
    let eligibility = world
        .admin
        .get(&format!(
            "{PIM}/eligibilitySchedules?$filter=groupId eq '{}'",
            world.group
        ))
        .await
        .expect(200);
    let old_schedule = eligibility["value"][0]["id"].as_str().unwrap().to_string();
    world.server.advance(TimeDelta::days(20));
    let extension = world
        .alice
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": world.alice_id, "groupId": world.group, "action": "selfExtend",
            "justification": "Still on call next month",
        }))
        .await
        .expect(201);
    assert_eq!(extension["status"], "PendingApproval");
    let id = extension["id"].as_str().unwrap();

    let stage = stage_id(&world.admin, id).await;
    world
        .carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            review("Approve"),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let new_end = world.server.now() + TimeDelta::days(60);
    world
        .admin
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            json!({
                "reviewResult": "Approve", "justification": "Rota confirmed",
                "stintSchedule": { "endDateTime": graph_time(new_end) },
            }),
        )
        .await
        .expect(204);

    let schedules = world
        .admin
        .get(&format!(
            "{PIM}/eligibilitySchedules?$filter=groupId eq '{}'",
            world.group
        ))
        .await
        .expect(200);
    let value = schedules["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    assert_ne!(value[0]["id"], old_schedule.as_str());
    assert_eq!(
        value[0]["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(new_end)
    );
}
