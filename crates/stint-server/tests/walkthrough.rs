//! The scripted walk of issue 2, as `admin`, over HTTP; the README's tour is the same walk.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_core::directory::BuiltInRole;

use common::{graph_time, TestServer, PASSWORD};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

fn request(access: &str, principal: &str, group: &str, action: &str, expiration: Value) -> Value {
    json!({
        "accessId": access,
        "principalId": principal,
        "groupId": group,
        "action": action,
        "scheduleInfo": { "expiration": expiration },
        "justification": "Walkthrough",
    })
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_string())
        .collect()
}

#[common::both_backends]
async fn issue_2_walkthrough_as_admin() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    // Users alice, bob and helpdesk (Helpdesk Administrator).
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    let helpdesk_id = admin.create_user("helpdesk").await;
    admin
        .assign_role(&helpdesk_id, BuiltInRole::HelpdeskAdministrator, "/")
        .await;
    let helpdesk = server.client_as("helpdesk", PASSWORD).await;

    // A role-assignable security group, brought under PIM.
    let group = admin.create_group("Tier 0 Admins", true).await;
    let managed = admin
        .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    assert_eq!(managed["managed"], true);
    let listed = admin
        .get("/stint/v1/pim/groups?managed=true")
        .await
        .expect(200);
    assert_eq!(ids(&listed, "id"), [group.as_str()]);

    // Alice eligible member for 30 days; bob active owner for one day.
    let eligible = admin
        .post(
            &format!("{PIM}/eligibilityScheduleRequests"),
            request(
                "member",
                &alice,
                &group,
                "AdminAssign",
                json!({"type": "AfterDuration", "duration": "P30D"}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(eligible["status"], "Provisioned");
    assert_eq!(eligible["action"], "adminAssign");
    assert_eq!(
        eligible["scheduleInfo"]["expiration"]["type"],
        "afterDuration"
    );
    assert_eq!(
        eligible["scheduleInfo"]["startDateTime"],
        graph_time(server.now())
    );
    let request_id = eligible["id"].as_str().unwrap();
    assert_eq!(
        eligible["targetScheduleId"],
        format!("{group}_member_{request_id}")
    );
    assert!(eligible["@odata.context"].as_str().unwrap().ends_with(
        "/v1.0/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/$entity"
    ));

    admin
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            request(
                "owner",
                &bob,
                &group,
                "adminAssign",
                json!({"type": "afterDuration", "duration": "P1D"}),
            ),
        )
        .await
        .expect(201);

    // Eligibility schedules filtered by the group.
    let schedules = admin
        .get(&format!(
            "{PIM}/eligibilitySchedules?$filter=groupId eq '{group}'"
        ))
        .await
        .expect(200);
    assert_eq!(ids(&schedules, "principalId"), [alice.as_str()]);
    let schedule = &schedules["value"][0];
    assert_eq!(schedule["id"], format!("{group}_member_{request_id}"));
    assert_eq!(schedule["memberType"], "direct");
    assert_eq!(schedule["status"], "Provisioned");
    assert_eq!(
        schedule["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(server.now() + TimeDelta::days(30))
    );

    // Eligible is not a member; the active owner is an owner.
    let members = admin
        .get(&format!("/v1.0/groups/{group}/members"))
        .await
        .expect(200);
    assert!(ids(&members, "id").is_empty());
    let owners = admin
        .get(&format!("/v1.0/groups/{group}/owners"))
        .await
        .expect(200);
    assert_eq!(ids(&owners, "id"), [bob.as_str()]);

    // A3: removing bob's ownership within five minutes is refused.
    server.advance(TimeDelta::minutes(4));
    let message = admin
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            json!({
                "accessId": "owner", "principalId": bob, "groupId": group, "action": "adminRemove",
            }),
        )
        .await
        .expect_error(400, "ActiveDurationTooShort");
    assert!(message.contains("5 minutes"), "{message}");

    // A2: a four-minute assignment is refused the same way.
    let carol = admin.create_user("carol").await;
    admin
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            request(
                "member",
                &carol,
                &group,
                "adminAssign",
                json!({"type": "afterDuration", "duration": "PT4M"}),
            ),
        )
        .await
        .expect_error(400, "ActiveDurationTooShort");

    // A4: a permanent active assignment is refused by the default policy.
    let message = admin
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            request(
                "member",
                &carol,
                &group,
                "adminAssign",
                json!({"type": "noExpiration"}),
            ),
        )
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("ExpirationRule"), "{message}");

    // P3: a dynamic group cannot be managed.
    let dynamic = admin
        .create_group_with(json!({
            "displayName": "All engineers", "securityEnabled": true, "mailEnabled": false,
            "groupTypes": ["DynamicMembership"], "membershipRule": "user.department -eq \"Engineering\"",
            "membershipRuleProcessingState": "On",
        }))
        .await;
    let message = admin
        .post(&format!("/stint/v1/pim/groups/{dynamic}/manage"), json!({}))
        .await
        .expect_error(400, "GroupNotManageable");
    assert!(message.contains("dynamic"), "{message}");

    // D3: the 501st role-assignable group is refused.
    for n in 2..=500 {
        admin.create_group(&format!("Role group {n}"), true).await;
    }
    admin
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Role group 501", "securityEnabled": true, "mailEnabled": false,
                "groupTypes": [], "isAssignableToRole": true,
            }),
        )
        .await
        .expect_error(400, "RoleAssignableGroupLimitReached");
    let all_groups = admin
        .get("/v1.0/groups?$filter=displayName eq 'Role group 501'")
        .await
        .expect(200);
    assert!(
        all_groups["value"].as_array().unwrap().is_empty(),
        "nothing was created"
    );

    // D7: helpdesk cannot add members to the role-assignable group, and nothing changes.
    helpdesk
        .post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            common::reference(&carol),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let members = admin
        .get(&format!("/v1.0/groups/{group}/members"))
        .await
        .expect(200);
    assert!(ids(&members, "id").is_empty());

    // U1: every one of these is in the audit log.
    let audit = admin
        .get(&format!("/stint/v1/audit?groupId={group}&$top=999"))
        .await
        .expect(200);
    let events: Vec<(String, String)> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("group.create", "success"),
        ("group.manage", "success"),
        ("request.adminAssign", "success"),
        ("request.adminRemove", "failure"),
        ("request.adminAssign", "failure"),
        ("group.member.add", "failure"),
    ] {
        assert!(
            events
                .iter()
                .any(|(action, result)| action == expected.0 && result == expected.1),
            "{expected:?} missing from {events:?}"
        );
    }
    let everything = admin.get("/stint/v1/audit?$top=999").await.expect(200);
    let messages: Vec<&str> = everything["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("GroupNotManageable")),
        "the P3 refusal is audited"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("RoleAssignableGroupLimitReached")),
        "the D3 refusal is audited"
    );
}

/// The README tour's second half, with its bodies: Alice's own token, an activation ended early
/// (refused within five minutes, accepted after), the policy found by its assignment and its
/// approval rule PATCHed to name Bob, who approves Alice's next activation.
#[common::both_backends]
async fn the_readme_tour_alice_activates_ends_early_and_bob_approves_her_next_activation() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    let group = admin.create_group("Tier 0 Admins", true).await;
    admin
        .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    let expiration = |duration: &str| json!({"type": "afterDuration", "duration": duration});
    admin
        .post(
            &format!("{PIM}/eligibilityScheduleRequests"),
            request("member", &alice, &group, "adminAssign", expiration("P30D")),
        )
        .await
        .expect(201);

    let token = server.sign_in("alice", PASSWORD).await.expect(200);
    let alice_client = admin.with_token(token["access_token"].as_str().unwrap());
    let activate = |duration: &str| {
        request(
            "member",
            &alice,
            &group,
            "selfActivate",
            expiration(duration),
        )
    };
    let deactivate = json!({
        "accessId": "member", "principalId": alice, "groupId": group, "action": "selfDeactivate",
    });
    let requests = format!("{PIM}/assignmentScheduleRequests");
    alice_client
        .post(&requests, activate("PT2H"))
        .await
        .expect(201);
    let members = admin
        .get(&format!("/v1.0/groups/{group}/members"))
        .await
        .expect(200);
    assert_eq!(ids(&members, "id"), [alice.as_str()]);
    alice_client
        .post(&requests, deactivate.clone())
        .await
        .expect_error(400, "ActiveDurationTooShort");
    server.advance(TimeDelta::minutes(5));
    alice_client.post(&requests, deactivate).await.expect(201);
    let rules = alice_client
        .get(&format!("/stint/v1/pim/groups/{group}/activationRules"))
        .await
        .expect(200);
    assert_eq!(rules["maximumDuration"], "PT8H");
    assert_eq!(rules["isApprovalRequired"], false);

    let assignments = admin
        .get(&format!(
            "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{group}' and scopeType eq 'Group' and roleDefinitionId eq 'member'"
        ))
        .await
        .expect(200);
    let policy = assignments["value"][0]["policyId"].as_str().unwrap();
    admin
        .patch(
            &format!("/v1.0/policies/roleManagementPolicies/{policy}/rules/Approval_EndUser_Assignment"),
            json!({
                "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
                "id": "Approval_EndUser_Assignment",
                "setting": {"isApprovalRequired": true, "approvalMode": "SingleStage", "approvalStages": [{
                    "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
                    "primaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": bob}]}]},
            }),
        )
        .await
        .expect(204);

    let pending = alice_client
        .post(&requests, activate("PT1H"))
        .await
        .expect(201);
    assert_eq!(pending["status"], "PendingApproval");
    let request_id = pending["id"].as_str().unwrap();
    let bob_client = server.client_as("bob", PASSWORD).await;
    let waiting = bob_client
        .get(&format!("{requests}/filterByCurrentUser(on='approver')"))
        .await
        .expect(200);
    assert_eq!(ids(&waiting, "id"), [request_id]);
    let approval = bob_client
        .get(&format!("{PIM}/assignmentApprovals/{request_id}"))
        .await
        .expect(200);
    let stage = approval["stages"][0]["id"].as_str().unwrap();
    bob_client
        .patch(
            &format!("{PIM}/assignmentApprovals/{request_id}/stages/{stage}"),
            json!({"reviewResult": "Approve", "justification": "Checked INC-43"}),
        )
        .await
        .expect(204);
    let members = admin
        .get(&format!("/v1.0/groups/{group}/members"))
        .await
        .expect(200);
    assert_eq!(ids(&members, "id"), [alice.as_str()]);
}
