//! Changing group settings over HTTP (SPEC S3, S4, S5, A4): rule PATCHes with their `@odata.type`,
//! invalid rules, who may change them, the audit, and a request under a changed policy.
#![allow(clippy::unwrap_used)]

mod common;
mod policy_helpers;

use serde_json::{json, Value};
use stint_core::directory::BuiltInRole;

use common::TestServer;
use policy_helpers::*;

#[common::both_backends]
async fn s3_a_rule_is_read_and_updated_with_its_odata_type() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    let policy = policy_id(&admin, &group, "member").await;
    let body = expiration_rule(
        "Expiration_EndUser_Assignment",
        true,
        Some("PT1H45M"),
        "EndUser",
        "Assignment",
    );
    let reply = admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Expiration_EndUser_Assignment"),
            body,
        )
        .await;
    assert_eq!(reply.expect(204), Value::Null);
    let rule = get_rule(&admin, &policy, "Expiration_EndUser_Assignment").await;
    assert_eq!(rule["maximumDuration"], "PT1H45M");
    assert!(rule["@odata.context"].as_str().unwrap().ends_with(&format!(
        "#policies/roleManagementPolicies('{policy}')/rules/$entity"
    )));
    let changed = admin.get(&format!("{POLICIES}/{policy}")).await.expect(200);
    assert_eq!(changed["lastModifiedBy"]["displayName"], "Administrator");
    assert!(changed["lastModifiedBy"]["id"].is_string());
    assert_eq!(
        changed["lastModifiedDateTime"],
        common::graph_time(server.now())
    );

    let owner = policy_id(&admin, &group, "owner").await;
    let untouched = get_rule(&admin, &owner, "Expiration_EndUser_Assignment").await;
    assert_eq!(
        untouched["maximumDuration"], "PT8H",
        "S1: owner settings are separate"
    );

    let rules = admin
        .get(&format!("{POLICIES}/{policy}/rules"))
        .await
        .expect(200);
    assert_eq!(rules["value"].as_array().unwrap().len(), 17);
    admin
        .get(&format!("{POLICIES}/{policy}/rules/Expiration_Nowhere"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

#[common::both_backends]
async fn s3_a_body_of_another_rule_type_is_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    let policy = policy_id(&admin, &group, "member").await;
    let path = format!("{POLICIES}/{policy}/rules/Expiration_EndUser_Assignment");
    let mut body = expiration_rule(
        "Expiration_EndUser_Assignment",
        true,
        Some("PT2H"),
        "EndUser",
        "Assignment",
    );
    body["@odata.type"] = json!("#microsoft.graph.unifiedRoleManagementPolicyEnablementRule");
    let message = admin
        .patch(&path, body.clone())
        .await
        .expect_error(400, "BadRequest");
    assert!(
        message.contains("Expiration_EndUser_Assignment.@odata.type"),
        "{message}"
    );
    body["@odata.type"] = json!("#microsoft.graph.unifiedRoleManagementPolicyExpirationRule");
    body["id"] = json!("Expiration_Admin_Assignment");
    admin
        .patch(&path, body.clone())
        .await
        .expect_error(400, "BadRequest");
    body["id"] = json!("Expiration_EndUser_Assignment");
    body["target"]["caller"] = json!("Admin");
    let message = admin
        .patch(&path, body)
        .await
        .expect_error(400, "InvalidPolicy");
    assert!(message.contains("target.caller"), "{message}");
    let months = expiration_rule(
        "Expiration_Admin_Eligibility",
        true,
        Some("P6M"),
        "Admin",
        "Eligibility",
    );
    admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Expiration_Admin_Eligibility"),
            months,
        )
        .await
        .expect_error(400, "InvalidPolicy");
    assert_eq!(
        get_rule(&admin, &policy, "Expiration_EndUser_Assignment").await["maximumDuration"],
        "PT8H"
    );
}

#[common::both_backends]
async fn s3_approval_needs_an_approver_who_exists() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = admin.create_user("bob").await;
    let group = managed_group(&admin, "Finance", false).await;
    let policy = policy_id(&admin, &group, "member").await;
    let path = format!("{POLICIES}/{policy}/rules/Approval_EndUser_Assignment");
    let message = admin
        .patch(&path, approval_rule(true, json!([])))
        .await
        .expect_error(400, "InvalidPolicy");
    assert!(
        message.contains("Approval_EndUser_Assignment.setting.approvalStages[0].primaryApprovers"),
        "{message}"
    );
    let stranger = "3cce9d87-3986-4f19-8335-7ed075408ca2";
    admin
        .patch(
            &path,
            approval_rule(
                true,
                json!([{"@odata.type": "#microsoft.graph.singleUser", "userId": stranger}]),
            ),
        )
        .await
        .expect_error(400, "InvalidPolicy");
    let approvers = json!([{"@odata.type": "#microsoft.graph.singleUser", "userId": bob}]);
    admin
        .patch(&path, approval_rule(true, approvers.clone()))
        .await
        .expect(204);
    let rule = get_rule(&admin, &policy, "Approval_EndUser_Assignment").await;
    assert_eq!(rule["setting"]["isApprovalRequired"], true);
    assert_eq!(
        rule["setting"]["approvalStages"][0]["primaryApprovers"],
        approvers
    );
}

#[common::both_backends]
async fn s3_ticketing_is_not_an_administrators_requirement() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    let policy = policy_id(&admin, &group, "member").await;
    let rule = |id: &str, level: &str, caller: &str| {
        json!({
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
            "id": id,
            "enabledRules": ["Justification", "MultiFactorAuthentication", "Ticketing"],
            "target": target(caller, level),
        })
    };
    let message = admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Enablement_Admin_Assignment"),
            rule("Enablement_Admin_Assignment", "Assignment", "Admin"),
        )
        .await
        .expect_error(400, "InvalidPolicyEnabledRules");
    assert!(message.starts_with("Invalid enabled rules for rule id 'Enablement_Admin_Assignment'. Supported values are 'MultiFactorAuthentication,Justification'."), "{message}");
    admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Enablement_EndUser_Assignment"),
            rule("Enablement_EndUser_Assignment", "Assignment", "EndUser"),
        )
        .await
        .expect(204);
    let changed = get_rule(&admin, &policy, "Enablement_EndUser_Assignment").await;
    assert_eq!(
        changed["enabledRules"],
        json!(["MultiFactorAuthentication", "Justification", "Ticketing"])
    );
}

#[common::both_backends]
async fn s3_several_rules_change_in_one_policy_patch() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    let policy = policy_id(&admin, &group, "owner").await;
    let notification = json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule",
        "id": "Notification_Admin_EndUser_Assignment",
        "notificationType": "Email",
        "recipientType": "Admin",
        "notificationLevel": "Critical",
        "isDefaultRecipientsEnabled": false,
        "notificationRecipients": ["secops@contoso.com"],
    });
    let body = json!({ "rules": [
        expiration_rule("Expiration_EndUser_Assignment", true, Some("PT2H"), "EndUser", "Assignment"),
        notification,
    ]});
    admin
        .patch(&format!("{POLICIES}/{policy}"), body)
        .await
        .expect(204);
    let expanded = admin
        .get(&format!("{POLICIES}/{policy}?$expand=rules"))
        .await
        .expect(200);
    let rules = expanded["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(
        rule("Expiration_EndUser_Assignment")["maximumDuration"],
        "PT2H"
    );
    assert_eq!(
        rule("Notification_Admin_EndUser_Assignment")["notificationLevel"],
        "Critical"
    );
    assert_eq!(
        rule("Notification_Admin_EndUser_Assignment")["notificationRecipients"],
        json!(["secops@contoso.com"])
    );

    let invalid = json!({ "rules": [
        expiration_rule("Expiration_EndUser_Assignment", true, Some("PT3H"), "EndUser", "Assignment"),
        expiration_rule("Expiration_Admin_Assignment", true, None, "Admin", "Assignment"),
    ]});
    admin
        .patch(&format!("{POLICIES}/{policy}"), invalid)
        .await
        .expect_error(400, "InvalidPolicy");
    assert_eq!(
        get_rule(&admin, &policy, "Expiration_EndUser_Assignment").await["maximumDuration"],
        "PT2H",
        "all or nothing"
    );
}

#[common::both_backends]
async fn s4_a_groups_administrator_cannot_change_a_role_assignable_groups_settings() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let tier0 = managed_group(&admin, "Tier 0", true).await;
    let finance = managed_group(&admin, "Finance", false).await;
    let (_, groups_admin) = server
        .user_with_role("gus", BuiltInRole::GroupsAdministrator)
        .await;
    let body = expiration_rule(
        "Expiration_EndUser_Assignment",
        true,
        Some("PT2H"),
        "EndUser",
        "Assignment",
    );
    let tier0_policy = policy_id(&admin, &tier0, "member").await;
    groups_admin
        .patch(
            &format!("{POLICIES}/{tier0_policy}/rules/Expiration_EndUser_Assignment"),
            body.clone(),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    groups_admin
        .get(&format!("{POLICIES}?{}", scope(&tier0)))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    groups_admin
        .get(&format!("{POLICIES}/{tier0_policy}/rules"))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert_eq!(
        get_rule(&admin, &tier0_policy, "Expiration_EndUser_Assignment").await["maximumDuration"],
        "PT8H"
    );
    let finance_policy = policy_id(&groups_admin, &finance, "member").await;
    groups_admin
        .patch(
            &format!("{POLICIES}/{finance_policy}/rules/Expiration_EndUser_Assignment"),
            body,
        )
        .await
        .expect(204);
}

#[common::both_backends]
async fn s3_a_policy_update_is_in_the_groups_audit() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    let policy = policy_id(&admin, &group, "member").await;
    let body = expiration_rule(
        "Expiration_EndUser_Assignment",
        true,
        Some("PT1H45M"),
        "EndUser",
        "Assignment",
    );
    admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Expiration_EndUser_Assignment"),
            body,
        )
        .await
        .expect(204);
    let audit = admin
        .get(&format!("/stint/v1/audit?groupId={group}"))
        .await
        .expect(200);
    let event = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "policy.update")
        .unwrap_or_else(|| panic!("no policy.update in {audit}"));
    assert_eq!(event["result"], "success");
    assert_eq!(event["targetId"], policy);
    let message = event["message"].as_str().unwrap();
    assert!(
        message.contains("Expiration_EndUser_Assignment")
            && message.contains("PT8H")
            && message.contains("PT1H45M"),
        "{message}"
    );
}

#[common::both_backends]
async fn a4_a_permanent_active_assignment_is_allowed_once_the_policy_allows_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let group = managed_group(&admin, "Finance", false).await;
    let request = json!({
        "accessId": "member",
        "principalId": alice,
        "groupId": group,
        "action": "adminAssign",
        "scheduleInfo": { "expiration": { "type": "noExpiration" } },
        "justification": "Always on call",
    });
    let message = admin
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            request.clone(),
        )
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("ExpirationRule"), "{message}");

    let policy = policy_id(&admin, &group, "member").await;
    let permanent = expiration_rule(
        "Expiration_Admin_Assignment",
        false,
        None,
        "Admin",
        "Assignment",
    );
    admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Expiration_Admin_Assignment"),
            permanent,
        )
        .await
        .expect(204);
    let rule = get_rule(&admin, &policy, "Expiration_Admin_Assignment").await;
    assert_eq!(rule["isExpirationRequired"], false);
    let created = admin
        .post(&format!("{PIM}/assignmentScheduleRequests"), request)
        .await
        .expect(201);
    assert_eq!(created["status"], "Provisioned");
    assert_eq!(
        created["scheduleInfo"]["expiration"]["type"],
        "noExpiration"
    );
}
