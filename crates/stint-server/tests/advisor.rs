//! The advisor over HTTP (SPEC X1): findings with why, fix and link, for administrators only.
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::{json, Value};
use stint_core::directory::BuiltInRole;

use common::TestServer;

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

fn of_kind<'a>(answer: &'a Value, kind: &str) -> Vec<&'a Value> {
    answer["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["kind"] == kind)
        .collect()
}

#[common::both_backends]
async fn x1_the_advisor_names_a_role_holding_group_activated_without_approval_until_it_is_fixed() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let tier0 = admin.create_group("Tier 0", true).await;
    admin
        .assign_role(&tier0, BuiltInRole::GlobalAdministrator, "/")
        .await;
    let alice = admin.create_user("alice").await;
    admin
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": alice, "groupId": tier0, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "Break-glass rota",
        }))
        .await
        .expect(201);

    let answer = admin.get("/stint/v1/advisor").await.expect(200);
    let found = of_kind(&answer, "roleGroupActivationWithoutApproval");
    assert_eq!(found.len(), 1, "{answer}");
    let finding = found[0];
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["objects"][0]["id"], tier0);
    assert_eq!(finding["objects"][0]["displayName"], "Tier 0");
    assert_eq!(
        finding["link"],
        format!("/ui/groups/{tier0}/settings/member")
    );
    assert!(finding["why"].as_str().unwrap().len() > 20);
    assert!(finding["fix"].as_str().unwrap().contains("approval"));
    assert!(answer["counts"]["high"].as_u64().unwrap() >= 1);
    let exposed = of_kind(&answer, "privilegeWithoutMfa");
    assert_eq!(exposed.len(), 1, "one finding names everyone: {answer}");
    assert_eq!(
        exposed[0]["objects"].as_array().unwrap().len(),
        2,
        "admin and alice: {answer}"
    );

    let policies = admin
        .get(&format!(
            "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{tier0}' and scopeType eq 'Group' and roleDefinitionId eq 'member'"
        ))
        .await
        .expect(200);
    let policy = policies["value"][0]["policyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let approver = admin.create_user("approver-1").await;
    let second = admin.create_user("approver-2").await;
    let user = |id: &str| json!({ "@odata.type": "#microsoft.graph.singleUser", "userId": id });
    admin
        .patch(
            &format!(
                "/v1.0/policies/roleManagementPolicies/{policy}/rules/Approval_EndUser_Assignment"
            ),
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
                        "primaryApprovers": [user(&approver), user(&second)],
                        "escalationApprovers": []
                    }]
                }
            }),
        )
        .await
        .expect(204);
    let answer = admin.get("/stint/v1/advisor").await.expect(200);
    assert!(
        of_kind(&answer, "roleGroupActivationWithoutApproval").is_empty(),
        "{answer}"
    );
    assert!(
        of_kind(&answer, "fewerThanTwoApprovers").is_empty(),
        "{answer}"
    );
}

#[common::both_backends]
async fn x1_only_global_and_privileged_role_administrators_read_the_advisor() {
    let server = TestServer::start().await;
    let (_, groups_admin) = server
        .user_with_role("groups-admin", BuiltInRole::GroupsAdministrator)
        .await;
    groups_admin
        .get("/stint/v1/advisor")
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let (_, privileged) = server
        .user_with_role("pra", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    privileged.get("/stint/v1/advisor").await.expect(200);
}
