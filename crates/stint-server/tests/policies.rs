//! Reading group settings over HTTP (SPEC S1, S2, P6): Graph's roleManagementPolicies with their
//! 17 rules, and roleManagementPolicyAssignments. Changing them: `policy_updates.rs`.
#![allow(clippy::unwrap_used)]

mod common;
mod policy_helpers;

use serde_json::{json, Value};

use common::TestServer;
use policy_helpers::*;

#[common::both_backends]
async fn s1_a_groups_two_policies_are_listed_by_scope() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    let list = admin
        .get(&format!("{POLICIES}?{}", scope(&group)))
        .await
        .expect(200);
    assert!(list["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#policies/roleManagementPolicies"));
    let policies = list["value"].as_array().unwrap();
    assert_eq!(policies.len(), 2);
    for policy in policies {
        assert!(policy["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Group_{group}_")));
        assert_eq!(policy["displayName"], "Group");
        assert_eq!(policy["description"], "Group");
        assert_eq!(policy["isOrganizationDefault"], false);
        assert_eq!(policy["scopeId"], group);
        assert_eq!(policy["scopeType"], "Group");
        assert_eq!(policy["lastModifiedDateTime"], Value::Null);
        assert_eq!(
            policy["lastModifiedBy"],
            json!({"displayName": null, "id": null})
        );
        assert!(policy.get("rules").is_none(), "rules only when expanded");
    }
    assert_ne!(policies[0]["id"], policies[1]["id"]);

    let member = policy_id(&admin, &group, "member").await;
    let one = admin.get(&format!("{POLICIES}/{member}")).await.expect(200);
    assert_eq!(one["id"], member);
    assert!(one["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#policies/roleManagementPolicies/$entity"));
}

#[common::both_backends]
async fn s1_lists_without_the_scope_filter_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Finance", false).await;
    for path in [
        POLICIES.to_string(),
        ASSIGNMENTS.to_string(),
        format!("{POLICIES}?$filter=scopeId eq '{group}'"),
        format!("{POLICIES}?$filter=scopeId eq '{group}' and scopeType eq 'DirectoryRole'"),
        format!("{ASSIGNMENTS}?$filter=scopeType eq 'Group'"),
    ] {
        let message = admin.get(&path).await.expect_error(400, "BadRequest");
        assert!(message.contains("scope"), "{path}: {message}");
    }
}

#[common::both_backends]
async fn s2_expanded_rules_are_the_17_rules_with_entras_defaults() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Not yet managed", false).await;
    let list = admin
        .get(&format!("{POLICIES}?{}&$expand=rules", scope(&group)))
        .await
        .expect(200);
    assert!(list["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#policies/roleManagementPolicies(rules())"));
    for policy in list["value"].as_array().unwrap() {
        let rules = policy["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, RULE_IDS);
        let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
        let eligibility = rule("Expiration_Admin_Eligibility");
        assert_eq!(
            eligibility["@odata.type"],
            "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
        );
        assert_eq!(eligibility["isExpirationRequired"], true);
        assert_eq!(eligibility["maximumDuration"], "P365D");
        assert_eq!(
            eligibility["target"],
            json!({"caller": "Admin", "operations": ["all"], "level": "Eligibility",
                   "inheritableSettings": [], "enforcedSettings": []})
        );
        assert_eq!(
            rule("Expiration_Admin_Assignment")["maximumDuration"],
            "P180D"
        );
        assert_eq!(
            rule("Expiration_EndUser_Assignment")["maximumDuration"],
            "PT8H"
        );
        assert_eq!(
            rule("Enablement_Admin_Eligibility")["enabledRules"],
            json!([])
        );
        assert_eq!(
            rule("Enablement_Admin_Assignment")["enabledRules"],
            json!(["Justification"])
        );
        assert_eq!(
            rule("Enablement_EndUser_Assignment")["enabledRules"],
            json!(["Justification"])
        );
        assert_eq!(
            rule("Approval_EndUser_Assignment")["setting"],
            json!({
                "isApprovalRequired": false,
                "isApprovalRequiredForExtension": false,
                "isRequestorJustificationRequired": true,
                "approvalMode": "SingleStage",
                "approvalStages": [{
                    "approvalStageTimeOutInDays": 1,
                    "isApproverJustificationRequired": true,
                    "escalationTimeInMinutes": 0,
                    "isEscalationEnabled": false,
                    "primaryApprovers": [],
                    "escalationApprovers": [],
                }],
            })
        );
        let context = rule("AuthenticationContext_EndUser_Assignment");
        assert_eq!(
            (context["isEnabled"].clone(), context["claimValue"].clone()),
            (json!(false), Value::Null)
        );
        let notification = rule("Notification_Approver_EndUser_Assignment");
        assert_eq!(notification["notificationType"], "Email");
        assert_eq!(notification["recipientType"], "Approver");
        assert_eq!(notification["notificationLevel"], "All");
        assert_eq!(notification["isDefaultRecipientsEnabled"], true);
        assert_eq!(notification["notificationRecipients"], json!([]));
        assert_eq!(notification["target"]["caller"], "EndUser");
    }
}

#[common::both_backends]
async fn s1_policy_assignments_expand_to_policies_with_rules() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    let list = admin
        .get(&format!(
            "{ASSIGNMENTS}?{}&$expand=policy($expand=rules)",
            scope(&group)
        ))
        .await
        .expect(200);
    assert!(list["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#policies/roleManagementPolicyAssignments(policy(rules()))"));
    let assignments = list["value"].as_array().unwrap();
    let roles: Vec<&str> = assignments
        .iter()
        .map(|a| a["roleDefinitionId"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["member", "owner"]);
    for assignment in assignments {
        let policy = &assignment["policy"];
        assert_eq!(assignment["policyId"], policy["id"]);
        assert_eq!(
            assignment["id"],
            format!(
                "{}_{}",
                policy["id"].as_str().unwrap(),
                assignment["roleDefinitionId"].as_str().unwrap()
            )
        );
        assert_eq!(assignment["scopeId"], group);
        assert_eq!(assignment["scopeType"], "Group");
        assert_eq!(policy["rules"].as_array().unwrap().len(), 17);
    }
    let id = assignments[1]["id"].as_str().unwrap();
    let one = admin
        .get(&format!("{ASSIGNMENTS}/{id}?$expand=policy"))
        .await
        .expect(200);
    assert_eq!(one["roleDefinitionId"], "owner");
    assert!(one["policy"].get("rules").is_none());
    assert!(one["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#policies/roleManagementPolicyAssignments(policy())/$entity"));
}

#[common::both_backends]
async fn p6_updating_a_rule_of_an_unmanaged_group_onboards_it_and_changes_the_ids() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Finance", false).await;
    let before = policy_id(&admin, &group, "member").await;
    assert_eq!(
        policy_id(&admin, &group, "member").await,
        before,
        "stable until onboarded"
    );
    let body = expiration_rule(
        "Expiration_EndUser_Assignment",
        true,
        Some("PT4H"),
        "EndUser",
        "Assignment",
    );
    admin
        .patch(
            &format!("{POLICIES}/{before}/rules/Expiration_EndUser_Assignment"),
            body,
        )
        .await
        .expect(204);
    let managed = admin
        .get("/stint/v1/pim/groups?managed=true")
        .await
        .expect(200);
    assert_eq!(managed["value"][0]["id"], group);
    let after = policy_id(&admin, &group, "member").await;
    assert_ne!(after, before, "Graph's policy ids change on onboarding");
    admin
        .get(&format!("{POLICIES}/{before}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    assert_eq!(
        get_rule(&admin, &after, "Expiration_EndUser_Assignment").await["maximumDuration"],
        "PT4H"
    );
}
